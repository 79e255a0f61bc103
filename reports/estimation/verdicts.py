"""The one verdict function, and what pages, the workbook and documents say with it.

`interval_verdict(low, high, reference)` is the only place a figure is judged: an interval lies above a
reference, below it, or straddles it (undecided). Everything else builds the interval and reads the answer:
- the target: the 95% interval of the index against the target → ĐẠT / CHƯA ĐẠT / CHƯA ĐỦ CĂN CỨ;
- the change since last year: the 95% interval of the difference against 0 → tăng / giảm / không khác
  biệt có ý nghĩa thống kê (the two years are independent samples: SE² of the difference = SE₁² + SE₀²);
- ties: the interval of each difference between two units at Holm's adjusted level against 0, over all
  pairs; units that cannot be told apart share a tier;
and `publishable` is the minimum publishable size (respondents and coefficient of variation): a unit
below it is listed apart with its n and never ranked.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np
from django.utils.translation import gettext_lazy as _

from reports.estimation.design import MAX_CV, MIN_RESPONDENTS
from reports.estimation.estimators import Z_95, normal_quantile


class Direction(StrEnum):
    ABOVE = "above"
    BELOW = "below"
    UNDECIDED = "undecided"


def interval_verdict(low: float | Decimal, high: float | Decimal, reference: float | Decimal) -> Direction:
    """Where the interval [low, high] lies against `reference`: above it (low ≥ reference), below it
    (high < reference), or across it."""
    if low >= reference:
        return Direction.ABOVE
    if high < reference:
        return Direction.BELOW
    return Direction.UNDECIDED


@dataclass(frozen=True)
class Verdict:
    """A verdict as pages and reports show it: a code for styling and tests, and its Vietnamese label."""

    code: str
    label: str

    def __str__(self) -> str:
        return str(self.label)


REACHED = "reached"
NOT_REACHED = "not_reached"
UNDECIDED = "undecided"
NO_DATA = "no_data"
TOO_FEW = "too_few"
UP = "up"
DOWN = "down"
NO_DIFFERENCE = "no_difference"
UNKNOWN = "unknown"

LABELS = {
    REACHED: _("ĐẠT"),
    NOT_REACHED: _("CHƯA ĐẠT"),
    UNDECIDED: _("CHƯA ĐỦ CĂN CỨ"),
    TOO_FEW: _("CHƯA ĐỦ CĂN CỨ"),
    NO_DATA: _("Chưa có số liệu"),
    UP: _("tăng"),
    DOWN: _("giảm"),
    NO_DIFFERENCE: _("không khác biệt có ý nghĩa thống kê"),
    UNKNOWN: _("chưa đánh giá được"),
}


def _verdict(code: str) -> Verdict:
    return Verdict(code, str(LABELS[code]))


# ------------------------------------------------------------------------------------------------
# Minimum publishable size
# ------------------------------------------------------------------------------------------------


def coefficient_of_variation(estimate: float | None, se: float | None) -> float | None:
    """SE / estimate in percent (None when either is unknown or the estimate is zero)."""
    if estimate is None or se is None or estimate <= 0:
        return None
    return 100 * se / estimate


def publishable(respondents: int, estimate: float | None, se: float | None, *, min_respondents: int = MIN_RESPONDENTS, max_cv: float = MAX_CV) -> bool:
    """Whether a unit's figure may be published and ranked: at least `min_respondents` respondents and a
    coefficient of variation at most `max_cv` percent (a figure without a standard error, from before
    design-based estimates, is judged by its respondents alone)."""
    if respondents < min_respondents or estimate is None:
        return False
    if se is None:
        return True
    cv = coefficient_of_variation(estimate, se)
    return cv is not None and cv <= max_cv


# ------------------------------------------------------------------------------------------------
# Target
# ------------------------------------------------------------------------------------------------


def target_verdict(value: Decimal | None, ci_low: Decimal | None, ci_high: Decimal | None, target: Decimal, *, enough: bool = True) -> Verdict:
    """ĐẠT when the whole 95% interval reaches the target, CHƯA ĐẠT when it lies below, CHƯA ĐỦ CĂN CỨ
    when it straddles the target or the unit is below the minimum publishable size (`enough` False)."""
    if value is None:
        return _verdict(NO_DATA)
    if not enough:
        return _verdict(TOO_FEW)
    if ci_low is None or ci_high is None:
        return _verdict(UNDECIDED)
    direction = interval_verdict(ci_low, ci_high, target)
    return _verdict({Direction.ABOVE: REACHED, Direction.BELOW: NOT_REACHED, Direction.UNDECIDED: UNDECIDED}[direction])


# ------------------------------------------------------------------------------------------------
# Change since last year
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The change of a figure since the previous campaign, in points, with its 95% interval and verdict."""

    points: Decimal
    low: float | None
    high: float | None
    verdict: Verdict


