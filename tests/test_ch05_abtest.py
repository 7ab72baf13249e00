"""Chapter 05's additions to helpers.abtest agree with statsmodels, with independent computations and with
simulations whose truth is known, and refuse invalid arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from helpers import abtest


def _data(n: int = 2_000, seed: int = 0, effect: float = 0.3):
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 1.0, n)
    treatment = rng.random(n) < 0.4
    y = 1.5 * x + rng.normal(0, 1, n) + effect * treatment
    return y, x, treatment


def test_cuped_equals_regression_adjustment():
    y, x, treatment = _data()
    result = abtest.cuped(y, x, treatment)
    ols = sm.OLS(y, sm.add_constant(np.column_stack([treatment, x]).astype(float))).fit()
    assert result.difference == pytest.approx(ols.params[1], abs=1e-10)
    assert result.theta == pytest.approx(ols.params[2], abs=1e-10)
    assert result.unadjusted_difference == pytest.approx(y[treatment].mean() - y[~treatment].mean(), abs=1e-12)


def test_cuped_variance_reduction_is_about_rho_squared_and_interval_uses_alpha():
    y, x, treatment = _data(n=20_000, seed=1)
    result = abtest.cuped(y, x, treatment)
    rho = np.corrcoef(np.where(treatment, x - x[treatment].mean(), x - x[~treatment].mean()),
                      np.where(treatment, y - y[treatment].mean(), y - y[~treatment].mean()))[0, 1]
    assert abs(result.variance_reduction - rho**2) < 0.01
    assert result.standard_error < result.unadjusted_standard_error
    wide, narrow = abtest.cuped(y, x, treatment, alpha=0.01), abtest.cuped(y, x, treatment, alpha=0.2)
    width = lambda r: r.difference_ci[1] - r.difference_ci[0]  # noqa: E731
    assert width(wide) / width(result) == pytest.approx(stats.norm.ppf(0.995) / stats.norm.ppf(0.975))
    assert width(narrow) < width(result) < width(wide)


def test_cuped_useless_covariate_removes_nothing():
    rng = np.random.default_rng(2)
    y, treatment = rng.normal(size=5_000), rng.random(5_000) < 0.5
    assert abtest.cuped(y, rng.normal(size=5_000), treatment).variance_reduction < 0.005


def test_cuped_interval_covers_the_truth():
    covered = []
    for seed in range(400):
        y, x, treatment = _data(n=300, seed=100 + seed, effect=0.3)
        low, high = abtest.cuped(y, x, treatment).difference_ci
        covered.append(low <= 0.3 <= high)
    se = math.sqrt(0.95 * 0.05 / 400)
    assert abs(np.mean(covered) - 0.95) < 3 * se


@pytest.mark.parametrize(("args", "error", "words"), [
    (([1.0, 2, 3, 4], [1.0, 2, 3], [True, False, True, False]), ValueError, "^covariate has 3 values"),
    (([1.0, 2, 3, 4], [5.0, 5, 5, 5], [True, False, True, False]), ValueError, "^covariate is constant"),
    (([1.0, 2, 3, 4], [1.0, 2, 4, 3], [True, False, False, False]), ValueError, "^each arm needs at least two units"),
    (([1.0, np.nan, 3, 4], [1.0, 2, 4, 3], [True, False, True, False]), ValueError, "^metric holds non-finite values"),
    (([1.0, 2, 3, 4], [1.0, 2, np.inf, 3], [True, False, True, False]), ValueError, "^covariate holds non-finite"),
    (([1.0, 2, 3, 4], [1.0, 2, 4, 3], [1, 0, 1, 0]), TypeError, "^treatment must be a 1-D boolean"),
    ((["a", "b", "c", "d"], [1.0, 2, 4, 3], [True, False, True, False]), TypeError, "^metric must be"),
])
def test_cuped_refuses_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        abtest.cuped(*args)


def test_cuped_with_several_covariates_equals_regression_with_all_of_them():
    rng = np.random.default_rng(7)
    y, x, treatment = _data(n=3_000, seed=7)
    z = rng.normal(size=3_000)
    y = y + 0.8 * z
    both = abtest.cuped(y, np.column_stack([x, z]), treatment)
    ols = sm.OLS(y, sm.add_constant(np.column_stack([treatment, x, z]).astype(float))).fit()
    assert both.difference == pytest.approx(ols.params[1], abs=1e-10)
    assert np.allclose(both.theta, ols.params[2:], atol=1e-10) and both.theta.shape == (2,)
    alone = abtest.cuped(y, x, treatment)
    assert isinstance(alone.theta, float)
    assert both.variance_reduction > alone.variance_reduction + 0.05  # z explains what x does not
    one_column = abtest.cuped(y, x[:, None], treatment)
    assert one_column.difference == pytest.approx(alone.difference, abs=1e-12)


@pytest.mark.parametrize(("covariate", "error", "words"), [
    (np.column_stack([np.arange(6.0), 2 * np.arange(6.0)]), ValueError, "^the covariate columns are collinear"),
    (np.column_stack([np.arange(6.0), np.full(6, 3.0)]), ValueError, "^covariate column 1 is constant"),
    (np.zeros((6, 0)), ValueError, "^covariate has no columns"),
    (np.zeros((6, 2, 2)), TypeError, "^covariate must be a 1-D array .* or a 2-D array"),
    (np.column_stack([np.arange(6.0), [1.0, 2, np.nan, 4, 5, 6]]), ValueError, "^covariate column 1 holds"),
])
def test_cuped_refuses_bad_covariate_columns(covariate, error, words):
    y, treatment = np.array([1.0, 3, 2, 5, 4, 6]), np.array([True, False, True, False, True, False])
    with pytest.raises(error, match=words):
        abtest.cuped(y, covariate, treatment)


def test_cuped_refuses_bad_alpha():
    y, x, treatment = _data(n=50)
    with pytest.raises(ValueError, match="^alpha"):
        abtest.cuped(y, x, treatment, alpha=1.5)


def _visitors(n: int, seed: int, effect: float = 0.0):
    rng = np.random.default_rng(seed)
    sessions = 1 + rng.poisson(2, n)
    treatment = rng.random(n) < 0.5
    visitor_mean = rng.gamma(1.0, 2.0, n) + effect * treatment  # sessions of a visitor are alike
    revenue = rng.poisson(visitor_mean * sessions).astype(float)
    return revenue, sessions, treatment


def test_ratio_difference_equals_clustered_standard_errors_per_arm():
    revenue, sessions, treatment = _visitors(3_000, 0, effect=0.5)
    result = abtest.ratio_difference(revenue, sessions, treatment)
    variance = 0.0
    for arm in (treatment, ~treatment):
        owner = np.repeat(np.arange(arm.sum()), sessions[arm])
        share = np.repeat(revenue[arm] / sessions[arm], sessions[arm])
        fit = sm.OLS(share, np.ones(len(share))).fit(cov_type="cluster",
                                                     cov_kwds={"groups": owner, "use_correction": False})
        variance += fit.bse[0] ** 2 * arm.sum() / (arm.sum() - 1)  # CR0, rescaled to sample variances
        assert fit.params[0] == pytest.approx(revenue[arm].sum() / sessions[arm].sum(), rel=1e-12)
    assert result.standard_error == pytest.approx(math.sqrt(variance), rel=1e-10)
    assert result.difference == pytest.approx(result.ratio_treatment - result.ratio_control)


def test_ratio_difference_covers_the_truth_where_the_naive_interval_does_not():
    delta, naive = [], []
    for seed in range(300):
        revenue, sessions, treatment = _visitors(400, 1_000 + seed)
        result = abtest.ratio_difference(revenue, sessions, treatment)
        delta.append(abs(result.difference) <= 1.96 * result.standard_error)
        var = 0.0
        for arm in (treatment, ~treatment):
            per_session = np.repeat(revenue[arm] / sessions[arm], sessions[arm])
            var += per_session.var(ddof=1) / len(per_session)
        naive.append(abs(result.difference) <= 1.96 * math.sqrt(var))
    se = math.sqrt(0.95 * 0.05 / 300)
    assert abs(np.mean(delta) - 0.95) < 3 * se
    assert np.mean(naive) < 0.95 - 3 * se


@pytest.mark.parametrize(("args", "error", "words"), [
    (([1.0, 2, 3, 4], [1, 1, 1], [True, False, True, False]), ValueError, "^denominator has 3 values"),
    (([1.0, 2, 3, 4], [1, -1, 1, 1], [True, False, True, False]), ValueError, "^denominator must be >= 0"),
    (([1.0, 2, 3, 4], [1, 0, 1, 0], [True, False, True, False]), ValueError, "^denominator must be >= 0 with a"),
    (([1.0, 2, 3], [1, 1, 1], [True, False, True]), ValueError, "^each arm needs at least two units"),
])
def test_ratio_difference_refuses_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        abtest.ratio_difference(*args)


def test_confidence_sequence_matches_the_msprt():
    rng = np.random.default_rng(3)
    variance, tau = 2.0, 0.05
    n = np.arange(1, 3_001)
    means = np.cumsum(rng.normal(0.08, math.sqrt(variance), len(n))) / n
    half = abtest.confidence_sequence_half_width(n, variance, tau, alpha=0.05)
    p = abtest.always_valid_p_value(means, n, variance, tau)
    outside = np.abs(means) >= half
    assert ((p < 0.05) == np.maximum.accumulate(outside)).mean() > 0.999  # equal except at exact ties
    assert (np.diff(p) <= 0).all()
    # independent computation of the mixture likelihood ratio by numerical integration over the prior
    k = 500
    grid = np.linspace(-1, 1, 20_001)
    integrand = np.exp(k * (grid * means[k - 1] - grid**2 / 2) / variance) * stats.norm.pdf(grid, scale=tau)
    mixture = np.trapezoid(integrand, grid)
    single = abtest.always_valid_p_value(means[k - 1:k], n[k - 1:k], variance, tau)[0]
    assert mixture > 1 and single == pytest.approx(1 / mixture, rel=1e-6)
    assert p[k - 1] <= single


def test_confidence_sequence_keeps_false_positives_under_continuous_monitoring():
    rng = np.random.default_rng(4)
    variance, n_steps, n_paths = 1.0, 2_000, 600
    tau = abtest.mixture_tau(variance, 1_000)
    n = np.arange(1, n_steps + 1)
    half = abtest.confidence_sequence_half_width(n, variance, tau)
    means = np.cumsum(rng.normal(0, 1, (n_paths, n_steps)), axis=1) / n
    always_valid = (np.abs(means) >= half).any(axis=1).mean()
    naive = (np.abs(means) >= 1.96 / np.sqrt(n)).any(axis=1).mean()
    assert always_valid < 0.05 + 2 * math.sqrt(0.05 * 0.95 / n_paths)
    assert naive > 0.3


def test_mixture_tau_minimises_the_width_at_the_target():
    tau = abtest.mixture_tau(0.3, 5_000)
    best = abtest.confidence_sequence_half_width(5_000, 0.3, tau)
    for factor in (0.8, 1.25):
        assert best < abtest.confidence_sequence_half_width(5_000, 0.3, tau * factor)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: abtest.confidence_sequence_half_width([0, 1], 1.0, 0.1), "^n must hold"),
    (lambda: abtest.confidence_sequence_half_width([1, 2], -1.0, 0.1), "^variance must be a positive"),
    (lambda: abtest.confidence_sequence_half_width([1, 2], 1.0, 0.0), "^tau must be a positive"),
    (lambda: abtest.always_valid_p_value([0.1, 0.2], [2, 1], 1.0, 0.1), "^n must hold increasing numbers"),
    (lambda: abtest.always_valid_p_value([0.1], [1, 2], 1.0, 0.1), "^mean and n must be 1-D arrays of the same length"),
    (lambda: abtest.mixture_tau(1.0, 0), "^n_target must be positive"),
])
def test_always_valid_functions_refuse_bad_input(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_spending_bounds_match_published_obrien_fleming_values():
    # Lan-DeMets O'Brien-Fleming-type spending, five equal looks, two-sided 0.05 (Jennison and Turnbull 2000;
    # R package gsDesign, sfLDOF)
    published = [4.8769, 3.3569, 2.6803, 2.2898, 2.0310]
    assert np.max(np.abs(abtest.spending_bounds(np.arange(1, 6) / 5) - published)) < 1e-3


@pytest.mark.parametrize("kind", ["obrien-fleming", "pocock"])
def test_spending_bounds_spend_alpha_as_planned_at_unequal_looks(kind):
    """Independent check: the multivariate normal probability of crossing by each look equals alpha*(t)."""
    t = np.array([0.12, 0.3, 0.34, 0.6, 0.81, 1.0])
    bounds = abtest.spending_bounds(t, kind=kind)
    correlation = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    planned = (4 * stats.norm.sf(stats.norm.isf(0.0125) / np.sqrt(t)) if kind == "obrien-fleming"
               else 0.05 * np.log1p((math.e - 1) * t))
    for k in (2, 4, 6):
        c = bounds[:k]
        stay = stats.multivariate_normal(np.zeros(k), correlation[:k, :k]).cdf(c, lower_limit=-c, rng=0)
        assert 1 - stay == pytest.approx(planned[k - 1], abs=3e-4)


def test_spending_bounds_single_look_and_alpha():
    assert abtest.spending_bounds([1.0])[0] == pytest.approx(stats.norm.isf(0.025), abs=1e-4)
    assert abtest.spending_bounds([1.0], alpha=0.1)[0] == pytest.approx(stats.norm.isf(0.05), abs=1e-4)
    assert abtest.spending_bounds([1.0], kind="pocock")[0] == pytest.approx(stats.norm.isf(0.025), abs=1e-4)


@pytest.mark.parametrize(("args", "words"), [
    (([0.5, 0.4, 1.0],), "^fractions must be increasing"), (([0.0, 1.0],), "^fractions must be increasing"),
    (([0.5, 1.2],), "^fractions must be increasing"),
])
def test_spending_bounds_refuse_bad_fractions(args, words):
    with pytest.raises(ValueError, match=words):
        abtest.spending_bounds(*args)


def test_spending_bounds_refuse_unknown_kind():
    with pytest.raises(ValueError, match="^kind must be"):
        abtest.spending_bounds([1.0], kind="haybittle")


# --- non-default arguments, asymmetric cases and error paths, against independent references ------------------


def _welch_se(a, b):
    """Welch's standard error of mean(a) - mean(b), from scipy's t statistic (an independent reference)."""
    result = stats.ttest_ind(a, b, equal_var=False)
    return (np.mean(a) - np.mean(b)) / result.statistic


def test_cuped_standard_errors_are_welchs_on_the_adjusted_and_raw_metric():
    """Unequal arms (40 % treatment): the adjusted metric uses the regression's slope; each standard error is
    Welch's (scipy), the interval uses alpha, the variance reduction is one minus the ratio of the variances."""
    y, x, treatment = _data(n=1_500, seed=9)
    ols = sm.OLS(y, sm.add_constant(np.column_stack([treatment, x]).astype(float))).fit()
    adjusted = y - (x - x.mean()) * ols.params[2]
    se = _welch_se(adjusted[treatment], adjusted[~treatment])
    raw_se = _welch_se(y[treatment], y[~treatment])
    result = abtest.cuped(y, x, treatment, alpha=0.1)
    assert result.standard_error == pytest.approx(se, rel=1e-10)
    assert result.unadjusted_standard_error == pytest.approx(raw_se, rel=1e-10)
    assert result.variance_reduction == pytest.approx(1 - (se / raw_se) ** 2, rel=1e-10)
    z = stats.norm.isf(0.05)
    assert result.difference_ci == pytest.approx((ols.params[1] - z * se, ols.params[1] + z * se), rel=1e-10)
    assert result.alpha == 0.1


