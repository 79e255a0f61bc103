"""Admin of a campaign's population sizes (the design's N per stratum): rows, a file upload, frame counts.

Officials only (units.access: Action.CAMPAIGN_CONFIGURE), each row and every choice (campaign, unit,
campaign form) limited to campaigns organised in their subtrees; every write calls a service of
reports.estimation.population (rules, audit, the campaign's figures marked stale).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.admin import OfficialOnlyMixin
from campaigns.models import Campaign, CampaignForm, StratumPopulation
from campaigns.selectors import user_is_official
from campaigns.services import CampaignRuleError
from reports.estimation.design import RULE_POOLED, RULE_POPULATION, RULE_UNIT_MEAN, design_settings
from reports.estimation.population import (
    POPULATION_COLUMNS_HELP,
    campaign_design_save,
    population_check,
    population_delete,
    population_from_frame,
    population_import,
    population_save,
)
from units.access import Action, scope
from units.admin import UploadForm, raw_id_scoped
from units.forms import rule_errors_on_fields
from units.models import Unit
from units.spreadsheets import ImportFailed


def _campaigns(request: HttpRequest) -> QuerySet[Campaign]:
    return scope(request.user, Action.CAMPAIGN_CONFIGURE, Campaign.objects.select_related("organiser"), "organiser")


class PopulationForm(forms.ModelForm):
    class Meta:
        model = StratumPopulation
        fields = ["campaign", "unit", "channel", "form", "population"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("campaign") and data.get("unit") and data.get("channel"):
            try:
                population_check(campaign=data["campaign"], unit=data["unit"], channel=data["channel"], population=data.get("population"), form=data.get("form"))
            except CampaignRuleError as problem:
                rule_errors_on_fields(self, problem)
        return data


class PopulationUploadForm(UploadForm):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=_("Đợt khảo sát"))
    from_frame = forms.BooleanField(required=False, label=_("Đếm từ khung mẫu của đợt (không cần tệp)"))

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["file"].required = False
        self.order_fields(["campaign", "file", "from_frame"])


def _shares(text: str) -> dict[str, float] | None:
    """"male=48, female=52" → {"male": 48.0, "female": 52.0}; None when empty; ValueError when malformed."""
    if not text.strip():
        return None
    shares = {}
    for part in text.split(","):
        name, _sep, value = part.partition("=")
        shares[name.strip()] = float(value.replace("%", "").strip())
    return shares


class DesignForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=_("Đợt khảo sát"))
    rule = forms.ChoiceField(
        label=_("Cách tổng hợp"), required=False,
        choices=[("", _("Mặc định: theo cỡ tổng thể khi đã có, nếu chưa thì gộp câu trả lời")), (RULE_POPULATION, _("Theo cỡ tổng thể (trọng số N/n)")),
                 (RULE_POOLED, _("Gộp mọi câu trả lời, không trọng số")), (RULE_UNIT_MEAN, _("Trung bình cộng chỉ số các đơn vị trực thuộc"))],
    )
    min_respondents = forms.IntegerField(label=_("Cỡ mẫu tối thiểu để công bố (người trả lời)"), min_value=2, initial=30)
    max_cv = forms.FloatField(label=_("Hệ số biến thiên tối đa (%)"), min_value=0.1, initial=15)
    rake_channel = forms.BooleanField(label=_("Hiệu chỉnh theo biên: kênh (tổng cỡ tổng thể của từng kênh)"), required=False)
    rake_sex = forms.CharField(label=_("Hiệu chỉnh theo biên: giới tính (tỷ lệ %, ví dụ male=48, female=52)"), required=False)
    rake_age_group = forms.CharField(label=_("Hiệu chỉnh theo biên: nhóm tuổi (tỷ lệ %, ví dụ 25_34=30, 35_49=40, 50_64=30)"), required=False)
    trim = forms.CharField(label=_("Cắt trọng số (bội số của trọng số trung bình, ví dụ 0.3, 3)"), required=False)

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns

    def settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        rake: dict[str, Any] = {}
        try:
            for variable in ("sex", "age_group"):
                shares = _shares(data.get(f"rake_{variable}") or "")
                if shares:
                    rake[variable] = shares
            trim = [float(v) for v in data["trim"].split(",")] if data.get("trim", "").strip() else None
        except ValueError:
            raise CampaignRuleError(gettext("Tỷ lệ hoặc ngưỡng cắt phải là số.")) from None
        if data.get("rake_channel"):
            rake["channel"] = True
        return {"rule": data.get("rule") or None, "min_respondents": data["min_respondents"], "max_cv": data["max_cv"], "rake": rake, "trim": trim}


@admin.register(StratumPopulation)
class StratumPopulationAdmin(OfficialOnlyMixin, admin.ModelAdmin):
    """Rows scoped to campaigns organised where the user is an official (OfficialOnlyMixin); writes allowed."""

    scope_field = "campaign__organiser"
    form = PopulationForm
    list_display = ["campaign", "unit", "channel", "form", "population", "source", "updated_at"]
    list_filter = ["source", "channel"]
    search_fields = ["campaign__code", "unit__code", "unit__name"]
    list_select_related = ["campaign", "unit", "form__questionnaire"]
    raw_id_fields = ["unit"]
    change_list_template = "admin/campaigns/stratumpopulation/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return user_is_official(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_official(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_official(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        # Every choice is of the user's own campaigns: a campaign form's label names its campaign and questionnaire.
        if db_field.name == "campaign":
            kwargs["queryset"] = _campaigns(request)
        if db_field.name == "form":
            kwargs["queryset"] = CampaignForm.objects.filter(campaign__in=_campaigns(request)).select_related("campaign", "questionnaire")
        if db_field.related_model is Unit:
            kwargs["queryset"] = scope(request.user, Action.CAMPAIGN_CONFIGURE, Unit.objects.all())
        return raw_id_scoped(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def save_model(self, request: HttpRequest, obj: StratumPopulation, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        saved = population_save(actor=request.user, campaign=obj.campaign, unit=obj.unit, channel=obj.channel, population=obj.population, form=obj.form)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: StratumPopulation) -> None:
        population_delete(actor=request.user, row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for row in queryset.select_related("campaign__organiser", "unit"):
            population_delete(actor=request.user, row=row)

    def get_urls(self):  # type: ignore[no-untyped-def]
        upload = path("nhap/", self.admin_site.admin_view(self.upload_view), name="campaigns_stratumpopulation_import")
        design = path("thiet-ke/", self.admin_site.admin_view(self.design_view), name="campaigns_stratumpopulation_design")
        return [upload, design, *super().get_urls()]

    def design_view(self, request: HttpRequest) -> HttpResponse:
        """The campaign's design settings: aggregation rule, minimum publishable size, raking, trimming."""
        if not user_is_official(request.user):
            raise Http404
        campaigns = _campaigns(request)
        initial: dict[str, Any] = {}
        chosen = campaigns.filter(pk=request.GET.get("campaign") or 0).first()
        if chosen is not None:
            current = design_settings(chosen.scheme_options)
            initial = {"campaign": chosen.pk, "rule": current.rule or "", "min_respondents": current.min_respondents, "max_cv": current.max_cv}
        form = DesignForm(request.POST or None, campaigns=campaigns, initial=initial)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            campaign = form.cleaned_data["campaign"]
            try:
                campaign_design_save(actor=request.user, campaign=campaign, settings=form.settings())
            except CampaignRuleError as problem:
                errors = list(problem.messages)
            else:
                messages.success(request, gettext("Đã lưu thiết kế mẫu của đợt %(code)s; chỉ số sẽ được tính lại.") % {"code": campaign.code})
                return redirect("admin:campaigns_stratumpopulation_changelist")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "errors": errors,
            "title": gettext("Thiết kế mẫu của đợt: cách tổng hợp, cỡ mẫu tối thiểu, hiệu chỉnh theo biên"),
        }
        return TemplateResponse(request, "admin/campaigns/stratumpopulation/design.html", context)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not user_is_official(request.user):
            raise Http404
        form = PopulationUploadForm(request.POST or None, request.FILES or None, campaigns=_campaigns(request))
        errors: list[str] = []
        error_total = 0
        if request.method == "POST" and form.is_valid():
            campaign = form.cleaned_data["campaign"]
            try:
                if form.cleaned_data["from_frame"]:
                    count = population_from_frame(actor=request.user, campaign=campaign)
                elif form.cleaned_data.get("file"):
                    count = population_import(actor=request.user, campaign=campaign, source=form.cleaned_data["file"])
                else:
                    raise CampaignRuleError(gettext("Hãy chọn tệp Excel hoặc đánh dấu «đếm từ khung mẫu»."))
            except ImportFailed as failure:
                errors, error_total = failure.messages(), failure.total
            except CampaignRuleError as problem:
                errors = list(problem.messages)
            else:
                messages.success(request, gettext("Đã lưu cỡ tổng thể của %(n)d tầng cho đợt %(code)s; chỉ số sẽ được tính lại có trọng số.") % {"n": count, "code": campaign.code})
                return redirect("admin:campaigns_stratumpopulation_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "error_total": error_total,
            "title": gettext("Nhập cỡ tổng thể của các tầng"),
            "columns": POPULATION_COLUMNS_HELP,
            "help_text": gettext("Tệp mới thay toàn bộ cỡ tổng thể của đợt; tệp có lỗi thì không lưu gì."),
        }
        return TemplateResponse(request, "admin/import_upload.html", context)
