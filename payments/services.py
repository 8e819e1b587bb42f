"""Every change to drawers, payments and batches. One function per business action; each
takes the acting user, runs in one transaction and writes the audit trail in it.

Lock order, everywhere, so concurrent clerks queue instead of deadlocking:
drawer session row -> account row -> payment row -> customer row.
"""

import uuid
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import extensions
from accounts.models import Account, AccountStatus, Customer, EntryKind, LedgerEntry
from accounts.queries import balance_of, unpaid_charges
from payments.models import (
    BatchStatus,
    Channel,
    Drawer,
    DrawerSession,
    MailBatch,
    MailBatchItem,
    Payment,
    PaymentLine,
    PaymentStatus,
    SessionStatus,
    Tender,
    TenderKind,
    receipt_label,
)
from payments.other_payments import account_purpose, field_name
from payments.tenders import (
    CARD_NUMBER_MESSAGE,
    ChangeNeedsConfirmation,
    PaymentError,
    TenderInput,
    allocate,
    amount_field,
    looks_like_card_number,
)
from utilityclerk import audit, business_day
from utilityclerk.business_day import add_months
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO, format_money, quantize_money

# Mail-batch items post with a key derived from the item, so a retried post finds them.
BATCH_ITEM_KEYS = uuid.UUID("6f1d2c3e-5b7a-4c1e-9a0b-2d4e6f8a0c1e")


def _require(user, perm: str, message: str):
    if not user.has_perm(perm):
        raise PaymentError(message)


# Drawers -------------------------------------------------------------------------------


CHANGE_FUND_LOCK = 7_301_001  # advisory lock: floats leave the safe one at a time


def _check_float_is_in_the_safe(opening_float: Decimal) -> None:
    """A float comes out of the safe's change fund: no more than is in it, once a fund is on
    record. Serialised, so two clerks cannot both take the last of it."""
    from payments.closeout.queries import change_fund

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_FUND_LOCK])
    fund = change_fund()
    if fund.established > ZERO and opening_float > fund.in_safe:
        raise PaymentError(
            f"The safe's change fund holds {format_money(fund.in_safe)} now: a float cannot "
            "be more than that. Count the float again.",
            "opening_float",
        )


def open_drawer_session(*, drawer: Drawer, opening_float: Decimal, clerk) -> DrawerSession:
    """A clerk opens a drawer with the float they counted into it."""
    _require(clerk, "payments.add_drawersession", "Your role cannot open a drawer.")
    opening_float = quantize_money(opening_float)
    if opening_float < ZERO:
        raise PaymentError("The float cannot be negative.", "opening_float")
    try:
        with transaction.atomic():
            drawer = Drawer.objects.select_for_update().get(pk=drawer.pk)
            if not drawer.active:
                raise PaymentError(f"Drawer {drawer.code} is not in use.", "drawer")
            held = (
                DrawerSession.objects.filter(drawer=drawer, status=SessionStatus.OPEN)
                .select_related("opened_by")
                .first()
            )
            if held is not None:
                raise PaymentError(
                    f"Drawer {drawer.code} is already open by {held.opened_by}.", "drawer"
                )
            if DrawerSession.objects.filter(opened_by=clerk, status=SessionStatus.OPEN).exists():
                raise PaymentError("You already have a drawer open; close it first.", "drawer")
            _check_float_is_in_the_safe(opening_float)
            session = DrawerSession.objects.create(
                drawer=drawer,
                opened_by=clerk,
                business_date=business_day.posting_date(),
                opening_float=opening_float,
            )
            audit.record(
                actor=clerk,
                action="drawer.open",
                target=session,
                after={"drawer": drawer.code, "opening_float": str(opening_float)},
            )
    except IntegrityError as error:
        # Two opens at once: the partial unique indexes let only one through.
        raise PaymentError(
            "That drawer, or another of yours, was opened just now.", "drawer"
        ) from error
    return session


# Payments ------------------------------------------------------------------------------


