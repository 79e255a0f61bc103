"""The builder's forms. Each field keeps what was typed when another is wrong; rules live in the services,
whose Vietnamese messages are put back on the field they concern (`errors_to_form`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Channel, ChannelWindow, IndexSchemeCode
from units.models import Unit, UnitType

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def errors_to_form(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: an error whose code names a field of the form goes beside that
    field, the others above the form."""
    for item in error.error_list:
        code = item.code if item.code in form.fields else None
        form.add_error(code, item.messages[0] if code else item)


class UnitChoiceField(forms.ModelChoiceField):
    """Units by name, indented by depth, with their type (never an internal id)."""

    def label_from_instance(self, unit: Unit) -> str:
        return f"{'— ' * unit.depth}{unit.name} ({unit.type.name})"


class CampaignInfoForm(forms.Form):
    code = forms.SlugField(
        label=_("Mã đợt"), max_length=60, help_text=_("Chữ không dấu, số và dấu gạch ngang, ví dụ «sipas-2027». Dùng trong địa chỉ và tệp xuất."),
        error_messages={"invalid": _("Mã đợt chỉ gồm chữ không dấu, số, dấu gạch ngang và gạch dưới.")},
    )
    name = forms.CharField(label=_("Tên đợt khảo sát"), max_length=255)
    organiser = UnitChoiceField(
        label=_("Đơn vị tổ chức"), queryset=Unit.objects.none(),
        help_text=_("Đợt khảo sát bao phủ đơn vị này và mọi đơn vị trực thuộc đang hoạt động (xem cây bên dưới)."),
        error_messages={"invalid_choice": _("Hãy chọn một đơn vị trong danh sách.")},
    )
    fieldwork_start = forms.DateField(label=_("Bắt đầu khảo sát"), widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    fieldwork_end = forms.DateField(label=_("Kết thúc khảo sát"), widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    index_scheme = forms.ChoiceField(label=_("Phương pháp tính"), choices=IndexSchemeCode.choices)
    target_index = forms.DecimalField(
        label=_("Chỉ tiêu (%)"), required=False, min_value=0, max_value=100, decimal_places=2, max_digits=5,
        help_text=_("Để trống: lấy chỉ tiêu theo văn bản đang có hiệu lực cho phương pháp và năm, kèm căn cứ."),
    )
    target_source = forms.CharField(label=_("Căn cứ của chỉ tiêu"), max_length=255, required=False)

    def __init__(self, *args: Any, organisers: QuerySet[Unit], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers
        if editing:
            self.fields["code"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("fieldwork_start"), data.get("fieldwork_end")
        if start and end and end < start:
            self.add_error("fieldwork_end", _("Ngày kết thúc khảo sát không được trước ngày bắt đầu."))
        return data


def info_initial(campaign: Campaign) -> dict[str, Any]:
    return {
        "code": campaign.code, "name": campaign.name, "organiser": campaign.organiser_id, "fieldwork_start": campaign.fieldwork_start,
        "fieldwork_end": campaign.fieldwork_end, "index_scheme": campaign.index_scheme, "target_index": campaign.target_index,
        "target_source": campaign.target_source,
    }


class QuestionnairesForm(forms.Form):
    """One questionnaire per unit type the campaign surveys (a field per type, named `type_<code>`)."""

    def __init__(self, *args: Any, unit_types: list[UnitType], questionnaires: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_types = unit_types
        for unit_type in unit_types:
            self.fields[f"type_{unit_type.code}"] = forms.ModelChoiceField(
                label=unit_type.name, queryset=questionnaires, required=False, empty_label=_("— không khảo sát loại này —"),
                error_messages={"invalid_choice": _("Hãy chọn một phiếu trong danh sách.")},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not any(data.get(f"type_{unit_type.code}") for unit_type in self.unit_types):
            raise ValidationError(_("Hãy chọn phiếu cho ít nhất một loại đơn vị."), code=NON_FIELD_ERRORS)
        return data

    def chosen(self) -> dict[Any, list[UnitType]]:
        """The unit types of each chosen questionnaire."""
        by_questionnaire: dict[Any, list[UnitType]] = {}
        for unit_type in self.unit_types:
            questionnaire = self.cleaned_data.get(f"type_{unit_type.code}")
            if questionnaire is not None:
                by_questionnaire.setdefault(questionnaire, []).append(unit_type)
        return by_questionnaire


class WindowForm(forms.Form):
    channel = forms.ChoiceField(label=_("Kênh"), choices=Channel.choices)
    start = forms.DateField(label=_("Từ ngày"), widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    end = forms.DateField(label=_("Đến ngày"), widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    unit_types = forms.ModelMultipleChoiceField(
        label=_("Chỉ phục vụ loại đơn vị"), queryset=UnitType.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Không chọn: kênh phục vụ mọi đơn vị của đợt."),
    )

    def __init__(self, *args: Any, campaign: Campaign, unit_types: list[UnitType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["unit_types"].queryset = UnitType.objects.filter(pk__in=[unit_type.pk for unit_type in unit_types])
        self.fields["start"].initial = campaign.fieldwork_start
        self.fields["end"].initial = campaign.fieldwork_end

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end"):
            window = ChannelWindow(campaign=self.campaign, channel=data.get("channel", ""), start=data["start"], end=data["end"])
            for field, message in window.date_problems().items():
                self.add_error(field, message)
        return data
