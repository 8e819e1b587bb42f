"""Every change to a dispute case, its documents, investigation, resolution, appeal and
referrals. One function per action; each takes the acting user, runs in one transaction,
locks what races and writes the audit trail with it."""

import hashlib
import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import (
    Account,
    AdjustmentReason,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    Bill,
    Contact,
    LedgerEntry,
)
from accounts.services import AccountError
from collections_app.disputes import queries
from collections_app.disputes.models import (
    BILL_KINDS,
    DOCUMENT_MAX_BYTES,
    DOCUMENT_TYPES,
    MONEY_KINDS,
    Agency,
    Appeal,
    AppealDecision,
    Case,
    CaseDocument,
    CaseKind,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    CaseWorkOrder,
    DocumentKind,
    InvestigationStep,
    Outcome,
    PartyType,
    ReceivedVia,
    Referral,
    ReferralStatus,
    can_transition,
)
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money, quantize_money
from workorders import services as work_orders
from workorders.models import WorkOrder

S = CaseStatus


class DisputeError(DomainError):
    """A dispute rule a clerk broke; the message is for them, `field` names the form field."""


STATUS_WORDS = {s: label.lower() for s, label in CaseStatus.choices}
# Reasons a resolution may credit the account with (accounts' adjustment reasons).
CREDIT_REASONS = [
    AdjustmentReason.DISPUTE_RESOLVED,
    AdjustmentReason.METER_MISREAD,
    AdjustmentReason.BILLING_ERROR,
    AdjustmentReason.LEAK_CREDIT,
    AdjustmentReason.FEE_WAIVER,
]


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def move_case(case: Case, to_status: str, *, by, note: str = "", **changes) -> Case:
    """The one transition function (the case locked by the caller): checks the table,
    records the status change and audits."""
    if not can_transition(case.status, to_status):
        raise DisputeError(
            f"Case {case.number} is {STATUS_WORDS[case.status]}; "
            f"it cannot become {STATUS_WORDS[to_status]}."
        )
    before = audit.snapshot(case)
    from_status = case.status
    case.status = to_status
    if from_status == S.RECEIVED and case.acknowledged_on is None:
        # Whatever the first step is, the customer has been answered by it.
        case.acknowledged_on = business_day.today()
    for name, value in changes.items():
        setattr(case, name, value)
    case.save()
    CaseStatusChange.objects.create(
        case=case,
        from_status=from_status,
        to_status=to_status,
        on=business_day.today(),
        by=by if getattr(by, "is_authenticated", False) else None,
        note=note[:300],
    )
    audit.record(
        actor=by,
        action=f"dispute.{to_status}",
        target=case,
        before=before,
        after=audit.snapshot(case),
        reason=note,
    )
    return case


# Opening ------------------------------------------------------------------------------


def deadlines(opened_on: date, policy: Policy | None = None) -> tuple[date, date]:
    """(acknowledge by, resolve by): the policy's business days after the day it was opened,
    weekends and city holidays skipped."""
    policy = policy or Policy.current()
    return (
        business_day.add_business_days(opened_on, policy.dispute_acknowledge_days),
        business_day.add_business_days(opened_on, policy.dispute_resolve_days),
    )


def _check_amount(*, account, kind, amount, bill, charge) -> Decimal:
    if kind not in MONEY_KINDS:
        if amount:
            raise DisputeError(
                "A service problem names no amount; choose a bill, charge or amount to dispute one.",
                field="amount",
            )
        return ZERO
    if amount is None or amount <= ZERO:
        raise DisputeError("Enter the amount the customer disputes.", field="amount")
    amount = quantize_money(amount)
    if kind in BILL_KINDS:
        if bill is None:
            raise DisputeError("Choose the bill.", field="bill")
        if bill.account_id != account.pk:
            raise DisputeError("That bill is not this account's.", field="bill")
        already = queries.held_on_charge(bill=bill)
        if amount + already > bill.total:
            raise DisputeError(
                f"The amount disputed cannot be more than the bill ({format_money(bill.total)})"
                + (f", less {format_money(already)} already under dispute" if already else "")
                + ".",
                field="amount",
            )
    elif kind == CaseKind.CHARGE:
        if charge is None:
            raise DisputeError("Choose the charge.", field="charge")
        if charge.account_id != account.pk or charge.amount <= ZERO:
            raise DisputeError("That is not a charge on this account.", field="charge")
        already = queries.held_on_charge(charge=charge)
        if amount + already > charge.amount:
            raise DisputeError(
                f"The amount disputed cannot be more than the charge "
                f"({format_money(charge.amount)})"
                + (f", less {format_money(already)} already under dispute" if already else "")
                + ".",
                field="amount",
            )
    else:
        from accounts.queries import balance_of

        owed = balance_of(account.pk) - queries.disputed_amount(account.pk)
        if amount > owed:
            raise DisputeError(
                f"The amount disputed cannot be more than the account owes and is not already "
                f"under dispute ({format_money(max(owed, ZERO))}).",
                field="amount",
            )
    return amount


