"""helpers.abtest agrees with statsmodels, scipy and published tables, and refuses invalid arguments."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests  # noqa: F401 - imported to prove it is installed
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from helpers import abtest

SHARES = {"control": 0.5, "treatment": 0.5}


def test_assign_is_deterministic_and_respects_shares():
    ids = [f"u{i}" for i in range(20_000)]
    first = abtest.assign(ids, "exp-a", {"a": 0.2, "b": 0.3, "c": 0.5})
    assert (first == abtest.assign(ids, "exp-a", {"a": 0.2, "b": 0.3, "c": 0.5})).all()
    counts = Counter(first)
    for name, share in {"a": 0.2, "b": 0.3, "c": 0.5}.items():
        se = math.sqrt(share * (1 - share) / len(ids))
        assert abs(counts[name] / len(ids) - share) < 4 * se
    assert abtest.assign("u7", "exp-a", {"a": 0.2, "b": 0.3, "c": 0.5}) == first[7]


def test_assignments_of_two_experiments_are_independent():
    ids = list(range(20_000))
    a = abtest.assign(ids, "one", SHARES) == "treatment"
    b = abtest.assign(ids, "two", SHARES) == "treatment"
    table = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]])
    assert stats.chi2_contingency(table).pvalue > 0.001


@pytest.mark.parametrize(("args", "error", "words"), [
    (("u", "", SHARES), ValueError, "^experiment must be a non-empty string"),
    (("u", "e", {"a": 0.5, "b": 0.6}), ValueError, "^shares must sum to 1"),
    (("u", "e", {"a": 1.2, "b": -0.2}), ValueError, "^every share must be positive"),
    (("u", "e", [0.5, 0.5]), TypeError, "^shares must be a non-empty mapping"),
    ((3.5, "e", SHARES), TypeError, "^unit_id must be"),
])
def test_assign_rejects_bad_arguments(args, error, words):
    with pytest.raises(error, match=words):
        abtest.assign(*args)


@pytest.mark.parametrize(("p", "mde", "relative"), [(0.15, 0.02, False), (0.05, 0.01, False), (0.3, -0.05, False),
                                                     (0.15, 0.1, True)])
def test_sample_size_agrees_with_statsmodels(p, mde, relative):
    diff = p * mde if relative else mde
    expected = samplesize_proportions_2indep_onetail(diff=diff, prop2=p, power=0.8, alpha=0.05)
    assert abtest.sample_size_per_arm(p, mde, relative=relative) == math.ceil(expected - 1e-9)


def test_sample_size_matches_power_prop_test():
    # R: power.prop.test(p1 = 0.10, p2 = 0.12, power = 0.8) gives n = 3840.847 per group
    assert abtest.sample_size_per_arm(0.10, 0.02) == 3841


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"p_baseline": 1.2, "mde": 0.01}, ValueError, "^p_baseline must lie strictly between 0 and 1"),
    ({"p_baseline": 0.1, "mde": 0}, ValueError, "^mde must be a non-zero number"),
    ({"p_baseline": 0.95, "mde": 0.1}, ValueError, r"^p_baseline 0\.95 changed by mde 0\.1 gives 1\.05, outside"),
    ({"p_baseline": 0.1, "mde": 0.01, "power": 1.0}, ValueError, "^power must lie"),
    ({"p_baseline": "0.1", "mde": 0.01}, TypeError, "^p_baseline must be a number"),
])
def test_sample_size_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        abtest.sample_size_per_arm(**kwargs)


def test_proportions_test_agrees_with_statsmodels():
    result = abtest.proportions_test(1_480, 10_000, 1_620, 10_050)
    z, p = proportions_ztest([1_620, 1_480], [10_050, 10_000])
    assert math.isclose(result.z, z, rel_tol=1e-12) and math.isclose(result.p_value, p, rel_tol=1e-9)
    diff = confint_proportions_2indep(1_620, 10_050, 1_480, 10_000, method="wald")
    ratio = confint_proportions_2indep(1_620, 10_050, 1_480, 10_000, method="log", compare="ratio")
    assert np.allclose(result.difference_ci, diff, atol=1e-12)
    assert np.allclose(np.array(result.relative_lift_ci) + 1, ratio, atol=1e-12)
    assert result.significant == (p < 0.05)


@pytest.mark.parametrize(("args", "error", "words"), [
    ((10, 0, 10, 100), ValueError, "^n_a must be positive"),
    ((101, 100, 10, 100), ValueError, "^conversions cannot exceed"),
    ((0, 100, 10, 100), ValueError, "^each arm needs at least one conversion"),
    ((1.5, 100, 10, 100), TypeError, "^conversions_a must be a whole number"),
])
def test_proportions_test_rejects_bad_arguments(args, error, words):
    with pytest.raises(error, match=words):
        abtest.proportions_test(*args)


def test_srm_agrees_with_scipy_and_rejects_bad_input():
    assert math.isclose(abtest.srm_pvalue([50_600, 49_400], [0.5, 0.5]),
                        stats.chisquare([50_600, 49_400]).pvalue, rel_tol=1e-12)
    with pytest.raises(ValueError, match="^expected_shares must be positive and sum to 1"):
        abtest.srm_pvalue([10, 10], [0.5, 0.6])
    with pytest.raises(ValueError, match="^counts and expected_shares must be sequences of the same length"):
        abtest.srm_pvalue([10, 10, 10], [0.5, 0.5])
    with pytest.raises(ValueError, match="^counts must be non-negative whole numbers"):
        abtest.srm_pvalue([10.5, 10], [0.5, 0.5])


# Jennison & Turnbull (2000), tables 2.1 and 2.3: alpha = 0.05 two-sided.
@pytest.mark.parametrize(("looks", "pocock", "obf_final"), [(2, 2.178, 1.977), (3, 2.289, 2.004),
                                                             (5, 2.413, 2.040), (10, 2.555, 2.087)])
def test_sequential_bounds_match_published_tables(looks, pocock, obf_final):
    assert abtest.sequential_bounds(looks, kind="pocock") == pytest.approx(np.full(looks, pocock), abs=2e-3)
    obf = abtest.sequential_bounds(looks, kind="obrien-fleming")
    assert obf[-1] == pytest.approx(obf_final, abs=2e-3)
    assert obf == pytest.approx(obf[-1] * np.sqrt(looks / np.arange(1, looks + 1)))


def test_sequential_bounds_rejects_bad_arguments():
    with pytest.raises(ValueError, match="^kind must be"):
        abtest.sequential_bounds(3, kind="haybittle")
    with pytest.raises(ValueError, match="^n_looks must be positive"):
        abtest.sequential_bounds(0)


def test_peeking_inflates_and_sequential_bounds_restore_the_false_positive_rate():
    naive, naive_se = abtest.peeking_false_positive_rate(10, 5_000, 0.15, 4_000, seed=1)
    assert naive > 0.05 + 5 * naive_se  # about 0.19 for ten looks
    for kind in ("pocock", "obrien-fleming"):
        rate, se = abtest.peeking_false_positive_rate(10, 5_000, 0.15, 4_000, seed=2,
                                                      bounds=abtest.sequential_bounds(10, kind=kind))
        assert abs(rate - 0.05) < 4 * se


def test_one_look_equals_the_fixed_test_and_power_matches_the_design():
    rate, se = abtest.peeking_false_positive_rate(1, 5_000, 0.15, 4_000, seed=3)
    assert abs(rate - 0.05) < 4 * se
    n = abtest.sample_size_per_arm(0.15, 0.02)
    power, se = abtest.sequential_power(1, n, 0.15, 0.17, 4_000, seed=4)
    assert abs(power - 0.8) < 4 * se


def test_peeking_rejects_bad_arguments():
    with pytest.raises(ValueError, match="^bounds must hold 3 positive z values"):
        abtest.peeking_false_positive_rate(3, 100, 0.1, 10, seed=0, bounds=[2.0, 2.0])
    with pytest.raises(ValueError, match=r"^n_per_arm \(3\) must be at least n_looks"):
        abtest.peeking_false_positive_rate(5, 3, 0.1, 10, seed=0)
    with pytest.raises(ValueError, match="^p must lie"):
        abtest.peeking_false_positive_rate(2, 100, 0.0, 10, seed=0)


def test_assign_agrees_with_the_hash_computed_by_hand():
    """The vectorised assignment maps SHA-256("experiment:unit")'s first 8 bytes / 2**64 onto the shares."""
    import hashlib

    shares = {"a": 0.2, "b": 0.3, "c": 0.5}
    ids = [f"u{i}" for i in range(3_000)] + [17, np.int64(18)]

    def by_hand(unit):
        position = int.from_bytes(hashlib.sha256(f"exp-h:{unit}".encode()).digest()[:8], "big") / 2**64
        return "a" if position < 0.2 else "b" if position < 0.5 else "c"

    assert list(abtest.assign(ids, "exp-h", shares)) == [by_hand(unit) for unit in ids]
    assert abtest.assign(np.array(ids[:5], dtype=object), "exp-h", shares).tolist() == [by_hand(u) for u in ids[:5]]
    assert len(abtest.assign([], "exp-h", shares)) == 0


