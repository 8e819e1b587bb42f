from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = "Work orders, crews and vendors"

    def ready(self):
        from workorders import tabs

        tabs.register()
