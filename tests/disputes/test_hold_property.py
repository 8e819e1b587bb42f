"""The hold, as a property: whatever a clerk and a supervisor do to an account's cases, in any
order, what is held is exactly what open cases dispute and have not credited, never more
than what was disputed nor than the disputed charges' unpaid past-due part, and it comes off
the collectible amount (no late fee, notice or shut-off on it)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.queries import aging_for_account
from accounts.services import AccountError, approve_adjustment
from collections_app.disputes import queries, services
from collections_app.disputes.models import Case
from collections_app.disputes.services import DisputeError
from tests.factories import make_account, make_user, post_bill, post_charge
from utilityclerk import business_day
from workorders import services as work_orders
from workorders.models import Crew, WorkOrder

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=25_000).map(lambda c: Decimal(c) / 100)
action = st.one_of(
    st.tuples(st.just("open_bill"), cents),
    st.tuples(st.just("open_fee"), cents),
    st.tuples(st.just("open_service"), st.just(None)),
    st.tuples(st.just("acknowledge"), st.integers(0, 5)),
    st.tuples(st.just("investigate"), st.integers(0, 5)),
    st.tuples(st.just("upheld"), st.integers(0, 5)),
    st.tuples(st.just("withdrawn"), st.integers(0, 5)),
    st.tuples(st.just("credit_by_clerk"), st.tuples(st.integers(0, 5), cents)),
    st.tuples(st.just("credit_by_supervisor"), st.tuples(st.integers(0, 5), cents)),
    st.tuples(st.just("approve"), st.integers(0, 5)),
    st.tuples(st.just("appeal"), st.integers(0, 5)),
    st.tuples(st.just("decide"), st.tuples(st.integers(0, 5), cents)),
)


def _collectible(account_id):
    from collections_app.collectible import collectible_for_account

    found = collectible_for_account(account_id)
    return found.amount, found.held


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=8))
def test_what_is_held_is_exactly_what_open_cases_dispute(db, actions):
    clerk = make_user(role="Clerk")
    supervisor = make_user(role="Supervisor")
    crew, _ = Crew.objects.get_or_create(name="Property crew")
    account = make_account()
    today = business_day.today()
    bill = post_bill(account, "184.97", bill_date=today - timedelta(days=60))
    fee = post_charge(account, "18.50", on=today - timedelta(days=20))
    cases: list[Case] = []

    def pick(i):
        return Case.objects.get(pk=cases[i % len(cases)].pk) if cases else None

    for name, arg in actions:
        try:
            if name == "open_bill":
                cases.append(
                    services.open_case(
                        account=account,
                        kind="bill",
                        bill=bill,
                        amount=arg,
                        words="High",
                        received_via="phone",
                        party_type="citizen",
                        by=clerk,
                    )
                )
            elif name == "open_fee":
                cases.append(
                    services.open_case(
                        account=account,
                        kind="charge",
                        charge=fee,
                        amount=arg,
                        words="Fee",
                        received_via="counter",
                        party_type="citizen",
                        by=clerk,
                    )
                )
            elif name == "open_service":
                cases.append(
                    services.open_case(
                        account=account,
                        kind="quality",
                        words="Brown water",
                        received_via="phone",
                        party_type="citizen",
                        by=clerk,
                    )
                )
            elif (case := pick(arg if isinstance(arg, int) else arg[0])) is None:
                continue
            elif name == "acknowledge":
                services.acknowledge_case(case=case, how="Call", by=clerk)
            elif name == "investigate":
                link = services.raise_investigation(
                    case=case, step="other", instructions="", by=clerk
                )
                work_orders.schedule_work_order(order=link.work_order, crew=crew, by=clerk)
                work_orders.complete_work_order(
                    order=WorkOrder.objects.get(pk=link.work_order.pk), notes="Seen", by=clerk
                )
            elif name in ("upheld", "withdrawn"):
                services.resolve_case(case=case, outcome=name, reason="Because", by=clerk)
            elif name in ("credit_by_clerk", "credit_by_supervisor"):
                by = clerk if name == "credit_by_clerk" else supervisor
                services.resolve_case(
                    case=case, outcome="adjusted", reason="Because", credit=arg[1], by=by
                )
            elif name == "approve" and case.adjustment_request_id:
                approve_adjustment(request=case.adjustment_request, by=supervisor)
            elif name == "appeal":
                services.file_appeal(
                    case=case, grounds="No", hearing_on=today, officer="Officer", by=clerk
                )
            elif name == "decide":
                decision = "adjusted" if arg[1] < Decimal("10") else "upheld"
                services.decide_appeal(
                    case=case, decision=decision, note="Heard", credit=arg[1], by=supervisor
                )
        except (DisputeError, AccountError):
            pass  # refused, and so changed nothing: the invariants below still hold

        # What open cases dispute, per charge; held is at most each charge's unpaid part,
        # allocated newest charge first against the balance (the aging's rule).
        open_cases = [c for c in Case.objects.filter(account=account) if c.is_holding]
        on_bill = sum((c.held for c in open_cases if c.bill_id), Decimal(0))
        on_fee = sum((c.held for c in open_cases if c.charge_id), Decimal(0))
        assert on_bill <= bill.total and on_fee <= fee.amount
        balance = aging_for_account(account.pk).balance
        open_fee = min(max(balance, Decimal(0)), fee.amount)
        open_bill = min(max(balance - fee.amount, Decimal(0)), bill.total)
        expected = min(on_bill, open_bill) + min(on_fee, open_fee)
        held = queries.held_amount(account.pk)
        assert held == expected
        assert queries.disputed_amount(account.pk) == on_bill + on_fee
        collectible, collections_held = _collectible(account.pk)
        assert collections_held == held
        past_due = aging_for_account(account.pk).past_due
        assert collectible <= max(Decimal(0), past_due - held)