def open_case(
    *,
    account: Account,
    kind: str,
    words: str,
    received_via: str,
    party_type: str,
    by,
    amount: Decimal | None = None,
    bill: Bill | None = None,
    charge: LedgerEntry | None = None,
    party_name: str = "",
    contact: Contact | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Case:
    """Open a case; a money case holds its amount out of collection from this moment."""
    if kind not in CaseKind.values:
        raise DisputeError("Choose what the dispute is about.", field="kind")
    if received_via not in ReceivedVia.values:
        raise DisputeError("Choose how it came in.", field="received_via")
    if party_type not in PartyType.values:
        raise DisputeError("Choose who raised it.", field="party_type")
    words = (words or "").strip()
    if not words:
        raise DisputeError("Write what the customer says, in their own words.", field="words")
    party_name = (party_name or "").strip()
    if party_type != PartyType.CITIZEN and not party_name:
        raise DisputeError("Name the official or agency.", field="party_name")
    if contact is not None and contact.account_id not in (None, account.pk):
        raise DisputeError("That contact is about another account.")
    if kind not in BILL_KINDS:
        bill = None
    if kind != CaseKind.CHARGE:
        charge = None
    today = business_day.today()
    acknowledge_by, resolve_by = deadlines(today)
    try:
        with transaction.atomic():
            # The account lock queues two clerks disputing the same bill at once, so the
            # check "no more than the bill" sees the other's case.
            account = Account.objects.select_for_update().get(pk=account.pk)
            if idempotency_key and (
                found := Case.objects.filter(idempotency_key=idempotency_key).first()
            ):
                return found
            amount = _check_amount(
                account=account, kind=kind, amount=amount, bill=bill, charge=charge
            )
            case = Case.objects.create(
                account=account,
                kind=kind,
                bill=bill,
                charge=charge,
                amount=amount,
                words=words[:4000],
                received_via=received_via,
                party_type=party_type,
                party_name=party_name[:120],
                contact=contact,
                owner=by,
                opened_on=today,
                opened_by=by,
                acknowledge_by=acknowledge_by,
                resolve_by=resolve_by,
                idempotency_key=idempotency_key,
            )
            CaseStatusChange.objects.create(case=case, to_status=S.RECEIVED, on=today, by=by)
            opened = audit.snapshot(case)
            audit.record(
                actor=by,
                action="dispute.open",
                target=case,
                after={k: v for k, v in opened.items() if v not in ("", None, "0.00", 0)},
            )
            return case
    except IntegrityError:
        found = (
            Case.objects.filter(idempotency_key=idempotency_key).first()
            if idempotency_key
            else None
        )
        if found is None:
            raise
        return found


def acknowledge_case(*, case: Case, how: str, by) -> Case:
    how = (how or "").strip()
    if not how:
        raise DisputeError("Say how the customer was told (letter, call, e-mail).", field="how")
    with transaction.atomic():
        case = _lock(case)
        if case.status != S.RECEIVED:
            return case  # already acknowledged, or moved on: a second click changes nothing
        return move_case(case, S.ACKNOWLEDGED, by=by, note=how, acknowledged_how=how[:120])


def add_note(*, case: Case, text: str, by) -> CaseNote:
    text = (text or "").strip()
    if not text:
        raise DisputeError("Write the note first.", field="text")
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, text=text[:2000], by=by)
        audit.record(actor=by, action="dispute.note", target=case, after={"note": text[:2000]})
    return note


