"""Ranking of units in tiers decided by tests of their differences, the verdict against the target, and
the change since the previous campaign of the series — every verdict from reports.estimation.verdicts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from campaigns.models import Campaign
from reports.dashboards.values import SCORE_FIELDS, Score, UnitValues, best_snapshots
from reports.estimation.design import design_settings
from reports.estimation.verdicts import Change, Ranked, Verdict, change_verdict, publishable, rank_intervals, target_verdict, tiers
from reports.models import IndexScope, IndexValue
from reports.published_tallies import subtree_levels
from reports.schemes import People, unit_indices
from reports.setup import campaign_setup
from units.models import Unit
from units.selectors import outermost_paths


def unit_verdict(score: Score, campaign: Campaign, *, responses: int = 0) -> Verdict:
    """The target verdict of one unit's overall index (three states, and below the minimum size)."""
    settings = design_settings(campaign.scheme_options)
    enough = _publishable(score, responses, settings.min_respondents, settings.max_cv)
    return target_verdict(score.value, score.ci_low, score.ci_high, campaign.target_index, enough=enough)


def _publishable(score: Score, responses: int, min_respondents: int, max_cv: float) -> bool:
    respondents = score.respondents or responses  # snapshots before design-based estimates kept no respondents
    return publishable(respondents, score.estimate if score.estimate is not None else score.float_value, score.se, min_respondents=min_respondents, max_cv=max_cv)


@dataclass
class RankRow:
    """One unit in a ranking. Units below the minimum publishable size (or without data) are listed apart:
    no rank, no tier. `tier` groups units that the tests of their differences cannot tell apart."""

    unit: Unit
    score: Score
    responses: int
    rank: int | None = None
    tier: int | None = None
    publishable: bool = True
    verdict: Verdict | None = None
    previous: Score | None = None
    previous_rank: int | None = None
    change: Change | None = None
    rank_interval: tuple[int, int] | None = None
    tied_above: bool = False  # in the same tier as the unit ranked just above
    tied_below: bool = False

    @property
    def tied(self) -> bool:
        return self.tied_above or self.tied_below

    @property
    def previous_value(self) -> Decimal | None:
        return self.previous.value if self.previous else None

    @property
    def change_points(self) -> Decimal | None:
        return self.change.points if self.change else None

    @property
    def change_rank(self) -> int | None:
        """Places gained since the previous campaign (positive = moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def _rank_positions(scores: dict[int, Decimal | None]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of the units that have a value, highest first."""
    ordered = sorted(((v, k) for k, v in scores.items() if v is not None), key=lambda item: -item[0])
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    position = 0
    for index, (value, key) in enumerate(ordered, start=1):
        if value != previous:
            position = index
            previous = value
        ranks[key] = position
    return ranks


