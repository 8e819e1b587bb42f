"""End-of-day actions: cash drops, blind counts, verification, the bank deposit and the
business-day close. One function per action; each takes the acting user, runs in one
transaction, locks what races and writes the audit trail."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from payments.closeout import queries
from payments.closeout.models import (
    DENOMINATIONS,
    BankDeposit,
    CashDrop,
    CountKind,
    DenominationCount,
    DepositStatus,
    DrawerCount,
    OverShortReason,
    Verification,
)
from payments.models import DrawerSession, SessionStatus
from utilityclerk import audit, business_day
from utilityclerk.core.models import BusinessDay, BusinessDayStatus, Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money, quantize_money

VALID_DENOMINATIONS = {value for value, _ in DENOMINATIONS}


class CloseoutError(DomainError):
    """A rule the user broke; the message is for them. `field` names the form field."""


@dataclass
class CountInput:
    """What a counter keyed: quantity per denomination and the non-cash totals."""

    denominations: dict[Decimal, int] = field(default_factory=dict)
    check_count: int = 0
    check_total: Decimal = ZERO
    money_order_count: int = 0
    money_order_total: Decimal = ZERO
    card_slip_count: int = 0
    card_total: Decimal = ZERO

    def cash_total(self) -> Decimal:
        return quantize_money(sum((v * q for v, q in self.denominations.items()), ZERO))

    def validate(self) -> None:
        for value, quantity in self.denominations.items():
            if value not in VALID_DENOMINATIONS:
                raise CloseoutError(f"{value} is not a US denomination.")
            if not isinstance(quantity, int) or quantity < 0:
                raise CloseoutError("Counts are whole numbers, zero or more.")
        for count_name, total_name, label in [
            ("check_count", "check_total", "checks"),
            ("money_order_count", "money_order_total", "money orders"),
            ("card_slip_count", "card_total", "card slips"),
        ]:
            count, total = getattr(self, count_name), getattr(self, total_name)
            if count < 0 or total < ZERO:
                raise CloseoutError(f"The {label} cannot be negative.", field=total_name)
            if (count == 0) != (total == ZERO):
                raise CloseoutError(
                    f"Enter both how many {label} there are and their total.", field=count_name
                )


def _lock_session(session: DrawerSession) -> DrawerSession:
    return DrawerSession.objects.select_for_update().get(pk=session.pk)


# Cash drops ----------------------------------------------------------------------------


def record_cash_drop(
    *, session: DrawerSession, amount: Decimal, witness, by, idempotency_key: uuid.UUID
) -> CashDrop:
    """Cash from a drawer to the safe, counted by the clerk and witnessed by a supervisor."""
    amount = quantize_money(amount)
    if amount <= ZERO:
        raise CloseoutError("Enter the amount dropped.", field="amount")
    if witness is None or witness.pk == by.pk:
        raise CloseoutError("A supervisor other than you must witness the drop.", field="witness")
    if not witness.has_perm("closeout.witness_cash_drop"):
        raise CloseoutError("The witness must be a supervisor.", field="witness")
    with transaction.atomic():
        session = _lock_session(session)
        if existing := CashDrop.objects.filter(idempotency_key=idempotency_key).first():
            return existing
        if session.status != SessionStatus.OPEN:
            raise CloseoutError("Only an open drawer can drop cash.")
        if session.opened_by_id != by.pk:
            raise CloseoutError("Only the clerk working the drawer drops its cash.")
        # The message does not say how much the drawer should hold: the close count is blind.
        if amount > queries.expected_for(session)["cash"]:
            raise CloseoutError(
                "That is more cash than this drawer has taken in. Count the drop again.",
                field="amount",
            )
        drop = CashDrop.objects.create(
            session=session,
            amount=amount,
            dropped_by=by,
            witnessed_by=witness,
            idempotency_key=idempotency_key,
        )
        audit.record(
            actor=by,
            action="drawer.cash_drop",
            target=session,
            after={"amount": str(amount), "witness": witness.get_username()},
        )
    return drop


# Counting ------------------------------------------------------------------------------


def _save_count(session, kind, counted: CountInput, by, key=None) -> DrawerCount:
    expected = queries.expected_for(session)
    count = DrawerCount.objects.create(
        session=session,
        kind=kind,
        counted_by=by,
        idempotency_key=key,
        cash_total=counted.cash_total(),
        check_count=counted.check_count,
        check_total=quantize_money(counted.check_total),
        money_order_count=counted.money_order_count,
        money_order_total=quantize_money(counted.money_order_total),
        card_slip_count=counted.card_slip_count,
        card_total=quantize_money(counted.card_total),
        expected_cash=expected["cash"],
        expected_check=expected["check"],
        expected_money_order=expected["money_order"],
        expected_card=expected["card"],
    )
    DenominationCount.objects.bulk_create(
        DenominationCount(count=count, value=value, quantity=quantity)
        for value, quantity in sorted(counted.denominations.items(), reverse=True)
        if quantity
    )
    audit.record(
        actor=by,
        action=f"drawer.count.{kind}",
        target=session,
        after={"counted": str(count.counted_total), "over_short": str(count.total_over_short)},
    )
    return count


def count_drawer(
    *, session: DrawerSession, counted: CountInput, by, idempotency_key: uuid.UUID | None = None
) -> DrawerCount:
    """The clerk's blind close count, or the one recount allowed after it. The first count
    closes the drawer: it takes no more payments."""
    counted.validate()
    with transaction.atomic():
        session = _lock_session(session)
        if session.opened_by_id != by.pk:
            raise CloseoutError("Only the clerk who opened the drawer counts it at close.")
        if idempotency_key and (
            done := DrawerCount.objects.filter(idempotency_key=idempotency_key).first()
        ):
            return done
        kinds = set(session.counts.values_list("kind", flat=True))
        if session.status == SessionStatus.OPEN:
            kind = CountKind.CLOSE
            session.status = SessionStatus.CLOSED
            session.closed_at = timezone.now()
            session.save(update_fields=["status", "closed_at"])
        elif session.status == SessionStatus.CLOSED and CountKind.RECOUNT not in kinds:
            kind = CountKind.RECOUNT
        elif session.status == SessionStatus.CLOSED:
            raise CloseoutError(
                "The drawer has been recounted once already; a supervisor verifies it now."
            )
        else:
            raise CloseoutError("This drawer has been verified; it cannot be counted again.")
        return _save_count(session, kind, counted, by, idempotency_key)


def needs_reason(count: DrawerCount, policy: Policy | None = None) -> bool:
    policy = policy or Policy.current()
    return any(abs(v) > policy.over_short_reason_threshold for v in count.over_short().values())


def needs_supervisor_note(count: DrawerCount, policy: Policy | None = None) -> bool:
    policy = policy or Policy.current()
    return abs(count.total_over_short) > policy.over_short_supervisor_note_threshold


def explain_over_short(*, count: DrawerCount, reason: str, by) -> OverShortReason:
    reason = reason.strip()
    if not reason:
        raise CloseoutError("Say why the drawer is over or short.", field="reason")
    with transaction.atomic():
        session = _lock_session(count.session)
        if session.status == SessionStatus.VERIFIED:
            raise CloseoutError("This drawer has been verified already.")
        if count.counted_by_id != by.pk:
            raise CloseoutError("The clerk who counted explains the difference.")
        explanation, created = OverShortReason.objects.get_or_create(
            count=count, defaults={"reason": reason[:300], "given_by": by}
        )
        if created:
            audit.record(
                actor=by,
                action="drawer.over_short_reason",
                target=session,
                after={"reason": reason},
            )
    return explanation


# Verification --------------------------------------------------------------------------


def verify_session(
    *, session: DrawerSession, by, note: str = "", recount: CountInput | None = None
) -> Verification:
    """A supervisor signs off a counted drawer, never the person who counted it. A recount by
    the supervisor is kept beside the clerk's counts and becomes the count of record."""
    if not by.has_perm("closeout.verify_drawer"):
        raise CloseoutError("Only a supervisor can verify a drawer.")
    if recount is not None:
        recount.validate()
    policy = Policy.current()
    with transaction.atomic():
        session = _lock_session(session)
        if session.status == SessionStatus.VERIFIED:
            return session.verification  # already done: a second click changes nothing
        if session.status != SessionStatus.CLOSED:
            raise CloseoutError("The clerk must count the drawer before it is verified.")
        clerk_counts = list(session.counts.exclude(kind=CountKind.VERIFICATION))
        if by.pk == session.opened_by_id or any(c.counted_by_id == by.pk for c in clerk_counts):
            raise CloseoutError("Someone other than the person who counted must verify the drawer.")
        # The clerk sees the difference after the first count, so a recount cannot be what
        # clears it: any clerk count off by more than the threshold needs the clerk's reason,
        # and the supervisor's note follows the largest difference counted.
        # A supervisor's own recount is independent of what the clerk saw, and stands.
        off = [c for c in clerk_counts if needs_reason(c, policy)]
        if recount is None and off and not any(hasattr(c, "explanation") for c in clerk_counts):
            raise CloseoutError("The clerk has not yet given a reason for the over/short.")
        if recount is not None:
            of_record = _save_count(session, CountKind.VERIFICATION, recount, by)
        else:
            of_record = clerk_counts[-1]
        largest = max([*clerk_counts, of_record], key=lambda c: abs(c.total_over_short))
        if needs_supervisor_note(largest, policy) and not note.strip():
            raise CloseoutError(
                f"Over or short by more than {format_money(policy.over_short_supervisor_note_threshold)}: "
                "add your note.",
                field="note",
            )
        verification = Verification.objects.create(
            session=session, verified_by=by, count=of_record, note=note.strip()[:300]
        )
        session.status = SessionStatus.VERIFIED
        session.save(update_fields=["status"])
        audit.record(
            actor=by,
            action="drawer.verify",
            target=session,
            after={"count": of_record.pk, "over_short": str(of_record.total_over_short)},
            reason=note,
        )
    return verification


