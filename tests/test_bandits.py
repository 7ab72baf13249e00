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
    (lambda: B.EpsilonGreedy(1.5), "^epsilon must be a number in"),
    (lambda: B.EpsilonGreedy(-0.1), "^epsilon must be a number in"),
    (lambda: B.Softmax(0), "^temperature must be a positive number"),
    (lambda: B.Softmax(-1.0), "^temperature must be a positive number"),
    (lambda: B.simulate(B.UCB1(), [0.2, 1.3], 10, 10, 0), "^arm_means must be at least two probabilities"),
    (lambda: B.simulate(B.UCB1(), [0.2], 10, 10, 0), "^arm_means must be at least two probabilities"),
    (lambda: B.simulate(B.UCB1(), ARMS, 0, 10, 0), "^horizon must be a positive whole number"),
    (lambda: B.simulate(B.UCB1(), ARMS, 10, -1, 0), "^n_simulations must be a positive whole number"),
    (lambda: widgets.bandit_probability_best("greedy", 0.1, 0.9, 0.1), "^algorithm must be one of"),
])
def test_bad_arguments_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_policy_without_select_is_refused():
    with pytest.raises(TypeError, match="^policy must have a select"):
        B.simulate("thompson", ARMS, 10, 10, 0)


def test_playground_wraps_the_engine():
    curve = widgets.bandit_probability_best("Thompson sampling", 0.1, 0.9, 0.1, horizon=30, n_simulations=200)
    assert curve.shape == (30,) and curve[-1] > curve[0]


# --- the policies for revenue, for finding the best arm, explore-then-commit and the batched engine ----------

from scipy import stats  # noqa: E402  (the tests above need no scipy)

from helpers.exercises import ch04  # noqa: E402


def test_annealing_epsilon_is_one_over_log_t():
    counts, sums = np.ones((200_000, 5)), np.array([[0.0, 0, 0, 0, 1]]).repeat(200_000, axis=0)
    for step in (20, 400):
        chosen = B.AnnealingEpsilonGreedy().select(counts, sums, step, np.random.default_rng(step))
        epsilon = 1 / np.log(step)
        expected = epsilon * 4 / 5                         # exploring picks one of the four other arms
        share = (chosen != 4).mean()
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / len(chosen))


def test_epsilon_greedy_probabilities_are_exact():
    counts, sums = np.array([[10.0, 10, 10], [5, 5, 5]]), np.array([[3.0, 7, 7], [1, 2, 3]])
    exact = B.EpsilonGreedy(0.3).assignment_probabilities(counts, sums, 1, None)
    assert exact == pytest.approx(np.array([[0.1, 0.45, 0.45], [0.1, 0.1, 0.8]]))
    estimated = B._estimated_probabilities(B.EpsilonGreedy(0.3), counts, sums, 1, np.random.default_rng(0), 40_000)
    assert np.abs(estimated - exact).max() < 4 * np.sqrt(0.25 / 40_000)


def test_gaussian_thompson_matches_the_two_arm_formula():
    """Two arms: P(arm 1's draw is larger) = Phi((m1 - m0) / sqrt(s0^2 + s1^2)), with s = sigma / sqrt(n)."""
    sigma, counts, sums = 10.0, np.array([[400.0, 100.0]]), np.array([[400.0 * 3.0, 100.0 * 4.0]])
    right = stats.norm.cdf((4.0 - 3.0) / np.hypot(sigma / 20, sigma / 10))
    estimated = B.assignment_probabilities(B.GaussianThompsonSampling(sigma), counts, sums, 1,
                                           np.random.default_rng(1), n_draws=40_000)
    assert abs(estimated[0, 1] - right) < 4 * np.sqrt(right * (1 - right) / 40_000)


def test_gaussian_thompson_plays_unplayed_arms_first_and_then_the_clear_winner():
    policy, rng = B.GaussianThompsonSampling(1.0), np.random.default_rng(2)
    chosen = policy.select(np.array([[5.0, 0, 5]] * 1_000), np.array([[9.0, 0, 1]] * 1_000), 3, rng)
    assert (chosen == 1).all()
    chosen = policy.select(np.array([[1e6, 1e6, 1e6]] * 1_000), np.array([[1e6, 2e6, 0]] * 1_000), 3, rng)
    assert (chosen == 1).all()


def _normal_rewards(means, sd):
    means = np.asarray(means)
    return lambda arms, rng: rng.normal(means[arms], sd)


def test_gaussian_thompson_beats_a_misspecified_beta_posterior_on_revenue():
    """Rewards in euros (sd 10): the Gaussian posterior explores less than the Beta one on rewards / 100."""
    means, sd = [3.0, 3.5, 4.0], 10.0
    gaussian = B.simulate_rewards(B.GaussianThompsonSampling(sd), _normal_rewards(means, sd), means, 2_000, 300, 3)
    beta = B.simulate_rewards(B.ThompsonSampling(scale=100.0), _normal_rewards(means, sd), means, 2_000, 300, 4)
    gaussian_regret = (max(means) - np.asarray(means)[gaussian.arms]).sum(axis=1)
    beta_regret = (max(means) - np.asarray(means)[beta.arms]).sum(axis=1)
    se = np.hypot(gaussian_regret.std(), beta_regret.std()) / np.sqrt(300)
    assert beta_regret.mean() - gaussian_regret.mean() > 4 * se


def test_scaled_beta_thompson_clips_to_the_unit_interval():
    draws = B.ThompsonSampling(scale=250.0)._draw(np.array([[2.0, 2.0]]), np.array([[900.0, -50.0]]),
                                                  np.random.default_rng(0))
    assert np.isfinite(draws).all() and ((draws > 0) & (draws < 1)).all()


def test_top_two_probabilities_for_two_arms():
    """With two arms the challenger is always the other arm: psi_a = beta a_a + (1 - beta)(1 - a_a)."""
    counts, sums = np.array([[50.0, 50.0]]), np.array([[20.0, 25.0]])
    for beta in (0.5, 0.8):
        policy = B.TopTwoThompsonSampling(beta, n_draws=40_000)
        exact = policy.assignment_probabilities(counts, sums, 1, np.random.default_rng(5))
        simulated = B._estimated_probabilities(policy, counts, sums, 1, np.random.default_rng(6), 40_000)
        assert np.abs(exact - simulated).max() < 2 * 4 * np.sqrt(0.25 / 40_000)
        best = B._estimated_probabilities(B.ThompsonSampling(), counts, sums, 1, np.random.default_rng(7), 40_000)
        formula = beta * best[0, 1] + (1 - beta) * (1 - best[0, 1])
        assert abs(simulated[0, 1] - formula) < 4 * np.sqrt(0.25 / 40_000) * 1.5


