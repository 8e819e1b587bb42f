"""What billing adds to other apps: account-page tabs and actions, the final-read hook,
the bill-run kind. Called once from BillingConfig.ready()."""


def register():
    pass
