"""Every unit's design-based estimates, from the engine's leaf tables (the recompute calls this).

`plan.estimation_plan` turns a campaign's scheme, question rules and stored design into what is
estimated (one estimand per index value) and how responses are weighted. `unit_estimates` reads the leaf
tables (`leaves`) —
`CellMoments` (index variables per cell, from the responses' patterns), `Tally` and `CellCount` (the
expectation and return questions, one answer per response) — and estimates each asked unit over its
subtree. Every unit is a domain made of whole strata, so its estimate is the design's estimate
restricted to them, as R's `subset` gives.

The aggregation rule (scheme_options "rule") says how strata and units combine:
- `population`: responses weigh N_h / n_h (the default once every stratum with responses has a size);
- `pooled`: every response weighs 1 (the first wave's values: pooled answers);
- `unit_mean`: a unit's value is the plain mean of its sub-units' values (and of its own responses' value,
  if it has any), each estimated as above; its variance is the sum of theirs over the count squared
  (their strata are disjoint, so their estimates are independent).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from reports.estimation.design import RULE_POOLED, RULE_POPULATION, RULE_UNIT_MEAN, Weighting, WeightPlan, build_sample
from reports.estimation.estimators import Estimate, blas_single_thread, critical_value, estimate_many, share_interval
from reports.estimation.leaves import LeafCell, cell_moments_rows, index_cells, single_cells
from reports.estimation.plan import EstimationPlan, Planned
from reports.schemes import to_hundredths
from units.models import Unit

__all__ = ["cell_moments_rows", "estimate_units", "prepare", "stored_estimates", "unit_estimates"]

# ------------------------------------------------------------------------------------------------
# The design actually used
# ------------------------------------------------------------------------------------------------


@dataclass
class DesignSummary:
    """What the estimates were computed with, as pages and `recompute --json` state it."""

    rule: str
    weighted: bool
    strata: int
    requested_rule: str | None = None
    kish_deff: float | None = None
    raked: list[str] = field(default_factory=list)
    trimmed_cells: int = 0
    missing_population: int = 0
    notes: list[str] = field(default_factory=list)
    min_respondents: int = 30
    max_cv: float = 15.0

    def as_dict(self) -> dict:
        return {
            "rule": self.rule, "weighted": self.weighted, "strata": self.strata, "requested_rule": self.requested_rule,
            "kish_deff": self.kish_deff, "raked": self.raked, "trimmed_cells": self.trimmed_cells,
            "missing_population": self.missing_population, "notes": self.notes, "min_respondents": self.min_respondents,
            "max_cv": self.max_cv,
        }


def _weight_plan(plan: EstimationPlan, cells: Sequence[LeafCell], summary: DesignSummary) -> WeightPlan:
    """Population weights when the rule asks for them and every stratum with responses has a size;
    raking and trimming on top when asked and possible; otherwise unweighted (and the summary says why)."""
    if summary.rule == RULE_POOLED:
        return WeightPlan()
    strata = {c.data.stratum for c in cells}
    missing = [s for s in strata if s not in plan.population]
    summary.missing_population = len(missing)
    if not plan.population or missing:
        if summary.rule == RULE_POPULATION:
            summary.rule = RULE_POOLED
        summary.notes.append("no_population" if not plan.population else "missing_population")
        return WeightPlan()
    summary.weighted = True
    population = {s: float(plan.population[s]) for s in strata}
    margins: dict[str, dict[str, float]] = {}
    total = float(sum(population.values()))
    rake = plan.settings.rake
    for variable in ("channel", "sex", "age_group"):
        if variable not in rake:
            continue
        if variable == "channel":
            by_channel: dict[str, float] = defaultdict(float)
            for (_unit, channel, _form), n in plan.population.items():
                by_channel[channel] += n
            margins["channel"] = dict(by_channel)
        else:
            margins[variable] = {level: share / 100 * total for level, share in rake[variable].items()}  # type: ignore[union-attr]
    if margins:
        outside = [v for v, levels in margins.items() if any(c.data.profile.get(v, "") not in levels for c in cells)]
        if outside:
            summary.notes.append("rake_profile_missing")
            return WeightPlan(population=population)
        summary.raked = list(margins)
        return WeightPlan(population=population, margins=margins)
    return WeightPlan(population=population)


def _weighted(plan: EstimationPlan, cells: Sequence[LeafCell], weights: WeightPlan, dims: int, summary: DesignSummary | None) -> Weighting:
    weighting = build_sample([c.data for c in cells], weights, dims)
    if weights.margins and plan.settings.trim is not None:
        sample = weighting.sample
        mean = float((sample.weight * sample.n).sum() / sample.n.sum())
        bounds = (plan.settings.trim[0] * mean, plan.settings.trim[1] * mean)
        weighting = build_sample([c.data for c in cells], WeightPlan(weights.population, weights.margins, bounds), dims)
    if summary is not None:
        summary.trimmed_cells = weighting.trimmed
        if weighting.raked and not weighting.converged:
            summary.notes.append("rake_not_converged")
    return weighting


# ------------------------------------------------------------------------------------------------
# Estimates per unit
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitEstimate:
    """One index value's estimate as stored: on the value's scale (percent for shares), with its 95% interval."""

    estimate: float
    se: float | None
    deff: float | None
    n_eff: float | None
    respondents: int
    ci_low: float | None
    ci_high: float | None

    @property
    def value(self):
        return to_hundredths(Fraction(self.estimate))


def _stored(planned: Planned, estimate: Estimate) -> UnitEstimate:
    scale = 100.0 if planned.share else 1.0  # shares are stored in percent; means (levels, 0–100 answers) as they are
    if planned.share:
        interval = share_interval(estimate, estimate.respondents)
        low, high = (interval.low, interval.high) if interval else (None, None)
    else:
        t = critical_value(estimate.df) if estimate.df >= 1 and estimate.se is not None else math.nan
        low, high = (estimate.value - t * estimate.se, estimate.value + t * estimate.se) if not math.isnan(t) else (None, None)
        if low is not None:
            low = max(low, 0.0)
    return UnitEstimate(
        estimate=estimate.value * scale,
        se=None if estimate.se is None else estimate.se * scale,
        deff=estimate.deff,
        n_eff=estimate.n_eff,
        respondents=estimate.respondents,
        ci_low=None if low is None else low * scale,
        ci_high=None if high is None else high * scale,
    )


def _combined(parts: Sequence[Estimate]) -> Estimate | None:
    """The plain mean of independent estimates (the unit-mean rule)."""
    if not parts:
        return None
    m = len(parts)
    value = sum(p.value for p in parts) / m
    se = None if any(p.se is None for p in parts) else math.sqrt(sum(p.se * p.se for p in parts)) / m
    return Estimate(value=value, se=se, deff=None, df=sum(p.df for p in parts), respondents=sum(p.respondents for p in parts))


UnitValues = dict[tuple[str, str], UnitEstimate]
CellFilter = Callable[[LeafCell], bool]


@dataclass
class Prepared:
    """A campaign's leaf cells read and weighted once, ready for any number of domains."""

    plan: EstimationPlan
    samples: list[tuple[list[LeafCell], tuple[Planned, ...], Weighting]]
    summary: DesignSummary
    unit_paths: dict[int, str]

    def planned(self, key: tuple[str, str]) -> Planned:
        return self._lookup[key]

    def __post_init__(self) -> None:
        self._lookup = {(p.scope, p.key): p for _cells, planned, _w in self.samples for p in planned}


