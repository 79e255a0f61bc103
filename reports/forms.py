"""Forms of the report pages: dashboard filters and export requests."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignForm, Channel
from reports.dashboards import Reach
from units.models import Unit
from units.selectors import unit_by_code


class DashboardFilterForm(forms.Form):
    """Filters of the campaign dashboard; the unit is a code checked against what the user may see."""

    form = forms.TypedChoiceField(label=_("Phiếu"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("Kênh"), required=False)
    unit = forms.CharField(label=_("Mã đơn vị"), required=False, max_length=40)
    rank_intervals = forms.BooleanField(label=_("Khoảng hạng"), required=False)

    def __init__(self, *args, reach: Reach, forms_: list[CampaignForm], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reach = reach
        self.fields["form"].choices = [("", _("Tất cả phiếu"))] + [(f.pk, f.questionnaire.title) for f in forms_]
        self.fields["channel"].choices = [("", _("Tất cả kênh")), *Channel.choices]

    def clean_unit(self) -> Unit | None:
        code = (self.cleaned_data.get("unit") or "").strip()
        if not code:
            return None
        unit = unit_by_code(code)
        if unit is None or not self.reach.covers(unit):
            raise forms.ValidationError(_("Không có đơn vị mã «%(code)s» trong phạm vi đợt khảo sát mà bạn được xem."), params={"code": code})
        return unit


EXPORT_KINDS = [
    ("report", _("Báo cáo Excel của Sở (tổng hợp, tiêu chí, xếp hạng)")),
    ("raw_xlsx", _("Dữ liệu thô (Excel, mỗi phiếu một dòng)")),
    ("raw_csv", _("Dữ liệu thô (CSV, UTF-8)")),
]


class ExportRequestForm(forms.Form):
    """What to export; without `raw_allowed` (units.access RAW_EXPORT) only the report, without raw rows."""

    kind = forms.ChoiceField(label=_("Loại tệp"), choices=EXPORT_KINDS)
    codes = forms.BooleanField(label=_("Ghi mã thay cho nhãn câu trả lời (dữ liệu thô)"), required=False)
    include_raw = forms.BooleanField(label=_("Kèm trang dữ liệu thô trong báo cáo"), required=False)

    def __init__(self, *args, raw_allowed: bool, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not raw_allowed:
            self.fields["kind"].choices = EXPORT_KINDS[:1]
            del self.fields["codes"], self.fields["include_raw"]

    def filters(self) -> dict[str, object]:
        return {"codes": self.cleaned_data.get("codes", False), "include_raw": self.cleaned_data.get("include_raw", False)}


class PublishForm(forms.Form):
    """The confirmation of a publication: the checksum of the figures the official reviewed, and what changed."""

    checksum = forms.CharField(widget=forms.HiddenInput, min_length=64, max_length=64)
    change_note = forms.CharField(
        label=_("Ghi chú thay đổi"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bắt buộc khi công bố lại: điều gì thay đổi so với phiên bản trước (ví dụ: bổ sung phiếu giấy của 2 xã)."),
    )