def test_cuped_reports_no_reduction_when_the_adjustment_adds_variance():
    """A tiny treatment arm whose slope differs from the control's: the pooled slope adds variance there, and the
    reduction is reported as 0, not negative."""
    rng = np.random.default_rng(0)
    treatment = np.arange(12) < 3
    x = rng.normal(size=12)
    y = np.where(treatment, 2 * x, -0.3 * x) + 0.3 * rng.normal(size=12)
    result = abtest.cuped(y, x, treatment)
    assert result.standard_error > result.unadjusted_standard_error  # Welch: see the test above
    assert result.variance_reduction == 0.0


def test_cuped_of_a_metric_constant_within_the_arms():
    """No variance to reduce: the standard errors are 0 and the reduction is 0 (not 0 / 0)."""
    treatment = np.array([True, False] * 5)
    x = np.arange(10.0)
    result = abtest.cuped(3.0 * treatment, x, treatment)
    assert result.difference == pytest.approx(3.0) and result.standard_error == pytest.approx(0.0, abs=1e-12)
    assert result.variance_reduction == 0.0 and result.unadjusted_standard_error == 0.0


def test_cuped_accepts_a_boolean_metric_such_as_conversions():
    y, x, treatment = _data(n=400, seed=3)
    bought = y > np.median(y)
    assert abtest.cuped(bought, x, treatment) == abtest.cuped(bought.astype(float), x, treatment)


