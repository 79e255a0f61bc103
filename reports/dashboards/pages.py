"""The data of each page: the campaign dashboard, the unit page and the public results page, with
fieldwork progress and the trend over the series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from campaigns.models import Campaign, CampaignForm, Channel, SampleQuota
from reports.dashboards.access import Reach, reach_units
from reports.dashboards.distributions import ClosedQuestions, Distribution, catalogue, distributions, element_scores, rules_and_parts
from reports.dashboards.estimates import Breakdown, DesignNote, breakdowns, design_note
from reports.dashboards.ranking import RankRow, previous_campaign, previous_overall, ranking, unit_verdict
from reports.dashboards.values import Score, UnitValues, best_snapshots, filtered_values, until_recompute, values_by_unit
from reports.estimation.verdicts import Verdict
from reports.models import CellCount, IndexScope, IndexValue, Snapshot, SnapshotStatus
from reports.schemes import IndexPart
from reports.selectors import working_snapshot
from units.models import Unit
from units.selectors import unit_ancestor_paths

# How many weakest criteria the unit page lists.
WEAKEST_COUNT = 3


@dataclass
class ProgressRow:
    unit: Unit
    channel: str
    target: int
    done: int

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel in Channel.values else self.channel

    @property
    def percent(self) -> Decimal | None:
        if not self.target:
            return None
        return (Decimal(self.done) * 100 / self.target).quantize(Decimal("0.01"))

    @property
    def bar(self) -> int:
        return min(100, round(float(self.percent or 0)))


def fieldwork_progress(campaign: Campaign, unit: Unit, form_id: int | None = None, channel: str | None = None) -> list[ProgressRow]:
    """Counted responses against quotas per unit and channel in the subtree (two grouped queries).

    Counts come from the engine's per-cell people counts (unit × channel × form), never from responses.
    """
    quotas = SampleQuota.objects.filter(campaign=campaign, unit__path__startswith=unit.path).select_related("unit")
    counts = CellCount.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    if form_id is not None:
        quotas, counts = quotas.filter(form_id=form_id), counts.filter(form_id=form_id)
    if channel:
        quotas, counts = quotas.filter(channel=channel), counts.filter(channel=channel)
    cells: dict[tuple[int, str], ProgressRow] = {}
    for quota in quotas.order_by("unit__path", "channel"):
        key = (quota.unit_id, quota.channel)
        if key in cells:
            cells[key].target += quota.target
        else:
            cells[key] = ProgressRow(quota.unit, quota.channel, quota.target, 0)
    if not cells:
        return []
    for unit_id, cell_channel, done in counts.values_list("unit_id", "channel").annotate(done=Sum("responses")):
        if (unit_id, cell_channel) in cells:
            cells[(unit_id, cell_channel)].done = done
    return list(cells.values())


# ---------------------------------------------------------------- trend


@dataclass
class TrendPoint:
    campaign: Campaign
    value: Decimal | None
    published: bool


def trend(campaign: Campaign, unit: Unit) -> list[TrendPoint]:
    """The unit's overall index in every campaign of the series up to this one (three queries)."""
    if campaign.series:
        campaigns = list(Campaign.objects.filter(series=campaign.series, year__lte=campaign.year).order_by("year", "fieldwork_end"))
    else:
        campaigns = [campaign]
    best = best_snapshots(c.pk for c in campaigns)
    snapshot_ids = [snapshot_id for snapshot_id, _published in best.values()]
    values = dict(
        IndexValue.objects.filter(snapshot_id__in=snapshot_ids, unit=unit, scope=IndexScope.OVERALL, key="").values_list("snapshot_id", "value")
    )
    points = []
    for c in campaigns:
        snapshot_id, published = best.get(c.pk, (None, False))
        points.append(TrendPoint(c, values.get(snapshot_id), published))
    return points


# ---------------------------------------------------------------- forms and units of a campaign


def campaign_forms(campaign: Campaign) -> list[CampaignForm]:
    return list(CampaignForm.objects.filter(campaign=campaign).select_related("questionnaire").order_by("pk"))


def children_of(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=unit).select_related("type").order_by("name"))


def units_with_data(snapshot: Snapshot | None, units: Sequence[Unit]) -> list[Unit]:
    """The subset of `units` that have any index value in the snapshot (one query)."""
    if snapshot is None:
        return []
    present = set(IndexValue.objects.filter(snapshot=snapshot, unit__in=list(units)).values_list("unit_id", flat=True).distinct())
    return [unit for unit in units if unit.pk in present]


