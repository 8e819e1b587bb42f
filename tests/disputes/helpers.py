from decimal import Decimal

from collections_app.disputes import services


def open_bill_case(account, bill, by, amount="84.97", **extra):
    fields = {
        "words": "My bill is twice what it always is. Nobody lives there but me.",
        "received_via": "phone",
        "party_type": "citizen",
        **extra,
    }
    return services.open_case(
        account=account, kind="bill", bill=bill, amount=Decimal(amount), by=by, **fields
    )
