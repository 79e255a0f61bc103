"""Design-based estimators: ratios and means of ratios with Taylor-linearised variances.

Every figure of a unit is a smooth function of weighted totals of per-response variables (satisfied and
valid answers per criterion, respondent and fully-satisfied flags, ...). The engine never holds the
responses: it holds, per cell of the design (a stratum, or a stratum × sex × age group when the weights
or a breakdown need it), the number of responses n_c, the sums Σv and the cross-products Σvvᵀ of their
variables (`reports.estimation.sums`). That is enough for the estimate and for its linearised variance:

    θ = g(T),  T = Σ_c w_c Σ_{i∈c} v_i,  z_i = ∇g(T)ᵀ v_i  (the influence value of response i)
    Var(θ) = Σ_h scale_h Σ_{i∈h} (x_i − x̄_h)²,  x_i = w_i z_i (minus the raking residual, below)
    scale_h = (1 − n_h/N_h) n_h/(n_h − 1)       (fpc; 1 − n_h/N_h is 1 without population sizes)

which is what R's survey package computes (`svyrecvar`) for `svydesign(ids=~1, strata=, fpc=,
weights=)` with `svyratio` and `svycontrast`; `reports/estimation/reference/survey_reference.R` is the
cross-check. A stratum with one response follows `options(survey.lonely.psu = "adjust")`: it is not
centred on its own mean (it has none to speak of) but on the overall one, x² × (1 − n/N).

Raking (post-stratification to several margins in turn) adds R's residualisation: ten rounds over the
margins of x ← x − w_rake × mean_{margin class}(x / w_rake), done here on cell sums.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

Z_95 = 1.959963984540054  # the 97.5% quantile of the standard normal distribution
RAKING_ROUNDS = 10  # R's svyrecvar residualises raked totals in 10 rounds over the margins


def blas_single_thread(function):
    """Run `function` with the linear algebra library on one thread. Its products here are small (a cell's
    responses × 42 variables); OpenBLAS's threads cost far more than they save on a shared machine
    (330 such products: 1.35 s threaded, 0.04 s on one thread, measured under load)."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return run


# ------------------------------------------------------------------------------------------------
# The sample as cells with moments
# ------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    """Cells of a design with the moments of their responses' variables (D of them).

    `stratum[c]` indexes `stratum_n` (responses of the whole stratum, PSUs) and `stratum_f`
    (1 − n_h/N_h, or 1.0 without population sizes). `weight[c]` is the final weight of every response
    of cell c; `rake_weight[c]` the weight R's raking residualisation divides by (the raked weight
    before trimming); `classes[c, m]` the cell's class in raking margin m (no column without raking).
    """

    n: np.ndarray  # (C,) responses per cell
    sums: np.ndarray  # (C, D)
    gram: np.ndarray  # (C, G, G): cross-products of the first G ≤ D variables
    stratum: np.ndarray  # (C,) int
    stratum_n: np.ndarray  # (H,) int
    stratum_f: np.ndarray  # (H,) float
    weight: np.ndarray  # (C,)
    rake_weight: np.ndarray | None = None  # (C,)
    classes: np.ndarray | None = None  # (C, M) int
    fpc: bool = False  # population sizes known: deff against SRS without replacement (else with replacement)

    @property
    def dims(self) -> int:
        return self.sums.shape[1]

    @property
    def raked(self) -> bool:
        return self.classes is not None and self.classes.shape[1] > 0


# ------------------------------------------------------------------------------------------------
# What is estimated: ratios of totals and means of them
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """Σ coefficient × T[variable] over `numerator` / Σ T[variable] over `denominator`."""

    numerator: tuple[tuple[int, float], ...]
    denominator: tuple[int, ...]


@dataclass(frozen=True)
class MeanOf:
    """The plain mean of the parts that have data (a part whose denominator is zero is left out)."""

    parts: tuple[Ratio | MeanOf, ...]


Estimand = Ratio | MeanOf


def evaluate(estimand: Estimand, totals: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The estimate and its gradient with respect to the totals, None without data."""
    if isinstance(estimand, Ratio):
        denominator = float(sum(totals[j] for j in estimand.denominator))
        if not denominator > 0:
            return None
        value = float(sum(c * totals[i] for i, c in estimand.numerator)) / denominator
        gradient = np.zeros(totals.shape[0])
        for i, c in estimand.numerator:
            gradient[i] += c / denominator
        for j in estimand.denominator:
            gradient[j] -= value / denominator
        return value, gradient
    present = [part for part in (evaluate(p, totals) for p in estimand.parts) if part is not None]
    if not present:
        return None
    value = sum(v for v, _ in present) / len(present)
    gradient = sum((g for _, g in present), np.zeros(totals.shape[0])) / len(present)
    return value, gradient


