"""The simulated shop: its truth is exact, its simulations agree with the truth, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import abtest, data, simulate, widgets


@pytest.fixture(scope="module")
def shop(sessions):
    return simulate.build_shop(sessions)


def middle(features):
    return (features["PageValues"] > 0).to_numpy()


def test_build_is_deterministic(shop, sessions):
    again = simulate.build_shop(sessions)
    assert np.array_equal(shop.base_probability, again.base_probability)


def test_true_probabilities_are_calibrated(shop):
    assert abs(shop.base_probability.mean() - shop.sessions[data.TARGET].mean()) < 0.01


def test_truth_is_the_population_average(shop):
    truth = shop.truth(middle)
    offered = middle(shop.sessions)
    p = shop.purchase_probability(offered)
    assert truth.offered_share == pytest.approx(offered.mean())
    assert truth.conversion_rate == pytest.approx(p.mean())
    expected = np.mean(p * shop.mean_order_value * (shop.margin - shop.discount * offered))
    assert truth.net_revenue == pytest.approx(expected)


def test_offer_helps_hesitant_visitors_most(shop):
    p = shop.base_probability
    lift = shop.purchase_probability(np.ones(len(p), bool)) - p
    assert (lift >= 0).all()
    assert lift[(p > 0.4) & (p < 0.6)].mean() > lift[p > 0.9].mean()
    assert lift[(p > 0.4) & (p < 0.6)].mean() > lift[p < 0.02].mean()


def test_simulations_agree_with_the_truth(shop):
    """Means over 4,000 simulated experiments lie within 4 Monte Carlo standard errors of the exact truth."""
    arms = shop.simulate(simulate.no_offer, middle, n_visitors=20_000, n_experiments=4_000, seed=11)
    truth_a, truth_b = shop.truth(simulate.no_offer), shop.truth(middle)
    for conversions, n, truth in ((arms.conversions_a, arms.n_a, truth_a), (arms.conversions_b, arms.n_b, truth_b)):
        rates = conversions / n
        assert abs(rates.mean() - truth.conversion_rate) < 4 * rates.std() / np.sqrt(len(rates))
    revenue = arms.revenue_b / arms.n_b
    assert abs(revenue.mean() - truth_b.net_revenue) < 4 * revenue.std() / np.sqrt(len(revenue))
    assert abs((arms.n_b / 20_000).mean() - 0.5) < 0.002


def test_event_log_agrees_with_the_truth_and_assigns_by_hash(shop):
    log = shop.event_log(simulate.no_offer, middle, n_visitors=60_000, experiment="t", seed=5)
    treatment = log[log["variant"] == "treatment"]
    truth = shop.truth(middle)
    se = np.sqrt(truth.conversion_rate * (1 - truth.conversion_rate) / len(treatment))
    assert abs(treatment["purchased"].mean() - truth.conversion_rate) < 4 * se
    assert not log.loc[log["variant"] == "control", "offered"].any()
    assert (log.loc[~log["purchased"], "net_revenue"] == 0).all()
    again = shop.event_log(simulate.no_offer, middle, n_visitors=60_000, experiment="t", seed=99)
    assert (again["variant"] == log["variant"]).all()


def test_bad_policies_and_arguments_are_refused(shop):
    with pytest.raises(ValueError, match="must return 12330 booleans"):
        shop.truth(lambda features: np.ones(3, bool))
    with pytest.raises(TypeError, match="policy must be a function"):
        shop.truth("everyone")
    with pytest.raises(ValueError, match="n_visitors must be positive"):
        shop.simulate(simulate.no_offer, middle, n_visitors=0, n_experiments=1, seed=0)
    with pytest.raises(ValueError, match="segment selects no session"):
        shop.truth(middle, np.zeros(len(shop.sessions), bool))
    with pytest.raises(ValueError, match="need 0 < discount < margin < 1"):
        simulate.Shop(shop.sessions, shop.base_probability, discount=0.4)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        simulate.Shop(shop.sessions, np.zeros(len(shop.sessions)))


def test_widget_texts_wrap_the_tested_functions():
    text = widgets.describe_sample_size(15.0, 2.0, 0.8, 0.05, 6_000)
    right = abtest.sample_size_per_arm(0.15, 0.02)  # 5,274 per arm, 10,548 in all: 2 days, so 1 whole week
    assert f"{right:,} visitors per arm" in text and "15.0 % -> 17.0 %" in text
    assert "2 day(s)" in text and "run 1 whole week(s)" in text and "conversion only" in text
    # 7 days exactly is one week; one visitor a day more than the traffic needs still rounds up to whole weeks
    per_day = math.ceil(2 * right / 7)
    assert "run 1 whole week(s)" in widgets.describe_sample_size(15.0, 2.0, 0.8, 0.05, per_day)
    assert "run 2 whole week(s)" in widgets.describe_sample_size(15.0, 2.0, 0.8, 0.05, per_day - 1)
    strict = abtest.sample_size_per_arm(0.15, 0.01, alpha=0.01, power=0.9)  # non-default power and alpha
    weeks = math.ceil(math.ceil(2 * strict / 6_000) / 7)
    assert f"{strict:,} visitors per arm" in widgets.describe_sample_size(15.0, 1.0, 0.9, 0.01, 6_000)
    assert f"run {weeks} whole week(s)" in widgets.describe_sample_size(15.0, 1.0, 0.9, 0.01, 6_000)
    with pytest.raises(ValueError, match="baseline_percent must lie strictly between 0 and 100"):
        widgets.describe_sample_size(100.0, 1.0, 0.8, 0.05, 6_000)
    with pytest.raises(ValueError, match="lift_points must be positive"):
        widgets.describe_sample_size(99.5, 1.0, 0.8, 0.05, 6_000)
    with pytest.raises(ValueError, match="visitors_per_day must be a positive integer"):
        widgets.describe_sample_size(15.0, 1.0, 0.8, 0.05, 0)
    assert "% of A/A tests declared significant" in widgets.describe_peeking(3, "Pocock")
    assert isinstance(widgets.power_explorer(), widgets.Explorer)
    assert isinstance(widgets.peeking_explorer(), widgets.Explorer)


def test_truth_is_a_logistic_model_of_another_family_than_the_prototype(shop, sessions):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from helpers.prototype import make_prototype_pipeline

    assert isinstance(simulate.make_truth_pipeline()[-1], LogisticRegression)
    boosting = simulate.build_shop(sessions, truth_model="boosting")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=2024)
    by_hand = cross_val_predict(make_prototype_pipeline(), sessions[data.FEATURES], sessions[data.TARGET],
                                cv=folds, method="predict_proba")[:, 1]
    assert np.allclose(boosting.base_probability, np.clip(by_hand, 0.001, 0.999))
    assert np.corrcoef(shop.base_probability, boosting.base_probability)[0, 1] < 0.99
    assert simulate.build_shop(sessions, truth_model="logistic", margin=0.4).margin == 0.4
    with pytest.raises(ValueError, match="truth_model must be 'logistic' or 'boosting'"):
        simulate.build_shop(sessions, truth_model="forest")


def test_subset_keeps_the_assumptions_and_the_truth_of_its_rows(shop):
    rows = np.arange(0, len(shop.sessions), 3)
    part = shop.subset(rows)
    assert len(part.sessions) == len(rows) and part.max_uplift == shop.max_uplift
    assert np.array_equal(part.base_probability, shop.base_probability[rows])
    mask = np.zeros(len(shop.sessions), bool)
    mask[rows] = True
    assert part.truth(middle).net_revenue == pytest.approx(shop.truth(middle, mask).net_revenue)
    assert np.array_equal(shop.subset(mask).base_probability, part.base_probability)
    with pytest.raises(ValueError, match="distinct positions"):
        shop.subset(np.array([1, 1]))
    with pytest.raises(ValueError, match="distinct positions"):
        shop.subset(np.array([len(shop.sessions)]))
    with pytest.raises(ValueError, match="rows selects no session"):
        shop.subset(np.zeros(len(shop.sessions), bool))
    with pytest.raises(TypeError, match="boolean mask or whole-number positions"):
        shop.subset(np.array([0.5]))


def test_weekday_shifts_the_log_odds_and_draws_weekend_sessions(shop):
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    nobody = np.zeros(len(shop.sessions), bool)
    for weekday in range(7):
        shifted = shop.purchase_probability(nobody, weekday=weekday)
        assert np.allclose(logit(shifted) - logit(shop.base_probability), simulate.WEEKLY_LOG_ODDS[weekday])
        weekend = shop.sessions["Weekend"].to_numpy(bool)
        assert np.array_equal(shop.day_sessions(weekday), weekend if weekday >= 5 else ~weekend)
    assert sum(simulate.WEEKLY_TRAFFIC) == pytest.approx(7)
    saturday = shop.truth(simulate.no_offer, weekday=5)
    by_hand = shop.purchase_probability(nobody, weekday=5)[shop.day_sessions(5)].mean()
    assert saturday.conversion_rate == pytest.approx(by_hand)
    assert np.allclose(shop.purchase_probability(nobody), shop.base_probability, rtol=1e-12)
    for bad in (7, -1, 2.0, True):
        with pytest.raises(ValueError, match="weekday must be"):
            shop.truth(simulate.no_offer, weekday=bad)


def test_truth_over_days_weights_each_weekday_by_its_traffic(shop):
    week = shop.truth_over_days(middle, days=7)
    days = [shop.truth(middle, weekday=d) for d in range(7)]
    weights = np.array(simulate.WEEKLY_TRAFFIC) / 7
    assert week.net_revenue == pytest.approx(weights @ [t.net_revenue for t in days])
    assert week.conversion_rate == pytest.approx(weights @ [t.conversion_rate for t in days])
    assert shop.truth_over_days(middle, days=21).net_revenue == pytest.approx(week.net_revenue)
    assert shop.truth_over_days(middle, days=1) == shop.truth(middle, weekday=0)
    ten = np.array([2, 2, 2, 1, 1, 1, 1]) * simulate.WEEKLY_TRAFFIC
    assert shop.truth_over_days(middle, days=10).conversion_rate == pytest.approx(
        ten @ [t.conversion_rate for t in days] / ten.sum())
    # a segment's days weigh by the segment's share of each day's sessions
    new = (shop.sessions["VisitorType"] == "New_Visitor").to_numpy()
    seg = [shop.truth(middle, new, weekday=d) for d in range(7)]
    share = np.array([new[shop.day_sessions(d)].mean() for d in range(7)]) * simulate.WEEKLY_TRAFFIC
    assert shop.truth_over_days(middle, new, days=7).net_revenue == pytest.approx(
        share @ [t.net_revenue for t in seg] / share.sum())
    with pytest.raises(ValueError, match="days must be positive"):
        shop.truth_over_days(middle, days=0)


def test_weekly_event_log_follows_the_week(shop):
    log = shop.event_log(simulate.no_offer, middle, n_visitors=14_000, experiment="w", seed=3,
                         visitors_per_day=1_000, weekly=True)
    per_day = log.groupby("day").size()
    assert list(per_day) == [round(share * 1_000) for share in simulate.WEEKLY_TRAFFIC] * 2
    assert (log.groupby("day")["weekday"].first().to_numpy() == np.array(simulate.WEEKDAYS * 2)).all()
    weekend = shop.sessions["Weekend"].to_numpy(bool)[log["session"]]
    assert np.array_equal(weekend, log["weekday"].isin(["Sat", "Sun"]).to_numpy())
    big = shop.event_log(simulate.no_offer, simulate.no_offer, n_visitors=140_000, experiment="w", seed=4,
                         visitors_per_day=10_000, weekly=True)
    for weekday in (0, 6):
        part = big.loc[big["weekday"] == simulate.WEEKDAYS[weekday], "purchased"]
        truth = shop.truth(simulate.no_offer, weekday=weekday).conversion_rate
        assert abs(part.mean() - truth) < 4 * np.sqrt(truth * (1 - truth) / len(part))
    plain = shop.event_log(simulate.no_offer, middle, n_visitors=3_000, experiment="w", seed=3)
    assert "weekday" not in plain and plain["day"].max() == 2
    with pytest.raises(TypeError, match="weekly must be True or False"):
        shop.event_log(simulate.no_offer, middle, n_visitors=10, experiment="w", seed=3, weekly="yes")
    with pytest.raises(ValueError, match="no session to draw on Sat"):
        shop.subset(~shop.sessions["Weekend"].to_numpy(bool)).event_log(
            simulate.no_offer, middle, n_visitors=8_000, experiment="w", seed=3, visitors_per_day=1_000,
            weekly=True)


def test_event_logs_and_simulations_depend_on_the_seed_only(shop):
    first = shop.event_log(simulate.no_offer, middle, n_visitors=5_000, experiment="s", seed=8, weekly=True)
    assert first.equals(shop.event_log(simulate.no_offer, middle, n_visitors=5_000, experiment="s", seed=8,
                                       weekly=True))
    other = shop.event_log(simulate.no_offer, middle, n_visitors=5_000, experiment="s", seed=9, weekly=True)
    assert not first["session"].equals(other["session"])
    arms = shop.simulate(simulate.no_offer, middle, n_visitors=2_000, n_experiments=5, seed=8)
    again = shop.simulate(simulate.no_offer, middle, n_visitors=2_000, n_experiments=5, seed=8)
    assert np.array_equal(arms.revenue_b, again.revenue_b)


@pytest.mark.parametrize("make", ["power_explorer", "peeking_explorer", "bandit_playground"])
def test_an_explorer_without_a_kernel_reads_as_a_note(make):
    """Where no kernel runs (GitHub, a static page) an explorer's text is a note, not a list of its controls."""
    from helpers import widgets

    explorer = getattr(widgets, make)()
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.EXPLORER_NOTE and "interactive(children" not in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle  # with a kernel, the widget itself shows