# Bank deposit and the day --------------------------------------------------------------


def _lock_day(business_date: date) -> BusinessDay:
    BusinessDay.objects.get_or_create(date=business_date)
    # FOR UPDATE waits for every posting holding the day's share lock (business_day.posting_date).
    return BusinessDay.objects.select_for_update().get(date=business_date)


def prepare_deposit(
    *, business_date: date, bag_number: str, cash_total: Decimal, check_total: Decimal, by
) -> BankDeposit:
    """The bank bag for the day: its totals must equal the verified counts (and posted mail
    batches' checks), keyed by the preparer as a check on the bag's contents."""
    if not by.has_perm("closeout.close_business_day"):
        raise CloseoutError("Only a supervisor prepares the bank deposit.")
    bag_number = bag_number.strip()
    if not bag_number:
        raise CloseoutError("Enter the bag number.", field="bag_number")
    with transaction.atomic():
        day = _lock_day(business_date)
        if day.is_closed:
            raise CloseoutError("This business day is closed.")
        if BankDeposit.objects.filter(business_date=business_date).exists():
            raise CloseoutError("The deposit for this day has been prepared already.")
        if unverified := queries.unverified_sessions(business_date):
            raise CloseoutError(
                f"{len(unverified)} drawer session(s) are not verified yet: verify them first."
            )
        due = queries.deposit_due(business_date)
        # Each disagreement beside the total it is about; the first field named carries the
        # whole message when both are off.
        problems = []
        if quantize_money(cash_total) != due.cash:
            problems.append(
                (
                    "cash_total",
                    f"cash keyed {format_money(cash_total)}, counted {format_money(due.cash)}",
                )
            )
        if quantize_money(check_total) != due.checks:
            problems.append(
                (
                    "check_total",
                    f"checks keyed {format_money(check_total)}, counted {format_money(due.checks)}",
                )
            )
        if problems:
            raise CloseoutError(
                "The deposit does not agree with the verified counts: "
                + "; ".join(text for _, text in problems)
                + ".",
                field=problems[0][0],
            )
        deposit = BankDeposit.objects.create(
            business_date=business_date,
            bag_number=bag_number[:30],
            cash_total=due.cash,
            check_total=due.checks,
            item_count=due.item_count,
            prepared_by=by,
        )
        deposit.sessions.set(due.session_ids)
        audit.record(
            actor=by,
            action="deposit.prepare",
            target=deposit,
            after={"bag": bag_number, "cash": str(due.cash), "checks": str(due.checks)},
        )
    return deposit