def test_sequential_runs_share_the_draws_of_sequential_power_and_stop_where_z_crosses():
    bounds = abtest.sequential_bounds(4)
    runs = abtest.sequential_runs(4, 4_000, 0.15, 0.17, 3_000, 7, bounds=bounds)
    power, _ = abtest.sequential_power(4, 4_000, 0.15, 0.17, 3_000, 7, bounds=bounds)
    assert runs.rejected.mean() == power
    assert set(np.unique(runs.stop_look)) <= {1, 2, 3, 4}
    assert (runs.stop_look[~runs.rejected] == 4).all()
    assert np.array_equal(runs.n_per_arm, np.array([1_000, 2_000, 3_000, 4_000])[runs.stop_look - 1])
    # the z of the estimate at the stop crosses that look's bound exactly for the rejected runs
    p = 0.16
    z = runs.estimate / np.sqrt(2 * p * (1 - p) / runs.n_per_arm)
    early = runs.rejected & (runs.stop_look < 4)
    assert (np.abs(z[early]) > bounds[runs.stop_look[early] - 1] * 0.9).all()
    # same seed, same runs; another seed, other runs
    again = abtest.sequential_runs(4, 4_000, 0.15, 0.17, 3_000, 7, bounds=bounds)
    assert np.array_equal(again.estimate, runs.estimate)
    other = abtest.sequential_runs(4, 4_000, 0.15, 0.17, 3_000, 8, bounds=bounds)
    assert not np.array_equal(other.estimate, runs.estimate)


