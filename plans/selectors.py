"""Reads of improvement plans for pages, the unit page's section and the department's list."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_code
from plans.models import OPEN_STATUSES, Evidence, ImprovementPlan, Measure, PlanCriterion
from units.models import Unit
from units.selectors import unit_by_code


def campaign_or_404(code: str) -> Campaign:
    campaign = campaign_by_code(code)
    if campaign is None:
        raise Http404
    return campaign


def unit_or_404(code: str) -> Unit:
    unit = unit_by_code(code)
    if unit is None:
        raise Http404
    return unit


def is_overdue(plan: ImprovementPlan) -> bool:
    """Not filed yet and its due date has passed (shown "quá hạn"; filing later marks it late)."""
    return plan.first_submitted_at is None and plan.status in OPEN_STATUSES and timezone.localdate() > plan.due_on


def plan_detail(campaign: Campaign, unit: Unit) -> ImprovementPlan | None:
    """The unit's plan with its criteria, measures, evidence and history (five queries)."""
    measures = Prefetch("measures", queryset=Measure.objects.prefetch_related(Prefetch("evidence", queryset=Evidence.objects.all())))
    criteria = Prefetch("criteria", queryset=PlanCriterion.objects.prefetch_related(measures))
    return (
        ImprovementPlan.objects.filter(campaign=campaign, unit=unit)
        .select_related("campaign__organiser", "unit")
        .prefetch_related(criteria, "events__actor")
        .first()
    )


def plans_for_department(campaign: Campaign) -> list[ImprovementPlan]:
    """Every required unit's plan, late and overdue ones first, then by due date and unit (one query)."""
    plans: QuerySet[ImprovementPlan] = ImprovementPlan.objects.filter(campaign=campaign).select_related("unit")
    rows = list(plans)
    for plan in rows:
        plan.overdue = is_overdue(plan)  # type: ignore[attr-defined]
    return sorted(rows, key=lambda p: (not (p.late or p.overdue), p.due_on, p.unit.path))  # type: ignore[attr-defined]