def prepare(*, campaign_id: int, plan: EstimationPlan, unit_paths: Mapping[int, str], targets: Iterable[int] = ()) -> Prepared:
    """Read the leaf cells (two or three queries), weigh them by the design, and say which design it was.
    Paths of cells' units and of `targets` missing from `unit_paths` are read (one query)."""
    requested = plan.settings.rule
    cells = index_cells(campaign_id, plan)
    singles = single_cells(campaign_id, plan)
    paths = dict(unit_paths)
    unknown = ({c.unit for c in [*cells, *singles]} | set(targets)) - paths.keys()
    if unknown:
        paths.update(Unit.objects.filter(pk__in=sorted(unknown)).values_list("pk", "path"))
    rule = requested or (RULE_POPULATION if plan.population else RULE_POOLED)
    if rule == RULE_UNIT_MEAN:  # the rule walks the tree: every unit between a cell and the top
        above = {path[: i + 1] for path in paths.values() for i, ch in enumerate(path) if ch == "/"} - set(paths.values())
        if above:
            paths.update(Unit.objects.filter(path__in=sorted(above)).values_list("pk", "path"))
    summary = DesignSummary(
        rule=rule, weighted=False, strata=len({c.data.stratum for c in cells}), requested_rule=requested,
        min_respondents=plan.settings.min_respondents, max_cv=plan.settings.max_cv,
    )
    weights = _weight_plan(plan, cells, summary)
    samples = []
    for block, planned, dims in ((cells, plan.index, plan.variables.dims), (singles, plan.single, plan.single_dims)):
        if block and planned:
            index_block = block is cells
            weighting = _weighted(plan, block, weights if index_block else WeightPlan(population=weights.population), dims, summary if index_block else None)
            samples.append((block, planned, weighting))
            if index_block:
                summary.kish_deff = weighting.kish
    return Prepared(plan, samples, summary, paths)


