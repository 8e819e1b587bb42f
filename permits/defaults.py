"""The eight permit types with the fees of docs/policies.md. `ensure_permit_types`
(post_migrate) makes any type that is missing (a fresh database, a test flush) and never
touches a type an Admin has tuned."""

from decimal import Decimal

# code: (name, validity days, needs inspection, per day settled at return, details asked,
#        fee lines [(basis, label, size, amount, first day amount)], review steps [(name, role)])
PERMIT_TYPES = {
    "water_tap": (
        "Water tap",
        180,
        True,
        False,
        ["Parcel number", "Plumber"],
        [
            ("by_size", 'Water tap 3/4"', '3/4"', "450.00", None),
            ("by_size", 'Water tap 1"', '1"', "600.00", None),
            ("by_size", 'Water tap 2"', '2"', "1250.00", None),
        ],
        [("Engineering review", "Supervisor")],
    ),
    "sewer_tap": (
        "Sewer tap",
        180,
        True,
        False,
        ["Parcel number", "Plumber"],
        [("by_size", 'Sewer tap 4"', '4"', "400.00", None)],
        [("Engineering review", "Supervisor")],
    ),
    "meter_set": (
        "Meter set",
        90,
        True,
        False,
        [],
        [("by_size", 'Meter 3/4"', '3/4"', "100.00", None)],
        [("Counter check", "Clerk")],
    ),
    "street_cut": (
        "Street cut",
        30,
        True,
        False,
        ["Work description", "Traffic control plan"],
        [("flat", "Street cut", "", "500.00", None)],
        [("Counter check", "Clerk"), ("Right-of-way review", "Supervisor")],
    ),
    "hydrant_meter": (
        "Hydrant meter (construction water)",
        90,
        False,
        True,
        ["Hydrant location", "Use of water"],
        [
            ("flat", "Hydrant meter permit", "", "50.00", None),
            ("per_day", "Hydrant meter rental", "", "5.00", "25.00"),
            ("deposit", "Hydrant meter deposit", "", "1500.00", None),
        ],
        [("Counter check", "Clerk")],
    ),
    "backflow_test": (
        "Backflow device test filing",
        365,
        False,
        False,
        ["Device serial"],
        [("flat", "Backflow test filing, per device", "", "60.00", None)],
        [("Counter check", "Clerk")],
    ),
    "irrigation_meter": (
        "Irrigation meter",
        180,
        True,
        False,
        ["Irrigated area (sq ft)"],
        [
            ("by_size", 'Irrigation meter 3/4"', '3/4"', "100.00", None),
            ("by_size", 'Irrigation meter 1"', '1"', "150.00", None),
        ],
        [("Counter check", "Clerk")],
    ),
    "roll_off": (
        "Roll-off container",
        30,
        False,
        False,
        ["Placement (street or driveway)"],
        [("per_day", "Roll-off container in the right of way", "", "5.00", "25.00")],
        [("Counter check", "Clerk")],
    ),
}


def ensure_permit_types(sender=None, using="default", apps=None, **kwargs):
    from django.apps import apps as global_apps

    registry = apps or global_apps
    PermitType = registry.get_model("permits", "PermitType")
    PermitFee = registry.get_model("permits", "PermitFee")
    ReviewStep = registry.get_model("permits", "ReviewStep")
    for code, (name, days, inspect, at_return, asked, fees, steps) in PERMIT_TYPES.items():
        permit_type, created = PermitType.objects.using(using).get_or_create(
            code=code,
            defaults={
                "name": name,
                "validity_days": days,
                "needs_inspection": inspect,
                "per_day_settled_at_return": at_return,
                "details_asked": asked,
            },
        )
        if not created:
            continue
        PermitFee.objects.using(using).bulk_create(
            PermitFee(
                permit_type=permit_type,
                basis=basis,
                label=label,
                size=size,
                amount=Decimal(amount),
                first_day_amount=Decimal(first) if first else None,
            )
            for basis, label, size, amount, first in fees
        )
        ReviewStep.objects.using(using).bulk_create(
            ReviewStep(permit_type=permit_type, order=i, name=step, role=role)
            for i, (step, role) in enumerate(steps, start=1)
        )