def _refuse_card_numbers(memo: str, tenders: list[TenderInput]):
    if looks_like_card_number(memo):
        raise PaymentError(CARD_NUMBER_MESSAGE, "memo")
    for t in tenders:
        if looks_like_card_number(t.number):
            raise PaymentError(CARD_NUMBER_MESSAGE, f"{t.kind}_number")
        if looks_like_card_number(t.card_last4) or looks_like_card_number(t.card_auth_code):
            raise PaymentError(CARD_NUMBER_MESSAGE, "card_last4")


def _check_tender_details(tenders: list[TenderInput]):
    for t in tenders:
        if t.kind in (TenderKind.CHECK, TenderKind.MONEY_ORDER):
            if not t.number.strip():
                label = "check" if t.kind == TenderKind.CHECK else "money order"
                raise PaymentError(f"Enter the {label} number.", f"{t.kind}_number")
            if len(t.number.strip()) > 20:
                raise PaymentError("That number is too long.", f"{t.kind}_number")
        if t.kind == TenderKind.CARD:
            if not (len(t.card_last4) == 4 and t.card_last4.isdigit()):
                raise PaymentError("Enter the card's last four digits.", "card_last4")
            if not (t.card_auth_code.isalnum() and 1 <= len(t.card_auth_code) <= 12):
                raise PaymentError(
                    "Enter the authorization code from the terminal (letters and digits).",
                    "card_auth_code",
                )


def refuse_cash_above_largest_payment(tenders: list[TenderInput], policy: Policy) -> None:
    """Cash tendered is what the customer hands over: never more than the largest payment
    (a slip of the finger, 99999999999, would otherwise print as change). Not checked
    against the cash in the drawer: that would tell the clerk what the blind count hides."""
    for tender in tenders:
        if tender.kind == TenderKind.CASH and tender.amount > policy.max_payment_amount:
            raise PaymentError(
                f"Cash tendered cannot be more than {format_money(policy.max_payment_amount)}, "
                "the largest payment taken. Check the amount keyed.",
                "cash_tendered",
            )


def _next_receipt_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('payment_receipt_seq')")
        return cursor.fetchone()[0]


def _oldest_unpaid_due_date(account_id: int):
    return next((due for due, owed in unpaid_charges(account_id) if owed > ZERO), None)


def _lock_for_payment(*, clerk, account_id: int, counter: bool, key: uuid.UUID):
    """Take the payment's locks in the house order and read what the rules need:
    (session id, account status, customer's cash-only date, id of a payment already posted
    with this key). Raises when a counter payment has no open drawer."""
    with connection.cursor() as cursor:
        session_id = None
        if counter:
            # The drawer's row lock queues this clerk's payments: the drawer totals and the
            # idempotency check below see every payment committed before this one.
            cursor.execute(
                "SELECT id, business_date FROM payments_drawersession "
                "WHERE opened_by_id = %s AND status = 'open' FOR UPDATE",
                [clerk.pk],
            )
            row = cursor.fetchone()
            if row is None:
                raise PaymentError("Open your drawer before taking a counter payment.")
            session_id, session_date = row
        cursor.execute(
            "SELECT a.status, c.cash_only_until FROM accounts_account a "
            "JOIN accounts_customer c ON c.id = a.customer_id WHERE a.id = %s FOR UPDATE OF a",
            [account_id],
        )
        status, cash_only = cursor.fetchone()
        # Locks held: a request with the same key has committed already or waits for us.
        cursor.execute("SELECT id FROM payments_payment WHERE idempotency_key = %s", [key])
        row = cursor.fetchone()
    return session_id, session_date if counter else None, status, cash_only, row[0] if row else None


