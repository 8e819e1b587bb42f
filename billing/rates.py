"""Rate schedules as the calculation reads them, and the demo utility's published rates."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from billing.models import ComponentKind, RateComponent, RateSchedule, RateVersion, UsageBasis
from billing.rating import Component, Version
from utilityclerk import audit

K = ComponentKind
D = Decimal

# Cibolo TX published residential rates (the demo utility's; every rate is data an Admin
# edits). Each class bills on them in the demo; government takes no trash.
WATER = [
    (K.FIXED, "Base charge (use up to 1,200 gal)", D("13.25"), None, 1200),
    (K.FIXED, "Base charge", D("27.15"), 1200, None),
    (K.TIER, "Water use, tier 1", D("5.95"), 1200, 7000),
    (K.TIER, "Water use, tier 2", D("7.61"), 7000, 15000),
    (K.TIER, "Water use, tier 3", D("9.21"), 15000, 30000),
    (K.TIER, "Water use, tier 4", D("10.82"), 30000, 50000),
    (K.TIER, "Water use, tier 5", D("13.54"), 50000, None),
    (K.PASS_THROUGH, "Water acquisition fee", D("9.00"), None, None),
]
SEWER = [
    (K.FIXED, "Sewer base (first 3,000 gal)", D("18.11"), None, None),
    (K.TIER, "Sewer use", D("5.28"), 3000, None),
]
STORMWATER = [(K.PER_ERU, "Stormwater", D("6.50"), None, None)]
TRASH = [(K.FLAT, "Trash", D("13.49"), None, None), (K.FLAT, "Recycling", D("2.46"), None, None)]

DEMO_SCHEDULES = {
    "W": ("water", "Water", UsageBasis.METERED, WATER),
    "S": ("sewer", "Sewer", UsageBasis.WINTER_AVERAGE, SEWER),
    "SW": ("stormwater", "Stormwater", UsageBasis.NONE, STORMWATER),
    "T": ("trash", "Trash and recycling", UsageBasis.NONE, TRASH),
}
CLASSES = {"RES": "Residential", "COM": "Commercial", "GOV": "Government"}
DEMO_EFFECTIVE_FROM = date(2020, 1, 1)


def load_demo_rates(*, by=None) -> int:
    """Create the demo schedules that are missing (safe to re-run). Returns how many."""
    made = 0
    with transaction.atomic():
        for class_code, class_name in CLASSES.items():
            for suffix, (utility, name, basis, components) in DEMO_SCHEDULES.items():
                if class_code == "GOV" and utility == "trash":
                    continue
                code = f"{class_code}-{suffix}"
                schedule, created = RateSchedule.objects.get_or_create(
                    code=code,
                    defaults={
                        "name": f"{class_name} {name.lower()}",
                        "utility": utility,
                        "usage_basis": basis,
                    },
                )
                if not created:
                    continue
                version = RateVersion.objects.create(
                    schedule=schedule,
                    effective_from=DEMO_EFFECTIVE_FROM,
                    note="Cibolo TX published rates",
                )
                RateComponent.objects.bulk_create(
                    RateComponent(
                        version=version,
                        kind=kind,
                        label=label,
                        amount=amount,
                        usage_from=low,
                        usage_to=high,
                        position=i,
                    )
                    for i, (kind, label, amount, low, high) in enumerate(components)
                )
                audit.record(
                    actor=by,
                    action="rate.add",
                    target=schedule,
                    after={"code": code, "effective_from": DEMO_EFFECTIVE_FROM.isoformat()},
                )
                made += 1
    return made


def as_version(version: RateVersion, components) -> Version:
    schedule = version.schedule
    return Version(
        code=schedule.code,
        utility=schedule.utility,
        basis=schedule.usage_basis,
        effective_from=version.effective_from,
        components=tuple(
            Component(
                kind=c.kind,
                label=c.label,
                amount=c.amount,
                meter_size=c.meter_size,
                usage_from=c.usage_from,
                usage_to=c.usage_to,
            )
            for c in components
        ),
    )


def all_versions() -> dict[str, list[Version]]:
    """Every schedule's versions by rate code, in two queries (a run rates 100,000 accounts
    from this one dictionary)."""
    versions = list(RateVersion.objects.select_related("schedule"))
    by_version: dict[int, list] = {v.pk: [] for v in versions}
    for component in RateComponent.objects.order_by("version", "position", "id"):
        by_version[component.version_id].append(component)
    out: dict[str, list[Version]] = {}
    for version in versions:
        out.setdefault(version.schedule.code, []).append(
            as_version(version, by_version[version.pk])
        )
    for code in out:
        out[code].sort(key=lambda v: v.effective_from)
    return out