def reassign_case(*, case: Case, owner, by) -> Case:
    with transaction.atomic():
        case = _lock(case)
        before = audit.snapshot(case, ["owner"])
        case.owner = owner
        case.save(update_fields=["owner"])
        audit.record(
            actor=by,
            action="dispute.reassign",
            target=case,
            before=before,
            after=audit.snapshot(case, ["owner"]),
        )
    return case


# Documents ----------------------------------------------------------------------------

# What each allowed type starts with: the browser's claimed type is not trusted.
_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


def sniff_type(head: bytes) -> str | None:
    for content_type, prefixes in _MAGIC.items():
        if any(head.startswith(p) for p in prefixes):
            return content_type
    return None


def add_document(
    *, case: Case, filename: str, content: bytes, kind: str, by, note: str = ""
) -> CaseDocument:
    """Keep an uploaded scan, photo or form with the case (PostgreSQL bytea)."""
    if kind not in DocumentKind.values or kind == DocumentKind.OUTCOME_LETTER:
        raise DisputeError("Choose what the document is.", field="kind")
    if not content:
        raise DisputeError("The file is empty.", field="file")
    if len(content) > DOCUMENT_MAX_BYTES:
        raise DisputeError(
            f"The file is {len(content) / 1024 / 1024:.1f} MB; the most is "
            f"{DOCUMENT_MAX_BYTES // 1024 // 1024} MB. Scan at a lower resolution.",
            field="file",
        )
    content_type = sniff_type(content[:16])
    if content_type is None:
        raise DisputeError("Only PDF, JPEG and PNG files can be kept with a case.", field="file")
    return _store_document(
        case=case,
        filename=filename,
        content=content,
        content_type=content_type,
        kind=kind,
        by=by,
        note=note,
    )


def _store_document(*, case, filename, content, content_type, kind, by, note="") -> CaseDocument:
    stem = "".join(
        ch for ch in (filename or "document").rsplit(".", 1)[0] if ch.isalnum() or ch in "-_ "
    )
    filename = f"{(stem.strip() or 'document')[:100]}{DOCUMENT_TYPES[content_type]}"
    with transaction.atomic():
        document = CaseDocument.objects.create(
            case=case,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            note=(note or "").strip()[:200],
            uploaded_by=by,
        )
        audit.record(
            actor=by,
            action="dispute.document",
            target=case,
            after={"document": document.pk, "file": filename, "kind": kind, "bytes": len(content)},
        )
    return document


# Investigation ------------------------------------------------------------------------


def raise_investigation(*, case: Case, step: str, instructions: str, by) -> CaseWorkOrder:
    """Raise a work order through the work-order services; the case waits on it."""
    if step not in InvestigationStep.values:
        raise DisputeError("Choose the step.", field="step")
    with transaction.atomic():
        case = _lock(case)
        if case.status not in (S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING, S.WAITING):
            raise DisputeError(
                f"Case {case.number} is {STATUS_WORDS[case.status]}: no more field work for it."
            )
        account = Account.objects.select_related("premise").get(pk=case.account_id)
        service = work_orders.metered_service(account.services.filter(status="active"))
        text = f"Dispute {case.number}: {InvestigationStep(step).label}."
        if instructions.strip():
            text += f" {instructions.strip()}"
        order = work_orders.raise_work_order(
            kind=step,
            premise=account.premise,
            account=account,
            service=service,
            instructions=text,
            by=by,
        )
        link = CaseWorkOrder.objects.create(case=case, work_order=order, step=step, raised_by=by)
        move_case(
            case, S.WAITING, by=by, note=f"{order.number} raised: {InvestigationStep(step).label}"
        )
    return link


