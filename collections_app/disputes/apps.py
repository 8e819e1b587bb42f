from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "collections_app.disputes"
    label = "disputes"
    verbose_name = "Disputes, complaints and referrals"

    def ready(self):
        from collections_app.disputes import hooks

        hooks.register()
