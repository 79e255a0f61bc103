"""Admin for officials: campaigns with their forms, channel windows and quotas, the frame and the draw.

Who may do what is decided by memberships, not by Django permissions: officials (and superusers)
use these pages, each row is limited to the units where the user is an official, and personal
data (frame, contacts) is shown to the organiser's officials only. Every write calls a service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.copying import campaign_copy
from campaigns.frames import FRAME_COLUMNS_HELP, frame_upload
from campaigns.models import (
    Assignment,
    Campaign,
    CampaignForm,
    CampaignStatus,
    ChannelWindow,
    FrameEntry,
    QualityRules,
    SampleQuota,
    TargetNorm,
)
from campaigns.privacy import call_list_workbook
from campaigns.quality import quality_rules_save
from campaigns.sampling import sample_draw
from campaigns.selectors import (
    campaign_is_locked,
    frame_entries_visible_to,
    mask_name,
    mask_phone,
    personal_data_visible,
    questionnaires_visible_to,
    quotas_unmade_reasons,
    user_is_official,
)
from campaigns.services import (
    CampaignRuleError,
    campaign_activate,
    campaign_close,
    campaign_delete,
    campaign_part_delete,
    campaign_part_save,
    campaign_save,
    campaign_validate,
    quota_check,
    quotas_generate,
)
from campaigns.targets import target_with_source
from units.access import POLICY, Action, allowed, scope
from units.admin import ScopedAdmin, UploadForm, raw_id_scoped
from units.formatting import date_vi
from units.forms import rule_errors_on_fields
from units.models import Unit
from units.spreadsheets import ImportFailed

# Django's "vi" locale sets no input formats (it would read 01/09/2025 as 9 January); dates here are dd/mm/yyyy,
# and ISO stays accepted for the admin's calendar widget.
DATE_FIELDS_VI = {
    models.DateField: {"widget": AdminDateWidget(format="%d/%m/%Y"), "input_formats": ["%d/%m/%Y", "%Y-%m-%d"]},
}


def _official_units(request: HttpRequest) -> QuerySet[Unit]:
    return scope(request.user, Action.CAMPAIGN_CONFIGURE, Unit.objects.select_related("type"))


class OfficialOnlyMixin:
    """Pages for officials: the rows are those under units where the user is an official."""

    scope_field: str

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return scope(request.user, Action.CAMPAIGN_CONFIGURE, queryset, self.scope_field)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):  # type: ignore[no-untyped-def]
        # An outsider gets a 404 rather than the admin's "perhaps it was deleted" redirect.
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_official(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_official(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# ---------------------------------------------------------------------------------------------
# Campaign with its inlines
# ---------------------------------------------------------------------------------------------


class QuotaFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("unit"):
                continue
            try:
                quota_check(campaign=self.instance, unit=data["unit"], form=data.get("form"))
            except CampaignRuleError as problem:
                form.add_error("unit", problem)


class CampaignPartInline(admin.TabularInline):
    """An inline whose rows are saved through campaign_part_save (rules and audit) by CampaignAdmin."""

    extra = 1
    formfield_overrides = DATE_FIELDS_VI

    def _campaign_editable(self, request: HttpRequest, obj: Campaign | None) -> bool:
        return user_is_official(request.user) and (obj is None or (not campaign_is_locked(obj) and _official_of(request, obj)))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_official(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._campaign_editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._campaign_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._campaign_editable(request, obj)

    def get_formset(self, request: HttpRequest, obj: Campaign | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        request._campaign_for_inlines = obj  # type: ignore[attr-defined]
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.related_model is Unit:
            kwargs["queryset"] = _official_units(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CampaignFormInline(CampaignPartInline):
    model = CampaignForm
    fields = ["questionnaire", "unit_types", "units"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "questionnaire":
            # Shared templates and the questionnaires of units on the user's line; others' are copied first.
            kwargs["queryset"] = questionnaires_visible_to(request.user, POLICY[Action.CAMPAIGN_CONFIGURE])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChannelWindowInline(CampaignPartInline):
    model = ChannelWindow
    fields = ["channel", "start", "end", "unit_types"]


class SampleQuotaInline(CampaignPartInline):
    model = SampleQuota
    formset = QuotaFormSet
    fields = ["unit", "channel", "form", "target"]
    raw_id_fields = ["unit"]
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        campaign = getattr(request, "_campaign_for_inlines", None)
        if db_field.name == "form":
            kwargs["queryset"] = CampaignForm.objects.filter(campaign=campaign).select_related("questionnaire") if campaign else CampaignForm.objects.none()
        if db_field.name == "unit":
            kwargs["queryset"] = _official_units(request)
        return raw_id_scoped(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("unit", "form__questionnaire")


class QualityRulesInline(CampaignPartInline):
    """The campaign's data-quality rules (one row; the defaults until saved), saved by quality_rules_save."""

    model = QualityRules
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = _("quy tắc chất lượng dữ liệu (gắn cờ, tạm giữ, phúc tra)")
    verbose_name_plural = verbose_name
    template = "admin/edit_inline/stacked.html"
    fields = [
        "hold_flagged", "too_fast_percent", "min_seconds_per_question", "straight_line_items", "check_duplicates",
        "odd_hours_start", "odd_hours_end", "outlier_z", "ask_location", "backcheck_percent", "backcheck_hold_on_fail",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "outlier_z":
            kwargs["localize"] = True  # 2,5 as written in Vietnamese
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class CampaignAdminForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "code", "name", "organiser", "year", "series", "previous", "fieldwork_start", "fieldwork_end", "index_scheme", "target_index", "target_source",
            "notice_text", "max_attempts", "call_script",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "target_index" in self.fields:  # read-only once published
            self.fields["target_index"].required = False
            self.fields["target_index"].help_text = _("Để trống: chỉ tiêu của văn bản đang áp dụng cho phương pháp và năm của đợt, kèm căn cứ.")
        if "max_attempts" in self.fields:  # absent when the campaign is read-only
            self.fields["max_attempts"].required = False  # left empty: the model's default

    def clean_max_attempts(self) -> int:
        value = self.cleaned_data.get("max_attempts")
        return Campaign._meta.get_field("max_attempts").default if value is None else value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A new target, or none, takes its source from the texts in force unless the official names one.
        if "target_index" in self.fields and (not self.instance.pk or {"target_index", "index_scheme", "year"} & set(self.changed_data)):
            year = data.get("year") or (data["fieldwork_start"].year if data.get("fieldwork_start") else None)
            source = data.get("target_source") if "target_source" in self.changed_data else ""
            data["target_index"], data["target_source"] = target_with_source(
                scheme=data.get("index_scheme") or "", year=year, value=data.get("target_index"), source=source or ""
            )
            self.instance.target_index, self.instance.target_source = data["target_index"], data["target_source"]
        candidate = Campaign(pk=self.instance.pk, **{name: data.get(name) for name in ("code", "fieldwork_start", "fieldwork_end", "index_scheme", "target_index")})
        try:
            campaign_validate(candidate)
        except CampaignRuleError as problem:
            rule_errors_on_fields(self, problem)
        return data


def _official_of(request: HttpRequest, campaign: Campaign) -> bool:
    return allowed(request.user, Action.CAMPAIGN_CONFIGURE, campaign.organiser)


FAILED = object()


def _attempt(request: HttpRequest, campaign: Campaign, service: Any) -> Any:
    """Run one service for one campaign; a broken rule becomes an error message and FAILED is returned."""
    try:
        return service(campaign=campaign, actor=request.user)
    except CampaignRuleError as problem:
        messages.error(request, f"{campaign.code}: {' '.join(problem.messages)}")
        return FAILED
    except (PermissionDenied, Http404):
        messages.error(request, gettext("%(code)s: chỉ cán bộ của đơn vị tổ chức được làm việc này.") % {"code": campaign.code})
        return FAILED


@admin.register(Campaign)
class CampaignAdmin(OfficialOnlyMixin, ScopedAdmin):
    scope_field = "organiser"
    form = CampaignAdminForm
    formfield_overrides = DATE_FIELDS_VI
    list_display = ["code", "name", "organiser", "year", "status", "period", "notice_link"]
    list_filter = ["status", "year", "index_scheme"]
    search_fields = ["code", "name"]
    list_select_related = ["organiser"]
    fields = [*CampaignAdminForm.Meta.fields, "status", "notice_link", "draw_seed"]
    readonly_fields = ["status", "notice_link", "draw_seed"]
    raw_id_fields = ["previous"]
    inlines = [CampaignFormInline, ChannelWindowInline, SampleQuotaInline, QualityRulesInline]
    actions = ["activate_selected", "close_selected", "copy_to_next_year", "generate_quotas", "draw_sample"]
    change_form_template = "admin/campaigns/campaign/change_form.html"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_official(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        if not user_is_official(request.user):
            return False
        return obj is None or (not campaign_is_locked(obj) and _official_of(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        if not user_is_official(request.user):
            return False
        return obj is None or (obj.status == CampaignStatus.DRAFT and _official_of(request, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "organiser":
            kwargs["queryset"] = _official_units(request)
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        if db_field.name == "previous":
            kwargs["queryset"] = self.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Thời gian khảo sát"))
    def period(self, obj: Campaign) -> str:
        return f"{date_vi(obj.fieldwork_start)} – {date_vi(obj.fieldwork_end)}"

    @admin.display(description=_("Trang thông báo"))
    def notice_link(self, obj: Campaign) -> str:
        if obj.pk is None or obj.status == CampaignStatus.DRAFT:
            return gettext("(công khai khi đợt bắt đầu)")
        url = reverse("campaigns:notice", kwargs={"public_key": obj.public_key})
        return format_html('<a href="{}">{}</a>', url, gettext("Xem trang thông báo"))

    def save_model(self, request: HttpRequest, obj: Campaign, form: forms.ModelForm, change: bool) -> None:
        campaign_save(campaign=obj, actor=request.user, changed=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Campaign) -> None:
        campaign_delete(campaign=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for campaign in queryset:
            _attempt(request, campaign, campaign_delete)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            campaign_part_delete(part=obj, actor=request.user)
        for obj in instances:
            if isinstance(obj, QualityRules):
                quality_rules_save(rules=obj, actor=request.user)
            else:
                campaign_part_save(part=obj, actor=request.user)
        formset.save_m2m()

    # Actions: each calls one service per selected campaign (the queryset is already scoped to the user).

    def _each(self, request: HttpRequest, queryset: QuerySet, service: Any, done: str) -> None:
        count = 0
        for campaign in queryset.select_related("organiser"):
            if _attempt(request, campaign, service) is not FAILED:
                count += 1
        if count:
            messages.success(request, done % {"n": count})

    @admin.action(description=_("Bắt đầu khảo sát (kích hoạt) các đợt đã chọn"), permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, campaign_activate, gettext("Đã kích hoạt %(n)d đợt khảo sát."))

    @admin.action(description=_("Kết thúc khảo sát các đợt đã chọn"), permissions=["change"])
    def close_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, campaign_close, gettext("Đã kết thúc %(n)d đợt khảo sát."))

    @admin.action(description=_("Sao chép sang năm sau"), permissions=["add"])
    def copy_to_next_year(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, campaign_copy, gettext("Đã tạo %(n)d đợt mới cho năm sau (trạng thái nháp)."))

    @admin.action(description=_("Tạo cỡ mẫu theo mặc định (150/xã, 200/phường, 100 cho đơn vị tổ chức không có đơn vị trực thuộc)"), permissions=["change"])
    def generate_quotas(self, request: HttpRequest, queryset: QuerySet) -> None:
        for campaign in queryset.select_related("organiser__type"):
            created = _attempt(request, campaign, quotas_generate)
            if created is FAILED:
                continue
            if created:
                messages.success(request, gettext("%(code)s: đã tạo %(n)d cỡ mẫu.") % {"code": campaign.code, "n": created})
            else:
                headline = gettext("%(code)s: không tạo cỡ mẫu nào.") % {"code": campaign.code}
                messages.warning(request, " ".join([headline, *quotas_unmade_reasons(campaign)]))

    @admin.action(description=_("Rút mẫu từ khung mẫu"), permissions=["change"])
    def draw_sample(self, request: HttpRequest, queryset: QuerySet) -> None:
        for campaign in queryset.select_related("organiser"):
            if not personal_data_visible(user=request.user, campaign=campaign):
                messages.error(request, gettext("%(code)s: chỉ cán bộ của đơn vị tổ chức được rút mẫu.") % {"code": campaign.code})
                continue
            report = _attempt(request, campaign, sample_draw)
            if report is not FAILED:
                messages.success(request, f"{campaign.code}: {report.summary()}")

    # The frame upload page.

    def get_urls(self):  # type: ignore[no-untyped-def]
        frame = path("<path:object_id>/khung-mau/", self.admin_site.admin_view(self.frame_view), name="campaigns_campaign_frame")
        return [frame, *super().get_urls()]

    def frame_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        campaign = self.get_object(request, object_id)
        if not personal_data_visible(user=request.user, campaign=campaign) or not self.has_change_permission(request, campaign):
            raise PermissionDenied
        errors: list[str] = []
        error_total = 0
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = frame_upload(campaign=campaign, upload=form.cleaned_data["file"], actor=request.user)
                if not isinstance(outcome, int):  # a large file: a worker imports it, its page shows the progress
                    return redirect("import_job", outcome.pk)
                count = outcome
            except ImportFailed as failure:
                errors, error_total = failure.messages(), failure.total
            except CampaignRuleError as problem:
                errors = list(problem.messages)
            else:
                messages.success(request, gettext("Đã nhập %(n)d người vào khung mẫu.") % {"n": count})
                return redirect("admin:campaigns_campaign_change", campaign.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "form": form,
            "errors": errors,
            "error_total": error_total,
            "title": gettext("Nhập khung mẫu cho «%(name)s»") % {"name": campaign.name},
            "columns": FRAME_COLUMNS_HELP,
            "help_text": gettext("Tệp mới thay toàn bộ khung mẫu hiện có; tệp có lỗi thì không lưu gì."),
        }
        return TemplateResponse(request, "admin/import_upload.html", context)


# ---------------------------------------------------------------------------------------------
# Personal data: the frame and the assignments
# ---------------------------------------------------------------------------------------------


@admin.register(FrameEntry)
class FrameEntryAdmin(OfficialOnlyMixin, admin.ModelAdmin):
    """The frame, for the organiser's officials only (others see no rows)."""

    scope_field = "campaign__organiser"
    list_display = ["full_name", "phone", "address", "procedure", "completed_on_vi", "unit", "campaign"]
    list_filter = [("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["full_name", "phone", "unit__code"]
    list_select_related = ["unit", "campaign"]
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return frame_entries_visible_to(request.user, admin.ModelAdmin.get_queryset(self, request))

    @admin.display(description=_("Ngày hoàn thành"), ordering="completed_on")
    def completed_on_vi(self, obj: FrameEntry) -> str:
        return date_vi(obj.completed_on)


@admin.register(Assignment)
class AssignmentAdmin(OfficialOnlyMixin, admin.ModelAdmin):
    """Drawn people per unit; contacts in full for the organiser's officials, masked for the units' own officials."""

    scope_field = "quota__unit"
    actions = ["export_masked", "export_call_list"]
    list_display = ["campaign", "unit", "channel", "person", "contact_phone", "is_reserve", "draw_order", "enumerator", "status", "disposition", "attempt_count"]
    list_filter = [("campaign", admin.RelatedOnlyFieldListFilter), "is_reserve", "status"]
    list_select_related = ["campaign__organiser", "quota__unit", "frame_entry", "enumerator"]
    list_per_page = 100

    @admin.display(description=_("Đơn vị"))
    def unit(self, obj: Assignment) -> str:
        return obj.quota.unit.name

    def _export(self, request: HttpRequest, queryset: QuerySet, *, full: bool) -> HttpResponse | None:
        try:
            content = call_list_workbook(assignments=queryset, actor=request.user, full=full)
        except (PermissionDenied, Http404):
            messages.error(request, gettext("Chỉ cán bộ của đơn vị tổ chức đợt được xuất danh sách gọi đầy đủ; hãy xuất danh sách đã che số điện thoại."))
            return None
        response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{"danh-sach-goi" if full else "danh-sach-phan-cong"}.xlsx"'
        return response

    @admin.action(description=_("Xuất danh sách phân công (Excel, số điện thoại che bớt)"), permissions=["view"])
    def export_masked(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._export(request, queryset, full=False)

    @admin.action(description=_("Xuất danh sách gọi (Excel, đầy đủ họ tên và số điện thoại; được ghi nhật ký)"), permissions=["view"])
    def export_call_list(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._export(request, queryset, full=True)

    @admin.display(description=_("Kênh"))
    def channel(self, obj: Assignment) -> str:
        return obj.quota.get_channel_display()

    @admin.display(description=_("Người được chọn"))
    def person(self, obj: Assignment) -> str:
        """Initials: the safe default; get_list_display swaps in a version that knows the request's user."""
        return mask_name(obj.frame_entry.full_name) if obj.frame_entry else "—"

    @admin.display(description=_("Điện thoại"))
    def contact_phone(self, obj: Assignment) -> str:
        """Masked: the safe default; get_list_display swaps in a version that knows the request's user."""
        return mask_phone(obj.frame_entry.phone) if obj.frame_entry and obj.frame_entry.phone else "—"

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        def contact_phone(obj: Assignment) -> str:
            if obj.frame_entry is None or not obj.frame_entry.phone:
                return "—"
            if _official_of(request, obj.campaign):
                return obj.frame_entry.phone
            return mask_phone(obj.frame_entry.phone)

        def person(obj: Assignment) -> str:
            if obj.frame_entry is None:
                return "—"
            return obj.frame_entry.full_name if _official_of(request, obj.campaign) else mask_name(obj.frame_entry.full_name)

        contact_phone.short_description = _("Điện thoại")  # type: ignore[attr-defined]
        person.short_description = _("Người được chọn")  # type: ignore[attr-defined]
        swaps = {"contact_phone": contact_phone, "person": person}
        return [swaps.get(name, name) if isinstance(name, str) else name for name in super().get_list_display(request)]


@admin.register(TargetNorm)
class TargetNormAdmin(admin.ModelAdmin):
    """The targets of the texts in force (campaigns.targets); changed by system administrators."""

    list_display = ["scheme", "year_from", "year_to", "value", "source"]
    list_filter = ["scheme"]
