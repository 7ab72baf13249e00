"""helpers.ope: IPS, SNIPS and doubly robust estimates against a synthetic log whose target value is known
exactly, against hand computations, and every error path."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ope

# A synthetic world: three actions, contexts in two groups; expected rewards known exactly.
MEANS = np.array([[1.0, 2.0, 0.5],      # context 0
                  [3.0, 0.0, 4.0]])     # context 1
LOGGING = np.array([[0.6, 0.3, 0.1],
                    [0.2, 0.5, 0.3]])
TARGET = np.array([[0.0, 1.0, 0.0],     # a deterministic target: action 1 in context 0, action 2 in context 1
                   [0.0, 0.0, 1.0]])
TRUE_VALUE = 0.5 * 2.0 + 0.5 * 4.0       # contexts are equally likely


def synthetic_log(n: int, seed: int):
    """A log of n decisions: context, action drawn from LOGGING, normal reward around MEANS (sd 1)."""
    rng = np.random.default_rng(seed)
    context = rng.integers(0, 2, n)
    cumulative = LOGGING[context].cumsum(axis=1)
    actions = (rng.random((n, 1)) > cumulative).sum(axis=1)
    rewards = MEANS[context, actions] + rng.normal(0, 1, n)
    return context, actions, rewards, LOGGING[context, actions], TARGET[context]


ESTIMATORS = [ope.ips, ope.snips,
              lambda r, a, p, t: ope.doubly_robust(r, a, p, t, np.zeros_like(t, dtype=float))]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=["ips", "snips", "dr, zero model"])
def test_estimates_match_the_known_value_within_their_error(estimator):
    _, actions, rewards, propensities, target = synthetic_log(40_000, seed=1)
    value, error = estimator(rewards, actions, propensities, target)
    assert 0 < error < 0.1
    assert abs(value - TRUE_VALUE) < 4 * error


def test_ips_is_unbiased_and_its_standard_error_matches_the_spread():
    """Over many logs, IPS's mean is the truth and its standard error equals the estimates' spread."""
    results = []
    for seed in range(300):
        _, actions, rewards, propensities, target = synthetic_log(2_000, seed)
        results.append(ope.ips(rewards, actions, propensities, target))
    results = np.array(results)
    values, errors = results[:, 0], results[:, 1]
    assert abs(values.mean() - TRUE_VALUE) < 4 * values.std() / np.sqrt(len(values))
    assert errors.mean() == pytest.approx(values.std(), rel=0.15)
    coverage = np.mean(np.abs(values - TRUE_VALUE) <= 1.96 * errors)
    assert 0.90 <= coverage <= 0.99


def test_doubly_robust_with_the_true_model_is_more_precise_than_ips():
    context, actions, rewards, propensities, target = synthetic_log(20_000, seed=2)
    dr_value, dr_error = ope.doubly_robust(rewards, actions, propensities, target, MEANS[context])
    _, ips_error = ope.ips(rewards, actions, propensities, target)
    assert abs(dr_value - TRUE_VALUE) < 4 * dr_error
    assert dr_error < 0.7 * ips_error


def test_doubly_robust_stays_unbiased_with_a_wrong_model():
    context, actions, rewards, propensities, target = synthetic_log(40_000, seed=3)
    wrong = MEANS[context] + 5.0 * (context[:, None] == 0)
    value, error = ope.doubly_robust(rewards, actions, propensities, target, wrong)
    assert abs(value - TRUE_VALUE) < 4 * error


def test_hand_computation_on_a_tiny_log():
    rewards, actions = np.array([0.0, 30.0, 0.0, 20.0, 10.0]), np.array([0, 1, 1, 0, 1])
    propensities, target = np.array([0.8, 0.2, 0.2, 0.8, 0.2]), np.tile([0.0, 1.0], (5, 1))
    terms = np.array([0, 150, 0, 0, 50.0])
    assert ope.ips(rewards, actions, propensities, target) == pytest.approx((40.0, terms.std(ddof=1) / np.sqrt(5)))
    value, error = ope.snips(rewards, actions, propensities, target)
    weights = np.array([0, 5, 5, 0, 5.0])
    assert value == pytest.approx(200 / 15)
    assert error == pytest.approx(np.sqrt(np.sum(weights**2 * (rewards - 200 / 15) ** 2) * 5 / 4) / 15)
    dr_terms = np.array([12, 12 + 5 * 18, 12 - 5 * 12, 12, 12 - 5 * 2.0])
    assert ope.doubly_robust(rewards, actions, propensities, target, np.tile([5.0, 12.0], (5, 1))) == \
        pytest.approx((16.0, dr_terms.std(ddof=1) / np.sqrt(5)))


def test_a_stochastic_target_and_float_actions_are_accepted():
    target = np.array([[0.5, 0.5], [0.25, 0.75]])
    value, _ = ope.ips([1.0, 2.0], np.array([0.0, 1.0]), [0.5, 0.5], target)
    assert value == pytest.approx((0.5 / 0.5 * 1 + 0.75 / 0.5 * 2) / 2)


def test_one_decision_has_no_standard_error():
    value, error = ope.ips([3.0], [0], [0.5], [[1.0, 0.0]])
    assert value == 6.0 and np.isnan(error)
    assert np.isnan(ope.snips([3.0], [0], [0.5], [[1.0, 0.0]])[1])


GOOD = {"rewards": [1.0, 2.0], "actions": [0, 1], "logging_propensities": [0.5, 0.5],
        "target_probabilities": [[1.0, 0.0], [0.0, 1.0]]}


@pytest.mark.parametrize(("change", "error", "words"), [
    ({"logging_propensities": [0.0, 0.5]}, ValueError, r"logging_propensities must lie in \(0, 1\]"),
    ({"logging_propensities": [0.5, 1.2]}, ValueError, r"logging_propensities must lie in \(0, 1\]"),
    ({"logging_propensities": [-0.1, 0.5]}, ValueError, r"logging_propensities must lie in \(0, 1\]"),
    ({"target_probabilities": [[0.6, 0.6], [0.0, 1.0]]}, ValueError, "row 0 sums to"),
    ({"target_probabilities": [[1.0, 0.0], [0.0, 0.9]]}, ValueError, "row 1 sums to"),
    ({"target_probabilities": [[1.5, -0.5], [0.0, 1.0]]}, ValueError, r"must lie in \[0, 1\]"),
    ({"actions": [0, 2]}, ValueError, r"actions must lie in 0 \.\. 1"),
    ({"actions": [-1, 1]}, ValueError, r"actions must lie in 0 \.\. 1"),
    ({"actions": [0.5, 1]}, TypeError, "whole numbers"),
    ({"actions": [True, False]}, TypeError, "whole numbers"),
    ({"actions": [0, 1, 1]}, ValueError, "actions has 3 entries but rewards has 2"),
    ({"logging_propensities": [0.5]}, ValueError, "logging_propensities has 1 entries"),
    ({"target_probabilities": [[1.0, 0.0]]}, ValueError, "target_probabilities has 1 rows"),
    ({"target_probabilities": [1.0, 0.0]}, ValueError, "target_probabilities must have 2 dimensions"),
    ({"rewards": [[1.0, 2.0]]}, ValueError, "rewards must have 1 dimension"),
    ({"rewards": [np.nan, 2.0]}, ValueError, "rewards must hold finite numbers"),
    ({"rewards": ["a", "b"]}, TypeError, "rewards must be an array of numbers"),
    ({"actions": [[0, 1]]}, ValueError, "actions must have 1 dimension"),
])
@pytest.mark.parametrize("estimator", ["ips", "snips", "doubly_robust"])
def test_errors_name_the_argument(estimator, change, error, words):
    arguments = {**GOOD, **change}
    if estimator == "doubly_robust":
        arguments["predicted_rewards"] = np.zeros((2, 2))
    with pytest.raises(error, match=words):
        getattr(ope, estimator)(**arguments)


def test_empty_log_is_refused():
    with pytest.raises(ValueError, match="at least one decision"):
        ope.ips([], [], [], np.zeros((0, 2)))


def test_snips_refuses_a_log_without_any_target_action():
    with pytest.raises(ValueError, match="no logged action has a positive target probability"):
        ope.snips([1.0, 2.0], [0, 0], [0.5, 0.5], [[0.0, 1.0], [0.0, 1.0]])


def test_doubly_robust_checks_the_shape_of_the_predictions():
    with pytest.raises(ValueError, match="predicted_rewards has shape"):
        ope.doubly_robust(**GOOD, predicted_rewards=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="predicted_rewards must hold finite"):
        ope.doubly_robust(**GOOD, predicted_rewards=[[0.0, np.inf], [0.0, 0.0]])