@pytest.mark.parametrize(("args", "error", "words"), [
    (([1.0, 2, 3, 4], [0.0, 0, 5, 5], [True, True, False, False]), ValueError, "^covariate is constant within"),
    (([1.0, 2, 3, 4], [1.0, 2, 4, 3], [[True, False], [True, False]]), TypeError, "^treatment must be a 1-D"),
    (([[1.0, 2], [3, 4]], [1.0, 2], [True, False]), TypeError, "^metric must be a 1-D array of numbers"),
    (([1.0, 2, 3, 4], [1.0, 2, 4, 3], [True, True, True, False]), ValueError,
     "^each arm needs at least two units; treatment has 3, control 1"),
    (([1.0, 2, 3], [1.0, 2, 4, 3], [True, False, True, False]), ValueError, "^metric has 3 values but treatment has 4"),
    (([1.0, 2, 3, 4], [1.0, 2, 4, 3], [True, False, True, False], 0.0), ValueError, "^alpha must lie strictly"),
])
def test_cuped_names_the_bad_argument(args, error, words):
    with pytest.raises(error, match=words):
        abtest.cuped(*args)


def test_ratio_difference_per_arm_ratios_and_alpha_with_unequal_arms():
    revenue, sessions, _ = _visitors(2_000, 5, effect=0.0)
    treatment = np.random.default_rng(6).random(2_000) < 0.3
    result = abtest.ratio_difference(revenue, sessions, treatment, alpha=0.1)
    assert result.ratio_treatment == pytest.approx(revenue[treatment].sum() / sessions[treatment].sum(), rel=1e-12)
    assert result.ratio_control == pytest.approx(revenue[~treatment].sum() / sessions[~treatment].sum(), rel=1e-12)
    se = result.standard_error
    z = stats.norm.isf(0.05)
    assert result.difference_ci == pytest.approx((result.difference - z * se, result.difference + z * se))
    assert result.alpha == 0.1
    # the delta-method variance of each arm, from the linearisation Y - r N (Deng et al. 2018), by hand
    variance = 0.0
    for arm in (treatment, ~treatment):
        r = revenue[arm].sum() / sessions[arm].sum()
        variance += np.var(revenue[arm] - r * sessions[arm], ddof=1) / arm.sum() / sessions[arm].mean() ** 2
    assert se == pytest.approx(math.sqrt(variance), rel=1e-10)