def verify_deposit(
    *, deposit: BankDeposit, by, cash_total: Decimal, check_total: Decimal
) -> BankDeposit:
    """The second supervisor counts the bag and enters what they counted: it is verified
    only when that matches what the preparer put in it (a second count, not a signature)."""
    if not by.has_perm("closeout.close_business_day"):
        raise CloseoutError("Only a supervisor verifies the bank deposit.")
    cash_total, check_total = quantize_money(cash_total), quantize_money(check_total)
    with transaction.atomic():
        deposit = BankDeposit.objects.select_for_update().get(pk=deposit.pk)
        if deposit.status == DepositStatus.VERIFIED:
            return deposit
        if deposit.prepared_by_id == by.pk:
            raise CloseoutError(
                "Dual control: someone other than the preparer verifies the deposit."
            )
        if (cash_total, check_total) != (deposit.cash_total, deposit.check_total):
            raise CloseoutError(
                f"Your count (cash {format_money(cash_total)}, checks "
                f"{format_money(check_total)}) does not match bag {deposit.bag_number} as "
                "prepared. Count it again; if it still differs, the preparer recounts it.",
                field="cash_total",
            )
        deposit.status = DepositStatus.VERIFIED
        deposit.verified_by = by
        deposit.verified_at = timezone.now()
        deposit.save(update_fields=["status", "verified_by", "verified_at"])
        audit.record(
            actor=by,
            action="deposit.verify",
            target=deposit,
            after={"bag": deposit.bag_number, "cash": str(cash_total), "checks": str(check_total)},
        )
    return deposit


