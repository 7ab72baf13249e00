"""helpers.bandits: the policies behave as their theory says, ties are fair, bad arguments are refused."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import bandits as B
from helpers import widgets

ARMS = [0.1, 0.1, 0.1, 0.1, 0.9]


@pytest.mark.parametrize("epsilon", [0.1, 0.3])
def test_epsilon_greedy_plateau_matches_theory(epsilon):
    result = B.simulate(B.EpsilonGreedy(epsilon), ARMS, 400, 4_000, seed=1)
    late = (result.arms[:, -100:] == result.best_arm).mean(axis=1)
    theory = (1 - epsilon) + epsilon / len(ARMS)
    assert abs(late.mean() - theory) < 4 * late.std() / np.sqrt(len(late)) + 0.005


def test_softmax_probabilities_are_safe_for_tiny_temperatures():
    probabilities = B.Softmax(1e-6).probabilities(np.array([[0.1, 0.9, 0.5]]))
    assert np.isfinite(probabilities).all() and probabilities[0, 1] == pytest.approx(1.0)
    assert B.Softmax(1.0).probabilities(np.zeros((1, 4))) == pytest.approx(np.full((1, 4), 0.25))


def test_random_tie_break_is_uniform():
    counts, sums = np.zeros((40_000, 4)), np.zeros((40_000, 4))
    chosen = B.EpsilonGreedy(0.0).select(counts, sums, 1, np.random.default_rng(0))
    shares = np.bincount(chosen, minlength=4) / len(chosen)
    assert np.abs(shares - 0.25).max() < 4 * np.sqrt(0.25 * 0.75 / len(chosen))


def test_ucb1_plays_every_arm_once_first():
    result = B.simulate(B.UCB1(), ARMS, 5, 200, seed=2)
    assert all(sorted(row) == [0, 1, 2, 3, 4] for row in result.arms)


def test_thompson_and_ucb1_regret_grows_slower_than_fixed_epsilon():
    regret = {name: B.simulate(policy, ARMS, 3_000, 300, seed=3).cumulative_regret()
              for name, policy in {"eps": B.EpsilonGreedy(0.1), "ucb": B.UCB1(), "ts": B.ThompsonSampling()}.items()}
    # the second half adds about as much as the first for a fixed epsilon, far less for the others
    for name in ("ucb", "ts"):
        assert regret[name][-1] - regret[name][1_499] < 0.5 * regret[name][1_499]
    assert regret["eps"][-1] - regret["eps"][1_499] > 0.8 * regret["eps"][1_499]
    assert regret["ts"][-1] < regret["ucb"][-1] < regret["eps"][-1]


def test_result_methods_are_consistent():
    result = B.simulate(B.ThompsonSampling(), ARMS, 50, 100, seed=4)
    assert result.best_arm == 4 and result.prob_best().shape == (50,)
    assert result.cumulative_reward()[-1] == pytest.approx(result.average_reward().sum(), rel=1e-5)
    assert (np.diff(result.cumulative_regret()) >= 0).all()


def test_lai_robbins_constant_by_hand():
    kl = 0.1 * np.log(0.1 / 0.9) + 0.9 * np.log(0.9 / 0.1)
    assert B.lai_robbins_constant(ARMS) == pytest.approx(4 * 0.8 / kl)


@pytest.mark.parametrize(("make", "words"), [
    (lambda: B.EpsilonGreedy(1.5), "epsilon must be a number in"),
    (lambda: B.EpsilonGreedy(-0.1), "epsilon must be a number in"),
    (lambda: B.Softmax(0), "temperature must be a positive number"),
    (lambda: B.Softmax(-1.0), "temperature must be a positive number"),
    (lambda: B.simulate(B.UCB1(), [0.2, 1.3], 10, 10, 0), "arm_means must be at least two probabilities"),
    (lambda: B.simulate(B.UCB1(), [0.2], 10, 10, 0), "arm_means must be at least two probabilities"),
    (lambda: B.simulate(B.UCB1(), ARMS, 0, 10, 0), "horizon must be a positive whole number"),
    (lambda: B.simulate(B.UCB1(), ARMS, 10, -1, 0), "n_simulations must be a positive whole number"),
    (lambda: widgets.bandit_probability_best("greedy", 0.1, 0.9, 0.1), "algorithm must be one of"),
])
def test_bad_arguments_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_policy_without_select_is_refused():
    with pytest.raises(TypeError, match="select"):
        B.simulate("thompson", ARMS, 10, 10, 0)


def test_playground_wraps_the_engine():
    curve = widgets.bandit_probability_best("Thompson sampling", 0.1, 0.9, 0.1, horizon=30, n_simulations=200)
    assert curve.shape == (30,) and curve[-1] > curve[0]
    assert widgets.bandit_playground() is not None