@pytest.mark.parametrize(("args", "error", "words"), [
    (([1.0, 2, 3], [1, 1, 1, 1], [True, False, True, False]), ValueError, "^numerator has 3 values"),
    (([1.0, 2, 3, 4], [1, 1, 1, 1], [True, False, True, False], 1.5), ValueError, "^alpha must lie strictly"),
    (([1.0, 2, 3, 4], [0, 0, 1, 1], [True, True, False, False]), ValueError, "^denominator must be >= 0 with"),
])
def test_ratio_difference_names_the_bad_argument(args, error, words):
    with pytest.raises(error, match=words):
        abtest.ratio_difference(*args)


def _mixture_likelihood_ratio(mean, n, variance, tau):
    """Independent reference: the likelihood ratio of N(theta, V) data against theta = 0, integrated over the
    prior N(0, tau^2) numerically."""
    grid = np.linspace(-12 * tau, 12 * tau, 40_001)
    integrand = np.exp(n * (grid * mean - grid**2 / 2) / variance) * stats.norm.pdf(grid, scale=tau)
    return np.trapezoid(integrand, grid)


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_confidence_sequence_boundary_is_where_the_mixture_reaches_one_over_alpha(alpha):
    variance, tau = 1.7, 0.08
    n = np.array([10, 400, 5_000])
    half = abtest.confidence_sequence_half_width(n, variance, tau, alpha=alpha)
    for count, width in zip(n, half, strict=True):
        assert _mixture_likelihood_ratio(width, count, variance, tau) == pytest.approx(1 / alpha, rel=1e-6)
    p = abtest.always_valid_p_value(half, n, variance, tau)
    assert p == pytest.approx(np.full(3, alpha), rel=1e-9)


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_mixture_tau_solves_the_first_order_condition(alpha):
    """With u = n tau^2 / V, the squared width is proportional to (1 + u)(2 log(1/alpha) + log(1 + u)) / u; its
    minimum solves d/du = 0, found here with brentq on the derivative."""
    variance, n = 0.3, 5_000
    level = 2 * math.log(1 / alpha)

    def slope(u):
        return ((1 + u) / (1 + u) * u - (1 + u) * (level + math.log1p(u)) + u * (level + math.log1p(u))) / u**2

    from scipy.optimize import brentq

    u = brentq(slope, 1e-3, 1e3)
    assert abtest.mixture_tau(variance, n, alpha=alpha) == pytest.approx(math.sqrt(u * variance / n), rel=1e-4)


