"""A simulated web shop built from the real sessions, in which the truth is known.

Assumptions (chapter 03 states them too):

1. **Visitors** are drawn with replacement from the 12,330 real sessions (or from a subset of them, see
   :meth:`Shop.subset`), each with its own visitor id.
2. **Purchase without an offer.** Each session has a hidden true purchase probability: the out-of-fold
   prediction of a logistic regression (on log-scaled numbers and one-hot categories) fitted on all sessions
   (five folds, fixed seed), so that it is calibrated and not the model's memory of the session's own label.
   It is deliberately of another family than chapter 01's gradient-boosting prototype, so that a policy that
   targets with the prototype's score does not score with the truth's own model (``build_shop(truth_model=
   "boosting")`` rebuilds the earlier truth, the prototype family's out-of-fold prediction).
3. **The offer** (a time-limited discount) adds ``max_uplift * 4 p (1 - p)`` to the log-odds of buying: most
   for hesitant visitors (p near 0.5), little for visitors who buy anyway (p near 1), nothing for those with
   no intent (p near 0). Those who buy anyway still get the discount.
4. **Order values** are log-normal (median ``order_median`` €, shape ``order_sigma``), independent of the
   session and of the offer.
5. **Net revenue** of a session is the order value times the margin, minus the discount on the order when the
   offer was shown; zero without a purchase.
6. **The week** (only where asked for with ``weekly=True`` or a ``weekday``): an experiment starts on a Monday;
   the traffic of weekday ``d`` is ``WEEKLY_TRAFFIC[d]`` times the average day's; on Saturdays and Sundays the
   visitors are drawn from the sessions flagged ``Weekend``, on the other days from the rest; and
   ``WEEKLY_LOG_ODDS[d]`` is added to every visitor's log-odds of buying that day (before the offer's uplift).
   Without it, there is no weekly cycle and visitors are drawn from all sessions.

Because these are all the assumptions, the shop computes the **true** expected effect of any targeting policy
exactly, by averaging over the session population (:meth:`Shop.truth`), and simulations can be checked
against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from helpers import abtest
from helpers.data import BOOLEAN_COLUMNS, CATEGORICAL_COLUMNS, FEATURES, NUMERIC_COLUMNS, TARGET, load_sessions
from helpers.prototype import make_prototype_pipeline

#: A targeting policy: a plain function of the sessions' features, True where the offer is shown.
Policy = Callable[[pd.DataFrame], np.ndarray]

#: Names of the weekdays; an experiment's day 1 is a Monday.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Assumption 6: each weekday's traffic relative to the average day (they sum to 7).
WEEKLY_TRAFFIC = (1.10, 1.05, 1.00, 1.00, 0.95, 0.85, 1.05)
#: Assumption 6: log-odds of buying added on each weekday (weekend visitors are more inclined to buy).
WEEKLY_LOG_ODDS = (0.0, 0.0, 0.0, -0.1, -0.1, 0.5, 0.6)


def _shifted(p: np.ndarray, log_odds: np.ndarray | float) -> np.ndarray:
    """Assumption 6: add ``log_odds`` to the log-odds of buying."""
    return 1 / (1 + np.exp(-(np.log(p / (1 - p)) + log_odds)))


def _weekday(weekday: int | None) -> int | None:
    if weekday is None:
        return None
    if isinstance(weekday, bool) or not isinstance(weekday, (int, np.integer)) or not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be None or a whole number from 0 (Monday) to 6 (Sunday), got {weekday!r}")
    return int(weekday)


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

    def purchase_probability(self, offered: np.ndarray, *, weekday: int | None = None) -> np.ndarray:
        """True purchase probability of every session, with the offer where ``offered`` is True.

        With ``weekday`` (0 = Monday … 6 = Sunday), that day's shift of the log-odds (assumption 6) is applied
        first; by default there is no weekly cycle.
        """
        offered = self._flags(offered)
        weekday = _weekday(weekday)
        base = self.base_probability if weekday is None else _shifted(self.base_probability,
                                                                      WEEKLY_LOG_ODDS[weekday])
        return _persuaded(base, offered * self.max_uplift)

    def day_sessions(self, weekday: int) -> np.ndarray:
        """Boolean mask of the sessions that visitors are drawn from on ``weekday`` (0 = Monday … 6 = Sunday):
        the sessions flagged ``Weekend`` on Saturdays and Sundays, the others on weekdays (assumption 6)."""
        weekday = _weekday(weekday)
        if weekday is None:
            raise ValueError("weekday must be a whole number from 0 (Monday) to 6 (Sunday), got None")
        weekend = self.sessions["Weekend"].to_numpy(dtype=bool)
        return weekend if weekday >= 5 else ~weekend

    def subset(self, rows: np.ndarray) -> Shop:
        """The same shop restricted to some of its sessions: a boolean mask with one value per session, or
        their positions (e.g. the test set's rows, visitors a model was not trained on)."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            positions = np.flatnonzero(self._flags(rows))
        elif np.issubdtype(rows.dtype, np.integer) and rows.ndim == 1:
            if len(np.unique(rows)) != len(rows) or (rows < 0).any() or (rows >= len(self.sessions)).any():
                raise ValueError(f"rows must be distinct positions from 0 to {len(self.sessions) - 1}")
            positions = rows
        else:
            raise TypeError(f"rows must be a boolean mask or whole-number positions, got {rows.dtype} of shape "
                            f"{rows.shape}")
        if len(positions) == 0:
            raise ValueError("rows selects no session")
        return Shop(self.sessions.iloc[positions], self.base_probability[positions], margin=self.margin,
                    discount=self.discount, max_uplift=self.max_uplift, order_median=self.order_median,
                    order_sigma=self.order_sigma)

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

    def truth(self, policy: Policy, segment: np.ndarray | None = None, *, weekday: int | None = None) -> Truth:
        """Exact expected offer share, conversion rate and net revenue per session under a policy, over all
        sessions or over a segment (a boolean mask of the sessions).

        With ``weekday`` (0 = Monday … 6 = Sunday): the truth for that day's visitors under the weekly cycle
        (assumption 6); by default there is no weekly cycle.
        """
        offered = self.offers(policy)
        mask = np.ones(len(self.sessions), bool) if segment is None else self._flags(segment)
        if not mask.any():
            raise ValueError("segment selects no session")
        return self._truth(offered, mask, _weekday(weekday))

    def _truth(self, offered: np.ndarray, mask: np.ndarray, weekday: int | None) -> Truth:
        if weekday is not None:
            mask = mask & self.day_sessions(weekday)
            if not mask.any():
                raise ValueError(f"segment selects no session on {WEEKDAYS[weekday]}")
        p = self.purchase_probability(offered, weekday=weekday)
        value = self.mean_order_value * (self.margin - self.discount * offered)
        return Truth(float(offered[mask].mean()), float(p[mask].mean()), float((p * value)[mask].mean()))

    def truth_over_days(self, policy: Policy, segment: np.ndarray | None = None, *, days: int = 7) -> Truth:
        """Exact expected outcomes per visitor of an experiment that runs ``days`` days from a Monday under the
        weekly cycle (assumption 6): each weekday's truth weighted by its traffic (and by its share of the
        segment's sessions). Whole weeks give the weekly truth; other lengths give what a test that stops then
        estimates."""
        days = abtest._count("days", days, positive=True)
        offered = self.offers(policy)
        mask = np.ones(len(self.sessions), bool) if segment is None else self._flags(segment)
        counts = np.bincount(np.arange(days) % 7, minlength=7)
        weights, truths = [], []
        for weekday in range(7):
            day = self.day_sessions(weekday)
            weight = counts[weekday] * WEEKLY_TRAFFIC[weekday] * (mask & day).sum() / max(day.sum(), 1)
            if weight > 0:
                weights.append(weight)
                truths.append(self._truth(offered, mask, weekday))
        if not weights:
            raise ValueError("segment selects no session on the days of the experiment")
        w = np.array(weights) / np.sum(weights)
        return Truth(*(float(w @ np.array([getattr(t, field) for t in truths]))
                       for field in ("offered_share", "conversion_rate", "net_revenue")))

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
        a block of experiments at a time so that memory stays small however many orders there are.

        The values are ``exp(log(median) + sigma * z)`` for standard normal ``z``, as ``rng.lognormal`` computes
        them one at a time, from the same normal draws (NumPy's vectorised ``exp`` can differ from it in the last
        bit); each experiment's orders are consecutive, so its sums are sums over one slice (``np.add.reduceat``)."""
        log_median, sigma = math.log(self.order_median), self.order_sigma
        start = 0
        cumulative = np.cumsum(buyers)
        while start < len(buyers):
            before = cumulative[start - 1] if start else 0
            stop = max(start + 1, int(np.searchsorted(cumulative, before + chunk, side="right")))
            block = buyers[start:stop]
            has_orders = block > 0
            if has_orders.any():
                values = factor * np.exp(log_median + sigma * rng.standard_normal(int(block.sum())))
                first = (np.cumsum(block) - block)[has_orders]  # where each experiment's orders begin
                index = start + np.flatnonzero(has_orders)
                revenue[index] += np.add.reduceat(values, first)
                revenue_sq[index] += np.add.reduceat(values**2, first)
            start = stop

    def event_log(self, control: Policy, treatment: Policy, *, n_visitors: int, experiment: str,
                  seed: int | np.random.Generator, visitors_per_day: int = 2_000,
                  assignment: Callable[[np.ndarray], np.ndarray] | None = None,
                  weekly: bool = False) -> pd.DataFrame:
        """Simulate one experiment visitor by visitor and return its event log.

        Each row is a visitor: id, day, the session drawn for it, its variant (by :func:`abtest.assign`, or by
        ``assignment``, a function of the visitor ids, to simulate a buggy assignment), whether the offer was
        shown, whether it bought, the order value and the net revenue.

        With ``weekly=True`` the shop has a weekly cycle (assumption 6): day 1 is a Monday, each weekday gets
        ``WEEKLY_TRAFFIC[d] * visitors_per_day`` visitors (so whole weeks hold ``7 * visitors_per_day``), drawn
        from that day's sessions and buying with that day's shifted probability; the log gains a ``weekday``
        column. Without it, every day has ``visitors_per_day`` visitors drawn from all sessions.
        """
        n_visitors = abtest._count("n_visitors", n_visitors, positive=True)
        visitors_per_day = abtest._count("visitors_per_day", visitors_per_day, positive=True)
        if not isinstance(weekly, bool):
            raise TypeError(f"weekly must be True or False, got {weekly!r}")
        rng = np.random.default_rng(seed)
        ids = np.array([f"v{index:07d}" for index in range(n_visitors)], dtype=object)
        variant = (abtest.assign(ids, experiment, {"control": 0.5, "treatment": 0.5}) if assignment is None
                   else np.asarray(assignment(ids), dtype=object))
        if weekly:
            day, weekday, rows = self._weekly_visitors(n_visitors, visitors_per_day, rng)
            p_without = _shifted(self.base_probability[rows], np.asarray(WEEKLY_LOG_ODDS)[weekday])
        else:
            day = np.arange(n_visitors) // visitors_per_day + 1
            rows = rng.integers(0, len(self.sessions), n_visitors)
            p_without = self.base_probability[rows]
        control_offers = self.offers(control)
        treatment_offers = control_offers if treatment is control else self.offers(treatment)  # A/A: apply once
        offered = np.where(variant == "treatment", treatment_offers[rows], control_offers[rows])
        p_buy = np.where(offered, _persuaded(p_without, self.max_uplift), p_without)
        bought = rng.random(n_visitors) < p_buy
        value = np.where(bought, rng.lognormal(math.log(self.order_median), self.order_sigma, n_visitors), 0.0)
        log = pd.DataFrame({"visitor_id": ids, "day": day, "session": rows, "variant": variant,
                            "offered": offered, "purchased": bought, "order_value": value.round(2),
                            "net_revenue": (value * (self.margin - self.discount * offered)).round(2)})
        if weekly:
            log.insert(2, "weekday", np.array(WEEKDAYS)[weekday])
        log["VisitorType"] = self.sessions["VisitorType"].take(rows).reset_index(drop=True)
        return log

    def _weekly_visitors(self, n_visitors: int, visitors_per_day: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Day number, weekday and session of each visitor in arrival order, under assumption 6."""
        edges = np.round(np.cumsum(WEEKLY_TRAFFIC) * visitors_per_day).astype(int)
        arrival = np.arange(n_visitors)
        weekday = np.searchsorted(edges, arrival % edges[-1], side="right")
        day = arrival // edges[-1] * 7 + weekday + 1
        rows = np.empty(n_visitors, dtype=np.int64)
        for number in range(7):
            pool = np.flatnonzero(self.day_sessions(number))
            today = weekday == number
            if today.any() and len(pool) == 0:
                raise ValueError(f"the shop has no session to draw on {WEEKDAYS[number]} (assumption 6 draws "
                                 "weekend sessions on Saturdays and Sundays, the others on weekdays)")
            rows[today] = pool[rng.integers(0, max(len(pool), 1), today.sum())]
        return day, weekday, rows


def make_truth_pipeline() -> Pipeline:
    """The model family of the shop's truth (assumption 2), unfitted: a logistic regression on the log of
    ``1 + x`` of the numbers (standardised), one-hot categories (rare ones, under 20 sessions, pooled) and the
    weekend flag, fitted to its optimum by Newton's method (``solver="newton-cholesky"``, a tolerance of 1e-8: the
    default L-BFGS stops early enough to leave probabilities 0.05 from the optimum). It is of another family than
    chapter 01's gradient-boosting prototype."""
    prepare = ColumnTransformer([
        ("numbers", make_pipeline(FunctionTransformer(np.log1p), StandardScaler()), NUMERIC_COLUMNS),
        ("categories", OneHotEncoder(handle_unknown="ignore", min_frequency=20), CATEGORICAL_COLUMNS),
        ("flags", "passthrough", BOOLEAN_COLUMNS),
    ])
    return make_pipeline(prepare, LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-8))


def build_shop(sessions: pd.DataFrame | None = None, *, truth_model: Literal["logistic", "boosting"] = "logistic",
               **assumptions: float) -> Shop:
    """Build the simulated shop from the real sessions (a second or two; deterministic).

    The true purchase probabilities are out-of-fold predictions, fitted on all sessions in five stratified folds
    with a fixed seed and clipped to [0.001, 0.999], of :func:`make_truth_pipeline` (``truth_model="logistic"``,
    the default) or of chapter 01's prototype pipeline (``"boosting"``, the prototype's own family: policies that
    target with the prototype's score then score with nearly the truth's model). ``assumptions`` go to
    :class:`Shop`.
    """
    if truth_model not in ("logistic", "boosting"):
        raise ValueError(f"truth_model must be 'logistic' or 'boosting', got {truth_model!r}")
    sessions = load_sessions() if sessions is None else sessions
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=2024)
    model = make_truth_pipeline() if truth_model == "logistic" else make_prototype_pipeline()
    probability = cross_val_predict(model, sessions[FEATURES], sessions[TARGET].astype(int), cv=folds,
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
