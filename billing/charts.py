"""The 13-month use chart, drawn on the server as SVG: no JavaScript, prints as it shows,
and WeasyPrint draws the same markup in the bill PDF."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from utilityclerk.business_day import add_months


@dataclass(frozen=True)
class Bar:
    month: date
    gallons: Decimal
    estimated: bool = False


def monthly_use(readings, *, through: date, months: int = 13) -> list[Bar]:
    """Use by the month of each read, for the `months` months ending with `through`'s month.
    `readings` are (read_on, use, kind) of billable reads."""
    first = add_months(through.replace(day=1), -(months - 1))
    totals: dict[date, Decimal] = {add_months(first, i): Decimal(0) for i in range(months)}
    estimated: set[date] = set()
    for read_on, use, kind in readings:
        month = read_on.replace(day=1)
        if month in totals and use is not None and use > 0:
            totals[month] += use
            if kind == "estimated":
                estimated.add(month)
    return [Bar(month, gallons, month in estimated) for month, gallons in totals.items()]


def usage_svg(bars: list[Bar], *, width: int = 520, height: int = 170) -> SafeString:
    top = max((bar.gallons for bar in bars), default=Decimal(0)) or Decimal(1)
    left, bottom, plot_h = 44, 22, height - 40
    slot = (width - left - 4) / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="usage-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Water use by month, 13 months">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#555"/>',
        f'<text x="{left - 4}" y="14" font-size="10" text-anchor="end">{int(top):,}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" font-size="10" text-anchor="end">0</text>',
        f'<text x="2" y="{height / 2}" font-size="10">gal</text>',
    ]
    for i, bar in enumerate(bars):
        h = float(bar.gallons / top) * plot_h
        x = left + i * slot + 3
        y = height - bottom - h
        fill = "#9aa9bd" if bar.estimated else "#2f5d8a"
        title = f"{bar.month:%b %Y}: {int(bar.gallons):,} gal" + (
            " (estimated)" if bar.estimated else ""
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" fill="{fill}">'
            f"<title>{escape(title)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + (slot - 6) / 2:.1f}" y="{height - 8}" font-size="9" '
            f'text-anchor="middle">{bar.month:%b}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped titles
