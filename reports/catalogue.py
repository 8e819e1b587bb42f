"""The report catalogue: every report the utility runs, registered by the app that owns it.

Registering a report (from your app's ``AppConfig.ready()``; the reports app registers its
own in ``reports/registry.py``)::

    from reports.catalogue import Column, Report, register_report

    register_report(Report(
        code="billing.bill_register",          # unique; the URL is /reports/run/<code>/
        area="billing",                       # one of AREAS (the catalogue's headings)
        title="Bill register",
        permission="billing.view_bill_register",   # who may run it (Django permission)
        form=BillRegisterForm,                # a Form: the filters; cleaned_data -> query
        query=billing.queries.bill_register,  # query(filters: dict) -> SqlQuery (see below)
        columns=[
            Column("cycle", "Cycle"),
            Column("bills", "Bills", kind="int", total=True),
            Column("amount", "Amount", kind="money", total=True),
        ],
        reconciles_with="Sum of bill entries on the ledger for the same bill dates.",
        default_sort="cycle",
    ))

The query is a read-side function in the owning app's ``queries.py`` that returns an
``SqlQuery(sql, params)``: one set-based SELECT whose column aliases are the column keys.
The engine wraps it to sort (by a whitelisted column), page (LIMIT/OFFSET), total (SUM over
the same SELECT, so the totals are the rows' totals; a page carries them, and the count, from
the same pass) and stream (a server-side cursor, rows
written as read). Parameters are passed to psycopg, never formatted into the text. A small
already-computed result (a list of dicts) may be returned as ``ListRows(rows)`` instead.

Reports that live elsewhere (the close-out PDFs) are listed with ``register_link``.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django import forms
from django.db import connection
from django.urls import reverse

AREAS = [
    ("cash", "Cash and payments"),
    ("accounts", "Accounts and aging"),
    ("billing", "Billing"),
    ("collections", "Collections"),
    ("deposits", "Deposits"),
    ("disputes", "Disputes"),
    ("workorders", "Work orders and vendors"),
    ("contacts", "Contacts"),
    ("permits", "Permits"),
    ("audit", "Audit"),
    ("ledger", "General ledger"),
]
AREA_LABELS = dict(AREAS)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, account (a number, linked to its page), int, money, date, decimal, pct
    kind: str = "text"
    total: bool = False
    sortable: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind in {"int", "money", "decimal", "pct"}


@dataclass(frozen=True)
class SqlQuery:
    sql: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ListRows:
    rows: list[dict]


@dataclass(frozen=True)
class Report:
    code: str
    area: str
    title: str
    permission: str
    form: type[forms.Form]
    query: Callable[[dict], SqlQuery | ListRows]
    columns: list[Column]
    reconciles_with: str
    default_sort: str = ""
    default_desc: bool = False
    description: str = ""
    # PDF on letter paper, landscape when the table is wide.
    landscape: bool = False
    # A few rows from a costly query (aging every account): run it once and count, total,
    # sort and page the rows in memory rather than asking the database again for each.
    few_rows: bool = False

    @property
    def url(self) -> str:
        return reverse("reports:run", args=[self.code])

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def totals_columns(self) -> list[Column]:
        return [c for c in self.columns if c.total]


@dataclass(frozen=True)
class LinkedReport:
    """A report that lives on its own screen (the close-out PDFs), listed in the catalogue."""

    code: str
    area: str
    title: str
    permission: str
    url_name: str
    reconciles_with: str
    description: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_reports: dict[str, Report | LinkedReport] = {}


def register_report(report: Report) -> None:
    if report.area not in AREA_LABELS:
        raise ValueError(f"Unknown report area {report.area!r}; use one of {list(AREA_LABELS)}")
    if report.default_sort and report.column(report.default_sort) is None:
        raise ValueError(f"{report.code}: default_sort {report.default_sort!r} is not a column")
    _reports[report.code] = report


def register_link(report: LinkedReport) -> None:
    _reports[report.code] = report


def get_report(code: str) -> Report | None:
    report = _reports.get(code)
    return report if isinstance(report, Report) else None


def all_reports() -> list[Report | LinkedReport]:
    return list(_reports.values())


def catalogue_for(user) -> list[tuple[str, list[tuple[Report | LinkedReport, bool]]]]:
    """Every report by area, each with whether this user may run it."""
    order = {code: i for i, (code, _) in enumerate(AREAS)}
    areas: dict[str, list] = {}
    for report in sorted(_reports.values(), key=lambda r: (order[r.area], r.title)):
        areas.setdefault(report.area, []).append((report, user.has_perm(report.permission)))
    return [(AREA_LABELS[area], items) for area, items in areas.items()]


# The engine ------------------------------------------------------------------------------


def _order_clause(report: Report, sort: str, desc: bool) -> str:
    column = report.column(sort) or report.column(report.default_sort) or report.columns[0]
    direction = "DESC NULLS LAST" if desc else "ASC NULLS FIRST"
    # The key comes from the report's own column list, never from the request.
    return f'ORDER BY "{column.key}" {direction}, 1'


class ReportRun:
    """One report with its filters: sorted, paged, totalled and streamed from one SELECT."""

    def __init__(self, report: Report, filters: dict, *, sort: str = "", desc: bool | None = None):
        self.report = report
        self.filters = filters
        self.sort = sort if report.column(sort) and report.column(sort).sortable else ""
        self.sort = self.sort or report.default_sort or report.columns[0].key
        self.desc = report.default_desc if desc is None else desc
        self.source = report.query(filters)
        if report.few_rows and isinstance(self.source, SqlQuery):
            self.source = ListRows(self._fetch(self.source))

    def _fetch(self, source: SqlQuery) -> list[dict]:
        keys = [c.key for c in self.report.columns]
        select = ", ".join(f'"{k}"' for k in keys)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM ({source.sql}) AS report_rows", source.params)  # noqa: S608 - our own SQL
            return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.report.columns]

    def _wrapped(self, select: str) -> str:
        return f"SELECT {select} FROM ({self.source.sql}) AS report_rows"  # noqa: S608 - our own SQL

    def count(self) -> int:
        return self._summary[0]

    def totals(self) -> dict[str, Decimal | int]:
        return self._summary[1]

    @cached_property
    def _summary(self) -> tuple[int, dict]:
        """The row count and the totals, in one pass over the report's SELECT."""
        columns = self.report.totals_columns
        if isinstance(self.source, ListRows):
            rows = self.source.rows
            return len(rows), {c.key: sum((r[c.key] or 0 for r in rows), 0) for c in columns}
        select = ", ".join(["COUNT(*)", *(f'COALESCE(SUM("{c.key}"), 0)' for c in columns)])
        with connection.cursor() as cursor:
            cursor.execute(self._wrapped(select), self.source.params)
            count, *values = cursor.fetchone()
        return self._counted(count, values)

    def _counted(self, count, values) -> tuple[int, dict]:
        # SUM of a count is numeric in PostgreSQL: counts are shown as whole numbers.
        columns = self.report.totals_columns
        return count, {
            c.key: int(v) if c.kind == "int" else v for c, v in zip(columns, values, strict=True)
        }

    def _sorted_list(self) -> list[dict]:
        rows = list(self.source.rows)
        present = [r for r in rows if r.get(self.sort) is not None]
        missing = [r for r in rows if r.get(self.sort) is None]
        present.sort(key=lambda r: r[self.sort], reverse=self.desc)
        return (present + missing) if self.desc else (missing + present)

    def page(self, offset: int, limit: int) -> list[dict]:
        """A page of rows, sorted. The count and the totals come with it in the same pass
        (window aggregates over every row), so a screen runs the report's SELECT once; only
        a page past the end leaves them to count() and totals()."""
        if isinstance(self.source, ListRows):
            return self._sorted_list()[offset : offset + limit]
        columns = self.report.totals_columns
        over_all = ["COUNT(*) OVER ()", *(f'COALESCE(SUM("{c.key}") OVER (), 0)' for c in columns)]
        sql = (
            self._wrapped(", ".join([*(f'"{k}"' for k in self.keys), *over_all]))
            + " "
            + _order_clause(self.report, self.sort, self.desc)
            + " LIMIT %(_limit)s OFFSET %(_offset)s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {**self.source.params, "_limit": limit, "_offset": offset})
            rows = cursor.fetchall()
        width = len(self.keys)
        if rows and "_summary" not in self.__dict__:
            self.__dict__["_summary"] = self._counted(rows[0][width], rows[0][width + 1 :])
        return [dict(zip(self.keys, row[:width], strict=True)) for row in rows]

    def all_rows(self) -> list[dict]:
        return list(self.stream())

    def stream(self, chunk_size: int = 2000) -> Iterator[dict]:
        """Every row in order, read through a server-side cursor chunk by chunk: memory stays
        flat whatever the row count."""
        if isinstance(self.source, ListRows):
            yield from self._sorted_list()
            return
        sql = (
            self._wrapped(", ".join(f'"{k}"' for k in self.keys))
            + " "
            + _order_clause(self.report, self.sort, self.desc)
        )
        with connection.chunked_cursor() as cursor:
            cursor.itersize = chunk_size
            cursor.execute(sql, self.source.params)
            while True:
                rows = cursor.fetchmany(chunk_size)
                if not rows:
                    return
                for row in rows:
                    yield dict(zip(self.keys, row, strict=True))


def describe_filters(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value as shown) for each filter that was given: printed in headings."""
    described = []
    if not hasattr(form, "cleaned_data"):
        return described
    for name, bound in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], (), False):
            continue
        if isinstance(bound, forms.ChoiceField) and not isinstance(bound, forms.ModelChoiceField):
            shown = dict(bound.choices).get(value, value)
        elif hasattr(value, "strftime"):
            shown = f"{value:%m/%d/%Y}"
        else:
            shown = str(value)
        described.append((str(form[name].label), str(shown)))
    return described
