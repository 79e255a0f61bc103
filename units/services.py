"""Every write to units, memberships, personal API keys and the audit log."""

from __future__ import annotations

import copy
import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.access import Action, allowed, allowed_anywhere, require
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

Actor = User | AnonymousUser  # a signed-in user, or units.access.SYSTEM for commands

# Unit types of the national administrative divisions (loaded by load_units): only superusers change them.
NATIONAL_TYPES = frozenset({"province", "district", "commune"})


def audit_unit(obj: models.Model) -> Unit | None:
    """The unit an audit row about `obj` concerns (AuditEntry.unit): the unit itself, the row's unit,
    a campaign's organiser, a questionnaire's owner; through `campaign` or `questionnaire` for their parts."""
    if isinstance(obj, Unit):
        return obj if obj.pk else None
    for name in ("unit", "organiser", "owner"):
        value = getattr(obj, name, None)
        if isinstance(value, Unit):
            return value
    for name in ("campaign", "questionnaire"):
        parent = getattr(obj, name, None)
        if isinstance(parent, models.Model):
            return audit_unit(parent)
    return None


def audit_entry(*, actor: Actor | None, action: str, obj: models.Model, changes: dict[str, Any] | None = None) -> AuditEntry:
    """One unsaved audit row (see audit_record); imports build many and save them at once."""
    return AuditEntry(
        actor=actor if isinstance(actor, User) and actor.is_authenticated else None,  # the system actor has no row
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=json.loads(json.dumps(changes or {}, default=str)),
        unit=audit_unit(obj),
    )


def audit_record(*, actor: Actor | None, action: str, obj: models.Model, changes: dict[str, Any] | None = None) -> None:
    """Write one audit row; callers run it inside the transaction of the change itself."""
    audit_entry(actor=actor, action=action, obj=obj, changes=changes).save()


def unit_types_ensure() -> None:
    """Create the built-in unit types that are missing (idempotent)."""
    for order, (code, name, name_en) in enumerate(DEFAULT_UNIT_TYPES):
        UnitType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


@transaction.atomic
def unit_type_save(*, unit_type: UnitType, actor: Actor) -> UnitType:
    """Create or change a unit type (the list every province shares): superusers only; audited with the change."""
    require(actor, Action.UNIT_TYPES_WRITE, None)
    stored = UnitType.objects.filter(pk=unit_type.pk).values("code", "name", "name_en", "order").first() if unit_type.pk else None
    unit_type.save()
    fields = ("code", "name", "name_en", "order")
    changes = {f: [stored[f], getattr(unit_type, f)] for f in fields if stored[f] != getattr(unit_type, f)} if stored else {f: getattr(unit_type, f) for f in fields}
    audit_record(actor=actor, action="unit_type.create" if stored is None else "unit_type.update", obj=unit_type, changes=changes)
    return unit_type


@transaction.atomic
def unit_type_delete(*, unit_type: UnitType, actor: Actor) -> None:
    """Delete a unit type no unit uses (the database protects used ones): superusers only; audited."""
    require(actor, Action.UNIT_TYPES_WRITE, None)
    audit_record(actor=actor, action="unit_type.delete", obj=unit_type, changes={"code": unit_type.code, "name": unit_type.name})
    unit_type.delete()


