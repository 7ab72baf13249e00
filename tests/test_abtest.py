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
    (("u", "", SHARES), ValueError, "experiment must be a non-empty string"),
    (("u", "e", {"a": 0.5, "b": 0.6}), ValueError, "must sum to 1"),
    (("u", "e", {"a": 1.2, "b": -0.2}), ValueError, "every share must be positive"),
    (("u", "e", [0.5, 0.5]), TypeError, "shares must be a non-empty mapping"),
    ((3.5, "e", SHARES), TypeError, "unit_id must be"),
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
    ({"p_baseline": 1.2, "mde": 0.01}, ValueError, "p_baseline must lie strictly between 0 and 1"),
    ({"p_baseline": 0.1, "mde": 0}, ValueError, "mde must be a non-zero number"),
    ({"p_baseline": 0.95, "mde": 0.1}, ValueError, "outside"),
    ({"p_baseline": 0.1, "mde": 0.01, "power": 1.0}, ValueError, "power must lie"),
    ({"p_baseline": "0.1", "mde": 0.01}, TypeError, "p_baseline must be a number"),
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
    ((10, 0, 10, 100), ValueError, "n_a must be positive"),
    ((101, 100, 10, 100), ValueError, "cannot exceed"),
    ((0, 100, 10, 100), ValueError, "at least one conversion"),
    ((1.5, 100, 10, 100), TypeError, "conversions_a must be a whole number"),
])
def test_proportions_test_rejects_bad_arguments(args, error, words):
    with pytest.raises(error, match=words):
        abtest.proportions_test(*args)


def test_srm_agrees_with_scipy_and_rejects_bad_input():
    assert math.isclose(abtest.srm_pvalue([50_600, 49_400], [0.5, 0.5]),
                        stats.chisquare([50_600, 49_400]).pvalue, rel_tol=1e-12)
    with pytest.raises(ValueError, match="sum to 1"):
        abtest.srm_pvalue([10, 10], [0.5, 0.6])
    with pytest.raises(ValueError, match="same length"):
        abtest.srm_pvalue([10, 10, 10], [0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative whole numbers"):
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
    with pytest.raises(ValueError, match="kind must be"):
        abtest.sequential_bounds(3, kind="haybittle")
    with pytest.raises(ValueError, match="n_looks must be positive"):
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
    with pytest.raises(ValueError, match="bounds must hold 3 positive z values"):
        abtest.peeking_false_positive_rate(3, 100, 0.1, 10, seed=0, bounds=[2.0, 2.0])
    with pytest.raises(ValueError, match="at least n_looks"):
        abtest.peeking_false_positive_rate(5, 3, 0.1, 10, seed=0)
    with pytest.raises(ValueError, match="p must lie"):
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
    with pytest.raises(ValueError, match="p_b must lie strictly between 0 and 1"):
        abtest.sequential_runs(3, 100, 0.1, 1.2, 10, 0)
    with pytest.raises(ValueError, match="bounds must hold 3 positive z values"):
        abtest.sequential_runs(3, 100, 0.1, 0.2, 10, 0, bounds=[2.0, 2.0])
    with pytest.raises(ValueError, match="n_per_arm .* must be at least n_looks"):
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
    with pytest.raises(ValueError, match="bounds must be a non-empty sequence of positive z values"):
        abtest.sequential_stop_probabilities([])
    with pytest.raises(ValueError, match="bounds must be a non-empty sequence of positive z values"):
        abtest.sequential_stop_probabilities([2.0, -1.0])
    with pytest.raises(TypeError, match="drift must be a finite number"):
        abtest.sequential_stop_probabilities([2.0], "2")
    with pytest.raises(TypeError, match="drift must be a finite number"):
        abtest.sequential_stop_probabilities([2.0], float("nan"))
    with pytest.raises(ValueError, match="grid_step must be a positive finite number"):
        abtest.sequential_stop_probabilities([2.0], grid_step=0.0)
    with pytest.raises(ValueError, match="power must lie strictly between 0 and 1"):
        abtest.inflation_factor([2.0], power=1.0)
    with pytest.raises(ValueError, match="cannot be a design for that power"):
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