@pytest.mark.parametrize(("counts", "means", "sigma"), [
    ([1e4, 1e4, 1e4, 1e4], [1.0, 0.9, 0.0, 0.0], 1.0),      # the leader wins every draw: runner-up challenges
    ([100, 100, 100, 100], [0.50, 0.45, 0.40, 0.30], 1.0),  # a close race
    ([1e3, 1e3, 1e3, 1e3], [0.10, 0.06, 0.04, 0.03], 1.0),  # a likely leader: the fallback is used sometimes
    ([40, 0, 40, 0], [0.5, 0.0, 0.6, 0.0], 1.0),            # two arms not played yet
    ([30, 30, 30], [0.2, 0.5, 0.45], None),                  # the Beta posterior
])
def test_top_two_probabilities_agree_with_its_select(counts, means, sigma):
    counts = np.array([counts], dtype=float)
    sums = counts * np.array([means])
    policy = B.TopTwoThompsonSampling(0.5, sigma=sigma, max_redraws=20, n_draws=100_000)
    exact = policy.assignment_probabilities(counts, sums, 1, np.random.default_rng(20))
    simulated = B._estimated_probabilities(policy, counts, sums, 1, np.random.default_rng(21), 40_000)
    assert exact.sum() == pytest.approx(1.0)
    assert np.abs(exact - simulated).max() < 4 * np.sqrt(0.25 / 40_000) + 4 * np.sqrt(0.25 / 100_000)


def test_top_two_gives_no_share_to_clearly_bad_arms():
    """When the leader is certain, the challenger is the runner-up, not a random other arm."""
    counts, sums = np.full((3, 4), 1e4), np.array([[1.0e4, 0.9e4, 0.0, 0.0]] * 3)
    for beta in (0.5, 0.7):
        propensity = B.TopTwoThompsonSampling(beta, sigma=1.0).assignment_probabilities(
            counts, sums, 1, np.random.default_rng(22))
        assert propensity == pytest.approx(np.array([[beta, 1 - beta, 0.0, 0.0]] * 3))


def test_top_two_gives_the_challenger_its_share_once_the_leader_is_certain():
    counts, sums = np.array([[1e6, 1e6, 1e6]] * 20_000), np.array([[1e5, 9e5, 5e5]] * 20_000)
    chosen = B.TopTwoThompsonSampling(0.7, max_redraws=3).select(counts, sums, 1, np.random.default_rng(8))
    assert abs((chosen == 1).mean() - 0.7) < 4 * np.sqrt(0.21 / 20_000)
    assert (chosen[chosen != 1] == 2).all()                            # the second-largest draw is the challenger


def test_top_two_keeps_the_best_arm_near_beta():
    """Once the best arm is certain, top-two Thompson sampling gives it a share beta (Russo, 2016)."""
    # with two arms the challenger is always the other arm, so a few redraws give the same rule, faster
    result = B.simulate(B.TopTwoThompsonSampling(0.5, max_redraws=3), [0.2, 0.8], 600, 300, seed=9)
    late = (result.arms[:, -200:] == 1).mean()
    assert abs(late - 0.5) < 4 * np.sqrt(0.25 / (300 * 200)) + 0.01


