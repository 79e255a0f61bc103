"""The next campaign's view of a plan: each of its criteria beside its change since the plan's published
figures, judged by the one design-based comparison (reports.estimation.verdicts.change_verdict):
- "đã cải thiện" only when the 95% interval of the difference lies above 0;
- "chưa cải thiện" when it lies below 0 or straddles it (no significant difference);
- "chưa đủ căn cứ" without a figure or a standard error in either campaign. Never more than that."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from plans.models import ImprovementPlan, PlanCriterion
from reports.dashboards.ranking import previous_campaign
from reports.dashboards.values import Score, UnitValues, best_snapshots, values_by_unit
from reports.estimation.verdicts import DOWN, NO_DIFFERENCE, UP, Change, change_verdict
from reports.models import IndexScope, Snapshot, SnapshotStatus
from units.models import Unit

IMPROVED = "improved"
NOT_IMPROVED = "not_improved"
NOT_ENOUGH = "not_enough"
PROGRESS_LABELS = {IMPROVED: _("đã cải thiện"), NOT_IMPROVED: _("chưa cải thiện"), NOT_ENOUGH: _("chưa đủ căn cứ")}


@dataclass(frozen=True)
class CriterionProgress:
    criterion: PlanCriterion
    before: Score
    now: Score
    change: Change | None
    code: str

    @property
    def label(self) -> str:
        return str(PROGRESS_LABELS[self.code])


def progress_code(change: Change | None) -> str:
    if change is None:
        return NOT_ENOUGH
    if change.verdict.code == UP:
        return IMPROVED
    if change.verdict.code in (DOWN, NO_DIFFERENCE):
        return NOT_IMPROVED
    return NOT_ENOUGH


def _criterion_values(snapshot: Snapshot | None, unit: Unit) -> UnitValues:
    return values_by_unit(snapshot, [unit])[unit.pk]


@dataclass(frozen=True)
class PlanProgress:
    plan: ImprovementPlan
    rows: list[CriterionProgress]


def plan_progress(*, campaign: Campaign, unit: Unit, before_campaign: Campaign | None | bool = False) -> PlanProgress | None:
    """The plan `unit` filed for the campaign before `campaign` (`before_campaign` when the caller found it
    already), with each criterion's change; None without one."""
    if before_campaign is False:
        before_campaign = previous_campaign(campaign)
    if not isinstance(before_campaign, Campaign):
        return None
    plan = ImprovementPlan.objects.filter(campaign=before_campaign, unit=unit).prefetch_related("criteria").first()
    if plan is None:
        return None
    published = Snapshot.objects.filter(campaign=before_campaign, status=SnapshotStatus.PUBLISHED, version=plan.snapshot_version).first()
    current_id = best_snapshots([campaign.pk]).get(campaign.pk, (None, False))[0]
    current = Snapshot.objects.filter(pk=current_id).first() if current_id else None
    before_values, now_values = _criterion_values(published, unit), _criterion_values(current, unit)
    rows = []
    for criterion in plan.criteria.all():
        before = before_values.get(IndexScope.CRITERION, criterion.code)
        now = now_values.get(IndexScope.CRITERION, criterion.code)
        change = change_verdict(now.value, now.se, before.value, before.se)
        rows.append(CriterionProgress(criterion, before, now, change, progress_code(change)))
    return PlanProgress(plan, rows)
