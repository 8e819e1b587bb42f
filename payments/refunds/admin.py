from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from payments.refunds.models import Refund
from utilityclerk.admin_audit import ReadOnlyModelAdmin


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    """Refunds are looked up here, never edited: money moves only through the refund
    screens (request, approve, void), which audit each step."""

    list_display = [
        "check_request_number",
        "status",
        "source",
        "account",
        "reference",
        "payee_name",
        "amount",
        "requested_at",
        "approved_on",
        "cashed_on",
    ]
    list_filter = ["status", "source", "approved_on"]
    search_fields = ["check_request_number", "payee_name", "account__number", "reference"]
    date_hierarchy = "requested_at"
    list_select_related = ["account"]
    readonly_fields = ["screen"]

    @admin.display(description="On the refund screen")
    def screen(self, obj):
        url = reverse("refunds:detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)
