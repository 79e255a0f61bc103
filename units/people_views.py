"""Pages of field staff accounts (units/people.py): the list with create, deactivate and reactivate, the
Excel list upload, and the password a new account must set at its first login."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from units.access import POLICY, Action
from units.models import Membership, Role, Unit
from units.people import (
    MANAGED_ROLES,
    PEOPLE_COLUMNS_HELP,
    PeopleError,
    password_changed,
    people_import,
    people_visible_to,
    person_create,
    person_for_actor,
    person_set_active,
    units_managed_by,
)
from units.selectors import membership_paths
from units.spreadsheets import ImportFailed


class PersonForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("Họ tên"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("Điện thoại"), max_length=30, required=False)
    unit = forms.ModelChoiceField(label=gettext_lazy("Đơn vị"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("Vai trò"), choices=[(role.value, role.label) for role in MANAGED_ROLES])

    def __init__(self, *args, actor, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_managed_by(actor)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


class PeopleUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp Excel (.xlsx)"))


def _require_manager(request: HttpRequest) -> None:
    """The pages are for those who manage people somewhere: 403 for other members, 404 for the rest."""
    if request.user.is_superuser or membership_paths(request.user, POLICY[Action.PEOPLE_MANAGE]):
        return
    if Membership.objects.filter(user=request.user).exists():
        raise PermissionDenied
    raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def people_list(request: HttpRequest) -> HttpResponse:
    """Enumerator and supervisor accounts of the official's subtree, and a form for a new one (its temporary
    password is shown in this answer only)."""
    _require_manager(request)
    form = PersonForm(request.POST or None, actor=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = person_create(actor=request.user, username=data["username"], full_name=data["full_name"], phone=data["phone"], unit=data["unit"], role=data["role"])
        except PeopleError as problem:
            for field, errors in problem.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form = PersonForm(actor=request.user)
    people = list(people_visible_to(request.user))
    return render(
        request,
        "units/people.html",
        {"form": form, "people": people, "created": [created] if created else [], "upload": PeopleUploadForm(), "columns": PEOPLE_COLUMNS_HELP, "roles": dict(Role.choices)},
        status=422 if request.method == "POST" and created is None else 200,
    )


@login_required
@require_POST
def person_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate or reactivate one account (POST "active" = 0 or 1)."""
    _require_manager(request)
    person = person_for_actor(request.user, user_id)
    active = request.POST.get("active") == "1"
    try:
        person_set_active(actor=request.user, user=person, active=active)
    except PeopleError as problem:
        for message in problem.messages:
            messages.error(request, message)
    else:
        if active:
            messages.success(request, _("Đã mở lại tài khoản %(user)s.") % {"user": person.username})
        else:
            messages.success(
                request,
                _("Đã khoá tài khoản %(user)s. Các trường hợp đang giao cho người này cần được chuyển cho người khác (trang «Trường hợp»).")
                % {"user": person.username},
            )
    return redirect("people")


@never_cache
@login_required
@require_POST
def people_upload(request: HttpRequest) -> HttpResponse:
    """An Excel list of accounts: all rows or none; the temporary passwords are shown once."""
    _require_manager(request)
    upload = PeopleUploadForm(request.POST, request.FILES)
    created, errors = [], []
    if upload.is_valid():
        try:
            created = people_import(actor=request.user, source=upload.cleaned_data["file"])
        except ImportFailed as failure:
            errors = [str(error) for error in failure.errors]
    else:
        errors = [error for field_errors in upload.errors.values() for error in field_errors]
    return render(
        request,
        "units/people.html",
        {"form": PersonForm(actor=request.user), "people": list(people_visible_to(request.user)), "created": created, "upload": upload,
         "upload_errors": errors, "columns": PEOPLE_COLUMNS_HELP, "roles": dict(Role.choices)},
        status=422 if errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Set one's own password (a new account's first login is sent here until it does)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    form.fields["old_password"].label = _("Mật khẩu hiện tại")
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        password_changed(user=form.user, request=request)
        messages.success(request, _("Đã đặt mật khẩu mới."))
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            target = "home"
        return redirect(target)
    return render(request, "units/password_change.html", {"form": form})
