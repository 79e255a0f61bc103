"""Weights of the design: N/n per stratum, raking to known margins, trimming, and Kish's design effect.

Arithmetic on cells (every response of a cell carries the same weight), so that it runs on the engine's
per-cell moments: no response is read. The rules follow R's survey package (`rake`, `trimWeights`),
which the reference tests run on the same data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RAKE_MAX_ROUNDS = 200
RAKE_TOLERANCE = 1e-12  # relative change of any margin total between two rounds


def design_weights(stratum_n: np.ndarray, stratum_population: np.ndarray) -> np.ndarray:
    """w_h = N_h / n_h: the base weight N_h / m_h (m_h drawn) times the nonresponse adjustment m_h / n_h
    within the cell, which leaves N_h / n_h whatever was drawn."""
    return stratum_population / stratum_n


def rake(weights: np.ndarray, n: np.ndarray, classes: np.ndarray, targets: Sequence[np.ndarray]) -> tuple[np.ndarray, bool]:
    """Iterative proportional fitting of cell weights to margin totals (R: `rake`).

    `classes[c, m]` is cell c's class in margin m and `targets[m][k]` the population total of class k.
    Each round post-stratifies on every margin in turn: the weights of a class are multiplied by
    target / current weighted total. Returns the raked weights and whether they converged.
    """
    weights = weights.astype(float).copy()
    for _ in range(RAKE_MAX_ROUNDS):
        largest_change = 0.0
        for m, target in enumerate(targets):
            current = np.bincount(classes[:, m], weights=weights * n, minlength=target.shape[0])
            factor = np.divide(target, current, out=np.ones_like(target, dtype=float), where=current > 0)
            weights = weights * factor[classes[:, m]]
            largest_change = max(largest_change, float(np.max(np.abs(factor - 1))) if factor.size else 0.0)
        if largest_change < RAKE_TOLERANCE:
            return weights, True
    return weights, False


def trim(weights: np.ndarray, n: np.ndarray, *, lower: float, upper: float) -> np.ndarray:
    """R's `trimWeights` (strict = FALSE): weights outside [lower, upper] are set to the bound, and the
    weight they lose (or gain) is shared equally by every response whose weight was inside."""
    outside = (weights < lower) | (weights > upper)
    if not outside.any():
        return weights
    trimmed = np.clip(weights, lower, upper)
    removed = float(((weights - trimmed) * n).sum())
    inside_count = float(n[~outside].sum())
    if inside_count > 0:
        trimmed = np.where(outside, trimmed, trimmed + removed / inside_count)
    return trimmed


def kish_deff(weights: np.ndarray, n: np.ndarray) -> float | None:
    """Kish's design effect of unequal weights: n Σw² / (Σw)² = 1 + CV² of the weights."""
    total_n = float(n.sum())
    total_w = float((weights * n).sum())
    if total_n <= 0 or total_w <= 0:
        return None
    return total_n * float((weights * weights * n).sum()) / (total_w * total_w)
