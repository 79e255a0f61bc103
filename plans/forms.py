"""Forms of the plan pages: the organiser's rules, a measure, evidence, the department's review, a self-survey schedule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from plans.models import PlanRules
from units.uploads import EvidenceFileField, EvidenceLinkField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanRulesForm(forms.ModelForm):
    class Meta:
        model = PlanRules
        fields = [
            "required_units",
            "weakest_count",
            "due_days",
            "yearly_due_day",
            "yearly_due_month",
            "remind_days_before",
            "remind_every_days_after",
        ]

    def clean(self):
        data = super().clean()
        if data.get("due_days") is None and not (data.get("yearly_due_day") and data.get("yearly_due_month")):
            raise forms.ValidationError(_("Hãy đặt hạn nộp: số ngày sau khi công bố, hoặc một ngày hằng năm (ngày và tháng)."))
        return data


class MeasureForm(forms.Form):
    criterion = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.CharField(label=_("Biện pháp"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label=_("Người phụ trách"), max_length=200)
    due_on = forms.DateField(label=_("Thời hạn"), widget=DATE_INPUT, input_formats=["%Y-%m-%d", "%d/%m/%Y"])


class EvidenceForm(forms.Form):
    file = EvidenceFileField(label=_("Tệp minh chứng"), required=False)
    link = EvidenceLinkField(label=_("hoặc đường dẫn"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("link"):
            raise forms.ValidationError(_("Hãy chọn một tệp hoặc nhập một đường dẫn làm minh chứng."))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Duyệt")), ("return", _("Trả lại"))], label=_("Quyết định"))
    comment = forms.CharField(label=_("Ý kiến"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SelfSurveyForm(forms.Form):
    template = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=_("Đợt mẫu"))
    every_months = forms.IntegerField(label=_("Chu kỳ (tháng)"), min_value=1, max_value=12, initial=3)
    next_start = forms.DateField(label=_("Kỳ tới bắt đầu"), widget=DATE_INPUT, input_formats=["%Y-%m-%d", "%d/%m/%Y"])

    def __init__(self, *args, unit, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Campaign.objects.filter(organiser__path__startswith=unit.path).order_by("-year", "code")