def take_payment(
    *,
    account: Account,
    amount: Decimal,
    tenders: list[TenderInput],
    clerk,
    idempotency_key: uuid.UUID,
    channel: str = Channel.COUNTER,
    memo: str = "",
    mail_batch: MailBatch | None = None,
    change_confirmed: Decimal | None = None,
    lines: dict[str, Decimal] | None = None,
) -> Payment:
    """Post a payment on an account: the tenders, its receipt and its ledger credit.

    `amount` is what it pays on the account's balance; `lines` what it pays beside it on
    the same receipt, by account purpose (a security deposit: {"deposit": 100}). The
    tenders pay the sum; only the account's part is a ledger credit, each line is handed to
    its purpose (payments.other_payments.register_account_purpose). Either may be zero.

    Posting the same idempotency key again returns the first payment: a double click, a
    resubmitted form or two identical requests racing post one payment. The same key with
    another amount, account or clerk is refused, naming the receipt already posted.

    Change due above the policy's value posts only when `change_confirmed` is that change
    (the clerk confirmed it on screen); otherwise ChangeNeedsConfirmation is raised.
    """
    _require(clerk, "payments.add_payment", "Your role cannot take payments.")
    if idempotency_key is None:
        raise PaymentError("This form has expired; open it again.")
    memo = (memo or "").strip()
    _refuse_card_numbers(memo, tenders)
    policy = Policy.current()
    amount = quantize_money(amount or ZERO)
    lines = _account_lines(lines)
    total = amount + sum(lines.values(), ZERO)
    if amount < ZERO:
        raise PaymentError("The amount cannot be negative.", "amount")
    if total > policy.max_payment_amount:
        raise PaymentError(
            f"The largest payment taken is {format_money(policy.max_payment_amount)}.", "amount"
        )
    refuse_cash_above_largest_payment(tenders, policy)
    allocation = allocate(total, tenders)
    _check_tender_details(tenders)
    if allocation.change > policy.large_change_confirm_above and (
        change_confirmed is None or quantize_money(change_confirmed) != allocation.change
    ):
        raise ChangeNeedsConfirmation(allocation.change)
    kinds = {line.kind for line in allocation.lines}
    if channel == Channel.PHONE and kinds != {TenderKind.CARD}:
        raise PaymentError("Phone payments are taken by card only.", "channel")
    if channel in (Channel.MAIL, Channel.DROP_BOX) and mail_batch is None:
        raise PaymentError("Mail and drop-box payments are keyed in a batch.", "channel")
    if channel not in Channel.values:
        raise PaymentError("Choose how the payment came in.", "channel")
    try:
        with transaction.atomic():
            # Plain SQL for the locks: this is the busiest path in the system, and these three
            # reads cost a fraction of the ORM's query building.
            session_id, session_date, status, cash_only, existing_id = _lock_for_payment(
                clerk=clerk,
                account_id=account.pk,
                counter=channel == Channel.COUNTER,
                key=idempotency_key,
            )
            if existing_id is not None:
                return _same_payment_again(existing_id, account=account, amount=total, clerk=clerk)
            if status == AccountStatus.CLOSED:
                raise PaymentError(
                    f"Account {account.display_number} is closed and cannot take payments."
                )
            # Dated to the open business day, holding its share lock until commit: a day
            # being closed waits for this payment, or this payment goes to the next day.
            # A mail batch's payments belong to the day the batch was opened (that day cannot
            # close while the batch is unposted).
            today = business_day.posting_date(on=mail_batch.business_date if mail_batch else None)
            if session_date is not None and session_date != today:
                # A drawer's money belongs to one business day: yesterday's drawer is counted and
                # closed before it takes today's payments.
                raise PaymentError(
                    f"Your drawer was opened for {session_date:%m/%d/%Y}: count and close it, "
                    "then open it again for today."
                )
            if cash_only and cash_only >= today:
                for kind in (TenderKind.CHECK, TenderKind.MONEY_ORDER):
                    if kind in kinds:
                        raise PaymentError(
                            f"This customer is cash only until {cash_only:%b %d, %Y} after "
                            f"returned payments: no checks or money orders.",
                            amount_field(kind),
                        )
            # Under the account's lock: what it owed just before this payment.
            balance_before = balance_of(account.pk)
            number = _next_receipt_number()
            receipt = receipt_label(number)
            # Nothing on the balance (all of it a deposit): no ledger entry.
            entry = (
                LedgerEntry.objects.create(
                    account=account,
                    kind=EntryKind.PAYMENT,
                    amount=-amount,
                    business_date=today,
                    posted_by=clerk,
                    reference=receipt,
                    memo=f"{Channel(channel).label} payment",
                )
                if amount > ZERO
                else None
            )
            payment = Payment.objects.create(
                receipt_number=number,
                account=account,
                channel=channel,
                business_date=today,
                session_id=session_id,
                mail_batch=mail_batch,
                idempotency_key=idempotency_key,
                taken_by=clerk,
                amount=total,
                change_given=allocation.change,
                memo=memo[:200],
                ledger_entry=entry,
                balance_before=balance_before,
                # What is still owed is due from its oldest unpaid due date (credits pay the
                # oldest charges first); nothing left owed has no next due date.
                next_due_date=_oldest_unpaid_due_date(account.pk)
                if balance_before - amount > ZERO
                else None,
            )
            Tender.objects.bulk_create(
                Tender(
                    payment=payment,
                    kind=line.kind,
                    amount=line.amount,
                    amount_tendered=line.amount_tendered,
                    number=line.number.strip(),
                    card_last4=line.card_last4,
                    card_auth_code=line.card_auth_code.upper(),
                )
                for line in allocation.lines
            )
            _post_account_lines(payment, lines, account=account, clerk=clerk)
            audit.record(
                actor=clerk,
                action="payment.take",
                target=account,
                after={
                    "receipt": receipt,
                    "amount": str(total),
                    "channel": channel,
                    "tenders": {line.kind: str(line.amount) for line in allocation.lines},
                    "change": str(allocation.change),
                    **(
                        {"on_account": str(amount), "lines": {p: str(a) for p, a in lines.items()}}
                        if lines
                        else {}
                    ),
                },
            )
    except IntegrityError:
        # Two identical requests without a common lock (e.g. different sessions): the unique
        # key lets one through; answer the other with it.
        found = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return _same_payment_again(found.pk, account=account, amount=total, clerk=clerk)
    # Other apps act on a posted payment (collections: reconnect) once it has committed.
    transaction.on_commit(lambda: extensions.notify_payment_posted(payment))
    return payment