def test_explore_then_commit_explores_evenly_then_commits_for_good():
    """Known answer: each arm gets explore_steps / arms plays, then every simulation plays, to the end, the arm
    whose mean was best after exploring."""
    means, explore = [0.5, 0.55, 0.5], 60
    result = B.simulate(B.ExploreThenCommit(explore), means, 300, 2_000, seed=10)
    explored = result.arms[:, :explore]
    assert all((np.bincount(row, minlength=3) == explore // 3).all() for row in explored)
    sums = np.stack([np.where(explored == arm, result.rewards[:, :explore], 0).sum(axis=1) for arm in range(3)], 1)
    committed = result.arms[:, explore:]
    assert (committed == committed[:, :1]).all()
    best_sums = sums == sums.max(axis=1, keepdims=True)
    assert best_sums[np.arange(len(sums)), committed[:, 0]].all()


def test_explore_first_then_greedy_switches_where_commitment_does_not():
    means = [0.5, 0.55]
    greedy = B.simulate(B.ExploreFirstThenGreedy(20), means, 300, 1_000, seed=11).arms[:, 20:]
    commit = B.simulate(B.ExploreThenCommit(20), means, 300, 1_000, seed=11).arms[:, 20:]
    assert (commit == commit[:, :1]).all()
    assert (greedy != greedy[:, :1]).any(axis=1).mean() > 0.05


def test_explore_then_commit_in_batches_commits_for_good():
    means = [0.3, 0.5, 0.45]
    policy = B.ExploreThenCommit(600)
    result = B.simulate_batches(policy, B.bernoulli_sums(means), means, batch_size=100, n_batches=10,
                                n_simulations=500, seed=12)
    assert result.propensities[:, :6] == pytest.approx(np.full((500, 6, 3), 1 / 3))
    explored = result.sums[:, :6].sum(axis=1) / result.counts[:, :6].sum(axis=1)
    committed = result.counts[:, 6:].sum(axis=1).argmax(axis=1)
    assert (result.counts[:, 6:, :].max(axis=2) == 100).all()                      # one arm per batch ...
    assert (result.counts[:, 6:].sum(axis=1).max(axis=1) == 400).all()             # ... the same arm every time
    assert (explored[np.arange(500), committed] == explored.max(axis=1)).all()
    assert (result.most_played_arm() == committed).all()


def test_explore_then_commit_refuses_uneven_exploration():
    with pytest.raises(ValueError, match="^explore_steps must be a multiple of the number of arms"):
        B.simulate(B.ExploreThenCommit(10), [0.1, 0.2, 0.3], 20, 5, 0)
    with pytest.raises(ValueError, match=r"^explore-then-commit must end its exploration with a batch: "
                                         r"explore_steps \(150\) must be a multiple of batch_size \(100\)$"):
        B.simulate_batches(B.ExploreThenCommit(150), B.bernoulli_sums([0.1, 0.2]), [0.1, 0.2], batch_size=100,
                           n_batches=3, n_simulations=2, seed=0)


def test_explore_then_commit_picks_the_best_as_often_as_the_normal_approximation():
    """An equal split of m per arm between Bernoulli 0.5 and 0.55 picks the better arm with probability about
    Phi(0.05 / sqrt((0.25 + 0.2475) / m))."""
    m, runs = 400, 2_000
    result = B.simulate_batches(B.ExploreThenCommit(2 * m), B.bernoulli_sums([0.5, 0.55]), [0.5, 0.55],
                                batch_size=2 * m, n_batches=1, n_simulations=runs, seed=11)
    right = (result.chosen_arm() == 1).mean()
    approximation = stats.norm.cdf(0.05 / np.sqrt((0.25 + 0.2475) / m))
    assert abs(right - approximation) < 4 * np.sqrt(0.25 / runs) + 0.02


def _batched(seed, policy=None, min_share=0.05):
    return B.simulate_batches(policy or B.GaussianThompsonSampling(0.5), B.bernoulli_sums([0.3, 0.5, 0.45]),
                              [0.3, 0.5, 0.45], batch_size=100, n_batches=20, n_simulations=400, seed=seed,
                              min_share=min_share, n_draws=50)


def test_batches_are_deterministic_and_logged_consistently():
    first, again, other = _batched(12), _batched(12), _batched(13)
    assert all(np.array_equal(getattr(first, name), getattr(again, name))
               for name in ("counts", "sums", "propensities"))
    assert not np.array_equal(first.counts, other.counts)
    assert (first.counts.sum(axis=2) == 100).all()
    assert first.propensities.sum(axis=2) == pytest.approx(np.ones((400, 20)))
    assert first.propensities.min() >= 0.05 - 1e-12
    assert first.regret() == pytest.approx((first.counts * np.array([0.2, 0.0, 0.05])).sum(axis=(1, 2)))
    assert first.expected_counts().sum(axis=1) == pytest.approx(np.full(400, 2_000.0))


def test_inverse_propensity_weights_remove_the_bias_of_plain_means():
    result = _batched(14)
    truth = np.array([0.3, 0.5, 0.45])
    for estimates, unbiased in ((result.ipw_means(), True), (result.estimated_means(), False)):
        z = (estimates.mean(axis=0) - truth) / (estimates.std(axis=0) / np.sqrt(len(estimates)))
        assert (np.abs(z) < 4).all() if unbiased else (z[2] < -3)   # the runner-up, played less, is underrated


def test_equal_split_regret_is_the_mean_gap():
    result = _batched(15, policy=B.EpsilonGreedy(1.0), min_share=0.0)
    assert result.propensities == pytest.approx(np.full(result.propensities.shape, 1 / 3))
    per_run = result.regret()
    assert abs(per_run.mean() - 2_000 * 0.25 / 3) < 4 * per_run.std() / np.sqrt(len(per_run))


def test_normal_sums_have_the_right_mean_and_spread():
    sums = B.normal_sums([2.0, -1.0], [3.0, 0.5])(np.array([[100.0, 400.0]] * 20_000), np.random.default_rng(16))
    assert sums.mean(axis=0) == pytest.approx([200.0, -400.0], abs=4 * 30 / np.sqrt(20_000))
    assert sums.std(axis=0) == pytest.approx([30.0, 10.0], rel=0.03)


@pytest.mark.parametrize(("make", "words"), [
    (lambda: B.GaussianThompsonSampling(0), "^sigma must be a positive number"),
    (lambda: B.ThompsonSampling(scale=-1.0), "^scale must be a positive number"),
    (lambda: B.TopTwoThompsonSampling(1.5), "^beta must be a number in"),
    (lambda: B.TopTwoThompsonSampling(0.5, sigma=-2.0), "^sigma must be a positive number"),
    (lambda: B.TopTwoThompsonSampling(0.5, max_redraws=0), "^max_redraws must be a positive whole number"),
    (lambda: B.ExploreThenCommit(-1), "^explore_steps must be a whole number"),
    (lambda: B.ExploreThenCommit(2.5), "^explore_steps must be a whole number"),
    (lambda: B.ExploreFirstThenGreedy(-3), "^explore_steps must be a whole number"),
    (lambda: B.TopTwoThompsonSampling(0.5, n_draws=0), "^n_draws must be a positive whole number"),
    (lambda: B.srm_p_values(np.ones((2, 3)), np.ones((3, 2)) / 2), "^counts and propensities must have the same shape"),
    (lambda: B.srm_p_values(np.ones((2, 2)), np.full((2, 2), 1.5)), "^counts must be >= 0 and propensities"),
    (lambda: B.bernoulli_sums([0.2, 1.2]), "^arm_means must be probabilities"),
    (lambda: B.normal_sums([0.2, 1.2], [1.0]), "^arm_means and arm_sds must be two lists"),
    (lambda: B.simulate_batches(B.UCB1(), B.bernoulli_sums([0.1, 0.2]), [0.1, 0.2], batch_size=0, n_batches=2,
                                n_simulations=2, seed=0), "^batch_size must be a positive whole number"),
    (lambda: B.simulate_batches(B.UCB1(), B.bernoulli_sums([0.1, 0.2]), [0.1, 0.2], batch_size=5, n_batches=2,
                                n_simulations=2, seed=0, min_share=0.6), "^min_share must be a number in"),
    (lambda: B.simulate_batches(B.UCB1(), B.bernoulli_sums([0.1]), [0.1], batch_size=5, n_batches=2,
                                n_simulations=2, seed=0), "^arm_means must list at least two arms"),
    (lambda: B.assignment_probabilities(B.UCB1(), np.ones((1, 2)), np.ones((1, 2)), 1, None, n_draws=0),
     "^n_draws must be a positive whole number"),
    (lambda: widgets.bandit_probability_best("UCB1", 0.1, 0.3, 0.5), r"^need 0 <= other_mean < best_mean <= 1"),
    (lambda: widgets.bandit_parameter_name("greedy"), "^algorithm must be one of"),
])
def test_new_bad_arguments_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_batched_engine_refuses_a_policy_without_select():
    with pytest.raises(TypeError, match="^policy must have a select"):
        B.simulate_batches("thompson", B.bernoulli_sums([0.1, 0.2]), [0.1, 0.2], batch_size=5, n_batches=2,
                           n_simulations=2, seed=0)


def test_playground_names_its_parameter_and_rounds_its_title():
    assert widgets.bandit_parameter_name("softmax") == "temperature"
    assert widgets.bandit_parameter_name("UCB1") is None
    assert widgets.bandit_title("UCB1", 0.3, 0.9000000000000001, 0.1) == "UCB1: best arm 0.90, four others 0.10"
    explorer = widgets.bandit_playground()
    algorithm, parameter, best, other = explorer.children[:4]
    algorithm.value = "Thompson sampling"
    assert parameter.disabled
    algorithm.value = "softmax"
    assert not parameter.disabled and parameter.description == "temperature"
    best.value = 0.4
    assert other.max < best.value


def test_playground_title_says_how_many_simulations_and_labels_fit():
    title = widgets.bandit_title("softmax", 0.25, 0.9, 0.1, n_simulations=1_000)
    assert title == "softmax (temperature 0.25): best arm 0.90, four others 0.10\naverage of 1,000 simulations"
    for wrong in (0, 2.5, True):
        with pytest.raises(ValueError, match="^n_simulations must be a positive integer"):
            widgets.bandit_title("UCB1", 0.1, 0.9, 0.1, n_simulations=wrong)
    widths = {child.style.description_width for child in widgets.bandit_playground().children[:4]}
    assert widths == {"8em"}  # the default, 80 px, cuts "temperature"


def test_plateau_exercises_use_values_the_chapter_does_not_print():
    assert ch04.q1.solve() == pytest.approx(0.7 + 0.3 / 4)
    weights = np.exp(np.array([0.1, 0.1, 0.1, 0.1, 0.9]) / 0.25)
    assert ch04.q2.solve() == pytest.approx(weights[-1] / weights.sum())
    for exercise in (ch04.q1, ch04.q2):
        percent = exercise.evaluate(100 * exercise.solve())
        assert not percent.correct and "not a percent" in percent.message
        assert "not a percent" not in exercise.evaluate(0.5).message


@pytest.mark.parametrize(("exercise", "tolerance"), [(ch04.q1, 1e-3), (ch04.q2, 5e-4), (ch04.q4, 5e-3)])
def test_numeric_exercises_reject_answers_just_outside_their_tolerance(exercise, tolerance):
    right = exercise.solve()
    assert exercise.evaluate(right + 0.8 * tolerance).correct
    assert not exercise.evaluate(right + 1.5 * tolerance).correct
    assert not exercise.evaluate(right - 1.5 * tolerance).correct


# --- the sample-ratio check of a bandit's log ------------------------------------------------------------------

def test_srm_statistic_is_the_sum_of_per_batch_pearson_statistics():
    counts = np.array([[30.0, 50, 20], [10, 70, 20], [25, 25, 50]])
    propensities = np.array([[0.3, 0.5, 0.2], [0.2, 0.6, 0.2], [0.2, 0.3, 0.5]])
    statistic = sum(stats.chisquare(c, c.sum() * p).statistic for c, p in zip(counts, propensities, strict=True))
    assert B.srm_p_values(counts, propensities) == pytest.approx(stats.chi2.sf(statistic, 3 * 2))


def test_srm_handles_arms_with_probability_zero():
    propensities = np.array([[0.5, 0.5, 0.0], [0.4, 0.3, 0.3]])
    counts = np.array([[45.0, 55, 0], [40, 35, 25]])
    statistic = stats.chisquare([45, 55], [50, 50]).statistic + stats.chisquare([40, 35, 25], [40, 30, 30]).statistic
    assert B.srm_p_values(counts, propensities) == pytest.approx(stats.chi2.sf(statistic, 1 + 2))
    assert B.srm_p_values(np.array([[45.0, 54, 1], [40, 35, 25]]), propensities) == 0.0


def test_srm_p_values_are_uniform_on_correct_logs_and_small_when_visitors_are_lost():
    """Calibration by simulation: on correct logs of an adaptive bandit the p-values are uniform."""
    result = B.simulate_batches(B.GaussianThompsonSampling(0.5), B.bernoulli_sums([0.3, 0.5, 0.45]),
                                [0.3, 0.5, 0.45], batch_size=200, n_batches=10, n_simulations=3_000, seed=30,
                                min_share=0.05, n_draws=50)
    p_values = B.srm_p_values(result.counts, result.propensities)
    assert stats.kstest(p_values, "uniform").pvalue > 0.001
    for level in (0.01, 0.05, 0.5):
        assert abs((p_values < level).mean() - level) < 4 * np.sqrt(level * (1 - level) / len(p_values))
    rng = np.random.default_rng(31)
    detected = {}
    for share in (0.02, 0.2):
        lost = np.zeros_like(result.counts)
        lost[:, :, 1] = rng.binomial(result.counts[:, :, 1].astype(int), share)
        detected[share] = (B.srm_p_values(result.counts - lost, result.propensities) < 0.01).mean()
    assert 0.01 < detected[0.02] < detected[0.2] and detected[0.2] > 0.3     # more often than the level 0.01


# --- policy internals on hand-built inputs, result methods by hand, seeds, error paths -------------------------

import math  # noqa: E402

from scipy import integrate, special  # noqa: E402


def _shares_of(chosen, arms):
    return np.bincount(chosen, minlength=arms) / len(chosen)


def _close(shares, expected, n):
    """Within 4 binomial Monte Carlo standard errors of the expected shares (n draws)."""
    expected = np.asarray(expected, dtype=float)
    return np.all(np.abs(shares - expected) <= 4 * np.sqrt(expected * (1 - expected) / n) + 1e-12)


def test_epsilon_greedy_explores_uniformly_over_all_arms_including_the_best():
    counts, sums = np.full((20_000, 4), 10.0), np.tile([1.0, 2.0, 9.0, 3.0], (20_000, 1))
    for epsilon, expected in ((1.0, [0.25] * 4), (0.4, [0.1, 0.1, 0.7, 0.1]), (0.0, [0, 0, 1, 0])):
        chosen = B.EpsilonGreedy(epsilon).select(counts, sums, 5, np.random.default_rng(1))
        assert _close(_shares_of(chosen, 4), expected, 20_000), epsilon


def test_unplayed_arms_count_as_mean_zero_for_greedy_policies():
    """An arm not played yet has no mean; the greedy part reads it as 0, below a positive mean, above a negative one."""
    rng = np.random.default_rng(2)
    counts = np.array([[0.0, 4.0]] * 100)
    assert (B.EpsilonGreedy(0.0).select(counts, np.array([[0.0, 1.0]] * 100), 5, rng) == 1).all()
    assert (B.EpsilonGreedy(0.0).select(counts, np.array([[0.0, -1.0]] * 100), 5, rng) == 0).all()
    probabilities = B.ExploreFirstThenGreedy(0).assignment_probabilities(counts[:1], np.array([[0.0, -1.0]]), 5, None)
    assert probabilities.tolist() == [[1.0, 0.0]]


def test_annealing_epsilon_explores_fully_at_first_and_then_one_over_log_t():
    counts, sums = np.ones((20_000, 5)), np.tile([0.0, 0, 0, 0, 1], (20_000, 1))
    for step, epsilon in ((1, 1.0), (2, 1.0), (3, 1 / np.log(3))):   # 1 / ln 2 > 1 is capped at 1
        chosen = B.AnnealingEpsilonGreedy().select(counts, sums, step, np.random.default_rng(step))
        expected = np.r_[[epsilon / 5] * 4, 1 - 4 * epsilon / 5]
        assert _close(_shares_of(chosen, 5), expected, 20_000), step


def test_softmax_matches_scipy_at_several_temperatures():
    means = np.array([[0.1, 0.5, 0.2], [2.0, -1.0, 0.0]])
    for temperature in (0.1, 0.5, 3.0):
        expected = special.softmax(means / temperature, axis=1)
        assert B.Softmax(temperature).probabilities(means) == pytest.approx(expected, rel=1e-12)
    counts = np.full((30_000, 3), 5.0)
    sums = np.tile([0.5, 2.5, 1.0], (30_000, 1))           # means 0.1, 0.5, 0.2
    chosen = B.Softmax(0.2).select(counts, sums, 1, np.random.default_rng(3))
    assert _close(_shares_of(chosen, 3), special.softmax(np.array([0.1, 0.5, 0.2]) / 0.2), 30_000)


def test_ucb1_plays_the_highest_index_computed_by_hand():
    """Auer et al.'s (2002) index, mean + sqrt(2 ln t / n) with t the plays so far, on random played rows."""
    rng = np.random.default_rng(4)
    counts = rng.integers(1, 60, (3_000, 3)).astype(float)
    sums = rng.random((3_000, 3)) * counts
    index = sums / counts + np.sqrt(2 * np.log(counts.sum(axis=1, keepdims=True)) / counts)
    assert np.array_equal(B.UCB1().select(counts, sums, 99, rng), index.argmax(axis=1))
    # an arm not played yet comes first; without any play, every arm is equally likely
    assert (B.UCB1().select(np.array([[3.0, 0.0, 5.0]] * 50), np.array([[3.0, 0, 5]] * 50), 9, rng) == 1).all()
    chosen = B.UCB1().select(np.zeros((20_000, 4)), np.zeros((20_000, 4)), 1, rng)
    assert _close(_shares_of(chosen, 4), [0.25] * 4, 20_000)


def _beta_win_probability(a1, b1, a0, b0):
    """P(X1 > X0) for independent Beta(a1, b1) and Beta(a0, b0), by numerical integration."""
    return integrate.quad(lambda x: stats.beta.pdf(x, a1, b1) * stats.beta.cdf(x, a0, b0), 0, 1)[0]


def test_thompson_samples_the_beta_posteriors_and_scales_rewards():
    """Known rewards 3 of 10 and 6 of 10: the posteriors are Beta(4, 8) and Beta(7, 5). Revenue sums divided by
    the scale give the same posteriors; a scaled sum beyond the plays is clipped to the plays."""
    counts = np.tile([10.0, 10.0], (30_000, 1))
    right = _beta_win_probability(7, 5, 4, 8)
    for policy, sums in ((B.ThompsonSampling(), [3.0, 6.0]), (B.ThompsonSampling(scale=250.0), [750.0, 1_500.0])):
        chosen = policy.select(counts, np.tile(sums, (30_000, 1)), 1, np.random.default_rng(5))
        assert _close(_shares_of(chosen, 2), [1 - right, right], 30_000)
    draws = B.ThompsonSampling(scale=10.0)._draw(np.array([[4.0, 4.0]] * 20_000), np.array([[100.0, -5.0]] * 20_000),
                                                np.random.default_rng(6))
    for arm, (a, b) in enumerate(((5, 1), (1, 5))):               # clipped to 4 of 4, and to 0 of 4
        assert stats.kstest(draws[:, arm], stats.beta(a, b).cdf).pvalue > 0.001


def test_gaussian_thompson_draws_have_the_posterior_spread():
    draws = B.GaussianThompsonSampling(3.0)._draw(np.array([[9.0, 36.0]] * 20_000), np.array([[18.0, -36.0]] * 20_000),
                                                 np.random.default_rng(7))
    for arm, (mean, sd) in enumerate(((2.0, 1.0), (-1.0, 0.5))):   # sigma / sqrt(plays)
        assert stats.kstest(draws[:, arm], stats.norm(mean, sd).cdf).pvalue > 0.001


def test_result_methods_by_hand():
    arms = np.array([[0, 1, 1], [2, 1, 0]])
    rewards = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    result = B.BanditResult(arms, rewards, np.array([0.2, 0.7, 0.4]))
    assert result.best_arm == 1
    assert result.prob_best().tolist() == [0.0, 1.0, 0.5]
    assert result.average_reward().tolist() == [0.5, 0.5, 0.5]
    assert result.cumulative_reward().tolist() == [0.5, 1.0, 1.5]
    # gaps: first run 0.5, 0, 0; second run 0.3, 0, 0.5
    assert result.cumulative_regret() == pytest.approx([0.4, 0.4, 0.65])


class _Recorder:
    """A policy that plays arm (step - 1) mod arms and records what the engine shows it."""

    def __init__(self):
        self.seen = []

    def select(self, counts, sums, step, rng):
        self.seen.append((counts.copy(), sums.copy(), step))
        return np.full(len(counts), (step - 1) % counts.shape[1])


def test_engine_counts_plays_and_sums_rewards_and_numbers_steps_from_one():
    recorder = _Recorder()
    rewards = {0: 1.0, 1: 10.0, 2: 100.0}
    result = B.simulate_rewards(recorder, lambda arms, rng: np.vectorize(rewards.get)(arms).astype(float),
                                [0.1, 0.2, 0.3], 5, 2, seed=0)
    assert [step for _, _, step in recorder.seen] == [1, 2, 3, 4, 5]
    counts, sums, _ = recorder.seen[4]
    assert counts.tolist() == [[2, 1, 1]] * 2 and sums.tolist() == [[2, 10, 100]] * 2
    assert result.arms.tolist() == [[0, 1, 2, 0, 1]] * 2
    assert result.rewards.tolist() == [[1, 10, 100, 1, 10]] * 2


def test_bernoulli_engine_rewards_have_the_arms_means_and_depend_on_the_seed_only():
    class Fixed:
        def select(self, counts, sums, step, rng):
            return np.arange(len(counts)) % 2

    result = B.simulate(Fixed(), [0.2, 0.7], 200, 100, seed=8)
    assert set(np.unique(result.rewards)) == {0.0, 1.0}
    for arm, mean in ((0, 0.2), (1, 0.7)):
        rewards = result.rewards[arm::2]
        assert abs(rewards.mean() - mean) < 4 * math.sqrt(mean * (1 - mean) / rewards.size)
    for policy in (B.EpsilonGreedy(0.2), B.Softmax(0.1), B.UCB1(), B.ThompsonSampling(), B.TopTwoThompsonSampling()):
        first, again = B.simulate(policy, ARMS, 30, 20, seed=9), B.simulate(policy, ARMS, 30, 20, seed=9)
        other = B.simulate(policy, ARMS, 30, 20, seed=10)
        assert np.array_equal(first.arms, again.arms) and np.array_equal(first.rewards, again.rewards)
        assert not np.array_equal(first.rewards, other.rewards), str(policy)


def test_lai_robbins_constant_with_unequal_gaps_uses_the_bernoulli_kl():
    means = [0.2, 0.5, 0.6]
    kl = [special.rel_entr(m, 0.6) + special.rel_entr(1 - m, 0.4) for m in (0.2, 0.5)]
    assert B.lai_robbins_constant(means) == pytest.approx(0.4 / kl[0] + 0.1 / kl[1], rel=1e-12)


def test_ucb1_regret_bound_is_auer_et_al_theorem_1():
    # Auer, Cesa-Bianchi and Fischer (2002), theorem 1: 8 sum (ln n / gap) + (1 + pi^2 / 3) sum gap
    t = np.array([10.0, 1_000.0])
    expected = 8 * np.log(t) * (1 / 0.4 + 1 / 0.1) + (1 + np.pi**2 / 3) * 0.5
    assert B.ucb1_regret_bound([0.2, 0.5, 0.6], t) == pytest.approx(expected, rel=1e-12)


def test_explore_first_then_greedy_probabilities_and_draws():
    counts, sums = np.array([[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]), np.array([[1.0, 3.0, 2.0], [3.0, 3.0, 1.0]])
    policy = B.ExploreFirstThenGreedy(12)
    assert policy.assignment_probabilities(counts, sums, 12, None) == pytest.approx(np.full((2, 3), 1 / 3))
    assert policy.assignment_probabilities(counts, sums, 13, None) == pytest.approx(
        np.array([[0, 1, 0], [0.5, 0.5, 0]]))
    rows = np.repeat(counts[:1], 30_000, axis=0), np.repeat(sums[:1], 30_000, axis=0)
    assert _close(_shares_of(policy.select(*rows, 12, np.random.default_rng(11)), 3), [1 / 3] * 3, 30_000)
    assert (policy.select(*rows, 13, np.random.default_rng(11)) == 1).all()


def test_explore_then_commit_probabilities_commit_to_the_best_mean_then_to_the_most_played():
    policy = B.ExploreThenCommit(6)
    counts, sums = np.array([[2.0, 2.0, 2.0]]), np.array([[0.0, 2.0, 1.0]])
    assert policy.assignment_probabilities(counts, sums, 6, None) == pytest.approx(np.full((1, 3), 1 / 3))
    rng = np.random.default_rng(12)
    assert policy.assignment_probabilities(counts, sums, 7, rng).tolist() == [[0.0, 1.0, 0.0]]
    # later, the commitment is the arm with the most plays, whatever the means
    later = np.array([[2.0, 2.0, 7.0]]), np.array([[2.0, 2.0, 0.0]])
    assert policy.assignment_probabilities(*later, 12, rng).tolist() == [[0.0, 0.0, 1.0]]
    assert policy.select(*later, 12, rng).tolist() == [2]
    # exploring plays the arm with the fewest plays
    assert policy.select(np.array([[2.0, 1.0, 2.0]]), np.zeros((1, 3)), 6, rng).tolist() == [1]
    assert str(policy) == "explore-then-commit after 6 steps"


def test_assignment_probabilities_estimates_from_select_without_an_exact_method():
    counts, sums = np.array([[10.0, 10.0]]), np.array([[3.0, 6.0]])
    right = _beta_win_probability(7, 5, 4, 8)
    estimated = B.assignment_probabilities(B.ThompsonSampling(), counts, sums, 1, np.random.default_rng(13),
                                           n_draws=30_000)
    assert _close(estimated[0], [1 - right, right], 30_000)
    exact = B.assignment_probabilities(B.EpsilonGreedy(0.5), counts, sums, 1, None, n_draws=1)
    assert exact.tolist() == [[0.25, 0.75]]
    with pytest.raises(TypeError, match="^policy must have a select"):
        B.assignment_probabilities(object(), counts, sums, 1, None)
    with pytest.raises(ValueError, match="^n_draws must be a positive whole number"):
        B.assignment_probabilities(B.UCB1(), counts, sums, 1, None, n_draws=True)


def test_bernoulli_sums_are_binomial_per_arm():
    sample = B.bernoulli_sums([0.1, 0.8])
    sums = sample(np.tile([50.0, 20.0], (20_000, 1)), np.random.default_rng(14))
    for arm, (n, p) in enumerate(((50, 0.1), (20, 0.8))):
        assert abs(sums[:, arm].mean() - n * p) < 4 * math.sqrt(n * p * (1 - p) / 20_000)
        assert sums[:, arm].var() == pytest.approx(n * p * (1 - p), rel=0.05)
    assert np.array_equal(sample(np.array([[3.0, 5.0]]), np.random.default_rng(1)),
                          sample(np.array([[3.0, 5.0]]), np.random.default_rng(1)))


def test_batch_result_methods_by_hand():
    counts = np.array([[[6.0, 4.0], [0.0, 10.0]], [[5.0, 0.0], [5.0, 0.0]]])       # (simulations, batches, arms)
    sums = np.array([[[3.0, 2.0], [0.0, 6.0]], [[1.0, 0.0], [2.0, 0.0]]])
    propensities = np.array([[[0.5, 0.5], [0.2, 0.8]], [[0.5, 0.5], [0.25, 0.75]]])
    result = B.BatchResult(counts, sums, propensities, np.array([0.3, 0.5]))
    assert result.best_arm == 1
    assert result.regret().tolist() == pytest.approx([6 * 0.2, 10 * 0.2])
    assert result.share_best() == pytest.approx([(0.4 + 0.0) / 2, (1.0 + 0.0) / 2])
    means = result.estimated_means()
    assert means[0] == pytest.approx([0.5, 8 / 14]) and means[1, 0] == pytest.approx(0.3) and np.isnan(means[1, 1])
    assert result.chosen_arm().tolist() == [1, 0]
    assert result.most_played_arm().tolist() == [1, 0]
    # IPW: sum over batches of sums / propensity, over all the simulation's visitors (20 and 10)
    assert result.ipw_means() == pytest.approx(np.array(
        [[(3 / 0.5) / 20, (2 / 0.5 + 6 / 0.8) / 20], [(1 / 0.5 + 2 / 0.25) / 10, 0]]))
    assert result.expected_counts() == pytest.approx(np.array(
        [[10 * 0.5 + 10 * 0.2, 10 * 0.5 + 10 * 0.8], [5 * 0.5 + 5 * 0.25, 5 * 0.5 + 5 * 0.75]]))


def test_batches_mix_in_the_minimum_share_and_pass_the_first_step_of_each_batch():
    steps = []

    class Committed:
        def select(self, counts, sums, step, rng):
            raise AssertionError("the exact probabilities are used")

        def assignment_probabilities(self, counts, sums, step, rng):
            steps.append(step)
            return np.eye(counts.shape[1])[np.zeros(len(counts), dtype=int)]

    result = B.simulate_batches(Committed(), B.bernoulli_sums([0.2, 0.3, 0.4]), [0.2, 0.3, 0.4], batch_size=50,
                                n_batches=3, n_simulations=4_000, seed=15, min_share=0.1)
    assert steps == [1, 51, 101]
    assert result.propensities == pytest.approx(np.tile([0.8, 0.1, 0.1], (4_000, 3, 1)))
    share = result.counts.sum(axis=(0, 1)) / result.counts.sum()
    assert _close(share, [0.8, 0.1, 0.1], 4_000 * 150)
    exact = B.simulate_batches(Committed(), B.bernoulli_sums([0.2, 0.3]), [0.2, 0.3], batch_size=10, n_batches=1,
                               n_simulations=2, seed=0, min_share=0.5)
    assert exact.propensities.tolist() == [[[0.5, 0.5]]] * 2        # min_share = 1 / arms is allowed: equal split


def test_batches_depend_on_the_seed_only_and_sum_the_sampled_rewards():
    def run(seed):
        return B.simulate_batches(B.ThompsonSampling(), B.bernoulli_sums([0.2, 0.6]), [0.2, 0.6], batch_size=20,
                                  n_batches=4, n_simulations=30, seed=seed, n_draws=20)

    first, again, other = run(16), run(16), run(17)
    assert np.array_equal(first.sums, again.sums) and np.array_equal(first.propensities, again.propensities)
    assert not np.array_equal(first.sums, other.sums)
    assert (first.sums <= first.counts).all() and (first.counts.sum(axis=2) == 20).all()


@pytest.mark.parametrize(("make", "words"), [
    (lambda: B.EpsilonGreedy(True), "^epsilon must be a number in"),
    (lambda: B.EpsilonGreedy("0.1"), "^epsilon must be a number in"),
    (lambda: B.Softmax(True), "^temperature must be a positive number"),
    (lambda: B.ThompsonSampling(scale=0), "^scale must be a positive number"),
    (lambda: B.GaussianThompsonSampling(True), "^sigma must be a positive number"),
    (lambda: B.TopTwoThompsonSampling(0.5, n_draws=2.0), "^n_draws must be a positive whole number"),
    (lambda: B.TopTwoThompsonSampling(0.5, max_redraws=True), "^max_redraws must be a positive whole number"),
    (lambda: B.ExploreFirstThenGreedy(True), "^explore_steps must be a whole number"),
    (lambda: B.ExploreThenCommit(False), "^explore_steps must be a whole number"),
    (lambda: B.simulate_rewards(B.UCB1(), None, [[0.1, 0.2]], 5, 5, 0), "^arm_means must list at least two arms"),
    (lambda: B.simulate_rewards(B.UCB1(), None, [0.1, 0.2], True, 5, 0), "^horizon must be a positive whole"),
    (lambda: B.simulate(B.UCB1(), [-0.1, 0.5], 5, 5, 0), "^arm_means must be at least two probabilities"),
    (lambda: B.bernoulli_sums([-0.1, 0.5]), "^arm_means must be probabilities"),
    (lambda: B.bernoulli_sums([[0.1, 0.5]]), "^arm_means must be probabilities"),
    (lambda: B.normal_sums([1.0, 2.0], [1.0, -1.0]), "^arm_means and arm_sds must be two lists"),
    (lambda: B.normal_sums([[1.0, 2.0]], [[1.0, 1.0]]), "^arm_means and arm_sds must be two lists"),
    (lambda: B.simulate_batches(B.UCB1(), None, [0.1, 0.2], batch_size=5, n_batches=0, n_simulations=2, seed=0),
     "^n_batches must be a positive whole number"),
    (lambda: B.simulate_batches(B.UCB1(), None, [0.1, 0.2], batch_size=5, n_batches=2, n_simulations=0, seed=0),
     "^n_simulations must be a positive whole number"),
    (lambda: B.simulate_batches(B.UCB1(), None, [0.1, 0.2], batch_size=5, n_batches=2, n_simulations=2, seed=0,
                                min_share=-0.1), r"^min_share must be a number in \[0, 1 / arms\] = \[0, 0.5\]"),
    (lambda: B.simulate_batches(B.UCB1(), None, [0.1, 0.2], batch_size=5, n_batches=2, n_simulations=2, seed=0,
                                min_share=True), "^min_share must be a number in"),
    (lambda: B.simulate_batches(B.UCB1(), None, [[0.1, 0.2]], batch_size=5, n_batches=2, n_simulations=2, seed=0),
     "^arm_means must list at least two arms"),
    (lambda: B.srm_p_values(-np.ones((2, 2)), np.full((2, 2), 0.5)), "^counts must be >= 0"),
    (lambda: B.srm_p_values(np.ones((2, 2)), np.full((2, 2), -0.5)), "^counts must be >= 0 and propensities"),
    (lambda: B.srm_p_values(np.ones(2), np.full(2, 0.5)), "^counts and propensities must have the same shape"),
])
def test_bad_arguments_are_refused_with_their_name(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_labels_name_the_policy_and_its_parameter():
    assert str(B.EpsilonGreedy(0.25)) == "epsilon-greedy, epsilon = 0.25"
    assert str(B.Softmax(0.5)) == "softmax, temperature = 0.5"
    assert str(B.GaussianThompsonSampling(12.5)) == "Gaussian Thompson sampling, sigma = 12.5"
    assert str(B.TopTwoThompsonSampling(0.7)) == "top-two Thompson sampling, beta = 0.7"
    assert str(B.ExploreFirstThenGreedy(1_500)) == "explore for 1,500 steps, then greedy"
    assert str(B.AnnealingEpsilonGreedy()) == "annealing epsilon-greedy"
    assert str(B.UCB1()) == "UCB1" and str(B.ThompsonSampling()) == "Thompson sampling"


def test_srm_per_simulation_skips_empty_batches_and_arms_without_probability():
    counts = np.array([[[30.0, 70.0], [0.0, 0.0]], [[50.0, 50.0], [0.0, 40.0]]])
    propensities = np.array([[[0.4, 0.6], [0.5, 0.5]], [[0.5, 0.5], [0.0, 1.0]]])
    p = B.srm_p_values(counts, propensities)
    assert p.shape == (2,)
    assert p[0] == pytest.approx(stats.chisquare([30, 70], [40, 60]).pvalue)   # the empty batch counts for nothing
    assert p[1] == 1.0                                                          # no degrees of freedom: no evidence
    assert B.srm_p_values(np.array([[0.0, 0.0]]), np.array([[0.5, 0.5]])) == 1.0


# --- more internals: integer inputs, boundaries, warnings, several rows ----------------------------------------

import warnings  # noqa: E402


def test_srm_detects_a_visitor_on_an_impossible_arm_in_a_committed_log():
    """A log whose every batch puts all visitors on one arm (a committed explore-then-commit) has no degrees of
    freedom; a visitor logged on an arm of probability 0 must still give p = 0, as the docstring says (this
    returned 1.0 before the fix)."""
    propensities = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert B.srm_p_values(np.array([[5.0, 1.0], [6.0, 0.0]]), propensities) == 0.0
    assert B.srm_p_values(np.array([[5.0, 0.0], [6.0, 0.0]]), propensities) == 1.0
    both = B.srm_p_values(np.array([[[5.0, 1.0]], [[5.0, 0.0]]]), np.array([[[1.0, 0.0]], [[1.0, 0.0]]]))
    assert both.tolist() == [0.0, 1.0]


def test_srm_counts_a_batch_of_one_visitor_and_raises_no_warning():
    counts, propensities = np.array([[1.0, 0.0, 0.0], [30.0, 20.0, 0.0]]), np.array([[0.5, 0.5, 0.0]] * 2)
    statistic = stats.chisquare([1, 0], [0.5, 0.5]).statistic + stats.chisquare([30, 20], [25, 25]).statistic
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert B.srm_p_values(counts, propensities) == pytest.approx(stats.chi2.sf(statistic, 2))
        assert B.srm_p_values(np.array([[45.0, 54, 1]]), np.array([[0.5, 0.5, 0.0]])) == 0.0


def test_greedy_means_accept_integer_counts_and_sums():
    counts, sums = np.array([[2, 4, 0]]), np.array([[1, 3, 0]])
    assert B.ExploreFirstThenGreedy(0).assignment_probabilities(counts, sums, 1, None).tolist() == [[0, 1, 0]]
    assert B.EpsilonGreedy(0.0).select(counts, sums, 1, np.random.default_rng(0)).tolist() == [1]


def test_softmax_of_rows_on_different_scales_and_of_one_row():
    """Each row is shifted by its own maximum: a row of large means does not wipe out a row of small ones."""
    expected = special.softmax([0.0, 1.0])
    assert B.Softmax(1.0).probabilities(np.array([[0.0, 1.0], [1_000.0, 1_001.0]])) == pytest.approx(
        np.array([expected, expected]))
    assert B.Softmax(0.5).probabilities(np.array([0.1, 0.9])) == pytest.approx(special.softmax([0.2, 1.8]))


def test_ucb1_raises_no_warning_for_unplayed_arms():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rng = np.random.default_rng(1)
        assert B.UCB1().select(np.array([[3.0, 0.0]]), np.array([[1.0, 0.0]]), 4, rng).tolist() == [1]
        assert B.UCB1().select(np.zeros((5, 2)), np.zeros((5, 2)), 1, rng).shape == (5,)


def test_thompson_with_scale_two_divides_the_sums():
    counts = np.tile([10.0, 10.0], (30_000, 1))
    right = _beta_win_probability(7, 5, 4, 8)                   # 6 of 10 against 3 of 10
    chosen = B.ThompsonSampling(scale=2.0).select(counts, np.tile([6.0, 12.0], (30_000, 1)), 1,
                                                  np.random.default_rng(2))
    assert _close(_shares_of(chosen, 2), [1 - right, right], 30_000)


def test_gaussian_thompson_after_one_play_draws_with_the_full_sigma():
    draws = B.GaussianThompsonSampling(2.0)._draw(np.array([[1.0, 4.0]] * 20_000), np.array([[3.0, 4.0]] * 20_000),
                                                 np.random.default_rng(3))
    for arm, (mean, sd) in enumerate(((3.0, 2.0), (1.0, 1.0))):
        assert stats.kstest(draws[:, arm], stats.norm(mean, sd).cdf).pvalue > 0.001


def test_engine_accepts_one_step_one_simulation_and_certain_arms():
    result = B.simulate(B.UCB1(), [0.0, 1.0], 1, 1, seed=0)
    assert result.arms.shape == (1, 1)
    both = B.simulate(B.UCB1(), [0.0, 1.0], 2, 50, seed=0)
    assert (both.rewards == both.arms).all()                     # arm 0 never pays, arm 1 always does
    with pytest.raises(ValueError, match="^arm_means must list at least two arms"):
        B.simulate_rewards(B.UCB1(), None, [[0.1, 0.2], [0.3, 0.4]], 5, 5, 0)
    with pytest.raises(TypeError, match="^policy must have a select.* method, got str$"):
        B.simulate_rewards("ucb", None, [0.1, 0.2], 5, 5, 0)
    with pytest.raises(TypeError, match="^policy must have a select.* method, got object$"):
        B.assignment_probabilities(object(), np.ones((1, 2)), np.ones((1, 2)), 1, None)


def test_smallest_valid_settings_are_accepted():
    B.TopTwoThompsonSampling(0.5, max_redraws=1, n_draws=1)
    policy = B.ExploreThenCommit(0)                              # commit at once, to the best mean
    assert policy.select(np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]]), 1, np.random.default_rng(0)).tolist() == [1]
    sums = B.bernoulli_sums([0.0, 1.0])(np.array([[7.0, 9.0]]), np.random.default_rng(0))
    assert sums.tolist() == [[0.0, 9.0]]
    exact = B.normal_sums([1.5, 2.0], [0.0, 1.0])(np.array([[4.0, 4.0]]), np.random.default_rng(0))
    assert exact[0, 0] == 6.0


def test_top_two_probabilities_of_several_rows_are_those_of_each_row_alone():
    counts = np.array([[100.0, 100.0, 100.0], [50.0, 200.0, 10.0]])
    sums = counts * np.array([[0.5, 0.3, 0.25], [0.4, 0.45, 0.2]])
    policy = B.TopTwoThompsonSampling(0.6, sigma=1.0, max_redraws=2, n_draws=100_000)
    together = policy.assignment_probabilities(counts, sums, 1, np.random.default_rng(4))
    for row in range(2):
        alone = policy.assignment_probabilities(counts[row:row + 1], sums[row:row + 1], 1, np.random.default_rng(5))
        assert np.abs(together[row] - alone[0]).max() < 2 * 4 * np.sqrt(0.25 / 100_000)


def test_top_two_probabilities_with_few_redraws_and_a_likely_leader_agree_with_select():
    """Two redraws: the fallback is common when the leader wins most draws; the exact formula must weigh it."""
    counts, sums = np.array([[100.0, 100.0, 100.0]]), np.array([[50.0, 30.0, 25.0]])
    policy = B.TopTwoThompsonSampling(0.5, sigma=1.0, max_redraws=2, n_draws=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = policy.assignment_probabilities(counts, sums, 1, np.random.default_rng(6))
        certain = policy.assignment_probabilities(np.full((1, 3), 1e6), np.array([[1e6, 0.0, 0.0]]), 1,
                                                  np.random.default_rng(6))
    simulated = B._estimated_probabilities(policy, counts, sums, 1, np.random.default_rng(7), 40_000)
    assert np.abs(exact - simulated).max() < 4 * np.sqrt(0.25 / 40_000) + 4 * np.sqrt(0.25 / 100_000)
    assert certain[0, 0] == pytest.approx(0.5)


def test_top_two_with_two_unplayed_arms_and_beta_not_one_half():
    """Both unplayed arms tie at infinity: each leads half the time, whatever beta."""
    counts, sums = np.array([[40.0, 0.0, 40.0, 0.0]]), np.array([[20.0, 0.0, 24.0, 0.0]])
    policy = B.TopTwoThompsonSampling(0.8, sigma=1.0, max_redraws=20, n_draws=40_000)
    exact = policy.assignment_probabilities(counts, sums, 1, np.random.default_rng(8))
    simulated = B._estimated_probabilities(policy, counts, sums, 1, np.random.default_rng(9), 40_000)
    assert np.abs(exact - simulated).max() < 8 * np.sqrt(0.25 / 40_000)
    assert exact[0, [1, 3]] == pytest.approx([0.5, 0.5], abs=0.02)


def test_estimated_probabilities_pass_the_step_and_use_200_draws_by_default():
    counts, sums = np.ones((1, 5)), np.array([[0.0, 0, 0, 0, 1]])
    shares = B.assignment_probabilities(B.AnnealingEpsilonGreedy(), counts, sums, 3, np.random.default_rng(10))
    assert np.allclose(shares * 200, np.round(shares * 200))   # a share of 200 calls
    epsilon = 1 / np.log(3)
    assert abs(shares[0, 4] - (1 - 4 * epsilon / 5)) < 4 * np.sqrt(0.25 / 200)
    result = B.simulate_batches(B.ThompsonSampling(), B.bernoulli_sums([0.3, 0.5]), [0.3, 0.5], batch_size=10,
                                n_batches=3, n_simulations=20, seed=11)
    assert np.allclose(result.propensities * 200, np.round(result.propensities * 200))
    seven = B.simulate_batches(B.ThompsonSampling(), B.bernoulli_sums([0.3, 0.5]), [0.3, 0.5], batch_size=10,
                               n_batches=3, n_simulations=20, seed=11, n_draws=7)
    assert np.allclose(seven.propensities * 7, np.round(seven.propensities * 7))


def test_batch_means_of_arms_played_once_or_never():
    counts = np.array([[[1.0, 0.0], [0.0, 3.0]]])
    sums = np.array([[[1.0, 0.0], [0.0, 2.0]]])
    propensities = np.array([[[0.5, 0.5], [0.0, 1.0]]])
    result = B.BatchResult(counts, sums, propensities, np.array([0.3, 0.5]))
    assert result.estimated_means().tolist() == [[1.0, 2 / 3]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert result.ipw_means() == pytest.approx(np.array([[(1.0 / 0.5) / 4, 2.0 / 4]]))


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"batch_size": True}, "^batch_size must be a positive whole number"),
    ({"batch_size": 5.0}, "^batch_size must be a positive whole number"),
    ({"min_share": "0.1"}, "^min_share must be a number in"),
    ({"min_share": False}, "^min_share must be a number in"),
])
def test_batched_engine_refuses_non_numbers(kwargs, words):
    arguments = {"batch_size": 5, "n_batches": 2, "n_simulations": 2, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=words):
        B.simulate_batches(B.UCB1(), B.bernoulli_sums([0.1, 0.2]), [0.1, 0.2], **arguments)
