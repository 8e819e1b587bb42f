"""Fees from each type's schedule: by size, flat, per day, and the refundable deposit, with the
defaults of docs/policies.md."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permits import services
from permits.services import PermitError
from tests.permits.conftest import ptype

pytestmark = pytest.mark.django_db


def _amounts(lines):
    return [(line.kind, line.label, line.amount, line.at_return) for line in lines]


@pytest.mark.parametrize(
    ("size", "amount"), [('3/4"', "450.00"), ('1"', "600.00"), ('2"', "1250.00")]
)
def test_water_tap_is_priced_by_size(size, amount):
    lines = services.fee_lines(ptype("water_tap"), size=size)
    assert _amounts(lines) == [("fee", f"Water tap {size}", Decimal(amount), False)]


def test_a_sized_type_without_a_size_names_the_sizes_beside_the_size_field():
    with pytest.raises(PermitError) as error:
        services.fee_lines(ptype("water_tap"), size="")
    assert error.value.field == "size"
    assert '3/4", 1", 2"' in str(error.value)


def test_street_cut_is_flat():
    assert _amounts(services.fee_lines(ptype("street_cut"))) == [
        ("fee", "Street cut", Decimal("500.00"), False)
    ]


def test_sewer_tap_meter_and_backflow_filing_fees():
    assert services.fee_lines(ptype("sewer_tap"), size='4"')[0].amount == Decimal("400.00")
    assert services.fee_lines(ptype("meter_set"), size='3/4"')[0].amount == Decimal("100.00")
    assert services.fee_lines(ptype("backflow_test"))[0].amount == Decimal("60.00")


def test_hydrant_meter_permit_fee_and_deposit_now_rental_at_return():
    lines = services.fee_lines(ptype("hydrant_meter"), days=10)
    assert _amounts(lines) == [
        ("fee", "Hydrant meter permit", Decimal("50.00"), False),
        # $25 the first day, $5 each day after: 25 + 9 x 5
        ("fee", "Hydrant meter rental, 10 days", Decimal("70.00"), True),
        ("deposit", "Hydrant meter deposit", Decimal("1500.00"), False),
    ]
    assert services.due_now(lines) == {"fee": Decimal("50.00"), "deposit": Decimal("1500.00")}


def test_roll_off_days_are_paid_ahead():
    lines = services.fee_lines(ptype("roll_off"), days=3)
    assert services.due_now(lines) == {"fee": Decimal("35.00"), "deposit": Decimal("0.00")}


def test_a_per_day_type_without_days_asks_for_them():
    with pytest.raises(PermitError) as error:
        services.fee_lines(ptype("roll_off"), days=None)
    assert error.value.field == "days"


@settings(deadline=None)  # reads the fee from the database: a slow moment is not a failure
@given(days=st.integers(min_value=1, max_value=365))
def test_per_day_is_the_first_day_plus_each_day_after(days):
    fee = ptype("hydrant_meter").fees.get(basis="per_day")
    amount = services.per_day_amount(fee, days)
    assert amount == Decimal("25.00") + Decimal("5.00") * (days - 1)
    assert amount.as_tuple().exponent == -2


def test_an_admin_change_of_the_schedule_prices_new_permits_not_old_ones(submit):
    permit = submit("street_cut")
    ptype("street_cut").fees.update(amount=Decimal("650.00"))
    later = submit("street_cut")
    assert [c.amount for c in permit.charges.all()] == [Decimal("500.00")]
    assert [c.amount for c in later.charges.all()] == [Decimal("650.00")]