# ------------------------------------------------------------------------------------------------
# Estimates with their variance
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """One estimate of a domain: value and standard error on the estimand's own scale (a share is a
    fraction of 1 here), the design effect, and the design's degrees of freedom in the domain."""

    value: float
    se: float | None  # None: a point estimate only (its variables have no cross-products)
    deff: float | None
    df: int  # respondents − strata they span (R: degf of the design restricted to them)
    respondents: int  # responses that carry the estimate (a valid answer, ...), all responses without a counter

    @property
    def n_eff(self) -> float | None:
        """The respondents a simple random sample would need for the same precision."""
        return self.respondents / self.deff if self.deff and self.deff > 0 else None


def _raking_residuals(sample: Sample, x_sums: np.ndarray) -> np.ndarray:
    """Δ (C, E): what R's residualisation subtracts, per response of cell c, as rake_weight[c] × Δ[c].

    `x_sums[c, e]` = Σ_{i∈c} w_i z_i. A round over margin m replaces x by x − w_rake × (the unweighted
    mean of x / w_rake over the response's class in m); with weights constant in a cell this is a
    per-cell constant, accumulated in Δ.
    """
    cells, estimands = x_sums.shape
    delta = np.zeros((cells, estimands))
    if not sample.raked:
        return delta
    rake = sample.rake_weight
    n = sample.n.astype(float)
    ratio_sums = x_sums / rake[:, None]  # Σ_{i∈c} x_i / w_rake before any residual
    for _ in range(RAKING_ROUNDS):
        for m in range(sample.classes.shape[1]):
            classes = sample.classes[:, m]
            size = np.bincount(classes, weights=n)
            totals = np.zeros((size.shape[0], estimands))
            np.add.at(totals, classes, ratio_sums - n[:, None] * delta)
            means = np.divide(totals, size[:, None], out=np.zeros_like(totals), where=size[:, None] > 0)
            delta += means[classes]
    return delta


def estimate_many(
    sample: Sample, in_domain: np.ndarray, estimands: Sequence[Estimand], counters: Sequence[int | None] | None = None
) -> list[Estimate | None]:
    """Estimates of `estimands` over the responses of the cells where `in_domain` is true.

    Cells outside the domain still belong to their strata (their responses count as zeros, as R's
    `subset` of a design keeps each stratum's size) and, in a raked design, to the margins.
    `counters[e]` names a 0/1 variable marking the responses that carry estimand e (those with a valid
    answer to a criterion, ...): they give its respondents and degrees of freedom.
    """
    domain = np.flatnonzero(in_domain)
    if domain.size == 0:
        return [None] * len(estimands)
    weights = sample.weight[domain]
    totals = (sample.sums[domain] * weights[:, None]).sum(axis=0)
    evaluated = [evaluate(e, totals) for e in estimands]
    results: list[Estimate | None] = [None] * len(estimands)
    core = sample.gram.shape[1]
    with_se = [i for i, item in enumerate(evaluated) if item is not None and not item[1][core:].any()]
    for i, item in enumerate(evaluated):
        if item is not None and i not in with_se:
            respondents, df = _respondents(sample, domain, counters[i] if counters else None)
            results[i] = Estimate(value=item[0], se=None, deff=None, df=df, respondents=respondents)
    if not with_se:
        return results
    gradients = np.array([evaluated[i][1][:core] for i in with_se])  # (E, G)
    linear = sample.sums[domain][:, :core] @ gradients.T  # (Cd, E): Σ_{i∈c} z_i
    quadratic = _quadratic_forms(sample.gram[domain], gradients)  # (Cd, E): Σ_{i∈c} z_i²
    cells = sample.n.shape[0]
    z_sums = np.zeros((cells, len(with_se)))
    z_squares = np.zeros((cells, len(with_se)))
    z_sums[domain] = linear
    z_squares[domain] = quadratic
    variance = _variance(sample, z_sums, z_squares)
    deffs = _design_effects(sample, domain, z_sums, z_squares, variance)
    for column, index in enumerate(with_se):
        respondents, df = _respondents(sample, domain, counters[index] if counters else None)
        value = evaluated[index][0]
        results[index] = Estimate(value=value, se=math.sqrt(max(variance[column], 0.0)), deff=deffs[column], df=df, respondents=respondents)
    return results