def test_sequential_runs_expected_size_and_early_stopping_bias():
    """One look is the fixed design: all visitors used, an unbiased estimate (within 4 Monte Carlo se).
    With O'Brien-Fleming looks under the alternative the design stops early on average, and its estimate
    is biased upwards, most for the earliest stops."""
    fixed = abtest.sequential_runs(1, 5_000, 0.15, 0.17, 4_000, 3)
    assert (fixed.n_per_arm == 5_000).all() and (fixed.stop_look == 1).all()
    assert abs(fixed.estimate.mean() - 0.02) < 4 * fixed.estimate.std() / math.sqrt(4_000)
    runs = abtest.sequential_runs(5, 5_000, 0.15, 0.17, 4_000, 3, bounds=abtest.sequential_bounds(5))
    assert runs.n_per_arm.mean() < 0.9 * 5_000
    assert runs.estimate.mean() - 0.02 > 4 * runs.estimate.std() / math.sqrt(4_000)
    assert runs.estimate[runs.stop_look == 2].mean() > runs.estimate[runs.stop_look == 5].mean()
    null = abtest.sequential_runs(5, 5_000, 0.15, 0.15, 4_000, 3, bounds=abtest.sequential_bounds(5))
    assert null.n_per_arm.mean() > 0.97 * 5_000


def test_sequential_runs_rejects_bad_arguments():
    with pytest.raises(ValueError, match="^p_b must lie strictly between 0 and 1"):
        abtest.sequential_runs(3, 100, 0.1, 1.2, 10, 0)
    with pytest.raises(ValueError, match="^bounds must hold 3 positive z values"):
        abtest.sequential_runs(3, 100, 0.1, 0.2, 10, 0, bounds=[2.0, 2.0])
    with pytest.raises(ValueError, match="^n_per_arm .* must be at least n_looks"):
        abtest.sequential_runs(3, 2, 0.1, 0.2, 10, 0)


def test_chapter_03_numeric_exercises_reject_answers_just_outside_their_tolerance():
    from helpers.exercises import ch03

    right = ch03.q1.solve()
    assert ch03.q1.evaluate(right + 1).status == "correct"
    assert ch03.q1.evaluate(right + 3).status == "incorrect"
    p = ch03.q2.solve()
    assert ch03.q2.evaluate(p * 1.015).status == "correct"
    assert ch03.q2.evaluate(p * 1.03).status == "incorrect"
    ceiling = ch03.q4.solve()
    assert ceiling == pytest.approx(0.625)
    assert ch03.q4.evaluate(ceiling + 0.004).status == "correct"
    assert ch03.q4.evaluate(ceiling + 0.007).status == "incorrect"
    assert ch03.q4.evaluate(ceiling - 0.007).status == "incorrect"


def test_stop_probabilities_known_answers():
    """One look is the fixed two-sided test; no drift gives the design's false-positive rate; a look that cannot
    stop (inf) has probability zero; the split cells make the answer independent of the grid's spacing."""
    z = stats.norm.ppf(0.975)
    assert abtest.sequential_stop_probabilities([z]) == pytest.approx([0.05], abs=1e-6)
    for drift in (1.0, 2.8, -2.0):
        exact = stats.norm.sf(z - drift) + stats.norm.cdf(-z - drift)
        assert abtest.sequential_stop_probabilities([z], drift) == pytest.approx([exact], abs=1e-6)
    for kind in ("pocock", "obrien-fleming"):
        bounds = abtest.sequential_bounds(5, kind=kind)
        assert abtest.sequential_stop_probabilities(bounds).sum() == pytest.approx(0.05, abs=2e-4)
        fine = abtest.sequential_stop_probabilities(bounds, 2.5, grid_step=0.001)
        assert abtest.sequential_stop_probabilities(bounds, 2.5) == pytest.approx(fine, abs=2e-5)
    only_last = abtest.sequential_stop_probabilities([np.inf, np.inf, z], 2.0)
    assert only_last[:2].tolist() == [0.0, 0.0]
    assert only_last[2] == pytest.approx(stats.norm.sf(z - 2.0) + stats.norm.cdf(-z - 2.0), abs=1e-6)


