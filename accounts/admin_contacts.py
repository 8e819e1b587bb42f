"""Contacts in the admin: readable and searchable; every change goes through the services,
which audit it, so the admin neither adds, edits nor deletes them."""

from django.contrib import admin

from accounts.models import Contact
from utilityclerk.admin_audit import ReadOnlyModelAdmin


@admin.register(Contact)
class ContactAdmin(ReadOnlyModelAdmin):
    list_display = [
        "contacted_at",
        "channel",
        "party_type",
        "party_name",
        "category",
        "subject",
        "status",
        "follow_up_on",
        "follow_up_owner",
    ]
    list_filter = ["status", "channel", "party_type", "category", "referred_to"]
    search_fields = ["party_name", "subject", "account__number"]
    date_hierarchy = "contacted_at"
    list_select_related = ["follow_up_owner"]
    raw_id_fields = ["customer", "account", "premise", "follow_up_owner"]
