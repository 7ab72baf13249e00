"""A simulated web shop built from the real sessions, in which the truth is known.

Assumptions (chapter 03 states them too):

1. **Visitors** are drawn with replacement from the 12,330 real sessions, each with its own visitor id.
2. **Purchase without an offer.** Each session has a hidden true purchase probability: the out-of-fold
   prediction of a gradient-boosting model fitted on all sessions (five folds, fixed seed), so that it is
   calibrated and not the model's memory of the session's own label.
3. **The offer** (a time-limited discount) adds ``max_uplift * 4 p (1 - p)`` to the log-odds of buying: most
   for hesitant visitors (p near 0.5), little for visitors who buy anyway (p near 1), nothing for those with
   no intent (p near 0). Those who buy anyway still get the discount.
4. **Order values** are log-normal (median ``order_median`` €, shape ``order_sigma``), independent of the
   session and of the offer.
5. **Net revenue** of a session is the order value times the margin, minus the discount on the order when the
   offer was shown; zero without a purchase.

Because these are all the assumptions, the shop computes the **true** expected effect of any targeting policy
exactly, by averaging over the session population (:meth:`Shop.truth`), and simulations can be checked
against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from helpers import abtest
from helpers.data import FEATURES, TARGET, load_sessions
from helpers.prototype import make_prototype_pipeline

#: A targeting policy: a plain function of the sessions' features, True where the offer is shown.
Policy = Callable[[pd.DataFrame], np.ndarray]


def _persuaded(p: np.ndarray, max_uplift: np.ndarray | float) -> np.ndarray:
    """Assumption 3: the offer adds ``max_uplift * 4 p (1 - p)`` to the log-odds of buying."""
    log_odds = np.log(p / (1 - p)) + max_uplift * 4 * p * (1 - p)
    return 1 / (1 + np.exp(-log_odds))


def no_offer(sessions: pd.DataFrame) -> np.ndarray:
    """Show the offer to nobody."""
    return np.zeros(len(sessions), dtype=bool)


def offer_to_everyone(sessions: pd.DataFrame) -> np.ndarray:
    """Show the offer to every visitor."""
    return np.ones(len(sessions), dtype=bool)


@dataclass(frozen=True)
class Truth:
    """Exact expected outcomes of a policy over the session population (per session)."""

    offered_share: float
    conversion_rate: float
    net_revenue: float


@dataclass(frozen=True)
class Arms:
    """Aggregates of many simulated two-arm experiments; each array has one entry per experiment.

    Arm A is the control, arm B the treatment. Revenue sums are of net revenue per visitor, with their sums of
    squares for variance estimates.
    """

    n_a: np.ndarray
    n_b: np.ndarray
    conversions_a: np.ndarray
    conversions_b: np.ndarray
    revenue_a: np.ndarray
    revenue_b: np.ndarray
    revenue_sq_a: np.ndarray
    revenue_sq_b: np.ndarray


class Shop:
    """The simulated shop. Build it with :func:`build_shop`.

    Parameters
    ----------
    sessions : DataFrame
        The session population (features and ``Revenue``).
    base_probability : array
        The true purchase probability of each session without an offer.
    margin, discount : float
        Gross margin on an order, and the discount of the offer, as shares of the order value.
    max_uplift : float
        Log-odds added by the offer to a visitor with p = 0.5.
    order_median, order_sigma : float
        Median (€) and log-scale spread of the log-normal order values.
    """

    def __init__(self, sessions: pd.DataFrame, base_probability: np.ndarray, *, margin: float = 0.30,
                 discount: float = 0.10, max_uplift: float = 1.5, order_median: float = 60.0,
                 order_sigma: float = 0.8) -> None:
        base_probability = np.asarray(base_probability, dtype=float)
        if len(base_probability) != len(sessions):
            raise ValueError("base_probability must have one value per session")
        if not ((base_probability > 0) & (base_probability < 1)).all():
            raise ValueError("base_probability must lie strictly between 0 and 1")
        if not 0 < discount < margin < 1:
            raise ValueError(f"need 0 < discount < margin < 1, got discount {discount}, margin {margin}")
        if max_uplift < 0 or order_median <= 0 or order_sigma <= 0:
            raise ValueError("max_uplift must be >= 0, order_median and order_sigma > 0")
        self.sessions = sessions.reset_index(drop=True)
        self.base_probability = base_probability
        self.margin, self.discount, self.max_uplift = margin, discount, max_uplift
        self.order_median, self.order_sigma = order_median, order_sigma

    @property
    def mean_order_value(self) -> float:
        """Expected order value (€): the mean of the log-normal."""
        return self.order_median * math.exp(self.order_sigma**2 / 2)

    def purchase_probability(self, offered: np.ndarray) -> np.ndarray:
        """True purchase probability of every session, with the offer where ``offered`` is True."""
        offered = self._flags(offered)
        return _persuaded(self.base_probability, offered * self.max_uplift)

    def _flags(self, offered: np.ndarray) -> np.ndarray:
        offered = np.asarray(offered)
        if offered.shape != (len(self.sessions),) or offered.dtype != bool:
            raise ValueError(f"a policy must return {len(self.sessions)} booleans, one per session; got "
                             f"{offered.dtype} of shape {offered.shape}")
        return offered

    def offers(self, policy: Policy) -> np.ndarray:
        """Apply a policy to the session population."""
        if not callable(policy):
            raise TypeError(f"policy must be a function of the sessions' features, got {type(policy).__name__}")
        return self._flags(policy(self.sessions[FEATURES]))

    def truth(self, policy: Policy, segment: np.ndarray | None = None) -> Truth:
        """Exact expected offer share, conversion rate and net revenue per session under a policy, over all
        sessions or over a segment (a boolean mask of the sessions)."""
        offered = self.offers(policy)
        p = self.purchase_probability(offered)
        value = self.mean_order_value * (self.margin - self.discount * offered)
        if segment is not None:
            segment = self._flags(segment)
            if not segment.any():
                raise ValueError("segment selects no session")
            offered, p, value = offered[segment], p[segment], value[segment]
        return Truth(float(offered.mean()), float(p.mean()), float((p * value).mean()))

    def simulate(self, control: Policy, treatment: Policy, *, n_visitors: int, n_experiments: int,
                 seed: int | np.random.Generator, treatment_share: float = 0.5) -> Arms:
        """Simulate many A/B experiments at once, vectorised, returning per-experiment aggregates.

        Visitors are split at random between the arms and drawn uniformly from the sessions; within an arm,
        visitors who are and are not offered the discount form two groups, whose conversions are binomial with
        the group's mean true probability, exactly as if each visitor were simulated one by one.
        """
        n_visitors = abtest._count("n_visitors", n_visitors, positive=True)
        n_experiments = abtest._count("n_experiments", n_experiments, positive=True)
        share = abtest._probability("treatment_share", treatment_share)
        rng = np.random.default_rng(seed)
        n_b = rng.binomial(n_visitors, share, size=n_experiments)
        n_a = n_visitors - n_b
        arms = {}
        for label, policy, n_arm in (("a", control, n_a), ("b", treatment, n_b)):
            offered = self.offers(policy)
            p = self.purchase_probability(offered)
            total = np.zeros(n_experiments, dtype=np.int64)
            revenue = np.zeros(n_experiments)
            revenue_sq = np.zeros(n_experiments)
            share_offered = offered.mean()
            n_offered = rng.binomial(n_arm, share_offered)
            for flag, n_group in ((True, n_offered), (False, n_arm - n_offered)):
                group = offered == flag
                if not group.any():
                    continue
                buyers = rng.binomial(n_group, p[group].mean())
                factor = self.margin - self.discount * flag
                self._add_order_values(buyers, factor, rng, revenue, revenue_sq)
                total += buyers
            arms[label] = (n_arm, total, revenue, revenue_sq)
        return Arms(n_a=arms["a"][0], n_b=arms["b"][0], conversions_a=arms["a"][1], conversions_b=arms["b"][1],
                    revenue_a=arms["a"][2], revenue_b=arms["b"][2], revenue_sq_a=arms["a"][3],
                    revenue_sq_b=arms["b"][3])

    def _add_order_values(self, buyers: np.ndarray, factor: float, rng: np.random.Generator,
                          revenue: np.ndarray, revenue_sq: np.ndarray, chunk: int = 2_000_000) -> None:
        """Draw every buyer's order value and add the net revenue (and its square) to its experiment's sums,
        a block of experiments at a time so that memory stays small however many orders there are."""
        start = 0
        cumulative = np.cumsum(buyers)
        while start < len(buyers):
            before = cumulative[start - 1] if start else 0
            stop = max(start + 1, int(np.searchsorted(cumulative, before + chunk, side="right")))
            block = buyers[start:stop]
            values = factor * rng.lognormal(math.log(self.order_median), self.order_sigma, int(block.sum()))
            owner = np.repeat(np.arange(len(block)), block)
            revenue[start:stop] += np.bincount(owner, weights=values, minlength=len(block))
            revenue_sq[start:stop] += np.bincount(owner, weights=values**2, minlength=len(block))
            start = stop

    def event_log(self, control: Policy, treatment: Policy, *, n_visitors: int, experiment: str,
                  seed: int | np.random.Generator, visitors_per_day: int = 2_000,
                  assignment: Callable[[np.ndarray], np.ndarray] | None = None) -> pd.DataFrame:
        """Simulate one experiment visitor by visitor and return its event log.

        Each row is a visitor: id, day, the session drawn for it, its variant (by :func:`abtest.assign`, or by
        ``assignment``, a function of the visitor ids, to simulate a buggy assignment), whether the offer was
        shown, whether it bought, the order value and the net revenue.
        """
        n_visitors = abtest._count("n_visitors", n_visitors, positive=True)
        rng = np.random.default_rng(seed)
        ids = np.array([f"v{index:07d}" for index in range(n_visitors)], dtype=object)
        variant = (abtest.assign(ids, experiment, {"control": 0.5, "treatment": 0.5}) if assignment is None
                   else np.asarray(assignment(ids), dtype=object))
        rows = rng.integers(0, len(self.sessions), n_visitors)
        offered = np.where(variant == "treatment", self.offers(treatment)[rows], self.offers(control)[rows])
        p_buy = np.where(offered, self.purchase_probability(np.ones(len(self.sessions), bool))[rows],
                         self.base_probability[rows])
        bought = rng.random(n_visitors) < p_buy
        value = np.where(bought, rng.lognormal(math.log(self.order_median), self.order_sigma, n_visitors), 0.0)
        log = pd.DataFrame({"visitor_id": ids, "day": np.arange(n_visitors) // visitors_per_day + 1,
                            "session": rows, "variant": variant, "offered": offered, "purchased": bought,
                            "order_value": value.round(2),
                            "net_revenue": (value * (self.margin - self.discount * offered)).round(2)})
        return log.join(self.sessions[["VisitorType"]], on="session")


def build_shop(sessions: pd.DataFrame | None = None, **assumptions: float) -> Shop:
    """Build the simulated shop from the real sessions (a few seconds; deterministic).

    The true purchase probabilities are out-of-fold predictions of chapter 01's prototype pipeline, fitted on
    all sessions in five stratified folds with a fixed seed, clipped to [0.001, 0.999].
    """
    sessions = load_sessions() if sessions is None else sessions
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=2024)
    probability = cross_val_predict(make_prototype_pipeline(), sessions[FEATURES], sessions[TARGET], cv=folds,
                                    method="predict_proba")[:, 1]
    return Shop(sessions, np.clip(probability, 0.001, 0.999), **assumptions)


@dataclass(frozen=True)
class OfferVariant:
    """One offer the shop can show to every visitor: a discount (share of the order value), its persuasion
    (log-odds added at p = 0.5, as in assumption 3), and a fixed cost per order (e.g. shipping the shop pays)."""

    name: str
    discount: float = 0.0
    max_uplift: float = 0.0
    fixed_cost: float = 0.0


#: The variants of chapter 04; their persuasion and costs are assumptions of the simulated shop.
OFFER_VARIANTS = [
    OfferVariant("no offer"),
    OfferVariant("5 % off", discount=0.05, max_uplift=0.7),
    OfferVariant("10 % off", discount=0.10, max_uplift=1.5),
    OfferVariant("free shipping", discount=0.0, max_uplift=1.0, fixed_cost=4.0),
]


def variant_probability(shop: Shop, variant: OfferVariant) -> np.ndarray:
    """True purchase probability of every session when everyone is shown ``variant``."""
    return _persuaded(shop.base_probability, variant.max_uplift)


def variant_value(shop: Shop, variant: OfferVariant) -> float:
    """Exact expected net revenue per visitor (€) when everyone is shown ``variant``."""
    p = variant_probability(shop, variant)
    return float(np.mean(p * (shop.mean_order_value * (shop.margin - variant.discount) - variant.fixed_cost)))


def variant_rewards(shop: Shop, variants: list[OfferVariant], *, scale: float = 1.0):
    """A reward sampler for :func:`helpers.bandits.simulate_rewards`: each simulation's next visitor is a random
    session; it buys with the chosen variant's probability; the reward is its net revenue (€) divided by
    ``scale`` (use a scale that maps rewards into [0, 1] for UCB1 and Thompson sampling; larger ones are
    clipped at 1)."""
    if not variants:
        raise ValueError("variants must list at least one OfferVariant")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    probability = np.stack([variant_probability(shop, v) for v in variants])
    factor = np.array([shop.margin - v.discount for v in variants])
    fixed = np.array([v.fixed_cost for v in variants])

    def sample(arms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        sessions = rng.integers(0, probability.shape[1], len(arms))
        bought = rng.random(len(arms)) < probability[arms, sessions]
        value = rng.lognormal(math.log(shop.order_median), shop.order_sigma, len(arms))
        reward = np.where(bought, value * factor[arms] - fixed[arms], 0.0) / scale
        return np.minimum(reward, 1.0) if scale != 1.0 else reward

    return sample
