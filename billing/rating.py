"""The one calculation of a service's charges: pure, no database, Decimal throughout.

`rate_service` takes the versions of a schedule, the period and what was used, and returns
the lines of the bill with the arithmetic of each in words a clerk can read out. A period
that spans a rate change is split by days: each part bills its share of the use on the
version in force, with its fixed charges and tier widths scaled by the same share. A first
or final bill covers less than a month: `month_share` scales its fixed charges the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from utilityclerk.money import ZERO, format_money, quantize_money

THOUSAND = Decimal(1000)
ONE = Decimal(1)
STANDARD_MONTH_DAYS = 30
MONTH_DAYS = (27, 33)  # a cycle bill of this many days is a month
_GALLONS = Decimal("0.01")


class RatingError(ValueError):
    """A service that cannot be rated (no version in force); the message is for the clerk."""


@dataclass(frozen=True)
class Component:
    kind: str  # billing.models.ComponentKind
    label: str
    amount: Decimal
    meter_size: str = ""
    usage_from: Decimal | None = None
    usage_to: Decimal | None = None


@dataclass(frozen=True)
class Version:
    code: str
    effective_from: date
    components: tuple[Component, ...]
    utility: str = ""
    basis: str = "metered"  # billing.models.UsageBasis


@dataclass(frozen=True)
class Line:
    kind: str
    label: str
    amount: Decimal
    explanation: str
    gallons: Decimal | None = None


@dataclass
class Charge:
    code: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def gal(value: Decimal) -> str:
    return f"{value.quantize(ONE):,} gal"


def _share_text(share: Decimal) -> str:
    return "" if share == ONE else f" × {share.normalize():f} of a month"


def segments(
    versions: Sequence[Version], start: date, end: date
) -> list[tuple[Version, date, date]]:
    """The parts of [start, end] (inclusive) under each version in force."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    in_force = [v for v in ordered if v.effective_from <= start]
    if not in_force:
        raise RatingError(
            f"No rate in force on {start:%m/%d/%Y}"
            + (f" for {ordered[0].code}" if ordered else "")
            + ": an Admin adds a rate version that starts on or before it."
        )
    current = in_force[-1]
    parts, part_start = [], start
    for version in ordered:
        if start < version.effective_from <= end:
            parts.append((current, part_start, version.effective_from - timedelta(days=1)))
            current, part_start = version, version.effective_from
    parts.append((current, part_start, end))
    return parts


def _applies(component: Component, *, use: Decimal, share: Decimal, meter_size: str) -> bool:
    if component.meter_size and component.meter_size != meter_size:
        return False
    if component.usage_from is not None and use <= component.usage_from * share:
        return False
    return component.usage_to is None or use <= component.usage_to * share


def _rate_part(
    version: Version,
    *,
    use: Decimal,
    share: Decimal,
    meter_size: str,
    eru: Decimal,
    note: str,
) -> list[Line]:
    lines: list[Line] = []
    for c in version.components:
        if c.kind == "tier":
            floor = (c.usage_from or ZERO) * share
            top = None if c.usage_to is None else c.usage_to * share
            used = max(ZERO, (use if top is None else min(use, top)) - floor)
            if used <= 0:
                continue
            used = used.quantize(_GALLONS)
            amount = quantize_money(used / THOUSAND * c.amount)
            bounds = f"above {gal(floor)}" if top is None else f"{gal(floor)} to {gal(top)}"
            lines.append(
                Line(
                    c.kind,
                    c.label,
                    amount,
                    f"{gal(used)} {bounds} at {format_money(c.amount)} per 1,000 gal{note}",
                    used,
                )
            )
        elif c.kind in ("fixed", "flat", "pass_through"):
            if c.kind == "fixed" and not _applies(c, use=use, share=share, meter_size=meter_size):
                continue
            amount = quantize_money(c.amount * share)
            why = format_money(c.amount) + _share_text(share)
            if c.kind == "fixed" and c.usage_to is not None:
                why += f" (use up to {gal(c.usage_to * share)})"
            elif c.kind == "fixed" and c.usage_from is not None:
                why += f" (use above {gal(c.usage_from * share)})"
            if c.meter_size:
                why += f' ({c.meter_size}" meter)'
            lines.append(Line(c.kind, c.label, amount, why + note))
        elif c.kind == "per_eru":
            amount = quantize_money(c.amount * eru * share)
            why = f"{eru.normalize():f} ERU × {format_money(c.amount)}{_share_text(share)}"
            lines.append(Line(c.kind, c.label, amount, why + note))
    for c in version.components:
        if c.kind == "minimum":
            floor = quantize_money(c.amount * share)
            so_far = sum((line.amount for line in lines if line.kind != "pass_through"), ZERO)
            if so_far < floor:
                lines.append(
                    Line(
                        c.kind,
                        c.label,
                        floor - so_far,
                        f"minimum bill {format_money(floor)} less charges of {format_money(so_far)}{note}",
                    )
                )
    return lines


def rate_service(
    *,
    versions: Sequence[Version],
    period_start: date,
    period_end: date,
    use: Decimal = ZERO,
    meter_size: str = "",
    eru: Decimal = ONE,
    month_share: Decimal = ONE,
) -> Charge:
    """The charges of one service for one period. `use` is the gallons billed (for sewer, the
    winter average capped by actual: see `sewer_use`); `month_share` is 1 for a cycle bill
    and days/30 for a first or final bill that covers part of a month."""
    if use < 0:
        raise RatingError("Use cannot be negative.")
    if period_end < period_start:
        raise RatingError("The period ends before it starts.")
    parts = segments(versions, period_start, period_end)
    total_days = Decimal((period_end - period_start).days + 1)
    charge = Charge(code=parts[0][0].code)
    remaining = use
    for i, (version, start, end) in enumerate(parts):
        days = Decimal((end - start).days + 1)
        if len(parts) == 1:
            part_use, share, note = use, month_share, ""
        else:
            # The last part takes what rounding left, so the parts add up to the use.
            part_use = (
                remaining if i == len(parts) - 1 else (use * days / total_days).quantize(_GALLONS)
            )
            remaining -= part_use
            share = (month_share * days / total_days).quantize(Decimal("0.0001"))
            note = f" [{start:%m/%d}–{end:%m/%d}: {days} of {total_days} days at the rate from {version.effective_from:%m/%d/%Y}]"
        charge.lines.extend(
            _rate_part(
                version, use=part_use, share=share, meter_size=meter_size, eru=eru, note=note
            )
        )
    return charge


def sewer_use(
    *, actual: Decimal, winter_average: Decimal | None, class_average: Decimal
) -> tuple[Decimal, str]:
    """Sewer bills the November to February average, never more than the month's actual water;
    a customer with no winter on file bills on their class's average."""
    if winter_average is None:
        basis, words = class_average, f"class average {gal(class_average)}"
    else:
        basis, words = winter_average, f"winter average {gal(winter_average)}"
    if actual < basis:
        return actual, f"actual {gal(actual)} (below the {words})"
    return basis, words


def month_share(period_start: date, period_end: date) -> Decimal:
    """How many months of fixed charges a period bills: a period of 27 to 33 days is one
    month; a shorter one (a first or final bill, a cycle moved) or a longer one is days / 30."""
    days = (period_end - period_start).days + 1
    if MONTH_DAYS[0] <= days <= MONTH_DAYS[1]:
        return ONE
    return (Decimal(days) / STANDARD_MONTH_DAYS).quantize(Decimal("0.0001"))
