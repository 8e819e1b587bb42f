"""A report run as a document: CSV streamed as it is read, PDF through WeasyPrint, and the
values as the screen shows them. The views and the scheduled e-mails share these."""

import csv
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.validation import format_account_number
from reports.catalogue import Column, ReportRun
from utilityclerk.money import format_money
from utilityclerk.pdf import render_pdf

# A PDF is for reading: beyond this many rows the CSV is the document.
PDF_ROW_LIMIT = 5000
CSV_CHUNK_ROWS = 2000


class TooManyRowsForPdf(Exception):
    pass


def screen_value(value, column: Column) -> str:
    if value is None or value == "":
        return "—" if column.numeric else ""
    match column.kind:
        case "money":
            return format_money(value)
        case "int":
            return f"{value:,}"
        case "pct":
            return f"{value}%"
        case "account":
            return format_account_number(value)
        case "date":
            return f"{value:%m/%d/%Y}" if isinstance(value, date) else str(value)
        case _:
            return str(value)


def csv_value(value, column: Column) -> str:
    """Plain values a spreadsheet or finance system reads: 1234.50, 2026-12-04."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if column.kind == "money" else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: typed text must not run.
    if column.kind == "text" and text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(run: ReportRun) -> Iterator[str]:
    """The header, every row in the chosen order, then the totals: written as they are read,
    one piece per chunk of rows the server-side cursor hands over."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    columns = run.report.columns
    yield writer.writerow([c.label for c in columns])
    piece = []
    for row in run.stream(chunk_size=CSV_CHUNK_ROWS):
        piece.append(writer.writerow([csv_value(row[c.key], c) for c in columns]))
        if len(piece) == CSV_CHUNK_ROWS:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)
    totals = run.totals()
    if totals:
        yield writer.writerow(
            [
                "Total" if i == 0 else csv_value(totals.get(c.key), c) if c.total else ""
                for i, c in enumerate(columns)
            ]
        )


def filename_stem(run: ReportRun) -> str:
    return f"{run.report.code.replace('.', '-')}-{timezone.localdate():%Y%m%d}"


def csv_response(run: ReportRun) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename_stem(run)}.csv"'
    return response


def report_pdf(run: ReportRun, *, filters: list[tuple[str, str]], generated_by) -> bytes:
    count = run.count()
    if count > PDF_ROW_LIMIT:
        raise TooManyRowsForPdf(
            f"{count:,} rows are too many for a PDF (at most {PDF_ROW_LIMIT:,}): narrow the "
            "filters, or take the CSV."
        )
    rows = run.all_rows()
    columns = run.report.columns
    return render_pdf(
        "reports/pdf/report.html",
        {
            "report": run.report,
            "filters": filters,
            "columns": columns,
            "rows": rows,
            "count": count,
            "totals": run.totals(),
        },
        generated_by=generated_by,
    )
