"""The permit screens: desk, intake, a permit's page and its actions, the roles, the account
tab, search, the tablet inspection with its photo, and the public verification page."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from permits import services
from permits.models import Inspection, Permit, PermitStatus
from tests.factories import make_account, make_premise
from tests.permits.conftest import issued, ptype
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def _many_permits(contractor, n=300):
    """Permits straight into the table (the trigger lets submitted rows in), as a busy
    desk's history would be."""
    today = business_day.today()
    premises = [make_premise(house_number=str(2000 + i), street="LIVE OAK DR") for i in range(30)]
    street_cut = ptype("street_cut")
    Permit.objects.bulk_create(
        Permit(
            number=f"PM-{8000000 + i}",
            permit_type=street_cut,
            premise=premises[i % 30],
            contractor=contractor,
            submitted_on=today,
        )
        for i in range(n)
    )


# The desk ------------------------------------------------------------------------------------


def test_the_desk_lists_and_filters_in_few_queries(
    clerk_client, contractor, submit, django_assert_max_num_queries
):
    _many_permits(contractor)
    mine = submit("water_tap", size='1"')
    clerk_client.get("/")  # a working clerk's session was renewed within the last minute
    with django_assert_max_num_queries(10):
        response = clerk_client.get(reverse("permits:desk"))
    assert response.status_code == 200
    assert "301 permits" in response.text
    with django_assert_max_num_queries(10):
        response = clerk_client.get(
            reverse("permits:desk"), {"q": mine.number.lower(), "status": ""}
        )
    assert "1 permit" in response.text and mine.number in response.text
    response = clerk_client.get(reverse("permits:desk"), {"permit_type": "water_tap"})
    assert "1 permit" in response.text
    fragment = clerk_client.get(
        reverse("permits:desk"),
        {"q": "live oak"},
        headers={"HX-Request": "true", "HX-Target": "desk-results"},
    )
    assert "300 permits" in fragment.text and "<html" not in fragment.text


def test_the_field_role_has_no_desk(field_client):
    assert field_client.get(reverse("permits:desk")).status_code == 403
    assert field_client.get(reverse("permits:intake")).status_code == 403


