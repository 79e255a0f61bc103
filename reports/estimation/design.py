"""The sample design of a campaign: strata, population sizes, weights, and the sample the estimators use.

Strata are the quota cells: unit × channel (× form when the population is given per form). The
population size N_h of a stratum comes from the campaign's stored design (`campaigns.StratumPopulation`:
imported with `import_population`, entered in the admin, or derived from the sampling frame). With sizes
for every stratum that has responses, each response weighs N_h / n_h (`weighting.design_weights`),
optionally raked to known margins (channel, sex, age group) and trimmed; without them every response
weighs 1 and there is no finite-population correction: the estimates are the unweighted ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from reports.estimation.estimators import Sample
from reports.estimation.weighting import design_weights, kish_deff, rake, trim


@dataclass(frozen=True)
class CellData:
    """One cell's moments: the stratum it belongs to, its responses, Σv and Σvvᵀ (over the first
    variables, or all), and its profile (channel, sex, age group: the classes of the raking margins)."""

    stratum: Hashable
    n: int
    sums: np.ndarray
    gram: np.ndarray
    profile: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WeightPlan:
    """How responses are weighted.

    `population` maps a stratum to N_h (None: unweighted, every weight 1 and no fpc). `margins` maps a
    profile variable to its classes' population totals (raking); `trim` bounds the raked weights as
    absolute values (R's `trimWeights(lower, upper)`).
    """

    population: Mapping[Hashable, float] | None = None
    margins: Mapping[str, Mapping[str, float]] | None = None
    trim: tuple[float, float] | None = None

    @property
    def weighted(self) -> bool:
        return self.population is not None


@dataclass
class Weighting:
    """What the weights came to: the sample, and the figures the design block shows."""

    sample: Sample
    strata: list[Hashable]
    kish: float | None
    raked: bool = False
    converged: bool = True
    trimmed: int = 0  # cells whose weight was trimmed


def build_sample(cells: Sequence[CellData], plan: WeightPlan, dims: int) -> Weighting:
    """The cells as one `Sample`, weighted by `plan` (cells keep their order)."""
    strata: list[Hashable] = []
    index: dict[Hashable, int] = {}
    for cell in cells:
        if cell.stratum not in index:
            index[cell.stratum] = len(strata)
            strata.append(cell.stratum)
    count = len(cells)
    stratum = np.array([index[c.stratum] for c in cells], dtype=np.int64)
    n = np.array([c.n for c in cells], dtype=np.int64)
    stratum_n = np.bincount(stratum, weights=n, minlength=len(strata)).astype(np.int64)
    sums = np.array([c.sums for c in cells], dtype=float).reshape(count, dims)
    gram_dims = cells[0].gram.shape[0] if cells else dims  # cross-products may cover the first variables only
    gram = np.array([c.gram for c in cells], dtype=float).reshape(count, gram_dims, gram_dims)
    if plan.population is None:
        weights = np.ones(count)
        stratum_f = np.ones(len(strata))
        sample = Sample(n=n, sums=sums, gram=gram, stratum=stratum, stratum_n=stratum_n, stratum_f=stratum_f, weight=weights)
        return Weighting(sample, strata, kish_deff(weights, n))
    population = np.array([float(plan.population[s]) for s in strata])
    stratum_f = np.clip((population - stratum_n) / population, 0.0, 1.0)
    weights = design_weights(stratum_n.astype(float), population)[stratum]
    result = Weighting(
        Sample(n=n, sums=sums, gram=gram, stratum=stratum, stratum_n=stratum_n, stratum_f=stratum_f, weight=weights, fpc=True), strata, None
    )
    if plan.margins:
        variables = list(plan.margins)
        classes = np.zeros((count, len(variables)), dtype=np.int64)
        targets = []
        for m, variable in enumerate(variables):
            levels = list(plan.margins[variable])
            position = {level: k for k, level in enumerate(levels)}
            classes[:, m] = [position.get(c.profile.get(variable, ""), -1) for c in cells]
            targets.append(np.array([float(plan.margins[variable][level]) for level in levels]))
        if (classes < 0).any():
            raise ValueError("a cell lies outside the raking margins")
        raked, converged = rake(weights, n.astype(float), classes, targets)
        final = raked
        if plan.trim is not None:
            final = trim(raked, n.astype(float), lower=plan.trim[0], upper=plan.trim[1])
            result.trimmed = int(((raked < plan.trim[0]) | (raked > plan.trim[1])).sum())
        result.sample.weight = final
        result.sample.rake_weight = raked
        result.sample.classes = classes
        result.raked, result.converged = True, converged
    result.kish = kish_deff(result.sample.weight, n)
    return result


# ------------------------------------------------------------------------------------------------
# The campaign's design settings (Campaign.scheme_options)
# ------------------------------------------------------------------------------------------------

RULE_POPULATION = "population"  # weights N/n from the population sizes (the default once they exist)
RULE_POOLED = "pooled"  # every counted answer alike, whatever its stratum (the first wave's figures)
RULE_UNIT_MEAN = "unit_mean"  # a unit's value is the plain mean of the values of the units directly below it
RULES = (RULE_POPULATION, RULE_POOLED, RULE_UNIT_MEAN)
RAKE_VARIABLES = ("channel", "sex", "age_group")
MIN_RESPONDENTS = 30
MAX_CV = 15.0  # percent


@dataclass(frozen=True)
class DesignSettings:
    """What an official chose for the design (scheme_options), each value checked.

    - `rule`: how units and strata combine (None: population-weighted when sizes exist, else pooled);
    - `rake`: margins to rake to: "sex" and "age_group" map each class to its share of the population in
      percent (summing to 100), "channel": true rakes to the channels' totals of the population sizes;
    - `trim`: bounds of the raked weights as multiples of their mean, e.g. [0.3, 3.0];
    - `min_respondents`, `max_cv`: the minimum publishable size (a unit with fewer respondents or a larger
      coefficient of variation is listed apart and never ranked).
    """

    rule: str | None = None
    rake: Mapping[str, Mapping[str, float] | bool] = field(default_factory=dict)
    trim: tuple[float, float] | None = None
    min_respondents: int = MIN_RESPONDENTS
    max_cv: float = MAX_CV
    problems: tuple[str, ...] = ()

    def as_key(self) -> list:
        return [self.rule, sorted((k, sorted(v.items()) if isinstance(v, Mapping) else v) for k, v in self.rake.items()), self.trim]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def design_settings(options: object) -> DesignSettings:
    """The design settings in a campaign's scheme_options; what is malformed is dropped and said in `problems`."""
    options = options if isinstance(options, Mapping) else {}
    problems: list[str] = []
    rule = options.get("rule")
    if rule is not None and rule not in RULES:
        problems.append(f"rule={rule!r}")
        rule = None
    rake: dict[str, Mapping[str, float] | bool] = {}
    raw_rake = options.get("rake")
    if isinstance(raw_rake, Mapping):
        for variable, value in raw_rake.items():
            if variable == "channel" and value is True:
                rake["channel"] = True
            elif variable in ("sex", "age_group") and isinstance(value, Mapping):
                shares = {str(k): _number(v) for k, v in value.items()}
                if shares and all(v is not None and v > 0 for v in shares.values()) and abs(sum(shares.values()) - 100) <= 0.5:  # type: ignore[arg-type]
                    rake[variable] = shares  # type: ignore[assignment]
                else:
                    problems.append(f"rake.{variable}")
            else:
                problems.append(f"rake.{variable}")
    elif raw_rake is not None:
        problems.append("rake")
    trim = None
    raw_trim = options.get("trim")
    if isinstance(raw_trim, list | tuple) and len(raw_trim) == 2:
        low, high = _number(raw_trim[0]), _number(raw_trim[1])
        if low is not None and high is not None and 0 < low < 1 < high:
            trim = (low, high)
        else:
            problems.append("trim")
    elif raw_trim is not None:
        problems.append("trim")
    minimum = options.get("min_respondents", MIN_RESPONDENTS)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 2:
        problems.append("min_respondents")
        minimum = MIN_RESPONDENTS
    cv = _number(options.get("max_cv", MAX_CV))
    if cv is None or cv <= 0:
        problems.append("max_cv")
        cv = MAX_CV
    return DesignSettings(rule=rule, rake=rake, trim=trim, min_respondents=minimum, max_cv=cv, problems=tuple(problems))
