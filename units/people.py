"""Field staff accounts: officials create and deactivate enumerator and supervisor accounts in their
subtree, one by one or from an Excel list (`import_people`).

Every write asks the access policy (units.access, action people.manage) for each unit it touches: 404
outside the actor's subtree, 403 for a member without the role. A new account gets a temporary password
(units.accounts, as one an official sets for a user who forgot theirs), shown once to whoever made it;
only its hash is stored, and the account gate (units.middleware) asks for a new one at the first sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from units.access import Action, allowed, require, require_anywhere, scope
from units.accounts import temporary_password
from units.models import AccountProfile, Membership, PasswordChangeRequired, Role, Unit
from units.phones import normalise_phone
from units.selectors import unit_by_code
from units.services import Actor, audit_record, membership_grant
from units.spreadsheets import CellError, ImportFailed, cell_text, column_map, open_workbook, read_rows, text_key

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


class PeopleError(ValidationError):
    """An account rule was broken; `message_dict` names the fields (Vietnamese). Nothing has been saved."""


@dataclass(frozen=True)
class NewAccount:
    user: User
    password: str  # the temporary password, shown once


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


def _create(*, actor: Actor, username: str, full_name: str, phone: str, unit: Unit, role: str) -> NewAccount:
    password = temporary_password()
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    maker = actor if isinstance(actor, User) and actor.is_authenticated else None
    AccountProfile.objects.create(user=user, phone=phone, created_by=maker)
    PasswordChangeRequired.objects.create(user=user, set_by=maker)
    membership_grant(user=user, unit=unit, role=role, actor=actor)
    audit_record(actor=actor, action="person.create", obj=user, changes={"username": username, "unit": unit.code, "role": role, "phone": phone})
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
    audit_record(actor=actor, action="person.reactivate" if active else "person.deactivate", obj=user, changes={"username": user.username})


def people_visible_to(actor: User | AnonymousUser) -> QuerySet[User]:
    """Accounts holding an enumerator or supervisor role in the subtrees where `actor` manages people."""
    memberships = scope(actor, Action.PEOPLE_MANAGE, Membership.objects.filter(role__in=MANAGED_ROLES), "unit")
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
    return scope(actor, Action.PEOPLE_MANAGE, Unit.objects.filter(is_active=True).select_related("type").order_by("path"))


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
    temporary passwords, to hand over once. Each row's unit asks units.access; an actor who manages people
    nowhere gets Http404 (no role at all) or PermissionDenied before the file is read."""
    require_anywhere(actor, Action.PEOPLE_MANAGE)
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
