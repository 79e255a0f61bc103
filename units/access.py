"""Who may do what: one table of actions and the roles that may take them, and one check.

A role held at a unit covers its whole subtree. `require(actor, action, unit)` is the check every
service, view, admin page and export asks before acting:
- 404 (Http404) for an actor with no role at, above or below the unit: outsiders learn nothing;
- 403 (PermissionDenied) for an actor who can see the unit but lacks a role that allows the action.
Superusers may do everything. No role list belongs anywhere else (templates ask `allowed`).
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from units.models import RESULT_ROLES, Membership, Role, Unit
from units.selectors import user_roles_at


class Action(StrEnum):
    RESULTS_VIEW = "results.view"  # dashboards, unit pages, the report workbook
    RESULTS_RECOMPUTE = "results.recompute"  # the "Tính lại ngay" button
    RESULTS_PUBLISH = "results.publish"  # publish a campaign's figures (a new version)
    RESULTS_RUN_STATE = "results.run_state"  # read why a recompute failed
    # Fieldwork (campaigns/fieldwork): cases are drawn people; an enumerator acts on their own cases only.
    CASES_READ = "cases.read"  # the cases of a unit, their attempts, dispositions and response rates
    CASES_CONTACT = "cases.contact"  # record a contact attempt and its outcome
    CASES_PERSONAL = "cases.personal"  # a drawn person's full name and phone (DESIGN §8), besides the case's own enumerator
    CASES_REASSIGN = "cases.reassign"  # move cases between enumerators, one by one or in bulk
    PEOPLE_MANAGE = "people.manage"  # create and deactivate enumerator and supervisor accounts (units/people.py)


POLICY: dict[Action, frozenset[str]] = {
    Action.RESULTS_VIEW: RESULT_ROLES,
    Action.RESULTS_RECOMPUTE: frozenset({Role.OFFICIAL}),
    Action.RESULTS_PUBLISH: frozenset({Role.OFFICIAL}),
    Action.RESULTS_RUN_STATE: frozenset({Role.OFFICIAL}),
    Action.CASES_READ: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.CASES_CONTACT: frozenset({Role.OFFICIAL, Role.SUPERVISOR, Role.ENUMERATOR}),
    Action.CASES_PERSONAL: frozenset({Role.OFFICIAL}),
    Action.CASES_REASSIGN: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.PEOPLE_MANAGE: frozenset({Role.OFFICIAL}),
}


class SystemActor(AnonymousUser):
    """The portal itself, acting for an operator's command on the server or the demo loader: it may do
    everything, and audit rows record no user for it."""

    is_superuser = True
    is_staff = True
    is_active = True

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def allowed(actor: User | AnonymousUser, action: Action, unit: Unit) -> bool:
    """Whether `actor` may take `action` at `unit` (a role at the unit or above that the policy names)."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return bool(_roles_at(actor, unit) & POLICY[action])


def _roles_at(actor: User, unit: Unit) -> set[str]:
    """The actor's roles at `unit` or above, read once per actor object (one request) and unit."""
    cache: dict[str, set[str]] = actor.__dict__.setdefault("_roles_at_cache", {})
    if unit.path not in cache:
        cache[unit.path] = user_roles_at(user=actor, unit=unit)
    return cache[unit.path]


def _sees(actor: User | AnonymousUser, unit: Unit) -> bool:
    """Whether `actor` holds any role at, above or below `unit` (otherwise the unit is none of theirs)."""
    if not actor.is_authenticated:
        return False
    if _roles_at(actor, unit):
        return True
    return Membership.objects.filter(user=actor, unit__path__startswith=unit.path).exists()


def require(actor: User | AnonymousUser, action: Action, unit: Unit) -> None:
    """Raise Http404 for outsiders and PermissionDenied for members without a role allowing `action`."""
    if allowed(actor, action, unit):
        return
    if not _sees(actor, unit):
        raise Http404
    raise PermissionDenied
