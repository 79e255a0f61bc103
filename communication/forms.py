"""Forms of the communication pages: they read input; the rules live in communication.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communication.models import Activity, ActivityKind, CommunicationPlan
from communication.selectors import STATES, units_for_activity
from units.models import Unit, UnitType
from units.uploads import accepted_extensions

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})


class ActivityForm(forms.ModelForm):
    """An activity and its responsible units: every unit of the chosen types under a unit of the organiser's
    subtree, plus the units ticked one by one (stored per unit)."""

    root = forms.ModelChoiceField(
        label=_("Trong phạm vi"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Để trống: toàn bộ đơn vị tổ chức."),
    )
    unit_types = forms.ModelMultipleChoiceField(
        label=_("Giao cho mọi đơn vị thuộc loại"),
        queryset=UnitType.objects.none(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Và/hoặc từng đơn vị"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
        help_text=_("Các đơn vị đang được giao đã được chọn sẵn; bỏ chọn để thôi giao (đơn vị đã báo cáo thì không bỏ được)."),
    )

    class Meta:
        model = Activity
        fields = ["kind", "title", "description", "start", "deadline"]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select"}),
            "title": forms.TextInput(attrs={"class": "form-control"}),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            "start": _date_input(),
            "deadline": _date_input(),
        }

    def __init__(self, *args, organiser: Unit, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.organiser = organiser
        subtree = units_for_activity(organiser=organiser).select_related("type")
        self.fields["root"].queryset = subtree.filter(children__isnull=False).distinct()
        self.fields["unit_types"].queryset = UnitType.objects.filter(pk__in=subtree.values("type")).order_by("order", "name")
        self.fields["units"].queryset = subtree
        for name in ("start", "deadline"):
            self.fields[name].input_formats = DATE_FORMATS
        if self.instance.pk:
            self.initial["units"] = list(self.instance.tasks.values_list("unit_id", flat=True))

    def clean(self) -> dict:
        data = super().clean()
        start, deadline = data.get("start"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", _("Hạn hoàn thành phải từ ngày bắt đầu trở đi."))
        if not data.get("unit_types") and not data.get("units"):
            raise forms.ValidationError(_("Hãy chọn loại đơn vị hoặc từng đơn vị thực hiện."))
        return data

    def chosen_units(self) -> list[Unit]:
        """The responsible units: of the chosen types under the chosen scope, and those ticked one by one."""
        data = self.cleaned_data
        types = [t.code for t in data.get("unit_types") or []]
        chosen = {unit.pk: unit for unit in data.get("units") or []}
        if types:
            for unit in units_for_activity(organiser=self.organiser, root=data.get("root"), type_codes=types):
                chosen.setdefault(unit.pk, unit)
        return list(chosen.values())


class LetterForm(forms.ModelForm):
    class Meta:
        model = CommunicationPlan
        fields = ["letter_number", "letter_recipients", "signer_title", "signer_name"]
        widgets = {
            "letter_number": forms.TextInput(attrs={"class": "form-control"}),
            "letter_recipients": forms.Textarea(attrs={"class": "form-control", "rows": 4}),
            "signer_title": forms.TextInput(attrs={"class": "form-control"}),
            "signer_name": forms.TextInput(attrs={"class": "form-control"}),
        }


class ProgressFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại hoạt động"),
        required=False,
        choices=[("", _("Tất cả"))] + list(ActivityKind.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    state = forms.ChoiceField(
        label=_("Tình trạng"),
        required=False,
        choices=[("", _("Tất cả"))] + list(STATES.items()),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    unit_type = forms.ChoiceField(
        label=_("Loại đơn vị"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    q = forms.CharField(
        label=_("Tìm đơn vị"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "search"}),
    )

    def __init__(self, *args, organiser: Unit, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        types = UnitType.objects.filter(units__path__startswith=organiser.path).distinct().order_by("order", "name")
        self.fields["unit_type"].choices = [("", _("Tất cả"))] + [(t.code, t.name) for t in types]

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid choice is dropped: the page still shows everything)."""
        if not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data["kind"],
            "state": self.cleaned_data["state"],
            "unit_type": self.cleaned_data["unit_type"],
            "search": self.cleaned_data["q"],
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once; each is checked by the service (units.uploads) before anything is stored."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control", "accept": accepted_extensions()}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReportForm(forms.Form):
    files = MultipleFileField(label=_("Ảnh, tệp minh chứng"), required=False)
    links = forms.CharField(
        label=_("Đường dẫn minh chứng"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": "https://…"}),
        help_text=_("Mỗi dòng một đường dẫn (bài đăng trên trang thông tin, mạng xã hội…)."),
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=2000, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2})
    )

    def link_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("links", "").splitlines() if line.strip()]