def unit_write_refusal(
    *, actor: Actor, stored: Unit | None, parent: Unit | None, parent_code: str, type_code: str
) -> tuple[str, str] | None:
    """Why `actor` may not save a unit (column, Vietnamese reason), or None when they may.

    `stored` is the unit as saved (None when creating); `parent` the new parent (None when it is at the
    top, or when it is a new unit of the same import, named by `parent_code`, whose own row is checked).
    An official changes units inside their subtree and creates units below it; national divisions
    and units at the top of the tree are for superusers (units.access).
    """
    if stored is not None and not allowed(actor, Action.UNITS_WRITE, stored):
        return "code", _("Đơn vị «%(code)s» nằm ngoài phạm vi bạn quản lý: không được đổi tên, chuyển hay sửa.") % {"code": stored.code}
    if (type_code in NATIONAL_TYPES or (stored is not None and stored.type.code in NATIONAL_TYPES)) and not allowed(actor, Action.NATIONAL_WRITE, None):
        return "type", _("Tỉnh, huyện, xã là đơn vị hành chính quốc gia: chỉ quản trị hệ thống được thêm hoặc sửa.")
    moving = stored is None or stored.parent_id != (parent.pk if parent else None) or (parent is None and bool(parent_code))
    if not moving:
        return None
    if not parent_code and not allowed(actor, Action.NATIONAL_WRITE, None):
        return "parent_code", _("Chỉ quản trị hệ thống được tạo đơn vị ở cấp cao nhất (không có đơn vị cha) hoặc chuyển đơn vị lên đó.")
    if parent is not None and not allowed(actor, Action.UNITS_WRITE, parent):
        return "parent_code", _("Đơn vị cha «%(code)s» nằm ngoài phạm vi bạn quản lý.") % {"code": parent.code}
    return None


def _unit_store(unit: Unit, old_path: str | None) -> None:
    """Save a unit with its path and depth; when its path changed (a move or a new code) its subtree follows."""
    unit.path = unit.compute_path()
    unit.depth = unit.path.count(PATH_SEPARATOR) - 1
    unit.save()
    if old_path and old_path != unit.path:
        depth_shift = unit.depth - (old_path.count(PATH_SEPARATOR) - 1)
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.depth += depth_shift
            child.save(update_fields=["path", "depth"])


def _unit_changes(stored: Unit | None, unit: Unit) -> dict[str, Any]:
    """What an audit row of a unit records: every field that changed, as [before, after] (all fields when created)."""
    after = {"code": unit.code, "name": unit.name, "type": unit.type.code, "parent": unit.parent.code if unit.parent else None}
    if stored is None:
        return after
    before = {"code": stored.code, "name": stored.name, "type": stored.type.code, "parent": stored.parent.code if stored.parent else None}
    changes: dict[str, Any] = {name: [before[name], value] for name, value in after.items() if before[name] != value}
    for name in ("is_active", "valid_from", "valid_to", "successor_id"):
        if getattr(stored, name) != getattr(unit, name):
            changes[name] = [getattr(stored, name), getattr(unit, name)]
    return changes | {"code": unit.code} if "code" not in changes else changes


@transaction.atomic
def unit_save(*, unit: Unit, actor: Actor) -> Unit:
    """Save a unit, keeping `path` and `depth` of it and its whole subtree right; audited with what changed.

    Outsiders get 404, members without the official role 403, and a change that reaches outside the
    actor's subtree (a parent elsewhere, a national division, the top of the tree) PermissionDenied
    with the reason. Caller guarantees the parent is not inside the unit's own subtree (the admin form checks it).
    """
    stored = Unit.objects.select_related("type", "parent").filter(pk=unit.pk).first() if unit.pk else None
    if stored is not None:
        require(actor, Action.UNITS_WRITE, stored)
    elif unit.parent is not None:
        require(actor, Action.UNITS_WRITE, unit.parent)
    refusal = unit_write_refusal(actor=actor, stored=stored, parent=unit.parent, parent_code=unit.parent.code if unit.parent else "", type_code=unit.type.code)
    if refusal is not None:
        raise PermissionDenied(refusal[1])
    if unit.successor_id and (stored is None or stored.successor_id != unit.successor_id):
        require(actor, Action.UNITS_WRITE, unit.successor)
    creating = unit.pk is None
    _unit_store(unit, stored.path if stored else None)
    audit_record(actor=actor, action="unit.create" if creating else "unit.update", obj=unit, changes=_unit_changes(stored, unit))
    return unit


@transaction.atomic
def unit_delete(*, unit: Unit, actor: Actor) -> None:
    """Delete a unit (the database refuses one still used): allowed to whoever could have created it there."""
    require(actor, Action.UNITS_WRITE, unit)
    refusal = unit_write_refusal(actor=actor, stored=None, parent=unit.parent, parent_code=unit.parent.code if unit.parent else "", type_code=unit.type.code)
    if refusal is not None:
        raise PermissionDenied(refusal[1])
    audit_record(actor=actor, action="unit.delete", obj=unit, changes=_unit_changes(None, unit))
    unit.delete()


