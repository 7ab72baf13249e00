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

    salted = hashlib.sha256(f"{experiment}:".encode())

    def positions(units: Sequence[object] | np.ndarray) -> np.ndarray:
        digests = []
        for unit in units:  # the hash of "{experiment}:{unit}", continued from the salt's
            unit_hash = salted.copy()
            unit_hash.update(str(unit).encode())
            digests.append(unit_hash.digest()[:8])
        return np.frombuffer(b"".join(digests), dtype=">u8") / 2**64  # first 8 bytes, big-endian, in [0, 1)

    if isinstance(unit_id, (str, int, np.integer)):
        return names[int(np.searchsorted(edges, positions([unit_id])[0], side="right"))]
    if isinstance(unit_id, (Sequence, np.ndarray)):
        return np.array(names, dtype=object)[np.searchsorted(edges, positions(unit_id), side="right")]
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
    return _paths(n_looks, n_per_arm, p_a, p_b, n_experiments, seed, bounds)[0].any(axis=1)


def _paths(n_looks: int, n_per_arm: int, p_a: float, p_b: float, n_experiments: int, seed: int,
           bounds: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per experiment and look: boundary crossed, visitors per arm so far, and the estimated difference."""
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
    return np.abs(np.nan_to_num(z)) > limits, n, (conversions_b - conversions_a) / n


@dataclass(frozen=True)
class SequentialRuns:
    """Simulated group-sequential experiments (:func:`sequential_runs`), one entry per experiment."""

    stop_look: np.ndarray
    rejected: np.ndarray
    n_per_arm: np.ndarray
    estimate: np.ndarray


def sequential_runs(n_looks: int, n_per_arm: int, p_a: float, p_b: float, n_experiments: int, seed: int,
                    bounds: Sequence[float] | None = None) -> SequentialRuns:
    """Simulate experiments that stop at the first look whose pooled z crosses ``bounds`` (default 1.96 at every
    look), or at the last look.

    Returns, per experiment, the look at which it stopped (1 … ``n_looks``), whether it rejected the null, the
    visitors per arm it used, and its estimate of ``p_b - p_a`` when it stopped. The mean of ``n_per_arm`` is the
    expected sample size (average sample number) of the design; the mean of ``estimate`` against the true
    difference shows the bias that stopping early introduces. Draws are those of :func:`sequential_power` with
    the same arguments, so ``rejected.mean()`` equals its power.
    """
    p_a, p_b = _probability("p_a", p_a), _probability("p_b", p_b)
    crossed, n, difference = _paths(n_looks, n_per_arm, p_a, p_b, n_experiments, seed, bounds)
    rejected = crossed.any(axis=1)
    stop = np.where(rejected, crossed.argmax(axis=1), crossed.shape[1] - 1)
    rows = np.arange(len(stop))
    return SequentialRuns(stop_look=stop + 1, rejected=rejected, n_per_arm=n[stop],
                          estimate=difference[rows, stop])


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


# ---------------------------------------------------------------------------------------------------------------
# Chapter 05: variance reduction (CUPED), ratio metrics (the delta method), always-valid inference (a confidence
# sequence) and alpha spending for looks that are not equally spaced (Lan and DeMets).
# ---------------------------------------------------------------------------------------------------------------


def _unit_arrays(treatment: object, **arrays: object) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Check per-unit arrays of one length, finite numbers, and a boolean treatment with two units per arm."""
    flags = np.asarray(treatment)
    if flags.ndim != 1 or flags.dtype != bool:
        raise TypeError(f"treatment must be a 1-D boolean array (True = treatment), got {flags.dtype} of shape "
                        f"{flags.shape}")
    checked = {}
    for name, values in arrays.items():
        array = np.asarray(values)
        if array.ndim != 1 or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise TypeError(f"{name} must be a 1-D array of numbers, one per unit")
        if len(array) != len(flags):
            raise ValueError(f"{name} has {len(array)} values but treatment has {len(flags)}: give one per unit")
        array = array.astype(float)
        if not np.isfinite(array).all():
            raise ValueError(f"{name} holds non-finite values (NaN or inf); remove or impute them first")
        checked[name] = array
    if min(flags.sum(), (~flags).sum()) < 2:
        raise ValueError(f"each arm needs at least two units; treatment has {int(flags.sum())}, control "
                         f"{int((~flags).sum())}")
    return flags, checked


@dataclass(frozen=True)
class CupedResult:
    """The outcome of :func:`cuped` (treatment minus control). ``theta`` is a float for one covariate and an
    array of one slope per column for several."""

    difference: float
    difference_ci: tuple[float, float]
    standard_error: float
    theta: float | np.ndarray
    variance_reduction: float
    unadjusted_difference: float
    unadjusted_standard_error: float
    alpha: float


def cuped(metric: object, covariate: object, treatment: object, alpha: float = 0.05) -> CupedResult:
    """CUPED: the difference of means of a metric adjusted with pre-treatment covariates (Deng et al., 2013).

    The adjusted metric is ``metric - (covariate - mean(covariate)) @ theta``. ``theta`` holds the slopes of the
    metric on the covariates *within* the arms (deviations from each arm's means, pooled), which makes the
    difference exactly the treatment coefficient of the regression ``metric ~ 1 + treatment + covariates``.
    Deng et al.'s ``cov(Y, X) / var(X)`` over all units differs from this slope by a term proportional to the
    effect times the chance imbalance of the covariate between the arms. Each arm's variance of the adjusted
    metric gives a normal interval, as for Welch's test.

    Parameters
    ----------
    metric : array of numbers
        One value per unit (e.g. per visitor).
    covariate : array of numbers, shape ``(n_units,)`` or ``(n_units, k)``
        One covariate, or ``k`` of them in columns (CUPED with several covariates is regression adjustment with
        all of them). Each must be measured before the treatment could affect it.
    treatment : array of bool
        True for units in the treatment.
    alpha : float, default 0.05
        1 - the confidence level of ``difference_ci``.

    Returns
    -------
    CupedResult
        ``difference``, ``difference_ci`` (a pair), ``standard_error``, ``theta``, ``variance_reduction`` (the
        share of the unadjusted difference's variance removed, in [0, 1]) and the unadjusted difference with
        its standard error.
    """
    columns = np.asarray(covariate)
    if columns.ndim == 2:
        if columns.shape[1] == 0:
            raise ValueError("covariate has no columns: give at least one covariate")
        named = {f"covariate column {j}": columns[:, j] for j in range(columns.shape[1])}
    elif columns.ndim == 1:
        named = {"covariate": columns}
    else:
        raise TypeError(f"covariate must be a 1-D array (one covariate) or a 2-D array (units x covariates), "
                        f"got {columns.ndim} dimensions")
    flags, arrays = _unit_arrays(treatment, metric=metric, **named)
    alpha = _probability("alpha", alpha)
    y = arrays.pop("metric")
    x = np.column_stack(list(arrays.values()))
    arms = (flags, ~flags)
    x_within = np.concatenate([x[arm] - x[arm].mean(axis=0) for arm in arms])
    y_within = np.concatenate([y[arm] - y[arm].mean() for arm in arms])
    for j, name in enumerate(arrays):
        if np.sum(x_within[:, j] ** 2) <= 1e-12 * max(1.0, np.sum(x[:, j] ** 2)):
            raise ValueError(f"{name} is constant within the arms, so it cannot explain any variance of the metric")
    slopes, _, rank, _ = np.linalg.lstsq(x_within, y_within, rcond=None)
    if rank < x.shape[1]:
        raise ValueError("the covariate columns are collinear within the arms: drop the redundant ones")
    adjusted = y - (x - x.mean(axis=0)) @ slopes
    difference = float(adjusted[flags].mean() - adjusted[~flags].mean())
    variance = sum(adjusted[arm].var(ddof=1) / arm.sum() for arm in arms)
    raw_variance = sum(y[arm].var(ddof=1) / arm.sum() for arm in arms)
    se, z = math.sqrt(variance), float(stats.norm.ppf(1 - alpha / 2))
    reduction = 0.0 if raw_variance == 0 else min(1.0, max(0.0, 1 - variance / raw_variance))
    theta = float(slopes[0]) if columns.ndim == 1 else slopes
    return CupedResult(difference=difference, difference_ci=(difference - z * se, difference + z * se),
                       standard_error=se, theta=theta, variance_reduction=reduction,
                       unadjusted_difference=float(y[flags].mean() - y[~flags].mean()),
                       unadjusted_standard_error=math.sqrt(raw_variance), alpha=alpha)


@dataclass(frozen=True)
class RatioResult:
    """The outcome of :func:`ratio_difference` (treatment minus control)."""

    ratio_control: float
    ratio_treatment: float
    difference: float
    difference_ci: tuple[float, float]
    standard_error: float
    alpha: float


def ratio_difference(numerator: object, denominator: object, treatment: object,
                     alpha: float = 0.05) -> RatioResult:
    """Difference of a ratio metric (sum of numerators / sum of denominators per arm), e.g. revenue per session
    with visitors as the randomisation unit, with the delta method's standard error (Deng, Knoblich and Lu, 2018).

    Per arm, with ``r = mean(Y) / mean(N)`` over its units, ``var(r) = var(Y - r N) / (n mean(N)^2)`` (sample
    variances, ``ddof=1``); the arms are independent.

    Parameters
    ----------
    numerator, denominator : array of numbers
        One value per randomisation unit (e.g. a visitor's revenue and sessions); denominators must be >= 0 with
        a positive sum in each arm.
    treatment : array of bool
    alpha : float, default 0.05
    """
    flags, arrays = _unit_arrays(treatment, numerator=numerator, denominator=denominator)
    alpha = _probability("alpha", alpha)
    y, n = arrays["numerator"], arrays["denominator"]
    if (n < 0).any() or n[flags].sum() <= 0 or n[~flags].sum() <= 0:
        raise ValueError("denominator must be >= 0 with a positive sum in each arm")
    ratios, variance = {}, 0.0
    for name, arm in (("treatment", flags), ("control", ~flags)):
        ratio = y[arm].mean() / n[arm].mean()
        ratios[name] = float(ratio)
        variance += (y[arm] - ratio * n[arm]).var(ddof=1) / (arm.sum() * n[arm].mean() ** 2)
    difference, se = ratios["treatment"] - ratios["control"], math.sqrt(variance)
    z = float(stats.norm.ppf(1 - alpha / 2))
    return RatioResult(ratio_control=ratios["control"], ratio_treatment=ratios["treatment"], difference=difference,
                       difference_ci=(difference - z * se, difference + z * se), standard_error=se, alpha=alpha)


def _positive_number(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def confidence_sequence_half_width(n: object, variance: float, tau: float, alpha: float = 0.05) -> np.ndarray:
    """Half-width of the normal-mixture confidence sequence for a mean after ``n`` observations.

    For normal observations of known variance ``variance``, the mixture of likelihood ratios over a normal
    prior N(0, tau^2) on the true mean is a martingale (Robbins, 1970; the mixture SPRT of Johari et al.,
    2017/2022); by Ville's inequality the intervals ``mean_n ± half_width(n)`` then contain the true mean at
    *every* n at once with probability at least ``1 - alpha``:
    ``half_width = sqrt(V (V + n tau^2) (2 log(1/alpha) + log(1 + n tau^2 / V)) / tau^2) / n``.
    For other data (0/1 conversions, revenue) with ``variance`` their variance, the guarantee is only
    approximate: an asymptotic confidence sequence in the sense of Waudby-Smith et al. (2024), valid as the
    normal approximation takes hold. A non-asymptotic guarantee (Howard et al., 2021) needs a sub-Gaussian
    variance proxy in place of the variance, which is larger for skewed data. For a difference of two arms
    observed in pairs, ``variance`` is the sum of the two arms' variances.
    """
    counts = np.asarray(n, dtype=float)
    if (counts < 1).any() or not np.isfinite(counts).all():
        raise ValueError("n must hold numbers of observations >= 1")
    v, t2 = _positive_number("variance", variance), _positive_number("tau", tau) ** 2
    alpha = _probability("alpha", alpha)
    return np.sqrt(v * (v + counts * t2) * (2 * math.log(1 / alpha) + np.log1p(counts * t2 / v)) / t2) / counts


def mixture_tau(variance: float, n_target: int, alpha: float = 0.05) -> float:
    """The prior spread ``tau`` that makes :func:`confidence_sequence_half_width` narrowest at ``n_target``."""
    from scipy.optimize import minimize_scalar

    v = _positive_number("variance", variance)
    n_target = _count("n_target", n_target, positive=True)
    alpha = _probability("alpha", alpha)
    scale = math.sqrt(v / n_target)
    best = minimize_scalar(lambda log_tau: float(confidence_sequence_half_width(
        n_target, v, math.exp(log_tau), alpha)), bounds=(math.log(scale) - 10, math.log(scale) + 10),
        method="bounded", options={"xatol": 1e-8})
    return float(math.exp(best.x))


def always_valid_p_value(mean: object, n: object, variance: float, tau: float) -> np.ndarray:
    """Always-valid p-values of the mixture SPRT for a zero mean, along a sequence of running means.

    ``p_n = min(1, min over m <= n of 1 / Lambda_m)`` with ``Lambda_m = sqrt(V / (V + m tau^2))
    exp(m^2 tau^2 mean_m^2 / (2 V (V + m tau^2)))`` (Johari et al., 2017/2022). Stopping as soon as
    ``p_n < alpha`` keeps the false-positive rate at most ``alpha``; ``p_n < alpha`` exactly when 0 has left the
    confidence sequence of :func:`confidence_sequence_half_width` at some m <= n.
    """
    means, counts = np.asarray(mean, dtype=float), np.asarray(n, dtype=float)
    if means.shape != counts.shape or means.ndim != 1:
        raise ValueError("mean and n must be 1-D arrays of the same length, one entry per look")
    if (counts < 1).any() or (np.diff(counts) <= 0).any():
        raise ValueError("n must hold increasing numbers of observations >= 1")
    v, t2 = _positive_number("variance", variance), _positive_number("tau", tau) ** 2
    log_lambda = 0.5 * np.log(v / (v + counts * t2)) + counts**2 * t2 * means**2 / (2 * v * (v + counts * t2))
    return np.minimum(1.0, np.minimum.accumulate(np.exp(-log_lambda)))


def _spend(t: np.ndarray, alpha: float, kind: str) -> np.ndarray:
    if kind == "obrien-fleming":  # alpha / 2 on each side with the one-sided function, as gsDesign does
        return 4 * stats.norm.sf(stats.norm.isf(alpha / 4) / np.sqrt(t))
    return alpha * np.log1p((math.e - 1) * t)


def spending_bounds(fractions: object, alpha: float = 0.05,
                    kind: Literal["obrien-fleming", "pocock"] = "obrien-fleming") -> np.ndarray:
    """Two-sided z boundaries for looks at any information fractions, by Lan and DeMets' alpha spending (1983).

    By look k the design has spent ``alpha*(t_k)`` of its false-positive rate: O'Brien-Fleming type
    ``4 - 4 Phi(z_{alpha/4} / sqrt(t))`` (the one-sided function ``2 - 2 Phi(z_{alpha/4} / sqrt(t))`` spending
    ``alpha / 2`` on each side, the convention of gsDesign and of Jennison and Turnbull's tables; Lan and
    DeMets' two-sided form ``2 - 2 Phi(z_{alpha/2} / sqrt(t))`` gives other boundaries) or Pocock type
    ``alpha log(1 + (e - 1) t)``. Each boundary is the z value at which the probability of crossing first at that
    look equals the increment of the spending function, found by propagating the density of the Brownian motion's
    path on a grid (Armitage, McPherson and Rowe, 1969).

    Parameters
    ----------
    fractions : increasing sequence of numbers in (0, 1]
        The information fraction of each look (e.g. the share of the planned visitors seen), the last being 1
        for a design that ends at its planned size.
    alpha : float, default 0.05
    kind : "obrien-fleming" or "pocock"
    """
    t = np.asarray(fractions, dtype=float)
    if t.ndim != 1 or len(t) == 0 or (t <= 0).any() or (t > 1).any() or (np.diff(t) <= 0).any():
        raise ValueError(f"fractions must be increasing numbers in (0, 1], got {fractions!r}")
    alpha = _probability("alpha", alpha)
    if kind not in ("obrien-fleming", "pocock"):
        raise ValueError(f"kind must be 'obrien-fleming' or 'pocock', got {kind!r}")
    spent = np.diff(np.concatenate([[0.0], _spend(t, alpha, kind)]))
    step = min(0.002, math.sqrt(min(np.diff(np.concatenate([[0.0], t])))) / 40)
    width = 9.0
    grid = np.arange(-width, width + step / 2, step)
    density = stats.norm.pdf(grid, scale=math.sqrt(t[0]))
    bounds = np.empty(len(t))
    for k in range(len(t)):
        if k:
            sd = math.sqrt(t[k] - t[k - 1])
            kernel_x = np.arange(-min(width, 9 * sd), min(width, 9 * sd) + step / 2, step)
            density = signal.fftconvolve(density, stats.norm.pdf(kernel_x, scale=sd) * step, mode="same")
        cumulative = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2) * step])

        def outside(c: float, k: int = k, cumulative: np.ndarray = cumulative) -> float:
            b = c * math.sqrt(t[k])
            return float(np.interp(-b, grid, cumulative) + cumulative[-1] - np.interp(b, grid, cumulative))

        top, target = width / math.sqrt(t[k]), spent[k]
        bounds[k] = top if outside(top) >= target else brentq(lambda c, f=outside, a=target: f(c) - a, 0.0, top,
                                                              xtol=1e-10)
        density = np.where(np.abs(grid) > bounds[k] * math.sqrt(t[k]), 0.0, density)
    return bounds


