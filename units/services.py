"""Every write to units, memberships, personal API keys and the audit log."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import (
    API_KEY_PREFIX,
    API_KEY_SHOWN_CHARS,
    DEFAULT_UNIT_TYPES,
    PATH_SEPARATOR,
    ApiToken,
    AuditEntry,
    ImportJob,
    Membership,
    Role,
    Unit,
    UnitType,
    api_key_digest,
)
from units.selectors import user_may_hold_api_keys
from units.spreadsheets import CellError, ErrorList, ImportFailed, cell_text, open_workbook, read_rows, require_columns


def audit_record(*, actor: User | None, action: str, obj: models.Model, changes: dict[str, Any] | None = None) -> None:
    """Write one audit row; callers run it inside the transaction of the change itself."""
    AuditEntry.objects.create(
        actor=actor if isinstance(actor, User) and actor.is_authenticated else None,  # the system actor has no row
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=json.loads(json.dumps(changes or {}, default=str)),
    )


def unit_types_ensure() -> None:
    """Create the built-in unit types that are missing (idempotent)."""
    for order, (code, name, name_en) in enumerate(DEFAULT_UNIT_TYPES):
        UnitType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


@transaction.atomic
def unit_save(*, unit: Unit, actor: User | None = None) -> Unit:
    """Save a unit, keeping `path` and `depth` of it and its whole subtree right.

    Caller guarantees the parent is not inside the unit's own subtree (the admin form checks it).
    """
    old_path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first() if unit.pk else None
    creating = unit.pk is None
    unit.path = unit.compute_path()
    unit.depth = unit.path.count(PATH_SEPARATOR) - 1
    unit.save()
    if old_path and old_path != unit.path:
        depth_shift = unit.depth - (old_path.count(PATH_SEPARATOR) - 1)
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.depth += depth_shift
            child.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor,
        action="unit.create" if creating else "unit.update",
        obj=unit,
        changes={"code": unit.code, "name": unit.name, "parent": unit.parent.code if unit.parent else None},
    )
    return unit


OFFICIAL_GROUP = "Cán bộ quản lý khảo sát"


def official_group() -> Group:
    """The group that lets officials configure campaigns in the admin (scoped to their subtree there)."""
    group, _created = Group.objects.get_or_create(name=OFFICIAL_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["units", "campaigns", "surveys", "reports"]))
    return group


def _sync_admin_access(user: User) -> None:
    """Officials use the admin; a user loses it with their last official role (superusers keep theirs)."""
    is_official = Membership.objects.filter(user=user, role=Role.OFFICIAL).exists()
    if is_official:
        user.groups.add(official_group())
    else:
        user.groups.remove(*Group.objects.filter(name=OFFICIAL_GROUP))
    if not user.is_superuser and user.is_staff != is_official:
        user.is_staff = is_official
        user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_grant(*, user: User, unit: Unit, role: str, actor: User | None = None) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit_record(actor=actor, action="membership.grant", obj=membership, changes={"user": user.username, "unit": unit.code, "role": role})
        _sync_admin_access(user)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: User | None = None) -> None:
    audit_record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        changes={"user": membership.user.username, "unit": membership.unit.code, "role": membership.role},
    )
    membership.delete()
    _sync_admin_access(membership.user)


class ApiTokenRuleError(ValidationError):
    """A key could not be created; the messages (by argument name) say why, in Vietnamese. Nothing has been saved."""


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: User | None, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a personal API key for `user`; the key itself is returned here once and never stored.

    Raises ApiTokenRuleError when the user may not hold keys (inactive, or no role that submits responses),
    the name is blank or too long, or `expires_at` is not in the future. Caller guarantees that `actor`
    may act for `user` (the user themself, or an administrator; None for the command line).
    """
    name = name.strip()
    problems: dict[str, list[str]] = {}
    if not user.is_active:
        problems[NON_FIELD_ERRORS] = [_("Tài khoản «%(user)s» đã bị vô hiệu hoá.") % {"user": user.username}]
    elif not user_may_hold_api_keys(user):
        problems[NON_FIELD_ERRORS] = [_("Tài khoản «%(user)s» không có vai trò nhập phiếu nên không được tạo khoá API.") % {"user": user.username}]
    if not name:
        problems["name"] = [_("Hãy ghi khoá dùng cho việc gì.")]
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        problems["name"] = [_("Tên khoá dài tối đa %(n)d ký tự.") % {"n": ApiToken._meta.get_field("name").max_length}]
    if expires_at is not None and expires_at <= timezone.now():
        problems["expires_at"] = [_("Ngày hết hạn đã qua.")]
    if problems:
        raise ApiTokenRuleError(problems)
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw_key[:API_KEY_SHOWN_CHARS],
        key_hash=api_key_digest(raw_key),
        expires_at=expires_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        changes={"user": user.username, "name": name, "prefix": token.prefix, "expires_at": expires_at},
    )
    return token, raw_key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> bool:
    """Revoke a key now: the next request with it is refused. Returns False when it was already revoked (nothing changes).

    Caller guarantees that `actor` may act for the key's user (the page looks the key up among the user's own).
    """
    now = timezone.now()
    # A conditional UPDATE: two clicks at once revoke (and audit) the key once.
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.refresh_from_db(fields=["revoked_at"])
        return False
    token.revoked_at = now
    audit_record(actor=actor, action="api_token.revoke", obj=token, changes={"user": token.user.username, "name": token.name, "prefix": token.prefix})
    return True


