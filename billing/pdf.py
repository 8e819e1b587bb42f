"""The bill as printed: one page per bill with its reads, charges by service, balance
forward, payments, fees, amount due, the 13-month use chart and a remittance stub whose
Code 128 barcode carries the account number and the amount due in cents."""

import base64
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from accounts.models import Bill, EntryKind, LedgerEntry
from billing.charts import monthly_use, usage_svg
from billing.models import DraftBill, MeterReading, ReadStatus
from utilityclerk.money import ZERO
from utilityclerk.pdf import render_pdf


def code128_svg(data: str) -> str:
    """Code 128 as SVG markup (python-barcode), for the lockbox scanner."""
    import barcode
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    barcode.get("code128", data, writer=SVGWriter()).write(
        out,
        options={
            "module_height": 9,
            "module_width": 0.25,
            "font_size": 0,
            "text_distance": 1,
            "quiet_zone": 2,
        },
    )
    return out.getvalue().decode()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def remittance_code(account_number: str, amount_due: Decimal) -> str:
    """Account number (8 digits) then the amount due in cents (10 digits)."""
    cents = max(0, int((amount_due * 100).to_integral_value()))
    return f"{account_number}{cents:010d}"


@dataclass
class Service:
    utility: str
    lines: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class BillPage:
    bill: Bill
    services: list[Service]
    previous_read: MeterReading | None
    current_read: MeterReading | None
    use: Decimal | None
    estimated: bool
    previous_balance: Decimal
    payments: Decimal
    fees: Decimal
    amount_due: Decimal
    chart: str
    barcode: str
    remittance: str


def _page(bill: Bill) -> BillPage:
    account = bill.account
    entry = LedgerEntry.objects.filter(bill=bill).first()
    previous_bill = (
        Bill.objects.filter(account=account, bill_date__lt=bill.bill_date)
        .order_by("-bill_date", "-id")
        .first()
    )
    since = previous_bill.bill_date if previous_bill else date.min
    before = LedgerEntry.objects.filter(account=account, business_date__lte=since)
    previous_balance = before.aggregate(t=Sum("amount"))["t"] or ZERO if previous_bill else ZERO
    window = LedgerEntry.objects.filter(
        account=account, business_date__gt=since, business_date__lte=bill.bill_date
    )
    if entry is not None:
        window = window.exclude(pk=entry.pk)
    payments = window.filter(amount__lt=0).aggregate(t=Sum("amount"))["t"] or ZERO
    fees = (
        window.filter(amount__gt=0).exclude(kind=EntryKind.BILL).aggregate(t=Sum("amount"))["t"]
        or ZERO
    )
    others = window.filter(kind=EntryKind.BILL).aggregate(t=Sum("amount"))["t"] or ZERO
    amount_due = previous_balance + payments + fees + others + bill.total
    draft = DraftBill.objects.filter(bill=bill).select_related("reading__previous").first()
    services: dict[str, Service] = {}
    # Charges by component where billing made the bill; as issued for bills from before.
    for line in draft.lines.all() if draft else bill.lines.all():
        services.setdefault(line.utility, Service(line.utility)).lines.append(line)
    readings = list(
        MeterReading.objects.filter(
            service_point__premise_id=account.premise_id,
            service_point__utility="water",
            read_on__lte=bill.period_end,
            read_on__gt=bill.period_end - timedelta(days=400),
        )
        .exclude(status=ReadStatus.REPLACED)
        .order_by("-read_on")
    )
    current = (
        draft.reading
        if draft and draft.reading_id
        else next((r for r in readings if r.read_on <= bill.period_end and r.billable), None)
    )
    previous = current.previous if current is not None and current.previous_id else None
    if current is not None and previous is None:
        previous = next((r for r in readings if r.read_on < current.read_on and r.billable), None)
    use = draft.use if draft else (current.value - previous.value if current and previous else None)
    bars = monthly_use(
        [(r.read_on, r.use, r.kind) for r in readings if r.billable], through=bill.period_end
    )
    code = remittance_code(account.number, amount_due)
    return BillPage(
        bill=bill,
        services=list(services.values()),
        previous_read=previous,
        current_read=current,
        use=use,
        estimated=bool(draft and draft.estimated),
        previous_balance=previous_balance,
        payments=payments,
        fees=fees + others,
        amount_due=amount_due,
        chart=data_uri(usage_svg(bars, width=520, height=170)),
        barcode=data_uri(code128_svg(code)),
        remittance=code,
    )


def bill_pages(bills: list[Bill]) -> list[BillPage]:
    return [_page(bill) for bill in bills]


def bill_pdf(bills: list[Bill], *, by=None) -> bytes:
    return render_pdf("billing/pdf/bill.html", {"pages": bill_pages(bills)}, generated_by=by)


def mailing_rows(run):
    """The run's posted bills for a mailing vendor, in print-file order."""
    drafts = (
        DraftBill.objects.filter(run=run, bill__isnull=False)
        .select_related("account__customer", "bill")
        .order_by("account__number")
    )
    for draft in drafts.iterator(chunk_size=2000):
        account, bill = draft.account, draft.bill
        yield [
            account.display_number,
            bill.number,
            str(account.customer),
            account.mail_street,
            account.mail_unit,
            account.mail_city,
            account.mail_state,
            account.mail_zip,
            f"{bill.total:.2f}",
            bill.due_date.isoformat(),
        ]
