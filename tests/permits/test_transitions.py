"""The permit status machine: one transitions table, the same rules in the database."""

from itertools import product

import pytest
from django.db import IntegrityError, ProgrammingError, transaction

from permits import services
from permits.models import TRANSITIONS, Permit, PermitStatus, PermitStatusChange
from tests.permits.conftest import approve_all, issued

pytestmark = pytest.mark.django_db
P = PermitStatus


def _permit_in(status, submit, clerk, supervisor):
    permit = submit("street_cut")
    if status == P.UNDER_REVIEW:
        first = permit.reviews.get(order=1)
        services.decide_review(review=first, approve=True, reason="", by=supervisor)
    elif status == P.APPROVED:
        approve_all(permit, supervisor)
    elif status in (P.ISSUED, P.CLOSED, P.EXPIRED):
        issued(permit, clerk, supervisor)
        if status != P.ISSUED:
            Permit.objects.filter(pk=permit.pk).update(status=status)
    elif status == P.DENIED:
        services.decide_review(
            review=permit.reviews.get(order=1), approve=False, reason="No plan", by=supervisor
        )
    elif status == P.WITHDRAWN:
        services.withdraw_permit(permit=permit, reason="Project cancelled", by=clerk)
    return Permit.objects.get(pk=permit.pk)


@pytest.mark.parametrize(
    ("from_status", "to_status"), [(a, b) for a, b in product(P.values, P.values) if a != b]
)
def test_database_refuses_exactly_the_transitions_the_table_refuses(
    submit, clerk, supervisor, from_status, to_status
):
    permit = _permit_in(from_status, submit, clerk, supervisor)
    assert permit.status == from_status
    allowed = to_status in TRANSITIONS[from_status]
    # Dates every status can hold, so only the trigger can refuse the UPDATE.
    dates = {"issued_on": permit.submitted_on, "valid_until": permit.submitted_on}
    try:
        with transaction.atomic():
            Permit.objects.filter(pk=permit.pk).update(status=to_status, **dates)
    except IntegrityError as error:
        assert not allowed, f"{from_status} -> {to_status} refused: {error}"
        assert "cannot go from" in str(error)
    else:
        assert allowed, f"{from_status} -> {to_status} was let through"


def test_a_permit_starts_submitted(submit):
    permit = submit("street_cut")
    with pytest.raises(IntegrityError, match="must start submitted"), transaction.atomic():
        Permit.objects.create(
            number="PM-9999999",
            permit_type=permit.permit_type,
            premise=permit.premise,
            contractor=permit.contractor,
            submitted_on=permit.submitted_on,
            status=P.ISSUED,
            issued_on=permit.submitted_on,
            valid_until=permit.submitted_on,
        )


def test_the_service_refuses_a_move_the_table_refuses_with_a_message(submit, clerk):
    permit = submit("street_cut")
    with pytest.raises(services.PermitError, match="is submitted; it cannot be closed"):
        services.close_permit(permit=permit, by=clerk)


def test_every_move_leaves_a_history_row_that_cannot_be_changed(submit, clerk, supervisor):
    permit = _permit_in(P.ISSUED, submit, clerk, supervisor)
    moves = list(
        PermitStatusChange.objects.filter(permit=permit).values_list("from_status", "to_status")
    )
    assert moves == [
        ("", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
        ("approved", "issued"),
    ]
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        PermitStatusChange.objects.filter(permit=permit).update(note="rewritten")
