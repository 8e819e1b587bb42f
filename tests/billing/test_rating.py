"""The calculation: tiers, proration, minimum bill, sewer's winter average (no database)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.rates import SEWER, STORMWATER, TRASH, WATER
from billing.rating import (
    Component,
    RatingError,
    Version,
    month_share,
    rate_service,
    sewer_use,
)

D = Decimal
START, END = date(2026, 11, 1), date(2026, 11, 30)


def version(components, *, effective=date(2020, 1, 1), code="RES-W"):
    return Version(
        code=code,
        effective_from=effective,
        components=tuple(
            Component(kind=k, label=label, amount=a, usage_from=lo, usage_to=hi)
            for k, label, a, lo, hi in components
        ),
    )


WATER_V = version(WATER)
gallons = st.integers(min_value=0, max_value=200_000).map(Decimal)


def charge(use, versions=(WATER_V,), **kw):
    return rate_service(versions=versions, period_start=START, period_end=END, use=use, **kw)


def test_cibolo_water_at_5400_gal():
    # 27.15 base + 4,200 gal x 5.95 + 9.00 acquisition fee = 61.14
    result = charge(D(5400))
    assert [line.amount for line in result.lines] == [D("27.15"), D("24.99"), D("9.00")]
    assert result.total == D("61.14")
    assert "4,200 gal 1,200 gal to 7,000 gal at $5.95 per 1,000 gal" in result.lines[1].explanation


def test_small_use_pays_the_small_base_only():
    assert charge(D(1200)).total == D("22.25")  # 13.25 + 9.00


def test_large_use_crosses_every_tier():
    result = charge(D(60000))
    tiers = [line for line in result.lines if line.kind == "tier"]
    assert [t.gallons for t in tiers] == [D(5800), D(8000), D(15000), D(20000), D(10000)]
    # 34.51 + 60.88 + 138.15 + 216.40 + 135.40
    assert sum(t.amount for t in tiers) == D("585.34")


@given(gallons)
def test_tier_gallons_and_lines_add_up_to_the_total(use):
    result = charge(use)
    tiers = [line for line in result.lines if line.kind == "tier"]
    assert sum((t.gallons for t in tiers), D(0)) == max(D(0), use - 1200)
    assert result.total == sum(line.amount for line in result.lines)
    assert result.total >= D("22.25")


@given(gallons, gallons)
def test_more_use_never_costs_less(a, b):
    low, high = sorted([a, b])
    assert charge(low).total <= charge(high).total


tier_rates = st.lists(st.decimals(min_value=0, max_value=30, places=2), min_size=1, max_size=5)


@given(tier_rates, st.integers(1, 20_000), gallons, gallons)
def test_any_tier_schedule_is_monotone_and_adds_up(rates, width, a, b):
    components = [("fixed", "Base", D("10.00"), None, None)]
    for i, rate in enumerate(rates):
        top = None if i == len(rates) - 1 else (i + 1) * width
        components.append(("tier", f"Tier {i + 1}", rate, i * width, top))
    v = version(components)
    low, high = sorted([a, b])
    small, big = charge(low, (v,)), charge(high, (v,))
    assert small.total <= big.total
    assert sum(line.gallons for line in big.lines if line.kind == "tier") == high


def test_minimum_bill_tops_up_to_the_minimum():
    v = version(
        [("tier", "Use", D("2.00"), 0, None), ("minimum", "Minimum bill", D("15.00"), None, None)]
    )
    assert charge(D(1000), (v,)).total == D("15.00")
    assert charge(D(10000), (v,)).total == D("20.00")


def test_fixed_charge_by_meter_size():
    v = Version(
        code="COM-W",
        effective_from=date(2020, 1, 1),
        components=(
            Component("fixed", 'Base 5/8"', D("27.15"), meter_size="5/8"),
            Component("fixed", 'Base 2"', D("120.00"), meter_size="2"),
        ),
    )
    assert charge(D(0), (v,), meter_size="2").total == D("120.00")
    assert charge(D(0), (v,), meter_size="5/8").total == D("27.15")


def test_stormwater_per_eru_and_flat_trash():
    storm = version(STORMWATER, code="RES-SW")
    assert charge(D(0), (storm,), eru=D("1.5")).total == D("9.75")
    trash = version(TRASH, code="RES-T")
    assert charge(D(0), (trash,)).total == D("15.95")


def test_a_rate_change_mid_period_is_prorated_by_days():
    old = WATER_V
    new = version(
        [(k, label, a + D("1.00") if k == "fixed" else a, lo, hi) for k, label, a, lo, hi in WATER],
        effective=date(2026, 11, 16),
    )
    result = charge(D(6000), (old, new))
    # 15 days at 27.15 and 15 days at 28.15: half the base each, half the use each.
    base = [line.amount for line in result.lines if line.label == "Base charge"]
    assert base == [D("13.58"), D("14.08")]
    assert all("15 of 30 days" in line.explanation for line in result.lines)
    # The use is split 3,000/3,000 and each half's tier 1 starts at 600 gal (1,200 x 1/2).
    tiers = [line.gallons for line in result.lines if line.kind == "tier"]
    assert tiers == [D(2400), D(2400)]
    # With the same prices the split bill is the unsplit bill, to the cent or two of rounding.
    same = version(WATER, effective=date(2026, 11, 16))
    assert abs(charge(D(6000), (old, same)).total - charge(D(6000)).total) <= D("0.02")


def test_a_version_after_the_period_does_not_apply():
    later = version([("flat", "New", D("99"), None, None)], effective=date(2027, 1, 1))
    assert charge(D(5400), (WATER_V, later)).total == D("61.14")


def test_no_version_in_force_is_a_clear_error():
    later = version(WATER, effective=date(2027, 1, 1))
    with pytest.raises(RatingError, match="No rate in force on 11/01/2026"):
        charge(D(10), (later,))


def test_first_bill_prorates_fixed_charges_by_days():
    share = month_share(date(2026, 11, 16), END)
    assert share == D("0.5")
    trash = version(TRASH, code="RES-T")
    assert charge(D(0), (trash,), month_share=share).total == D("7.98")  # 6.75 + 1.23


def test_sewer_bills_the_winter_average_capped_by_actual():
    assert sewer_use(actual=D(9000), winter_average=D(4000), class_average=D(5000))[0] == D(4000)
    use, words = sewer_use(actual=D(2500), winter_average=D(4000), class_average=D(5000))
    assert use == D(2500) and "actual" in words
    use, words = sewer_use(actual=D(9000), winter_average=None, class_average=D(5000))
    assert use == D(5000) and "class average" in words
    sewer = version(SEWER, code="RES-S")
    assert charge(D(4000), (sewer,)).total == D("23.39")  # 18.11 + 1,000 x 5.28


def test_a_month_is_27_to_33_days_and_other_periods_are_prorated():
    assert month_share(date(2026, 2, 1), date(2026, 2, 28)) == D(1)
    assert month_share(date(2026, 1, 1), date(2026, 1, 31)) == D(1)
    assert month_share(date(2026, 11, 1), date(2026, 11, 3)) == D("0.1")
    assert month_share(date(2026, 10, 1), date(2026, 11, 14)) == D("1.5")