def test_two_looks_agree_with_the_bivariate_normal():
    """With two looks, (Z_1, Z_2) is bivariate normal with correlation sqrt(1/2): P(no crossing) is a rectangle
    probability that scipy computes independently."""
    bounds, drift = np.array([2.5, 2.0]), 1.7
    mean = np.array([drift / math.sqrt(2), drift])
    covariance = np.array([[1, math.sqrt(0.5)], [math.sqrt(0.5), 1]])
    law = stats.multivariate_normal(mean, covariance)
    b1, b2 = bounds
    stay = law.cdf([b1, b2]) - law.cdf([-b1, b2]) - law.cdf([b1, -b2]) + law.cdf([-b1, -b2])
    first = stats.norm.sf(b1 - mean[0]) + stats.norm.cdf(-b1 - mean[0])
    computed = abtest.sequential_stop_probabilities(bounds, drift)
    assert computed[0] == pytest.approx(first, abs=1e-6)
    assert 1 - computed.sum() == pytest.approx(stay, abs=2e-4)
    expected = computed[0] * 0.5 + (1 - computed[0])
    assert abtest.sequential_expected_fraction(bounds, drift) == pytest.approx(expected, abs=1e-12)


# Jennison & Turnbull (2000), tables 2.2 and 2.4: alpha = 0.05 two-sided, power 0.8 and 0.9.
@pytest.mark.parametrize(("looks", "power", "pocock", "obf"), [
    (2, 0.8, 1.110, 1.008), (3, 0.8, 1.166, 1.017), (4, 0.8, 1.202, 1.024), (5, 0.8, 1.229, 1.028),
    (2, 0.9, 1.100, 1.007), (3, 0.9, 1.151, 1.016), (4, 0.9, 1.183, 1.022), (5, 0.9, 1.207, 1.026)])
def test_inflation_factor_matches_published_tables(looks, power, pocock, obf):
    assert abtest.inflation_factor(abtest.sequential_bounds(looks, kind="pocock"), power) == pytest.approx(
        pocock, abs=2e-3)
    assert abtest.inflation_factor(abtest.sequential_bounds(looks), power) == pytest.approx(obf, abs=2e-3)
    assert abtest.inflation_factor([stats.norm.ppf(0.975)], power) == pytest.approx(1.0, abs=1e-5)  # far tail


def test_raised_maximum_restores_the_power_by_simulation():
    """Simulated binomial experiments with the maximum raised by the inflation factor have the fixed design's
    power, and use on average the computed share of that maximum, within 4 Monte Carlo standard errors."""
    n_fixed = abtest.sample_size_per_arm(0.3, 0.03)
    bounds = abtest.sequential_bounds(5, kind="pocock")
    n_max = math.ceil(abtest.inflation_factor(bounds) * n_fixed)
    runs = abtest.sequential_runs(5, n_max, 0.3, 0.33, 20_000, 11, bounds=bounds)
    assert abs(runs.rejected.mean() - 0.8) < 4 * math.sqrt(0.8 * 0.2 / 20_000)
    drift = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(n_max / n_fixed)
    share = abtest.sequential_expected_fraction(bounds, drift)
    assert abs(runs.n_per_arm.mean() / n_max - share) < 4 * runs.n_per_arm.std() / n_max / math.sqrt(20_000)
    null = abtest.sequential_runs(5, n_max, 0.3, 0.3, 20_000, 12, bounds=bounds)
    share_null = abtest.sequential_expected_fraction(bounds)
    assert abs(null.n_per_arm.mean() / n_max - share_null) < 4 * null.n_per_arm.std() / n_max / math.sqrt(20_000)


def test_sequential_power_helpers_reject_bad_arguments():
    with pytest.raises(ValueError, match="^bounds must be a non-empty sequence of positive z values"):
        abtest.sequential_stop_probabilities([])
    with pytest.raises(ValueError, match="^bounds must be a non-empty sequence of positive z values"):
        abtest.sequential_stop_probabilities([2.0, -1.0])
    with pytest.raises(TypeError, match="^drift must be a finite number"):
        abtest.sequential_stop_probabilities([2.0], "2")
    with pytest.raises(TypeError, match="^drift must be a finite number"):
        abtest.sequential_stop_probabilities([2.0], float("nan"))
    with pytest.raises(ValueError, match="^grid_step must be a positive finite number"):
        abtest.sequential_stop_probabilities([2.0], grid_step=0.0)
    with pytest.raises(ValueError, match="^power must lie strictly between 0 and 1"):
        abtest.inflation_factor([2.0], power=1.0)
    with pytest.raises(ValueError, match=r"^these bounds reject the null with probability at least power=0\.5 even "
                                         r"without an effect; they cannot be a design for that power$"):
        abtest.inflation_factor([0.1] * 5, power=0.5)


