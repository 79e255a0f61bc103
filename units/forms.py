"""Forms of the account pages (a personal API key), and what forms of other apps share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import ApiToken, Unit
from units.selectors import scope_queryset, unit_by_code


def unit_in_scope(code: str, *, user: User | AnonymousUser, roles: Iterable[str]) -> Unit | None:
    """A filter's unit code (any letter case) among the units where `user` holds one of `roles`; None when
    blank; a ValidationError in Vietnamese when it is unknown or outside the user's subtrees."""
    code = (code or "").strip()
    if not code:
        return None
    unit = unit_by_code(code, scope_queryset(Unit.objects.all(), user=user, roles=roles))
    if unit is None:
        raise forms.ValidationError(_("Không tìm thấy đơn vị «%(code)s» trong phạm vi của bạn.") % {"code": code})
    return unit


def rule_errors_on_fields(form: forms.BaseForm, problem: ValidationError) -> None:
    """Show a service's refusal on the form: each error next to the field its code names (services that
    know the field give it as the code), the others above the form."""
    for error in problem.error_list:
        form.add_error(error.code if error.code in form.fields else None, error.messages)


class ApiTokenForm(forms.Form):
    """Name and optional last day of a new key; also reads the command line's --name and --expires."""

    name = forms.CharField(
        label=_("Tên khoá"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("Khoá dùng cho việc gì, ví dụ «Tổng đài 1022»."),
    )
    # Named after the service's argument, so that its errors land on this field.
    expires_at = forms.DateField(
        label=_("Dùng được đến hết ngày"),
        required=False,
        help_text=_("dd/mm/yyyy; để trống nếu khoá không hết hạn."),
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off"}),
    )

    def clean_expires_at(self) -> dt.datetime | None:
        """The last day, as the moment it ends in Vietnam: the key works through the whole day entered."""
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time.max))