def ranking(
    values: dict[int, UnitValues], units: Sequence[Unit], previous: dict[int, Score] | None = None, *, campaign: Campaign, with_rank_intervals: bool = False
) -> list[RankRow]:
    """Rank `units` by overall index: publishable units first (rank, tier, target verdict, change since
    `previous`), then the units below the minimum publishable size or without data, unranked.

    `previous` maps unit id → its overall Score in the previous campaign of the series.
    """
    settings = design_settings(campaign.scheme_options)
    previous = previous or {}
    rows = [RankRow(unit, values[unit.pk].overall, values[unit.pk].responses) for unit in units]
    for row in rows:
        row.publishable = row.score.value is not None and _publishable(row.score, row.responses, settings.min_respondents, settings.max_cv)
        row.verdict = target_verdict(row.score.value, row.score.ci_low, row.score.ci_high, campaign.target_index, enough=row.publishable)
        row.previous = previous.get(row.unit.pk)
        before = row.previous or Score()
        row.change = change_verdict(row.score.value, row.score.se, before.value, before.se)
    ranked = [row for row in rows if row.publishable]
    current_ranks = _rank_positions({row.unit.pk: row.score.value for row in ranked})
    previous_ranks = _rank_positions({k: s.value for k, s in previous.items() if k in current_ranks})
    for row in ranked:
        row.rank = current_ranks.get(row.unit.pk)
        row.previous_rank = previous_ranks.get(row.unit.pk)
    testable = [Ranked(row.unit.pk, row.score.estimate, row.score.se) for row in ranked if row.score.se is not None and row.score.estimate is not None]
    tier_of = tiers(testable)
    intervals = rank_intervals(testable) if with_rank_intervals else {}
    for row in ranked:
        row.tier = tier_of.get(row.unit.pk)
        row.rank_interval = intervals.get(row.unit.pk)
    ranked.sort(key=lambda row: (row.rank or 0, row.unit.name))
    for upper, lower in zip(ranked, ranked[1:], strict=False):
        if upper.tier is not None and upper.tier == lower.tier:
            upper.tied_below = lower.tied_above = True
    apart = sorted((row for row in rows if not row.publishable), key=lambda row: row.unit.name)
    return ranked + apart


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The campaign before this one (with its organiser): the one it names, else the latest earlier one of the same series."""
    campaigns = Campaign.objects.select_related("organiser")
    if campaign.previous_id:
        return campaigns.filter(pk=campaign.previous_id).first()
    if not campaign.series:
        return None
    return campaigns.filter(series=campaign.series, year__lt=campaign.year).exclude(pk=campaign.pk).order_by("-year", "-fieldwork_end").first()


def previous_overall(campaign: Campaign | None, units: Sequence[Unit], *, published_only: bool = False) -> dict[int, Score]:
    """Overall values of `units` in the campaign's best snapshot (its latest published one, else the working one).

    A unit that succeeded merged units takes the value of all of them pooled (`pooled_overall`), never
    the value of one of them. `published_only`: for what the public reads, a campaign whose results were
    never published gives nothing.
    """
    if campaign is None or not units:
        return {}
    snapshot_id, published = best_snapshots([campaign.pk]).get(campaign.pk, (None, False))
    if snapshot_id is None or (published_only and not published):
        return {}
    merged = merged_into(units)
    plain = [unit.pk for unit in units if unit.pk not in merged]
    rows = IndexValue.objects.filter(snapshot_id=snapshot_id, unit_id__in=plain, scope=IndexScope.OVERALL, key="")
    result = {unit_id: Score(*fields) for unit_id, *fields in rows.values_list("unit_id", *SCORE_FIELDS)}
    if merged:  # pooled from frozen tallies: a value without a standard error
        pooled = pooled_overall(campaign, merged, published_snapshot_id=snapshot_id if published else None)
        result.update({unit_id: Score(value) for unit_id, value in pooled.items()})
    return result


def merged_into(units: Sequence[Unit]) -> dict[int, list[int]]:
    """For each of `units` that succeeded merged units: itself and all the units merged into it, through
    chains of mergers, leaving out any unit inside another one's subtree (its answers are counted there
    already). One query per generation of mergers: one when nothing was merged."""
    heir = {unit.pk: unit.pk for unit in units}  # unit id → the unit of `units` its answers now count for
    paths = {unit.pk: unit.path for unit in units}
    found: dict[int, list[int]] = defaultdict(list)
    generation = list(heir)
    while generation:
        rows = Unit.objects.filter(successor_id__in=generation).values_list("pk", "path", "successor_id")
        generation = []
        for pk, path, successor_id in rows:
            if pk in heir:  # already counted (a cycle, or a unit of `units` itself)
                continue
            heir[pk], paths[pk] = heir[successor_id], path
            found[heir[pk]].append(pk)
            generation.append(pk)
    result = {}
    for successor_id, members in found.items():
        group = [successor_id, *members]
        outermost = set(outermost_paths(paths[pk] for pk in group))
        result[successor_id] = [pk for pk in group if paths[pk] in outermost]
    return result


def pooled_overall(campaign: Campaign, groups: dict[int, list[int]], *, published_snapshot_id: int | None) -> dict[int, Decimal | None]:
    """For each key of `groups`, the overall index of the campaign over the answers of all units in its
    group: their subtree tallies summed, then passed through the campaign's own scheme and rules. The
    tallies are those frozen with `published_snapshot_id`, or the working ones when it is None (three queries)."""
    members = {pk for group in groups.values() for pk in group}
    levels = subtree_levels(campaign_id=campaign.pk, published_snapshot_id=published_snapshot_id, unit_ids=members)
    setup = campaign_setup(campaign)
    result: dict[int, Decimal | None] = {}
    for key, group in groups.items():
        counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for unit_id in group:
            for question_id, by_level in levels.get(unit_id, {}).items():
                for level, n in by_level.items():
                    counts[question_id][level] += n
        indices = unit_indices(rules=setup.rules, counts=counts, people=People(), scheme=setup.scheme)
        result[key] = next(index.value for index in indices if index.scope == IndexScope.OVERALL)
    return result
