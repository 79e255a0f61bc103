"""Reads of the communication plan: who may open what, the units an activity may name, and progress by
unit and by activity (counted in SQL from the tasks and their evidence)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_code
from communication.models import Activity, CommunicationPlan, Evidence, UnitTask
from units.access import Action, allowed, require, scope
from units.models import Unit

Actor = User | AnonymousUser

# A task's state on a given day; the filter of the progress page.
STATES = {
    "done": _("Đã thực hiện"),
    "on_time": _("Đúng hạn"),
    "late": _("Trễ hạn"),
    "open": _("Chưa thực hiện, còn hạn"),
    "overdue": _("Quá hạn, chưa thực hiện"),
}


def state_q(state: str, today: dt.date) -> Q:
    """The tasks in `state` on `today` (a key of STATES)."""
    late = Q(done_on__gt=F("activity__deadline"))
    return {
        "done": Q(done_on__isnull=False),
        "on_time": Q(done_on__isnull=False) & ~late,
        "late": late,
        "open": Q(done_on__isnull=True, activity__deadline__gte=today),
        "overdue": Q(done_on__isnull=True, activity__deadline__lt=today),
    }[state]


def task_state(task: UnitTask, today: dt.date) -> str:
    """The same states for one task in Python (pages of one unit)."""
    if task.done_on is not None:
        return "late" if task.is_late else "on_time"
    return "overdue" if task.activity.deadline < today else "open"


def plan_campaign(*, actor: Actor, code: str) -> Campaign:
    """The campaign `code` for its plan's pages: 404 for an unknown code or an outsider, 403 for a member of the
    organiser without the role (units.access)."""
    campaign = campaign_by_code(code)
    if campaign is None:
        raise Http404
    require(actor, Action.COMMS_PLAN, campaign.organiser)
    return campaign


def plan_activity(*, plan: CommunicationPlan, activity_id: int) -> Activity:
    return get_object_or_404(Activity, plan=plan, pk=activity_id)


def task_for_actor(*, actor: Actor, task_id: int) -> UnitTask:
    """A task for its unit's page: the unit's reporters, or the organiser's officials (who read it); else 404/403."""
    task = get_object_or_404(UnitTask.objects.select_related("activity__plan__campaign__organiser", "unit", "done_by"), pk=task_id)
    if not allowed(actor, Action.COMMS_PLAN, task.activity.plan.campaign.organiser):
        require(actor, Action.COMMS_REPORT, task.unit)
    return task


def evidence_for_actor(*, actor: Actor, evidence_id: int) -> Evidence:
    """A piece of evidence, for whoever may read its task (task_for_actor)."""
    evidence = get_object_or_404(
        Evidence.objects.only("pk", "task_id", "stored_name", "original_name", "file_kind", "link"), pk=evidence_id
    )
    task_for_actor(actor=actor, task_id=evidence.task_id)
    return evidence


def units_for_activity(*, organiser: Unit, root: Unit | None = None, type_codes: list[str] | None = None) -> QuerySet[Unit]:
    """Active units under `root` (default: the organiser, which `root` must lie under), of the given types."""
    root = root or organiser
    if not root.path.startswith(organiser.path):
        return Unit.objects.none()
    units = Unit.objects.filter(path__startswith=root.path, is_active=True)
    if type_codes:
        units = units.filter(type__code__in=type_codes)
    return units.order_by("path")


def my_tasks(actor: Actor) -> QuerySet[UnitTask]:
    """The tasks of units where `actor` may report, most urgent first."""
    tasks = UnitTask.objects.select_related("activity__plan__campaign", "unit").order_by(
        F("done_at").asc(nulls_first=True), "activity__deadline", "unit__path"
    )
    return scope(actor, Action.COMMS_REPORT, tasks, "unit")


def my_plans(actor: Actor) -> QuerySet[Campaign]:
    """Campaigns whose plan `actor` may manage (officials of their organiser), newest first."""
    return scope(actor, Action.COMMS_PLAN, Campaign.objects.select_related("organiser"), "organiser").order_by("-year", "code")


@dataclass
class ProgressRow:
    """Counts of one activity or one unit: tasks, and of them done (on time, late), open, overdue; evidence filed."""

    key: int
    label: str
    detail: str = ""
    tasks: int = 0
    done: int = 0
    late: int = 0
    overdue: int = 0
    evidence: int = 0

    @property
    def on_time(self) -> int:
        return self.done - self.late

    @property
    def open(self) -> int:
        return self.tasks - self.done - self.overdue

    @property
    def done_share(self) -> float | None:
        return 100 * self.done / self.tasks if self.tasks else None


@dataclass
class Progress:
    by_activity: list[ProgressRow] = field(default_factory=list)
    by_unit: list[ProgressRow] = field(default_factory=list)
    total: ProgressRow = field(default_factory=lambda: ProgressRow(0, str(_("Tổng"))))


def _measures(today: dt.date) -> dict[str, Count]:
    """What a progress row counts (tasks are joined to their evidence, hence distinct)."""
    return {
        "n_tasks": Count("pk", distinct=True),
        "n_done": Count("pk", distinct=True, filter=state_q("done", today)),
        "n_late": Count("pk", distinct=True, filter=state_q("late", today)),
        "n_overdue": Count("pk", distinct=True, filter=state_q("overdue", today)),
        "n_evidence": Count("evidence", distinct=True),
    }


def _counts(tasks: QuerySet[UnitTask], today: dt.date, *group: str) -> QuerySet:
    return tasks.values(*group).annotate(**_measures(today)).order_by(*group)


def _row(values: dict, key: int, label: str, detail: str = "") -> ProgressRow:
    return ProgressRow(key, label, detail, values["n_tasks"], values["n_done"], values["n_late"], values["n_overdue"], values["n_evidence"])


def plan_progress(
    plan: CommunicationPlan, *, today: dt.date | None = None, kind: str = "", state: str = "", unit_type: str = "", search: str = ""
) -> Progress:
    """Progress of a plan by activity and by unit, with the page's filters (three grouped queries)."""
    today = today or timezone.localdate()
    tasks = UnitTask.objects.filter(activity__plan=plan)
    if kind:
        tasks = tasks.filter(activity__kind=kind)
    if state in STATES:
        tasks = tasks.filter(state_q(state, today))
    if unit_type:
        tasks = tasks.filter(unit__type__code=unit_type)
    if search.strip():
        tasks = tasks.filter(Q(unit__name__icontains=search.strip()) | Q(unit__code__iexact=search.strip()))
    progress = Progress()
    for values in _counts(tasks, today, "activity__deadline", "activity_id", "activity__title"):
        progress.by_activity.append(_row(values, values["activity_id"], values["activity__title"]))
    for values in _counts(tasks, today, "unit__path", "unit_id", "unit__name", "unit__code"):
        progress.by_unit.append(_row(values, values["unit_id"], values["unit__name"], values["unit__code"]))
    progress.total = _row(tasks.aggregate(**_measures(today)), 0, str(_("Tổng")))
    return progress


def plan_activities(plan: CommunicationPlan) -> QuerySet[Activity]:
    return plan.activities.annotate(n_units=Count("tasks")).order_by("deadline", "pk")


def task_evidence(task: UnitTask) -> list[Evidence]:
    return list(task.evidence.select_related("uploaded_by").order_by("pk"))
