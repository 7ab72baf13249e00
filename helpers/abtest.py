"""Experiment tools for chapter 03: assignment, power, tests, sample-ratio checks, sequential designs.

Each function is checked in the tests against the well-kept libraries that implement the same thing
(statsmodels, scipy) or against published tables.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import signal, stats
from scipy.optimize import brentq


def _probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return float(value)


def _count(name: str, value: int, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    if value < (1 if positive else 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'non-negative'}, got {value!r}")
    return int(value)


def _shares(shares: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    if not isinstance(shares, Mapping) or not shares:
        raise TypeError("shares must be a non-empty mapping of variant name to share, e.g. "
                        "{'control': 0.5, 'treatment': 0.5}")
    values = np.array([float(v) for v in shares.values()])
    if (values <= 0).any():
        raise ValueError(f"every share must be positive, got {dict(shares)}")
    if not math.isclose(values.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"shares must sum to 1, they sum to {values.sum():.6g}")
    return list(shares), values


def assign(unit_id: object, experiment: str, shares: Mapping[str, float]) -> str | np.ndarray:
    """Deterministic salted-hash assignment of a unit (or an array of units) to a variant.

    The SHA-256 hash of ``"{experiment}:{unit_id}"`` is read as a number in [0, 1) and mapped onto the cumulative
    shares. The same unit always gets the same variant in the same experiment; the experiment's name salts the
    hash, so assignments in different experiments are independent.
    """
    if not isinstance(experiment, str) or not experiment:
        raise ValueError("experiment must be a non-empty string naming the experiment (it salts the hash)")
    names, values = _shares(shares)
    edges = np.cumsum(values)
    edges[-1] = 1.0

    def one(unit: object) -> str:
        digest = hashlib.sha256(f"{experiment}:{unit}".encode()).digest()
        position = int.from_bytes(digest[:8], "big") / 2**64
        return names[int(np.searchsorted(edges, position, side="right"))]

    if isinstance(unit_id, (str, int, np.integer)):
        return one(unit_id)
    if isinstance(unit_id, (Sequence, np.ndarray)):
        return np.array([one(unit) for unit in unit_id], dtype=object)
    raise TypeError(f"unit_id must be a string, an integer or a sequence of them, got {type(unit_id).__name__}")


def sample_size_per_arm(p_baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8,
                        relative: bool = False) -> int:
    """Visitors per arm for a two-sided two-proportion z-test to detect a change of ``mde``.

    ``mde`` is absolute (0.01 = one percentage point) or, with ``relative=True``, a share of the baseline
    (0.1 = 10 %). The variance is pooled under the null and unpooled under the alternative, as in statsmodels'
    ``samplesize_proportions_2indep_onetail`` and R's ``power.prop.test``; the result is rounded up.
    """
    p1 = _probability("p_baseline", p_baseline)
    _probability("alpha", alpha)
    _probability("power", power)
    if isinstance(mde, bool) or not isinstance(mde, (int, float, np.floating)) or mde == 0:
        raise ValueError(f"mde must be a non-zero number, got {mde!r}")
    if not isinstance(relative, bool):
        raise TypeError(f"relative must be True or False, got {relative!r}")
    p2 = p1 * (1 + mde) if relative else p1 + mde
    if not 0 < p2 < 1:
        raise ValueError(f"p_baseline {p1} changed by mde {mde} gives {p2}, outside (0, 1)")
    pooled = (p1 + p2) / 2
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    numerator = z_alpha * math.sqrt(2 * pooled * (1 - pooled)) + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(numerator**2 / (p2 - p1) ** 2 - 1e-9)


@dataclass(frozen=True)
class ProportionsResult:
    """The outcome of :func:`proportions_test` (B compared with A)."""

    p_a: float
    p_b: float
    z: float
    p_value: float
    difference: float
    difference_ci: tuple[float, float]
    relative_lift: float
    relative_lift_ci: tuple[float, float]
    alpha: float

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha


def proportions_test(conversions_a: int, n_a: int, conversions_b: int, n_b: int,
                     alpha: float = 0.05) -> ProportionsResult:
    """Compare two conversion rates: pooled z-test, and intervals for the difference and the relative lift.

    The difference ``p_b - p_a`` gets a Wald interval (unpooled). The relative lift ``p_b / p_a - 1`` gets an
    interval on the log of the ratio, whose variance includes the uncertainty of the baseline ``p_a``
    (``(1 - p_a) / (n_a p_a) + (1 - p_b) / (n_b p_b)``), then transformed back.
    """
    n_a, n_b = _count("n_a", n_a, positive=True), _count("n_b", n_b, positive=True)
    conversions_a, conversions_b = _count("conversions_a", conversions_a), _count("conversions_b", conversions_b)
    if conversions_a > n_a or conversions_b > n_b:
        raise ValueError(f"conversions cannot exceed visitors: {conversions_a}/{n_a}, {conversions_b}/{n_b}")
    alpha = _probability("alpha", alpha)
    if conversions_a == 0 or conversions_a == n_a or conversions_b == 0 or conversions_b == n_b:
        raise ValueError("each arm needs at least one conversion and one non-conversion for these intervals")
    p_a, p_b = conversions_a / n_a, conversions_b / n_b
    pooled = (conversions_a + conversions_b) / (n_a + n_b)
    z = (p_b - p_a) / math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    p_value = float(2 * stats.norm.sf(abs(z)))
    crit = stats.norm.ppf(1 - alpha / 2)
    crit = float(crit)
    half = crit * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    log_ratio = math.log(p_b / p_a)
    log_se = math.sqrt((1 - p_a) / (n_a * p_a) + (1 - p_b) / (n_b * p_b))
    return ProportionsResult(
        p_a=p_a, p_b=p_b, z=z, p_value=p_value, difference=p_b - p_a,
        difference_ci=(p_b - p_a - half, p_b - p_a + half), relative_lift=p_b / p_a - 1,
        relative_lift_ci=(math.exp(log_ratio - crit * log_se) - 1, math.exp(log_ratio + crit * log_se) - 1),
        alpha=alpha)


def srm_pvalue(counts: Sequence[int], expected_shares: Sequence[float]) -> float:
    """Chi-square test of a sample-ratio mismatch: are the arms' sizes compatible with the planned shares?"""
    counts_array = np.asarray(counts)
    shares = np.asarray(expected_shares, dtype=float)
    if counts_array.ndim != 1 or len(counts_array) < 2 or len(counts_array) != len(shares):
        raise ValueError("counts and expected_shares must be sequences of the same length, at least 2")
    if not np.issubdtype(counts_array.dtype, np.integer) or (counts_array < 0).any() or counts_array.sum() == 0:
        raise ValueError(f"counts must be non-negative whole numbers, not all zero; got {list(counts)}")
    if (shares <= 0).any() or not math.isclose(shares.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"expected_shares must be positive and sum to 1, got {list(expected_shares)}")
    return float(stats.chisquare(counts_array, counts_array.sum() * shares).pvalue)