def on_work_order_finished(*, order: WorkOrder, event: str, by) -> None:
    """A work order raised for a case was completed or cancelled: its result goes on the
    case, and the case stops waiting once nothing else is out. Called inside the work
    order's transaction (accounts.extensions.work_order_listener)."""
    link = CaseWorkOrder.objects.filter(work_order_id=order.pk).first()
    if link is None or link.finished:
        return
    case = _lock(link.case)
    parts = []
    read = getattr(order, "meter_read", None) if event == "completed" else None
    if read is not None:
        parts.append(f"Read {read.value:,} on {read.read_on:%m/%d/%Y}")
    if event == "completed" and order.completion_notes:
        parts.append(order.completion_notes)
    if event == "cancelled":
        parts.append(f"Cancelled: {order.cancel_reason}")
    link.finished = event
    link.finished_at = timezone.now()
    link.result = "; ".join(parts)[:2000] or "Completed with no notes."
    link.save(update_fields=["finished", "finished_at", "result"])
    audit.record(
        actor=by,
        action=f"dispute.work_order_{event}",
        target=case,
        after={"work_order": order.number, "result": link.result},
    )
    still_out = CaseWorkOrder.objects.filter(case=case, finished="").exists()
    if case.status == S.WAITING and not still_out:
        move_case(case, S.INVESTIGATING, by=by, note=f"{order.number} {event}: {link.result}"[:300])


# Resolution ---------------------------------------------------------------------------


def _adjustment_key(case: Case, stage: str) -> uuid.UUID:
    # One adjustment per case and stage however often the form is sent.
    return uuid.uuid5(uuid.NAMESPACE_URL, f"utilityclerk:dispute:{case.pk}:{stage}")


def resolve_case(
    *,
    case: Case,
    outcome: str,
    reason: str,
    by,
    credit: Decimal | None = None,
    credit_reason: str = AdjustmentReason.DISPUTE_RESOLVED,
) -> Case:
    """Upheld, adjusted or withdrawn, with the reason. An adjustment goes through the
    accounts adjustment service: above the clerk limit it waits for a supervisor, and the
    case (and its hold) with it."""
    if not by.has_perm("disputes.resolve_case"):
        raise DisputeError("Your role cannot resolve a dispute.")
    if outcome not in Outcome.values:
        raise DisputeError("Choose the outcome.", field="outcome")
    reason = (reason or "").strip()
    if not reason:
        raise DisputeError("Give the reason for the outcome.", field="reason")
    with transaction.atomic():
        case = _lock(case)
        if case.status not in (S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING):
            if case.status == S.WAITING:
                raise DisputeError(
                    f"Case {case.number} waits on field work; its result comes first "
                    "(or cancel the work order)."
                )
            if case.outcome == outcome and case.status in (S.RESOLVED, S.AWAITING_APPROVAL):
                return case  # the same form sent twice
            raise DisputeError(f"Case {case.number} is {STATUS_WORDS[case.status]}.")
        today = business_day.today()
        done = {"outcome": outcome, "outcome_reason": reason[:2000], "resolved_by": by}
        if outcome in (Outcome.WITHDRAWN, Outcome.UPHELD):
            to = S.WITHDRAWN if outcome == Outcome.WITHDRAWN else S.RESOLVED
            case = move_case(case, to, by=by, note=reason, resolved_on=today, **done)
            store_outcome_letter(case=case, by=by)
            return case
        if not case.is_money:
            raise DisputeError("A service problem has no amount to adjust.", field="outcome")
        if credit is None or credit <= ZERO:
            raise DisputeError("Enter the credit to give.", field="credit")
        credit = quantize_money(credit)
        if credit > case.amount - case.amount_adjusted:
            raise DisputeError(
                f"The credit cannot be more than the amount disputed "
                f"({format_money(case.amount - case.amount_adjusted)}).",
                field="credit",
            )
        if credit_reason not in CREDIT_REASONS:
            raise DisputeError("Choose why the account is credited.", field="credit_reason")
        result = account_services.post_adjustment(
            account=case.account,
            amount=-credit,
            reason_code=credit_reason,
            memo=f"Dispute {case.number}: {reason}"[:200],
            by=by,
            idempotency_key=_adjustment_key(case, "resolution"),
        )
        if isinstance(result, AdjustmentRequest):
            return move_case(
                case,
                S.AWAITING_APPROVAL,
                by=by,
                note=f"Credit of {format_money(credit)} waits for a supervisor: {reason}",
                adjustment_request=result,
                adjustment_reason=credit_reason,
                **done,
            )
        case = move_case(
            case,
            S.RESOLVED,
            by=by,
            note=reason,
            resolved_on=today,
            adjustment_entry=result,
            adjustment_reason=credit_reason,
            amount_adjusted=case.amount_adjusted + credit,
            **done,
        )
        store_outcome_letter(case=case, by=by)
        return case


