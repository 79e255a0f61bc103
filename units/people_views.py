"""Pages of field staff accounts (units/people.py): the list with create, deactivate and reactivate, and the
Excel list upload. A new account's first sign-in is held at the password change (units.middleware)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from units.access import Action, require_anywhere
from units.accounts import password_reset_candidates
from units.models import Unit
from units.people import (
    MANAGED_ROLES,
    PEOPLE_COLUMNS_HELP,
    PeopleError,
    people_import,
    people_visible_to,
    person_create,
    person_for_actor,
    person_set_active,
    units_managed_by,
)
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
    require_anywhere(request.user, Action.PEOPLE_MANAGE)


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
    return _page(request, form=form, created=[created] if created else [], status=422 if request.method == "POST" and created is None else 200)


def _page(request: HttpRequest, *, status: int, **context: object) -> HttpResponse:
    """The people page: the accounts, the two forms, and which accounts the official may give a temporary
    password (units.accounts, for one who forgot theirs)."""
    context = {"form": PersonForm(actor=request.user), "upload": PeopleUploadForm(), "created": [], **context}
    context |= {
        "people": list(people_visible_to(request.user)),
        "resettable": set(password_reset_candidates(request.user).values_list("pk", flat=True)),
        "columns": PEOPLE_COLUMNS_HELP,
    }
    return render(request, "units/people.html", context, status=status)


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
            errors = failure.messages()
    else:
        errors = [error for field_errors in upload.errors.values() for error in field_errors]
    return _page(request, created=created, upload=upload, upload_errors=errors, status=422 if errors else 200)