def test_chapter_figures_shade_weekends_and_count_looks_in_whole_numbers():
    """The day-by-day figure shades exactly the weekend days given; the peeking figure has integer ticks only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import plotting

    days = np.arange(1, 15)
    estimate = np.zeros(14)
    ax = plotting.effect_by_day(days, estimate, estimate - 1, estimate + 1, estimate, title="t", ylabel="y",
                                weekend=[6, 7, 13, 14])
    spans = sorted((patch.get_x(), patch.get_x() + patch.get_width()) for patch in ax.patches)
    assert spans == [(5.5, 6.5), (6.5, 7.5), (12.5, 13.5), (13.5, 14.5)]
    assert [text.get_text() for text in ax.get_legend().get_texts()].count("weekend") == 1
    assert not plotting.effect_by_day(days, estimate, estimate - 1, estimate + 1, estimate, title="t",
                                      ylabel="y").patches  # no shading unless asked
    ax = plotting.peeking_curve([1, 2, 3, 5, 10, 20], {"naive": ([0.05] * 6, [0.01] * 6)}, title="t")
    ticks = [tick for tick in ax.get_xticks() if ax.get_xlim()[0] <= tick <= ax.get_xlim()[1]]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    plt.close("all")


# --- non-default arguments, asymmetric cases and error paths, against independent references ------------------


@pytest.mark.parametrize(("p", "mde", "alpha", "power", "relative"), [
    (0.2, 0.03, 0.01, 0.9, False), (0.1, -0.02, 0.1, 0.7, False), (0.3, -0.1, 0.2, 0.95, True),
])
def test_sample_size_uses_alpha_and_power_like_statsmodels(p, mde, alpha, power, relative):
    diff = p * mde if relative else mde
    expected = samplesize_proportions_2indep_onetail(diff=diff, prop2=p, power=power, alpha=alpha)
    assert abtest.sample_size_per_arm(p, mde, alpha=alpha, power=power, relative=relative) == math.ceil(expected)


def test_sample_size_matches_the_r_documentation_example():
    # R's ?power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90) gives n = 76.65294 per group
    assert abtest.sample_size_per_arm(0.5, 0.25, power=0.9) == 77
    # the same design read as a relative change: 0.75 = 0.5 * (1 + 0.5)
    assert abtest.sample_size_per_arm(0.5, 0.5, power=0.9, relative=True) == 77


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"p_baseline": 0.1, "mde": 0.01, "relative": 1}, TypeError, "^relative must be True or False"),
    ({"p_baseline": 0.1, "mde": True}, ValueError, "^mde must be a non-zero number"),
    ({"p_baseline": 0.1, "mde": "0.01"}, ValueError, "^mde must be a non-zero number"),
    ({"p_baseline": 0.1, "mde": 0.01, "alpha": 0.0}, ValueError, "^alpha must lie strictly between 0 and 1"),
    ({"p_baseline": 0.1, "mde": 0.01, "alpha": True}, TypeError, "^alpha must be a number"),
    ({"p_baseline": 0.1, "mde": 0.01, "power": 0}, ValueError, "^power must lie strictly between 0 and 1"),
    ({"p_baseline": 1, "mde": -0.5}, ValueError, "^p_baseline must lie strictly between 0 and 1"),
    ({"p_baseline": 0.1, "mde": -0.1}, ValueError, "^p_baseline 0.1 changed by mde -0.1 gives 0.0"),
    ({"p_baseline": 0.5, "mde": 1.0, "relative": True}, ValueError,
     r"^p_baseline 0\.5 changed by mde 1.0 gives 1.0, outside"),
])
def test_sample_size_names_the_bad_argument(kwargs, error, words):
    with pytest.raises(error, match=words):
        abtest.sample_size_per_arm(**kwargs)


def test_proportions_test_with_unequal_arms_and_another_alpha_agrees_with_statsmodels():
    """Unequal arms (1,000 against 400 visitors) so that swapped sizes show; alpha 0.1 and 0.01."""
    ca, na, cb, nb = 210, 1_000, 107, 400
    z, p = proportions_ztest([cb, ca], [nb, na])
    for alpha in (0.1, 0.01):
        result = abtest.proportions_test(ca, na, cb, nb, alpha=alpha)
        assert result.z == pytest.approx(z, rel=1e-12) and result.p_value == pytest.approx(p, rel=1e-9)
        diff = confint_proportions_2indep(cb, nb, ca, na, method="wald", alpha=alpha)
        ratio = confint_proportions_2indep(cb, nb, ca, na, method="log", compare="ratio", alpha=alpha)
        assert result.difference_ci == pytest.approx(diff, abs=1e-12)
        assert np.array(result.relative_lift_ci) + 1 == pytest.approx(ratio, abs=1e-12)
        assert result.alpha == alpha
    result = abtest.proportions_test(ca, na, cb, nb)
    assert (result.p_a, result.p_b) == (0.21, 107 / 400)
    assert result.difference == pytest.approx(107 / 400 - 0.21, abs=1e-15)
    assert result.relative_lift == pytest.approx((107 / 400) / 0.21 - 1, abs=1e-15)


def test_significance_is_judged_at_the_given_alpha():
    result = abtest.proportions_test(1_480, 10_000, 1_600, 10_050)
    assert 0.01 < result.p_value < 0.05  # statsmodels: about 0.019
    assert result.significant and not abtest.proportions_test(1_480, 10_000, 1_600, 10_050, alpha=0.01).significant
    assert abtest.proportions_test(1_480, 10_000, 1_520, 10_050).significant is False  # p about 0.5


@pytest.mark.parametrize(("args", "error", "words"), [
    ((10, 100, 10, 0), ValueError, "^n_b must be positive"),
    ((10, 100, 101, 100), ValueError, "^conversions cannot exceed visitors: 10/100, 101/100"),
    ((10, 100, 100, 100), ValueError, "^each arm needs at least one conversion and one non-conversion"),
    ((100, 100, 10, 100), ValueError, "^each arm needs at least one conversion and one non-conversion"),
    ((10, 100, 0, 100), ValueError, "^each arm needs at least one conversion and one non-conversion"),
    ((10, 100, -1, 100), ValueError, "^conversions_b must be non-negative"),
    ((10, 100, 10, 100.0), TypeError, "^n_b must be a whole number"),
    ((10, True, 10, 100), TypeError, "^n_a must be a whole number"),
    ((10, 100, 10, 100, 1.0), ValueError, "^alpha must lie strictly between 0 and 1"),
])
def test_proportions_test_names_the_bad_argument(args, error, words):
    with pytest.raises(error, match=words):
        abtest.proportions_test(*args)


def test_proportions_test_accepts_the_smallest_valid_arms():
    """One conversion and one non-conversion per arm is enough; numpy integers are whole numbers."""
    result = abtest.proportions_test(np.int64(1), np.int64(2), 1, 3)
    assert result.p_a == 0.5 and result.p_b == pytest.approx(1 / 3)


def test_srm_uses_the_planned_unequal_shares():
    counts, shares = [1_950, 3_100, 4_950], [0.2, 0.3, 0.5]
    expected = stats.chisquare(counts, np.array(shares) * sum(counts)).pvalue
    assert abtest.srm_pvalue(counts, shares) == pytest.approx(expected, rel=1e-12)
    # the same counts are a clear mismatch against an equal split
    assert abtest.srm_pvalue(counts, [1 / 3] * 3) < 1e-100
    assert abtest.srm_pvalue(np.array([0, 10]), [0.5, 0.5]) == pytest.approx(stats.chisquare([0, 10]).pvalue)


@pytest.mark.parametrize(("counts", "shares", "words"), [
    ([[10, 10], [10, 10]], [0.5, 0.5], "^counts and expected_shares must be sequences of the same length, at least 2"),
    ([10], [1.0], "^counts and expected_shares must be sequences of the same length, at least 2"),
    ([10, -1], [0.5, 0.5], "^counts must be non-negative whole numbers"),
    ([0, 0], [0.5, 0.5], "^counts must be non-negative whole numbers, not all zero"),
    ([10, 10, 10], [0.5, 0.5, 0.0], "^expected_shares must be positive"),
    ([10, 10], [1.2, -0.2], "^expected_shares must be positive"),
])
def test_srm_names_the_bad_argument(counts, shares, words):
    with pytest.raises(ValueError, match=words):
        abtest.srm_pvalue(counts, shares)


def _crossing_by_multivariate_normal(bounds):
    """Independent reference: P(|Z_k| > c_k at some look) for equally spaced looks, corr(Z_j, Z_k) =
    sqrt(j / k), from scipy's multivariate normal distribution function."""
    k = np.arange(1, len(bounds) + 1)
    correlation = np.sqrt(np.minimum.outer(k, k) / np.maximum.outer(k, k))
    c = np.asarray(bounds)
    return 1 - stats.multivariate_normal(np.zeros(len(c)), correlation).cdf(c, lower_limit=-c, rng=0)


