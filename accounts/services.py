"""Every change to customers, premises, accounts and the ledger. One function per action;
each takes the acting user, runs in one transaction and writes the audit trail."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from accounts import extensions
from accounts.models import (
    Account,
    AccountNote,
    AccountStatus,
    AdjustmentReason,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    Bill,
    BillLine,
    Customer,
    EntryKind,
    LedgerEntry,
    Premise,
)
from accounts.validation import (
    account_number_for,
    normalize_house_number,
    normalize_street,
    normalize_unit,
    street_match_key,
    street_without_type,
)
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, quantize_money


class AccountError(DomainError):
    """A rule a clerk broke; the message is for the clerk. `field` names the form field."""


MAILING_FIELDS = ["mail_street", "mail_unit", "mail_city", "mail_state", "mail_zip"]


# Customers and premises ----------------------------------------------------------------


def create_customer(*, data: dict, by) -> Customer:
    with transaction.atomic():
        customer = Customer(**data)
        if customer.identity_checked_how:
            customer.identity_checked_by = by
            customer.identity_checked_at = timezone.now()
        customer.save()
        audit.record(
            actor=by, action="customer.create", target=customer, after=audit.snapshot(customer)
        )
    return customer


PROTECTION_FIELDS = {"medical_certificate_until", "life_support", "cash_only_until"}


@dataclass
class CustomerUpdate:
    customer: Customer
    changed: bool
    # Accounts whose bills followed the customer to the new mailing address.
    remailed: list[Account] = field(default_factory=list)


def update_customer(*, customer: Customer, changes: dict, by) -> CustomerUpdate:
    """Change a customer's details. Accounts that were mailed at the customer's old address
    follow it to the new one (else the bills keep going to where the customer no longer
    lives); an account mailed elsewhere on purpose (a landlord, a PO box) keeps its own."""
    if PROTECTION_FIELDS & set(changes) and not by.has_perm("accounts.change_customer_protections"):
        raise AccountError("Only a supervisor can change cash-only or shut-off protection flags.")
    with transaction.atomic():
        if set(MAILING_FIELDS) & set(changes):
            # Accounts first, in id order, then the customer: the order a returned check
            # takes them (account, then the customer it makes cash only), so the two never
            # wait on each other.
            list(
                Account.objects.select_for_update()
                .filter(customer_id=customer.pk)
                .order_by("id")
                .values_list("id", flat=True)
            )
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = audit.snapshot(customer)
        old_address = {f: getattr(customer, f) for f in MAILING_FIELDS}
        for name, value in changes.items():
            setattr(customer, name, value)
        if audit.snapshot(customer) == before:
            return CustomerUpdate(customer, changed=False)  # no save, no empty history entry
        if changes.get("identity_checked_how") and changes["identity_checked_how"] != before.get(
            "identity_checked_how"
        ):
            customer.identity_checked_by = by
            customer.identity_checked_at = timezone.now()
        customer.save()
        audit.record(
            actor=by,
            action="customer.update",
            target=customer,
            before=before,
            after=audit.snapshot(customer),
        )
        new_address = {f: getattr(customer, f) for f in MAILING_FIELDS}
        remailed = []
        if new_address != old_address:
            mailed_at_old = (
                customer.accounts.exclude(status=AccountStatus.CLOSED)
                .filter(**old_address)
                .order_by("number")
            )
            remailed = [
                update_mailing_address(account=account, address=new_address, by=by)
                for account in mailed_at_old
            ]
    return CustomerUpdate(customer, changed=True, remailed=remailed)


def premise_lookup(*, house_number: str, street: str, unit: str, zip_code: str) -> dict:
    """The normalised key one address is known by."""
    return {
        "house_number": normalize_house_number(house_number),
        "street": normalize_street(street),
        "unit": normalize_unit(unit),
        "zip_code": zip_code.strip()[:5],
    }


def premise_key_on_file(key: dict) -> dict:
    """The key of the premise on file that a typed address names. A street typed without its
    type ("2411 N Main") is the one street of that name at that house number and ZIP
    ("N MAIN ST"); with two such streets (N MAIN ST and N MAIN AVE) the clerk is asked which.
    A street on file under an older key (CT ST for "Court Street", N LOOP for "North Loop",
    from before Pub 28 positions) is that street. Without this, the address would become a
    second premise, and a second active water service at it."""
    on_file = set(
        Premise.objects.filter(
            house_number=key["house_number"], unit=key["unit"], zip_code=key["zip_code"]
        ).values_list("street", flat=True)
    )
    if key["street"] in on_file:
        return key
    loose = street_match_key(key["street"])
    same = [street for street in on_file if street_match_key(street) == loose]
    if len(same) == 1:
        return {**key, "street": same[0]}
    if street_without_type(key["street"]) != key["street"]:
        return key  # the type was typed: only that street
    near = sorted(
        street for street in on_file if street_match_key(street_without_type(street)) == loose
    )
    if len(near) > 1:
        raise AccountError(
            f"{key['house_number']} {key['street']} is on file as {' and as '.join(near)}: "
            "type the street with its type (St, Ave, …).",
            field="street",
        )
    return {**key, "street": near[0]} if near else key


def find_or_create_premise(
    *, house_number: str, street: str, unit: str, city: str, state: str, zip_code: str, by, **extra
) -> tuple[Premise, bool]:
    key = premise_key_on_file(
        premise_lookup(house_number=house_number, street=street, unit=unit, zip_code=zip_code)
    )
    with transaction.atomic():
        premise, created = Premise.objects.get_or_create(
            **key, defaults={"city": city.strip().upper(), "state": state, **extra}
        )
        if created:
            audit.record(
                actor=by, action="premise.create", target=premise, after=audit.snapshot(premise)
            )
    return premise, created


# Accounts ------------------------------------------------------------------------------


def _next_account_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('account_number_seq')")
        return account_number_for(cursor.fetchone()[0])


def open_account(
    *, customer: Customer, premise: Premise, by, opened_on: date | None = None
) -> Account:
    """A new pending account for a customer at a premise, mailed at the customer's address."""
    with transaction.atomic():
        account = Account.objects.create(
            number=_next_account_number(),
            customer=customer,
            premise=premise,
            status=AccountStatus.PENDING,
            opened_on=opened_on or business_day.today(),
            created_by=by,
            **{f: getattr(customer, f) for f in MAILING_FIELDS},
        )
        audit.record(actor=by, action="account.open", target=account, after=audit.snapshot(account))
    return account