def _account_lines(lines: dict[str, Decimal] | None) -> dict[str, Decimal]:
    """The purposes a payment pays beside the account's balance, amounts to the cent; a
    purpose no app registered for accounts is refused."""
    cleaned = {}
    for code, value in (lines or {}).items():
        value = quantize_money(value or ZERO)
        if value == ZERO:
            continue
        purpose = account_purpose(code)
        if purpose is None:
            raise PaymentError(f"Nothing called {code!r} is paid on an account.")
        if value < ZERO:
            raise PaymentError("The amount cannot be negative.", field_name(code))
        cleaned[code] = value
    return cleaned


def _post_account_lines(payment: Payment, lines: dict[str, Decimal], *, account, clerk) -> None:
    """Each purpose's part of the receipt, then its own posting (the deposit ledger) in this
    transaction, under the account's lock: a purpose that refuses undoes the payment."""
    if not lines:
        return
    PaymentLine.objects.bulk_create(
        PaymentLine(payment=payment, purpose=code, reference=account.number, amount=value)
        for code, value in lines.items()
    )
    for code, value in lines.items():
        account_purpose(code).posted(payment=payment, amount=value, by=clerk)


def _undo_account_lines(payment: Payment, *, by, reason: str, most: Decimal | None = None):
    """Undo what a payment paid beside the account's balance, through each purpose: all of
    it (a void), or at most `most` of it (a returned check, which takes the deposit's part
    first). Returns how much was undone."""
    undone = ZERO
    for line in payment.lines.order_by("id"):
        part = line.amount if most is None else min(line.amount, most - undone)
        if part <= ZERO:
            break
        purpose = account_purpose(line.purpose)
        if purpose is None:
            raise PaymentError(f"Receipt {payment.receipt} pays something that cannot be undone.")
        purpose.undone(
            payment=payment, amount=part, by=by, reason=reason, returned=most is not None
        )
        undone += part
    return undone


class KeyAlreadyUsed(PaymentError):
    """The form's idempotency key already posted a different payment: the view gives the
    form a fresh key, so posting again is a new payment on purpose."""