def _quadratic_forms(grams: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """aᵀ G_c a for every cell c and gradient a. A gradient touches few variables (a criterion two, an
    element its criteria's), so each form reads only its block of the cross-products."""
    result = np.empty((grams.shape[0], gradients.shape[0]))
    for e, gradient in enumerate(gradients):
        support = np.flatnonzero(gradient)
        a = gradient[support]
        block = grams[:, support[:, None], support[None, :]]
        result[:, e] = np.einsum("cij,i,j->c", block, a, a)
    return result


def _respondents(sample: Sample, domain: np.ndarray, counter: int | None) -> tuple[int, int]:
    """(respondents, degrees of freedom = respondents − strata holding them) of an estimand."""
    per_cell = sample.n[domain].astype(float) if counter is None else sample.sums[domain, counter]
    per_stratum = np.bincount(sample.stratum[domain], weights=per_cell, minlength=sample.stratum_n.shape[0])
    respondents = int(round(per_stratum.sum()))
    return respondents, respondents - int((per_stratum > 0.5).sum())


def _variance(sample: Sample, z_sums: np.ndarray, z_squares: np.ndarray) -> np.ndarray:
    """Σ over strata of scale_h Σ_{i∈h} (x_i − x̄_h)², x_i = w_i z_i − w_rake Δ_c (R's svyrecvar)."""
    w = sample.weight[:, None]
    x_sums = w * z_sums
    delta = _raking_residuals(sample, x_sums)
    n = sample.n.astype(float)[:, None]
    if sample.raked:
        rake = sample.rake_weight[:, None]
        x_sums = x_sums - rake * n * delta
        x_squares = w * w * z_squares - 2 * w * rake * delta * z_sums + rake * rake * n * delta * delta
    else:
        x_squares = w * w * z_squares
    strata = sample.stratum_n.shape[0]
    stratum_sums = np.zeros((strata, x_sums.shape[1]))
    stratum_squares = np.zeros((strata, x_sums.shape[1]))
    np.add.at(stratum_sums, sample.stratum, x_sums)
    np.add.at(stratum_squares, sample.stratum, x_squares)
    n_h = sample.stratum_n.astype(float)[:, None]
    f_h = sample.stratum_f[:, None]
    lonely = n_h == 1
    centred = stratum_squares - np.divide(stratum_sums**2, n_h, out=np.zeros_like(stratum_sums), where=n_h > 0)
    scale = np.where(lonely, f_h, f_h * n_h / np.maximum(n_h - 1, 1))
    per_stratum = np.where(lonely, stratum_squares, centred) * scale  # adjust: a lonely PSU is not centred
    per_stratum = np.where(f_h < 1e-7, 0.0, per_stratum)  # a census stratum adds nothing (R: all f < 1e-7)
    return per_stratum.sum(axis=0)


def _design_effects(sample: Sample, domain: np.ndarray, z_sums: np.ndarray, z_squares: np.ndarray, variance: np.ndarray) -> list[float | None]:
    """Var / Var under simple random sampling of as many responses (R: `deff(svytotal(r, design))` on
    the linearised values r): without replacement when population sizes are known, else with it."""
    w = sample.weight[domain][:, None]
    n = float(sample.n[domain].sum())
    weight_total = float((sample.weight[domain] * sample.n[domain]).sum())
    if n < 2 or weight_total <= 0:
        return [None] * variance.shape[0]
    sum_w_z = (w * z_sums[domain]).sum(axis=0)
    sum_w_z2 = (w * z_squares[domain]).sum(axis=0)
    spread = sum_w_z2 - sum_w_z**2 / weight_total  # Σ w (z − z̄_w)²
    svyvar = spread / weight_total * n / (n - 1)
    srs = svyvar * weight_total ** 2 * (weight_total - n) / (weight_total * n) if sample.fpc else svyvar * weight_total ** 2 / n
    return [float(v / s) if s > 0 else None for v, s in zip(variance, srs, strict=True)]


# ------------------------------------------------------------------------------------------------
# Intervals
# ------------------------------------------------------------------------------------------------


def normal_quantile(p: float) -> float:
    """Φ⁻¹(p): Acklam's rational approximation refined by one Halley step (full double precision)."""
    if not 0 < p < 1:
        raise ValueError(p)
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01, -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    elif p > 1 - 0.02425:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    else:
        q = p - 0.5
        r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    error = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    u = error * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) (continued fraction, Lentz's method)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _incomplete_beta(b, a, 1 - x)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)) / a
    tiny = 1e-300
    f, c, d = 1.0, 1.0, 0.0
    for i in range(0, 400):
        m = i // 2
        if i == 0:
            numerator = 1.0
        elif i % 2 == 0:
            numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 + numerator * d
        d = tiny if abs(d) < tiny else d
        d = 1.0 / d
        c = 1.0 + numerator / c
        c = tiny if abs(c) < tiny else c
        step = c * d
        f *= step
        if abs(1.0 - step) < 1e-16:
            break
    return front * (f - 1.0)


def _t_cdf(t: float, df: float) -> float:
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with `df` degrees of freedom (R's qt), the normal one for df = ∞."""
    z = normal_quantile(p)
    if df == math.inf or df > 1e7:
        return z
    if df <= 0:
        raise ValueError(df)
    if df >= 200:  # Cornish–Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5): error below 1e-11 here
        z2 = z * z
        g1 = (z2 + 1) * z / 4
        g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
        g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
        g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    # Newton's method from the normal quantile, kept inside a bracket by bisection.
    low, high = -1e6, 1e6
    t = z
    for _ in range(200):
        error = _t_cdf(t, df) - p
        if error > 0:
            high = t
        else:
            low = t
        density = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi) - (df + 1) / 2 * math.log1p(t * t / df))
        step = error / density if density > 0 else 0.0
        candidate = t - step
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - t) <= 1e-14 * max(1.0, abs(t)):
            return candidate
        t = candidate
    return t


