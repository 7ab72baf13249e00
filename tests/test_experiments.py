"""helpers.experiments: each stated assumption holds in simulation, against exact truths and independent
computations, and invalid arguments are refused."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import data, experiments
from helpers.simulate import Shop, no_offer, offer_to_everyone


@pytest.fixture(scope="module")
def shop() -> Shop:
    """A shop on the real sessions with made-up true probabilities: no model fitting, fast."""
    sessions = data.load_sessions()
    rng = np.random.default_rng(0)
    return Shop(sessions, np.clip(rng.beta(0.5, 2.5, len(sessions)), 0.001, 0.999))


def half(features: pd.DataFrame) -> np.ndarray:
    return (features["ProductRelated"] % 2 == 0).to_numpy()


def test_defaults_are_chapter_03s_shop(shop):
    v = experiments.visitor_experiments(shop, no_offer, half, n_visitors=50_000, n_experiments=4, seed=0)
    assert (v.sessions == 1).all() and (v.pre_sessions == 0).all() and (v.pre_revenue == 0).all()
    assert np.allclose(v.revenue_sq, v.revenue**2)
    share = v.treatment.mean()
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / v.treatment.size)
    for flags, policy in ((~v.treatment, no_offer), (v.treatment, half)):
        values = v.revenue[flags]
        truth = shop.truth(policy)
        assert abs(values.mean() - truth.net_revenue) < 4 * values.std() / math.sqrt(values.size)
        assert abs(v.purchases[flags].mean() - truth.conversion_rate) < 4 * math.sqrt(0.25 / values.size)


def test_returning_visitors_keep_the_per_session_truth_and_are_alike(shop):
    kwargs = {"n_visitors": 40_000, "n_experiments": 2, "seed": 1, "extra_sessions": 2.0, "pre_sessions": 2.0}
    loyal = experiments.visitor_experiments(shop, no_offer, offer_to_everyone, loyalty=0.9, spend_share=0.6,
                                            **kwargs)
    fresh = experiments.visitor_experiments(shop, no_offer, offer_to_everyone, **kwargs)
    for v in (loyal, fresh):
        treated = v.treatment
        per_session = v.revenue[treated].sum() / v.sessions[treated].sum()
        truth = shop.truth(offer_to_everyone).net_revenue
        se = v.revenue[treated].std() / v.sessions[treated].mean() / math.sqrt(treated.sum())
        assert abs(per_session - truth) < 4 * se
        assert abs(v.sessions.mean() - 3) < 0.05 and abs(v.pre_sessions.mean() - 2) < 0.05
    corr = {name: np.corrcoef(v.pre_revenue[~v.treatment], v.revenue[~v.treatment])[0, 1]
            for name, v in (("loyal", loyal), ("fresh", fresh))}
    assert corr["loyal"] > 0.1 and abs(corr["fresh"]) < 4 / math.sqrt((~fresh.treatment).sum())


def test_leaked_coupon_shrinks_the_difference_by_one_minus_leak(shop):
    kwargs = {"n_visitors": 20_000, "n_experiments": 20, "seed": 2}
    clean = experiments.visitor_experiments(shop, no_offer, offer_to_everyone, **kwargs)
    leaky = experiments.visitor_experiments(shop, no_offer, offer_to_everyone, leak=0.5, **kwargs)

    def differences(v):
        return np.array([r[t].mean() - r[~t].mean() for r, t in zip(v.revenue, v.treatment, strict=True)])

    change = differences(leaky) - differences(clean)  # the same visitors: paired
    truth = shop.truth(offer_to_everyone).net_revenue - shop.truth(no_offer).net_revenue
    assert abs(change.mean() - (-0.5 * truth)) < 4 * change.std() / math.sqrt(len(change))


def test_leaked_visitors_are_control_visitors_and_the_correction_recovers_the_effect(shop):
    kwargs = {"n_visitors": 20_000, "n_experiments": 20, "seed": 6}
    leaky = experiments.visitor_experiments(shop, no_offer, offer_to_everyone, leak=0.3, **kwargs)
    assert not (leaky.leaked & leaky.treatment).any()
    share = leaky.leaked[~leaky.treatment].mean()
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / (~leaky.treatment).sum())
    clean = experiments.visitor_experiments(shop, no_offer, offer_to_everyone, **kwargs)
    assert not clean.leaked.any()
    truth = shop.truth(offer_to_everyone).net_revenue - shop.truth(no_offer).net_revenue
    corrected = np.array([(r[t].mean() - r[~t].mean()) / (1 - k[~t].mean())
                          for r, t, k in zip(leaky.revenue, leaky.treatment, leaky.leaked, strict=True)])
    assert abs(corrected.mean() - truth) < 4 * corrected.std() / math.sqrt(len(corrected))
    assert abs(corrected.mean() - truth) < abs(corrected.mean() * 0.7 - truth)  # the uncorrected is far off


def test_pre_covariate_sums_a_session_value_over_the_pre_period(shop):
    kwargs = {"n_visitors": 30_000, "n_experiments": 2, "seed": 7, "pre_sessions": 2.5, "loyalty": 0.5}
    counted = experiments.visitor_experiments(shop, no_offer, half, session_value=np.ones(len(shop.sessions)),
                                              **kwargs)
    assert (counted.pre_covariate == counted.pre_sessions).all()
    scored = experiments.visitor_experiments(shop, no_offer, half, session_value=shop.base_probability, **kwargs)
    plain = experiments.visitor_experiments(shop, no_offer, half, **kwargs)
    assert (plain.pre_covariate == 0).all() and np.array_equal(plain.revenue, scored.revenue)  # no extra draws
    # each pre-period session is a uniform draw, so a visitor's sum has mean E[N] * mean(p)
    expected = scored.pre_sessions.mean() * shop.base_probability.mean()
    assert abs(scored.pre_covariate.mean() - expected) < 4 * scored.pre_covariate.std() / math.sqrt(60_000)
    # the pre-period is made of the visitor's habitual sessions: the expected purchases predict the revenue
    assert np.corrcoef(scored.pre_covariate.ravel(), scored.pre_revenue.ravel())[0, 1] > 0.1
    for bad in (np.ones(5), np.full(len(shop.sessions), np.nan)):
        with pytest.raises(ValueError, match="session_value"):
            experiments.visitor_experiments(shop, no_offer, half, session_value=bad, **kwargs)


def test_misses_by_size_plots_both_sides_and_refuses_bad_input():
    import matplotlib.pyplot as plt

    from helpers import plotting

    ax = plotting.misses_by_size([10, 100, 1_000], [0.1, 0.05, 0.03], [0.0, 0.01, 0.02], [2_000, 2_000, 800],
                                 title="t", xlabel="n", marks={"rule": 500})
    assert len(ax.lines) >= 3 and ax.get_xscale() == "log"
    heights = ax.containers[0].lines[0].get_ydata()
    assert np.allclose(heights, [10, 5, 3])
    plt.close("all")
    with pytest.raises(ValueError, match="below must hold one share per size"):
        plotting.misses_by_size([10, 100], [0.1], [0.0, 0.1], 100, title="t", xlabel="n")
    with pytest.raises(ValueError, match="n_repeats must be positive"):
        plotting.misses_by_size([10, 100], [0.1, 0.1], [0.0, 0.1], [100, 0], title="t", xlabel="n")
    plt.close("all")


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"loyalty": 1.5}, ValueError, "loyalty must lie in"), ({"leak": -0.1}, ValueError, "leak must lie in"),
    ({"spend_share": 1.0}, ValueError, "spend_share must be below 1"),
    ({"extra_sessions": -1.0}, ValueError, "extra_sessions must be"), ({"pre_sessions": "2"}, TypeError,
                                                                        "pre_sessions must be a number"),
    ({"n_visitors": 0}, ValueError, "n_visitors must be positive"),
    ({"treatment_share": 1.0}, ValueError, "treatment_share"),
])
def test_visitor_experiments_refuse_bad_arguments(shop, kwargs, error, words):
    arguments = {"n_visitors": 10, "n_experiments": 1, "seed": 0, **kwargs}
    with pytest.raises(error, match=words):
        experiments.visitor_experiments(shop, no_offer, half, **arguments)


def test_visitor_experiments_need_a_shop():
    with pytest.raises(TypeError, match="shop must be"):
        experiments.visitor_experiments("shop", no_offer, half, n_visitors=10, n_experiments=1, seed=0)


def test_end_of_session_fields(shop):
    fields = shop.sessions.head(50)
    assert experiments.end_of_session_fields(fields, False).equals(fields)
    bought = experiments.end_of_session_fields(fields, True)
    assert (bought["ProductRelated"] == fields["ProductRelated"] + experiments.CHECKOUT_PAGES).all()
    pages = fields["Administrative"] + fields["Informational"] + fields["ProductRelated"] + 4
    assert np.allclose(bought["PageValues"] - fields["PageValues"], 25.0 * 4 / pages)
    with pytest.raises(TypeError, match="purchased must be"):
        experiments.end_of_session_fields(fields, 1)
    with pytest.raises(ValueError, match="lacks the columns"):
        experiments.end_of_session_fields(fields.drop(columns="PageValues"), True)


@pytest.mark.parametrize("cap", [40.0, 120.0, math.inf])
def test_capped_moments_agree_with_a_simulation(shop, cap):
    mean, variance = experiments.capped_moments(shop, half, cap)
    if math.isinf(cap):
        assert mean == pytest.approx(shop.truth(half).net_revenue, rel=1e-12)
    v = experiments.visitor_experiments(shop, half, half, n_visitors=400_000, n_experiments=1, seed=3)
    capped = np.minimum(v.revenue[0], cap)
    assert abs(capped.mean() - mean) < 4 * math.sqrt(variance / capped.size)
    assert capped.var() == pytest.approx(variance, rel=0.05)


def test_capped_moments_refuse_bad_caps(shop):
    with pytest.raises(ValueError, match="cap must be a positive"):
        experiments.capped_moments(shop, half, 0)


def test_daily_traffic_follows_the_week():
    flat = experiments.daily_traffic(14, 1_000, seed=0, day_to_day=0.0)
    assert list(flat[:7]) == [round(1_000 * f) for f in experiments.WEEKDAY_TRAFFIC]
    noisy = experiments.daily_traffic(7 * 400, 1_000, seed=1)
    assert abs(noisy.mean() / 1_000 - 1) < 0.02 and (noisy != np.tile(flat[:7], 400)).any()
    with pytest.raises(ValueError, match="n_days must be positive"):
        experiments.daily_traffic(0, 1_000, seed=0)


def test_novelty_truth_and_daily_arms(shop):
    plain = experiments.novelty_truth(shop, no_offer, half, n_days=5, novelty=0.0, half_life=2.0)
    exact = shop.truth(half).net_revenue - shop.truth(no_offer).net_revenue
    assert np.allclose(plain, exact, rtol=1e-12)
    novel = experiments.novelty_truth(shop, no_offer, half, n_days=20, novelty=2.0, half_life=2.0)
    assert novel[0] > novel[5] > novel[-1] > exact * 0.99
    days = experiments.daily_arms(shop, no_offer, half, traffic=np.full(3, 200_000), seed=4, novelty=2.0,
                                  half_life=2.0)
    wide = days.pivot(index="day", columns="arm")
    means = wide["revenue"] / wide["n"]
    var = (wide["revenue_sq"] / wide["n"] - means**2) / wide["n"]
    z = (means["treatment"] - means["control"] - novel[:3]) / np.sqrt(var.sum(axis=1))
    assert (np.abs(z) < 4).all()
    with pytest.raises(ValueError, match="traffic must be"):
        experiments.daily_arms(shop, no_offer, half, traffic=[10, 1], seed=0)
    with pytest.raises(ValueError, match="half_life must be positive"):
        experiments.novelty_truth(shop, no_offer, half, n_days=3, novelty=1.0, half_life=0.0)


def test_first_crossing_rules():
    n = 400
    end_only = np.full(n, np.inf)
    end_only[-1] = 1.96 * math.sqrt(2 * 0.2 * 0.8 / n)
    every = 1.96 * np.sqrt(2 * 0.2 * 0.8 / np.arange(1, n + 1))
    both = experiments.first_crossing(0.2, 0.2, n_per_arm=n, n_experiments=2_000, seed=5,
                                      half_width=np.stack([end_only, every]))
    alone = experiments.first_crossing(0.2, 0.2, n_per_arm=n, n_experiments=2_000, seed=5, half_width=end_only)
    assert (both[0] == alone).all() and set(np.unique(alone)) <= {0, n}
    fixed = (alone > 0).mean()
    assert abs(fixed - 0.05) < 3 * math.sqrt(0.05 * 0.95 / 2_000)
    assert (both[1] > 0).mean() > 2 * fixed
    assert ((both[1] > 0) | (both[0] == 0)).all()  # crossing at the end is crossing somewhere
    # independent: the z statistic at the end, from the same random stream
    rng = np.random.default_rng(5)
    steps = (rng.random((100, n)) < 0.2).astype(int) - (rng.random((100, n)) < 0.2)
    assert ((np.abs(steps.sum(axis=1) / n) >= end_only[-1]) == (alone[:100] > 0)).all()
    with pytest.raises(ValueError, match="half_width must hold"):
        experiments.first_crossing(0.2, 0.2, n_per_arm=n, n_experiments=2, seed=0, half_width=every[:-1])


#: Chapter 05's numeric exercises and the tolerance of their checks (absolute, or relative to the answer).
NEAR_MISSES_05 = [("q1", 0.01, True), ("q2", 1.0, False), ("q3", 0.005, True), ("q4", 0.005, False),
                  ("q5", 0.005, True)]


@pytest.mark.parametrize(("name", "tolerance", "relative"), NEAR_MISSES_05, ids=[n for n, _, _ in NEAR_MISSES_05])
def test_chapter_05_exercises_reject_answers_just_outside_their_tolerance(name, tolerance, relative):
    from helpers import exercises

    exercise = getattr(exercises.ch05, name)
    right = float(exercise.solve())
    step = tolerance * abs(right) if relative else tolerance
    for sign in (-1, 1):
        assert exercise.evaluate(right + sign * 0.6 * step).status == "correct"
        assert exercise.evaluate(right + sign * 1.4 * step).status == "incorrect"


def test_chapter_05_delta_method_mistake_with_ddof_0_is_statsmodels_without_correction():
    """Exercise 5.3's ddof=0 mistake equals statsmodels' clustered standard error without its small-sample
    correction (an independent computation of the same population-variance formula); the right answer differs."""
    import statsmodels.api as sm

    from helpers.exercises import ch05

    revenue, sessions, treated = ch05._REVENUE, ch05._SESSIONS, ch05._TREATED
    owner = np.repeat(np.arange(len(sessions)), sessions)
    share = np.repeat(revenue / sessions, sessions)
    fit = sm.OLS(share, sm.add_constant(treated[owner].astype(float))).fit(
        cov_type="cluster", cov_kwds={"groups": owner, "use_correction": False})
    wrong = ch05._delta_se_population_variance()
    assert wrong == pytest.approx(fit.bse[1], rel=1e-9)
    # the sample variances scale each arm's variance by n / (n - 1) = 3 / 2 here (three visitors per arm)
    assert ch05.q3.solve() == pytest.approx(math.sqrt(1.5) * wrong, rel=1e-9)
    feedback = ch05.q3.evaluate(round(wrong, 2))
    assert feedback.status == "incorrect" and "ddof=1" in feedback.message


def test_chapter_05_first_spending_boundary_by_hand_and_its_mistakes():
    """Exercise 5.4: the closed form of the first boundary agrees with the grid of spending_bounds and with
    the published first boundary of five equal looks; the two typical wrong readings get their own messages."""
    from scipy import stats

    from helpers import abtest
    from helpers.exercises import ch05

    right = ch05.q4.solve()
    assert right == pytest.approx(abtest.spending_bounds([0.3, 0.6, 1.0])[0], abs=1e-3)
    z = stats.norm.isf(0.0125)
    five_equal = stats.norm.isf(2 * stats.norm.sf(z / math.sqrt(0.2)))
    assert five_equal == pytest.approx(4.8769, abs=1e-3)  # Jennison and Turnbull (2000), gsDesign
    # the argument of the spending function, typed as read (4.09), and the chapter's table at fraction 0.313
    assert "argument of the spending" in ch05.q4.evaluate(4.09).message
    fractions, bounds = ch05._chapter_daily_looks()
    assert fractions[-1] == 1.0 and (np.diff(bounds[:-1]) < 0).all()
    k = int(np.argmin(np.abs(fractions - 0.3)))
    assert ch05._table_bound_near_first_fraction() == bounds[k] and abs(bounds[k] - right) > 0.005
    message = ch05.q4.evaluate(round(float(bounds[k]), 3)).message
    assert "daily-looks table" in message and f"{fractions[k]:.3f}" in message


def test_bias_and_error_spaces_labelled_rows_evenly_and_refuses_wrong_labels():
    import matplotlib.pyplot as plt

    from helpers import plotting

    table = pd.DataFrame({"cap": [90, 99.9, 100], "bias": [-0.2, 0.1, 0.0], "standard error": [0.1, 0.2, 0.3],
                          "RMSE": [0.3, 0.25, 0.3]})
    ax = plotting.bias_and_error(table, x="cap", title="t", unit="€", labels=["90", "99.9", "100 (no cap)"])
    assert list(ax.lines[0].get_xdata()) == [0, 1, 2] and list(ax.lines[0].get_ydata()) == [0.2, 0.1, 0.0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["90", "99.9", "100 (no cap)"]
    plain = plotting.bias_and_error(table, x="cap", title="t", unit="€")
    assert list(plain.lines[1].get_xdata()) == [90, 99.9, 100]
    plt.close("all")
    with pytest.raises(ValueError, match="one label per row"):
        plotting.bias_and_error(table, x="cap", title="t", unit="€", labels=["90"])


def test_sequence_path_limits_the_axis_and_marks_the_stop():
    import matplotlib.pyplot as plt

    from helpers import plotting

    n = np.arange(1, 101)
    estimate = np.full(100, 0.05)
    kwargs = {"truth": 0.02, "title": "t", "xlabel": "n", "ylabel": "difference"}
    ax = plotting.sequence_path(n, estimate, {"band": (estimate - 1 / n, estimate + 1 / n)}, ylim=(-0.1, 0.1),
                                stop=40, **kwargs)
    assert ax.get_ylim() == (-0.1, 0.1)
    marks = [line for line in ax.lines if list(line.get_xdata()) == [40, 40]]
    assert len(marks) == 1 and "band leaves zero" in marks[0].get_label()
    unmarked = plotting.sequence_path(n, estimate, {"band": (estimate - 1 / n, estimate + 1 / n)}, **kwargs)
    assert not any(list(line.get_xdata()) == [40, 40] for line in unmarked.lines)
    plt.close("all")
    with pytest.raises(ValueError, match="ylim must be"):
        plotting.sequence_path(n, estimate, {"band": (estimate, estimate)}, ylim=(0.1, -0.1), **kwargs)
    plt.close("all")


# --- seeds: the same seed gives the same result, another seed another one -----------------------------------------

def _arrays(result) -> list[np.ndarray]:
    """Everything a simulation returned, as arrays, for comparing two runs."""
    if isinstance(result, experiments.Visitors):
        return [np.asarray(value) for value in vars(result).values()]
    if isinstance(result, pd.DataFrame):
        return [result.to_numpy()]
    return [np.asarray(result)]


SEEDED = {
    "visitor_experiments": lambda shop, seed: experiments.visitor_experiments(
        shop, no_offer, half, n_visitors=300, n_experiments=2, seed=seed, extra_sessions=1.0, pre_sessions=1.0,
        loyalty=0.5, spend_share=0.3, leak=0.2),
    "daily_traffic": lambda shop, seed: experiments.daily_traffic(10, 1_000, seed=seed),
    "daily_arms": lambda shop, seed: experiments.daily_arms(shop, no_offer, half, traffic=np.full(3, 300),
                                                            seed=seed, novelty=1.0),
    "first_crossing": lambda shop, seed: experiments.first_crossing(
        0.2, 0.3, n_per_arm=200, n_experiments=50, seed=seed, half_width=np.full(200, 0.1)),
}


@pytest.mark.parametrize("name", SEEDED)
def test_same_seed_same_result_other_seed_other_result(shop, name):
    first, again, other = (_arrays(SEEDED[name](shop, seed)) for seed in (11, 11, 12))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True)), f"{name}: seed 11 twice differs"
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True)), f"{name}: seeds 11 and 12 agree"
