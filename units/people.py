"""Field staff accounts: officials create and deactivate enumerator and supervisor accounts in their
subtree, one by one or from an Excel list (`import_people`), and a new account's first login asks for a
new password (`PasswordChangeRequiredMiddleware`, set at login by `remember_password_change`).

Every write asks the access policy (units.access, action people.manage) for each unit it touches: 404
outside the actor's subtree, 403 for a member without the role. A new account gets a temporary password,
shown once to whoever made it; only its hash is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from units.access import POLICY, Action, allowed, require
from units.models import AccountProfile, Membership, Role, Unit
from units.phones import normalise_phone
from units.selectors import membership_paths, subtree_q, unit_by_code
from units.services import audit_record, membership_grant
from units.spreadsheet_columns import column_map, text_key
from units.spreadsheets import CellError, ImportFailed, cell_text, open_workbook, read_rows

# The accounts officials manage; officials' own accounts are made by an administrator.
MANAGED_ROLES = (Role.ENUMERATOR, Role.SUPERVISOR)
ROLE_WORDS = {
    "enumerator": Role.ENUMERATOR, "điều tra viên": Role.ENUMERATOR, "dieu tra vien": Role.ENUMERATOR, "đtv": Role.ENUMERATOR,
    "supervisor": Role.SUPERVISOR, "giám sát viên": Role.SUPERVISOR, "giam sat vien": Role.SUPERVISOR, "gsv": Role.SUPERVISOR,
}
PEOPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("username", "tên đăng nhập", "ten_dang_nhap"),
    "full_name": ("full name", "full_name", "họ tên", "họ và tên", "ho_ten"),
    "phone": ("phone", "điện thoại", "số điện thoại", "so_dien_thoai"),
    "unit_code": ("unit code", "unit_code", "mã đơn vị", "ma_don_vi"),
    "role": ("role", "vai trò", "vai_tro"),
}
PEOPLE_COLUMNS_HELP = "username (tên đăng nhập), full name (họ tên), phone, unit code (mã đơn vị), role (enumerator / điều tra viên, supervisor / giám sát viên)"
# Readable on a phone screen and over the phone: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 10
SESSION_FLAG = "hl_must_change_password"


class PeopleError(ValidationError):
    """An account rule was broken; `message_dict` names the fields (Vietnamese). Nothing has been saved."""


@dataclass(frozen=True)
class NewAccount:
    user: User
    password: str  # the temporary password, shown once


def temporary_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def role_from_text(text: str) -> str | None:
    """A role as written in a list ("điều tra viên", "enumerator", …), or None."""
    return ROLE_WORDS.get(text_key(text))


def person_problems(*, username: str, full_name: str, phone: Any, role: str, taken: Callable[[str], bool]) -> tuple[dict[str, str], str]:
    """Field → what is wrong with a new account (Vietnamese), and the phone in its normal form."""
    problems: dict[str, str] = {}
    if not username:
        problems["username"] = _("Thiếu tên đăng nhập.")
    elif len(username) > 150:
        problems["username"] = _("Tên đăng nhập dài quá 150 ký tự.")
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            problems["username"] = _("Tên đăng nhập «%(name)s» chỉ gồm chữ, số và các ký tự @ . + - _.") % {"name": username}
        else:
            if taken(username):
                problems["username"] = _("Đã có tài khoản «%(name)s».") % {"name": username}
    if not full_name:
        problems["full_name"] = _("Thiếu họ tên.")
    elif len(full_name) > 150:
        problems["full_name"] = _("Họ tên dài quá 150 ký tự.")
    normal = ""
    try:
        normal = normalise_phone(phone)
    except ValueError:
        problems["phone"] = _("Số điện thoại «%(value)s» không hợp lệ.") % {"value": cell_text(phone)}
    if role not in MANAGED_ROLES:
        problems["role"] = _("Vai trò phải là điều tra viên hoặc giám sát viên.")
    return problems, normal


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _create(*, actor: User | AnonymousUser, username: str, full_name: str, phone: str, unit: Unit, role: str) -> NewAccount:
    password = temporary_password()
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    maker = actor if isinstance(actor, User) and actor.is_authenticated else None
    AccountProfile.objects.create(user=user, phone=phone, must_change_password=True, created_by=maker)
    membership_grant(user=user, unit=unit, role=role, actor=maker)
    audit_record(actor=maker, action="person.create", obj=user, changes={"username": username, "unit": unit.code, "role": role, "phone": phone})
    return NewAccount(user, password)


@transaction.atomic
def person_create(*, actor: User | AnonymousUser, username: str, full_name: str, phone: Any, unit: Unit, role: str) -> NewAccount:
    """An active enumerator or supervisor account at `unit` with a temporary password to change at first login.

    Raises Http404/PermissionDenied when `unit` is none of the actor's, PeopleError otherwise."""
    require(actor, Action.PEOPLE_MANAGE, unit)
    username, full_name = (username or "").strip(), (full_name or "").strip()
    problems, normal = person_problems(username=username, full_name=full_name, phone=phone, role=role, taken=_username_taken)
    if problems:
        raise PeopleError(problems)
    return _create(actor=actor, username=username, full_name=full_name, phone=normal, unit=unit, role=role)


