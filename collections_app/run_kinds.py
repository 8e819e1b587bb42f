"""The collections runs as background runs (utilityclerk.runs): a proof to read, a
supervisor's approval, then posting in chunks with live progress. Each adapter reads the
run's date from its params and calls the plain service."""

from datetime import date

from django.urls import reverse

from collections_app import queries, runs, services
from utilityclerk import business_day
from workorders.models import Crew

START = "collections.start_collections_run"
APPROVE = "collections.approve_collections_run"


def _day(run) -> date:
    return date.fromisoformat(run.params["day"])


def _by(run):
    return run.approved_by or run.started_by


def _crew(run):
    crew_id = run.params.get("crew")
    return Crew.objects.filter(pk=crew_id).first() if crew_id else None


def _listing_proof(listing) -> dict:
    return {
        "counts": {"Accounts": len(listing.eligible), "Routes": len(listing.routes())},
        # Why the accounts are on it: past due, a backflow test overdue, …
        "grounds": listing.grounds(),
        "totals": {"Collectible": str(listing.total)},
        "exclusions": listing.exclusions(),
        "day_reason": listing.day_reason,
    }


def shutoff_proof(run) -> dict:
    return _listing_proof(queries.shutoff_list(_day(run)))


def shutoff_post(run, progress) -> dict:
    return services.approve_shutoff(
        day=_day(run), by=_by(run), crew=_crew(run), progress=progress, run=run
    )


def hangers_proof(run) -> dict:
    return _listing_proof(queries.door_hanger_list(_day(run)))


def hangers_post(run, progress) -> dict:
    result = services.issue_door_hangers(day=_day(run), by=_by(run), crew=_crew(run))
    progress(1, 1)
    return {"counts": {"Door-hanger orders": result["door_hangers"]}}


def notices_post(run, progress) -> dict:
    result = runs.post_notices(_day(run), by=_by(run), progress=progress, run=run)
    result["batch_pdf"] = reverse("collections:notices_batch_pdf", args=[run.params["day"]])
    return result


def write_offs_post(run, progress) -> dict:
    result = runs.post_write_offs(
        _day(run), by=_by(run), agency_id=run.params.get("agency"), progress=progress, run=run
    )
    # The write-offs are dated to the day they posted: the referral file of that day.
    day = business_day.today().isoformat()
    result["referral_csv"] = reverse("collections:referrals_csv") + f"?day={day}"
    return result


KINDS = [
    dict(
        kind="collections.late_fees",
        label="Late-fee run",
        proof=lambda run: runs.late_fee_proof(_day(run)),
        post=lambda run, progress: runs.post_late_fees(
            _day(run), by=_by(run), progress=progress, run=run
        ),
    ),
    dict(
        kind="collections.notices",
        label="Past-due notice run",
        proof=lambda run: runs.notice_proof(_day(run)),
        post=notices_post,
    ),
    dict(
        kind="collections.door_hangers",
        label="Door-hanger run",
        proof=hangers_proof,
        post=hangers_post,
    ),
    dict(
        kind="collections.shutoff",
        label="Shut-off run",
        proof=shutoff_proof,
        post=shutoff_post,
    ),
    dict(
        kind="collections.write_offs",
        label="Write-off run",
        proof=lambda run: runs.write_off_proof(_day(run)),
        post=write_offs_post,
    ),
    dict(
        kind="collections.nightly",
        label="Nightly arrangement and promise check",
        proof=lambda run: runs.nightly_proof(_day(run)),
        post=lambda run, progress: runs.post_nightly(
            _day(run), by=_by(run), progress=progress, run=run
        ),
        approve=None,
    ),
]


def register():
    from utilityclerk.runs.registry import RunKind, register_run_kind

    for spec in KINDS:
        register_run_kind(
            RunKind(
                kind=spec["kind"],
                label=spec["label"],
                proof=spec["proof"],
                post=spec["post"],
                start_permission=START,
                approve_permission=spec.get("approve", APPROVE),
                template="collections/partials/_run_proof.html",
            )
        )
