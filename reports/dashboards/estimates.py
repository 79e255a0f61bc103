"""What the pages say about the design behind the figures, and the breakdowns by channel, sex and age group.

`design_note` names the aggregation rule and what the weights are (or that there are none) from the
design stored with the snapshot: every page and report prints it next to the figures. `breakdowns`
estimates a unit's overall index and full satisfaction for each channel, sex and age group from the
leaf cells' moments (domains that cut across strata), with the same standard errors as every figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign, Channel
from reports.dashboards.values import Score, until_recompute
from reports.estimation.design import RULE_POOLED, RULE_POPULATION, RULE_UNIT_MEAN
from reports.estimation.estimates import estimate_units, prepare, stored_estimates
from reports.models import IndexScope, Snapshot
from reports.schemes import to_hundredths
from reports.setup import campaign_setup
from surveys.selectors import AGE_GROUP_CHOICES, SEX_CHOICES
from units.formatting import number
from units.models import Unit


@dataclass(frozen=True)
class DesignNote:
    rule: str
    label: str
    weighted: bool
    notes: list[str] = field(default_factory=list)
    kish_deff: float | None = None
    strata: int = 0
    min_respondents: int = 30
    max_cv: float = 15.0


def rule_label(rule: str) -> str:
    return {
        RULE_POPULATION: _("Theo cỡ tổng thể: mỗi phiếu có trọng số N/n của tầng (đơn vị × kênh), có hiệu chỉnh không trả lời trong từng ô"),
        RULE_POOLED: _("Gộp mọi câu trả lời, không trọng số"),
        RULE_UNIT_MEAN: _("Trung bình cộng chỉ số của các đơn vị trực thuộc"),
    }.get(rule, rule)


def design_note(snapshot: Snapshot | None) -> DesignNote:
    """The aggregation rule and the weights behind a snapshot's figures, in Vietnamese."""
    design = (snapshot.design if snapshot else None) or {}
    rule = design.get("rule", RULE_POOLED)
    weighted = bool(design.get("weighted"))
    notes = []
    reasons = set(design.get("notes") or [])
    if not weighted:
        if "missing_population" in reasons:
            missing = int(design.get("missing_population") or 0)
            notes.append(ngettext(
                "Thiếu cỡ tổng thể ở %(n)s tầng: số liệu là ước lượng không trọng số.",
                "Thiếu cỡ tổng thể ở %(n)s tầng: số liệu là ước lượng không trọng số.", missing,
            ) % {"n": number(missing)})
        else:
            notes.append(_("Chưa có cỡ tổng thể của các tầng: số liệu là ước lượng không trọng số."))
    raked = design.get("raked") or []
    if raked:
        names = {"channel": _("kênh"), "sex": _("giới tính"), "age_group": _("nhóm tuổi")}
        notes.append(_("Trọng số được hiệu chỉnh theo biên: %(margins)s.") % {"margins": ", ".join(str(names.get(m, m)) for m in raked)})
    if "rake_profile_missing" in reasons:
        notes.append(_("Không hiệu chỉnh theo biên: có phiếu thiếu giới tính hoặc nhóm tuổi."))
    if "rake_not_converged" in reasons:
        notes.append(_("Hiệu chỉnh theo biên chưa hội tụ."))
    return DesignNote(
        rule=rule, label=rule_label(rule), weighted=weighted, notes=notes, kish_deff=design.get("kish_deff"),
        strata=int(design.get("strata") or 0), min_respondents=int(design.get("min_respondents") or 30), max_cv=float(design.get("max_cv") or 15.0),
    )


@dataclass(frozen=True)
class BreakdownRow:
    category: str
    overall: Score
    full: Score


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    rows: list[BreakdownRow]


def _categories(dimension: str) -> list[tuple[str, str]]:
    if dimension == "channel":
        return [(code, str(label)) for code, label in Channel.choices]
    if dimension == "sex":
        return [*((code, str(label)) for code, label in SEX_CHOICES), ("", _("Không rõ"))]
    return [*((code, str(label)) for code, label in AGE_GROUP_CHOICES), ("", _("Không rõ"))]


def _compute(campaign: Campaign, unit: Unit) -> list[Breakdown]:
    setup = campaign_setup(campaign)
    prepared = prepare(campaign_id=campaign.pk, plan=setup.estimation, unit_paths={unit.pk: unit.path})
    result = []
    for dimension, title in (("channel", _("Theo kênh")), ("sex", _("Theo giới tính")), ("age_group", _("Theo nhóm tuổi"))):
        rows = []
        for code, label in _categories(dimension):
            raw = estimate_units(prepared, [unit.pk], where=lambda cell, d=dimension, c=code: cell.data.profile.get(d, "") == c)
            found = stored_estimates(prepared, raw).get(unit.pk, {})
            if not found:
                continue

            def score(scope: str, found=found) -> Score:
                stored = found.get((scope, ""))
                if stored is None:
                    return Score()
                return Score.estimated(to_hundredths(stored.estimate), stored.respondents, stored)

            rows.append(BreakdownRow(label, score(IndexScope.OVERALL), score(IndexScope.FULL)))
        if rows:
            result.append(Breakdown(title, rows))
    return result


def breakdowns(campaign: Campaign, unit: Unit, snapshot: Snapshot | None) -> list[Breakdown]:
    """A unit's overall index and full satisfaction by channel, by sex and by age group (categories
    with responses), each a design-based estimate; kept until the next recompute."""
    if snapshot is None or snapshot.computed_at is None:
        return []
    return until_recompute(snapshot, "breakdowns", (unit.pk,), lambda: _compute(campaign, unit))
