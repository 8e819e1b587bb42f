from datetime import timedelta

from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render

from accounts.forms import StatementForm
from accounts.models import Account
from reports.pdf import pdf_response, render_pdf
from reports.statements import build_statement
from utilityclerk import business_day
from utilityclerk.db_router import reads_from_replica


@permission_required("accounts.view_account", raise_exception=True)
@reads_from_replica
def statement(request, number):
    """Without dates: a form (last 90 days by default). With valid dates: the PDF."""
    account = get_object_or_404(
        Account.objects.select_related("customer", "premise"), number=number
    )
    today = business_day.today()
    form = StatementForm(
        request.GET or None, initial={"start": today - timedelta(days=90), "end": today}
    )
    if form.is_bound and form.is_valid():
        data = build_statement(account, form.cleaned_data["start"], form.cleaned_data["end"])
        pdf = render_pdf("reports/pdf/statement.html", {"s": data}, generated_by=request.user)
        return pdf_response(pdf, f"statement-{account.number}-{data.end:%Y%m%d}.pdf")
    return render(request, "reports/statement_form.html", {"account": account, "form": form})