def _crossing_probability(bounds: np.ndarray, grid_step: float = 0.004, width: float = 8.0) -> float:
    """P(|Z_k| > bounds[k] for some k) under the null, for equally spaced looks, by recursive integration.

    The cumulative sum S_k of K independent N(0, 1) increments has Z_k = S_k / sqrt(k). The density of S_k on
    the continuation region is propagated look by look on a grid (Armitage, McPherson and Rowe, 1969).
    """
    grid = np.arange(-width * math.sqrt(len(bounds)), width * math.sqrt(len(bounds)) + grid_step, grid_step)
    density = stats.norm.pdf(grid)
    kernel_x = np.arange(-width, width + grid_step, grid_step)
    kernel = stats.norm.pdf(kernel_x) * grid_step
    crossed = 0.0
    for k, bound in enumerate(bounds, start=1):
        if k > 1:
            density = signal.fftconvolve(density, kernel, mode="same")
        outside = np.abs(grid) > bound * math.sqrt(k)
        crossed += density[outside].sum() * grid_step
        density = np.where(outside, 0.0, density)
    return crossed


def sequential_bounds(n_looks: int, alpha: float = 0.05,
                      kind: Literal["obrien-fleming", "pocock"] = "obrien-fleming") -> np.ndarray:
    """Two-sided z boundaries for ``n_looks`` equally spaced looks that keep the overall false-positive rate at
    ``alpha``: Pocock's constant boundary, or O'Brien and Fleming's, which is wide early and narrow late
    (c * sqrt(K / k) at look k).
    """
    n_looks = _count("n_looks", n_looks, positive=True)
    alpha = _probability("alpha", alpha)
    if kind not in ("obrien-fleming", "pocock"):
        raise ValueError(f"kind must be 'obrien-fleming' or 'pocock', got {kind!r}")
    looks = np.arange(1, n_looks + 1)
    shape = np.sqrt(n_looks / looks) if kind == "obrien-fleming" else np.ones(n_looks)
    if n_looks == 1:
        return np.array([stats.norm.ppf(1 - alpha / 2)])
    constant = brentq(lambda c: _crossing_probability(c * shape) - alpha, 1.0, 6.0, xtol=1e-6)
    return constant * shape