def _same_payment_again(payment_id: int, *, account: Account, amount: Decimal, clerk) -> Payment:
    """A form posted again: the payment it already made, when it is the same payment.
    Another amount or account is a new payment keyed into an old form, and another clerk's
    key is not theirs to answer with: both are refused, naming the receipt on file, so the
    money is neither taken twice nor silently not taken."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.taken_by_id != clerk.pk:
        raise KeyAlreadyUsed(
            f"This form was already used by another clerk for receipt {payment.receipt}. "
            "Nothing was posted: post the form again to take this payment."
        )
    if payment.account_id != account.pk or payment.amount != amount:
        raise KeyAlreadyUsed(
            f"This form already posted receipt {payment.receipt} for "
            f"{format_money(payment.amount)}. Nothing more was posted: to take another "
            "payment, post the form again."
        )
    return payment


def _lock_for_undo(payment: Payment) -> tuple[Account, Payment]:
    if payment.session_id:
        DrawerSession.objects.select_for_update().filter(pk=payment.session_id).first()
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=payment.account_id)
    )
    return account, Payment.objects.select_for_update().get(pk=payment.pk)


def _reversal_of(payment: Payment, *, by, memo: str, amount: Decimal | None = None) -> LedgerEntry:
    """The account ledger's reversal of the payment's entry: its whole part by default."""
    today = business_day.posting_date()
    return LedgerEntry.objects.create(
        account_id=payment.account_id,
        kind=EntryKind.REVERSAL,
        amount=payment.account_amount if amount is None else amount,
        business_date=today,
        due_date=today,
        posted_by=by,
        reference=payment.receipt,
        memo=memo[:200],
        reverses_id=payment.ledger_entry_id,
    )


# A permit's fee or deposit has no ledger entry to reverse: its refund is recorded on the
# permit instead.
NOT_FOR_AN_ACCOUNT = "A payment for a permit is not voided: record its refund on the permit."


def why_not_voidable(payment: Payment, supervisor, *, today: date) -> str | None:
    """Why this supervisor cannot void the payment today, or None when they can. The screen
    asks it to offer Void only where it would work; void_payment asks it again under lock."""
    if payment.account_id is None:
        return NOT_FOR_AN_ACCOUNT
    if payment.status != PaymentStatus.POSTED:
        return "A returned payment cannot be voided."
    # Dual control, as for drawers and deposits: a supervisor who took the payment at the
    # counter cannot also void it.
    if payment.taken_by_id == supervisor.pk:
        return "You took this payment: another supervisor must void it."
    if payment.business_date != today:
        return "Only a payment taken today can be voided; record it as returned instead."
    if payment.session_id and payment.session.status != SessionStatus.OPEN:
        return COUNTED_DRAWER_REFUSAL
    return None


# The money stays in the counted drawer (its count is kept as counted): the account is put
# right instead, by an adjustment, or the customer is refunded the credit it leaves.
COUNTED_DRAWER_REFUSAL = (
    "The drawer it was taken in is already counted, so the payment stands in that count. "
    "To put the account right, post an adjustment on it (a supervisor approves one above the "
    "clerk limit); if the customer is owed the money back, refund the credit it leaves."
)


def is_returnable(payment: Payment) -> bool:
    """A posted payment with a check, money order or card in it (cash does not bounce)."""
    return (
        payment.account_id is not None
        and payment.status == PaymentStatus.POSTED
        and bool(payment.returnable_tenders())
    )


def void_payment(*, payment: Payment, reason: str, supervisor) -> Payment:
    """Undo a payment taken today: a reversing ledger entry, the receipt marked void, and the
    drawer's expected totals drop it (they count only payments not voided)."""
    _require(supervisor, "payments.void_payment", "Only a supervisor can void a payment.")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("Say why the payment is voided.", "reason")
    if looks_like_card_number(reason):
        raise PaymentError(CARD_NUMBER_MESSAGE, "reason")
    if payment.account_id is None:
        raise PaymentError(NOT_FOR_AN_ACCOUNT)
    with transaction.atomic():
        account, payment = _lock_for_undo(payment)
        if payment.status == PaymentStatus.VOIDED:
            return payment  # a second click: already done
        if refusal := why_not_voidable(payment, supervisor, today=business_day.posting_date()):
            raise PaymentError(refusal)
        if payment.ledger_entry_id is not None:
            payment.reversal_entry = _reversal_of(payment, by=supervisor, memo=f"Void: {reason}")
        _undo_account_lines(payment, by=supervisor, reason=f"Void: {reason}")
        payment.status = PaymentStatus.VOIDED
        payment.voided_by = supervisor
        payment.voided_at = timezone.now()
        payment.void_reason = reason[:200]
        payment.save(
            update_fields=["reversal_entry", "status", "voided_by", "voided_at", "void_reason"]
        )
        audit.record(
            actor=supervisor,
            action="payment.void",
            target=account,
            before={"receipt": payment.receipt, "status": PaymentStatus.POSTED},
            after={"receipt": payment.receipt, "status": PaymentStatus.VOIDED},
            reason=reason,
        )
    return payment


