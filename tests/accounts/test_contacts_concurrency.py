import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection

from accounts.contacts import services
from accounts.models import Contact
from tests.factories import make_user
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    """Run each call in its own thread and connection, started at the same moment."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def worker(call):
        try:
            barrier.wait(timeout=30)
            results.append(call())
        except Exception as error:  # reported below, so a failure names its cause
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # A thread still running is a lock that never came free: fail here, not hang the suite.
    assert not [thread for thread in threads if thread.is_alive()], "a call never finished"
    return results, errors


def test_the_same_form_submitted_twice_at_once_logs_one_contact():
    clerk = make_user(role="Clerk")
    key = uuid.uuid4()

    def submit():
        return services.log_contact(
            by=clerk,
            channel="phone",
            party_type="elected_official",
            party_name="Council Member Ana Ruiz",
            category="complaint",
            subject="Pothole on Pfeil Rd",
            idempotency_key=key,
        ).pk

    results, errors = run_together(*([submit] * 4))
    assert errors == []
    assert len(set(results)) == 1
    assert Contact.objects.count() == 1
    assert AuditEvent.objects.filter(action="contact.log").count() == 1


def test_owner_and_supervisor_closing_at_once_close_it_once():
    clerk = make_user(role="Clerk")
    supervisor = make_user(role="Supervisor")
    contact = services.log_contact(
        by=clerk,
        channel="mail",
        party_type="agency",
        party_name="Guadalupe County Health",
        category="other",
        subject="Boil-water notice",
        follow_up_on=business_day.today() + timedelta(days=1),
    )
    results, errors = run_together(
        lambda: services.close_follow_up(contact=contact, outcome="Clerk's answer", by=clerk),
        lambda: services.close_follow_up(contact=contact, outcome="Supervisor's", by=supervisor),
    )
    assert errors == []
    contact.refresh_from_db()
    assert contact.status == "closed"
    assert {r.outcome for r in results} == {contact.outcome}
    assert AuditEvent.objects.filter(action="contact.close").count() == 1