@pytest.mark.parametrize(("kind", "alpha", "published"), [
    ("pocock", 0.1, 1.992), ("obrien-fleming", 0.01, 2.595),  # Jennison & Turnbull (2000), tables 2.1 and 2.3
])
def test_sequential_bounds_spend_another_alpha(kind, alpha, published):
    bounds = abtest.sequential_bounds(3, alpha=alpha, kind=kind)
    assert bounds[-1] == pytest.approx(published, abs=2e-3)
    assert _crossing_by_multivariate_normal(bounds) == pytest.approx(alpha, abs=5e-4)


def test_one_look_is_the_two_sided_normal_quantile_at_any_alpha():
    for kind in ("pocock", "obrien-fleming"):
        assert abtest.sequential_bounds(1, alpha=0.1, kind=kind) == pytest.approx([stats.norm.isf(0.05)])


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"n_looks": 3, "alpha": 0.0}, ValueError, "^alpha must lie strictly between 0 and 1"),
    ({"n_looks": True}, TypeError, "^n_looks must be a whole number"),
    ({"n_looks": 2.0}, TypeError, "^n_looks must be a whole number"),
])
def test_sequential_bounds_name_the_bad_argument(kwargs, error, words):
    with pytest.raises(error, match=words):
        abtest.sequential_bounds(**kwargs)


