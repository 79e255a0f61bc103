"""What a report says, read from one snapshot: the figures of the campaign (at its organiser) or of one unit.

Every number comes from the snapshot (its index values, and for a published one the tallies frozen with
it) through the same readers as the pages: `values_by_unit`, `ranking`, `unit_verdict`, `distributions`.
Participation by channel comes from the working cells only while they are the cells of these very
figures (as the workbook's breakdowns do); otherwise the report gives the total and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Sum

from campaigns.models import Campaign, Channel, SampleQuota
from reports.dashboards.distributions import Distribution, catalogue, distributions, element_scores, rules_and_parts
from reports.dashboards.estimates import DesignNote, design_note
from reports.dashboards.pages import RankingRows, children_of, part_scores
from reports.dashboards.ranking import RankRow, previous_campaign, previous_overall, ranking, unit_verdict
from reports.dashboards.values import Score, UnitValues, values_by_unit
from reports.estimation.verdicts import Change, Verdict, change_verdict
from reports.models import CellCount, IndexScope, Snapshot, SnapshotStatus
from reports.schemes import IndexPart
from reports.selectors import working_snapshot
from units.models import Unit


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    planned: int
    collected: int | None  # None: the working cells no longer match the snapshot

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


@dataclass
class ReportFigures(RankingRows):
    campaign: Campaign
    snapshot: Snapshot
    unit: Unit
    own: UnitValues
    verdict: Verdict
    previous: Campaign | None
    previous_score: Score | None
    change: Change | None
    elements: list[tuple[str, str, Score]]
    parts: list[tuple[IndexPart, Score]]
    criteria: list[tuple[str, str, Score]]  # (code, text, score) in questionnaire order
    distributions: list[Distribution]
    ranking: list[RankRow]  # the units directly below `unit`
    peers: list[RankRow] = field(default_factory=list)  # a unit report: the unit among its parent's units
    parent: Unit | None = None
    parent_values: UnitValues | None = None
    channels: list[ChannelCount] = field(default_factory=list)
    design: DesignNote | None = None

    @property
    def published(self) -> bool:
        return self.snapshot.status == SnapshotStatus.PUBLISHED

    @property
    def is_campaign(self) -> bool:
        return self.unit.pk == self.campaign.organiser_id

    @property
    def planned(self) -> int:
        return sum(c.planned for c in self.channels)

    @property
    def collected(self) -> int:
        return self.own.responses

    @property
    def has_data(self) -> bool:
        return self.own.overall.value is not None or bool(self.own.values)


def same_figures(campaign: Campaign, snapshot: Snapshot) -> bool:
    """Whether the working cells are the ones `snapshot`'s values were computed from."""
    working = working_snapshot(campaign)
    return working is not None and working.computed_at == snapshot.computed_at and working.basis == snapshot.basis


def channel_counts(campaign: Campaign, unit: Unit, snapshot: Snapshot) -> list[ChannelCount]:
    """Forms planned (quotas) and collected per channel in the unit's subtree (two grouped queries)."""
    planned = dict(
        SampleQuota.objects.filter(campaign=campaign, unit__path__startswith=unit.path).values_list("channel").annotate(Sum("target"))
    )
    collected: dict[str, int] | None = None
    if same_figures(campaign, snapshot):
        rows = (
            CellCount.objects.filter(campaign=campaign, unit__path__startswith=unit.path).values_list("channel").annotate(Sum("responses"))
        )
        collected = {channel: n for channel, n in rows if n}
    codes = [code for code in Channel.values if code in planned or (collected and code in collected)]
    return [ChannelCount(code, planned.get(code, 0), None if collected is None else collected.get(code, 0)) for code in codes]


def report_figures(*, campaign: Campaign, snapshot: Snapshot, unit: Unit | None = None) -> ReportFigures:
    """The figures of `unit` (default: the organiser, the campaign report) in `snapshot`."""
    organiser = campaign.organiser
    unit = unit or organiser
    published = snapshot if snapshot.status == SnapshotStatus.PUBLISHED else None
    parent = unit.parent if unit.pk != organiser.pk and unit.parent_id else None
    peers = [u for u in children_of(parent) if u.pk != unit.pk] if parent else []
    children = children_of(unit)
    values = values_by_unit(snapshot, [unit, *([parent] if parent else [])], [*children, *peers])
    own = values[unit.pk]
    before = previous_campaign(campaign)
    with_data = [c for c in children if values[c.pk].values]
    previous_values = previous_overall(before, [unit, *with_data], published_only=published is not None)
    previous_score = previous_values.get(unit.pk)
    cat = catalogue(campaign)
    rules, parts = rules_and_parts(campaign)
    texts = {q.code: q.text for q in cat.index_questions}
    criteria = [
        (code, text, own.get(IndexScope.CRITERION, code)) for code, text in texts.items() if (IndexScope.CRITERION, code) in own.values
    ]
    peer_units = [u for u in [unit, *peers] if values[u.pk].values]
    return ReportFigures(
        campaign=campaign,
        snapshot=snapshot,
        unit=unit,
        own=own,
        verdict=unit_verdict(own.overall, campaign, responses=own.responses),
        previous=before,
        previous_score=previous_score,
        change=change_verdict(own.overall.value, own.overall.se, previous_score.value, previous_score.se) if previous_score else None,
        elements=element_scores(cat, own),
        parts=part_scores(parts, own),
        criteria=criteria,
        distributions=distributions(campaign, unit, cat.questions, rules, published=published),
        ranking=ranking(values, with_data, previous_values, campaign=campaign),
        peers=ranking(values, peer_units, previous_overall(before, peer_units, published_only=published is not None), campaign=campaign)
        if parent
        else [],
        parent=parent,
        parent_values=values[parent.pk] if parent else None,
        channels=channel_counts(campaign, unit, snapshot),
        design=design_note(snapshot),
    )
