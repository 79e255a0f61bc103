"""Every unit's design-based estimates, from the engine's leaf tables (the recompute calls this).

`estimation_plan` turns a campaign's scheme, question rules and stored design into what is estimated
(one estimand per index value) and how responses are weighted. `unit_estimates` reads the leaf tables —
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
from django.db import connection

from reports.estimation.design import (
    RULE_POOLED,
    RULE_POPULATION,
    RULE_UNIT_MEAN,
    CellData,
    DesignSettings,
    Weighting,
    WeightPlan,
    build_sample,
    design_settings,
)
from reports.estimation.estimators import (
    Estimand,
    Estimate,
    MeanOf,
    Ratio,
    blas_single_thread,
    critical_value,
    estimate_many,
    share_interval,
)
from reports.estimation.sums import FormLayout, Variables, form_layouts
from reports.models import CellCount, CellMoments, Tally
from reports.schemes import MEAN, MEAN_SCORE, ROLE_EXPECTATION, ROLE_INDEX, ROLE_RETURN, QuestionRule, SchemeSettings, to_hundredths
from units.models import Unit

StratumKey = tuple[int, str, int | None]  # unit, channel, form (None: the cell's forms share the stratum)


@dataclass(frozen=True)
class Planned:
    """One index value to estimate: its scope and key, the estimand, the variable counting its
    respondents, and whether it is a share (a fraction of 1, shown × 100 with a logit interval)."""

    scope: str
    key: str
    estimand: Estimand
    counter: int | None
    share: bool


@dataclass(frozen=True)
class EstimationPlan:
    variables: Variables
    layouts: Mapping[int, FormLayout]
    index: tuple[Planned, ...]
    single_columns: Mapping[int, tuple[int, int, str]]  # question → (x column, y column, role) in the single block
    single_rules: Mapping[int, QuestionRule]
    single: tuple[Planned, ...]
    single_dims: int
    settings: DesignSettings
    population: Mapping[StratumKey, int]
    per_form: frozenset[tuple[int, str]]  # unit × channel cells whose population is given per form

    def fingerprint(self) -> list:
        return [self.settings.as_key(), sorted(([u, c, f if f is not None else 0], n) for (u, c, f), n in self.population.items())]

    @property
    def weights_shared(self) -> bool:
        """Whether one stratum's responses move other strata's weights (raking to margins): an incremental
        recompute must then estimate every unit again."""
        return bool(self.settings.rake) and bool(self.population)

    def stratum(self, form: int, unit: int, channel: str) -> StratumKey:
        return (unit, channel, form) if (unit, channel) in self.per_form else (unit, channel, None)


def estimation_plan(
    *, rules: Sequence[QuestionRule], questionnaire_of: Mapping[int, int], form_of_questionnaire: Mapping[int, int], scheme: SchemeSettings,
    options: object, population: Iterable[tuple[int, str, int | None, int]],
) -> EstimationPlan:
    """What is estimated for a campaign and with which design (population rows: unit, channel, form, N)."""
    index_rules = [r for r in rules if r.role == ROLE_INDEX and r.levels and r.question_id in questionnaire_of]
    criteria = tuple(dict.fromkeys(r.code for r in index_rules))
    elements = tuple(dict.fromkeys(r.section_code for r in index_rules))
    mean_score = scheme.code == MEAN_SCORE
    variables = Variables(criteria, elements, mean_score=mean_score)
    top = {}
    for rule in index_rules:
        top.setdefault(rule.code, rule.scale_max or 1)
    members: dict[str, list[str]] = defaultdict(list)
    for rule in index_rules:
        if rule.code not in members[rule.section_code]:
            members[rule.section_code].append(rule.code)

    def coefficient(code: str) -> float:
        return 1.0 / top[code] if mean_score else 1.0

    def pooled(codes: Sequence[str], column) -> Ratio:
        return Ratio(tuple((column(c), coefficient(c) if column == variables.y else 1.0) for c in codes), tuple(variables.x(c) for c in codes))

    criterion = {c: Ratio(((variables.y(c), coefficient(c)),), (variables.x(c),)) for c in criteria}
    planned: list[Planned] = []
    element_estimands: dict[str, Estimand] = {}
    for code in criteria:
        if scheme.known:
            planned.append(Planned("criterion", code, criterion[code], variables.x(code), True))
        planned.append(Planned("mean", code, Ratio(((variables.l(code), 1.0),), (variables.x(code),)), variables.x(code), False))
    for section in elements:
        codes = members[section]
        element_estimands[section] = MeanOf(tuple(criterion[c] for c in codes)) if scheme.element == MEAN else pooled(codes, variables.y)
        if scheme.known:
            planned.append(Planned("element", section, element_estimands[section], variables.p(section), True))
        planned.append(Planned("mean", section, pooled(codes, variables.l), variables.p(section), False))
    if criteria:
        overall = MeanOf(tuple(element_estimands[s] for s in elements)) if scheme.overall == MEAN else pooled(criteria, variables.y)
        if scheme.known:
            planned.append(Planned("overall", "", overall, Variables.R, True))
        planned.append(Planned("mean", "", pooled(criteria, variables.l), Variables.R, False))
    planned.append(Planned("full", "", Ratio(((Variables.F, 1.0),), (Variables.R,)), Variables.R, True))

    single_columns: dict[int, tuple[int, int, str]] = {}
    single_rules: dict[int, QuestionRule] = {}
    single: list[Planned] = []
    codes_seen: dict[tuple[str, str], tuple[int, int]] = {}
    for rule in rules:
        if rule.role not in (ROLE_EXPECTATION, ROLE_RETURN) or rule.question_id not in questionnaire_of:
            continue
        scope = "expectation" if rule.role == ROLE_EXPECTATION else "return"
        if (scope, rule.code) not in codes_seen:  # questions sharing a code add up
            columns = (2 * len(codes_seen), 2 * len(codes_seen) + 1)
            codes_seen[(scope, rule.code)] = columns
            single.append(Planned(scope, rule.code, Ratio(((columns[1], 1.0),), (columns[0],)), columns[0], scope == "return"))
        x, y = codes_seen[(scope, rule.code)]
        single_columns[rule.question_id] = (x, y, rule.role)
        single_rules[rule.question_id] = rule
    rows = list(population)
    per_form = frozenset((unit, channel) for unit, channel, form, _n in rows if form is not None)
    sizes = {(unit, channel, form if (unit, channel) in per_form else None): n for unit, channel, form, n in rows}
    return EstimationPlan(
        variables=variables, layouts=form_layouts(rules, questionnaire_of, form_of_questionnaire), index=tuple(planned),
        single_columns=single_columns, single_rules=single_rules, single=tuple(single), single_dims=2 * len(codes_seen), settings=design_settings(options),
        population=sizes, per_form=per_form,
    )


# ------------------------------------------------------------------------------------------------
# Leaf tables → cells
# ------------------------------------------------------------------------------------------------


def _integers(values: np.ndarray) -> bytes:
    return np.rint(values).astype("<i8").tobytes()


def cell_moments_rows(campaign_id: int, cells: Mapping[tuple, object]) -> Iterable[tuple]:
    """Rows of `CellMoments` for computed cells (sums, and the upper triangle of the cross-products)."""
    for (form, unit, channel, sex, age), row in sorted(cells.items()):
        upper = row.gram[np.triu_indices(row.gram.shape[0])]
        yield (campaign_id, form, unit, channel, sex, age, row.n, _integers(row.sums), _integers(upper))


@dataclass(frozen=True)
class LeafCell:
    unit: int
    form: int
    channel: str
    data: CellData


def _numbers(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<i8").astype(np.float64)


def index_cells(campaign_id: int, plan: EstimationPlan) -> list[LeafCell]:
    """Every leaf cell's index moments, in a fixed order (so that every path sums the same way)."""
    dims, core = plan.variables.dims, plan.variables.gram_dims
    rows_upper = np.triu_indices(core)
    table = connection.ops.quote_name(CellMoments._meta.db_table)
    cells = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT form_id, unit_id, channel, sex, age_group, n, sums, gram FROM {table} WHERE campaign_id = %s "
            "ORDER BY unit_id, channel, form_id, sex, age_group",
            [campaign_id],
        )
        for form, unit, channel, sex, age, n, sums, gram in cursor.fetchall():
            values = _numbers(sums)
            upper = _numbers(gram)
            if values.shape[0] != dims or upper.shape[0] != rows_upper[0].shape[0]:
                continue  # written with another variable layout: the next full recompute rewrites it
            full = np.zeros((core, core))
            full[rows_upper] = upper
            full = full + full.T - np.diag(np.diag(full))
            profile = {"channel": channel, "sex": sex, "age_group": age}
            cells.append(LeafCell(unit, form, channel, CellData(plan.stratum(form, unit, channel), int(n), values, full, profile)))
    return cells


