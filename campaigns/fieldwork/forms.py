"""Forms of the fieldwork pages: they read input; the rules live in campaigns.fieldwork.services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.fieldwork import clock
from campaigns.fieldwork.dispositions import RECORDABLE_OUTCOMES, ContactOutcome
from campaigns.models import Campaign
from units.access import POLICY, Action
from units.forms import unit_in_scope
from units.models import Membership, Role, Unit
from units.selectors import membership_paths, scope_queryset, subtree_q

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Kết quả"), choices=[(c.value, c.label) for c in RECORDABLE_OUTCOMES], widget=forms.RadioSelect)
    appointment_date = forms.DateField(
        label=_("Ngày hẹn"), required=False, input_formats=DATE_FORMATS, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
    )
    appointment_time = forms.TimeField(
        label=_("Giờ hẹn"), required=False, input_formats=["%H:%M", "%H:%M:%S", "%Hh%M"], widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"})
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, today: dt.date | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.today = today or clock.today()
        self.fields["appointment_date"].initial = self.today

    def appointment_at(self) -> dt.datetime | None:
        """The appointment as an aware local time (the date defaults to today), None without a time."""
        data = self.cleaned_data
        if data.get("outcome") != ContactOutcome.APPOINTMENT or data.get("appointment_time") is None:
            return None
        day = data.get("appointment_date") or self.today
        return timezone.make_aware(dt.datetime.combine(day, data["appointment_time"]))


def enumerators_for(actor: User | AnonymousUser) -> QuerySet[User]:
    """Active users holding the enumerator role at a unit where `actor` may reassign cases."""
    paths = membership_paths(actor, POLICY[Action.CASES_REASSIGN]) if not actor.is_superuser else [""]
    memberships = Membership.objects.filter(role=Role.ENUMERATOR).filter(subtree_q(paths, "unit"))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user")).order_by("username")


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(
        label=_("Chuyển cho điều tra viên"),
        queryset=User.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("Người nhận không phải điều tra viên trong phạm vi của bạn.")},
    )
    reason = forms.CharField(label=_("Lý do"), max_length=500, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, actor: User | AnonymousUser, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = enumerators_for(actor)
        self.fields["to_user"].label_from_instance = lambda user: f"{user.get_full_name() or user.username} ({user.username})"


class CaseFilterForm(forms.Form):
    STATES = [("", _("Tất cả")), ("open", _("Đang liên hệ")), ("closed", _("Đã kết thúc")), ("unassigned", _("Chưa giao"))]
    campaign = forms.ModelChoiceField(label=_("Đợt khảo sát"), queryset=Campaign.objects.none(), required=False, empty_label=_("Tất cả"))
    unit = forms.CharField(label=_("Mã đơn vị"), required=False, max_length=40)
    enumerator = forms.ModelChoiceField(label=_("Điều tra viên"), queryset=User.objects.none(), required=False, empty_label=_("Tất cả"))
    state = forms.ChoiceField(label=_("Tình trạng"), choices=STATES, required=False)

    def __init__(self, *args, actor: User | AnonymousUser, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.actor = actor
        roles = POLICY[Action.CASES_READ]
        self.fields["campaign"].queryset = Campaign.objects.filter(
            pk__in=scope_queryset(Campaign.objects.all(), user=actor, field="assignments__quota__unit", roles=roles).values("pk")
        ).order_by("-year", "code")
        self.fields["enumerator"].queryset = enumerators_for(actor)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean_unit(self) -> Unit | None:
        return unit_in_scope(self.cleaned_data.get("unit", ""), user=self.actor, roles=POLICY[Action.CASES_READ])
