"""Admin for questionnaires: sections and questions inline, freeze / new version / copy / XLSForm export
actions, XLSForm upload and the built-in templates.

A questionnaire belongs to a unit (its owner): the list shows shared templates and the questionnaires
of units on the user's line (campaigns.selectors.questionnaires_visible_to); only officials of the owner
edit one, everyone else copies it. Every write goes through `surveys.services.questionnaires`; a locked
or someone else's questionnaire is shown read-only.
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.selectors import questionnaires_visible_to
from surveys.builtin_forms import TEMPLATES
from surveys.models import Question, Questionnaire, QuestionnaireStatus, Section
from surveys.services.questionnaires import (
    LOCKING_CAMPAIGN_STATUSES,
    QuestionnaireInvalid,
    expression_errors,
    question_problems,
    question_save,
    questionnaire_copy,
    questionnaire_delete,
    questionnaire_freeze,
    questionnaire_load_template,
    questionnaire_lock_reason,
    questionnaire_new_version,
    questionnaire_part_delete,
    questionnaire_save,
    questionnaire_to_spec,
    section_save,
)
from surveys.services.roles import parts_problems, question_role_problems, questionnaire_confirm_roles, role_summary_lines
from surveys.xlsform import xlsform_import
from surveys.xlsform_export import xlsform_export
from units.access import POLICY, Action, allowed, allowed_anywhere, scope
from units.admin import ScopedAdmin, UploadForm
from units.models import Unit
from units.spreadsheets import ImportFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _parent_questionnaire(request: HttpRequest) -> Questionnaire | None:
    object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
    return Questionnaire.objects.filter(pk=object_id).first() if object_id and str(object_id).isdigit() else None


def _may_edit(user: User | AnonymousUser, questionnaire: Questionnaire | None) -> bool:
    """Officials of the owner edit a questionnaire (a shared template: superusers); a locked one nobody."""
    if questionnaire is None:
        return True
    return allowed(user, Action.QUESTIONNAIRE_WRITE, questionnaire.owner) and questionnaire_lock_reason(questionnaire) is None


def _owner_units(user: User | AnonymousUser) -> QuerySet[Unit]:
    """Units whose questionnaires the user may write: where they are an official."""
    return scope(user, Action.QUESTIONNAIRE_WRITE, Unit.objects.all())


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(label=gettext_lazy("Đơn vị sở hữu"), queryset=Unit.objects.none())

    def __init__(self, *args, user: User | AnonymousUser, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owner_units(user)
        if user.is_superuser:
            self.fields["owner"].required = False
            self.fields["owner"].empty_label = gettext_lazy("(không: phiếu mẫu dùng chung)")


class XLSFormUploadForm(OwnerForm, UploadForm):
    pass


class LockAwareInline:
    """Inlines of a locked questionnaire, or of one the user may not edit, can be seen, not changed."""

    def _editable(self, request: HttpRequest, obj: Questionnaire | None) -> bool:
        return _may_edit(request.user, obj)

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


def _may_write_questionnaire(request: HttpRequest, obj: Questionnaire) -> bool:
    return allowed(request.user, Action.QUESTIONNAIRE_WRITE, obj.owner)


class SectionInline(LockAwareInline, admin.TabularInline):
    model = Section
    formset = SectionFormSet
    fields = ["order", "code", "title", "title_en", "part", "relevant"]
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


def _roles_context(request: HttpRequest, questionnaire: Questionnaire) -> dict:
    """What the questionnaire counts, what blocks its use, and whether this user may confirm it."""
    spec = questionnaire_to_spec(questionnaire)
    return {
        "lines": role_summary_lines(spec),
        "problems": question_role_problems(spec) + parts_problems(spec),
        "pending": questionnaire.roles_pending,
        "confirmed_at": questionnaire.roles_confirmed_at,
        "can_confirm": questionnaire.roles_pending and allowed(request.user, Action.QUESTIONNAIRE_WRITE, questionnaire.owner),
    }


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
        ("required", "role"),
        ("satisfied_levels", "missing_codes"),
        "choices",
        ("relevant", "constraint"),
        "calculation",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "section":
            parent = _parent_questionnaire(request)
            kwargs["queryset"] = Section.objects.filter(questionnaire=parent) if parent else Section.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["code", "version", "title", "title_en", "language", "template", "owner", "parts"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        reason = questionnaire_lock_reason(self.instance) if self.instance.pk else None
        if reason:
            raise ValidationError(reason)
        return data


@admin.register(Questionnaire)
class QuestionnaireAdmin(ScopedAdmin):
    form = QuestionnaireForm
    scope_field = "owner"
    write_action = Action.QUESTIONNAIRE_WRITE
    list_display = ["code", "version", "title", "owner", "status", "template", "question_count", "lock_state"]
    list_filter = ["status", "template", "language"]
    list_select_related = ["owner"]
    search_fields = ["code", "title", "title_en"]
    inlines = [SectionInline, QuestionInline]
    actions = ["freeze_selected", "new_version_selected", "copy_selected", "export_selected"]
    change_list_template = "admin/surveys/questionnaire/change_list.html"
    change_form_template = "admin/surveys/questionnaire/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        in_use = Q(campaign_forms__campaign__status__in=LOCKING_CAMPAIGN_STATUSES)
        visible = questionnaires_visible_to(request.user).values("pk")
        return Questionnaire.objects.filter(pk__in=visible).annotate(
            n_questions=Count("questions", distinct=True), n_running=Count("campaign_forms", filter=in_use, distinct=True)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and allowed_anywhere(request.user, Action.QUESTIONNAIRE_WRITE)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if "owner" in form_class.base_fields and not request.user.is_superuser:
            form_class.base_fields["owner"].required = True  # a shared template is for superusers
        return form_class
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
        reason = questionnaire_lock_reason(obj)
        if reason is None and not allowed(request.user, Action.QUESTIONNAIRE_WRITE, obj.owner):
            reason = _("Phiếu của đơn vị khác (hoặc phiếu mẫu dùng chung): chỉ xem được; hãy «Sao chép» về đơn vị của mình để sửa.")
        extra = {
            **(extra_context or {}),
            "lock_reason": reason,
            "can_new_version": _may_write_questionnaire(request, obj),
            "can_copy": allowed_anywhere(request.user, Action.QUESTIONNAIRE_WRITE),
            "roles": _roles_context(request, obj),
        }
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

    def delete_model(self, request: HttpRequest, obj: Questionnaire) -> None:
        questionnaire_delete(questionnaire=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for questionnaire in queryset.select_related("owner"):
            questionnaire_delete(questionnaire=questionnaire, actor=request.user)

    # -- actions: each questionnaire the user may not write is named in an error, the others are done

    def _each(self, request: HttpRequest, queryset: QuerySet, service, done: str) -> None:  # type: ignore[no-untyped-def]
        for questionnaire in queryset.select_related("owner"):
            try:
                result = service(questionnaire=questionnaire, actor=request.user)
            except QuestionnaireInvalid as error:
                messages.error(request, _("Không thực hiện được với %(q)s: %(e)s") % {"q": questionnaire, "e": "; ".join(error.messages)})
            except PermissionDenied:
                messages.error(request, _("%(q)s thuộc đơn vị khác (hoặc là phiếu mẫu dùng chung): hãy sao chép về đơn vị của mình.") % {"q": questionnaire})
            else:
                messages.success(request, done % {"q": result})

    @admin.action(description=gettext_lazy("Khoá các phiếu đã chọn"), permissions=["change"])
    def freeze_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, questionnaire_freeze, _("Đã khoá %(q)s."))

    @admin.action(description=gettext_lazy("Tạo phiên bản mới từ các phiếu đã chọn"), permissions=["add"])
    def new_version_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, questionnaire_new_version, _("Đã tạo %(q)s (nháp)."))

    @admin.action(description=gettext_lazy("Sao chép về đơn vị của tôi"), permissions=["add"])
    def copy_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        owners = list(Unit.objects.filter(memberships__user=request.user, memberships__role__in=POLICY[Action.QUESTIONNAIRE_WRITE]).distinct()[:2])
        if len(owners) != 1:  # officials of several units (or superusers) choose on the copy page, one questionnaire at a time
            return redirect("admin:surveys_questionnaire_copy", queryset.first().pk)
        self._each(request, queryset, lambda questionnaire, actor: questionnaire_copy(questionnaire=questionnaire, owner=owners[0], actor=actor), _("Đã tạo bản sao %(q)s (nháp)."))
        return None

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
            path("<int:pk>/copy/", wrap(self.copy_view), name="surveys_questionnaire_copy"),
            path("<int:pk>/export/", wrap(self.export_view), name="surveys_questionnaire_export"),
            path("<int:pk>/confirm-roles/", wrap(self.confirm_roles_view), name="surveys_questionnaire_confirm_roles"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context) -> TemplateResponse:  # type: ignore[no-untyped-def]
        return TemplateResponse(request, template, {**self.admin_site.each_context(request), "opts": self.model._meta, **context})

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(_("Bạn không có quyền nhập phiếu."), status=403)
        errors: list[str] = []
        error_total = 0
        form = XLSFormUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                result = xlsform_import(form.cleaned_data["file"], actor=request.user, owner=form.cleaned_data["owner"])
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
            help_text=_("Tệp XLSForm (.xlsx hoặc .xls) theo chuẩn ODK/KoboToolbox, gồm trang tính survey, choices và settings. Phần hệ thống không giữ được (nhóm lặp, vị trí, ảnh, …) được liệt kê kèm số dòng sau khi nhập."),
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
        rows = [
            {"name": name, "title": template.label, "source": template.source, "loaded": name in loaded} for name, template in TEMPLATES.items()
        ]
        return self._page(request, "admin/surveys/questionnaire/load_templates.html", templates=rows, title=_("Nạp phiếu mẫu"))

    def new_version_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        questionnaire = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method != "POST" or not self.has_add_permission(request):
            return HttpResponse(_("Không được phép."), status=403 if request.method == "POST" else 405)
        try:
            copy = questionnaire_new_version(questionnaire=questionnaire, actor=request.user)
        except QuestionnaireInvalid as error:
            messages.error(request, _("Không tạo được phiên bản mới của %(q)s: %(e)s") % {"q": questionnaire, "e": "; ".join(error.messages)})
            return redirect(reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk]))
        messages.success(request, _("Đã tạo %(q)s (nháp); hãy sửa trên bản này.") % {"q": copy})
        return redirect(reverse("admin:surveys_questionnaire_change", args=[copy.pk]))

    def copy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Copy a questionnaire (a shared template, another unit's) to a unit where the user is an official."""
        questionnaire = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OwnerForm(request.POST or None, user=request.user)
        form.fields["owner"].required = True
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                copy = questionnaire_copy(questionnaire=questionnaire, owner=form.cleaned_data["owner"], actor=request.user)
            except QuestionnaireInvalid as error:
                errors = list(error.messages)
            else:
                messages.success(request, _("Đã tạo bản sao %(q)s (nháp) của đơn vị %(unit)s; hãy sửa trên bản này.") % {"q": copy, "unit": copy.owner.name})
                return redirect(reverse("admin:surveys_questionnaire_change", args=[copy.pk]))
        return self._page(
            request, "admin/import_upload.html", form=form, errors=errors, title=_("Sao chép «%(q)s» về đơn vị") % {"q": questionnaire},
            help_text=_("Bản sao là phiếu nháp của đơn vị được chọn, mã phiếu kèm mã đơn vị; phiếu gốc không đổi."),
        )

    def confirm_roles_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The official confirms the roles shown on the questionnaire's page (POST only)."""
        questionnaire = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method != "POST":
            return HttpResponse(_("Không được phép."), status=405)
        try:
            questionnaire_confirm_roles(questionnaire=questionnaire, actor=request.user)
        except QuestionnaireInvalid as error:
            messages.error(request, _("Chưa xác nhận được: %(e)s") % {"e": "; ".join(error.messages)})
        else:
            messages.success(request, _("Đã xác nhận vai trò các câu hỏi của %(q)s.") % {"q": questionnaire})
        return redirect(reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        questionnaire = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, questionnaire):
            return HttpResponse(_("Không được phép."), status=403)
        return _download(xlsform_export(questionnaire), f"{questionnaire.code}-v{questionnaire.version}.xlsx")


@admin.register(Question)
class QuestionAdmin(ScopedAdmin):
    """One question in full (choices, levels, expressions), reached from the questionnaire page."""

    scope_field = "questionnaire__owner"
    write_action = Action.QUESTIONNAIRE_WRITE
    list_display = ["code", "text_short", "questionnaire", "section", "type", "role"]
    list_filter = ["type", "role", ("questionnaire", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "text", "questionnaire__code"]
    list_select_related = ["questionnaire", "section"]
    raw_id_fields = ["questionnaire", "section"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Question.objects.filter(questionnaire__in=questionnaires_visible_to(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "questionnaire":
            kwargs["queryset"] = Questionnaire.objects.filter(owner__in=_owner_units(request.user)) if not request.user.is_superuser else Questionnaire.objects.all()
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(questionnaire__owner__in=_owner_units(request.user)) if not request.user.is_superuser else Section.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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

    def has_change_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        # A question of a locked questionnaire is shown read-only; a POST to it is refused, not saved.
        if obj is not None and questionnaire_lock_reason(obj.questionnaire):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and allowed_anywhere(request.user, Action.QUESTIONNAIRE_WRITE)

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