def on_adjustment_decided(*, request: AdjustmentRequest, by) -> None:
    """A supervisor approved or rejected a case's credit (accounts.extensions)."""
    case = Case.objects.filter(adjustment_request=request).first()
    if case is None:
        return
    case = _lock(case)
    if case.status != S.AWAITING_APPROVAL:
        return
    if request.status == AdjustmentRequestStatus.APPROVED:
        move_case(
            case,
            S.RESOLVED,
            by=by,
            note=f"Credit of {format_money(-request.amount)} approved",
            resolved_on=business_day.today(),
            adjustment_entry=request.ledger_entry,
            amount_adjusted=case.amount_adjusted - request.amount,
        )
        store_outcome_letter(case=case, by=by)
    elif request.status == AdjustmentRequestStatus.REJECTED:
        move_case(
            case,
            S.INVESTIGATING,
            by=by,
            note=f"Credit rejected: {request.decision_note}",
            outcome="",
            outcome_reason="",
            resolved_by=None,
            adjustment_request=None,
        )


def store_outcome_letter(*, case: Case, by) -> CaseDocument:
    """The outcome letter as a PDF in the case's documents (once per decision)."""
    from collections_app.disputes import letters

    stage = "appeal" if case.status == S.CLOSED else "resolution"
    filename = f"{case.number}-{stage}-letter.pdf"
    existing = case.documents.filter(kind=DocumentKind.OUTCOME_LETTER, filename=filename).first()
    if existing is not None:
        return existing
    pdf = letters.outcome_letter_pdf(case, generated_by=by)
    return _store_document(
        case=case,
        filename=filename,
        content=pdf,
        content_type="application/pdf",
        kind=DocumentKind.OUTCOME_LETTER,
        by=by,
        note=f"Outcome letter ({stage})",
    )


def email_outcome_letter(*, case: Case, by) -> CaseDocument:
    """Send the outcome letter to the customer's e-mail (after the commit)."""
    customer = case.account.customer
    if not customer.email:
        raise DisputeError("The customer has no e-mail address on file; print the letter instead.")
    if case.status not in (S.RESOLVED, S.WITHDRAWN, S.CLOSED):
        raise DisputeError("The case has no outcome yet.")
    with transaction.atomic():
        document = store_outcome_letter(case=case, by=by)
        audit.record(
            actor=by,
            action="dispute.letter_emailed",
            target=case,
            after={"to": customer.email, "document": document.pk},
        )
        content, filename = bytes(document.content), document.filename

        def send():
            message = EmailMessage(
                subject=f"{settings.UTILITY_NAME}: your dispute {case.number}",
                body=(
                    f"Dear {customer},\n\nThe outcome of your dispute {case.number} on account "
                    f"{case.account.display_number} is in the attached letter.\n\n"
                    f"{settings.UTILITY_NAME}\n{settings.UTILITY_PHONE}\n"
                ),
                to=[customer.email],
            )
            message.attach(filename, content, "application/pdf")
            message.send()

        transaction.on_commit(send)
    return document


# Appeals ------------------------------------------------------------------------------


def file_appeal(*, case: Case, grounds: str, hearing_on: date, officer: str, by) -> Appeal:
    """The customer appeals a resolution: the amount not credited is held until decided."""
    grounds, officer = (grounds or "").strip(), (officer or "").strip()
    if not grounds:
        raise DisputeError("Write the customer's grounds for the appeal.", field="grounds")
    if not officer:
        raise DisputeError("Name the hearing officer.", field="officer")
    if hearing_on is None or hearing_on < business_day.today():
        raise DisputeError("The hearing date cannot be in the past.", field="hearing_on")
    with transaction.atomic():
        case = _lock(case)
        if Appeal.objects.filter(case=case).exists():
            raise DisputeError(f"Case {case.number} has been appealed already.")
        if case.status != S.RESOLVED:
            raise DisputeError("Only a resolved case can be appealed.")
        appeal = Appeal.objects.create(
            case=case,
            filed_on=business_day.today(),
            filed_by=by,
            grounds=grounds[:2000],
            hearing_on=hearing_on,
            officer=officer[:120],
        )
        move_case(
            case,
            S.APPEALED,
            by=by,
            note=f"Appeal: hearing {hearing_on:%m/%d/%Y} before {officer}",
        )
    return appeal