def update_mailing_address(*, account: Account, address: dict, by) -> Account:
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        before = audit.snapshot(account, MAILING_FIELDS)
        for name in MAILING_FIELDS:
            setattr(account, name, address.get(name, ""))
        account.save(update_fields=MAILING_FIELDS)
        audit.record(
            actor=by,
            action="account.mailing_address",
            target=account,
            before=before,
            after=audit.snapshot(account, MAILING_FIELDS),
        )
    return account


def add_note(*, account: Account, text: str, by) -> AccountNote:
    text = text.strip()
    if not text:
        raise AccountError("Write the note first.", field="text")
    with transaction.atomic():
        note = AccountNote.objects.create(account=account, text=text, written_by=by)
        audit.record(actor=by, action="account.note", target=account, after={"note": text})
    return note


# Ledger --------------------------------------------------------------------------------


def _lock_account(account: Account) -> Account:
    # Every ledger write on an account takes its row lock first, so writes on one account
    # queue up and each re-reads what the previous one left.
    return Account.objects.select_for_update().get(pk=account.pk)


def _entry_for_key(key) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(idempotency_key=key).first() if key else None


@dataclass(frozen=True)
class BillLineInput:
    utility: str
    description: str
    amount: Decimal
    usage: Decimal | None = None
    usage_unit: str = ""
    service_id: int | None = None


