"""Forms of the data-collection pages: review filters and actions, response import upload."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Channel
from surveys.models import FlagKind, ResponseStatus
from surveys.selectors import FLAG_ANY, REVIEW_ROLES
from surveys.services.review import REASON_REQUIRED
from units.access import Action, scope
from units.forms import unit_in_scope
from units.models import Unit
from units.selectors import scope_queryset

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def campaigns_for_review(user: User | AnonymousUser) -> QuerySet[Campaign]:
    return scope_queryset(Campaign.objects.all(), user=user, field="organiser", roles=REVIEW_ROLES) | Campaign.objects.filter(
        pk__in=scope_queryset(Campaign.objects.all(), user=user, field="quotas__unit", roles=REVIEW_ROLES).values("pk")
    )


class ReviewFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Đợt khảo sát"), queryset=Campaign.objects.none(), required=False, empty_label=_("Tất cả"))
    unit = forms.CharField(label=_("Mã đơn vị"), required=False, max_length=40)
    channel = forms.ChoiceField(label=_("Kênh"), choices=[("", _("Tất cả")), *Channel.choices], required=False)
    enumerator = forms.CharField(label=_("Điều tra viên (tên đăng nhập)"), required=False, max_length=150)
    status = forms.ChoiceField(label=_("Trạng thái"), choices=[("", _("Tất cả")), *ResponseStatus.choices], required=False)
    date_from = forms.DateField(label=_("Gửi từ ngày"), required=False, input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    date_to = forms.DateField(label=_("đến ngày"), required=False, input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    flag = forms.ChoiceField(
        label=_("Cờ chất lượng"), required=False, choices=[("", _("Tất cả")), (FLAG_ANY, _("Có cờ (mọi loại)")), *FlagKind.choices]
    )

    def __init__(self, *args, user: User | AnonymousUser, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["campaign"].queryset = campaigns_for_review(user).distinct().order_by("-year", "code")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean_unit(self) -> Unit | None:
        return unit_in_scope(self.cleaned_data.get("unit", ""), user=self.user, roles=REVIEW_ROLES)


class ReviewActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Thao tác"),
        choices=[("approve", _("Duyệt")), ("reject", _("Loại")), ("return", _("Gửi lại điều tra viên")), ("hold", _("Tạm giữ"))],
    )
    reason = forms.CharField(label=_("Lý do"), required=False, max_length=500, widget=forms.TextInput(attrs={"class": "form-control"}))
    # Approve and open the next response of the list's filter (the filter travels as `query`).
    next = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action in REASON_REQUIRED and not (data.get("reason") or "").strip():
            self.add_error("reason", str(REASON_REQUIRED[action]))
        return data


class BulkReviewForm(ReviewActionForm):
    ids = forms.TypedMultipleChoiceField(label=_("Phiếu"), coerce=int, required=False, choices=[])
    # «Chọn tất cả N phiếu khớp bộ lọc»: every response the filter in `query` matches, re-read on the server;
    # `expected` is the N the reviewer confirmed, refused when the filter now matches another number.
    all_matching = forms.BooleanField(required=False)
    expected = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the view keeps only those the user may review.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("all_matching"):
            if data.get("expected") is None:
                self.add_error("expected", _("Cần xác nhận số phiếu khớp bộ lọc."))
        elif not data.get("ids"):
            self.add_error("ids", _("Hãy chọn ít nhất một phiếu."))
        return data


class ResponseImportForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Đợt khảo sát"), queryset=Campaign.objects.none())
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))

    def __init__(self, *args, user: User | AnonymousUser, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = scope(user, Action.RESPONSES_IMPORT, Campaign.objects.all(), "organiser")