def test_signed_out_goes_to_sign_in(client):
    response = client.get(reverse("permits:desk"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_clerk_does_not_see_the_reports(clerk_client, supervisor_client):
    assert clerk_client.get(reverse("permits:reports")).status_code == 403
    assert supervisor_client.get(reverse("permits:reports")).status_code == 200


# Intake --------------------------------------------------------------------------------------


def _intake_data(contractor, **extra):
    return {
        "permit_type": "hydrant_meter",
        "applicant": "contractor",
        "contractor": contractor.pk,
        "house_number": "5120",
        "street": "Borgfeld Rd",
        "unit": "",
        "city": "Cibolo",
        "state": "TX",
        "zip_code": "78108",
        "premise_type": "commercial",
        "days": "10",
        "detail_0": "Hydrant at Borgfeld and Main",
        "detail_1": "Dust control",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def test_choosing_a_type_shows_its_questions_and_fees(clerk_client):
    response = clerk_client.get(
        reverse("permits:intake"), {"permit_type": "hydrant_meter", "days": "10"}
    )
    assert response.status_code == 200
    assert "Hydrant location" in response.text
    assert 'id="quote-fees">$50.00' in response.text
    assert 'id="quote-deposit">$1,500.00' in response.text
    assert "Hydrant meter rental, 10 days" in response.text


def test_intake_makes_the_site_a_premise_and_takes_the_permit(clerk_client, contractor):
    response = clerk_client.post(reverse("permits:intake"), _intake_data(contractor))
    permit = Permit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("permits:detail", args=[permit.number])
    assert permit.premise.address_line == "5120 BORGFELD RD"
    assert permit.details == {
        "Hydrant location": "Hydrant at Borgfeld and Main",
        "Use of water": "Dust control",
    }
    assert permit.days == 10


def test_intake_with_an_expired_license_says_so_beside_the_contractor(
    clerk_client, expired_contractor
):
    response = clerk_client.post(reverse("permits:intake"), _intake_data(expired_contractor))
    assert response.status_code == 200
    assert "license TX-MP-11873 expired on" in response.text
    assert 'id="id_contractor_error"' in response.text
    assert not Permit.objects.exists()


def test_intake_without_a_size_asks_for_it(clerk_client, contractor):
    data = _intake_data(contractor, permit_type="water_tap", size="")
    response = clerk_client.post(reverse("permits:intake"), data)
    assert 'id="id_size_error"' in response.text
    assert not Permit.objects.exists()


# A permit's page -----------------------------------------------------------------------------


def test_the_permit_page_takes_the_fees_through_the_drawer(
    clerk_client, submit, clerk, django_assert_max_num_queries
):
    permit = submit("hydrant_meter", days=5)
    clerk_client.get("/")  # a working clerk's session was renewed within the last minute
    with django_assert_max_num_queries(10):
        page = clerk_client.get(reverse("permits:detail", args=[permit.number]))
    assert 'id="owed-total"><strong>$1,550.00' in page.text
    response = clerk_client.post(
        reverse("permits:pay", args=[permit.number]),
        {"cash_tendered": "1600.00", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    page = clerk_client.get(reverse("permits:detail", args=[permit.number]))
    assert 'id="paid-deposit">$1,500.00' in page.text
    assert "Change $50.00" in page.text


def test_too_little_cash_is_refused_beside_the_cash(clerk_client, submit):
    permit = submit("street_cut")
    response = clerk_client.post(
        reverse("permits:pay", args=[permit.number]),
        {"cash_tendered": "100.00", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "id_cash_tendered_error" in response.text


def test_a_clerk_is_refused_a_supervisors_step(clerk_client, submit):
    permit = submit("water_tap", size='1"')
    page = clerk_client.get(reverse("permits:detail", args=[permit.number]))
    assert "decided by a supervisor" in page.text
    response = clerk_client.post(
        reverse("permits:review", args=[permit.number, 1]), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert permit.reviews.get().decision == "pending"


def test_a_supervisor_denies_with_a_reason(supervisor_client, submit):
    permit = submit("water_tap", size='1"')
    url = reverse("permits:review", args=[permit.number, 1])
    response = supervisor_client.post(url, {"decision": "deny", "reason": ""})
    assert response.status_code == 400 and "id_reason_error" in response.text
    response = supervisor_client.post(url, {"decision": "deny", "reason": "No capacity"})
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.status == PermitStatus.DENIED


# The account page and search -----------------------------------------------------------------


def test_the_account_page_lists_the_premises_permits(clerk_client, submit, site):
    account = make_account(premise=site)
    permit = submit("street_cut")
    response = clerk_client.get(reverse("accounts:tab", args=[account.number, "permits"]))
    assert response.status_code == 200
    assert permit.number in response.text


def test_search_finds_permits_by_number_address_and_contractor(clerk_client, submit):
    permit = submit("street_cut")
    for query in (permit.number, permit.number.replace("-", " ").lower(), "900 fm 1103", "bexar"):
        response = clerk_client.get(reverse("search"), {"q": query}, headers={"HX-Request": "true"})
        assert permit.number in response.text, query


# The tablet inspection -----------------------------------------------------------------------


def _scheduled(submit, clerk, supervisor, crew):
    permit = issued(submit("street_cut"), clerk, supervisor)
    return services.schedule_inspection(permit=permit, on=business_day.today(), crew=crew, by=clerk)


def test_the_inspector_records_a_pass_with_a_photo(field_client, submit, clerk, supervisor, crew):
    from django.core.files.uploadedfile import SimpleUploadedFile

    inspection = _scheduled(submit, clerk, supervisor, crew)
    assert inspection.permit.number in field_client.get(reverse("permits:field")).text
    photo = SimpleUploadedFile("site.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
    response = field_client.post(
        reverse("permits:field_inspection", args=[inspection.pk]),
        {"result": "pass", "notes": "Compacted, paved", "photo": photo},
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "passed" and bytes(inspection.photo).startswith(b"\x89PNG")


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_changes(
    field_client, submit, clerk, supervisor, crew
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    inspection = _scheduled(submit, clerk, supervisor, crew)
    fake = SimpleUploadedFile("site.png", b"<html>not an image</html>", "image/png")
    response = field_client.post(
        reverse("permits:field_inspection", args=[inspection.pk]),
        {"result": "pass", "photo": fake},
    )
    assert response.status_code == 400
    assert "JPEG or PNG" in response.text and "id_photo_error" in response.text
    assert Inspection.objects.get(pk=inspection.pk).status == "scheduled"


def test_a_fail_without_a_reinspection_date_stays_on_the_form(
    field_client, submit, clerk, supervisor, crew
):
    inspection = _scheduled(submit, clerk, supervisor, crew)
    response = field_client.post(
        reverse("permits:field_inspection", args=[inspection.pk]),
        {"result": "fail", "notes": "No barricades"},
    )
    assert response.status_code == 400 and "id_reinspect_on_error" in response.text
    tomorrow = business_day.today() + timedelta(days=1)
    field_client.post(
        reverse("permits:field_inspection", args=[inspection.pk]),
        {"result": "fail", "notes": "No barricades", "reinspect_on": tomorrow.isoformat()},
    )
    assert Inspection.objects.filter(reinspection_of=inspection, scheduled_for=tomorrow).exists()


def test_another_crews_inspection_is_refused(field_client, submit, clerk, supervisor):
    from workorders.models import Crew

    other = Crew.objects.create(name="South crew")
    inspection = _scheduled(submit, clerk, supervisor, other)
    assert (
        field_client.get(reverse("permits:field_inspection", args=[inspection.pk])).status_code
        == 403
    )


# Public verification -------------------------------------------------------------------------


def test_the_verification_page_shows_only_number_type_status_and_dates(submit, clerk, supervisor):
    permit = issued(submit("street_cut"), clerk, supervisor, conditions="Secret gate code 4411")
    response = Client().get(reverse("permits:verify", args=[permit.verify_token]))
    assert response.status_code == 200
    text = response.text
    assert permit.number in text and "Street cut" in text and "Issued" in text
    assert permit.valid_until.strftime("%m/%d/%Y") in text
    for private in (
        "Bexar",
        "Ray Salinas",
        "210-555-0141",
        "TX-UC-40417",
        "ray@bexar-underground.example",
        "900",
        "FM 1103",
        "Secret gate code",
        "$",
        "Sign out",
    ):
        assert private not in text, private


def test_a_wrong_or_guessed_token_finds_nothing(submit, clerk, supervisor):
    permit = issued(submit("street_cut"), clerk, supervisor)
    assert len(permit.verify_token) >= 32
    # The changed last character must differ from the real one, whatever the token ends with.
    last = "x" if permit.verify_token[-1] != "x" else "y"
    for guess in (permit.number, permit.verify_token[:-1] + last, str(permit.pk)):
        response = Client().get(reverse("permits:verify", args=[guess]))
        assert response.status_code == 404
        assert permit.number not in response.text


def test_each_permit_has_its_own_token(submit):
    tokens = {submit("street_cut").verify_token for _ in range(5)}
    assert len(tokens) == 5


def test_an_issued_permit_with_inspections_and_history_renders_in_few_queries(
    clerk_client, submit, clerk, supervisor, crew, field_user, django_assert_max_num_queries
):
    permit = issued(submit("street_cut"), clerk, supervisor)
    for day in range(3):
        inspection = (
            services.schedule_inspection(
                permit=permit, on=business_day.today() + timedelta(days=day), crew=crew, by=clerk
            )
            if day == 0
            else Inspection.objects.get(permit=permit, status="scheduled")
        )
        services.record_inspection(
            inspection=inspection,
            passed=False,
            notes=f"Fail {day}",
            reinspect_on=business_day.today() + timedelta(days=day + 1),
            by=field_user,
        )
    clerk_client.get("/")  # a working clerk's session was renewed within the last minute
    with django_assert_max_num_queries(10):
        page = clerk_client.get(reverse("permits:detail", args=[permit.number]))
    assert page.text.count("(re-inspection)") == 3


def test_the_desk_lists_issued_permits_expiring_soon(clerk_client, submit, clerk, supervisor):
    soon = issued(submit("street_cut"), clerk, supervisor)
    later = issued(submit("water_tap", size='1"'), clerk, supervisor)
    Permit.objects.filter(pk=soon.pk).update(valid_until=business_day.today() + timedelta(days=5))
    response = clerk_client.get(reverse("permits:desk"), {"status": "expiring"})
    assert soon.number in response.text and later.number not in response.text