@transaction.atomic
def person_set_active(*, actor: User | AnonymousUser, user: User, active: bool) -> None:
    """Deactivate (or reactivate) a field account: it can no longer log in, and its API keys stop working.

    The actor must manage every unit where the account holds a role; only enumerator and supervisor accounts,
    never their own. Raises Http404/PermissionDenied or PeopleError."""
    memberships = list(Membership.objects.filter(user=user).select_related("unit"))
    if not memberships and not (actor.is_authenticated and actor.is_superuser):
        raise Http404  # an account with no role is in nobody's subtree
    for membership in memberships:
        require(actor, Action.PEOPLE_MANAGE, membership.unit)
    if any(membership.role not in MANAGED_ROLES for membership in memberships):
        raise PeopleError(_("Chỉ khoá hoặc mở lại được tài khoản điều tra viên và giám sát viên."))
    if user.pk == getattr(actor, "pk", None):
        raise PeopleError(_("Không thể tự khoá tài khoản của mình."))
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    maker = actor if isinstance(actor, User) and actor.is_authenticated else None
    audit_record(actor=maker, action="person.reactivate" if active else "person.deactivate", obj=user, changes={"username": user.username})


def people_visible_to(actor: User | AnonymousUser) -> QuerySet[User]:
    """Accounts holding an enumerator or supervisor role in the subtrees where `actor` manages people."""
    memberships = Membership.objects.filter(role__in=MANAGED_ROLES)
    if not (actor.is_authenticated and actor.is_superuser):
        memberships = memberships.filter(subtree_q(membership_paths(actor, POLICY[Action.PEOPLE_MANAGE]), "unit"))
    return (
        User.objects.filter(pk__in=memberships.values("user"))
        .select_related("account_profile")
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("unit").order_by("unit__path", "role")))
        .order_by("-is_active", "username")
    )


def person_for_actor(actor: User | AnonymousUser, user_id: Any) -> User:
    """One account of `people_visible_to(actor)`, or 404."""
    return get_object_or_404(people_visible_to(actor), pk=user_id)


def units_managed_by(actor: User | AnonymousUser) -> QuerySet[Unit]:
    """Units where `actor` may create accounts."""
    units = Unit.objects.filter(is_active=True).select_related("type").order_by("path")
    if actor.is_authenticated and actor.is_superuser:
        return units
    return units.filter(subtree_q(membership_paths(actor, POLICY[Action.PEOPLE_MANAGE])))


# --- import ----------------------------------------------------------------------------------------


def people_validate_rows(
    sheet: str, columns: dict[str, str], records: list[tuple[int, dict[str, Any]]], *, actor: User | AnonymousUser
) -> tuple[list[dict[str, Any]], list[CellError]]:
    """Every row checked: new username (also within the file), name, phone, a unit the actor manages, a role."""
    errors: list[CellError] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    existing = {name.lower() for name in User.objects.values_list("username", flat=True)}
    for number, record in records:
        values = {name: cell_text(record.get(columns[name])) if name in columns else "" for name in PEOPLE_COLUMNS}
        role = role_from_text(values["role"]) or values["role"]
        problems, phone = person_problems(
            username=values["username"], full_name=values["full_name"], phone=record.get(columns["phone"]) if "phone" in columns else None,
            role=role, taken=lambda name: name.lower() in existing or name.lower() in seen,
        )
        unit = unit_by_code(values["unit_code"]) if values["unit_code"] else None
        if not values["unit_code"]:
            problems["unit_code"] = _("Thiếu mã đơn vị.")
        elif unit is None or not allowed(actor, Action.PEOPLE_MANAGE, unit):
            problems["unit_code"] = _("Không tìm thấy đơn vị «%(code)s» trong phạm vi của bạn.") % {"code": values["unit_code"]}
        seen.add(values["username"].lower())
        if problems:
            errors.extend(CellError(sheet, number, columns.get(field, field), message) for field, message in problems.items())
            continue
        rows.append({"username": values["username"], "full_name": values["full_name"], "phone": phone, "unit": unit, "role": role})
    return rows, errors


def people_import(*, actor: User | AnonymousUser, source: str | IO[bytes]) -> list[NewAccount]:
    """Create the accounts of an Excel list (username, full name, phone, unit code, role). All or none.

    Raises ImportFailed listing every error by row (nothing saved); returns the accounts with their
    temporary passwords, to hand over once."""
    if not (actor.is_authenticated and (actor.is_superuser or membership_paths(actor, POLICY[Action.PEOPLE_MANAGE]))):
        raise PermissionDenied
    workbook = open_workbook(source)
    sheet, header, records = read_rows(workbook)
    columns = column_map(sheet, header, PEOPLE_COLUMNS, ("username", "full_name", "unit_code", "role"))
    if not records:
        raise ImportFailed([CellError(sheet, 2, None, _("Tệp không có dòng dữ liệu nào."))])
    rows, errors = people_validate_rows(sheet, columns, records, actor=actor)
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        return [_create(actor=actor, **row) for row in rows]


# --- the first login ---------------------------------------------------------------------------------


def remember_password_change(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """At login (signal user_logged_in): an account still on its temporary password must set its own first."""
    if request is not None and hasattr(request, "session") and AccountProfile.objects.filter(user=user, must_change_password=True).exists():
        request.session[SESSION_FLAG] = True


def password_changed(*, user: User, request: HttpRequest) -> None:
    """The user set their own password: the temporary one is gone, the pages open again."""
    AccountProfile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    request.session.pop(SESSION_FLAG, None)
    audit_record(actor=user, action="person.password_set", obj=user, changes={})


# Addresses open before the new password is set: the change page itself, logging out, assets, the service
# worker, the language switch and the JSON API (its callers are tools and the browser's queue, not people).
OPEN_PREFIXES = ("/static/", "/dang-xuat/", "/i18n/", "/api/", "/sw.js", "/ngoai-tuyen/")


class PasswordChangeRequiredMiddleware:
    """Sends a user who logged in with a temporary password to the password page until they set one.

    Reads only the session (no query per request); after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_FLAG) and request.user.is_authenticated:
            target = reverse("account_password_change")
            if request.path != target and not request.path.startswith(OPEN_PREFIXES):
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET" else target)
        return self.get_response(request)

