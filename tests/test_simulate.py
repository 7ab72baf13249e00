"""The simulated shop: its truth is exact, its simulations agree with the truth, bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import data, simulate, widgets


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
    text = widgets.describe_sample_size(0.15, 2.0, 0.8, 0.05, 6_000)
    assert text.startswith("5,274 visitors per arm") and "2 day(s)" in text
    assert "% of A/A tests declared significant" in widgets.describe_peeking(3, "Pocock")
    assert widgets.power_explorer() is not None and widgets.peeking_explorer() is not None