def single_cells(campaign_id: int, plan: EstimationPlan) -> list[LeafCell]:
    """Cells of the expectation and return questions (one answer per response), from the leaf tallies."""
    if not plan.single_columns:
        return []
    dims = plan.single_dims
    responses = {
        (form, unit, channel): n
        for form, unit, channel, n in CellCount.objects.filter(campaign_id=campaign_id).values_list("form_id", "unit_id", "channel", "responses")
    }
    sums: dict[tuple, np.ndarray] = {}
    grams: dict[tuple, np.ndarray] = {}
    tallies = Tally.objects.filter(campaign_id=campaign_id, question_id__in=list(plan.single_columns)).values_list(
        "form_id", "unit_id", "channel", "question_id", "level", "n"
    )
    rules = plan.single_rules
    for form, unit, channel, question, level, n in tallies:
        rule = rules.get(question)
        if rule is None or not rule.is_valid(level):
            continue
        x, y, role = plan.single_columns[question]
        key = (form, unit, channel)
        vector = sums.setdefault(key, np.zeros(dims))
        gram = grams.setdefault(key, np.zeros((dims, dims)))
        value = float(level) if role == ROLE_EXPECTATION else (1.0 if level in rule.satisfied else 0.0)
        vector[x] += n
        vector[y] += n * value
        gram[x, x] += n
        gram[x, y] += n * value
        gram[y, x] += n * value
        gram[y, y] += n * value * value
    cells = []
    for key in sorted(responses, key=lambda k: (k[1], k[2], k[0])):
        form, unit, channel = key
        data = CellData(plan.stratum(form, unit, channel), responses[key], sums.get(key, np.zeros(dims)), grams.get(key, np.zeros((dims, dims))))
        cells.append(LeafCell(unit, form, channel, data))
    return cells


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
