from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = "Work orders, crews and vendors"

    def ready(self):
        from django.db.models.signals import post_migrate

        from workorders import tabs
        from workorders.models import ensure_work_order_types

        tabs.register()
        post_migrate.connect(ensure_work_order_types, sender=self)
