"""CSV import of reads from a handheld or AMR export: parse and preview with an error per bad
row, then post the good ones. The file's SHA-256 is unique (the same file twice posts
nothing twice) and each read is unique per meter and day (the same read in another file is
found, not posted again)."""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from accounts.models import ServicePoint
from billing import reads
from billing.models import MeterReading, ReadImport, ReadSource, ReadStatus
from utilityclerk import audit, business_day

MAX_ROWS = 20_000


@dataclass
class Row:
    line: int
    meter: str
    read_on: date | None = None
    value: Decimal | None = None
    point_id: int | None = None
    error: str = ""
    note: str = ""


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def parse(content: bytes) -> list[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [Row(0, "", error="The file is not text (UTF-8 CSV): export it again as CSV.")]
    rows: list[Row] = []
    seen: set[tuple[str, date]] = set()
    today = business_day.today()
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip():
            continue
        if number == 1 and fields[0].strip().lower() in ("meter", "meter number", "meter_number"):
            continue
        if len(rows) >= MAX_ROWS:
            rows.append(Row(number, "", error=f"More than {MAX_ROWS:,} rows: split the file."))
            break
        if len(fields) < 3:
            rows.append(
                Row(number, fields[0].strip(), error="Needs three columns: meter, date, reading.")
            )
            continue
        row = Row(number, fields[0].strip().upper()[:30])
        row.read_on = _date(fields[1].strip())
        try:
            row.value = Decimal(fields[2].strip().replace(",", ""))
        except InvalidOperation:
            row.value = None
        if not row.meter:
            row.error = "No meter number."
        elif row.read_on is None:
            row.error = f"“{fields[1].strip()[:20]}” is not a date (YYYY-MM-DD or MM/DD/YYYY)."
        elif row.read_on > today:
            row.error = "The date is in the future."
        elif row.value is None or row.value != row.value.to_integral_value():
            row.error = f"“{fields[2].strip()[:20]}” is not a whole number of gallons."
        elif row.value < 0:
            row.error = "A reading cannot be negative."
        elif (row.meter, row.read_on) in seen:
            row.error = "The same meter and date appear earlier in the file."
        if not row.error:
            seen.add((row.meter, row.read_on))
        rows.append(row)
    meters = {r.meter for r in rows if not r.error}
    points = dict(
        ServicePoint.objects.filter(meter_number__in=meters).values_list("meter_number", "id")
    )
    for row in rows:
        if row.error:
            continue
        row.point_id = points.get(row.meter)
        if row.point_id is None:
            row.error = f"No meter {row.meter} on file."
    on_file = set(
        MeterReading.objects.filter(
            service_point_id__in=[r.point_id for r in rows if r.point_id],
            read_on__in={r.read_on for r in rows if r.point_id},
        )
        .exclude(status=ReadStatus.REPLACED)
        .values_list("service_point_id", "read_on")
    )
    for row in rows:
        if not row.error and (row.point_id, row.read_on) in on_file:
            row.note = "Already on file: will be skipped."
    return rows


@dataclass
class Posted:
    posted: int
    skipped: int
    errors: list[Row]
    exceptions: int


def upload(*, content: bytes, file_name: str, by) -> ReadImport:
    """Keep the file for its preview. The same file again finds the first upload; once
    posted, it is refused: nothing is posted twice."""
    digest = sha256(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise reads.ReadError(
            "The file is not text (UTF-8 CSV): export it again as CSV.", field="file"
        ) from error
    with transaction.atomic():
        batch, _ = ReadImport.objects.get_or_create(
            sha256=digest,
            defaults={"file_name": file_name[:200], "content": text, "uploaded_by": by},
        )
    if batch.posted_at is not None:
        raise reads.ReadError(
            f"This file was posted on {batch.posted_at:%m/%d/%Y %H:%M} ({batch.posted} reads): "
            "nothing posted again.",
            field="file",
        )
    return batch


def post_batch(*, batch: ReadImport, by) -> Posted:
    """Post the good rows of an uploaded file, once: the batch row is locked and marked."""
    with transaction.atomic():
        batch = ReadImport.objects.select_for_update().get(pk=batch.pk)
        if batch.posted_at is not None:
            raise reads.ReadError(
                f"{batch.file_name} was posted on {batch.posted_at:%m/%d/%Y %H:%M}: nothing posted again."
            )
        batch.posted_at = timezone.now()
        batch.posted_by = by
        batch.save(update_fields=["posted_at", "posted_by"])
        rows = parse(batch.content.encode())
        posted = skipped = exceptions = 0
        errors = [r for r in rows if r.error]
        points = ServicePoint.objects.in_bulk([r.point_id for r in rows if r.point_id])
        for row in rows:
            if row.error:
                continue
            try:
                with transaction.atomic():
                    reading, created = reads.record_reading(
                        service_point=points[row.point_id],
                        read_on=row.read_on,
                        value=row.value,
                        by=by,
                        source=ReadSource.IMPORT,
                        import_batch=batch,
                    )
            except reads.ReadError as error:
                row.error = str(error)
                errors.append(row)
                continue
            if created:
                posted += 1
                exceptions += reading.status == ReadStatus.EXCEPTION
            else:
                skipped += 1
        batch.rows = len(rows)
        batch.posted = posted
        batch.save(update_fields=["rows", "posted"])
        audit.record(
            actor=by,
            action="reading.import",
            target=batch,
            after={
                "file": batch.file_name,
                "posted": posted,
                "skipped": skipped,
                "errors": len(errors),
            },
        )
    return Posted(posted, skipped, errors, exceptions)
