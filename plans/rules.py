"""Which units must file a plan, for which criteria, and by when: read from the campaign's latest published
snapshot, judged by the one verdict function (reports.estimation.verdicts through unit_verdict)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from campaigns.models import Campaign
from plans.models import PlanRules, RequiredUnits
from reports.dashboards.distributions import catalogue
from reports.dashboards.ranking import unit_verdict
from reports.dashboards.values import UnitValues, snapshot_published, values_by_unit
from reports.estimation.verdicts import NOT_REACHED
from reports.models import IndexScope, IndexValue, Snapshot
from units.formatting import percent_vi
from units.models import Unit


def yearly_date_after(day: dt.date, month: int, day_of_month: int) -> dt.date:
    """The first `day_of_month`/`month` on or after `day` (29 February is 28 February in other years)."""
    for year in (day.year, day.year + 1):
        try:
            candidate = dt.date(year, month, day_of_month)
        except ValueError:
            candidate = dt.date(year, month, 28)
        if candidate >= day:
            return candidate
    raise AssertionError("unreachable")


def plan_due_date(rules: PlanRules, published_on: dt.date) -> dt.date:
    """The plan's due date: `due_days` after publication and/or the yearly date that follows it; the earlier of both."""
    candidates = []
    if rules.due_days is not None:
        candidates.append(published_on + dt.timedelta(days=rules.due_days))
    if rules.yearly_due_month and rules.yearly_due_day:
        candidates.append(yearly_date_after(published_on, rules.yearly_due_month, rules.yearly_due_day))
    return min(candidates)


@dataclass(frozen=True)
class Requirement:
    """A unit that must file a plan, why, and its weakest criteria as published: (code, text, value)."""

    unit: Unit
    reason: str
    criteria: list[tuple[str, str, Decimal | None]]


def surveyed_units(snapshot: Snapshot) -> list[Unit]:
    """The units a snapshot measured directly: those with a value and no measured unit below them (the
    organiser and the roll-ups above the surveyed units are not asked for a plan)."""
    rows = IndexValue.objects.filter(snapshot=snapshot, scope=IndexScope.OVERALL, value__isnull=False).select_related("unit")
    units = [row.unit for row in rows if row.unit_id != snapshot.campaign.organiser_id]
    paths = [unit.path for unit in units]
    return sorted((u for u in units if not any(p != u.path and p.startswith(u.path) for p in paths)), key=lambda u: u.path)


def weakest_criteria(values: UnitValues, texts: dict[str, str], count: int) -> list[tuple[str, str, Decimal | None]]:
    scored = [
        (key, score.value) for (scope, key), score in values.values.items() if scope == IndexScope.CRITERION and score.value is not None
    ]
    return [(key, texts.get(key, key), value) for key, value in sorted(scored, key=lambda item: (item[1], item[0]))[:count]]


def plan_requirements(campaign: Campaign, rules: PlanRules) -> tuple[Snapshot | None, list[Requirement]]:
    """The latest published snapshot and the units it requires a plan of: under target (verdict CHƯA ĐẠT,
    never CHƯA ĐỦ CĂN CỨ) or every surveyed unit, each with its `weakest_count` weakest criteria."""
    snapshot = snapshot_published(campaign)
    if snapshot is None:
        return None, []
    units = surveyed_units(snapshot)
    values = values_by_unit(snapshot, units)
    texts = {question.code: question.text for question in catalogue(campaign).questions}
    requirements = []
    for unit in units:
        own = values[unit.pk]
        verdict = unit_verdict(own.overall, campaign, responses=own.responses)
        if rules.required_units == RequiredUnits.UNDER_TARGET and verdict.code != NOT_REACHED:
            continue
        if verdict.code == NOT_REACHED:
            reason = _("Chỉ số chung %(value)s — %(verdict)s chỉ tiêu %(target)s") % {
                "value": percent_vi(own.overall.value),
                "verdict": verdict.label,
                "target": percent_vi(campaign.target_index),
            }
        else:
            reason = _("Cải tiến %(n)d tiêu chí yếu nhất") % {"n": rules.weakest_count}
        requirements.append(Requirement(unit, reason, weakest_criteria(own, texts, rules.weakest_count)))
    return snapshot, requirements