def _tender_that_came_back(returnable: list, tender_id: int | None):
    if tender_id is not None:
        for tender in returnable:
            if tender.pk == tender_id:
                return tender
        raise PaymentError("Choose the check or card that came back.", "tender")
    if len(returnable) > 1:
        raise PaymentError(
            "This payment was made with more than one check or card: choose the one that "
            "came back.",
            "tender",
        )
    return returnable[0]


def record_returned_payment(
    *, payment: Payment, reason: str, supervisor, tender_id: int | None = None
) -> Payment:
    """A check bounced or a card was charged back: reverse what came back, charge the
    policy's fee at once, and make the customer cash only after repeated returns. When a
    payment was made with more than one check or card, `tender_id` says which came back."""
    _require(
        supervisor,
        "payments.record_returned_payment",
        "Only a supervisor can record a returned payment.",
    )
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("Say why it came back (NSF, account closed, chargeback...).", "reason")
    if looks_like_card_number(reason):
        raise PaymentError(CARD_NUMBER_MESSAGE, "reason")
    policy = Policy.current()
    if payment.account_id is None:
        raise PaymentError(NOT_FOR_AN_ACCOUNT)
    with transaction.atomic():
        account, payment = _lock_for_undo(payment)
        if payment.status == PaymentStatus.RETURNED:
            return payment
        if payment.status != PaymentStatus.POSTED:
            raise PaymentError("A voided payment cannot be returned.")
        returnable = payment.returnable_tenders()
        if not returnable:
            raise PaymentError("Cash cannot come back returned; void it on the day instead.")
        # Only the check, money order or card came back: the cash part of a split payment
        # stands, and so does any other check or card paid with it.
        came_back = _tender_that_came_back(returnable, tender_id)
        today = business_day.posting_date()
        returned = came_back.amount
        memo = f"Returned {came_back.get_kind_display().lower()}: {reason}"
        # A deposit paid with the check is undone first: money that never arrived is not
        # held; what is left of the check comes off the account's part.
        on_account = returned - _undo_account_lines(
            payment, by=supervisor, reason=memo, most=returned
        )
        if on_account > ZERO:
            payment.reversal_entry = _reversal_of(
                payment, by=supervisor, memo=memo, amount=on_account
            )
        payment.returned_amount = returned
        if policy.returned_payment_fee > ZERO:
            payment.fee_entry = LedgerEntry.objects.create(
                account=account,
                kind=EntryKind.RETURNED_PAYMENT_FEE,
                amount=policy.returned_payment_fee,
                business_date=today,
                due_date=today,
                posted_by=supervisor,
                reference=payment.receipt,
                memo="Returned-payment fee",
            )
        payment.status = PaymentStatus.RETURNED
        payment.returned_by = supervisor
        payment.returned_on = today
        payment.return_reason = reason[:200]
        payment.save(
            update_fields=[
                "reversal_entry",
                "fee_entry",
                "status",
                "returned_by",
                "returned_on",
                "return_reason",
                "returned_amount",
            ]
        )
        audit.record(
            actor=supervisor,
            action="payment.returned",
            target=account,
            before={"receipt": payment.receipt, "status": PaymentStatus.POSTED},
            after={
                "receipt": payment.receipt,
                "status": PaymentStatus.RETURNED,
                "returned": f"{came_back.get_kind_display()} {format_money(returned)}",
                "fee": str(policy.returned_payment_fee),
            },
            reason=reason,
        )
        _maybe_make_cash_only(account.customer_id, today=today, policy=policy, by=supervisor)
    return payment