# ---------------------------------------------------------------------------------------------------------------
# Chapter 03: a group-sequential design's power and expected sample size without simulation, and the increase of
# its maximum sample size that buys back the power of one analysis at the end.
# ---------------------------------------------------------------------------------------------------------------


def _bounds_array(bounds: Sequence[float]) -> np.ndarray:
    limits = np.asarray(bounds, dtype=float)
    if limits.ndim != 1 or len(limits) == 0 or not (limits > 0).all():
        raise ValueError(f"bounds must be a non-empty sequence of positive z values (np.inf for a look that "
                         f"cannot stop), got {bounds!r}")
    return limits


def sequential_stop_probabilities(bounds: Sequence[float], drift: float = 0.0, grid_step: float = 0.004,
                                  width: float = 8.0) -> np.ndarray:
    """Probability that a two-sided group-sequential test first crosses its boundary at each look.

    The looks are equally spaced; at look k of K the test stops when ``|Z_k| > bounds[k]``. ``Z_k = S_k /
    sqrt(k)``, where ``S_k`` is the sum of k independent N(drift / sqrt(K), 1) increments, so that ``drift`` is
    the expected z statistic at the last look: 0 under the null, ``z_{1-alpha/2} + z_{power}`` for the effect a
    single analysis of the same maximum size is designed for. The density of ``S_k`` on the continuation region
    is propagated look by look on a grid (Armitage, McPherson and Rowe, 1969).

    Parameters
    ----------
    bounds : sequence of positive floats
        The z boundary of each look; ``np.inf`` for a look at which the test cannot stop.
    drift : float, default 0.0
        The expected z statistic at the last look (any sign).
    grid_step, width : float
        Spacing of the grid and its half-width in standard deviations; the defaults give about four decimals.

    Returns
    -------
    ndarray
        One probability per look; their sum is the probability of rejecting the null (the false-positive rate
        when ``drift`` is 0, the power otherwise), and one minus it the probability of reaching the last look
        without crossing.
    """
    limits = _bounds_array(bounds)
    if isinstance(drift, bool) or not isinstance(drift, (int, float, np.integer, np.floating)) or \
            not math.isfinite(drift):
        raise TypeError(f"drift must be a finite number, got {drift!r}")
    grid_step, width = _positive_number("grid_step", grid_step), _positive_number("width", width)
    looks = len(limits)
    step_mean = float(drift) / math.sqrt(looks)
    reach = (width + abs(step_mean)) * math.sqrt(looks)
    grid = np.arange(-reach - grid_step * 0.5, reach + grid_step, grid_step)
    grid = grid - grid[np.argmin(np.abs(grid))]  # a grid point at 0, so the kernel below is centred
    kernel_half = np.arange(0, width + abs(step_mean) + grid_step, grid_step)
    kernel_x = np.concatenate([-kernel_half[:0:-1], kernel_half])
    kernel = stats.norm.pdf(kernel_x, loc=step_mean) * grid_step
    density = stats.norm.pdf(grid, loc=step_mean)
    crossed = np.empty(looks)
    for k, bound in enumerate(limits, start=1):
        if k > 1:
            density = signal.fftconvolve(density, kernel, mode="same")
        # each grid point stands for a cell of width grid_step; a cell the boundary cuts is split in proportion
        inside = np.clip((bound * math.sqrt(k) - np.abs(grid)) / grid_step + 0.5, 0.0, 1.0)
        crossed[k - 1] = np.sum(density * (1 - inside)) * grid_step
        density = density * inside
    return crossed