def change_verdict(current: Decimal | None, current_se: float | None, previous: Decimal | None, previous_se: float | None) -> Change | None:
    """The change `current − previous` (two independent samples) and what it means; None without both values.
    Without a standard error for either year (figures from before design-based estimates) the change
    is shown without a verdict."""
    if current is None or previous is None:
        return None
    points = current - previous
    if current_se is None or previous_se is None:
        return Change(points, None, None, _verdict(UNKNOWN))
    se = math.sqrt(current_se**2 + previous_se**2)
    low, high = float(points) - Z_95 * se, float(points) + Z_95 * se
    direction = interval_verdict(low, high, 0.0) if se > 0 else (Direction.UNDECIDED if points == 0 else interval_verdict(float(points), float(points), 0.0))
    code = {Direction.ABOVE: UP, Direction.BELOW: DOWN, Direction.UNDECIDED: NO_DIFFERENCE}[direction]
    return Change(points, low, high, _verdict(code))


# ------------------------------------------------------------------------------------------------
# Ties and tiers
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    key: Hashable
    value: float
    se: float


def distinct_pairs(items: Sequence[Ranked], alpha: float = 0.05) -> set[frozenset]:
    """The pairs whose difference is significant after Holm's adjustment over all pairs: the k-th
    smallest p-value is tested at α / (m − k + 1), which is the difference's interval at that level
    lying away from 0 (the one verdict function), until the first pair that is not."""
    pairs = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            a, b = items[i], items[j]
            se = math.sqrt(a.se**2 + b.se**2)
            difference = a.value - b.value
            z = abs(difference) / se if se > 0 else (math.inf if difference else 0.0)
            pairs.append((z, difference, se, frozenset((a.key, b.key))))
    pairs.sort(key=lambda p: -p[0])  # largest |z| = smallest p-value first
    m = len(pairs)
    distinct: set[frozenset] = set()
    for k, (_z, difference, se, pair) in enumerate(pairs):
        critical = normal_quantile(1 - alpha / (2 * (m - k)))
        low, high = difference - critical * se, difference + critical * se
        if difference == 0 or interval_verdict(low, high, 0.0) == Direction.UNDECIDED:
            break
        distinct.add(pair)
    return distinct


def tiers(items: Sequence[Ranked], alpha: float = 0.05) -> dict[Hashable, int]:
    """Tiers from the top: a unit joins the current tier unless it differs significantly (Holm, all
    pairs) from the tier's first unit, in which case it opens the next tier."""
    ordered = sorted(items, key=lambda r: -r.value)
    distinct = distinct_pairs(ordered, alpha)
    result: dict[Hashable, int] = {}
    tier, leader = 0, None
    for item in ordered:
        if leader is None or frozenset((leader.key, item.key)) in distinct:
            tier, leader = tier + 1, item
        result[item.key] = tier
    return result


def rank_intervals(items: Sequence[Ranked], *, draws: int = 2000, seed: int = 2026) -> dict[Hashable, tuple[int, int]]:
    """95% intervals of each unit's rank, from seeded replicates of the estimates drawn from their
    design-based sampling distributions (normal, independent: the units' strata are disjoint)."""
    if not items:
        return {}
    rng = np.random.default_rng(seed)
    values = np.array([r.value for r in items])
    ses = np.array([r.se for r in items])
    replicates = values[None, :] + rng.standard_normal((draws, len(items))) * ses[None, :]
    ranks = (-replicates).argsort(axis=1).argsort(axis=1) + 1
    low = np.percentile(ranks, 2.5, axis=0, method="inverted_cdf")
    high = np.percentile(ranks, 97.5, axis=0, method="inverted_cdf")
    return {r.key: (int(lo), int(hi)) for r, lo, hi in zip(items, low, high, strict=True)}