def _domain(prepared: Prepared, mask_of: Callable[[LeafCell], bool]) -> dict[tuple[str, str], Estimate]:
    found: dict[tuple[str, str], Estimate] = {}
    for block, planned, weighting in prepared.samples:
        mask = np.array([mask_of(c) for c in block], dtype=bool)
        if not mask.any():
            continue
        estimates = estimate_many(weighting.sample, mask, [p.estimand for p in planned], [p.counter for p in planned])
        for p, estimate in zip(planned, estimates, strict=True):
            if estimate is not None:
                found[(p.scope, p.key)] = estimate
    return found


@blas_single_thread
def estimate_units(prepared: Prepared, targets: Iterable[int], where: CellFilter | None = None) -> dict[int, dict[tuple[str, str], Estimate]]:
    """The raw estimates of each unit of `targets` over its subtree's cells (those `where` keeps)."""
    keep = where or (lambda _cell: True)
    paths = prepared.unit_paths
    if prepared.summary.rule == RULE_UNIT_MEAN:
        return _unit_means(prepared, sorted(set(targets)), keep)
    result = {}
    for unit in sorted(set(targets)):
        path = paths.get(unit)
        if path is not None:
            result[unit] = _domain(prepared, lambda c, path=path: keep(c) and paths.get(c.unit, "").startswith(path))
    return result


def stored_estimates(prepared: Prepared, raw: Mapping[int, Mapping[tuple[str, str], Estimate]]) -> dict[int, UnitValues]:
    return {unit: {key: _stored(prepared.planned(key), e) for key, e in found.items()} for unit, found in raw.items()}


def unit_estimates(
    *, campaign_id: int, plan: EstimationPlan, unit_paths: Mapping[int, str], root_path: str, targets: Iterable[int],
) -> tuple[dict[int, UnitValues], DesignSummary]:
    """The estimates of every unit of `targets` over its subtree (units without responses get none), as stored."""
    targets = sorted(set(targets))
    prepared = prepare(campaign_id=campaign_id, plan=plan, unit_paths=unit_paths, targets=targets)
    return stored_estimates(prepared, estimate_units(prepared, targets)), prepared.summary


def _unit_means(prepared: Prepared, targets: Sequence[int], keep: CellFilter) -> dict[int, dict[tuple[str, str], Estimate]]:
    """The unit-mean rule, bottom up: a unit's own responses form one part, each sub-unit with data another."""
    paths = prepared.unit_paths
    path_unit = {path: unit for unit, path in paths.items()}
    children: dict[int, list[int]] = defaultdict(list)
    for unit, path in paths.items():
        parent = path.rstrip("/").rsplit("/", 1)[0] + "/" if path.rstrip("/").count("/") else None
        if parent in path_unit:
            children[path_unit[parent]].append(unit)
    memo: dict[int, dict[tuple[str, str], Estimate]] = {}

    def value(unit: int) -> dict[tuple[str, str], Estimate]:
        if unit not in memo:
            parts = [_domain(prepared, lambda c: c.unit == unit and keep(c))] + [value(child) for child in sorted(children.get(unit, []))]
            parts = [p for p in parts if p]
            keys = {key for part in parts for key in part}
            memo[unit] = {key: combined for key in keys if (combined := _combined([p[key] for p in parts if key in p])) is not None}
        return memo[unit]

    return {unit: value(unit) for unit in targets if unit in paths}