def close_day(*, business_date: date, by) -> BusinessDay:
    """Close the business day once every drawer is verified, every batch posted and the
    deposit verified. Postings under way finish first (they hold the day's share lock);
    postings after the close are dated to the next business day."""
    if not by.has_perm("closeout.close_business_day"):
        raise CloseoutError("Only a supervisor closes the business day.")
    if business_date > business_day.today():
        # A day still to come has had no drawers to count; closed now, it would push
        # every posting meant for it on to the day after.
        raise CloseoutError(
            f"{business_date:%m/%d/%Y} has not come yet: only today or an earlier day closes."
        )
    with transaction.atomic():
        day = _lock_day(business_date)
        if day.is_closed:
            return day
        problems = queries.reasons_day_cannot_close(business_date)
        if problems:
            raise CloseoutError("The day cannot close yet: " + " ".join(problems))
        day.status = BusinessDayStatus.CLOSED
        day.closed_by = by
        day.closed_at = timezone.now()
        day.save(update_fields=["status", "closed_by", "closed_at"])
        audit.record(actor=by, action="business_day.close", target=day, after={"status": "closed"})
    return day


def reopen_day(*, business_date: date, reason: str, by) -> BusinessDay:
    if not by.has_perm("core.reopen_business_day"):
        raise CloseoutError("Only an Admin can reopen a closed business day.")
    if not reason.strip():
        raise CloseoutError("Say why the day is reopened.", field="reason")
    with transaction.atomic():
        day = _lock_day(business_date)
        if not day.is_closed:
            raise CloseoutError("This business day is not closed.")
        day.status = BusinessDayStatus.OPEN
        day.closed_by = None
        day.closed_at = None
        day.save(update_fields=["status", "closed_by", "closed_at"])
        audit.record(
            actor=by,
            action="business_day.reopen",
            target=day,
            after={"status": "open"},
            reason=reason.strip(),
        )
    return day
