"""Billing in the Django admin: rates (audited, with sample bills), cycles, routes, meters.

A rate version already in force is locked: a change is a new version from a later date, so
no bill ever issued is re-priced and the next period spanning the change is prorated.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join

from billing.models import (
    Cycle,
    Meter,
    MeterReading,
    PremiseBilling,
    RateComponent,
    RateSchedule,
    RateVersion,
    Route,
)
from billing.rates import as_version
from billing.rating import Component, RatingError, Version, rate_service
from utilityclerk import audit, business_day
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from utilityclerk.money import format_money

SAMPLE_USES = (Decimal(3000), Decimal(5400), Decimal(12000))


def sample_bills(version: RateVersion) -> list[tuple[str, str]]:
    """What this saved version charges a month at a few uses."""
    return samples(as_version(version, list(version.components.all())))


def samples(v: Version) -> list[tuple[str, str]]:
    """What a version charges a month at a few uses: the preview an Admin checks."""
    start = v.effective_from
    end = start.replace(day=28)
    rows = []
    for use in SAMPLE_USES if v.basis != "none" else (Decimal(0),):
        try:
            charge = rate_service(versions=[v], period_start=start, period_end=end, use=use)
        except RatingError as error:
            rows.append((f"{use:,} gal", str(error)))
            continue
        detail = "; ".join(f"{line.label} {format_money(line.amount)}" for line in charge.lines)
        rows.append(
            (
                f"{use:,} gal" if v.basis != "none" else "a month",
                f"{format_money(charge.total)} ({detail})",
            )
        )
    return rows


PREVIEW_FORMSET = forms.inlineformset_factory(
    RateVersion,
    RateComponent,
    fields=["position", "kind", "label", "amount", "meter_size", "usage_from", "usage_to"],
    extra=0,
    can_delete=True,
)


class RateComponentInline(admin.TabularInline):
    model = RateComponent
    extra = 0
    fields = ["position", "kind", "label", "amount", "meter_size", "usage_from", "usage_to"]

    def _locked(self, obj):
        return obj is not None and obj.effective_from <= business_day.today()

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


@admin.register(RateVersion)
class RateVersionAdmin(AuditedModelAdmin):
    list_display = ["schedule", "effective_from", "note"]
    list_filter = ["schedule"]
    inlines = [RateComponentInline]
    readonly_fields = ["sample_bill"]
    change_form_template = "admin/billing/rateversion/change_form.html"

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="billing_rateversion_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        """Sample bills from the form as typed, before anything is saved (a new tab)."""
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        schedule = RateSchedule.objects.filter(pk=request.POST.get("schedule") or 0).first()
        formset = PREVIEW_FORMSET(request.POST, prefix="components")
        rows, problems = [], []
        if schedule is None:
            problems.append("Choose the schedule.")
        elif not formset.is_valid():
            problems.append("Some components are not valid: correct them in the form first.")
        else:
            components = tuple(
                Component(
                    kind=data["kind"],
                    label=data["label"],
                    amount=data["amount"],
                    meter_size=data.get("meter_size") or "",
                    usage_from=data.get("usage_from"),
                    usage_to=data.get("usage_to"),
                )
                for data in formset.cleaned_data
                if data and not data.get("DELETE")
            )
            version = Version(
                code=schedule.code,
                utility=schedule.utility,
                basis=schedule.usage_basis,
                effective_from=business_day.today(),
                components=components,
            )
            rows = samples(version)
        context = {
            **self.admin_site.each_context(request),
            "title": "Sample bills (not saved)",
            "schedule": schedule,
            "rows": rows,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/billing/rateversion/preview.html", context)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.effective_from <= business_day.today():
            return ["schedule", "effective_from", "note", "sample_bill"]
        return ["sample_bill"]

    @admin.display(description="Sample bill (saved components)")
    def sample_bill(self, obj):
        if obj is None or obj.pk is None:
            return "Save to see a sample bill."
        return format_html_join("", "<div>{}: {}</div>", sample_bills(obj))

    def save_formset(self, request, form, formset, change):
        before = [audit.snapshot(c) for c in formset.queryset] if change else []
        super().save_formset(request, form, formset, change)
        audit.record(
            actor=request.user,
            action="rate.components.admin",
            target=form.instance,
            before={"components": before},
            after={"components": [audit.snapshot(c) for c in form.instance.components.all()]},
        )

    def response_add(self, request, obj, post_url_continue=None):
        self._preview(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._preview(request, obj)
        return super().response_change(request, obj)

    def _preview(self, request, obj):
        for use, text in sample_bills(obj):
            messages.info(request, f"Sample bill at {use}: {text}")


class RateVersionInline(admin.TabularInline):
    model = RateVersion
    extra = 0
    fields = ["effective_from", "note"]
    show_change_link = True
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RateSchedule)
class RateScheduleAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "utility", "usage_basis"]
    search_fields = ["code", "name"]
    inlines = [RateVersionInline]


class RouteInline(admin.TabularInline):
    model = Route
    extra = 0


@admin.register(Cycle)
class CycleAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "read_day"]
    inlines = [RouteInline]


@admin.register(Route)
class RouteAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "cycle"]
    list_filter = ["cycle"]


@admin.register(PremiseBilling)
class PremiseBillingAdmin(AuditedModelAdmin):
    list_display = ["premise", "route", "walk_order", "eru"]
    list_filter = ["route"]
    raw_id_fields = ["premise"]
    search_fields = ["premise__street", "premise__house_number"]


@admin.register(Meter)
class MeterAdmin(AuditedModelAdmin):
    list_display = ["service_point", "size", "dials"]
    raw_id_fields = ["service_point"]
    search_fields = ["service_point__meter_number"]


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyModelAdmin):
    list_display = ["service_point", "read_on", "value", "kind", "source", "status", "use"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["service_point__meter_number"]