def test_always_valid_p_values_start_at_one_and_never_rise():
    n = np.array([1, 2, 5, 9])
    assert abtest.always_valid_p_value(np.zeros(4), n, 1.0, 0.5).tolist() == [1.0] * 4
    means = np.array([0.0, 3.0, 0.0, 0.1])
    p = abtest.always_valid_p_value(means, n, 1.0, 0.5)
    single = [1 / _mixture_likelihood_ratio(m, k, 1.0, 0.5) for m, k in zip(means, n, strict=True)]
    assert p[1] == pytest.approx(single[1], rel=1e-6) and single[1] < 1
    assert p[2:].tolist() == [p[1], p[1]]  # later, weaker evidence does not raise the p-value


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: abtest.confidence_sequence_half_width([1, np.inf], 1.0, 0.1), ValueError, "^n must hold"),
    (lambda: abtest.confidence_sequence_half_width([1, 2], 1.0, 0.1, alpha=1.0), ValueError, "^alpha must lie"),
    (lambda: abtest.confidence_sequence_half_width([1, 2], True, 0.1), TypeError, "^variance must be a number"),
    (lambda: abtest.confidence_sequence_half_width([1, 2], 1.0, np.inf), ValueError,
     "^tau must be a positive finite number"),
    (lambda: abtest.always_valid_p_value([0.1, 0.2], [1, 1], 1.0, 0.1), ValueError, "^n must hold increasing"),
    (lambda: abtest.always_valid_p_value([0.1, 0.2], [0, 1], 1.0, 0.1), ValueError, "^n must hold increasing"),
    (lambda: abtest.always_valid_p_value([[0.1]], [[1]], 1.0, 0.1), ValueError, "^mean and n must be 1-D"),
    (lambda: abtest.always_valid_p_value([0.1], [1], 0.0, 0.1), ValueError, "^variance must be a positive"),
    (lambda: abtest.always_valid_p_value([0.1], [1], 1.0, -0.1), ValueError, "^tau must be a positive"),
    (lambda: abtest.mixture_tau(-1.0, 10), ValueError, "^variance must be a positive"),
    (lambda: abtest.mixture_tau(1.0, 10, alpha=0.0), ValueError, "^alpha must lie"),
])
def test_always_valid_functions_name_the_bad_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def _spent_by_multivariate_normal(t, bounds):
    """Independent reference: P(|Z(t_j)| > c_j for some j <= k), k = 1 .. K, for Brownian motion at fractions t."""
    correlation = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    return np.array([1 - stats.multivariate_normal(np.zeros(k), correlation[:k, :k]).cdf(
        bounds[:k], lower_limit=-bounds[:k], rng=0) for k in range(1, len(t) + 1)])


