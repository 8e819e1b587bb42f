from django.apps import AppConfig


class DepositsConfig(AppConfig):
    """Customer security deposits: the deposit ledger, collection at the counter or in
    instalments, waivers, letters of credit, interest, the review and the return. Part of
    payments, with its own label so its migrations stand apart."""

    name = "payments.deposits"
    label = "deposits"
    verbose_name = "Customer deposits"

    def ready(self):
        from payments.deposits import extensions

        extensions.register()