def post_bill(
    *,
    account: Account,
    period_start: date,
    period_end: date,
    bill_date: date,
    lines: list[BillLineInput],
    by=None,
) -> Bill:
    """Issue a bill and write its ledger entry, due after the policy's days."""
    total = quantize_money(sum((line.amount for line in lines), ZERO))
    if total <= ZERO:
        raise AccountError("A bill must total more than $0.00.")
    due_date = bill_date + timezone.timedelta(days=Policy.current().bill_due_days)
    with transaction.atomic():
        account = _lock_account(account)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('bill_number_seq')")
            number = str(cursor.fetchone()[0])
        bill = Bill.objects.create(
            account=account,
            number=number,
            period_start=period_start,
            period_end=period_end,
            bill_date=bill_date,
            due_date=due_date,
            total=total,
        )
        BillLine.objects.bulk_create(
            BillLine(
                bill=bill,
                service_id=line.service_id,
                utility=line.utility,
                description=line.description,
                usage=line.usage,
                usage_unit=line.usage_unit,
                amount=quantize_money(line.amount),
            )
            for line in lines
        )
        LedgerEntry.objects.create(
            account=account,
            kind=EntryKind.BILL,
            amount=total,
            business_date=bill_date,
            due_date=due_date,
            posted_by=by,
            reference=number,
            memo=f"Bill for {period_start:%b %d} – {period_end:%b %d, %Y}",
            bill=bill,
        )
        audit.record(
            actor=by,
            action="bill.post",
            target=account,
            after={"bill": number, "total": str(total), "due_date": due_date.isoformat()},
        )
    return bill


def _post_adjustment_entry(
    *, account, amount, reason_code, memo, by, key=None, on=None
) -> LedgerEntry:
    kind = EntryKind.ADJUSTMENT_DEBIT if amount > 0 else EntryKind.ADJUSTMENT_CREDIT
    today = on or business_day.posting_date()
    entry = LedgerEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        business_date=today,
        due_date=today if amount > 0 else None,
        posted_by=by,
        reason_code=reason_code,
        memo=memo,
        idempotency_key=key,
    )
    audit.record(
        actor=by,
        action="ledger.adjustment",
        target=account,
        after={"entry": entry.pk, "amount": str(amount), "reason": reason_code, "memo": memo},
    )
    return entry


def _adjusted_on(day, account: Account, by) -> Decimal:
    """What this person has adjusted on the account that business day, credits and debits
    alike."""
    return LedgerEntry.objects.filter(
        account=account,
        kind__in=[EntryKind.ADJUSTMENT_DEBIT, EntryKind.ADJUSTMENT_CREDIT],
        posted_by=by,
        business_date=day,
    ).aggregate(total=Coalesce(Sum(Abs("amount")), Value(ZERO, output_field=DecimalField())))[
        "total"
    ]


def post_adjustment(
    *,
    account: Account,
    amount: Decimal,
    reason_code: str,
    memo: str,
    by,
    idempotency_key: uuid.UUID | None = None,
) -> LedgerEntry | AdjustmentRequest:
    """Post a debit (amount > 0) or credit (amount < 0) adjustment.

    Up to the policy's clerk limit anyone allowed to adjust posts it at once; above it a
    supervisor posts it, or a clerk's adjustment waits as a request for a supervisor.
    """
    amount = quantize_money(amount)
    if amount == ZERO:
        raise AccountError("The adjustment must not be $0.00.", field="amount")
    if reason_code not in AdjustmentReason.values:
        raise AccountError("Choose a reason.", field="reason_code")
    if not memo.strip():
        raise AccountError("Say why in the memo.", field="memo")
    if not by.has_perm("accounts.post_adjustment"):
        raise AccountError("Your role cannot post adjustments.")
    limit = Policy.current().clerk_adjustment_limit
    try:
        with transaction.atomic():
            account = _lock_account(account)
            # A retry answers with what the first try made, whichever it was: the limit
            # below may have changed since (a new day, a day closed), the key has not.
            if existing := _entry_for_key(idempotency_key):
                return existing
            if idempotency_key and (
                request := AdjustmentRequest.objects.filter(idempotency_key=idempotency_key).first()
            ):
                return request
            # The limit holds for a clerk's adjustments on one account in one business day
            # together: four credits of $49.99 are one of $199.96. Counted under the account
            # lock, so two at once cannot both slip under it, and on the day the entry will
            # be dated (the next business day once today is closed).
            day = business_day.posting_date()
            over_limit = abs(amount) + _adjusted_on(day, account, by) > limit
            if over_limit and not by.has_perm("accounts.approve_adjustment"):
                request = AdjustmentRequest.objects.create(
                    account=account,
                    amount=amount,
                    reason_code=reason_code,
                    memo=memo.strip(),
                    requested_by=by,
                    idempotency_key=idempotency_key,
                )
                audit.record(
                    actor=by,
                    action="adjustment.request",
                    target=account,
                    after={"request": request.pk, "amount": str(amount), "reason": reason_code},
                )
                return request
            return _post_adjustment_entry(
                account=account,
                amount=amount,
                reason_code=reason_code,
                memo=memo.strip(),
                by=by,
                key=idempotency_key,
                on=day,
            )
    except IntegrityError:
        # The same key arriving twice at once: the account lock normally queues the second,
        # and the unique key catches what slips past it. Answer with what the first posted.
        found = (
            _entry_for_key(idempotency_key)
            or AdjustmentRequest.objects.filter(idempotency_key=idempotency_key).first()
        )
        if found is None:
            raise
        return found


