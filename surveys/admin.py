"""Admin for questionnaires (national templates, not scoped by unit): sections and questions inline,
freeze / new version / XLSForm export actions, XLSForm upload and the built-in templates.

Every write goes through `surveys.services.questionnaires`; a locked questionnaire is shown read-only.
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.builtin_forms import TEMPLATES
from surveys.models import Question, Questionnaire, QuestionnaireStatus, Section
from surveys.services.questionnaires import (
    LOCKING_CAMPAIGN_STATUSES,
    QuestionnaireInvalid,
    expression_errors,
    question_problems,
    question_save,
    questionnaire_freeze,
    questionnaire_load_template,
    questionnaire_lock_reason,
    questionnaire_new_version,
    questionnaire_part_delete,
    questionnaire_save,
    section_save,
)
from surveys.xlsform import xlsform_export, xlsform_import
from units.admin import UploadForm
from units.spreadsheets import ImportFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _parent_questionnaire(request: HttpRequest) -> Questionnaire | None:
    object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
    return Questionnaire.objects.filter(pk=object_id).first() if object_id and str(object_id).isdigit() else None


class LockAwareInline:
    """Inlines of a locked questionnaire can be seen, not changed."""

    def _editable(self, request: HttpRequest, obj: Questionnaire | None) -> bool:
        return obj is None or questionnaire_lock_reason(obj) is None

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._editable(request, obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._editable(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._editable(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class SectionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        known = set(self.instance.questions.values_list("code", flat=True)) if self.instance.pk else set()
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                for message in expression_errors(form.cleaned_data.get("relevant") or "", known_names=known):
                    form.add_error("relevant", message)


class SectionInline(LockAwareInline, admin.TabularInline):
    model = Section
    formset = SectionFormSet
    fields = ["order", "code", "title", "title_en", "relevant"]
    extra = 0


class QuestionFormSet(BaseInlineFormSet):
    """Checks choices and expressions of every question against all codes of the questionnaire being saved."""

    def clean(self) -> None:
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        known = {form.cleaned_data.get("code") for form in kept} - {None}
        if self.instance.pk:
            changed = {form.instance.pk for form in kept if form.instance.pk}
            known |= set(self.instance.questions.exclude(pk__in=changed).values_list("code", flat=True))
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.answers.exists():
                form.add_error(None, _("Câu hỏi «%(code)s» đã có câu trả lời, không xoá được.") % {"code": form.instance.code})
        for form in kept:
            candidate = Question(**{name: value for name, value in form.cleaned_data.items() if name in _QUESTION_FIELDS})
            for problem in question_problems(question=candidate, known_names=known):
                form.add_error(problem.column if problem.column in form.fields else None, problem.message)


_QUESTION_FIELDS = {"code", "text", "type", "choices", "satisfied_levels", "missing_codes", "relevant", "constraint"}


class QuestionInline(LockAwareInline, admin.StackedInline):
    model = Question
    formset = QuestionFormSet
    extra = 0
    show_change_link = True
    classes = ["collapse"]
    fields = [
        ("section", "order", "code", "type"),
        "text",
        "text_en",
        ("required", "counts_in_index"),
        ("satisfied_levels", "missing_codes"),
        "choices",
        ("relevant", "constraint"),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "section":
            parent = _parent_questionnaire(request)
            kwargs["queryset"] = Section.objects.filter(questionnaire=parent) if parent else Section.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["code", "version", "title", "title_en", "language", "template"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        reason = questionnaire_lock_reason(self.instance) if self.instance.pk else None
        if reason:
            raise ValidationError(reason)
        return data


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    form = QuestionnaireForm
    list_display = ["code", "version", "title", "status", "template", "question_count", "lock_state"]
    list_filter = ["status", "template", "language"]
    search_fields = ["code", "title", "title_en"]
    inlines = [SectionInline, QuestionInline]
    actions = ["freeze_selected", "new_version_selected", "export_selected"]
    change_list_template = "admin/surveys/questionnaire/change_list.html"
    change_form_template = "admin/surveys/questionnaire/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        in_use = Q(campaign_forms__campaign__status__in=LOCKING_CAMPAIGN_STATUSES)
        return super().get_queryset(request).annotate(
            n_questions=Count("questions", distinct=True), n_running=Count("campaign_forms", filter=in_use, distinct=True)
        )

    @admin.display(description=gettext_lazy("Số câu hỏi"), ordering="n_questions")
    def question_count(self, obj: Questionnaire) -> int:
        return obj.n_questions  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("Sửa được?"))
    def lock_state(self, obj: Questionnaire) -> str:
        locked = obj.status == QuestionnaireStatus.FROZEN or obj.n_running  # type: ignore[attr-defined]
        return _("Đã khoá") if locked else _("Sửa được")

    def get_readonly_fields(self, request: HttpRequest, obj: Questionnaire | None = None) -> list[str]:
        if obj is not None and questionnaire_lock_reason(obj):
            return [*QuestionnaireForm.Meta.fields, "status"]
        return ["status"]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):  # type: ignore[no-untyped-def]
        obj = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "lock_reason": questionnaire_lock_reason(obj) if obj else None}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def save_model(self, request: HttpRequest, obj: Questionnaire, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        questionnaire_save(questionnaire=obj, actor=request.user)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:  # type: ignore[no-untyped-def]
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            questionnaire_part_delete(obj=deleted, actor=request.user)
        # Django saves the sections' formset first (questions point at them); questions may name each other.
        batch = frozenset(instance.code for instance in instances if isinstance(instance, Question))
        for instance in instances:
            if isinstance(instance, Section):
                section_save(section=instance, actor=request.user)
            else:
                instance.questionnaire = form.instance
                question_save(question=instance, actor=request.user, batch_codes=batch)

    def has_delete_permission(self, request: HttpRequest, obj: Questionnaire | None = None) -> bool:
        return (obj is None or questionnaire_lock_reason(obj) is None) and super().has_delete_permission(request, obj)

    # -- actions

    @admin.action(description=gettext_lazy("Khoá các phiếu đã chọn"), permissions=["change"])
    def freeze_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for questionnaire in queryset:
            try:
                questionnaire_freeze(questionnaire=questionnaire, actor=request.user)
            except QuestionnaireInvalid as error:
                messages.error(request, _("Không khoá được %(q)s: %(e)s") % {"q": questionnaire, "e": "; ".join(error.messages)})
            else:
                messages.success(request, _("Đã khoá %(q)s.") % {"q": questionnaire})

    @admin.action(description=gettext_lazy("Tạo phiên bản mới từ các phiếu đã chọn"), permissions=["add"])
    def new_version_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for questionnaire in queryset:
            copy = questionnaire_new_version(questionnaire=questionnaire, actor=request.user)
            messages.success(request, _("Đã tạo %(q)s (nháp).") % {"q": copy})

    @admin.action(description=gettext_lazy("Xuất XLSForm (.xlsx)"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        chosen = list(queryset)
        if len(chosen) == 1:
            return _download(xlsform_export(chosen[0]), f"{chosen[0].code}-v{chosen[0].version}.xlsx")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for questionnaire in chosen:
                zipped.writestr(f"{questionnaire.code}-v{questionnaire.version}.xlsx", xlsform_export(questionnaire))
        return _download(archive.getvalue(), "phieu-xlsform.zip", "application/zip")

    # -- extra pages

    def get_urls(self):  # type: ignore[no-untyped-def]
        wrap = self.admin_site.admin_view
        return [
            path("import-xlsform/", wrap(self.import_view), name="surveys_questionnaire_import"),
            path("load-template/", wrap(self.load_template_view), name="surveys_questionnaire_load_template"),
            path("<int:pk>/new-version/", wrap(self.new_version_view), name="surveys_questionnaire_new_version"),
            path("<int:pk>/export/", wrap(self.export_view), name="surveys_questionnaire_export"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context) -> TemplateResponse:  # type: ignore[no-untyped-def]
        return TemplateResponse(request, template, {**self.admin_site.each_context(request), "opts": self.model._meta, **context})

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(_("Bạn không có quyền nhập phiếu."), status=403)
        errors: list[str] = []
        error_total = 0
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = xlsform_import(form.cleaned_data["file"], actor=request.user)
            except ImportFailed as failure:
                errors, error_total = failure.messages(), failure.total
            else:
                for warning in result.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Đã nhập phiếu %(q)s.") % {"q": result.questionnaire})
                return redirect("admin:surveys_questionnaire_change", result.questionnaire.pk)
        return self._page(
            request,
            "admin/import_upload.html",
            form=form,
            errors=errors,
            error_total=error_total,
            title=_("Nhập phiếu từ XLSForm"),
            help_text=_("Tệp XLSForm (.xlsx) theo chuẩn ODK/KoboToolbox, gồm trang tính survey, choices và settings."),
        )

    def load_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(_("Bạn không có quyền nạp phiếu mẫu."), status=403)
        if request.method == "POST":
            name = request.POST.get("template", "")
            if name not in TEMPLATES:
                messages.error(request, _("Không có phiếu mẫu «%(name)s».") % {"name": name})
                return redirect("admin:surveys_questionnaire_load_template")
            questionnaire, created = questionnaire_load_template(name=name, actor=request.user)
            if created:
                messages.success(request, _("Đã nạp phiếu mẫu %(q)s.") % {"q": questionnaire})
            else:
                messages.info(request, _("Phiếu mẫu này đã có: %(q)s.") % {"q": questionnaire})
            return redirect("admin:surveys_questionnaire_change", questionnaire.pk)
        loaded = set(Questionnaire.objects.values_list("template", flat=True))
        rows = [{"name": name, "title": template.label, "loaded": name in loaded} for name, template in TEMPLATES.items()]
        return self._page(request, "admin/surveys/questionnaire/load_templates.html", templates=rows, title=_("Nạp phiếu mẫu"))

    def new_version_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        questionnaire = get_object_or_404(Questionnaire, pk=pk)
        if request.method != "POST" or not self.has_add_permission(request):
            return HttpResponse(_("Không được phép."), status=403 if request.method == "POST" else 405)
        copy = questionnaire_new_version(questionnaire=questionnaire, actor=request.user)
        messages.success(request, _("Đã tạo %(q)s (nháp); hãy sửa trên bản này.") % {"q": copy})
        return redirect(reverse("admin:surveys_questionnaire_change", args=[copy.pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        questionnaire = get_object_or_404(Questionnaire, pk=pk)
        if not self.has_view_permission(request, questionnaire):
            return HttpResponse(_("Không được phép."), status=403)
        return _download(xlsform_export(questionnaire), f"{questionnaire.code}-v{questionnaire.version}.xlsx")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """One question in full (choices, levels, expressions), reached from the questionnaire page."""

    list_display = ["code", "text_short", "questionnaire", "section", "type", "counts_in_index"]
    list_filter = ["type", "counts_in_index", "questionnaire"]
    search_fields = ["code", "text", "questionnaire__code"]
    list_select_related = ["questionnaire", "section"]
    raw_id_fields = ["questionnaire", "section"]

    @admin.display(description=gettext_lazy("Nội dung"))
    def text_short(self, obj: Question) -> str:
        return obj.text[:80]

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None) -> list[str]:
        if obj is not None and questionnaire_lock_reason(obj.questionnaire):
            return [field.name for field in Question._meta.fields]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        if obj is not None and questionnaire_lock_reason(obj.questionnaire):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class CheckedForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self):  # type: ignore[no-untyped-def]
                data = super().clean()
                questionnaire = data.get("questionnaire") or getattr(self.instance, "questionnaire", None)
                if questionnaire is not None and not self.errors:
                    reason = questionnaire_lock_reason(questionnaire)
                    if reason:
                        raise ValidationError(reason)
                    known = set(questionnaire.questions.values_list("code", flat=True)) | {data.get("code")}
                    candidate = Question(**{name: data.get(name) for name in _QUESTION_FIELDS})
                    for problem in question_problems(question=candidate, known_names=known):
                        self.add_error(problem.column if problem.column in self.fields else None, problem.message)
                return data

        return form_class if obj is not None and questionnaire_lock_reason(obj.questionnaire) else CheckedForm

    def save_model(self, request: HttpRequest, obj: Question, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        question_save(question=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Question) -> None:
        questionnaire_part_delete(obj=obj, actor=request.user)


from surveys.admin_responses import *  # noqa: E402, F403