def _rejections(n_looks: int, n_per_arm: int, p_a: float, p_b: float, n_experiments: int, seed: int,
                bounds: Sequence[float] | None) -> np.ndarray:
    n_looks = _count("n_looks", n_looks, positive=True)
    n_per_arm = _count("n_per_arm", n_per_arm, positive=True)
    n_experiments = _count("n_experiments", n_experiments, positive=True)
    if n_per_arm < n_looks:
        raise ValueError(f"n_per_arm ({n_per_arm}) must be at least n_looks ({n_looks})")
    limits = np.full(n_looks, stats.norm.ppf(0.975)) if bounds is None else np.asarray(bounds, dtype=float)
    if limits.shape != (n_looks,) or (limits <= 0).any():
        raise ValueError(f"bounds must hold {n_looks} positive z values, got {bounds!r}")
    rng = np.random.default_rng(seed)
    sizes = np.diff(np.linspace(0, n_per_arm, n_looks + 1).round().astype(int))
    conversions_a = rng.binomial(sizes, p_a, size=(n_experiments, n_looks)).cumsum(axis=1)
    conversions_b = rng.binomial(sizes, p_b, size=(n_experiments, n_looks)).cumsum(axis=1)
    n = sizes.cumsum()
    pooled = (conversions_a + conversions_b) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (conversions_b - conversions_a) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    return (np.abs(np.nan_to_num(z)) > limits).any(axis=1)


def peeking_false_positive_rate(n_looks: int, n_per_arm: int, p: float, n_experiments: int, seed: int,
                                bounds: Sequence[float] | None = None) -> tuple[float, float]:
    """Simulate A/A experiments checked at ``n_looks`` equally spaced looks; return the share declared
    significant at any look, and its Monte Carlo standard error.

    Each arm gets ``n_per_arm`` visitors in total, converting with probability ``p``. At every look the pooled
    z statistic is compared with ``bounds`` (default: 1.96 at every look, the naive 'peek and stop' rule).
    """
    p = _probability("p", p)
    rejected = _rejections(n_looks, n_per_arm, p, p, n_experiments, seed, bounds)
    rate = float(rejected.mean())
    return rate, math.sqrt(rate * (1 - rate) / len(rejected))


def sequential_power(n_looks: int, n_per_arm: int, p_a: float, p_b: float, n_experiments: int, seed: int,
                     bounds: Sequence[float] | None = None) -> tuple[float, float]:
    """Like :func:`peeking_false_positive_rate`, but with a real difference (``p_a`` against ``p_b``): the
    simulated share of experiments that detect it at some look (the power), with its Monte Carlo standard
    error."""
    p_a, p_b = _probability("p_a", p_a), _probability("p_b", p_b)
    rejected = _rejections(n_looks, n_per_arm, p_a, p_b, n_experiments, seed, bounds)
    rate = float(rejected.mean())
    return rate, math.sqrt(rate * (1 - rate) / len(rejected))
