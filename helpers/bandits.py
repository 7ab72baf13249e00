"""Bandit policies behind one small interface, and a simulation engine vectorised over simulations.

A policy is a set of parameters with one method, ``select(counts, sums, step, rng)``: given how often each arm
was played (``counts``) and the sum of its rewards (``sums``), both of shape (simulations, arms), it returns the
arm to play next in every simulation. The engine keeps the counts and sums; policies keep no state.

Ties between equally good arms are broken uniformly at random: taking the first index instead would favour
low-numbered arms (chapter 04 shows how much).

A production bandit usually updates in batches (once an hour, once a day): within a batch it assigns visitors at
random with fixed probabilities and logs them. :func:`simulate_batches` runs any policy that way; a policy may
give its probabilities exactly with an ``assignment_probabilities(counts, sums, step, rng)`` method, otherwise
they are estimated from repeated calls of ``select`` (:func:`assignment_probabilities`). Either way, the
probabilities logged are the ones the visitors were assigned with, so estimates weighted by their inverse are
unbiased.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def _argmax_random_ties(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise argmax, choosing uniformly at random among the maxima of each row."""
    best = values == values.max(axis=1, keepdims=True)
    return np.argmax(best * rng.random(values.shape), axis=1)


def _means(counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    return np.divide(sums, counts, out=np.zeros_like(sums, dtype=float), where=counts > 0)


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_unit(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class EpsilonGreedy:
    """With probability ``epsilon`` play a random arm, otherwise the arm with the best mean reward so far."""

    epsilon: float

    def __post_init__(self) -> None:
        _check_unit("epsilon", self.epsilon)

    def select(self, counts, sums, step, rng):
        greedy = _argmax_random_ties(_means(counts, sums), rng)
        explore = rng.random(len(counts)) < self.epsilon
        return np.where(explore, rng.integers(0, counts.shape[1], len(counts)), greedy)

    def assignment_probabilities(self, counts, sums, step, rng):
        """Exact: 1 - epsilon on the best mean (shared by tied arms), plus epsilon / arms on every arm."""
        return (1 - self.epsilon) * _greedy_shares(_means(counts, sums)) + self.epsilon / counts.shape[1]

    def __str__(self) -> str:
        return f"epsilon-greedy, epsilon = {self.epsilon:g}"


@dataclass(frozen=True)
class AnnealingEpsilonGreedy:
    """Epsilon-greedy whose epsilon at step t = 1, 2, … is 1 / ln t, capped at 1 (J. M. White's annealing
    schedule; like his code, it adds 1e-7 to t so that the first step does not divide by zero).

    This schedule decays too slowly for logarithmic regret: the expected number of exploring steps up to T,
    the sum of 1 / ln t, grows like T / ln T. Auer et al.'s (2002) epsilon_t = min(1, c K / (d^2 t)) decays like
    1 / t and achieves logarithmic regret."""

    def select(self, counts, sums, step, rng):
        return EpsilonGreedy(min(1.0, 1 / math.log(step + 1e-7))).select(counts, sums, step, rng)

    def __str__(self) -> str:
        return "annealing epsilon-greedy"


@dataclass(frozen=True)
class Softmax:
    """Play each arm with probability proportional to exp(mean reward / ``temperature``)."""

    temperature: float

    def __post_init__(self) -> None:
        if isinstance(self.temperature, bool) or not isinstance(self.temperature, (int, float)) \
                or not self.temperature > 0:
            raise ValueError(f"temperature must be a positive number, got {self.temperature!r}")

    def probabilities(self, means: np.ndarray) -> np.ndarray:
        """Softmax probabilities, computed without overflow for any temperature (the maximum is subtracted)."""
        scaled = means / self.temperature
        weights = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
        return weights / weights.sum(axis=-1, keepdims=True)

    def select(self, counts, sums, step, rng):
        cumulative = np.cumsum(self.probabilities(_means(counts, sums)), axis=1)
        draws = rng.random((len(counts), 1)) * cumulative[:, -1:]
        return np.minimum((cumulative < draws).sum(axis=1), counts.shape[1] - 1)

    def __str__(self) -> str:
        return f"softmax, temperature = {self.temperature:g}"


@dataclass(frozen=True)
class UCB1:
    """Play every arm once, then the arm with the highest mean + sqrt(2 ln t / n) (Auer et al., 2002).

    Assumes rewards in [0, 1]: the exploration bonus is on that scale.
    """

    def select(self, counts, sums, step, rng):
        total = counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            bonus = np.sqrt(2 * np.log(np.maximum(total, 1)) / counts)
        index = np.where(counts > 0, _means(counts, sums) + bonus, np.inf)
        return _argmax_random_ties(index, rng)

    def __str__(self) -> str:
        return "UCB1"


@dataclass(frozen=True)
class ThompsonSampling:
    """Draw a mean for each arm from its Beta(1 + rewards, 1 + count - rewards) posterior; play the largest.

    Exact for 0/1 rewards. For rewards in [0, 1] the reward sums act as fractional successes: a heuristic, not
    Agrawal and Goyal's (2012) exact device, which turns each reward r into a 0/1 success drawn with probability r.
    Rewards on another scale are divided by ``scale`` first (e.g. revenue in euros by 250 €), and each arm's
    scaled sum is then clipped to [0, count].
    """

    scale: float = 1.0

    def __post_init__(self) -> None:
        _check_positive("scale", self.scale)

    def _draw(self, counts, sums, rng):
        successes = sums if self.scale == 1 else np.clip(sums / self.scale, 0, counts)
        return rng.beta(1 + successes, 1 + counts - successes)

    def select(self, counts, sums, step, rng):
        return _argmax_random_ties(self._draw(counts, sums, rng), rng)

    def __str__(self) -> str:
        return "Thompson sampling"


@dataclass(frozen=True)
class BanditResult:
    """Arms chosen and rewards received, shape (simulations, horizon), with the arms' true mean rewards."""

    arms: np.ndarray
    rewards: np.ndarray
    arm_means: np.ndarray

    @property
    def best_arm(self) -> int:
        return int(np.argmax(self.arm_means))

    def prob_best(self) -> np.ndarray:
        """Share of simulations playing the best arm, at each step."""
        return (self.arms == self.best_arm).mean(axis=0)

    def average_reward(self) -> np.ndarray:
        """Mean reward at each step, over simulations."""
        return self.rewards.mean(axis=0)

    def cumulative_reward(self) -> np.ndarray:
        """Mean cumulative reward up to each step."""
        return self.rewards.cumsum(axis=1).mean(axis=0)

    def cumulative_regret(self) -> np.ndarray:
        """Mean cumulative (pseudo-)regret: the best mean minus the played arm's mean, summed over steps."""
        gaps = self.arm_means.max() - self.arm_means[self.arms]
        return gaps.cumsum(axis=1).mean(axis=0)


RewardSampler = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def simulate_rewards(policy, sample_rewards: RewardSampler, arm_means, horizon: int, n_simulations: int,
                     seed: int | np.random.Generator) -> BanditResult:
    """Run ``n_simulations`` independent bandits for ``horizon`` steps at once, with any reward distribution.

    ``sample_rewards(arms, rng)`` returns one reward per simulation for the chosen arms; ``arm_means`` are the
    true expected rewards, used only for regret and the best arm.
    """
    if not hasattr(policy, "select"):
        raise TypeError(f"policy must have a select(counts, sums, step, rng) method, got {type(policy).__name__}")
    for name, value in (("horizon", horizon), ("n_simulations", n_simulations)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    means = np.asarray(arm_means, dtype=float)
    if means.ndim != 1 or len(means) < 2:
        raise ValueError(f"arm_means must list at least two arms, got {arm_means!r}")
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_simulations, len(means)))
    sums = np.zeros((n_simulations, len(means)))
    arms = np.empty((n_simulations, horizon), dtype=np.int16)
    rewards = np.empty((n_simulations, horizon), dtype=np.float32)
    rows = np.arange(n_simulations)
    for step in range(horizon):
        chosen = policy.select(counts, sums, step + 1, rng)
        reward = sample_rewards(chosen, rng)
        counts[rows, chosen] += 1
        sums[rows, chosen] += reward
        arms[:, step], rewards[:, step] = chosen, reward
    return BanditResult(arms, rewards, means)


def simulate(policy, arm_means, horizon: int, n_simulations: int, seed: int | np.random.Generator) -> BanditResult:
    """Run ``n_simulations`` independent Bernoulli bandits with the given arm means for ``horizon`` steps."""
    means = np.asarray(arm_means, dtype=float)
    if means.ndim != 1 or len(means) < 2 or ((means < 0) | (means > 1)).any():
        raise ValueError(f"arm_means must be at least two probabilities in [0, 1], got {arm_means!r}")
    return simulate_rewards(policy, lambda arms, rng: (rng.random(len(arms)) < means[arms]).astype(float),
                            means, horizon, n_simulations, seed)


def lai_robbins_constant(arm_means) -> float:
    """The constant c of the Lai-Robbins lower bound, regret >= c ln T, for Bernoulli arms."""
    means = np.asarray(arm_means, dtype=float)
    best = means.max()
    total = 0.0
    for mean in means[means < best]:
        kl = mean * math.log(mean / best) + (1 - mean) * math.log((1 - mean) / (1 - best))
        total += (best - mean) / kl
    return total


def ucb1_regret_bound(arm_means, horizon: np.ndarray) -> np.ndarray:
    """Auer et al.'s (2002) finite-time bound on UCB1's expected regret after each number of steps."""
    means = np.asarray(arm_means, dtype=float)
    gaps = means.max() - means[means < means.max()]
    t = np.asarray(horizon, dtype=float)
    return 8 * np.log(t) * np.sum(1 / gaps) + (1 + math.pi**2 / 3) * gaps.sum()


# --- policies for rewards on any scale, for identifying the best arm, and the bridge to A/B/n tests -----------

def _greedy_shares(means: np.ndarray) -> np.ndarray:
    """One-hot on the best mean of each row, shared equally between tied arms."""
    best = (means == means.max(axis=1, keepdims=True)).astype(float)
    return best / best.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class GaussianThompsonSampling:
    """Thompson sampling for rewards on any scale, such as revenue in euros.

    An arm's mean has the posterior Normal(mean so far, sigma^2 / plays): a flat prior and rewards whose standard
    deviation ``sigma`` is known (e.g. from earlier tests). Draw a mean for each arm, play the largest; arms not
    played yet are played first.
    """

    sigma: float

    def __post_init__(self) -> None:
        _check_positive("sigma", self.sigma)

    def _draw(self, counts, sums, rng):
        sd = self.sigma / np.sqrt(np.maximum(counts, 1))
        return np.where(counts > 0, rng.normal(_means(counts, sums), sd), np.inf)

    def select(self, counts, sums, step, rng):
        return _argmax_random_ties(self._draw(counts, sums, rng), rng)

    def __str__(self) -> str:
        return f"Gaussian Thompson sampling, sigma = {self.sigma:g}"


@dataclass(frozen=True)
class TopTwoThompsonSampling:
    """Top-two Thompson sampling (Russo, 2016), built to find the best arm rather than to earn while testing.

    Draw a mean for each arm from the posterior; with probability ``beta`` play the arm with the largest draw (the
    leader); otherwise draw again until another arm wins, and play that one (the challenger). After
    ``max_redraws`` draws without a new winner, the challenger is the arm with the largest draw among the others
    in one more draw. The posterior is Gaussian with known ``sigma`` (as :class:`GaussianThompsonSampling`) when
    ``sigma`` is given, else Beta for rewards in [0, 1] (as :class:`ThompsonSampling`). ``n_draws`` posterior
    draws estimate the assignment probabilities of this rule for batched runs.
    """

    beta: float = 0.5
    sigma: float | None = None
    max_redraws: int = 100
    n_draws: int = 500

    def __post_init__(self) -> None:
        _check_unit("beta", self.beta)
        if self.sigma is not None:
            _check_positive("sigma", self.sigma)
        for name in ("max_redraws", "n_draws"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")

    def _draw(self, counts, sums, rng):
        if self.sigma is None:
            return ThompsonSampling()._draw(counts, sums, rng)
        return GaussianThompsonSampling(self.sigma)._draw(counts, sums, rng)

    def select(self, counts, sums, step, rng):
        leader = _argmax_random_ties(self._draw(counts, sums, rng), rng)
        challenger = np.full(len(counts), -1)
        for _ in range(self.max_redraws):
            waiting = challenger < 0
            if not waiting.any():
                break
            draws = self._draw(counts[waiting], sums[waiting], rng)
            winner = _argmax_random_ties(draws, rng)
            challenger[waiting] = np.where(winner != leader[waiting], winner, -1)
        waiting = challenger < 0
        if waiting.any():
            draws = self._draw(counts[waiting], sums[waiting], rng)
            draws[np.arange(waiting.sum()), leader[waiting]] = -np.inf
            challenger[waiting] = _argmax_random_ties(draws, rng)
        return np.where(rng.random(len(counts)) < self.beta, leader, challenger)

    def assignment_probabilities(self, counts, sums, step, rng):
        """The probabilities with which :meth:`select` plays each arm, from ``n_draws`` posterior draws per row.

        With a_j the probability that arm j wins a draw, and b_ij that arm i wins a draw among the arms other than
        j, the challenger given leader j is arm i with probability a_i (1 - a_j^R) / (1 - a_j) + a_j^R b_ij
        (a new winner within R = ``max_redraws`` redraws, or else the fallback), so arm i is played with
        probability beta a_i + (1 - beta) * sum over j != i of a_j (that challenger probability). Both a and b
        are estimated from the same draws."""
        rows, arms = counts.shape
        draws = self._draw(np.repeat(counts, self.n_draws, axis=0), np.repeat(sums, self.n_draws, axis=0), rng)
        pairs = _top_two_shares(draws, rows, rng)            # pairs[:, j, i]: j wins the draw and i comes second
        best = pairs.sum(axis=2)                                              # a, shape (rows, arms)
        best_without = best[:, None, :] + pairs                               # b[:, j, i]: i wins without j
        not_leader = best.sum(axis=1, keepdims=True) - best                   # 1 - a_j, without cancellation
        stay = best ** self.max_redraws                                       # no new winner in R redraws
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(not_leader > 0, (1 - stay) / not_leader, self.max_redraws)
        challenger = best[:, None, :] * scale[:, :, None] + stay[:, :, None] * best_without
        challenger[:, np.arange(arms), np.arange(arms)] = 0.0                 # the challenger is not the leader
        probability = self.beta * best + (1 - self.beta) * np.einsum("rj,rji->ri", best, challenger)
        return probability / probability.sum(axis=1, keepdims=True)

    def __str__(self) -> str:
        return f"top-two Thompson sampling, beta = {self.beta:g}"


def _top_two_shares(draws: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Per row, the share of its draws (consecutive blocks of ``draws``) in which arm j is largest and arm i second,
    shape (rows, arms, arms) indexed [row, j, i]. Ties (only the infinite draws of unplayed arms tie) are broken
    at random, as :meth:`TopTwoThompsonSampling.select` breaks them."""
    def argmax(values):
        return _argmax_random_ties(values, rng) if np.isposinf(values).any() else np.argmax(values, axis=1)

    arms, per_row = draws.shape[1], len(draws) // rows
    first = argmax(draws)
    others = draws.copy()
    others[np.arange(len(draws)), first] = -np.inf
    second = argmax(others)
    code = (np.repeat(np.arange(rows), per_row) * arms + first) * arms + second
    return np.bincount(code, minlength=rows * arms * arms).reshape(rows, arms, arms) / per_row


@dataclass(frozen=True)
class ExploreThenCommit:
    """Explore for ``explore_steps`` steps, then commit for good to the arm with the best mean at that moment.

    The strategy of Lattimore and Szepesvári (2020, chapter 6). With ``explore_steps`` equal to a test's length
    this is an equal-split A/B/n test whose winner is deployed afterwards. Exploring plays the arm with the fewest
    plays (ties at random), so each arm gets exactly ``explore_steps`` / arms plays; ``explore_steps`` must be a
    multiple of the number of arms. At the first step after exploring the policy plays the best mean; from then
    on it plays only that arm, which is therefore the arm with the most plays: that is how a policy without state
    remembers its commitment.

    In :func:`simulate_batches` exploring assigns visitors uniformly at random, and exploration must end at the
    end of a batch; the committed arm is again the one with the most plays, which holds as long as a batch is
    larger than the difference between two arms' visitors during exploration (for a random split of n visitors,
    a few times the square root of n / arms).
    """

    explore_steps: int

    def __post_init__(self) -> None:
        if isinstance(self.explore_steps, bool) or not isinstance(self.explore_steps, (int, np.integer)) \
                or self.explore_steps < 0:
            raise ValueError(f"explore_steps must be a whole number >= 0, got {self.explore_steps!r}")

    def _commit(self, counts, sums, step, rng):
        if step == self.explore_steps + 1:
            return _argmax_random_ties(_means(counts, sums), rng)
        return _argmax_random_ties(counts, rng)

    def select(self, counts, sums, step, rng):
        if self.explore_steps % counts.shape[1]:
            raise ValueError(f"explore_steps must be a multiple of the number of arms ({counts.shape[1]}), "
                             f"got {self.explore_steps}")
        if step <= self.explore_steps:
            return _argmax_random_ties(-counts, rng)
        return self._commit(counts, sums, step, rng)

    def assignment_probabilities(self, counts, sums, step, rng):
        """Exact: uniform while exploring, then all on the committed arm (a tie is settled at random, once)."""
        if step <= self.explore_steps:
            return np.full(counts.shape, 1 / counts.shape[1])
        return np.eye(counts.shape[1])[self._commit(counts, sums, step, rng)]

    def __str__(self) -> str:
        return f"explore-then-commit after {self.explore_steps:,} steps"


@dataclass(frozen=True)
class ExploreFirstThenGreedy:
    """Explore uniformly at random for the first ``explore_steps`` steps, then play the arm with the best mean.

    Unlike :class:`ExploreThenCommit` it does not commit: the played arm's mean keeps changing, and when it falls
    below another arm's (frozen) mean, the policy switches to that arm.
    """

    explore_steps: int

    def __post_init__(self) -> None:
        if isinstance(self.explore_steps, bool) or not isinstance(self.explore_steps, (int, np.integer)) \
                or self.explore_steps < 0:
            raise ValueError(f"explore_steps must be a whole number >= 0, got {self.explore_steps!r}")

    def select(self, counts, sums, step, rng):
        if step <= self.explore_steps:
            return rng.integers(0, counts.shape[1], len(counts))
        return _argmax_random_ties(_means(counts, sums), rng)

    def assignment_probabilities(self, counts, sums, step, rng):
        """Exact: uniform while exploring, then all on the best mean (shared by ties)."""
        if step <= self.explore_steps:
            return np.full(counts.shape, 1 / counts.shape[1])
        return _greedy_shares(_means(counts, sums))

    def __str__(self) -> str:
        return f"explore for {self.explore_steps:,} steps, then greedy"


def _estimated_probabilities(policy, counts, sums, step, rng, n_draws: int) -> np.ndarray:
    """Share of ``n_draws`` calls of ``policy.select`` that pick each arm, for every row."""
    rows, arms = counts.shape
    chosen = policy.select(np.repeat(counts, n_draws, axis=0), np.repeat(sums, n_draws, axis=0), step, rng)
    picks = np.zeros((rows, arms))
    np.add.at(picks, (np.repeat(np.arange(rows), n_draws), chosen), 1.0)
    return picks / n_draws


def assignment_probabilities(policy, counts: np.ndarray, sums: np.ndarray, step: int, rng: np.random.Generator,
                             n_draws: int = 200) -> np.ndarray:
    """The probability with which ``policy`` plays each arm next, for every simulation (rows sum to 1).

    Exact when the policy has an ``assignment_probabilities`` method; otherwise the share of ``n_draws`` calls of
    its ``select`` that pick each arm (what a batched production bandit does for Thompson sampling).
    """
    if not hasattr(policy, "select"):
        raise TypeError(f"policy must have a select(counts, sums, step, rng) method, got {type(policy).__name__}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
        raise ValueError(f"n_draws must be a positive whole number, got {n_draws!r}")
    if hasattr(policy, "assignment_probabilities"):
        return policy.assignment_probabilities(counts, sums, step, rng)
    return _estimated_probabilities(policy, counts, sums, step, rng, n_draws)


BatchSampler = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def bernoulli_sums(arm_means) -> BatchSampler:
    """A batch sampler for :func:`simulate_batches`: the number of successes of each arm's visitors."""
    means = np.asarray(arm_means, dtype=float)
    if means.ndim != 1 or ((means < 0) | (means > 1)).any():
        raise ValueError(f"arm_means must be probabilities in [0, 1], got {arm_means!r}")
    return lambda counts, rng: rng.binomial(np.asarray(counts).astype(np.int64), means).astype(float)


def normal_sums(arm_means, arm_sds) -> BatchSampler:
    """A batch sampler for :func:`simulate_batches`: each arm's reward sum over n visitors drawn from
    Normal(n * mean, n * sd^2), the central-limit approximation for batches of many visitors."""
    means, sds = np.asarray(arm_means, dtype=float), np.asarray(arm_sds, dtype=float)
    if means.ndim != 1 or means.shape != sds.shape or not (sds >= 0).all():
        raise ValueError("arm_means and arm_sds must be two lists of the same length, with arm_sds >= 0")
    return lambda counts, rng: rng.normal(counts * means, np.sqrt(counts) * sds)


@dataclass(frozen=True)
class BatchResult:
    """The log of batched bandit runs: per simulation, batch and arm (shape (simulations, batches, arms)), the
    visitors assigned (``counts``), the sum of their rewards (``sums``) and the assignment probability used
    (``propensities``); with the arms' true mean rewards."""

    counts: np.ndarray
    sums: np.ndarray
    propensities: np.ndarray
    arm_means: np.ndarray

    @property
    def best_arm(self) -> int:
        return int(np.argmax(self.arm_means))

    def regret(self) -> np.ndarray:
        """Per simulation, the expected reward lost against always playing the best arm."""
        return (self.counts * (self.arm_means.max() - self.arm_means)).sum(axis=(1, 2))

    def share_best(self) -> np.ndarray:
        """Share of each batch's visitors given the best arm, averaged over simulations."""
        return (self.counts[:, :, self.best_arm] / self.counts.sum(axis=2)).mean(axis=0)

    def estimated_means(self) -> np.ndarray:
        """Per simulation and arm, the plain mean reward of the arm's visitors (NaN for an arm never played)."""
        counts = self.counts.sum(axis=1)
        return np.where(counts > 0, self.sums.sum(axis=1) / np.maximum(counts, 1), np.nan)

    def chosen_arm(self) -> np.ndarray:
        """Per simulation, the arm with the best plain mean at the end: the one a team would deploy."""
        means = self.estimated_means()
        return np.argmax(np.where(np.isnan(means), -np.inf, means), axis=1)

    def most_played_arm(self) -> np.ndarray:
        """Per simulation, the arm with the most visitors (for :class:`ExploreThenCommit`: its commitment)."""
        return np.argmax(self.counts.sum(axis=1), axis=1)

    def ipw_means(self) -> np.ndarray:
        """Per simulation and arm, the inverse-propensity-weighted estimate of the arm's mean reward:
        the sum over batches of (reward sum / propensity), divided by all visitors. Unbiased when every
        propensity is positive."""
        with np.errstate(divide="ignore", invalid="ignore"):
            weighted = np.where(self.counts > 0, self.sums / self.propensities, 0.0)
        return weighted.sum(axis=1) / self.counts.sum(axis=(1, 2))[:, None]

    def expected_counts(self) -> np.ndarray:
        """Per simulation and arm, the visitors the logged propensities lead you to expect."""
        return (self.propensities * self.counts.sum(axis=2, keepdims=True)).sum(axis=1)


def simulate_batches(policy, sample_sums: BatchSampler, arm_means, *, batch_size: int, n_batches: int,
                     n_simulations: int, seed: int | np.random.Generator, min_share: float = 0.0,
                     n_draws: int = 200) -> BatchResult:
    """Run ``n_simulations`` bandits that update once per batch of ``batch_size`` visitors, for ``n_batches``.

    Before each batch the policy's assignment probabilities are computed (:func:`assignment_probabilities`),
    mixed with a uniform share so that every arm gets at least ``min_share`` (0 <= min_share <= 1 / arms), and
    logged; the batch's visitors are assigned at random with them; ``sample_sums(counts, rng)`` returns each arm's
    reward sum. ``arm_means`` are the true mean rewards, used only for regret and the best arm.
    """
    for name, value in (("batch_size", batch_size), ("n_batches", n_batches), ("n_simulations", n_simulations)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    means = np.asarray(arm_means, dtype=float)
    if means.ndim != 1 or len(means) < 2:
        raise ValueError(f"arm_means must list at least two arms, got {arm_means!r}")
    arms = len(means)
    if isinstance(min_share, bool) or not isinstance(min_share, (int, float)) or not 0 <= min_share <= 1 / arms:
        raise ValueError(f"min_share must be a number in [0, 1 / arms] = [0, {1 / arms:g}], got {min_share!r}")
    if isinstance(policy, ExploreThenCommit) and policy.explore_steps % batch_size:
        raise ValueError(f"explore-then-commit must end its exploration with a batch: explore_steps "
                         f"({policy.explore_steps}) must be a multiple of batch_size ({batch_size})")
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_simulations, arms))
    sums = np.zeros((n_simulations, arms))
    log = {name: np.empty((n_simulations, n_batches, arms)) for name in ("counts", "sums", "propensities")}
    for batch in range(n_batches):
        probability = assignment_probabilities(policy, counts, sums, batch * batch_size + 1, rng, n_draws)
        probability = min_share + (1 - arms * min_share) * probability
        probability = probability / probability.sum(axis=1, keepdims=True)
        assigned = rng.multinomial(batch_size, probability).astype(float)
        rewards = sample_sums(assigned, rng)
        counts += assigned
        sums += rewards
        log["counts"][:, batch], log["sums"][:, batch], log["propensities"][:, batch] = assigned, rewards, probability
    return BatchResult(log["counts"], log["sums"], log["propensities"], means)


def srm_p_values(counts, propensities) -> np.ndarray | float:
    """Sample-ratio check of a batched bandit's log: the p-value of the visitors each arm got, batch by batch,
    against those the logged assignment probabilities predict.

    ``counts`` and ``propensities`` have shape (batches, arms), or (simulations, batches, arms) for one p-value
    per simulation (as in :class:`BatchResult`). In each batch the expected visitors of an arm are the batch's
    visitors times the arm's probability, and Pearson's statistic, the sum over arms of (observed - expected)^2 /
    expected, is about chi-square with arms - 1 degrees of freedom when the log is right. Given the past, each
    batch is a fresh multinomial draw, so the sum over B batches is compared with a chi-square of B (arms - 1)
    degrees of freedom. An arm with probability 0 leaves its batch's degrees of freedom (a visitor logged on it
    makes the statistic infinite, p = 0); empty batches count for nothing.
    """
    from scipy import stats

    observed = np.asarray(counts, dtype=float)
    probability = np.asarray(propensities, dtype=float)
    if observed.shape != probability.shape or observed.ndim not in (2, 3):
        raise ValueError(f"counts and propensities must have the same shape, (batches, arms) or (simulations, "
                         f"batches, arms); got {observed.shape} and {probability.shape}")
    if (observed < 0).any() or ((probability < 0) | (probability > 1)).any():
        raise ValueError("counts must be >= 0 and propensities must be probabilities in [0, 1]")
    visitors = observed.sum(axis=-1, keepdims=True)
    expected = visitors * probability
    used = (probability > 0) & (visitors > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(used, (observed - expected) ** 2 / expected, np.where(observed > 0, np.inf, 0.0))
    statistic = terms.sum(axis=(-2, -1))
    df = np.clip(used.sum(axis=-1) - 1, 0, None).sum(axis=-1)
    return np.where(df > 0, stats.chi2.sf(statistic, np.maximum(df, 1)), np.where(np.isinf(statistic), 0.0, 1.0))
