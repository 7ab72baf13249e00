"""Contextual bandit policies, the shop as their environment, and a simulation engine that logs propensities.

This is a sibling of :mod:`helpers.bandits`, not an extension, because three things differ:

1. **The policy sees a context per visitor** (here the production model's score). What it has learned can no
   longer be summarised by one count and one sum per arm, so each policy keeps a *state* per simulation (counts
   per score bin and arm, or one ridge regression per arm), created by ``start`` and changed by ``update``.
2. **A policy returns the probability of every action**, not only a choice. The engine draws the action from
   those probabilities and logs the probability of the action it drew (the *propensity*), which off-policy
   evaluation (:mod:`helpers.ope`) needs. Because the action is drawn from exactly the probabilities logged, the
   logged propensities are exact by construction.
3. **Decisions come in batches**: the policy is updated after every ``batch`` visitors, as a shop's serving
   system refreshes its model every few minutes rather than after every visitor.

The interface of a policy::

    state = policy.start(n_simulations, n_arms)
    probabilities = policy.probabilities(state, contexts)   # contexts (sims, batch) -> (sims, batch, arms)
    policy.update(state, contexts, arms, rewards)            # changes state in place

The engine, :func:`simulate`, runs many independent simulations at once, vectorised over simulations and over
the visitors of a batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.special import ndtr

#: Standardised grid points per arm for computing Thompson sampling's probabilities.
_GRID = np.linspace(-8.0, 8.0, 41)


def _check_probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not value > 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def _check_edges(edges: Sequence[float]) -> np.ndarray:
    array = np.asarray(edges, dtype=float)
    if array.ndim != 1 or not np.isfinite(array).all() or (np.diff(array) <= 0).any():
        raise ValueError(f"edges must be increasing finite numbers (the inner bin boundaries), got {edges!r}")
    return array


# ---------------------------------------------------------------------------------------------------------------
# The environment
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Environment:
    """The shop as a contextual bandit's world: a population of sessions, each with a context and a true
    purchase probability under each action.

    Parameters
    ----------
    contexts : array of shape (sessions,)
        What the policy sees for each session (the production model's score).
    purchase_probability : array of shape (sessions, actions)
        True purchase probability of each session under each action.
    order_factor : array of shape (actions,)
        Share of the order value the shop keeps under each action (margin minus discount).
    fixed_cost : array of shape (actions,)
        Cost per order under each action (€).
    order_median, order_sigma : float
        Median (€) and log-scale spread of the log-normal order values.
    names : tuple of str
        The actions' names.
    """

    contexts: np.ndarray
    purchase_probability: np.ndarray
    order_factor: np.ndarray
    fixed_cost: np.ndarray
    order_median: float
    order_sigma: float
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        contexts = np.asarray(self.contexts, dtype=float)
        probability = np.asarray(self.purchase_probability, dtype=float)
        if contexts.ndim != 1 or not np.isfinite(contexts).all():
            raise ValueError("contexts must be one finite number per session")
        if probability.shape[:1] != contexts.shape or probability.ndim != 2 or probability.shape[1] < 2:
            raise ValueError(f"purchase_probability must have shape (sessions, actions) = ({len(contexts)}, >= 2), "
                             f"got {probability.shape}")
        if ((probability < 0) | (probability > 1)).any():
            raise ValueError("purchase_probability must lie in [0, 1]")
        n_actions = probability.shape[1]
        for name in ("order_factor", "fixed_cost"):
            if np.shape(getattr(self, name)) != (n_actions,):
                raise ValueError(f"{name} must have one entry per action ({n_actions})")
        if len(self.names) != n_actions:
            raise ValueError(f"names must name each of the {n_actions} actions")
        _check_positive("order_median", self.order_median)
        _check_positive("order_sigma", self.order_sigma)
        object.__setattr__(self, "contexts", contexts)
        object.__setattr__(self, "purchase_probability", probability)
        object.__setattr__(self, "order_factor", np.asarray(self.order_factor, dtype=float))
        object.__setattr__(self, "fixed_cost", np.asarray(self.fixed_cost, dtype=float))

    @property
    def n_actions(self) -> int:
        return self.purchase_probability.shape[1]

    @property
    def mean_order_value(self) -> float:
        return self.order_median * math.exp(self.order_sigma**2 / 2)

    @property
    def expected_rewards(self) -> np.ndarray:
        """Exact expected net revenue (€) of each session under each action, shape (sessions, actions)."""
        return self.purchase_probability * self.order_values

    @property
    def expected_squared_rewards(self) -> np.ndarray:
        """Exact expected squared net revenue of each session under each action, shape (sessions, actions): the
        purchase probability times E[(V f - c)^2] for the log-normal order value V, share kept f and fixed cost
        c. With :attr:`expected_rewards` it gives exact variances, e.g. the exact standard error of an estimate."""
        first = self.mean_order_value
        second = self.order_median**2 * math.exp(2 * self.order_sigma**2)
        factor, cost = self.order_factor, self.fixed_cost
        return self.purchase_probability * (factor**2 * second - 2 * factor * cost * first + cost**2)

    @property
    def order_values(self) -> np.ndarray:
        """Expected net revenue (€) of one purchase under each action: what an average order is worth."""
        return self.mean_order_value * self.order_factor - self.fixed_cost

    def draw_outcomes(self, sessions: np.ndarray, actions: np.ndarray,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Whether each visitor (a session shown an action) buys, with the true probability, and its net
        revenue: a log-normal order value times the share the shop keeps, minus the fixed cost; zero without a
        purchase."""
        bought = rng.random(sessions.shape) < self.purchase_probability[sessions, actions]
        values = rng.lognormal(math.log(self.order_median), self.order_sigma, sessions.shape)
        return bought, np.where(bought, values * self.order_factor[actions] - self.fixed_cost[actions], 0.0)


def shop_environment(shop, variants, contexts, rows=None) -> Environment:
    """The environment of a simulated shop (:class:`helpers.simulate.Shop`) with the given offer variants as
    actions and ``contexts`` as what the policy sees.

    Parameters
    ----------
    shop : helpers.simulate.Shop
    variants : list of helpers.simulate.OfferVariant
        The actions, at least two (one may be "no offer").
    contexts : array
        One number per session of the environment (per row of ``rows``, or per session of the shop).
    rows : array of int, optional
        Positions of the shop's sessions that visitors are drawn from (e.g. the test set's rows, visitors the
        scoring model never saw); all sessions by default.

    The purchase probabilities are the shop's own, :func:`helpers.simulate.variant_probability`, so the
    environment changes whenever the shop does.
    """
    from helpers.simulate import variant_probability

    variants = list(variants)
    if len(variants) < 2:
        raise ValueError("variants must list at least two offer variants (one may be 'no offer')")
    n_sessions = len(shop.sessions)
    if rows is None:
        rows = np.arange(n_sessions)
    rows = np.asarray(rows)
    if rows.ndim != 1 or len(rows) == 0 or not np.issubdtype(rows.dtype, np.integer) \
            or (rows < 0).any() or (rows >= n_sessions).any() or len(np.unique(rows)) != len(rows):
        raise ValueError(f"rows must be distinct positions of the shop's sessions, from 0 to {n_sessions - 1}")
    contexts = np.asarray(contexts, dtype=float)
    if contexts.shape != rows.shape:
        raise ValueError(f"contexts must have one value per session of the environment ({len(rows)}), "
                         f"got shape {contexts.shape}")
    probability = np.stack([variant_probability(shop, variant)[rows] for variant in variants], axis=1)
    return Environment(contexts=contexts, purchase_probability=probability,
                       order_factor=np.array([shop.margin - v.discount for v in variants]),
                       fixed_cost=np.array([v.fixed_cost for v in variants]), order_median=shop.order_median,
                       order_sigma=shop.order_sigma, names=tuple(v.name for v in variants))


def bin_of(contexts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of each context: 0 below ``edges[0]``, 1 from ``edges[0]`` to below ``edges[1]``, and so on."""
    return np.searchsorted(edges, contexts, side="right")


def bin_values(env: Environment, edges: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean reward of each action within each context bin, shape (bins, actions), and each bin's share of
    the sessions."""
    edges = _check_edges(edges)
    bins = bin_of(env.contexts, edges)
    n_bins = len(edges) + 1
    counts = np.bincount(bins, minlength=n_bins)
    if (counts == 0).any():
        raise ValueError(f"bin {int(np.argmin(counts))} holds no session; choose other edges")
    values = np.stack([np.bincount(bins, weights=env.expected_rewards[:, a], minlength=n_bins)
                       for a in range(env.n_actions)], axis=1) / counts[:, None]
    return values, counts / counts.sum()


def policy_value(env: Environment, probabilities: np.ndarray) -> float:
    """Exact expected net revenue per visitor of a policy given by its action probabilities for every session,
    shape (sessions, actions)."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != env.expected_rewards.shape:
        raise ValueError(f"probabilities must have shape {env.expected_rewards.shape}, got {probabilities.shape}")
    if (np.abs(probabilities.sum(axis=1) - 1) > 1e-6).any():
        raise ValueError("each row of probabilities must sum to 1")
    return float(np.mean(np.sum(probabilities * env.expected_rewards, axis=1)))


# ---------------------------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------------------------

def _mix(probabilities: np.ndarray, epsilon: float) -> np.ndarray:
    """Give every action at least epsilon / actions: show a uniformly random action to a share epsilon."""
    return (1 - epsilon) * probabilities + epsilon / probabilities.shape[-1]


def _argmax_probabilities(values: np.ndarray) -> np.ndarray:
    """One-hot on the largest value of the last axis; ties share the probability equally."""
    best = values >= values.max(axis=-1, keepdims=True) - 1e-12
    return best / best.sum(axis=-1, keepdims=True)


def binned_policy(edges: Sequence[float], actions: Sequence[int], n_actions: int,
                  epsilon: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """A fixed policy that shows one action per context bin (with a share ``epsilon`` of random actions):
    a function from contexts of any shape to probabilities of shape ``contexts.shape + (n_actions,)``."""
    edges = _check_edges(edges)
    n_actions = _check_count("n_actions", n_actions)
    actions = np.asarray(actions)
    if actions.shape != (len(edges) + 1,) or not np.issubdtype(actions.dtype, np.integer) \
            or (actions < 0).any() or (actions >= n_actions).any():
        raise ValueError(f"actions must give one action in 0 .. {n_actions - 1} for each of the {len(edges) + 1} "
                         f"bins, got {actions!r}")
    epsilon = _check_probability("epsilon", epsilon)
    table = _mix(np.eye(n_actions)[actions], epsilon)

    def probabilities(contexts: np.ndarray) -> np.ndarray:
        return table[bin_of(np.asarray(contexts, dtype=float), edges)]

    return probabilities


@dataclass(frozen=True)
class StaticPolicy:
    """A policy that does not learn: ``function(contexts)`` gives the action probabilities."""

    function: Callable[[np.ndarray], np.ndarray]
    name: str = "static policy"

    def start(self, n_simulations: int, n_arms: int) -> dict:
        return {"n_arms": n_arms}

    def probabilities(self, state: dict, contexts: np.ndarray) -> np.ndarray:
        return np.asarray(self.function(contexts), dtype=float)

    def update(self, state: dict, contexts, arms, rewards) -> None:
        return None

    def __str__(self) -> str:
        return self.name


def _normal_max_probabilities(means: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """P(draw k is the largest) for independent normal draws N(means, sds**2), over the last axis.

    P_k = integral of pdf_k(x) prod_{j != k} cdf_j(x) dx, by the trapezoid rule on the union of one grid per arm
    (its mean +- 8 standard deviations in 41 steps), so that arms with very different widths are all resolved.
    Accurate to about 1e-3 even when the widths differ by orders of magnitude (tested against Monte Carlo).
    """
    x = np.sort((means[..., :, None] + sds[..., :, None] * _GRID).reshape(means.shape[:-1] + (-1,)), axis=-1)
    z = (x[..., None, :] - means[..., :, None]) / sds[..., :, None]           # (..., arms, points)
    density = np.exp(-z**2 / 2) / (math.sqrt(2 * math.pi) * sds[..., :, None])
    cdf = ndtr(z)
    own = np.eye(means.shape[-1], dtype=bool)[:, :, None]                      # leave out j = k
    others = np.where(own, 1.0, cdf[..., None, :, :]).prod(axis=-2)          # (..., arms, points)
    probability = np.trapezoid(density * others, x[..., None, :], axis=-1)
    return probability / probability.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class BinnedThompson:
    """Thompson sampling per context bin, with an approximately normal posterior for each bin's mean reward per action.

    In each bin, each action's mean reward is drawn from N(sum / (n + 1), variance / (n + 1)) (a normal prior
    centred on 0 worth one observation, as in Agrawal and Goyal's Gaussian Thompson sampling), where variance is
    the cell's sample variance shrunk towards ``noise_sd`` squared by two pseudo-observations; the action with
    the largest draw is shown. A share ``epsilon`` of visitors gets a uniformly random action, so that every
    action keeps a propensity of at least epsilon / actions.

    The probability of each action (the chance that its draw is the largest) is computed by numerical integration; the
    engine draws the action from it, which is the same as drawing the means.

    Parameters
    ----------
    edges : sequence of float
        Inner boundaries of the context bins (increasing); ``len(edges) + 1`` bins. Empty: one bin, i.e.
        context-free Thompson sampling.
    noise_sd : float
        Prior guess of the reward's standard deviation (€).
    epsilon : float in [0, 1], default 0
    """

    edges: Sequence[float]
    noise_sd: float
    epsilon: float = 0.0
    prior_observations: int = field(default=2, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", tuple(float(e) for e in _check_edges(self.edges)))
        _check_positive("noise_sd", self.noise_sd)
        _check_probability("epsilon", self.epsilon)

    @property
    def n_bins(self) -> int:
        return len(self.edges) + 1

    def start(self, n_simulations: int, n_arms: int) -> dict:
        shape = (n_simulations, self.n_bins, n_arms)
        return {"n": np.zeros(shape), "sum": np.zeros(shape), "sum_sq": np.zeros(shape)}

    def posterior(self, state: dict) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of each cell's mean reward, shape (sims, bins, arms)."""
        n, total, total_sq = state["n"], state["sum"], state["sum_sq"]
        mean = np.divide(total, n, out=np.zeros_like(total), where=n > 0)
        variance = (total_sq - n * mean**2 + self.prior_observations * self.noise_sd**2) \
            / (n + self.prior_observations)
        return total / (n + 1), np.sqrt(variance / (n + 1))

    def probabilities(self, state: dict, contexts: np.ndarray) -> np.ndarray:
        means, sds = self.posterior(state)
        per_bin = _mix(_normal_max_probabilities(means, sds), self.epsilon)      # (sims, bins, arms)
        bins = bin_of(contexts, np.asarray(self.edges))
        return per_bin[np.arange(len(contexts))[:, None], bins]

    def update(self, state: dict, contexts: np.ndarray, arms: np.ndarray, rewards: np.ndarray) -> None:
        n_sims, n_bins, n_arms = state["n"].shape
        cell = (np.arange(n_sims)[:, None] * n_bins + bin_of(contexts, np.asarray(self.edges))) * n_arms + arms
        size = n_sims * n_bins * n_arms
        for key, weights in (("n", None), ("sum", rewards), ("sum_sq", rewards**2)):
            state[key] += np.bincount(cell.ravel(), weights=None if weights is None else weights.ravel(),
                                      minlength=size).reshape(n_sims, n_bins, n_arms)

    def greedy_actions(self, state: dict) -> np.ndarray:
        """The action with the best posterior mean in each bin, shape (sims, bins): the learned policy."""
        return np.argmax(self.posterior(state)[0], axis=-1)

    def __str__(self) -> str:
        return (f"Thompson sampling per bin ({self.n_bins} bins)" if self.n_bins > 1
                else "Thompson sampling without context")


def polynomial_features(contexts: np.ndarray, degree: int) -> np.ndarray:
    """1, x, x^2, ..., x^degree for each context, on a new last axis."""
    return np.asarray(contexts, dtype=float)[..., None] ** np.arange(degree + 1)


@dataclass(frozen=True)
class LinUCB:
    """LinUCB with disjoint linear models (Li, Chu, Langford and Schapire, 2010).

    Each action has its own ridge regression of reward on features x = (1, s, s^2, ...) of the context s. A
    visitor is shown the action with the largest upper confidence bound, theta_a . x + alpha sqrt(x' A_a^-1 x),
    where A_a = ridge I + sum of x x' over the visitors shown action a. The rule is deterministic (ties are split
    equally), so its propensities are 1 unless ``epsilon`` > 0.

    Parameters
    ----------
    alpha : float
        Width of the confidence bonus, in reward units (€).
    degree : int, default 2
        Degree of the polynomial in the context.
    ridge : float, default 1
        Ridge penalty (the prior precision of the coefficients).
    epsilon : float in [0, 1], default 0
    """

    alpha: float
    degree: int = 2
    ridge: float = 1.0
    epsilon: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) or self.alpha < 0:
            raise ValueError(f"alpha must be a non-negative number, got {self.alpha!r}")
        _check_count("degree", self.degree)
        _check_positive("ridge", self.ridge)
        _check_probability("epsilon", self.epsilon)

    def start(self, n_simulations: int, n_arms: int) -> dict:
        d = self.degree + 1
        return {"A": np.broadcast_to(self.ridge * np.eye(d), (n_simulations, n_arms, d, d)).copy(),
                "b": np.zeros((n_simulations, n_arms, d))}

    def coefficients(self, state: dict) -> tuple[np.ndarray, np.ndarray]:
        """Each action's ridge coefficients theta, shape (sims, arms, d), and the inverse matrices A^-1."""
        inverse = np.linalg.inv(state["A"])
        return np.einsum("skde,ske->skd", inverse, state["b"]), inverse

    def probabilities(self, state: dict, contexts: np.ndarray) -> np.ndarray:
        x = polynomial_features(contexts, self.degree)                           # (sims, batch, d)
        theta, inverse = self.coefficients(state)
        mean = x @ theta.transpose(0, 2, 1)                                     # (sims, batch, arms)
        spread = ((x[:, None] @ inverse) * x[:, None]).sum(axis=-1)              # x' A^-1 x, (sims, arms, batch)
        width = np.sqrt(np.maximum(spread, 0)).transpose(0, 2, 1)
        return _mix(_argmax_probabilities(mean + self.alpha * width), self.epsilon)

    def update(self, state: dict, contexts: np.ndarray, arms: np.ndarray, rewards: np.ndarray) -> None:
        x = polynomial_features(contexts, self.degree)
        chosen = np.eye(state["A"].shape[1])[arms]                               # (sims, batch, arms)
        shown = (chosen[..., None] * x[:, :, None, :]).transpose(0, 2, 3, 1)     # (sims, arms, d, batch)
        state["A"] += shown @ x[:, None]
        state["b"] += (shown @ rewards[:, None, :, None])[..., 0]

    def greedy_actions(self, state: dict, contexts: np.ndarray) -> np.ndarray:
        """The action with the best estimated mean for each context (no bonus): the learned policy."""
        theta, _ = self.coefficients(state)
        x = polynomial_features(np.broadcast_to(contexts, (len(theta),) + np.shape(contexts)), self.degree)
        return np.argmax(np.einsum("sbd,skd->sbk", x, theta), axis=-1)

    def __str__(self) -> str:
        return f"LinUCB (alpha {self.alpha:g}, degree {self.degree})"


# ---------------------------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContextualResult:
    """What every simulation logged, shape (simulations, horizon): the session of each visitor, the action
    shown, its propensity and the reward (both stored as float32); with the policy's final state."""

    sessions: np.ndarray
    arms: np.ndarray
    propensities: np.ndarray
    rewards: np.ndarray
    state: dict

    def cumulative_regret(self, env: Environment, comparator: np.ndarray) -> np.ndarray:
        """Cumulative (pseudo-)regret of each simulation, shape (simulations, horizon): the comparator's
        expected reward for each visitor (``comparator``, one value per session) minus the expected reward of
        the action shown, summed over visitors."""
        comparator = np.asarray(comparator, dtype=float)
        if comparator.shape != env.contexts.shape:
            raise ValueError(f"comparator must give one expected reward per session ({len(env.contexts)})")
        gaps = comparator[self.sessions] - env.expected_rewards[self.sessions, self.arms]
        return np.cumsum(gaps, axis=1)


def simulate(policy, env: Environment, *, horizon: int, n_simulations: int, seed: int | np.random.Generator,
             batch: int = 1_000, learn_from: Literal["revenue", "purchases"] = "revenue") -> ContextualResult:
    """Run ``n_simulations`` independent contextual bandits for ``horizon`` visitors each, vectorised.

    Each visitor is a session drawn at random from the environment; the policy gives the probability of every
    action from the visitor's context; the engine draws the action, logs its propensity, draws the reward, and
    after every ``batch`` visitors hands the batch to ``policy.update``.

    With ``learn_from="revenue"`` the policy learns from each visitor's net revenue. With ``"purchases"`` it
    learns from whether the visitor bought, times what an average order is worth under the action shown
    (:attr:`Environment.order_values`): the same expectation, without the noise of the order values, which the
    offers do not change. The result logs the net revenue either way.
    """
    for name in ("start", "probabilities", "update"):
        if not callable(getattr(policy, name, None)):
            raise TypeError(f"policy must have start, probabilities and update methods; "
                            f"{type(policy).__name__} lacks {name}")
    if not isinstance(env, Environment):
        raise TypeError(f"env must be an Environment (see shop_environment), got {type(env).__name__}")
    horizon = _check_count("horizon", horizon)
    n_simulations = _check_count("n_simulations", n_simulations)
    batch = _check_count("batch", batch)
    if learn_from not in ("revenue", "purchases"):
        raise ValueError(f"learn_from must be 'revenue' or 'purchases', got {learn_from!r}")
    rng = np.random.default_rng(seed)
    n_arms = env.n_actions
    state = policy.start(n_simulations, n_arms)
    sessions = np.empty((n_simulations, horizon), dtype=np.int32)
    arms = np.empty((n_simulations, horizon), dtype=np.int8)
    propensities = np.empty((n_simulations, horizon), dtype=np.float32)   # float32: half the memory, and
    rewards = np.empty((n_simulations, horizon), dtype=np.float32)        # ample precision for these numbers
    for start in range(0, horizon, batch):
        stop = min(start + batch, horizon)
        drawn = rng.integers(0, len(env.contexts), (n_simulations, stop - start))
        contexts = env.contexts[drawn]
        probabilities = policy.probabilities(state, contexts)
        if probabilities.shape != contexts.shape + (n_arms,) or (probabilities < 0).any() \
                or (np.abs(probabilities @ np.ones(n_arms) - 1) > 1e-6).any():   # @: fast row sums
            raise ValueError(f"{policy} returned probabilities of shape {probabilities.shape} that are not "
                             f"{n_arms} non-negative numbers summing to 1 per visitor")
        uniform = 1.0 - rng.random(contexts.shape)                              # in (0, 1]
        chosen, cumulative = np.zeros(contexts.shape, dtype=np.int64), np.zeros(contexts.shape)
        for arm in range(n_arms - 1):             # the action is the number of cumulative probabilities below
            cumulative += probabilities[..., arm]  # the uniform draw (a loop over the few actions is faster
            chosen += cumulative < uniform          # than cumsum over a short last axis; same numbers)
        bought, reward = env.draw_outcomes(drawn, chosen, rng)
        policy.update(state, contexts, chosen, reward if learn_from == "revenue" else bought * env.order_values[chosen])
        sessions[:, start:stop], arms[:, start:stop] = drawn, chosen
        propensities[:, start:stop] = np.take_along_axis(probabilities, chosen[..., None], axis=-1)[..., 0]
        rewards[:, start:stop] = reward
    return ContextualResult(sessions, arms, propensities, rewards, state)
