from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.tenders import PaymentError, TenderInput, allocate, looks_like_card_number

cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


@given(
    amount=cents,
    others=st.lists(
        st.tuples(st.sampled_from(["check", "money_order", "card"]), cents),
        max_size=3,
        unique_by=lambda t: t[0],
    ),
    cash=st.one_of(st.none(), cents),
)
def test_an_accepted_split_pays_exactly_the_amount_and_only_cash_gives_change(amount, others, cash):
    tenders = [TenderInput(kind=k, amount=a) for k, a in others]
    if cash is not None:
        tenders.append(TenderInput(kind="cash", amount=cash))
    try:
        result = allocate(amount, tenders)
    except PaymentError:
        others_total = sum((a for _, a in others), Decimal("0"))
        # Refused only when it really does not add up.
        if cash is None:
            assert others_total != amount
        else:
            assert others_total >= amount or cash < amount - others_total
        return
    assert sum(line.amount for line in result.lines) == amount
    assert result.change >= 0
    for line in result.lines:
        assert line.amount > 0
        assert line.amount == line.amount.quantize(Decimal("0.01"))
        if line.kind == "cash":
            assert line.amount + result.change == line.amount_tendered
        else:
            assert line.amount_tendered is None
    if cash is None:
        assert result.change == 0


@given(
    amount=cents, extra=st.integers(min_value=0, max_value=100_000).map(lambda c: Decimal(c) / 100)
)
def test_cash_alone_gives_back_exactly_what_was_over_tendered(amount, extra):
    result = allocate(amount, [TenderInput(kind="cash", amount=amount + extra)])
    assert result.change == extra
    assert result.lines[0].amount == amount


@given(
    amount=cents, over=st.integers(min_value=1, max_value=100_000).map(lambda c: Decimal(c) / 100)
)
def test_a_check_for_more_than_the_payment_is_refused(amount, over):
    with pytest.raises(PaymentError, match="give no change"):
        allocate(amount, [TenderInput(kind="check", amount=amount + over, number="1")])


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "note 378282246310005 amex",
        "4222222222222",
    ],
)
def test_card_number_shapes_are_recognised(text):
    assert looks_like_card_number(text)


@pytest.mark.parametrize(
    "text", ["", "4242", "A1B2C3", "10442", "210-555-0100", "123456789012", None]
)
def test_ordinary_numbers_are_not_card_numbers(text):
    assert not looks_like_card_number(text)


def test_zero_payment_is_refused():
    with pytest.raises(PaymentError, match="more than"):
        allocate(Decimal("0"), [TenderInput(kind="cash", amount=Decimal("1"))])


def test_each_kind_of_tender_once():
    with pytest.raises(PaymentError, match="once"):
        allocate(
            Decimal("10"),
            [
                TenderInput(kind="check", amount=Decimal("5"), number="1"),
                TenderInput(kind="check", amount=Decimal("5"), number="2"),
            ],
        )
