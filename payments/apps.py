from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments and drawers"

    def ready(self):
        from payments import extensions

        extensions.register()
