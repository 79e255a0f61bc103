"""Reads about units and who may see them. Every scoped query in the project goes through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Case, IntegerField, Model, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from units import db
from units.models import WRITE_ROLES, ApiToken, Membership, Role, Unit, api_key_digest

M = TypeVar("M", bound=Model)


def code_match(queryset: QuerySet[M], code: str, *first: str) -> QuerySet[M]:
    """Rows of `queryset` whose `code` is `code` typed in any letter case, ordered by `first` and then the
    row spelled exactly so. Codes of units, campaigns and questionnaires are unique regardless of case (a
    constraint on UPPER(code), the expression PostgreSQL's iexact compares, so its index serves the lookup);
    should two stored codes ever differ only by case, the exact spelling wins rather than either.
    A code longer than the column, or holding NUL, matches nothing (and never reaches the database)."""
    code = code.strip()
    if len(code) > queryset.model._meta.get_field("code").max_length or "\x00" in code:
        return queryset.none()
    exact_first = Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.filter(code__iexact=code).order_by(*first, exact_first)


def unit_by_code(code: str, queryset: QuerySet[Unit] | None = None) -> Unit | None:
    """The unit `code` (typed in any letter case) among `queryset` (default: every unit, with its type)."""
    if not code.strip():
        return None
    return code_match(Unit.objects.select_related("type") if queryset is None else queryset, code).first()


def subtree_q(paths: Iterable[str], field: str = "") -> Q:
    """A filter matching every unit under (and including) any of the given unit paths.

    `field` is the lookup from the queried model to its unit, e.g. "unit" or "campaign__organiser".
    """
    prefix = f"{field}__path__startswith" if field else "path__startswith"
    query = Q(pk__in=[])
    for path in outermost_paths(paths):
        query |= Q(**{prefix: path})
    return query


def outermost_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie inside another path of the list (their subtree is already covered)."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return result


def membership_paths(user: User | AnonymousUser, roles: Iterable[str] | None = None) -> list[str]:
    """Paths of the units where the user holds one of `roles` (any role when None)."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return list(memberships.values_list("unit__path", flat=True))


def scope_queryset(
    queryset: QuerySet, *, user: User | AnonymousUser, field: str = "", roles: Iterable[str] | None = None
) -> QuerySet:
    """Restrict `queryset` to rows whose unit (reached by `field`) lies in the user's subtrees.

    Superusers see everything; an anonymous user sees nothing.
    """
    if user.is_authenticated and user.is_superuser:
        return queryset
    return queryset.filter(subtree_q(membership_paths(user, roles), field))


def units_visible_to(user: User | AnonymousUser, roles: Iterable[str] | None = None) -> QuerySet[Unit]:
    return scope_queryset(Unit.objects.select_related("type"), user=user, roles=roles)


def unit_for_user(*, user: User | AnonymousUser, code: str, write: bool = False) -> Unit:
    """The unit `code` if the user may see it: 404 for outsiders, 403 for read-only members asked to write."""
    unit = unit_by_code(code, units_visible_to(user))
    if unit is None:
        raise Http404
    if write and not user_can_write(user=user, unit=unit):
        raise PermissionDenied
    return unit


def roles_at_sql(quote: Callable[[str], str], depth: int) -> str:
    """SQL of the roles a user holds at a unit or above, with parameters (user id, then the `depth`
    paths of `unit_ancestor_paths`). Also a part of the submission's single read (surveys.selectors)."""
    membership, unit_table = quote(Membership._meta.db_table), quote(Unit._meta.db_table)
    paths = ", ".join(["%s"] * depth)
    return (
        f"SELECT {membership}.{quote('role')} FROM {membership} INNER JOIN {unit_table} "  # noqa: S608 (names from the models)
        f"ON {unit_table}.{quote('id')} = {membership}.{quote('unit_id')} "
        f"WHERE {membership}.{quote('user_id')} = %s AND {unit_table}.{quote('path')} IN ({paths})"
    )


def user_roles_at(*, user: User | AnonymousUser, unit: Unit) -> set[str]:
    """Roles the user holds at `unit` or any of its ancestors."""
    if not user.is_authenticated:
        return set()
    ancestors = unit_ancestor_paths(unit)
    # Plain SQL (see units.db); one statement text per tree depth.
    sql = db.statement(f"roles-at:{len(ancestors)}", lambda quote: roles_at_sql(quote, len(ancestors)))
    return {row[0] for row in db.fetch_all(sql, [user.pk, *ancestors])}


def user_can_write(*, user: User | AnonymousUser, unit: Unit) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(user_roles_at(user=user, unit=unit) & WRITE_ROLES)


def user_has_role(*, user: User | AnonymousUser, unit: Unit, roles: Iterable[str]) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(user_roles_at(user=user, unit=unit) & set(roles))


def unit_ancestor_paths(unit: Unit) -> list[str]:
    """Paths of the unit and each of its ancestors, from the root down."""
    parts = unit.path.rstrip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


ROLE_PRECEDENCE = (Role.OFFICIAL, Role.LEADERSHIP, Role.SUPERVISOR, Role.UNIT_MANAGER, Role.ENUMERATOR, Role.VIEWER)


def user_roles(user: User | AnonymousUser) -> set[str]:
    """Every role the user holds anywhere; a superuser holds them all."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {str(role) for role in Role}
    return set(Membership.objects.filter(user=user).values_list("role", flat=True))


def primary_role(roles: set[str]) -> str | None:
    """The role that decides a user's landing page, the strongest first."""
    return next((str(role) for role in ROLE_PRECEDENCE if role in roles), None)


def user_primary_role(user: User | AnonymousUser) -> str | None:
    return primary_role(user_roles(user))


def user_may_hold_api_keys(user: User | AnonymousUser) -> bool:
    """Whether the user may create personal API keys: a superuser, or a role that submits responses somewhere."""
    return bool(user_roles(user) & WRITE_ROLES)


def api_tokens_of(user: User | AnonymousUser) -> QuerySet[ApiToken]:
    """The user's own keys, newest first (revoked and expired ones included)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


# A key is at most this long; anything longer is refused before hashing or querying.
API_KEY_MAX_LENGTH = 200


def _api_key_user_sql(quote: Callable[[str], str]) -> str:
    """The one statement behind user_for_api_key, from the models' tables and columns."""
    user_model = get_user_model()
    token, user = quote(ApiToken._meta.db_table), quote(user_model._meta.db_table)

    def column(table: str, model: type, field: str) -> str:
        return f"{table}.{quote(model._meta.get_field(field).column)}"

    expires = column(token, ApiToken, "expires_at")
    return (
        f"SELECT {column(token, ApiToken, 'user')}, {column(user, user_model, 'is_superuser')} FROM {token} "
        f"INNER JOIN {user} ON {column(user, user_model, user_model._meta.pk.name)} = {column(token, ApiToken, 'user')} "
        f"WHERE {column(token, ApiToken, 'key_hash')} = %s AND {column(token, ApiToken, 'revoked_at')} IS NULL "
        f"AND ({expires} IS NULL OR {expires} > %s) AND {column(user, user_model, 'is_active')}"
    )


def user_for_api_key(raw: str) -> User | None:
    """The active user whose key `raw` is, if the key is neither revoked nor expired; else None.

    Runs on every API request: one SQL statement, no ORM (the ORM's Python costs more than the query).
    The user comes back with its id, is_superuser and is_active loaded; other fields load on access.
    Empty or overlong input is refused without a query.
    """
    if not raw or len(raw) > API_KEY_MAX_LENGTH:
        return None
    # adapt_datetimefield_value stores "now" the way the ORM stores expires_at (naive UTC text on SQLite).
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    row = db.fetch_one(db.statement("user-for-api-key", _api_key_user_sql), [api_key_digest(raw), now])
    if row is None:
        return None
    return get_user_model().from_db(connection.alias, ["id", "is_superuser", "is_active"], [row[0], bool(row[1]), True])