OFFICIAL_GROUP = "Cán bộ quản lý khảo sát"


def official_group() -> Group:
    """The group that lets officials configure campaigns in the admin (scoped to their subtree there)."""
    group, _created = Group.objects.get_or_create(name=OFFICIAL_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["units", "campaigns", "surveys", "reports", "communication"]))
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
def membership_grant(*, user: User, unit: Unit, role: str, actor: Actor) -> Membership:
    """Give `user` the role at `unit` (idempotent); the actor must be an official of the unit or above."""
    require(actor, Action.MEMBERSHIPS_WRITE, unit)
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit_record(actor=actor, action="membership.grant", obj=membership, changes={"user": user.username, "unit": unit.code, "role": role})
        _sync_admin_access(user)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: Actor) -> None:
    """Take a role away; the actor must be an official of its unit or above."""
    require(actor, Action.MEMBERSHIPS_WRITE, membership.unit)
    audit_record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        changes={"user": membership.user.username, "unit": membership.unit.code, "role": membership.role},
    )
    membership.delete()
    _sync_admin_access(membership.user)


def _require_self_or_superuser(actor: Actor, user: User) -> None:
    if not (actor.is_authenticated and actor.is_active and (actor.is_superuser or actor.pk == user.pk)):
        raise PermissionDenied


class ApiTokenRuleError(ValidationError):
    """A key could not be created; the messages (by argument name) say why, in Vietnamese. Nothing has been saved."""


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: Actor, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a personal API key for `user`; the key itself is returned here once and never stored.

    Raises ApiTokenRuleError when the user may not hold keys (inactive, or no role that submits responses),
    the name is blank or too long, or `expires_at` is not in the future; PermissionDenied unless `actor`
    is the user themself or a superuser (units.access.SYSTEM for the command line).
    """
    _require_self_or_superuser(actor, user)
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
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        changes={"user": user.username, "name": name, "prefix": token.prefix, "expires_at": expires_at},
    )
    return token, raw_key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> bool:
    """Revoke a key now: the next request with it is refused. Returns False when it was already revoked (nothing changes).

    Only the key's user or a superuser may (PermissionDenied otherwise).
    """
    _require_self_or_superuser(actor, token.user)
    now = timezone.now()
    # A conditional UPDATE: two clicks at once revoke (and audit) the key once.
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.refresh_from_db(fields=["revoked_at"])
        return False
    token.revoked_at = now
    audit_record(actor=actor, action="api_token.revoke", obj=token, changes={"user": token.user.username, "name": token.name, "prefix": token.prefix})
    return True


def _bulk_add_units(rows: Iterable[dict[str, Any]], *, actor: Actor, action: str) -> int:
    """Create or update units given as dicts (code, name, type, parent_code), parents before children.

    Codes are matched in any letter case (a unit keeps the code it was saved with). Units that exist with
    the same name, type and parent are left untouched, so a rerun changes nothing. Each unit changed gets
    its own audit row, with what changed. Caller guarantees `actor` may make every change (checked rows).
    """
    types = {t.code: t for t in UnitType.objects.all()}
    existing = {u.code.upper(): u for u in Unit.objects.select_related("type", "parent")}
    entries: list[AuditEntry] = []
    for row in rows:
        parent = existing.get(row["parent_code"].upper()) if row["parent_code"] else None
        unit = existing.get(row["code"].upper())
        unit_type = types[row["type"]]
        if unit is not None and unit.name == row["name"] and unit.type_id == unit_type.pk and unit.parent_id == (parent.pk if parent else None):
            continue
        stored = copy.copy(unit) if unit is not None else None
        unit = unit or Unit(code=row["code"])
        unit.name, unit.type, unit.parent = row["name"], unit_type, parent
        _unit_store(unit, stored.path if stored else None)
        existing[unit.code.upper()] = unit
        entries.append(audit_entry(actor=actor, action=action, obj=unit, changes=_unit_changes(stored, unit)))
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


@transaction.atomic
def units_load_national(*, actor: Actor) -> int:
    """Load Vietnam's provinces and communes (official codes, from `vietnam-provinces`). Returns units changed.

    National divisions: superusers only (the `load_units` command acts as units.access.SYSTEM).
    """
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    require(actor, Action.NATIONAL_WRITE, None)
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


def _final_parents(rows: list[dict[str, Any]], existing: dict[str, Unit]) -> dict[str, str]:
    """Every unit's parent code (upper case) once the rows are saved."""
    parents = {code: unit.parent.code.upper() if unit.parent else "" for code, unit in existing.items()}
    parents.update({row["code"].upper(): row["parent_code"].upper() for row in rows})
    return parents