def _maybe_make_cash_only(customer_id: int, *, today: date, policy: Policy, by):
    since = add_months(today, -policy.returns_window_months)
    returns = Payment.objects.filter(
        account__customer_id=customer_id,
        status=PaymentStatus.RETURNED,
        returned_on__gt=since,
    ).count()
    if returns < policy.returns_for_cash_only:
        return
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    until = add_months(today, policy.cash_only_months)
    if customer.cash_only_until and customer.cash_only_until >= until:
        return
    before = audit.snapshot(customer, ["cash_only_until"])
    customer.cash_only_until = until
    customer.save(update_fields=["cash_only_until"])
    audit.record(
        actor=by,
        action="customer.cash_only",
        target=customer,
        before=before,
        after=audit.snapshot(customer, ["cash_only_until"]),
        reason=f"{returns} returned payments within {policy.returns_window_months} months",
    )


def print_receipt(*, payment: Payment, by) -> int:
    """Count a print of the receipt; the first is the original, later ones are reprints."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE payments_payment SET print_count = print_count + 1 WHERE id = %s "
                "RETURNING print_count",
                [payment.pk],
            )
            count = cursor.fetchone()[0]
        if count > 1:
            audit.record(
                actor=by,
                action="payment.reprint",
                target=payment,
                after={"receipt": payment.receipt, "copy": count},
            )
    payment.print_count = count
    return count


# Mail and drop-box batches -------------------------------------------------------------


def open_mail_batch(
    *, channel: str, control_count: int, control_total: Decimal, clerk
) -> MailBatch:
    _require(clerk, "payments.add_mailbatch", "Your role cannot key mail batches.")
    if channel not in (Channel.MAIL, Channel.DROP_BOX):
        raise PaymentError("Choose mail or drop box.", "channel")
    if control_count <= 0:
        raise PaymentError("The control count must be at least 1.", "control_count")
    control_total = quantize_money(control_total)
    if control_total <= ZERO:
        raise PaymentError("The control total must be more than $0.00.", "control_total")
    with transaction.atomic():
        batch = MailBatch.objects.create(
            channel=channel,
            control_count=control_count,
            control_total=control_total,
            business_date=business_day.posting_date(),
            keyed_by=clerk,
        )
        audit.record(actor=clerk, action="batch.open", target=batch, after=audit.snapshot(batch))
    return batch


def _locked_open_batch(batch: MailBatch) -> MailBatch:
    batch = MailBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.OPEN:
        raise PaymentError("This batch is posted; it cannot be changed.")
    return batch


def _check_item(account: Account, kind: str, amount: Decimal, number: str):
    if kind not in (TenderKind.CHECK, TenderKind.MONEY_ORDER):
        raise PaymentError("Mail and drop-box payments are checks or money orders.", "kind")
    if quantize_money(amount) <= ZERO:
        raise PaymentError("The amount must be more than $0.00.", "amount")
    if looks_like_card_number(number):
        raise PaymentError(CARD_NUMBER_MESSAGE, "number")
    if not number.strip():
        raise PaymentError("Enter the check or money order number.", "number")
    if account.status == AccountStatus.CLOSED:
        raise PaymentError(f"Account {account.display_number} is closed.", "account")
    until = account.customer.cash_only_until
    if until and until >= business_day.today():
        raise PaymentError(
            f"Account {account.display_number} is cash only until {until:%b %d, %Y}: "
            f"send the check back to the customer.",
            "account",
        )


def key_batch_item(
    *, batch: MailBatch, account: Account, kind: str, amount: Decimal, number: str, clerk
) -> MailBatchItem:
    _require(clerk, "payments.change_mailbatch", "Your role cannot key mail batches.")
    _check_item(account, kind, amount, number)
    with transaction.atomic():
        batch = _locked_open_batch(batch)
        item = MailBatchItem.objects.create(
            batch=batch,
            account=account,
            kind=kind,
            amount=quantize_money(amount),
            number=number.strip(),
        )
        audit.record(
            actor=clerk,
            action="batch.key_item",
            target=batch,
            after={"item": item.pk, "account": account.number, "amount": str(item.amount)},
        )
    return item


def correct_batch_item(
    *, item: MailBatchItem, account: Account, kind: str, amount: Decimal, number: str, clerk
) -> MailBatchItem:
    _require(clerk, "payments.change_mailbatch", "Your role cannot key mail batches.")
    _check_item(account, kind, amount, number)
    with transaction.atomic():
        _locked_open_batch(item.batch)
        item = MailBatchItem.objects.select_for_update().get(pk=item.pk)
        before = audit.snapshot(item, ["account", "kind", "amount", "number"])
        item.account, item.kind, item.amount, item.number = (
            account,
            kind,
            quantize_money(amount),
            number.strip(),
        )
        item.save(update_fields=["account", "kind", "amount", "number"])
        audit.record(
            actor=clerk,
            action="batch.correct_item",
            target=item.batch,
            before=before,
            after=audit.snapshot(item, ["account", "kind", "amount", "number"]),
        )
    return item


def remove_batch_item(*, item: MailBatchItem, clerk):
    _require(clerk, "payments.change_mailbatch", "Your role cannot key mail batches.")
    with transaction.atomic():
        batch = _locked_open_batch(item.batch)
        before = audit.snapshot(item, ["account", "kind", "amount", "number"])
        MailBatchItem.objects.filter(pk=item.pk).delete()
        audit.record(actor=clerk, action="batch.remove_item", target=batch, before=before)


def correct_batch_controls(*, batch: MailBatch, control_count: int, control_total: Decimal, clerk):
    _require(clerk, "payments.change_mailbatch", "Your role cannot key mail batches.")
    if control_count <= 0:
        raise PaymentError("The control count must be at least 1.", "control_count")
    if quantize_money(control_total) <= ZERO:
        raise PaymentError("The control total must be more than $0.00.", "control_total")
    with transaction.atomic():
        batch = _locked_open_batch(batch)
        before = audit.snapshot(batch, ["control_count", "control_total"])
        batch.control_count, batch.control_total = control_count, quantize_money(control_total)
        batch.save(update_fields=["control_count", "control_total"])
        audit.record(
            actor=clerk,
            action="batch.controls",
            target=batch,
            before=before,
            after=audit.snapshot(batch, ["control_count", "control_total"]),
        )
    return batch


def post_mail_batch(*, batch: MailBatch, clerk) -> MailBatch:
    """Post every keyed item as a payment, only when the count and total match the controls.
    After this the batch and its items are immutable (database trigger)."""
    _require(clerk, "payments.change_mailbatch", "Your role cannot post mail batches.")
    with transaction.atomic():
        batch = MailBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == BatchStatus.POSTED:
            return batch  # posted already: a second click changes nothing
        items = list(batch.items.select_related("account").order_by("id"))
        # Lock every account of the batch at once, in id order: two batches sharing accounts
        # then queue instead of deadlocking.
        list(
            Account.objects.select_for_update()
            .filter(pk__in={i.account_id for i in items})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        keyed_total = quantize_money(sum((i.amount for i in items), ZERO))
        if len(items) != batch.control_count or keyed_total != batch.control_total:
            raise PaymentError(
                f"The batch does not balance: {len(items)} payments for "
                f"{format_money(keyed_total)} keyed, control is {batch.control_count} for "
                f"{format_money(batch.control_total)}. Correct it before posting."
            )
        for position, item in enumerate(items, start=1):
            try:
                payment = take_payment(
                    account=item.account,
                    amount=item.amount,
                    tenders=[TenderInput(kind=item.kind, amount=item.amount, number=item.number)],
                    clerk=clerk,
                    idempotency_key=uuid.uuid5(BATCH_ITEM_KEYS, str(item.pk)),
                    channel=batch.channel,
                    mail_batch=batch,
                )
            except PaymentError as error:
                raise PaymentError(
                    f"Item {position} (account {item.account.display_number}): {error}"
                ) from error
            item.payment = payment
            item.save(update_fields=["payment"])
        batch.status = BatchStatus.POSTED
        batch.posted_by = clerk
        batch.posted_at = timezone.now()
        batch.save(update_fields=["status", "posted_by", "posted_at"])
        audit.record(
            actor=clerk,
            action="batch.post",
            target=batch,
            after={"payments": len(items), "total": str(keyed_total)},
        )
    return batch
