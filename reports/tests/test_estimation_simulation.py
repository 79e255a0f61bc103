"""Seeded simulations on a finite population whose truth is known (no database, a few seconds).

The district of the issue: 12 rural communes of 800 users at about 90% satisfied and 4 wards of 6,000
users at about 78%, sampled with quotas of 150 per commune and 200 per ward (stratified simple random
samples without replacement). Each person answers 8 criteria driven by one latent satisfaction, so a
person's answers are strongly correlated (Cronbach's α ≈ 0.93, as in published Vietnamese studies).
"""

from __future__ import annotations

import numpy as np

from reports.estimation.design import CellData, WeightPlan, build_sample
from reports.estimation.estimators import Ratio, estimate_many, share_interval, wilson_interval
from reports.estimation.sums import FormLayout, Variables, moments, variables_matrix
from surveys.rules import QuestionRule

CRITERIA = 8
UNITS = [("commune", 800, 150, 1.86)] * 12 + [("ward", 6000, 200, 1.32)] * 4  # kind, N, quota, mean of the latent mood
DRAWS = 600


def _population(seed: int):
    rng = np.random.default_rng(seed)
    rules = tuple(
        QuestionRule(question_id=k, code=f"C{k}", section_code="A", role="index", levels=frozenset(range(1, 6)), missing=frozenset({9}), satisfied=frozenset({4, 5}))
        for k in range(CRITERIA)
    )
    layout = FormLayout(1, rules)
    variables = Variables(tuple(r.code for r in rules), ("A",))
    units = []
    for _kind, size, quota, mood_mean in UNITS:
        mood = rng.normal(mood_mean, 1.0, size)[:, None]
        latent = mood + rng.normal(0, 0.35, (size, CRITERIA))
        levels = np.clip(np.round(3.0 + latent), 1, 5).astype(np.int64)
        levels[rng.random((size, CRITERIA)) < 0.03] = 9  # "không biết"
        units.append((variables_matrix(levels, layout, variables), quota))
    return units, variables


def _cronbach_alpha(matrix: np.ndarray, variables: Variables) -> float:
    items = matrix[:, [variables.y(code) for code in variables.criteria]]
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def test_design_based_intervals_cover_the_truth_about_95_percent_and_weights_remove_the_quota_bias():
    units, variables = _population(seed=12)
    pooled_estimand = Ratio(tuple((variables.y(c), 1.0) for c in variables.criteria), tuple(variables.x(c) for c in variables.criteria))
    everyone = np.vstack([matrix for matrix, _ in units])
    truth = everyone[:, [variables.y(c) for c in variables.criteria]].sum() / everyone[:, [variables.x(c) for c in variables.criteria]].sum()
    assert 0.80 < truth < 0.83  # the population's value (the issue: 81.43%)
    assert _cronbach_alpha(everyone, variables) > 0.9

    rng = np.random.default_rng(2026)
    population = {i: float(matrix.shape[0]) for i, (matrix, _) in enumerate(units)}
    weighted_values, pooled_values, covered, wilson_covered = [], [], 0, 0
    for _ in range(DRAWS):
        cells = []
        for i, (matrix, quota) in enumerate(units):
            drawn = matrix[rng.choice(matrix.shape[0], quota, replace=False)]
            n, sums, gram = moments(drawn)
            cells.append(CellData(i, n, sums, gram))
        everything = np.ones(len(cells), dtype=bool)
        (weighted,) = estimate_many(build_sample(cells, WeightPlan(population=population), variables.dims).sample, everything, [pooled_estimand], [variables.R])
        (pooled,) = estimate_many(build_sample(cells, WeightPlan(), variables.dims).sample, everything, [pooled_estimand], [variables.R])
        weighted_values.append(weighted.value)
        pooled_values.append(pooled.value)
        interval = share_interval(weighted, weighted.respondents)
        covered += interval.low <= truth <= interval.high
        # what the first wave showed: Wilson over answers, as if a person's answers were independent
        answers = float(sum(c.sums[[variables.x(k) for k in variables.criteria]].sum() for c in cells))
        low, high = wilson_interval(weighted.value, answers)
        wilson_covered += low <= truth <= high
    coverage = covered / DRAWS
    bias_weighted = 100 * (np.mean(weighted_values) - truth)
    bias_pooled = 100 * (np.mean(pooled_values) - truth)
    print(f"truth {100 * truth:.2f}%: weighted mean {100 * np.mean(weighted_values):.2f}% (bias {bias_weighted:+.2f}), pooled {100 * np.mean(pooled_values):.2f}% (bias {bias_pooled:+.2f}); coverage {100 * coverage:.1f}% (answer-level Wilson {100 * wilson_covered / DRAWS:.1f}%)")
    assert 0.93 <= coverage <= 0.97
    assert abs(bias_weighted) < 0.3
    assert bias_pooled > 4.0  # the quotas' bias the issue measured (4.9 points)
    assert wilson_covered / DRAWS < 0.85  # the first wave's intervals were far too narrow
