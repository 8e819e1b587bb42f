from django.apps import AppConfig


class RefundsConfig(AppConfig):
    """Refunds of credit balances, deposits and permit money: requested by a clerk, approved
    by another person (a supervisor), posted to the ledger with a check-request number, and
    followed until the check is cashed or reported as unclaimed property. Part of payments,
    with its own label so its migrations stand apart."""

    name = "payments.refunds"
    label = "refunds"
    verbose_name = "Refunds"

    def ready(self):
        from payments.refunds import extensions

        extensions.register()
