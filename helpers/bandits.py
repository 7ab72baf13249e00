"""Bandit policies behind one small interface, and a simulation engine vectorised over simulations.

A policy is a set of parameters with one method, ``select(counts, sums, step, rng)``: given how often each arm
was played (``counts``) and the sum of its rewards (``sums``), both of shape (simulations, arms), it returns the
arm to play next in every simulation. The engine keeps the counts and sums; policies keep no state.

Ties between equally good arms are broken uniformly at random: taking the first index instead would favour
low-numbered arms (chapter 04 shows how much).
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

    def __str__(self) -> str:
        return f"epsilon-greedy, epsilon = {self.epsilon:g}"


@dataclass(frozen=True)
class AnnealingEpsilonGreedy:
    """Epsilon-greedy whose epsilon falls as 1 / log(step + 1.0000001) (J. M. White's annealing schedule)."""

    def select(self, counts, sums, step, rng):
        return EpsilonGreedy(min(1.0, 1 / math.log(step + 1.0000001))).select(counts, sums, step, rng)

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

    Exact for 0/1 rewards; for rewards in [0, 1] the reward sums act as fractional successes.
    """

    def select(self, counts, sums, step, rng):
        return _argmax_random_ties(rng.beta(1 + sums, 1 + counts - sums), rng)

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
