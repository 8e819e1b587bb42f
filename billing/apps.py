from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: rates, meter reads, bill runs"

    def ready(self):
        from billing import hooks

        hooks.register()
