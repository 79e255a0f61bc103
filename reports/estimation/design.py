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
    """One cell's moments: the stratum it belongs to, its responses, Σv and Σvvᵀ, and its profile
    (channel, sex, age group: the classes of the raking margins)."""

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
    gram = np.array([c.gram for c in cells], dtype=float).reshape(count, dims, dims)
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
