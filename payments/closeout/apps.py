from django.apps import AppConfig


class CloseoutConfig(AppConfig):
    """End of day: drawer counts, cash drops, verification, the safe, the bank deposit and the
    business-day close. Part of payments, with its own label so its migrations stand apart."""

    name = "payments.closeout"
    label = "closeout"
    verbose_name = "End of day"
