from django.contrib import admin

from collections_app.models import (
    Arrangement,
    Disconnection,
    DoorHanger,
    Notice,
    Promise,
    Reconnection,
    WeatherHold,
)
from utilityclerk.admin_audit import ReadOnlyModelAdmin


@admin.register(Notice)
class NoticeAdmin(ReadOnlyModelAdmin):
    list_display = ["business_date", "kind", "account", "amount", "disconnect_on", "emailed_to"]
    list_filter = ["kind", "business_date"]
    list_select_related = ["account__customer"]


@admin.register(Arrangement)
class ArrangementAdmin(ReadOnlyModelAdmin):
    list_display = ["start_date", "account", "status", "total", "down_payment", "months"]
    list_filter = ["status"]
    list_select_related = ["account__customer"]


@admin.register(Promise)
class PromiseAdmin(ReadOnlyModelAdmin):
    list_display = ["made_on", "account", "amount", "pay_by", "status"]
    list_filter = ["status"]
    list_select_related = ["account__customer"]


@admin.register(DoorHanger, Disconnection, Reconnection, WeatherHold)
class CollectionsRecordAdmin(ReadOnlyModelAdmin):
    pass
