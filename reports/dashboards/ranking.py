"""Ranking of units with statistical ties, the verdict against the target, and the change since the
previous campaign of the series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from campaigns.models import Campaign
from reports.dashboards.values import Score, UnitValues, best_snapshots
from reports.models import IndexScope, IndexValue
from reports.published_tallies import subtree_levels
from reports.schemes import People, unit_indices
from reports.services import campaign_setup
from units.models import Unit
from units.selectors import outermost_paths


def meets_target(value: Decimal | None, target: Decimal) -> bool | None:
    """ĐẠT when the index reaches the target; None when there is no index."""
    if value is None:
        return None
    return value >= target


@dataclass
class RankRow:
    unit: Unit
    score: Score
    responses: int
    rank: int | None = None
    tied_above: bool = False  # its interval overlaps the one of the unit ranked just above
    tied_below: bool = False
    previous_value: Decimal | None = None
    previous_rank: int | None = None

    @property
    def tied(self) -> bool:
        return self.tied_above or self.tied_below

    @property
    def change_points(self) -> Decimal | None:
        if self.score.value is None or self.previous_value is None:
            return None
        return self.score.value - self.previous_value

    @property
    def change_rank(self) -> int | None:
        """Places gained since the previous campaign (positive = moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def _intervals_overlap(upper: Score, lower: Score) -> bool:
    if None in (upper.ci_low, upper.ci_high, lower.ci_low, lower.ci_high):
        return False
    return upper.ci_low <= lower.ci_high and lower.ci_low <= upper.ci_high  # type: ignore[operator]


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


def ranking(values: dict[int, UnitValues], units: Sequence[Unit], previous: dict[int, Decimal | None] | None = None) -> list[RankRow]:
    """Rank `units` by overall index, mark statistical ties between neighbours, add the change since `previous`.

    `previous` maps unit id → overall value in the previous campaign of the series.
    """
    rows = [RankRow(unit, values[unit.pk].overall, values[unit.pk].responses) for unit in units]
    current_ranks = _rank_positions({row.unit.pk: row.score.value for row in rows})
    previous_ranks = _rank_positions({k: v for k, v in (previous or {}).items() if k in current_ranks})
    for row in rows:
        row.rank = current_ranks.get(row.unit.pk)
        row.previous_value = (previous or {}).get(row.unit.pk)
        row.previous_rank = previous_ranks.get(row.unit.pk)
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit.name))
    ranked = [row for row in rows if row.rank is not None]
    for upper, lower in zip(ranked, ranked[1:], strict=False):
        if _intervals_overlap(upper.score, lower.score):
            upper.tied_below = lower.tied_above = True
    return rows


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The campaign before this one (with its organiser): the one it names, else the latest earlier one of the same series."""
    campaigns = Campaign.objects.select_related("organiser")
    if campaign.previous_id:
        return campaigns.filter(pk=campaign.previous_id).first()
    if not campaign.series:
        return None
    return campaigns.filter(series=campaign.series, year__lt=campaign.year).exclude(pk=campaign.pk).order_by("-year", "-fieldwork_end").first()


def previous_overall(campaign: Campaign | None, units: Sequence[Unit], *, published_only: bool = False) -> dict[int, Decimal | None]:
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
    result: dict[int, Decimal | None] = dict(rows.values_list("unit_id", "value"))
    if merged:
        result.update(pooled_overall(campaign, merged, published_snapshot_id=snapshot_id if published else None))
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
