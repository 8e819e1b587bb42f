"""The deposit runs as background runs (utilityclerk.runs): a proof to read, a supervisor's
approval, then posting in chunks with live progress."""

from datetime import date

from payments.deposits import runs

PERMISSION = "deposits.run_deposit_runs"
INSTALMENTS, INTEREST, REVIEW = "deposits.instalments", "deposits.interest", "deposits.review"


def _day(run) -> date:
    return date.fromisoformat(run.params["day"])


def _by(run):
    return run.approved_by or run.started_by


KINDS = [
    (
        INSTALMENTS,
        "Deposit instalment run",
        lambda run: runs.instalment_proof(_day(run)),
        lambda run, progress: runs.post_instalments(
            _day(run), by=_by(run), progress=progress, run=run
        ),
    ),
    (
        INTEREST,
        "Deposit interest run",
        lambda run: runs.interest_proof(int(run.params["year"])),
        lambda run, progress: runs.post_interest(
            int(run.params["year"]), by=_by(run), progress=progress, run=run
        ),
    ),
    (
        REVIEW,
        "Deposit review run",
        lambda run: runs.review_proof(_day(run)),
        lambda run, progress: runs.post_review(_day(run), by=_by(run), progress=progress, run=run),
    ),
]


def register():
    from utilityclerk.runs.registry import RunKind, register_run_kind

    for kind, label, proof, post in KINDS:
        register_run_kind(
            RunKind(
                kind=kind,
                label=label,
                proof=proof,
                post=post,
                start_permission=PERMISSION,
                approve_permission=PERMISSION,
                template="deposits/partials/_run_proof.html",
            )
        )
