"""helpers.contextual: the environment, the policies' probabilities and updates against independent
computations, the engine's logged propensities and rewards against Monte Carlo, and the error paths; and the
tolerance of chapter 06's exercise checks."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers import contextual as C
from helpers.exercises import ch06
from helpers.simulate import OFFER_VARIANTS, variant_probability


def small_env(n: int = 400, seed: int = 0) -> C.Environment:
    rng = np.random.default_rng(seed)
    contexts = rng.random(n)
    probability = np.clip(np.stack([contexts * 0.5, 0.2 + 0.1 * contexts, 0.3 - 0.2 * contexts], axis=1), 0, 1)
    return C.Environment(contexts, probability, np.array([0.3, 0.25, 0.3]), np.array([0.0, 0.0, 4.0]),
                         order_median=60.0, order_sigma=0.8, names=("none", "5 %", "shipping"))


def fake_shop(n: int = 50, seed: int = 0) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    return SimpleNamespace(sessions=pd.DataFrame({"x": np.arange(n)}), base_probability=rng.uniform(0.01, 0.9, n),
                           margin=0.3, order_median=60.0, order_sigma=0.8)


# --- the environment --------------------------------------------------------------------------------------------

def test_shop_environment_uses_the_shops_probabilities_and_rows():
    shop = fake_shop()
    rows = np.array([3, 7, 11])
    env = C.shop_environment(shop, OFFER_VARIANTS, [0.1, 0.2, 0.3], rows=rows)
    for index, variant in enumerate(OFFER_VARIANTS):
        assert np.allclose(env.purchase_probability[:, index], variant_probability(shop, variant)[rows])
    mean_order = 60 * math.exp(0.8**2 / 2)
    shipping = OFFER_VARIANTS[3]
    assert env.order_values[3] == pytest.approx(mean_order * (0.3 - shipping.discount) - shipping.fixed_cost)
    assert np.allclose(env.expected_rewards, env.purchase_probability * env.order_values)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"variants": OFFER_VARIANTS[:1]}, "at least two"),
    ({"contexts": [0.1, 0.2]}, "one value per session"),
    ({"rows": [0, 0, 1]}, "distinct positions"),
    ({"rows": [0, 1, 99]}, "distinct positions"),
])
def test_shop_environment_errors(kwargs, words):
    arguments = {"variants": OFFER_VARIANTS, "contexts": [0.1, 0.2, 0.3], "rows": [0, 1, 2], **kwargs}
    with pytest.raises(ValueError, match=words):
        C.shop_environment(fake_shop(), **arguments)


@pytest.mark.parametrize(("change", "words"), [
    ({"contexts": np.array([np.nan, 0.5])}, "finite"),
    ({"purchase_probability": np.ones((2, 1))}, "shape"),
    ({"purchase_probability": np.full((2, 2), 1.5)}, r"\[0, 1\]"),
    ({"order_factor": np.ones(3)}, "order_factor"),
    ({"names": ("a",)}, "names"),
    ({"order_sigma": 0.0}, "order_sigma"),
])
def test_environment_errors(change, words):
    arguments = {"contexts": np.array([0.1, 0.5]), "purchase_probability": np.full((2, 2), 0.5),
                 "order_factor": np.ones(2), "fixed_cost": np.zeros(2), "order_median": 60.0, "order_sigma": 0.8,
                 "names": ("a", "b"), **change}
    with pytest.raises(ValueError, match=words):
        C.Environment(**arguments)


def test_bin_values_and_policy_value_against_pandas():
    env = small_env()
    edges = [0.3, 0.6]
    values, shares = C.bin_values(env, edges)
    frame = pd.DataFrame(env.expected_rewards).assign(bin=pd.cut(env.contexts, [-np.inf, 0.3, 0.6, np.inf],
                                                                  right=False, labels=False))
    assert np.allclose(values, frame.groupby("bin").mean().to_numpy())
    assert np.allclose(shares, frame["bin"].value_counts(normalize=True).sort_index())
    policy = C.binned_policy(edges, [2, 0, 1], 3)
    chosen = np.array([2, 0, 1])[frame["bin"].to_numpy()]
    assert C.policy_value(env, policy(env.contexts)) == pytest.approx(
        env.expected_rewards[np.arange(len(chosen)), chosen].mean())


def test_bin_values_and_policy_value_errors():
    env = small_env()
    with pytest.raises(ValueError, match="holds no session"):
        C.bin_values(env, [2.0, 3.0])
    with pytest.raises(ValueError, match="edges must be increasing"):
        C.bin_values(env, [0.6, 0.3])
    with pytest.raises(ValueError, match="must have shape"):
        C.policy_value(env, np.ones((3, 3)) / 3)
    with pytest.raises(ValueError, match="sum to 1"):
        C.policy_value(env, np.ones((len(env.contexts), 3)))


def test_binned_policy_with_exploration_and_its_errors():
    policy = C.binned_policy([0.5], [0, 2], 3, epsilon=0.3)
    assert np.allclose(policy(np.array([0.2, 0.9])), [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    assert policy(np.zeros((2, 4))).shape == (2, 4, 3)
    with pytest.raises(ValueError, match="one action in 0 .. 2"):
        C.binned_policy([0.5], [0, 3], 3)
    with pytest.raises(ValueError, match="one action in 0 .. 2"):
        C.binned_policy([0.5], [0], 3)
    with pytest.raises(ValueError, match="epsilon"):
        C.binned_policy([0.5], [0, 1], 3, epsilon=1.5)


# --- Thompson sampling per bin ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("means", "sds"), [
    ([1.0, 1.2, 0.8], [0.3, 0.3, 0.3]),
    ([0.0, 0.05, -2.0, 0.1], [1.0, 0.01, 0.5, 2.0]),     # very different widths
    ([5.0, 0.0, 0.0], [0.1, 0.1, 0.1]),                 # one arm certain to win
])
def test_max_probabilities_match_monte_carlo(means, sds):
    rng = np.random.default_rng(0)
    draws = rng.normal(means, sds, size=(200_000, len(means)))
    frequency = np.bincount(draws.argmax(axis=1), minlength=len(means)) / len(draws)
    computed = C._normal_max_probabilities(np.array(means), np.array(sds))
    assert computed.sum() == pytest.approx(1.0)
    assert np.allclose(computed, frequency, atol=3e-3)


def test_thompson_posterior_and_update_against_a_loop():
    policy = C.BinnedThompson([0.5], noise_sd=2.0)
    state = policy.start(2, 3)
    rng = np.random.default_rng(1)
    contexts, arms, rewards = rng.random((2, 30)), rng.integers(0, 3, (2, 30)), rng.normal(1, 1, (2, 30))
    policy.update(state, contexts, arms, rewards)
    for sim in range(2):
        for bin_ in range(2):
            for arm in range(3):
                mask = (arms[sim] == arm) & ((contexts[sim] >= 0.5) == bin_)
                r = rewards[sim][mask]
                assert state["n"][sim, bin_, arm] == mask.sum()
                assert state["sum"][sim, bin_, arm] == pytest.approx(r.sum())
                mean, sd = policy.posterior(state)
                squares = ((r - r.mean()) ** 2).sum() if len(r) else 0.0
                variance = (squares + 2 * 4.0) / (len(r) + 2)
                assert mean[sim, bin_, arm] == pytest.approx(r.sum() / (len(r) + 1))
                assert sd[sim, bin_, arm] == pytest.approx(math.sqrt(variance / (len(r) + 1)))


def test_thompson_probabilities_are_per_bin_and_mixed_with_epsilon():
    policy = C.BinnedThompson([0.5], noise_sd=1.0, epsilon=0.2)
    state = policy.start(1, 2)
    state["n"][0] = [[100, 100], [100, 100]]
    state["sum"][0] = [[500, 0], [0, 500]]              # bin 0 favours arm 0, bin 1 arm 1
    state["sum_sq"][0] = state["sum"][0] ** 2 / 100
    probabilities = policy.probabilities(state, np.array([[0.1, 0.9]]))[0]
    assert np.allclose(probabilities, [[0.9, 0.1], [0.1, 0.9]], atol=1e-6)
    assert np.array_equal(policy.greedy_actions(state), [[0, 1]])
    assert str(policy) == "Thompson sampling per bin (2 bins)"
    assert str(C.BinnedThompson([], 1.0)) == "Thompson sampling without context"


@pytest.mark.parametrize(("kwargs", "words"), [({"noise_sd": 0.0}, "noise_sd"), ({"epsilon": -0.1}, "epsilon"),
                                               ({"edges": [0.5, 0.2]}, "edges")])
def test_thompson_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        C.BinnedThompson(**{"edges": [0.5], "noise_sd": 1.0, **kwargs})


# --- LinUCB ----------------------------------------------------------------------------------------------------

def test_linucb_matches_ridge_regression_and_the_ucb_formula():
    policy = C.LinUCB(alpha=0.7, degree=2, ridge=0.5)
    state = policy.start(2, 3)
    rng = np.random.default_rng(2)
    contexts, arms = rng.random((2, 60)), rng.integers(0, 3, (2, 60))
    rewards = rng.normal(contexts, 0.1)
    policy.update(state, contexts, arms, rewards)
    theta, inverse = policy.coefficients(state)
    new = rng.random((2, 5))
    expected = np.empty((2, 5, 3))
    for sim in range(2):
        for arm in range(3):
            x = np.vander(contexts[sim][arms[sim] == arm], 3, increasing=True)
            a = 0.5 * np.eye(3) + x.T @ x
            coefficients = np.linalg.solve(a, x.T @ rewards[sim][arms[sim] == arm])
            assert np.allclose(theta[sim, arm], coefficients)
            z = np.vander(new[sim], 3, increasing=True)
            expected[sim, :, arm] = z @ coefficients + 0.7 * np.sqrt(np.einsum("bd,de,be->b", z, np.linalg.inv(a), z))
    probabilities = policy.probabilities(state, new)
    assert np.array_equal(probabilities.argmax(axis=-1), expected.argmax(axis=-1))
    assert set(np.unique(probabilities)) <= {0.0, 1.0}
    assert np.array_equal(policy.greedy_actions(state, new[0])[0],
                          (np.vander(new[0], 3, increasing=True) @ theta[0].T).argmax(axis=1))


def test_linucb_splits_ties_and_mixes_epsilon():
    policy = C.LinUCB(alpha=1.0, epsilon=0.4)
    probabilities = policy.probabilities(policy.start(1, 4), np.array([[0.3]]))   # nothing learned: a 4-way tie
    assert np.allclose(probabilities, 0.25)
    state = policy.start(1, 2)
    state["b"][0, 1, 0] = 5.0                                                     # arm 1 looks better
    assert np.allclose(policy.probabilities(state, np.array([[0.3]]))[0, 0], [0.2, 0.8])


@pytest.mark.parametrize(("kwargs", "words"), [({"alpha": -1.0}, "alpha"), ({"degree": 0}, "degree"),
                                               ({"ridge": 0.0}, "ridge"), ({"epsilon": 2.0}, "epsilon")])
def test_linucb_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        C.LinUCB(**{"alpha": 1.0, **kwargs})


# --- the engine -------------------------------------------------------------------------------------------------

def test_engine_logs_the_probabilities_it_draws_from():
    env = small_env()
    table = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    policy = C.StaticPolicy(lambda contexts: table[(contexts >= 0.5).astype(int)])
    result = C.simulate(policy, env, horizon=20_000, n_simulations=3, seed=4, batch=3_000)
    bins = (env.contexts[result.sessions] >= 0.5).astype(int)
    assert np.allclose(result.propensities, table[bins, result.arms])
    for bin_ in range(2):
        arms = result.arms[bins == bin_]
        frequency = np.bincount(arms, minlength=3) / len(arms)
        assert np.allclose(frequency, table[bin_], atol=4 * np.sqrt(0.25 / len(arms)))


def test_engine_rewards_match_their_expectation():
    env = small_env()
    result = C.simulate(C.StaticPolicy(lambda c: np.full(c.shape + (3,), 1 / 3)), env, horizon=50_000,
                        n_simulations=4, seed=5)
    expected = env.expected_rewards[result.sessions, result.arms]
    difference = result.rewards - expected
    assert abs(difference.mean()) < 4 * difference.std() / np.sqrt(difference.size)
    shipping = result.rewards[(result.arms == 2) & (result.rewards != 0)]
    assert shipping.min() >= -4.0                                       # revenue minus the 4 € fixed cost


def test_expected_squared_rewards_match_monte_carlo_and_the_lognormal_moments():
    env = small_env(n=3)
    rng = np.random.default_rng(11)
    n = 400_000
    for action in range(env.n_actions):
        sessions, actions = np.zeros(n, dtype=int), np.full(n, action)
        _, reward = env.draw_outcomes(sessions, actions, rng)
        squared = reward**2
        expected = env.expected_squared_rewards[0, action]
        assert abs(squared.mean() - expected) < 4 * squared.std() / np.sqrt(n)
    # by hand for one cell: E[V^2] = median^2 exp(2 sigma^2) for a log-normal order value V
    ev, ev2 = 60 * math.exp(0.8**2 / 2), 60**2 * math.exp(2 * 0.8**2)
    by_hand = env.purchase_probability[1, 2] * (0.3**2 * ev2 - 2 * 0.3 * 4.0 * ev + 16.0)
    assert env.expected_squared_rewards[1, 2] == pytest.approx(by_hand)


def test_cumulative_regret_by_hand():
    env = small_env(n=5)
    result = C.ContextualResult(sessions=np.array([[0, 1, 2]]), arms=np.array([[0, 1, 2]]),
                                propensities=np.ones((1, 3)), rewards=np.zeros((1, 3)), state={})
    comparator = env.expected_rewards.max(axis=1)
    gaps = [comparator[i] - env.expected_rewards[i, i] for i in range(3)]
    assert np.allclose(result.cumulative_regret(env, comparator), np.cumsum(gaps)[None])
    with pytest.raises(ValueError, match="one expected reward per session"):
        result.cumulative_regret(env, comparator[:2])


def test_learning_from_purchases_feeds_the_known_order_value():
    env = small_env()
    seen = []

    class Recorder(C.StaticPolicy):
        def update(self, state, contexts, arms, rewards):
            seen.append((arms.copy(), rewards.copy()))

    policy = Recorder(lambda c: np.full(c.shape + (3,), 1 / 3))
    result = C.simulate(policy, env, horizon=2_000, n_simulations=2, seed=6, learn_from="purchases", batch=500)
    arms = np.concatenate([a for a, _ in seen], axis=1)
    learned = np.concatenate([r for _, r in seen], axis=1)
    assert np.array_equal(arms, result.arms)
    bought = result.rewards != 0
    assert np.allclose(learned[bought], env.order_values[arms[bought]])
    assert np.all(learned[~bought] == 0)


def test_same_seed_same_run_other_seed_other_run():
    env = small_env()
    policy = C.BinnedThompson([0.5], noise_sd=10.0, epsilon=0.1)
    first = C.simulate(policy, env, horizon=3_000, n_simulations=2, seed=7)
    again = C.simulate(policy, env, horizon=3_000, n_simulations=2, seed=7)
    other = C.simulate(policy, env, horizon=3_000, n_simulations=2, seed=8)
    assert np.array_equal(first.arms, again.arms) and np.array_equal(first.rewards, again.rewards)
    assert not np.array_equal(first.arms, other.arms)


def test_draw_outcomes_same_seed_same_draws_other_seed_other_draws():
    env = small_env()
    sessions, actions = np.arange(300) % 400, np.arange(300) % 3
    first, again, other = (env.draw_outcomes(sessions, actions, np.random.default_rng(seed)) for seed in (3, 3, 4))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1]) and not np.array_equal(first[0], other[0])


def test_a_contextual_learner_beats_a_context_free_one():
    """In a world where the best action flips with the context, Thompson sampling per bin loses less."""
    env = small_env(n=1_000)
    values, _ = C.bin_values(env, [0.5])
    assert values[0].argmax() != values[1].argmax()
    best = (C.binned_policy([0.5], values.argmax(axis=1), 3)(env.contexts) * env.expected_rewards).sum(axis=1)
    regret = {edges: C.simulate(C.BinnedThompson(edges, noise_sd=10.0), env, horizon=20_000, n_simulations=10,
                                seed=9, learn_from="purchases").cumulative_regret(env, best)[:, -1]
              for edges in [(), (0.5,)]}
    assert regret[()].mean() > regret[(0.5,)].mean() + 3 * np.hypot(*(r.std() / np.sqrt(10) for r in regret.values()))


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"policy": object()}, TypeError, "start, probabilities and update"),
    ({"env": "shop"}, TypeError, "Environment"),
    ({"horizon": 0}, ValueError, "horizon"),
    ({"n_simulations": 1.5}, ValueError, "n_simulations"),
    ({"batch": -1}, ValueError, "batch"),
    ({"learn_from": "profit"}, ValueError, "learn_from"),
    ({"policy": C.StaticPolicy(lambda c: np.ones(c.shape + (3,)))}, ValueError, "summing to 1"),
    ({"policy": C.StaticPolicy(lambda c: np.ones(c.shape + (2,)) / 2)}, ValueError, "of shape"),
])
def test_engine_errors(kwargs, error, words):
    arguments = {"policy": C.StaticPolicy(lambda c: np.full(c.shape + (3,), 1 / 3)), "env": small_env(),
                 "horizon": 10, "n_simulations": 2, "seed": 0, **kwargs}
    policy, env = arguments.pop("policy"), arguments.pop("env")
    with pytest.raises(error, match=words):
        C.simulate(policy, env, **arguments)


# --- chapter 06's exercises: answers just outside the tolerance are rejected ---------------------------------------

@pytest.mark.parametrize("exercise", [ch06.q1, ch06.q2, ch06.q3, ch06.q4], ids=["q1", "q2", "q3", "q4"])
def test_exercise_tolerance_is_tight(exercise):
    right = float(exercise.solve())
    assert exercise.evaluate(right + 0.9 * ch06.TOLERANCE).correct
    for wrong in (right + 2 * ch06.TOLERANCE, right - 2 * ch06.TOLERANCE):
        assert exercise.evaluate(wrong).status == "incorrect"


def test_exercise_reference_values_agree_with_helpers_ope():
    from helpers import ope

    args = (ch06.REWARDS, ch06.ACTIONS, ch06.PROPENSITIES, ch06.TARGET)
    assert ope.ips(*args)[0] == pytest.approx(ch06.ips_value()) == pytest.approx(40.0)
    assert ope.snips(*args)[0] == pytest.approx(ch06.snips_value()) == pytest.approx(200 / 15)
    assert ope.doubly_robust(*args, ch06.PREDICTED)[0] == pytest.approx(ch06.dr_value()) == pytest.approx(16.0)
