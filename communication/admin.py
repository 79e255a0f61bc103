"""The communication plan in the admin, scoped like every admin page: officials of the organiser change a plan's
letter fields and its activities' texts and dates; responsible units are chosen on the plan's page (one per unit)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from communication.models import Activity, CommunicationPlan, Evidence, UnitTask
from communication.services import activity_save, plan_letter_save
from units.access import Action
from units.admin import ScopedAdmin


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ("title", "kind", "start", "deadline", "page")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("Đơn vị thực hiện"))
    def page(self, obj: Activity) -> str:
        url = reverse("communication:activity_edit", args=[obj.plan.campaign.code, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Chọn đơn vị"))

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CommunicationPlan)
class CommunicationPlanAdmin(ScopedAdmin):
    scope_field = "campaign__organiser"
    scope_action = write_action = Action.COMMS_PLAN
    list_display = ("campaign", "letter_number", "updated_at")
    fields = ("campaign", "letter_number", "letter_recipients", "signer_title", "signer_name")
    readonly_fields = ("campaign",)
    inlines = [ActivityInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a plan is made on its page ("Thêm hoạt động")

    def save_model(self, request: HttpRequest, obj: CommunicationPlan, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        plan_letter_save(
            plan=CommunicationPlan.objects.get(pk=obj.pk),
            actor=request.user,
            **{name: form.cleaned_data[name] for name in form.changed_data},
        )


class UnitTaskInline(admin.TabularInline):
    model = UnitTask
    fields = ("unit", "done_on", "done_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    scope_field = "plan__campaign__organiser"
    scope_action = write_action = Action.COMMS_PLAN
    list_display = ("title", "kind", "start", "deadline", "plan")
    list_filter = ("kind",)
    fields = ("plan", "kind", "title", "description", "start", "deadline")
    readonly_fields = ("plan",)
    inlines = [UnitTaskInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added on the plan's page, where its units are chosen

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # deleted on the plan's page (refused once a unit reported)

    def save_model(self, request: HttpRequest, obj: Activity, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        activity_save(activity=obj, units=[task.unit for task in obj.tasks.select_related("unit")], actor=request.user)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # type: ignore[no-untyped-def]
        return None  # the inline is read-only; the units are set by activity_save


@admin.register(Evidence)
class EvidenceAdmin(ScopedAdmin):
    scope_field = "task__unit"
    scope_action = Action.COMMS_REPORT
    list_display = ("__str__", "task", "uploaded_at")
    fields = ("task", "original_name", "file_kind", "size", "link", "uploaded_by", "uploaded_at", "download")
    readonly_fields = fields

    @admin.display(description=_("Tải về"))
    def download(self, obj: Evidence) -> str:
        if not obj.stored_name:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("communication:evidence", args=[obj.pk]), _("Tải tệp"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