def _pooled_z(ca, cb, n):
    """The pooled two-proportion z statistic with n visitors per arm (0 where nobody or everybody converted)."""
    pooled = (ca + cb) / (2 * n)
    variance = pooled * (1 - pooled) * 2 / n
    return np.divide(cb - ca, n * np.sqrt(variance), out=np.zeros(np.broadcast(ca, cb).shape),
                     where=variance > 0)


@pytest.fixture(scope="module")
def two_look_runs():
    """20,000 simulated experiments with two looks at 20 and 40 visitors per arm and unequal bounds."""
    return abtest.sequential_runs(2, 40, 0.3, 0.5, 20_000, 17, bounds=[2.4, 1.7])


def test_sequential_runs_agree_with_exact_enumeration_of_two_looks(two_look_runs):
    """Exact reference: enumerate every outcome of both looks' binomial conversions (21^4 paths), with the
    pooled z (checked against statsmodels at one point). The simulated shares and means must lie within 4 Monte
    Carlo standard errors (binomial, resp. sample sd / sqrt(n)) of the exact values."""
    z_check, _ = proportions_ztest([9, 4], [20, 20])
    assert _pooled_z(4, 9, 20) == pytest.approx(z_check)
    pmf_a, pmf_b = stats.binom.pmf(np.arange(21), 20, 0.3), stats.binom.pmf(np.arange(21), 20, 0.5)
    a1, b1, a2, b2 = np.ix_(*[np.arange(21)] * 4)
    weight = pmf_a[a1] * pmf_b[b1] * pmf_a[a2] * pmf_b[b2]
    stop1 = np.abs(_pooled_z(a1, b1, 20)) > 2.4
    stop2 = ~stop1 & (np.abs(_pooled_z(a1 + a2, b1 + b2, 40)) > 1.7)
    exact = {"stop 1": np.sum(weight * stop1), "reject at 2": np.sum(weight * stop2)}
    estimate = np.where(stop1, (b1 - a1) / 20, (b1 + b2 - a1 - a2) / 40)
    exact_estimate = np.sum(weight * estimate)
    runs, n = two_look_runs, 20_000
    simulated = {"stop 1": np.mean(runs.stop_look == 1), "reject at 2": np.mean(runs.rejected & (runs.stop_look == 2))}
    for key, value in exact.items():
        assert abs(simulated[key] - value) < 4 * math.sqrt(value * (1 - value) / n), key
    assert (runs.rejected[runs.stop_look == 1]).all()
    assert runs.estimate.mean() == pytest.approx(exact_estimate, abs=4 * runs.estimate.std() / math.sqrt(n))
    assert np.array_equal(runs.n_per_arm, np.where(runs.stop_look == 1, 20, 40))
    # the estimate is a difference of two counts over the visitors per arm at the stop
    assert np.allclose(runs.estimate * runs.n_per_arm, np.round(runs.estimate * runs.n_per_arm))
    power, _ = abtest.sequential_power(2, 40, 0.3, 0.5, 20_000, 17, bounds=[2.4, 1.7])
    assert power == runs.rejected.mean()


def test_one_look_with_the_default_bound_agrees_with_exact_enumeration():
    """Default bounds are 1.96 at every look: the fixed pooled z-test, whose exact power and size at 30 visitors
    per arm come from enumerating both arms' binomial outcomes; within 4 Monte Carlo standard errors."""
    counts = np.arange(31)
    for p_a, p_b in ((0.4, 0.7), (0.7, 0.4), (0.5, 0.5)):
        weight = np.outer(stats.binom.pmf(counts, 30, p_a), stats.binom.pmf(counts, 30, p_b))
        exact = np.sum(weight * (np.abs(_pooled_z(counts[:, None], counts[None, :], 30)) > stats.norm.isf(0.025)))
        if p_a == p_b:
            rate, se = abtest.peeking_false_positive_rate(1, 30, p_a, 10_000, seed=5)
        else:
            rate, se = abtest.sequential_power(1, 30, p_a, p_b, 10_000, seed=5)
        assert se == pytest.approx(math.sqrt(rate * (1 - rate) / 10_000))
        assert abs(rate - exact) < 4 * math.sqrt(exact * (1 - exact) / 10_000), (p_a, p_b)


