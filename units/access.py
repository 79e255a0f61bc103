"""Who may do what: one table of actions and the roles that may take them, and one check.

A role held at a unit covers its whole subtree. `require(actor, action, unit)` is the check every
service, view, admin page and export asks before acting:
- 404 (Http404) for an actor with no role at, above or below the unit: outsiders learn nothing;
- 403 (PermissionDenied) for an actor who can see the unit but lacks a role that allows the action.
Superusers may do everything. An action whose roles are empty is for superusers only, and so is
an action on no unit at all (a top-level unit, a shared questionnaire template). Lists are cut down
by the same table: `scope(actor, action, queryset, field)` keeps the rows whose unit lies under a
unit where the actor holds a role allowing the action. No role list belongs anywhere else
(templates ask `allowed`).
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from units.models import RESULT_ROLES, Membership, Role, Unit
from units.selectors import scope_queryset, user_roles_at


class Action(StrEnum):
    RESULTS_VIEW = "results.view"  # dashboards, unit pages, the report workbook
    RESULTS_RECOMPUTE = "results.recompute"  # the "Tính lại ngay" button
    RESULTS_PUBLISH = "results.publish"  # publish a campaign's figures (a new version)
    RESULTS_RUN_STATE = "results.run_state"  # read why a recompute failed
    REPORT_WORKING = "report.working"  # the signed-format report from working figures (marked TẠM TÍNH)
    UNITS_WRITE = "units.write"  # create a unit below, rename, move, retire or delete a unit
    NATIONAL_WRITE = "units.national_write"  # provinces, districts, communes and units at the top of the tree
    UNIT_TYPES_WRITE = "unit_types.write"  # the shared list of unit types
    MEMBERSHIPS_WRITE = "memberships.write"  # grant and revoke roles at a unit
    AUDIT_READ = "audit.read"  # the audit log of a unit's subtree
    CAMPAIGN_CONFIGURE = "campaign.configure"  # a campaign's fields, forms, windows, quotas, draw, lifecycle, population sizes and design
    QUESTIONNAIRE_WRITE = "questionnaire.write"  # edit, freeze, version or import a questionnaire owned by the unit
    FRAME_READ = "frame.read"  # personal data: the frame, drawn people's names and phones, the call list
    FRAME_IMPORT = "frame.import"  # replace a campaign's frame (personal data)
    RESPONSES_IMPORT = "responses.import"  # paper and call-centre forms from Excel
    RESPONSES_REVIEW = "responses.review"  # approve, reject, hold responses
    RAW_EXPORT = "raw.export"  # any file holding respondent rows (raw data, a report with its raw sheet)
    PERSONAL_DATA_PURGE = "personal_data.purge"  # erase frames after publication (the daily job, the command)
    USERS_PASSWORD_RESET = "users.password_reset"  # set a temporary password for a user of the subtree
    # Fieldwork (campaigns/fieldwork): cases are drawn people; an enumerator acts on their own cases only;
    # a drawn person's full name and phone are FRAME_READ's (besides the case's own enumerator).
    CASES_READ = "cases.read"  # the cases of a unit, their attempts, dispositions and response rates
    CASES_CONTACT = "cases.contact"  # record a contact attempt and its outcome
    CASES_REASSIGN = "cases.reassign"  # move cases between enumerators, one by one or in bulk
    CASES_IMPORT = "cases.import"  # the call centre's log of calls, replayed on a campaign's cases (import_contacts)
    PEOPLE_MANAGE = "people.manage"  # create and deactivate enumerator and supervisor accounts (units/people.py)
    # Data quality (surveys/quality): corrections keep an audit trail; back-checks re-contact respondents.
    RESPONSES_CORRECT = "responses.correct"  # correct an answer of a submitted response, with a reason
    BACKCHECKS_DRAW = "backchecks.draw"  # draw a campaign's back-checks (phúc tra) and set its quality rules
    BACKCHECKS_RECORD = "backchecks.record"  # record a back-check's result, read the discrepancy rates
    # Improvement plans (plans/): a unit files its plan; the organiser's officials approve or return it.
    PLANS_FILE = "plans.file"  # write and submit the unit's improvement plan: measures, owners, due dates, evidence
    PLANS_REVIEW = "plans.review"  # approve or return a plan (asked at the campaign's organiser); the department's list
    # Communication (communication/): the organiser's plan and a responsible unit's report with its evidence.
    COMMS_PLAN = "comms.plan"  # a campaign's communication plan, its progress, the organising letter (at the organiser)
    COMMS_REPORT = "comms.report"  # mark a unit's communication task done with evidence (at the responsible unit)


OFFICIALS = frozenset({Role.OFFICIAL})
SUPERUSERS_ONLY: frozenset[str] = frozenset()

POLICY: dict[Action, frozenset[str]] = {
    Action.RESULTS_VIEW: RESULT_ROLES,
    Action.RESULTS_RECOMPUTE: OFFICIALS,
    Action.RESULTS_PUBLISH: OFFICIALS,
    Action.RESULTS_RUN_STATE: OFFICIALS,
    Action.REPORT_WORKING: OFFICIALS,
    Action.UNITS_WRITE: OFFICIALS,
    # National divisions come from the official lists (load_units); only superusers change them.
    Action.NATIONAL_WRITE: SUPERUSERS_ONLY,
    Action.UNIT_TYPES_WRITE: SUPERUSERS_ONLY,
    Action.MEMBERSHIPS_WRITE: OFFICIALS,
    Action.AUDIT_READ: OFFICIALS,
    Action.CAMPAIGN_CONFIGURE: OFFICIALS,
    Action.QUESTIONNAIRE_WRITE: OFFICIALS,
    Action.FRAME_READ: OFFICIALS,
    Action.FRAME_IMPORT: OFFICIALS,
    Action.RESPONSES_IMPORT: OFFICIALS,
    Action.RESPONSES_REVIEW: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.RAW_EXPORT: OFFICIALS,
    Action.PERSONAL_DATA_PURGE: SUPERUSERS_ONLY,
    Action.USERS_PASSWORD_RESET: OFFICIALS,
    Action.CASES_READ: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.CASES_CONTACT: frozenset({Role.OFFICIAL, Role.SUPERVISOR, Role.ENUMERATOR}),
    Action.CASES_REASSIGN: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.CASES_IMPORT: OFFICIALS,
    Action.PEOPLE_MANAGE: OFFICIALS,
    Action.RESPONSES_CORRECT: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.BACKCHECKS_DRAW: OFFICIALS,
    Action.BACKCHECKS_RECORD: frozenset({Role.OFFICIAL, Role.SUPERVISOR}),
    Action.PLANS_FILE: frozenset({Role.OFFICIAL, Role.UNIT_MANAGER}),
    Action.PLANS_REVIEW: OFFICIALS,
    Action.COMMS_PLAN: OFFICIALS,
    Action.COMMS_REPORT: frozenset({Role.OFFICIAL, Role.UNIT_MANAGER}),
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


def allowed(actor: User | AnonymousUser, action: Action, unit: Unit | None) -> bool:
    """Whether `actor` may take `action` at `unit` (a role at the unit or above that the policy names).

    `unit` None is an action on nothing below a unit (a top-level unit, a shared template): superusers only.
    """
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if unit is None:
        return False
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


def require(actor: User | AnonymousUser, action: Action, unit: Unit | None) -> None:
    """Raise Http404 for outsiders and PermissionDenied for members without a role allowing `action`.

    With `unit` None (superusers only) everyone else gets PermissionDenied.
    """
    if allowed(actor, action, unit):
        return
    if unit is not None and not _sees(actor, unit):
        raise Http404
    raise PermissionDenied


def scope(actor: User | AnonymousUser, action: Action, queryset: QuerySet, field: str = "") -> QuerySet:
    """The rows of `queryset` whose unit (reached by `field`, e.g. "campaign__organiser") lies under a unit
    where `actor` may take `action`; all of them for superusers, none for anonymous or inactive users."""
    if not actor.is_authenticated or not actor.is_active:
        return queryset.none()
    return scope_queryset(queryset, user=actor, field=field, roles=POLICY[action])


def allowed_anywhere(actor: User | AnonymousUser, action: Action) -> bool:
    """Whether `actor` may take `action` at some unit (to show a page or a button at all)."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    roles = POLICY[action]
    cache: dict[frozenset[str], bool] = actor.__dict__.setdefault("_allowed_anywhere_cache", {})  # asked by every admin page's menu
    if roles not in cache:
        cache[roles] = Membership.objects.filter(user=actor, role__in=roles).exists()
    return cache[roles]


def require_anywhere(actor: User | AnonymousUser, action: Action) -> None:
    """For a page or an import that spans the actor's units: pass when `actor` may take `action` at some
    unit; else PermissionDenied for a member of any unit, Http404 for everyone else."""
    if allowed_anywhere(actor, action):
        return
    if actor.is_authenticated and Membership.objects.filter(user=actor).exists():
        raise PermissionDenied
    raise Http404