@pytest.mark.parametrize("kind", ["obrien-fleming", "pocock"])
def test_spending_bounds_spend_another_alpha_at_unequal_looks(kind):
    t, alpha = np.array([0.25, 0.4, 1.0]), 0.1
    bounds = abtest.spending_bounds(t, alpha=alpha, kind=kind)
    planned = (4 * stats.norm.sf(stats.norm.isf(alpha / 4) / np.sqrt(t)) if kind == "obrien-fleming"
               else alpha * np.log(1 + (math.e - 1) * t))
    assert _spent_by_multivariate_normal(t, bounds) == pytest.approx(planned, abs=3e-4)


def test_spending_bounds_at_a_look_that_spends_nothing_cannot_stop():
    """O'Brien-Fleming spending at t = 0.001 is below 1e-300: the look's boundary is out of reach, and the final
    look then spends all of alpha, as a single analysis does."""
    bounds = abtest.spending_bounds([0.001, 1.0])
    assert bounds[0] > 40 and bounds[1] == pytest.approx(stats.norm.isf(0.025), abs=1e-3)


@pytest.mark.parametrize(("args", "kwargs", "words"), [
    (([[0.5, 1.0]],), {}, "^fractions must be increasing numbers in"),
    (([],), {}, "^fractions must be increasing numbers in"),
    (([0.5, 0.5, 1.0],), {}, "^fractions must be increasing numbers in"),
    (([0.5, 1.0],), {"alpha": 0.0}, "^alpha must lie strictly"),
])
def test_spending_bounds_name_the_bad_argument(args, kwargs, words):
    with pytest.raises(ValueError, match=words):
        abtest.spending_bounds(*args, **kwargs)