def ancestors_within(unit: Unit, top: Unit) -> list[Unit]:
    """The chain from `top` down to `unit` (for the drill-down breadcrumb)."""
    paths = [p for p in unit_ancestor_paths(unit) if p.startswith(top.path)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


# ---------------------------------------------------------------- the pages' data


def part_scores(parts: tuple[IndexPart, ...], own: UnitValues) -> list[tuple[IndexPart, Score]]:
    return [(part, own.get(IndexScope.PART, part.code)) for part in parts]


class RankingRows:
    """A page whose `ranking` lists ranked units first, then those below the minimum publishable size."""

    ranking: list[RankRow]

    @property
    def ranked(self) -> list[RankRow]:
        return [row for row in self.ranking if row.rank is not None]

    @property
    def apart(self) -> list[RankRow]:
        """Units below the minimum publishable size: listed with their n, never ranked."""
        return [row for row in self.ranking if row.rank is None]


@dataclass
class DashboardData(RankingRows, ClosedQuestions):
    campaign: Campaign
    snapshot: Snapshot | None
    unit: Unit
    breadcrumb: list[Unit]
    own: UnitValues
    target: Decimal
    verdict: Verdict
    ranking: list[RankRow]
    previous: Campaign | None
    elements: list[tuple[str, str, Score]]  # (code, title, score)
    distributions: list[Distribution]  # every closed question, criteria first in questionnaire order
    progress: list[ProgressRow]
    heatmap_units: list[Unit]
    heatmap: dict[int, UnitValues]
    trend: list[TrendPoint]
    filtered: bool
    design: DesignNote
    breakdowns: list[Breakdown]
    parts: list[tuple[IndexPart, Score]] = field(default_factory=list)  # the index's parts, each with its value

    @property
    def has_data(self) -> bool:
        return self.snapshot is not None and self.own.overall.value is not None


    @property
    def criteria_table(self) -> list[tuple[Distribution, Score]]:
        """Each criterion's distribution with its design-based estimate (value, interval)."""
        return [(d, self.own.get(IndexScope.CRITERION, d.question.code)) for d in self.criteria_distributions]

    @property
    def progress_total(self) -> tuple[int, int]:
        return sum(r.done for r in self.progress), sum(r.target for r in self.progress)

    @property
    def element_codes(self) -> list[str]:
        return [code for code, _title, _score in self.elements]

    @property
    def heatmap_rows(self) -> list[tuple[Unit, list[Score]]]:
        """Each unit below with its elements' values, for the heat map (reports_tables.heatmap_table)."""
        codes = self.element_codes
        return [(unit, [self.heatmap[unit.pk].get(IndexScope.ELEMENT, code) for code in codes]) for unit in self.heatmap_units]

    def chart_data(self) -> dict[str, object]:
        """What static/js/dashboard.js draws (passed with json_script, never inline script)."""
        return {
            "target": float(self.target),
            "elements": [{"code": c, "label": f"{c}. {t}", "value": s.float_value} for c, t, s in self.elements],
            "distributions": [
                {
                    "code": d.question.code,
                    "text": d.question.text,
                    "levels": [{"label": label, "percent": float(share or 0), "count": count} for _lvl, label, count, share in d.levels],
                }
                for d in self.criteria_distributions
                if d.n
            ],
            "trend": [{"label": f"{p.campaign.year} · {p.campaign.code}", "value": float(p.value) if p.value is not None else None} for p in self.trend],
        }


def campaign_dashboard(
    *, reach: Reach, unit: Unit, form_id: int | None = None, channel: str | None = None, snapshot: Snapshot | None = None, rank_intervals: bool = False
) -> DashboardData:
    """Everything the campaign dashboard shows for `unit` (the caller checked that the reach covers it)."""
    campaign = reach.campaign
    snapshot = snapshot or working_snapshot(campaign)
    top = campaign.organiser if reach.everything else next((u for u in reach_units(reach) if unit.path.startswith(u.path)), unit)
    children = children_of(unit)
    filtered = bool(form_id or channel)
    if filtered:
        values = until_recompute(snapshot, "values", (unit.pk, form_id, channel), lambda: filtered_values(campaign, unit, children, form_id, channel))
    else:
        values = values_by_unit(snapshot, [unit], children)
    own = values[unit.pk]
    with_data = [c for c in children if values[c.pk].values]
    before = previous_campaign(campaign)
    cat = catalogue(campaign, form_id)
    rules, parts = rules_and_parts(campaign)
    ranked = ranking(values, with_data, previous_overall(before, with_data), campaign=campaign, with_rank_intervals=rank_intervals)
    return DashboardData(
        campaign=campaign,
        snapshot=snapshot,
        unit=unit,
        breadcrumb=ancestors_within(unit, top),
        own=own,
        target=campaign.target_index,
        verdict=unit_verdict(own.overall, campaign, responses=own.responses),
        ranking=ranked,
        previous=before,
        elements=element_scores(cat, own),
        distributions=until_recompute(
            snapshot if filtered else None, "distributions", (unit.pk, form_id, channel),
            lambda: distributions(campaign, unit, cat.questions, rules, form_id, channel),
        ),
        progress=fieldwork_progress(campaign, unit, form_id, channel),
        heatmap_units=[row.unit for row in ranked],
        heatmap=values,
        parts=part_scores(parts, own),
        trend=trend(campaign, unit),
        filtered=filtered,
        design=design_note(snapshot),
        breakdowns=[] if filtered else breakdowns(campaign, unit, snapshot),
    )


@dataclass
class UnitPageData(ClosedQuestions):
    campaign: Campaign
    snapshot: Snapshot | None
    unit: Unit
    parent: Unit | None
    own: UnitValues
    parent_values: UnitValues | None
    peers: list[RankRow]
    previous: Campaign | None
    elements: list[tuple[str, str, Score, Score, Decimal | None]]  # (code, title, unit, parent, difference in points)
    weakest: list[tuple[str, str, Score]]  # (question code, text, score)
    criteria: list[tuple[str, str, Score]]
    distributions: list[Distribution]  # every closed question over the unit's subtree
    target: Decimal
    verdict: Verdict
    design: DesignNote
    parts: list[tuple[IndexPart, Score]] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.snapshot is not None and bool(self.own.values)

    @property
    def peers_apart(self) -> list[RankRow]:
        return [row for row in self.peers if row.rank is None]


def unit_page(*, reach: Reach, unit: Unit) -> UnitPageData:
    """A unit's results against its parent and its peers, and its weakest criteria."""
    campaign = reach.campaign
    snapshot = working_snapshot(campaign)
    organiser_path = campaign.organiser.path
    parent = unit.parent if unit.parent_id and unit.path != organiser_path else None
    peers = [u for u in children_of(parent) if u.pk != unit.pk] if parent else []
    values = values_by_unit(snapshot, [unit, *([parent] if parent else [])], peers)
    own = values[unit.pk]
    parent_values = values[parent.pk] if parent else None
    cat = catalogue(campaign)
    rules, parts = rules_and_parts(campaign)
    elements = []
    for code, title, score in element_scores(cat, own):
        above = parent_values.get(IndexScope.ELEMENT, code) if parent_values else Score()
        difference = score.value - above.value if score.value is not None and above.value is not None else None
        elements.append((code, title, score, above, difference))
    texts = {q.code: q.text for q in cat.questions}
    criteria = sorted(
        ((key, texts.get(key, key), score) for (scope, key), score in own.values.items() if scope == IndexScope.CRITERION),
        key=lambda item: list(texts).index(item[0]) if item[0] in texts else len(texts),
    )
    weakest = sorted((c for c in criteria if c[2].value is not None), key=lambda c: (c[2].value, c[0]))[:WEAKEST_COUNT]
    ranked = [u for u in [unit, *peers] if values[u.pk].values]
    before = previous_campaign(campaign)
    peer_rows = ranking(values, ranked, previous_overall(before, ranked), campaign=campaign)
    return UnitPageData(
        campaign=campaign,
        snapshot=snapshot,
        unit=unit,
        parent=parent,
        own=own,
        parent_values=parent_values,
        peers=peer_rows,
        previous=before,
        elements=elements,
        weakest=weakest,
        criteria=criteria,
        distributions=distributions(campaign, unit, cat.questions, rules),
        target=campaign.target_index,
        verdict=unit_verdict(own.overall, campaign, responses=own.responses),
        design=design_note(snapshot),
        parts=part_scores(parts, own),
    )


@dataclass
class PublicData(RankingRows, ClosedQuestions):
    campaign: Campaign
    snapshot: Snapshot
    versions: list[Snapshot]
    own: UnitValues
    verdict: Verdict
    ranking: list[RankRow]
    elements: list[tuple[str, str, Score]]
    element_table: list[tuple[RankRow, list[Score]]]
    distributions: list[Distribution]  # every closed question, as published
    design: DesignNote
    parts: list[tuple[IndexPart, Score]] = field(default_factory=list)



def public_results(*, campaign: Campaign, snapshot: Snapshot) -> PublicData:
    """The public page of a published snapshot: overall, ranking with change, element table, and the
    distribution of every closed question from the tallies frozen with the snapshot."""
    organiser = campaign.organiser
    children = children_of(organiser)
    values = values_by_unit(snapshot, [organiser], children)
    with_data = [c for c in children if values[c.pk].values]
    rows = ranking(values, with_data, previous_overall(previous_campaign(campaign), with_data, published_only=True), campaign=campaign)
    cat = catalogue(campaign)
    rules, parts = rules_and_parts(campaign)
    elements = element_scores(cat, values[organiser.pk])
    table = [(row, [values[row.unit.pk].get(IndexScope.ELEMENT, code) for code, _t, _s in elements]) for row in rows]
    versions = list(Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).order_by("-version"))
    return PublicData(
        campaign=campaign,
        snapshot=snapshot,
        versions=versions,
        own=values[organiser.pk],
        verdict=unit_verdict(values[organiser.pk].overall, campaign, responses=values[organiser.pk].responses),
        ranking=rows,
        elements=elements,
        element_table=table,
        distributions=distributions(campaign, organiser, cat.questions, rules, published=snapshot),
        design=design_note(snapshot),
        parts=part_scores(parts, values[organiser.pk]),
    )