@functools.lru_cache(maxsize=4096)
def critical_value(df: int | float | None) -> float:
    """The two-sided 95% critical value: Student's t at the design's degrees of freedom (as R's
    `svyciprop` does), the normal one when they are unknown. Remembered per df: a recompute asks for
    the same few hundred many thousand times."""
    if df is None or df == math.inf:
        return Z_95
    if df < 1:
        return math.nan
    return t_quantile(0.975, df)


def logit_interval(p: float, se: float, df: int | float | None) -> tuple[float, float] | None:
    """The 95% interval of a share p (fraction of 1) from its design SE on the logit scale:
    expit(logit p ± t × se / (p(1−p))), as R's `svyciprop(method = "logit")`. None when p is 0 or 1
    or the SE is zero or unknown (the caller falls back to a score interval)."""
    if not (0 < p < 1) or not se > 0:
        return None
    t = critical_value(df)
    if math.isnan(t):
        return None
    centre = math.log(p / (1 - p))
    half = t * se / (p * (1 - p))
    return _expit(centre - half), _expit(centre + half)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def wilson_interval(p: float, n: float) -> tuple[float, float] | None:
    """Wilson's score interval of a share p over n (fractions of 1), used where the logit interval
    has no width to work with (every answer satisfied, or none)."""
    if n <= 0:
        return None
    z2 = Z_95 * Z_95
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z_95 / denominator * math.sqrt(max(p * (1 - p) / n + z2 / (4 * n * n), 0.0))
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(value: float, se: float, df: int | float | None) -> tuple[float, float] | None:
    """value ± t × se, for means that are not shares (the expectation rate)."""
    t = critical_value(df)
    if math.isnan(t) or not se >= 0:
        return None
    return value - t * se, value + t * se


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str  # "logit", "wilson" or "t"


def share_interval(estimate: Estimate, respondents: int) -> Interval | None:
    """The interval shown for a share: logit from the design SE, or Wilson over the respondents when
    the share is 0 or 1 (or its SE is zero) — never a zero-width interval; None without an SE."""
    if estimate.se is None:
        return None
    interval = logit_interval(estimate.value, estimate.se, estimate.df)
    if interval is not None:
        return Interval(*interval, "logit")
    n_eff = respondents / estimate.deff if estimate.deff and estimate.deff > 1 else respondents
    fallback = wilson_interval(min(max(estimate.value, 0.0), 1.0), n_eff)
    return Interval(*fallback, "wilson") if fallback else None


@dataclass
class Parts:
    """Helper to build estimands over named variables (a variable's index in the sample's columns)."""

    index: dict[str, int] = field(default_factory=dict)

    def __call__(self, name: str) -> int:
        return self.index[name]
