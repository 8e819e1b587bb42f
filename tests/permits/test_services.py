"""Intake, review, issue, the ends of a permit and their refunds, inspections, hydrant meters,
backflow and will-serve letters, through the services."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Premise
from permits import queries, services
from permits.models import (
    BackflowReminder,
    Inspection,
    Permit,
    PermitStatus,
    RefundDue,
)
from permits.services import PermitError
from tests.factories import make_account, make_customer, make_user
from tests.permits.conftest import approve_all, issued, pay_all, ptype
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db
P = PermitStatus

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


# Intake ------------------------------------------------------------------------------------


def test_an_expired_license_is_refused_with_a_message_beside_the_contractor(
    submit, expired_contractor
):
    with pytest.raises(PermitError) as error:
        submit("street_cut", contractor=expired_contractor)
    assert error.value.field == "contractor"
    assert "license TX-MP-11873 expired on" in str(error.value)
    assert not Permit.objects.exists()


def test_a_permit_number_comes_from_the_sequence_and_charges_are_kept(submit):
    first = submit("water_tap", size='1"')
    second = submit("street_cut")
    assert first.number.startswith("PM-")
    assert int(second.number[3:]) == int(first.number[3:]) + 1
    assert [(c.kind, c.amount) for c in first.charges.all()] == [("fee", Decimal("600.00"))]
    assert list(first.reviews.values_list("name", "role", "decision")) == [
        ("Engineering review", "Supervisor", "pending")
    ]


def test_a_double_submit_takes_one_application(clerk, contractor, site, drawer_session):
    key = uuid.uuid4()
    kwargs = {
        "permit_type": ptype("street_cut"),
        "premise": site,
        "contractor": contractor,
        "by": clerk,
        "idempotency_key": key,
    }
    assert services.submit_permit(**kwargs).pk == services.submit_permit(**kwargs).pk
    assert Permit.objects.count() == 1


def test_a_customer_may_apply_instead_of_a_contractor(submit):
    customer = make_customer(first_name="Lena", last_name="Ortiz")
    permit = submit("irrigation_meter", customer=customer, size='1"')
    assert permit.applicant_name == "Lena Ortiz" or "Ortiz" in permit.applicant_name
    assert permit.contractor is None


def test_new_construction_becomes_one_premise_however_the_address_is_typed(clerk):
    address = {
        "house_number": "4410",
        "street": "Green Valley Rd",
        "unit": "",
        "city": "Cibolo",
        "state": "TX",
        "zip_code": "78108",
    }
    first = services.new_construction_site(address=address, by=clerk)
    again = services.new_construction_site(
        address={**address, "street": "green valley road"}, by=clerk
    )
    assert first.pk == again.pk
    assert Premise.objects.filter(house_number="4410").count() == 1
    assert AuditEvent.objects.filter(action="premise.create", target_id=str(first.pk)).count() == 1


def test_intake_is_audited_with_its_charges(submit):
    permit = submit("hydrant_meter", days=5)
    event = AuditEvent.objects.get(action="permit.submit", target_id=str(permit.pk))
    assert "Hydrant meter deposit: 1500.00" in event.after["charges"]


# Review and issue ----------------------------------------------------------------------------


def test_a_clerk_cannot_decide_a_supervisors_step(submit, clerk):
    permit = submit("water_tap", size='3/4"')
    review = permit.reviews.get()
    with pytest.raises(PermitError, match="decided by a supervisor"):
        services.decide_review(review=review, approve=True, reason="", by=clerk)
    review.refresh_from_db()
    assert review.decision == "pending"


def test_steps_are_decided_in_order(submit, supervisor):
    permit = submit("street_cut")
    second = permit.reviews.get(order=2)
    with pytest.raises(PermitError, match="earlier review steps first"):
        services.decide_review(review=second, approve=True, reason="", by=supervisor)


def test_a_denial_needs_a_reason_and_denies_the_permit(submit, supervisor):
    permit = submit("street_cut")
    review = permit.reviews.get(order=1)
    with pytest.raises(PermitError) as error:
        services.decide_review(review=review, approve=False, reason=" ", by=supervisor)
    assert error.value.field == "reason"
    services.decide_review(review=review, approve=False, reason="No traffic plan", by=supervisor)
    permit.refresh_from_db()
    assert permit.status == P.DENIED
    assert permit.end_reason == "Counter check: No traffic plan"


def test_issue_needs_the_fees_paid_then_sets_validity(submit, clerk, supervisor):
    permit = approve_all(submit("street_cut"), supervisor)
    assert permit.status == P.APPROVED
    with pytest.raises(PermitError, match=r"still owes \$500.00"):
        services.issue_permit(permit=permit, conditions="", by=clerk)
    pay_all(permit, clerk)
    services.issue_permit(permit=permit, conditions="Flaggers at all times.", by=clerk)
    permit.refresh_from_db()
    today = business_day.today()
    assert (permit.status, permit.issued_on, permit.valid_until) == (
        P.ISSUED,
        today,
        today + timedelta(days=30),
    )
    assert permit.conditions == "Flaggers at all times."


# Ends and refunds ----------------------------------------------------------------------------


def test_withdrawn_before_review_refunds_fees_and_deposit(submit, clerk):
    permit = submit("hydrant_meter", days=5)
    pay_all(permit, clerk)
    services.withdraw_permit(permit=permit, reason="Job lost", by=clerk)
    refunds = dict(RefundDue.objects.filter(permit=permit).values_list("kind", "amount"))
    assert refunds == {"fee": Decimal("50.00"), "deposit": Decimal("1500.00")}


def test_withdrawn_after_approval_refunds_the_deposit_only(submit, clerk):
    permit = submit("hydrant_meter", days=5)
    approve_all(permit, clerk)
    pay_all(permit, clerk)
    services.withdraw_permit(permit=permit, reason="Job lost", by=clerk)
    services.withdraw_permit(permit=permit, reason="Job lost", by=clerk)  # twice: once
    refunds = list(RefundDue.objects.filter(permit=permit).values_list("kind", "amount"))
    assert refunds == [("deposit", Decimal("1500.00"))]


def test_denied_after_payment_refunds_the_fees(submit, clerk, supervisor):
    permit = submit("water_tap", size='2"')
    pay_all(permit, clerk)
    services.decide_review(
        review=permit.reviews.get(), approve=False, reason="Main too small", by=supervisor
    )
    assert list(RefundDue.objects.values_list("kind", "amount")) == [("fee", Decimal("1250.00"))]


def test_an_unpaid_permit_ends_with_nothing_due(submit, clerk):
    permit = submit("street_cut")
    services.withdraw_permit(permit=permit, reason="Duplicate", by=clerk)
    assert not RefundDue.objects.exists()


def test_issued_permits_past_validity_expire_once(submit, clerk, supervisor):
    permit = issued(submit("street_cut"), clerk, supervisor)
    day_after = permit.valid_until + timedelta(days=1)
    assert services.expire_permits(on=permit.valid_until, by=None) == 0
    assert services.expire_permits(on=day_after, by=None) == 1
    assert services.expire_permits(on=day_after, by=None) == 0
    permit.refresh_from_db()
    assert permit.status == P.EXPIRED


# Inspections ---------------------------------------------------------------------------------


def _inspection(submit, clerk, supervisor, crew):
    permit = issued(submit("street_cut"), clerk, supervisor)
    return services.schedule_inspection(permit=permit, on=business_day.today(), crew=crew, by=clerk)


def test_a_failed_inspection_schedules_a_reinspection(submit, clerk, supervisor, crew, field_user):
    inspection = _inspection(submit, clerk, supervisor, crew)
    with pytest.raises(PermitError) as error:
        services.record_inspection(inspection=inspection, passed=False, notes="", by=field_user)
    assert error.value.field == "notes"
    with pytest.raises(PermitError) as error:
        services.record_inspection(
            inspection=inspection, passed=False, notes="Backfill not compacted", by=field_user
        )
    assert error.value.field == "reinspect_on"
    tomorrow = business_day.today() + timedelta(days=1)
    services.record_inspection(
        inspection=inspection,
        passed=False,
        notes="Backfill not compacted",
        reinspect_on=tomorrow,
        photo=JPEG,
        photo_type="image/jpeg",
        by=field_user,
    )
    again = Inspection.objects.get(reinspection_of=inspection)
    assert (again.status, again.scheduled_for, again.crew_id) == ("scheduled", tomorrow, crew.pk)
    with pytest.raises(PermitError, match="The work has not passed inspection"):
        services.close_permit(permit=inspection.permit, by=clerk)
    services.record_inspection(inspection=again, passed=True, notes="", by=field_user)
    services.close_permit(permit=inspection.permit, by=clerk)
    assert Permit.objects.get(pk=inspection.permit_id).status == P.CLOSED


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"GIF89a" + b"\x00" * 10, "image/gif", "JPEG or PNG"),
        (b"<svg onload=alert(1)>", "image/png", "JPEG or PNG"),  # says PNG, is not
        (PNG + b"\x00" * services.PHOTO_MAX_BYTES, "image/png", "larger than 5 MB"),
    ],
)
def test_a_photo_is_checked_for_type_and_size(
    submit, clerk, supervisor, crew, field_user, content, content_type, message
):
    inspection = _inspection(submit, clerk, supervisor, crew)
    with pytest.raises(PermitError, match=message):
        services.record_inspection(
            inspection=inspection,
            passed=True,
            notes="",
            photo=content,
            photo_type=content_type,
            by=field_user,
        )
    inspection.refresh_from_db()
    assert inspection.status == "scheduled"


def test_only_the_field_role_records_an_inspection(submit, clerk, supervisor, crew):
    inspection = _inspection(submit, clerk, supervisor, crew)
    with pytest.raises(PermitError, match="cannot record inspections"):
        services.record_inspection(inspection=inspection, passed=True, notes="", by=clerk)


# Hydrant meters ------------------------------------------------------------------------------


def _meter_out(submit, clerk, supervisor, meter, days=10):
    permit = issued(submit("hydrant_meter", days=days), clerk, supervisor)
    return services.check_out_meter(permit=permit, meter=meter, out_read=Decimal(1000), by=clerk)


def test_a_meter_goes_out_with_the_deposit_paid(submit, clerk, supervisor, meter):
    checkout = _meter_out(submit, clerk, supervisor, meter)
    today = business_day.today()
    assert checkout.deposit == Decimal("1500.00")
    assert (checkout.out_on, checkout.due_back) == (today, today + timedelta(days=9))


def test_a_meter_is_out_on_one_permit_at_a_time(submit, clerk, supervisor, meter):
    _meter_out(submit, clerk, supervisor, meter)
    other = issued(submit("hydrant_meter", days=3), clerk, supervisor)
    with pytest.raises(PermitError, match="already out"):
        services.check_out_meter(permit=other, meter=meter, out_read=Decimal(5), by=clerk)


def test_the_return_charges_rental_and_water_and_returns_the_rest(submit, clerk, supervisor, meter):
    checkout = _meter_out(submit, clerk, supervisor, meter)
    # Out four days ago: five days counted (day out and day back), 25 + 4 x 5 = $45.
    from permits.models import HydrantCheckout

    four_days_ago = business_day.today() - timedelta(days=4)
    HydrantCheckout.objects.filter(pk=checkout.pk).update(out_on=four_days_ago)
    checkout.refresh_from_db()
    returned = services.return_meter(checkout=checkout, return_read=Decimal(21000), by=clerk)
    # 20,000 gallons at $5.95 per 1,000 = $119.00; owed $164.00; deposit back $1,336.00.
    assert (returned.rental, returned.water, returned.deposit_back) == (
        Decimal("45.00"),
        Decimal("119.00"),
        Decimal("1336.00"),
    )
    permit = Permit.objects.get(pk=checkout.permit_id)
    assert permit.status == P.CLOSED
    assert list(RefundDue.objects.filter(permit=permit).values_list("kind", "amount")) == [
        ("deposit", Decimal("1336.00"))
    ]
    assert queries.balance(permit) == {"fee": Decimal("0.00"), "deposit": Decimal("0.00")}


def test_a_return_read_below_the_read_out_is_refused(submit, clerk, supervisor, meter):
    checkout = _meter_out(submit, clerk, supervisor, meter)
    with pytest.raises(PermitError) as error:
        services.return_meter(checkout=checkout, return_read=Decimal(999), by=clerk)
    assert error.value.field == "return_read"


def test_overdue_meters_are_listed(submit, clerk, supervisor, meter):
    checkout = _meter_out(submit, clerk, supervisor, meter, days=1)
    today = business_day.today()
    assert queries.overdue_meters(today) == []
    assert [c.pk for c in queries.overdue_meters(today + timedelta(days=1))] == [checkout.pk]


# Backflow ------------------------------------------------------------------------------------


def _device(clerk, site, due):
    return services.add_backflow_device(
        premise=site,
        device_type="RPZ",
        size='1"',
        serial="rp-1001",
        location="Front yard",
        next_test_due=due,
        by=clerk,
    )


def test_a_passing_test_moves_the_due_date_a_year_on(clerk, site):
    today = business_day.today()
    device = _device(clerk, site, today + timedelta(days=10))
    services.file_backflow_test(
        device=device,
        tested_on=today,
        tester_name="Al Vega",
        tester_certification="BPAT-5521",
        passed=True,
        readings="RV 2.5 psid",
        by=clerk,
    )
    device.refresh_from_db()
    assert device.next_test_due == business_day.add_months(today, 12)  # 29 Feb: the 28th


def test_a_failed_test_leaves_the_device_due(clerk, site):
    today = business_day.today()
    device = _device(clerk, site, today - timedelta(days=1))
    services.file_backflow_test(
        device=device,
        tested_on=today,
        tester_name="Al Vega",
        tester_certification="BPAT-5521",
        passed=False,
        readings="",
        by=clerk,
    )
    device.refresh_from_db()
    assert device.next_test_due == today - timedelta(days=1)
    assert [d.pk for d in queries.backflow_overdue(today)] == [device.pk]


def test_reminders_go_30_days_before_due_once(clerk, site):
    today = business_day.today()
    soon = _device(clerk, site, today + timedelta(days=30))
    services.add_backflow_device(
        premise=site,
        device_type="DCVA",
        size='2"',
        serial="DC-7",
        location="",
        next_test_due=today + timedelta(days=31),
        by=clerk,
    )
    first = services.record_backflow_reminders(on=today, by=clerk)
    assert [r.device_id for r in first] == [soon.pk]
    assert services.record_backflow_reminders(on=today, by=clerk) == []
    assert BackflowReminder.objects.count() == 1


def test_the_same_serial_twice_at_a_premise_is_refused(clerk, site):
    _device(clerk, site, business_day.today())
    with pytest.raises(PermitError) as error:
        _device(clerk, site, business_day.today())
    assert error.value.field == "serial"


# Will-serve letters --------------------------------------------------------------------------


def test_a_will_serve_letter_is_reviewed_by_a_supervisor(clerk, supervisor, site):
    letter = services.request_will_serve(
        premise=site,
        parcel="",
        requested_by="Hill Country Homes",
        utilities="Water, sewer",
        project="12 homes",
        by=clerk,
    )
    assert letter.number.startswith("WS-")
    with pytest.raises(PermitError, match="supervisor"):
        services.decide_will_serve(letter=letter, issue=True, note="", by=clerk)
    services.decide_will_serve(letter=letter, issue=True, note="", by=supervisor)
    letter.refresh_from_db()
    assert letter.status == "issued"


def test_a_letter_names_a_site(clerk):
    with pytest.raises(PermitError):
        services.request_will_serve(
            premise=None, parcel=" ", requested_by="X", utilities="Water", project="Y", by=clerk
        )


def test_the_database_keeps_one_applicant(submit):
    permit = submit("street_cut")
    customer = make_account().customer
    with pytest.raises(IntegrityError), transaction.atomic():
        Permit.objects.filter(pk=permit.pk).update(customer=customer)


def test_a_role_without_intake_cannot_submit(site, contractor):
    nobody = make_user("viewer")
    with pytest.raises(PermitError, match="cannot take permit"):
        services.submit_permit(
            permit_type=ptype("street_cut"),
            premise=site,
            contractor=contractor,
            by=nobody,
            idempotency_key=uuid.uuid4(),
        )


def test_the_daily_command_expires_what_ran_out(submit, clerk, supervisor):
    from io import StringIO

    from django.core.management import call_command

    permit = issued(submit("street_cut"), clerk, supervisor)
    Permit.objects.filter(pk=permit.pk).update(valid_until=business_day.today() - timedelta(days=1))
    out = StringIO()
    call_command("expire_permits", stdout=out)
    assert out.getvalue().strip() == "1 permit expired."
    assert Permit.objects.get(pk=permit.pk).status == P.EXPIRED