def units_rights_problems(sheet: str, rows: list[dict[str, Any]], *, actor: Actor) -> ErrorList:
    """The rows that `actor` may not apply, each named: a unit outside their subtree renamed, moved or
    retyped, a unit created or moved under a parent outside it, a national division, the top of the tree,
    or an existing unit moved under its own subtree. Unchanged rows are not checked."""
    existing = {unit.code.upper(): unit for unit in Unit.objects.select_related("type", "parent")}
    parents = _final_parents(rows, existing)
    errors = ErrorList()
    for row in rows:
        stored = existing.get(row["code"].upper())
        parent = existing.get(row["parent_code"].upper()) if row["parent_code"] else None
        same_parent = parent is not None or not row["parent_code"]
        if stored is not None and same_parent and stored.name == row["name"] and stored.type.code == row["type"] and stored.parent_id == (parent.pk if parent else None):
            continue
        refusal = unit_write_refusal(actor=actor, stored=stored, parent=parent, parent_code=row["parent_code"], type_code=row["type"])
        if refusal is not None:
            errors.append(CellError(sheet, row["row"], refusal[0], refusal[1]))
            continue
        # Up the final tree; a unit met twice is a loop (this row's, or one above it that its own row names).
        ancestor, seen = parents.get(row["code"].upper(), ""), set()
        while ancestor and ancestor not in seen:
            if ancestor == row["code"].upper():
                errors.append(CellError(sheet, row["row"], "parent_code", _("Đơn vị cha tạo thành vòng lặp.")))
                break
            seen.add(ancestor)
            ancestor = parents.get(ancestor, "")
    return errors


def units_import(*, source: str | IO[bytes], actor: Actor, progress: Callable[[int], None] | None = None) -> int:
    """Import units from an Excel file with columns code, name, type, parent_code. All or nothing.

    Raises ImportFailed with every error found, including each row `actor` may not apply
    (units_rights_problems): one such row refuses the whole file. Returns the number of units created or
    changed; each gets an audit row. `progress` (a job's) hears how far it got, 0–100.
    """
    workbook = open_workbook(source)
    sheet, header, records = read_rows(workbook, progress=progress)
    require_columns(sheet, header, ["code", "name", "type", "parent_code"])
    if not records:
        raise ImportFailed([CellError(sheet, 2, None, _("Tệp không có dòng dữ liệu nào."))])
    rows, errors = units_validate_rows(sheet, records)
    errors = errors or units_rights_problems(sheet, rows, actor=actor)
    if errors:
        raise ImportFailed(errors)
    if progress is not None:
        progress(70)
    with transaction.atomic():
        return _bulk_add_units(rows, actor=actor, action="unit.import")


def units_import_check(actor: Actor, params: dict[str, Any]) -> None:
    """Whether `actor` may import units at all (before the file is stored); each row is checked by the import."""
    if not allowed_anywhere(actor, Action.UNITS_WRITE):
        raise PermissionDenied


def units_import_job(job: ImportJob, source: IO[bytes], progress: Callable[[int], None]) -> str:
    """A job's run of `units_import` (units.import_jobs): the summary to show."""
    changed = units_import(source=source, actor=job.requested_by, progress=progress)
    return _("Đã nhập %(n)d đơn vị.") % {"n": changed}