def approve_adjustment(*, request: AdjustmentRequest, by) -> AdjustmentRequest:
    if not by.has_perm("accounts.approve_adjustment"):
        raise AccountError("Only a supervisor can approve an adjustment above the clerk limit.")
    with transaction.atomic():
        request = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != AdjustmentRequestStatus.PENDING:
            return request  # already decided: a second click changes nothing
        if request.requested_by_id == by.pk:
            raise AccountError("Someone other than the requester must approve an adjustment.")
        account = _lock_account(request.account)
        request.ledger_entry = _post_adjustment_entry(
            account=account,
            amount=request.amount,
            reason_code=request.reason_code,
            memo=request.memo,
            by=by,
        )
        request.status = AdjustmentRequestStatus.APPROVED
        request.decided_by = by
        request.decided_at = timezone.now()
        request.save()
        audit.record(
            actor=by,
            action="adjustment.approve",
            target=account,
            after={"request": request.pk, "entry": request.ledger_entry_id},
        )
        extensions.adjustment_decided(request=request, by=by)
    return request


def reject_adjustment(*, request: AdjustmentRequest, note: str, by) -> AdjustmentRequest:
    if not by.has_perm("accounts.approve_adjustment"):
        raise AccountError("Only a supervisor can reject an adjustment request.")
    if not note.strip():
        raise AccountError("Say why the adjustment is rejected.", field="note")
    with transaction.atomic():
        request = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != AdjustmentRequestStatus.PENDING:
            return request
        request.status = AdjustmentRequestStatus.REJECTED
        request.decided_by = by
        request.decided_at = timezone.now()
        request.decision_note = note.strip()[:200]
        request.save()
        audit.record(
            actor=by,
            action="adjustment.reject",
            target=request.account,
            after={"request": request.pk},
            reason=note.strip(),
        )
        extensions.adjustment_decided(request=request, by=by)
    return request


def reverse_entry(*, entry: LedgerEntry, memo: str, by) -> LedgerEntry:
    """Undo an entry with its opposite, linked to it. An entry is reversed at most once."""
    if entry.kind == EntryKind.REVERSAL:
        raise AccountError("A reversal cannot itself be reversed; post an adjustment instead.")
    with transaction.atomic():
        _lock_account(entry.account)
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise AccountError("This entry has already been reversed.")
        today = business_day.posting_date()
        reversal = LedgerEntry.objects.create(
            account_id=entry.account_id,
            kind=EntryKind.REVERSAL,
            amount=-entry.amount,
            business_date=today,
            due_date=today if -entry.amount > 0 else None,
            posted_by=by,
            reference=entry.reference,
            memo=memo[:200],
            reverses=entry,
        )
        audit.record(
            actor=by,
            action="ledger.reverse",
            target=entry.account,
            after={"entry": reversal.pk, "reverses": entry.pk, "amount": str(reversal.amount)},
            reason=memo,
        )
    return reversal
