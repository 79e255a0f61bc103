"""The improvement-plan section of reports' unit page: `{% load plans %}{% plan_section campaign unit %}`.

A template tag, not an import: reports stands below plans and never imports it."""

from __future__ import annotations

from django import template

from plans.models import OPEN_STATUSES, ImprovementPlan, PlanEventKind
from plans.progress import plan_progress
from plans.selectors import is_overdue
from units.access import Action, allowed

register = template.Library()


@register.inclusion_tag("plans/_unit_section.html", takes_context=True)
def plan_section(context, campaign, unit, previous) -> dict:  # type: ignore[no-untyped-def]
    """The unit's plan for this campaign (status, due date, lateness, last reminder) and the criteria of its
    plan after the previous campaign (`previous`, as the unit page found it) beside their change. The page
    already checked the reader. Two queries on a unit without plans."""
    user = context["request"].user
    plan = ImprovementPlan.objects.filter(campaign=campaign, unit=unit).select_related("campaign", "unit").first()
    reminder = plan.events.filter(kind=PlanEventKind.REMINDED).order_by("-at").first() if plan and plan.status in OPEN_STATUSES else None
    section = {
        "plan": plan,
        "overdue": bool(plan and is_overdue(plan)),
        "editable": bool(plan and plan.status in OPEN_STATUSES),
        "can_file": bool(plan) and allowed(user, Action.PLANS_FILE, unit),
        "reminder": reminder,
        "progress": plan_progress(campaign=campaign, unit=unit, before_campaign=previous),
    }
    return {"section": section}


@register.inclusion_tag("plans/_dashboard_link.html", takes_context=True)
def plans_link(context, campaign) -> dict:  # type: ignore[no-untyped-def]
    """The dashboard's button to the department's list of plans, for those who review them."""
    return {"campaign": campaign, "show": allowed(context["request"].user, Action.PLANS_REVIEW, campaign.organiser)}
