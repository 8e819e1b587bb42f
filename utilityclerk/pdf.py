"""Render a template to PDF with WeasyPrint. Every document shares one base (utility
header, generated at/by, page x of y) in templates/pdf/base.html."""

import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header


def render_pdf(template_name: str, context: dict, *, generated_by=None) -> bytes:
    # Imported late: WeasyPrint loads Pango, which only PDFs need.
    from weasyprint import CSS, HTML

    context = {
        "utility_name": settings.UTILITY_NAME,
        "utility_address": settings.UTILITY_ADDRESS,
        "utility_phone": settings.UTILITY_PHONE,
        "generated_at": timezone.localtime(),
        "generated_by": generated_by,
        **context,
    }
    html = render_to_string(template_name, context)
    stylesheet = CSS(filename=finders.find("css/pdf.css"))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=[stylesheet])


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # Names carry what people typed (a bag number, a customer's name): Django quotes them, and
    # writes a name that is not ASCII (Núñez) as RFC 5987's filename*; only what no file name
    # should hold (path separators, control characters) is replaced.
    safe = re.sub(r"[\x00-\x1f\x7f/\\]+", "-", filename).strip("- ") or "document.pdf"
    response["Content-Disposition"] = content_disposition_header(not inline, safe)
    return response