def test_cuped_reduction_when_the_raw_variance_is_exactly_one():
    """Treatment metric (0, 2): sample variance 2, over 2 units = 1; control (5, 5): 0. The raw variance of the
    difference is exactly 1, the adjusted one 0.2 (worked out in Welch's terms below)."""
    y = np.array([0.0, 2.0, 5.0, 5.0])
    x = np.array([0.0, 2.0, 0.0, 1.0])
    treatment = np.array([True, True, False, False])
    result = abtest.cuped(y, x, treatment)
    adjusted = y - (x - x.mean()) * result.theta
    assert result.theta == pytest.approx(0.8)                      # within-arm slope: 2 / 2.5
    se = _welch_se(adjusted[treatment], adjusted[~treatment])
    assert result.unadjusted_standard_error == 1.0 and se == pytest.approx(math.sqrt(0.2))
    assert result.variance_reduction == pytest.approx(0.8)


def test_cuped_of_a_constant_metric_raises_no_warning():
    import warnings

    treatment = np.array([True, False] * 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert abtest.cuped(3.0 * treatment, np.arange(10.0), treatment).variance_reduction == 0.0


@pytest.mark.parametrize(("offset", "d", "refused"), [
    (1_000.0, 1e-4, True),    # within-arm sum of squares 4e-8 <= 1e-12 * (sum of squares 4e6): a rounding error
    (1_000.0, 1.5e-3, False),  # 9e-6 > 4e-6: real (if tiny) variation
    (0.0, 6.2e-7, False),     # 1.5e-12 > 1e-12 * max(1, 1.5e-12)
    (0.0, 4e-7, True),        # 6.4e-13 <= 1e-12
])
def test_cuped_refuses_a_covariate_constant_within_the_arms_up_to_rounding(offset, d, refused):
    """'Constant within the arms' means a within-arm sum of squares of at most 1e-12 times the covariate's sum of
    squares (at least 1): relative for large values, absolute for small ones."""
    x = offset + np.array([d, -d, d, -d])
    y, treatment = np.array([1.0, 2.0, 4.0, 3.0]), np.array([True, True, False, False])
    if refused:
        with pytest.raises(ValueError, match="^covariate is constant within the arms"):
            abtest.cuped(y, x, treatment)
    else:
        assert math.isfinite(abtest.cuped(y, x, treatment).difference)


def test_ratio_difference_accepts_zero_and_fractional_denominators():
    """A visitor with no session has denominator 0; an arm whose denominators sum to exactly 1 is valid."""
    numerator = np.array([1.0, 0.0, 2.0, 3.0, 0.0, 1.0])
    treatment = np.array([True, True, True, False, False, False])
    for denominator in ([1.0, 0.0, 2.0, 3.0, 0.0, 1.0], [0.5, 0.25, 0.25, 0.5, 0.0, 0.5]):
        result = abtest.ratio_difference(numerator, np.array(denominator), treatment)
        d = np.array(denominator)
        assert result.ratio_treatment == pytest.approx(numerator[:3].sum() / d[:3].sum())
        assert result.ratio_control == pytest.approx(numerator[3:].sum() / d[3:].sum())


def test_mixture_tau_for_a_large_target_and_to_high_precision():
    """Far from sqrt(V / n) = 1 the optimiser must still find the minimum (brentq on the first-order condition,
    as above), to about eight significant digits, without a warning."""
    import warnings

    from scipy.optimize import brentq

    level = 2 * math.log(1 / 0.05)
    u = brentq(lambda u: u - level - math.log1p(u), 1e-3, 1e3, xtol=1e-14)
    for variance, n in ((2.0, 10**6), (0.3, 5_000)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tau = abtest.mixture_tau(variance, n)
        assert tau == pytest.approx(math.sqrt(u * variance / n), rel=1e-7)


def test_always_valid_p_value_of_huge_integer_counts():
    """Counts given as integers behave as the same counts given as floats, even beyond 2^32 observations."""
    n = np.array([4_000_000_000, 5_000_000_000])
    as_int = abtest.always_valid_p_value([1e-5, 5e-5], n, 1.0, 1e-4)
    assert as_int == pytest.approx(abtest.always_valid_p_value([1e-5, 5e-5], n.astype(float), 1.0, 1e-4))
    assert 0 < as_int[-1] < 1


def test_spending_bounds_at_twenty_equal_looks_spend_as_planned():
    """Many looks: each boundary's grid integration must not drift. Independent reference: the crossing
    probabilities of these boundaries by sequential_stop_probabilities (another grid, with split cells, at a fine
    step), whose cumulative sums must equal alpha*(t) to 5e-5."""
    t = np.arange(1, 21) / 20
    for kind, planned in (("obrien-fleming", 4 * stats.norm.sf(stats.norm.isf(0.0125) / np.sqrt(t))),
                          ("pocock", 0.05 * np.log1p((math.e - 1) * t))):
        bounds = abtest.spending_bounds(t, kind=kind)
        crossed = np.cumsum(abtest.sequential_stop_probabilities(bounds, grid_step=0.001))
        assert np.abs(crossed - planned).max() < 5e-5, kind


def test_spending_bounds_after_a_very_early_look_and_with_a_large_alpha():
    """After a look at t = 0.001 that spends nothing, the last look spends alpha alone: z_{1 - alpha / 2} to 1e-6
    (the grid is refined for closely spaced looks). With alpha = 0.5 a single look's boundary is below 1."""
    assert abtest.spending_bounds([0.001, 1.0])[1] == pytest.approx(stats.norm.isf(0.025), abs=1e-6)
    for kind in ("obrien-fleming", "pocock"):
        assert abtest.spending_bounds([1.0], alpha=0.5, kind=kind)[0] == pytest.approx(stats.norm.isf(0.25), abs=1e-6)


def _drift_for_power(bound, power):
    """Independent reference for one look: the mean d of Z with P(|Z| > bound) = power, Z ~ N(d, 1)."""
    from scipy.optimize import brentq

    return brentq(lambda d: stats.norm.sf(bound - d) + stats.norm.cdf(-bound - d) - power, 0.0, 50.0, xtol=1e-12)


@pytest.mark.parametrize(("bound", "power", "alpha"), [
    (1.0, 0.5, 0.05),       # rejects the null with 0.32 < 0.5, yet with probability 0.52 at a drift of 1
    (stats.norm.isf(0.025), 0.1, 0.05),  # low power: the drift is below 1
    (8.0, 0.9999, 0.05),    # a very strict single look needs a drift beyond 11
    (stats.norm.isf(0.05), 0.8, 0.1),    # another alpha: the fixed design itself, R = 1
])
def test_inflation_factor_of_a_single_look_against_the_normal_distribution(bound, power, alpha):
    fixed = stats.norm.isf(alpha / 2) + stats.norm.ppf(power)
    expected = (_drift_for_power(bound, power) / fixed) ** 2
    assert abtest.inflation_factor([bound], power=power, alpha=alpha) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: abtest.inflation_factor([2.0], alpha=0.0), ValueError, "^alpha must lie strictly between 0 and 1"),
    (lambda: abtest.sequential_stop_probabilities([2.0], width=-1.0), ValueError,
     "^width must be a positive finite number"),
    (lambda: abtest.sequential_stop_probabilities([2.0], grid_step=True), TypeError,
     "^grid_step must be a number, got bool$"),
    (lambda: abtest.sequential_stop_probabilities([2.0, 0.0]), ValueError,
     "^bounds must be a non-empty sequence of positive z values"),
])
def test_sequential_helpers_name_the_bad_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_always_valid_p_value_of_huge_integer_means():
    """Running means given as integers (e.g. in cents) behave as the same means given as floats."""
    means = np.array([3_000_000_000, 5_000_000_000])
    as_int = abtest.always_valid_p_value(means, [1, 2], 1e19, 3e9)
    assert as_int == pytest.approx(abtest.always_valid_p_value(means.astype(float), [1, 2], 1e19, 3e9))
    assert 0 < as_int[-1] < 1
