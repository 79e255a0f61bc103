"""Ranking of units with statistical ties, the verdict against the target, and the change since the
previous campaign of the series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from campaigns.models import Campaign
from reports.dashboards.values import Score, UnitValues, best_snapshots
from reports.models import IndexScope, IndexValue
from units.models import Unit


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
    """The campaign before this one: the one it names, else the latest earlier one of the same series."""
    if campaign.previous_id:
        return campaign.previous
    if not campaign.series:
        return None
    return (
        Campaign.objects.filter(series=campaign.series, year__lt=campaign.year).exclude(pk=campaign.pk).order_by("-year", "-fieldwork_end").first()
    )


def previous_overall(campaign: Campaign | None, units: Sequence[Unit], *, published_only: bool = False) -> dict[int, Decimal | None]:
    """Overall values of `units` in the campaign's best snapshot; a merged unit takes its predecessor's value.

    `published_only`: for what the public reads, a campaign whose results were never published gives nothing.
    """
    if campaign is None or not units:
        return {}
    snapshot_id, published = best_snapshots([campaign.pk]).get(campaign.pk, (None, False))
    if snapshot_id is None or (published_only and not published):
        return {}
    wanted = {unit.pk: unit.pk for unit in units}
    successors = Unit.objects.filter(successor_id__in=list(wanted)).values_list("pk", "successor_id")
    for predecessor_id, successor_id in successors:
        wanted.setdefault(predecessor_id, successor_id)
    rows = IndexValue.objects.filter(snapshot_id=snapshot_id, unit_id__in=list(wanted), scope=IndexScope.OVERALL, key="")
    result: dict[int, Decimal | None] = {}
    for unit_id, value in rows.values_list("unit_id", "value"):
        target = wanted[unit_id]
        if target == unit_id or target not in result:
            result[target] = value
    return result