def sequential_expected_fraction(bounds: Sequence[float], drift: float = 0.0) -> float:
    """Expected sample size of a group-sequential design with equally spaced looks and no futility boundary, as
    a share of its maximum: ``sum_k (k / K) P(stop at look k)``, the last look taking every test not stopped
    before (see :func:`sequential_stop_probabilities` for ``bounds`` and ``drift``)."""
    stop = sequential_stop_probabilities(bounds, drift)
    looks = len(stop)
    early = stop[:-1]
    return float(np.sum(early * np.arange(1, looks) / looks) + (1 - early.sum()))


def inflation_factor(bounds: Sequence[float], power: float = 0.8, alpha: float = 0.05) -> float:
    """How much a group-sequential design's maximum sample size must exceed a single analysis's to have the same
    power (Jennison and Turnbull, 2000, chapter 2, call it R).

    A single two-sided analysis at level ``alpha`` needs an expected z of ``z_{1-alpha/2} + z_{power}`` for the
    given power; the design needs the ``drift`` at which :func:`sequential_stop_probabilities` sum to ``power``.
    Sample size grows with the square of the expected z, so R is the squared ratio of the two.

    Parameters
    ----------
    bounds : sequence of positive floats
        The design's z boundaries at equally spaced looks (e.g. :func:`sequential_bounds`).
    power, alpha : float
        The power to match, and the level of the single analysis it is compared with.
    """
    limits = _bounds_array(bounds)
    power, alpha = _probability("power", power), _probability("alpha", alpha)
    fixed = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    if sequential_stop_probabilities(limits, 0.0).sum() >= power:
        raise ValueError(f"these bounds reject the null with probability at least power={power} even without an "
                         "effect; they cannot be a design for that power")
    drift = brentq(lambda d: sequential_stop_probabilities(limits, d).sum() - power, 0.0, 3 * fixed + 10,
                   xtol=1e-7)
    return (drift / fixed) ** 2