def _bulk_add_units(rows: Iterable[dict[str, Any]], *, actor: User | None, action: str) -> int:
    """Create or update units given as dicts (code, name, type, parent_code), parents before children.

    Codes are matched in any letter case (a unit keeps the code it was saved with). Units that exist with
    the same name, type and parent are left untouched, so a rerun changes nothing.
    """
    types = {t.code: t for t in UnitType.objects.all()}
    existing = {u.code.upper(): u for u in Unit.objects.select_related("type", "parent")}
    changed = 0
    for row in rows:
        parent = existing.get(row["parent_code"].upper()) if row["parent_code"] else None
        unit = existing.get(row["code"].upper())
        unit_type = types[row["type"]]
        if unit is not None and unit.name == row["name"] and unit.type_id == unit_type.pk and unit.parent_id == (parent.pk if parent else None):
            continue
        unit = unit or Unit(code=row["code"])
        unit.name, unit.type, unit.parent = row["name"], unit_type, parent
        unit.path = unit.compute_path()
        unit.depth = unit.path.count(PATH_SEPARATOR) - 1
        unit.save()
        existing[unit.code.upper()] = unit
        changed += 1
    if changed:
        AuditEntry.objects.create(
            actor=actor if isinstance(actor, User) and actor.is_authenticated else None,  # the system actor has no row
            action=action,
            object_type="units.unit",
            object_id="*",
            object_repr=_("%(n)d đơn vị") % {"n": changed},
            changes={"count": changed},
        )
    return changed


@transaction.atomic
def units_load_national(*, actor: User | None = None) -> int:
    """Load Vietnam's provinces and communes (official codes, from `vietnam-provinces`). Returns units changed."""
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    unit_types_ensure()
    divisions = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for province in divisions:
        province_code = f"{province['code']:02d}"
        rows.append({"code": province_code, "name": province["name"], "type": "province", "parent_code": ""})
        for ward in province["wards"]:
            rows.append({"code": f"{ward['code']:05d}", "name": ward["name"], "type": "commune", "parent_code": province_code})
    return _bulk_add_units(rows, actor=actor, action="unit.load_national")


def _type_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for unit_type in UnitType.objects.all():
        for key in (unit_type.code, unit_type.name, unit_type.name_en):
            if key:
                lookup[key.strip().lower()] = unit_type.code
    return lookup


UNIT_NAME_MAX = Unit._meta.get_field("name").max_length