def test_simulations_depend_on_the_seed_only():
    for simulate_rate in (lambda seed: abtest.peeking_false_positive_rate(3, 300, 0.2, 500, seed),
                          lambda seed: abtest.sequential_power(3, 300, 0.2, 0.25, 500, seed)):
        assert simulate_rate(1) == simulate_rate(1)
        assert simulate_rate(1) != simulate_rate(2)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: abtest.sequential_runs(0, 100, 0.1, 0.2, 10, 0), ValueError, "^n_looks must be positive"),
    (lambda: abtest.sequential_runs(2, 100, 0.1, 0.2, 0, 0), ValueError, "^n_experiments must be positive"),
    (lambda: abtest.sequential_runs(2, 0, 0.1, 0.2, 10, 0), ValueError, "^n_per_arm must be positive"),
    (lambda: abtest.sequential_runs(2, 100, 0.0, 0.2, 10, 0), ValueError, "^p_a must lie strictly between"),
    (lambda: abtest.sequential_runs(2, 100, 0.1, 0.2, 10, 0, bounds=[2.0, 0.0]), ValueError,
     r"^bounds must hold 2 positive z values, got \[2.0, 0.0\]"),
    (lambda: abtest.sequential_power(2, 100, 0.1, 1.0, 10, 0), ValueError, "^p_b must lie strictly between"),
    (lambda: abtest.sequential_power(2, 100, 1.0, 0.2, 10, 0), ValueError, "^p_a must lie strictly between"),
    (lambda: abtest.peeking_false_positive_rate(2, 100, 0.1, 10, 0, bounds=[[2.0, 2.0]]), ValueError,
     "^bounds must hold 2 positive z values"),
])
def test_simulations_name_the_bad_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_as_many_visitors_as_looks_is_allowed():
    runs = abtest.sequential_runs(3, 3, 0.3, 0.6, 50, 0)
    assert set(np.unique(runs.n_per_arm)) <= {1, 2, 3}


def test_sample_size_that_is_exactly_a_whole_number_is_not_rounded_up():
    """With power 0.5 (z_power = 0), alpha = 2 (1 - Phi(2)) (z_alpha = 2), p = 0.4 -> 0.6: n = 2^2 * 2 * 0.25 / 0.2^2
    = 50 exactly; statsmodels gives 50.00000000000006, floating-point noise above 50, which must not make it 51."""
    alpha = 2 * stats.norm.sf(2)
    reference = samplesize_proportions_2indep_onetail(diff=0.2, prop2=0.4, power=0.5, alpha=alpha)
    assert reference == pytest.approx(50, abs=1e-9)
    assert abtest.sample_size_per_arm(0.4, 0.2, alpha=alpha, power=0.5) == 50


def test_a_boundary_below_one_is_a_valid_z_value():
    rate, _ = abtest.peeking_false_positive_rate(1, 200, 0.3, 2_000, seed=1, bounds=[0.5])
    assert abs(rate - 2 * stats.norm.sf(0.5)) < 0.05          # about 0.62: the null crosses 0.5 often


def test_a_z_equal_to_the_boundary_does_not_cross_it():
    """One visitor per arm: z is 0 or +-1 / sqrt(0.5) (one conversion against none). A boundary at exactly that
    value is not crossed (the test stops when |z| > bound), while one a hair below it is, in half of the
    experiments (p = 0.5: one arm converts and the other not with probability 0.5)."""
    z = 1 / math.sqrt(0.5)
    assert abtest.peeking_false_positive_rate(1, 1, 0.5, 4_000, seed=2, bounds=[z])[0] == 0.0
    rate, _ = abtest.peeking_false_positive_rate(1, 1, 0.5, 4_000, seed=2, bounds=[np.nextafter(z, 0)])
    assert abs(rate - 0.5) < 4 * math.sqrt(0.25 / 4_000)


def test_experiments_without_any_conversion_raise_no_warning():
    """p = 0.01 and 20 visitors per arm: most experiments have no conversion at the first look (0 / 0)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runs = abtest.sequential_runs(2, 20, 0.01, 0.01, 500, 3)
    assert not runs.rejected.any()


@pytest.mark.parametrize("kind", ["pocock", "obrien-fleming"])
def test_sequential_bounds_spend_alpha_precisely(kind):
    """Independent check on a finer grid with split cells (sequential_stop_probabilities at step 0.0005): the
    boundaries' false-positive rate is alpha to 1e-4 for 5 looks and to 3e-5 for 10 looks."""
    for looks, tolerance in ((5, 1e-4), (10, 3e-5)):
        bounds = abtest.sequential_bounds(looks, kind=kind)
        rate = abtest.sequential_stop_probabilities(bounds, grid_step=0.0005, width=10.0).sum()
        assert abs(rate - 0.05) < tolerance, looks


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: abtest.proportions_test(10, True, 10, 100), TypeError, "^n_a must be a whole number, got bool True$"),
    (lambda: abtest.sample_size_per_arm(0.1, 0.01, alpha=True), TypeError, "^alpha must be a number, got bool$"),
    (lambda: abtest.assign(3.5, "e", SHARES), TypeError,
     "^unit_id must be a string, an integer or a sequence of them, got float$"),
    (lambda: abtest.assign("u", "e", {"a": 0.0, "b": 1.0}), ValueError,
     r"^every share must be positive, got \{'a': 0.0, 'b': 1.0\}$"),
    (lambda: abtest.assign("u", "e", {}), TypeError,
     r"^shares must be a non-empty mapping of variant name to share, e\.g\. \{'control': 0\.5, 'treatment': 0\.5\}$"),
    (lambda: abtest.assign("u", "", SHARES), ValueError,
     r"^experiment must be a non-empty string naming the experiment \(it salts the hash\)$"),
])
def test_messages_name_the_argument_and_what_was_given(call, error, words):
    with pytest.raises(error, match=words):
        call()
