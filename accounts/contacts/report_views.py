from datetime import timedelta

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from accounts.contacts.forms import ContactReportForm
from accounts.contacts.report import contact_report as build_report
from accounts.contacts.report import report_csv, report_pdf
from utilityclerk import business_day
from utilityclerk.db_router import reads_from_replica
from utilityclerk.pdf import pdf_response


@permission_required("accounts.view_contact_report", raise_exception=True)
@reads_from_replica
def contact_report(request):
    """Without dates: the form (the last 30 days by default). With dates: the figures on
    screen; with format=pdf or format=csv, the document."""
    today = business_day.today()
    form = ContactReportForm(
        request.GET or None, initial={"start": today - timedelta(days=30), "end": today}
    )
    report = None
    if form.is_bound and form.is_valid():
        report = build_report(form.cleaned_data["start"], form.cleaned_data["end"])
        stem = f"contacts-{report.start:%Y%m%d}-{report.end:%Y%m%d}"
        match request.GET.get("format"):
            case "pdf":
                return pdf_response(report_pdf(report, generated_by=request.user), f"{stem}.pdf")
            case "csv":
                response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = content_disposition_header(True, f"{stem}.csv")
                return response
    return render(
        request,
        "accounts/contacts/report.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
    )
