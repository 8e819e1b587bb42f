from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "utilityclerk.core"
    label = "core"
    verbose_name = "Audit, roles and policy"

    def ready(self):
        from django.db.models.signals import post_migrate

        from utilityclerk import roles
        from utilityclerk.cards import install_log_filters

        install_log_filters()
        post_migrate.connect(roles.grant_role_permissions, sender=self)