def decide_appeal(
    *, case: Case, decision: str, note: str, by, credit: Decimal | None = None
) -> Appeal:
    if not by.has_perm("disputes.decide_appeal"):
        raise DisputeError("Only a supervisor records an appeal's decision.")
    if decision not in AppealDecision.values:
        raise DisputeError("Choose the decision.", field="decision")
    note = (note or "").strip()
    if not note:
        raise DisputeError("Write the decision's reasons.", field="note")
    with transaction.atomic():
        case = _lock(case)
        appeal = Appeal.objects.select_for_update().filter(case=case).first()
        if appeal is None:
            raise DisputeError(f"Case {case.number} has no appeal to decide.")
        if appeal.decision:
            return appeal
        changes = {}
        if decision == AppealDecision.ADJUSTED:
            if credit is None or credit <= ZERO:
                raise DisputeError("Enter the credit the decision gives.", field="credit")
            credit = quantize_money(credit)
            if credit > case.amount - case.amount_adjusted:
                raise DisputeError(
                    f"The credit cannot be more than what is still disputed "
                    f"({format_money(case.amount - case.amount_adjusted)}).",
                    field="credit",
                )
            try:
                entry = account_services.post_adjustment(
                    account=case.account,
                    amount=-credit,
                    reason_code=AdjustmentReason.DISPUTE_RESOLVED,
                    memo=f"Dispute {case.number}: appeal decided: {note}"[:200],
                    by=by,
                    idempotency_key=_adjustment_key(case, "appeal"),
                )
            except AccountError as error:
                raise DisputeError(str(error), field="credit") from error
            appeal.amount_adjusted = credit
            changes = {"amount_adjusted": case.amount_adjusted + credit, "adjustment_entry": entry}
        appeal.decision, appeal.decision_note = decision, note[:2000]
        appeal.decided_on, appeal.decided_by = business_day.today(), by
        appeal.save()
        case = move_case(case, S.CLOSED, by=by, note=f"Appeal {decision}: {note}", **changes)
        store_outcome_letter(case=case, by=by)
    return appeal


# Referrals ----------------------------------------------------------------------------


def refer(
    *,
    agency: Agency,
    reason: str,
    follow_up_on: date,
    by,
    case: Case | None = None,
    contact: Contact | None = None,
) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise DisputeError("Say why they are referred.", field="reason")
    if not agency.active:
        raise DisputeError(f"{agency} is no longer in the directory.", field="agency")
    if follow_up_on is None or follow_up_on < business_day.today():
        raise DisputeError("The follow-up date cannot be in the past.", field="follow_up_on")
    if case is None and contact is None:
        raise DisputeError("A referral is for a case or a contact.")
    with transaction.atomic():
        referral = Referral.objects.create(
            agency=agency,
            case=case,
            contact=contact,
            reason=reason[:1000],
            follow_up_on=follow_up_on,
            referred_by=by,
        )
        audit.record(
            actor=by,
            action="referral.send",
            target=case or contact,
            after={
                "referral": referral.pk,
                "agency": agency.name,
                "reason": reason[:1000],
                "follow_up_on": follow_up_on,
            },
        )
    return referral


def answer_referral(*, referral: Referral, answer: str, by) -> Referral:
    answer = (answer or "").strip()
    if not answer:
        raise DisputeError("Write what the agency answered.", field="answer")
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status == ReferralStatus.ANSWERED:
            return referral
        referral.status = ReferralStatus.ANSWERED
        referral.answer = answer[:2000]
        referral.answered_on = business_day.today()
        referral.answered_by = by
        referral.save()
        audit.record(
            actor=by,
            action="referral.answer",
            target=referral.case or referral.contact,
            after={
                "referral": referral.pk,
                "agency": referral.agency.name,
                "answer": answer[:2000],
            },
        )
    return referral
