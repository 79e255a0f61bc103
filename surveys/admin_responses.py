"""Admin for responses: a scoped, read-only list with review actions and the Excel import upload.

Responses are never edited in the admin: status changes go through `responses_review` (audited).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import DataError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from surveys.forms import ResponseImportForm
from surveys.models import Response
from surveys.services.response_import import responses_import
from surveys.services.review import ReviewError, responses_review
from units.access import Action, allowed, allowed_anywhere
from units.admin import ScopedAdmin
from units.formatting import datetime_vi
from units.import_jobs import import_in_background
from units.spreadsheets import ImportFailed

__all__ = ["ResponseAdmin"]


@admin.register(Response)
class ResponseAdmin(ScopedAdmin):
    """Responses are respondent rows: listed where the user reviews them (units.access RESPONSES_REVIEW)."""

    scope_action = Action.RESPONSES_REVIEW
    list_display = ["uuid", "campaign", "unit", "channel", "status", "source", "enumerator", "submitted_at"]
    list_filter = ["status", "channel", "source", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["uuid", "unit__code", "unit__name", "enumerator__username"]
    list_select_related = ["campaign", "unit", "enumerator"]
    date_hierarchy = "submitted_at"
    actions = ["approve_selected", "hold_selected"]
    change_list_template = "admin/surveys/response/change_list.html"
    # `started_at` came from the device: a value stored before it was range-checked (a BC timestamp on
    # PostgreSQL) cannot be read into Python, so the list never loads it and the page reads it alone.
    exclude = ["started_at"]
    readonly_fields = ["started_at_shown"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer("started_at")

    def get_exclude(self, request: HttpRequest, obj: Response | None = None) -> list[str]:
        """The respondent's phone and name are personal data: shown only to those who may read the frame."""
        personal = obj is not None and allowed(request.user, Action.FRAME_READ, obj.campaign.organiser)
        return [*self.exclude, *([] if personal else ["respondent_phone", "respondent_name"])]

    @admin.display(description=_("bắt đầu"))
    def started_at_shown(self, obj: Response) -> str:
        try:
            value = Response.objects.filter(pk=obj.pk).values_list("started_at", flat=True).first()
        except (ValueError, OverflowError, DataError):
            return str(_("(không đọc được: thời điểm ngoài phạm vi)"))
        return datetime_vi(value) if value else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def _review(self, request: HttpRequest, queryset: QuerySet, action: str) -> None:
        try:
            changed = responses_review(responses=queryset.select_related("campaign", "unit"), action=action, actor=request.user)
        except ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Đã cập nhật %(n)d phiếu.") % {"n": changed})

    @admin.action(description=_("Duyệt các phiếu đã chọn"), permissions=["view"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, "approve")

    @admin.action(description=_("Tạm giữ các phiếu đã chọn"), permissions=["view"])
    def hold_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, "hold")

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [path("import/", self.admin_site.admin_view(self.import_view), name="surveys_response_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (request.user.has_perm("surveys.add_response") and allowed_anywhere(request.user, Action.RESPONSES_IMPORT)):
            return redirect("admin:surveys_response_changelist")
        errors: list[str] = []
        error_total = 0
        form = ResponseImportForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            campaign, upload = form.cleaned_data["campaign"], form.cleaned_data["file"]
            try:
                job = import_in_background(actor=request.user, kind="responses", upload=upload, params={"campaign": campaign.pk})
                if job is not None:  # a large file: a worker imports it, its page shows the progress
                    return redirect("import_job", job.pk)
                result = responses_import(campaign=campaign, source=upload, actor=request.user)
            except ImportFailed as failure:
                errors, error_total = failure.messages(), failure.total
            else:
                messages.success(request, _("Đã nhập %(n)d phiếu.") % {"n": result.saved})
                messages.info(request, result.blanks_text())
                return redirect("admin:surveys_response_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "error_total": error_total,
            "title": _("Nhập phiếu giấy / tổng đài từ Excel"),
            "columns": "unit_code, channel, submitted_at, <mã câu hỏi>…; phone, name (người trả lời, tuỳ chọn)",
            "help_text": _(
                "Mỗi dòng một phiếu; ô câu hỏi ghi mức (1–5) hoặc tên lựa chọn; ô trống là câu không trả lời (kể cả câu bắt buộc), "
                "không tính vào chỉ số và được liệt kê sau khi nhập. Ngày theo dd/mm/yyyy."
            ),
        }
        return TemplateResponse(request, "admin/import_upload.html", context)