def units_validate_rows(sheet: str, records: list[tuple[int, dict[str, Any]]]) -> tuple[list[dict[str, Any]], ErrorList]:
    """Check every row of a unit sheet; return the rows in parent-first order and the errors found."""
    errors = ErrorList()
    types = _type_lookup()
    known = {code.upper() for code in Unit.objects.values_list("code", flat=True)}
    seen: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for number, record in records:
        code = cell_text(record.get("code"))
        name = cell_text(record.get("name"))
        type_text = cell_text(record.get("type"))
        parent_code = cell_text(record.get("parent_code"))
        if not code:
            errors.append(CellError(sheet, number, "code", _("Thiếu mã đơn vị.")))
        elif PATH_SEPARATOR in code or len(code) > 40:
            errors.append(CellError(sheet, number, "code", _("Mã «%(code)s» không hợp lệ (tối đa 40 ký tự, không có «/»).") % {"code": code}))
        elif code.upper() in seen:
            errors.append(CellError(sheet, number, "code", _("Mã «%(code)s» bị trùng với dòng %(row)d.") % {"code": code, "row": seen[code.upper()]}))
        else:
            seen[code.upper()] = number
        if not name:
            errors.append(CellError(sheet, number, "name", _("Thiếu tên đơn vị.")))
        elif len(name) > UNIT_NAME_MAX:
            errors.append(CellError(sheet, number, "name", _("Tên dài quá %(n)d ký tự.") % {"n": UNIT_NAME_MAX}))
        type_code = types.get(type_text.lower())
        if type_code is None:
            errors.append(CellError(sheet, number, "type", _("Loại đơn vị «%(type)s» không tồn tại.") % {"type": type_text}))
        rows.append({"row": number, "code": code, "name": name, "type": type_code, "parent_code": parent_code})
    for row in rows:
        if row["parent_code"] and row["parent_code"].upper() not in known and row["parent_code"].upper() not in seen:
            errors.append(CellError(sheet, row["row"], "parent_code", _("Không tìm thấy đơn vị cha «%(code)s».") % {"code": row["parent_code"]}))
    if errors:
        return [], errors
    return _parent_first(sheet, rows, known, errors), errors


def _parent_first(sheet: str, rows: list[dict[str, Any]], known: set[str], errors: ErrorList) -> list[dict[str, Any]]:
    """Order rows so each parent comes before its children; report cycles as errors."""
    placed = set(known)
    ordered: list[dict[str, Any]] = []
    pending = list(rows)
    while pending:
        ready = [
            row for row in pending
            if not row["parent_code"] or row["parent_code"].upper() in placed and row["parent_code"].upper() != row["code"].upper()
        ]
        if not ready:
            for row in pending:
                errors.append(CellError(sheet, row["row"], "parent_code", _("Đơn vị cha tạo thành vòng lặp.")))
            return []
        for row in ready:
            ordered.append(row)
            placed.add(row["code"].upper())
        pending = [row for row in pending if row not in ready]
    return ordered


def units_import(*, source: str | IO[bytes], actor: User | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Import units from an Excel file with columns code, name, type, parent_code. All or nothing.

    Raises ImportFailed with every error found; returns the number of units created or changed.
    `progress` (a job's) hears how far it got, 0–100.
    """
    workbook = open_workbook(source)
    sheet, header, records = read_rows(workbook, progress=progress)
    require_columns(sheet, header, ["code", "name", "type", "parent_code"])
    if not records:
        raise ImportFailed([CellError(sheet, 2, None, _("Tệp không có dòng dữ liệu nào."))])
    rows, errors = units_validate_rows(sheet, records)
    if errors:
        raise ImportFailed(errors)
    if progress is not None:
        progress(70)
    with transaction.atomic():
        return _bulk_add_units(rows, actor=actor, action="unit.import")


def units_import_job(job: ImportJob, source: IO[bytes], progress: Callable[[int], None]) -> str:
    """A job's run of `units_import` (units.import_jobs): the summary to show."""
    changed = units_import(source=source, actor=job.requested_by, progress=progress)
    return _("Đã nhập %(n)d đơn vị.") % {"n": changed}
