"""Chapter 05's simulations: faster and safer experiments in the simulated shop of :mod:`helpers.simulate`.

Everything here builds on the shop's public interface and adds, **only where a function is asked for it**, the
assumptions a chapter on variance reduction, ratio metrics and threats to validity needs. Each is stated where
it is used:

A. **Visitors with several sessions** (:func:`visitor_experiments`). A visitor has a *habitual* session, drawn
   uniformly from the real sessions. Each of the visitor's sessions repeats the habitual one (its fields and so
   its true purchase probability) with probability ``loyalty``, and is otherwise a fresh session drawn uniformly.
   Every single session is therefore still a uniform draw, so the shop's per-session truth holds unchanged;
   only sessions of the same visitor are alike. The number of sessions does not depend on the variant.
B. **Visitors spend alike.** A share ``spend_share`` of the variance of the log order value belongs to the
   visitor (a normal visitor effect), the rest to the order; the order values stay log-normal with the shop's
   median and shape, so the shop's truth is unchanged.
C. **A pre-period.** Before the experiment each visitor had a Poisson number of sessions (mean
   ``pre_sessions``) under the control policy, drawn by assumptions A and B.
D. **A leaked coupon code** (interference): each control visitor uses the treatment's offer, found on a coupon
   site, with probability ``leak``, in every session where the treatment would have shown it, and then behaves
   exactly as a treated visitor. Who finds the code is random (it does not depend on the visitor's session).
E. **Novelty** (:func:`daily_arms`): on day ``d`` of an experiment, the log-odds the offer adds to a session's
   purchase are multiplied by ``1 + novelty * 2 ** (-(d - 1) / half_life)``: the offer persuades more while it
   is new and settles to the shop's long-run effect.
F. **Daily traffic varies** (:func:`daily_traffic`): each day brings the average traffic times a weekday factor
   times a log-normal day-to-day factor.
G. **A record that includes the purchase** (:func:`end_of_session_fields`): fields read at the end of a session
   include what happened after the offer: a purchase adds the checkout's pages to the product-page count and
   credits the pages visited with the order, which raises the session's page value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from helpers.abtest import _count, _probability
from helpers.simulate import Policy, Shop

#: Assumption F: traffic of each weekday (Monday first) relative to the average day; they sum to 7.
WEEKDAY_TRAFFIC = (1.10, 1.05, 1.00, 1.00, 0.95, 0.85, 1.05)
#: Assumption G: product pages a checkout adds, and the page value (€) it credits to the session's pages.
CHECKOUT_PAGES = 4
CHECKOUT_PAGE_VALUE = 25.0


def _share(name: str, value: float, *, closed: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (0 <= value <= 1 if closed else 0 < value < 1):
        raise ValueError(f"{name} must lie {'in [0, 1]' if closed else 'strictly between 0 and 1'}, got {value!r}")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _shop(shop: Shop) -> Shop:
    if not isinstance(shop, Shop):
        raise TypeError(f"shop must be a helpers.simulate.Shop (build it with build_shop()), got "
                        f"{type(shop).__name__}")
    return shop


@dataclass(frozen=True)
class Visitors:
    """Simulated experiments with one row per experiment and one column per visitor (2-D arrays).

    ``treatment`` is True for visitors in the treatment. Over the experiment: ``sessions`` per visitor,
    ``purchases``, ``revenue`` (net revenue, €) and ``revenue_sq`` (the sum of the squares of each session's net
    revenue, for session-level variances); ``first_session`` is the row in ``shop.sessions`` of the visitor's
    first session in the experiment and ``first_purchased`` whether that session bought; ``leaked`` marks the
    control visitors who used the leaked coupon code (assumption D). Before it (assumption C): ``pre_sessions``,
    ``pre_revenue`` and ``pre_covariate``, the sum over the visitor's pre-period sessions of a per-session
    value (zero without one; see :func:`visitor_experiments`).
    """

    treatment: np.ndarray
    sessions: np.ndarray
    purchases: np.ndarray
    revenue: np.ndarray
    revenue_sq: np.ndarray
    first_session: np.ndarray
    first_purchased: np.ndarray
    pre_sessions: np.ndarray
    pre_revenue: np.ndarray
    pre_covariate: np.ndarray
    leaked: np.ndarray


def _sessions_of(counts: np.ndarray, habitual: np.ndarray, loyalty: float, n_all: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Assumption A: each visitor's sessions (owner, session row), the habitual one with probability loyalty."""
    owner = np.repeat(np.arange(len(counts)), counts)
    fresh = rng.integers(0, n_all, len(owner))
    return owner, np.where(rng.random(len(owner)) < loyalty, habitual[owner], fresh)


def _outcomes(shop: Shop, rows: np.ndarray, offered: np.ndarray, log_spend: np.ndarray,
              rng: np.random.Generator, p_offer: np.ndarray, order_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Purchase and net revenue of each session (assumptions B and the shop's 2-5)."""
    p = np.where(offered, p_offer[rows], shop.base_probability[rows])
    bought = rng.random(len(rows)) < p
    # an order value for every session, bought or not, so that simulations with the same seed stay paired
    value = np.exp(math.log(shop.order_median) + log_spend + rng.normal(0.0, order_sd, len(rows)))
    return bought, np.where(bought, value * (shop.margin - shop.discount * offered), 0.0)


def visitor_experiments(shop: Shop, control: Policy, treatment: Policy, *, n_visitors: int, n_experiments: int,
                        seed: int | np.random.Generator, extra_sessions: float = 0.0, pre_sessions: float = 0.0,
                        loyalty: float = 0.0, spend_share: float = 0.0, leak: float = 0.0,
                        treatment_share: float = 0.5, session_value: np.ndarray | None = None) -> Visitors:
    """Simulate many experiments randomised by visitor, vectorised, and return per-visitor totals.

    With the defaults every visitor has exactly one session, as in chapter 03's shop; the keyword arguments
    switch on the assumptions of this module (A-D in its docstring).

    Parameters
    ----------
    shop : Shop
        The simulated shop (:func:`helpers.simulate.build_shop`).
    control, treatment : Policy
        Targeting policies of the two arms.
    n_visitors, n_experiments : int
        Visitors per experiment and experiments simulated.
    seed : int or numpy.random.Generator
    extra_sessions : float, default 0
        Each visitor has ``1 + Poisson(extra_sessions)`` sessions during the experiment.
    pre_sessions : float, default 0
        Mean (Poisson) number of sessions in the pre-period (assumption C).
    loyalty : float in [0, 1], default 0
        Chance that a session repeats the visitor's habitual session (assumption A).
    spend_share : float in [0, 1), default 0
        Share of the log order value's variance that belongs to the visitor (assumption B).
    leak : float in [0, 1], default 0
        Chance that a control visitor uses the treatment's leaked coupon code (assumption D).
    treatment_share : float in (0, 1), default 0.5
        Chance that a visitor is in the treatment.
    session_value : array of numbers, one per row of ``shop.sessions``, optional
        A value known for every session (e.g. a model's score); ``pre_covariate`` sums it over each visitor's
        pre-period sessions. Without it, ``pre_covariate`` is zero.

    Returns
    -------
    Visitors
        Arrays of shape ``(n_experiments, n_visitors)``.
    """
    shop = _shop(shop)
    n_visitors = _count("n_visitors", n_visitors, positive=True)
    n_experiments = _count("n_experiments", n_experiments, positive=True)
    extra_sessions = _non_negative("extra_sessions", extra_sessions)
    pre_sessions = _non_negative("pre_sessions", pre_sessions)
    loyalty, leak = _share("loyalty", loyalty), _share("leak", leak)
    spend_share = _share("spend_share", spend_share)
    if spend_share == 1:
        raise ValueError("spend_share must be below 1: each order keeps some variation of its own")
    share = _probability("treatment_share", treatment_share)
    if session_value is None:
        values = np.zeros(len(shop.sessions))
    else:
        values = np.asarray(session_value)
        if values.shape != (len(shop.sessions),) or not np.issubdtype(values.dtype, np.number):
            raise ValueError(f"session_value must hold one number per session of the shop "
                             f"({len(shop.sessions)}), got shape {values.shape}")
        values = values.astype(float)
        if not np.isfinite(values).all():
            raise ValueError("session_value holds non-finite values (NaN or inf)")
    rng = np.random.default_rng(seed)
    offers = (shop.offers(control), shop.offers(treatment))
    p_offer = shop.purchase_probability(np.ones(len(shop.sessions), dtype=bool))
    settings = (extra_sessions, pre_sessions, loyalty, spend_share, leak, share, values)
    block = max(1, _BLOCK_VISITORS // n_visitors)  # experiments per block, so that memory stays small
    parts = [_visitor_block(shop, offers, p_offer, min(block, n_experiments - start), n_visitors, settings, rng)
             for start in range(0, n_experiments, block)]
    return Visitors(**{name: np.concatenate([part[name] for part in parts]) for name in parts[0]})


#: Visitors simulated at once by :func:`visitor_experiments` (bounds its working memory to some 50 MB).
_BLOCK_VISITORS = 100_000


def _visitor_block(shop: Shop, offers: tuple[np.ndarray, np.ndarray], p_offer: np.ndarray, n_experiments: int,
                   n_visitors: int, settings: tuple, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One block of :func:`visitor_experiments`' experiments."""
    extra_sessions, pre_sessions, loyalty, spend_share, leak, share, session_value = settings
    offers_c, offers_t = offers
    n_all, size = len(shop.sessions), n_visitors * n_experiments
    visitor_sd = math.sqrt(spend_share) * shop.order_sigma
    order_sd = math.sqrt(1 - spend_share) * shop.order_sigma

    habitual = rng.integers(0, n_all, size)
    log_spend = rng.normal(0.0, visitor_sd, size) if visitor_sd > 0 else np.zeros(size)
    treated = rng.random(size) < share
    leaked = ~treated & (rng.random(size) < leak)
    counts = 1 + (rng.poisson(extra_sessions, size) if extra_sessions > 0 else np.zeros(size, dtype=np.int64))
    owner, rows = _sessions_of(counts, habitual, loyalty, n_all, rng)
    offered = np.where(treated[owner] | leaked[owner], offers_t[rows], offers_c[rows])
    bought, net = _outcomes(shop, rows, offered, log_spend[owner], rng, p_offer, order_sd)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])

    pre_counts = rng.poisson(pre_sessions, size) if pre_sessions > 0 else np.zeros(size, dtype=np.int64)
    pre_owner, pre_rows = _sessions_of(pre_counts, habitual, loyalty, n_all, rng)
    _, pre_net = _outcomes(shop, pre_rows, offers_c[pre_rows], log_spend[pre_owner], rng, p_offer, order_sd)

    def total(values: np.ndarray, by: np.ndarray) -> np.ndarray:
        return np.bincount(by, weights=values, minlength=size).reshape(n_experiments, n_visitors)

    shape = (n_experiments, n_visitors)
    return {"treatment": treated.reshape(shape), "sessions": counts.reshape(shape),
            "purchases": np.bincount(owner, weights=bought, minlength=size).round().astype(np.int64).reshape(shape),
            "revenue": total(net, owner), "revenue_sq": total(net**2, owner),
            "first_session": rows[first].reshape(shape), "first_purchased": bought[first].reshape(shape),
            "pre_sessions": pre_counts.reshape(shape), "pre_revenue": total(pre_net, pre_owner),
            "pre_covariate": total(session_value[pre_rows], pre_owner), "leaked": leaked.reshape(shape)}


def end_of_session_fields(sessions: pd.DataFrame, purchased: bool) -> pd.DataFrame:
    """The sessions' fields as read at the end of the session (assumption G), when every one of them did or
    did not buy: a purchase adds ``CHECKOUT_PAGES`` product pages and credits the session's pages with
    ``CHECKOUT_PAGE_VALUE`` € of page value (spread over its pages, added to their average)."""
    if not isinstance(sessions, pd.DataFrame):
        raise TypeError(f"sessions must be a pandas DataFrame, got {type(sessions).__name__}")
    missing = {"ProductRelated", "Administrative", "Informational", "PageValues"} - set(sessions.columns)
    if missing:
        raise ValueError(f"sessions lacks the columns {sorted(missing)}")
    if not isinstance(purchased, bool):
        raise TypeError(f"purchased must be True or False, got {purchased!r}")
    fields = sessions.copy()
    if purchased:
        pages = fields["Administrative"] + fields["Informational"] + fields["ProductRelated"] + CHECKOUT_PAGES
        fields["ProductRelated"] = fields["ProductRelated"] + CHECKOUT_PAGES
        fields["PageValues"] = fields["PageValues"] + CHECKOUT_PAGE_VALUE * CHECKOUT_PAGES / pages
    return fields


def capped_moments(shop: Shop, policy: Policy, cap: float) -> tuple[float, float]:
    """Exact mean and variance of a visitor's net revenue (one session, chapter 03's shop) capped at ``cap`` €.

    Uses the log-normal's partial moments: for ``X`` log-normal(mu, s), ``E[X^k; X < c] = exp(k mu + k^2 s^2 / 2)
    Phi((ln c - mu - k s^2) / s)``. ``cap=inf`` gives the uncapped moments.
    """
    shop = _shop(shop)
    if isinstance(cap, bool) or not isinstance(cap, (int, float, np.integer, np.floating)) or not cap > 0:
        raise ValueError(f"cap must be a positive number of euros (or inf), got {cap!r}")
    offered = shop.offers(policy)
    p = shop.purchase_probability(offered)
    factor = shop.margin - shop.discount * offered
    mu, s = math.log(shop.order_median), shop.order_sigma
    moments = []
    for k in (1, 2):
        full = math.exp(k * mu + k**2 * s**2 / 2)
        if math.isinf(cap):
            part = np.full(len(p), full)
        else:
            limit = np.log(cap / factor)  # net revenue f V < cap  <=>  V < cap / f
            part = full * stats.norm.cdf((limit - mu - k * s**2) / s) + (cap / factor) ** k * stats.norm.sf(
                (limit - mu) / s)
        moments.append(float(np.mean(p * factor**k * part)))
    return moments[0], moments[1] - moments[0] ** 2


def daily_traffic(n_days: int, mean_per_day: int, *, seed: int | np.random.Generator,
                  day_to_day: float = 0.15) -> np.ndarray:
    """Visitors on each day of an experiment that starts on a Monday (assumption F): ``mean_per_day`` times the
    weekday's factor (:data:`WEEKDAY_TRAFFIC`) times a log-normal factor of log-scale ``day_to_day``, rounded."""
    n_days = _count("n_days", n_days, positive=True)
    mean_per_day = _count("mean_per_day", mean_per_day, positive=True)
    day_to_day = _non_negative("day_to_day", day_to_day)
    rng = np.random.default_rng(seed)
    weekday = np.array(WEEKDAY_TRAFFIC)[np.arange(n_days) % 7]
    noise = np.exp(rng.normal(-day_to_day**2 / 2, day_to_day, n_days))
    return np.maximum(1, np.round(mean_per_day * weekday * noise)).astype(np.int64)


def _novel_probability(shop: Shop, multiplier: float) -> np.ndarray:
    """Assumption E: the offer's added log-odds times ``multiplier``."""
    base = shop.base_probability
    added = np.log(shop.purchase_probability(np.ones(len(base), dtype=bool))) - np.log(base)
    added -= np.log1p(-shop.purchase_probability(np.ones(len(base), dtype=bool))) - np.log1p(-base)
    log_odds = np.log(base) - np.log1p(-base) + multiplier * added
    return 1 / (1 + np.exp(-log_odds))


def _novelty_multipliers(n_days: int, novelty: float, half_life: float) -> np.ndarray:
    return 1 + novelty * 2.0 ** (-np.arange(n_days) / half_life)


def novelty_truth(shop: Shop, control: Policy, treatment: Policy, *, n_days: int, novelty: float,
                  half_life: float) -> np.ndarray:
    """The exact true effect on net revenue per visitor (€, treatment minus control) on each day under
    assumption E."""
    shop = _shop(shop)
    n_days = _count("n_days", n_days, positive=True)
    novelty, half_life = _non_negative("novelty", novelty), _non_negative("half_life", half_life)
    if half_life == 0:
        raise ValueError("half_life must be positive (days)")
    value = shop.mean_order_value
    effects = []
    for multiplier in _novelty_multipliers(n_days, novelty, half_life):
        p_offer = _novel_probability(shop, multiplier)
        per_arm = []
        for policy in (control, treatment):
            offered = shop.offers(policy)
            p = np.where(offered, p_offer, shop.base_probability)
            per_arm.append(float(np.mean(p * value * (shop.margin - shop.discount * offered))))
        effects.append(per_arm[1] - per_arm[0])
    return np.array(effects)


def daily_arms(shop: Shop, control: Policy, treatment: Policy, *, traffic: Sequence[int], seed: int |
               np.random.Generator, novelty: float = 0.0, half_life: float = 3.0) -> pd.DataFrame:
    """Simulate one experiment day by day (visitors of one session each, split 50/50) under assumption E.

    Returns one row per day and arm with the visitors ``n``, the ``revenue`` sum and the ``revenue_sq`` sum of
    squares of net revenue per visitor.
    """
    shop = _shop(shop)
    traffic = np.asarray(traffic)
    if traffic.ndim != 1 or len(traffic) == 0 or not np.issubdtype(traffic.dtype, np.integer) or (
            traffic < 2).any():
        raise ValueError("traffic must be a sequence of whole numbers of visitors per day, each at least 2")
    novelty, half_life = _non_negative("novelty", novelty), _non_negative("half_life", half_life)
    if half_life == 0:
        raise ValueError("half_life must be positive (days)")
    rng = np.random.default_rng(seed)
    offers = {"control": shop.offers(control), "treatment": shop.offers(treatment)}
    rows = []
    for day, (visitors, multiplier) in enumerate(zip(traffic, _novelty_multipliers(len(traffic), novelty,
                                                                                   half_life), strict=True)):
        p_offer = _novel_probability(shop, multiplier)
        n_treatment = rng.binomial(int(visitors), 0.5)
        for arm, n in (("control", int(visitors) - n_treatment), ("treatment", n_treatment)):
            session = rng.integers(0, len(shop.sessions), n)
            offered = offers[arm][session]
            p = np.where(offered, p_offer[session], shop.base_probability[session])
            bought = rng.random(n) < p
            value = rng.lognormal(math.log(shop.order_median), shop.order_sigma, n)
            net = np.where(bought, value * (shop.margin - shop.discount * offered), 0.0)
            rows.append({"day": day + 1, "arm": arm, "n": n, "revenue": net.sum(), "revenue_sq": (net**2).sum()})
    return pd.DataFrame(rows)


def first_crossing(p_a: float, p_b: float, *, n_per_arm: int, n_experiments: int,
                   seed: int | np.random.Generator, half_width: np.ndarray, chunk: int = 100) -> np.ndarray:
    """Simulate conversion experiments visitor pair by visitor pair and return, for each stopping rule and
    experiment, the first number of visitors per arm at which the difference of conversion rates leaves
    ``(-half_width[n-1], half_width[n-1])`` (0 where it never does).

    ``half_width`` has one threshold per number of visitors per arm (1 … ``n_per_arm``), ``inf`` where the
    experiment is not looked at; a 2-D array holds one rule per row, all applied to the same simulated
    experiments. One form covers every design: 1.96 standard errors at every visitor (naive peeking), a
    confidence sequence, a group-sequential boundary at a few looks, a single look at the end.

    Returns
    -------
    array of int, shape ``(n_experiments,)`` for one rule or ``(n_rules, n_experiments)``
    """
    p_a, p_b = _probability("p_a", p_a), _probability("p_b", p_b)
    n_per_arm = _count("n_per_arm", n_per_arm, positive=True)
    n_experiments = _count("n_experiments", n_experiments, positive=True)
    chunk = _count("chunk", chunk, positive=True)
    rules = np.asarray(half_width, dtype=float)
    single = rules.ndim == 1
    rules = np.atleast_2d(rules)
    if rules.ndim != 2 or rules.shape[1] != n_per_arm or np.isnan(rules).any() or (rules <= 0).any():
        raise ValueError(f"half_width must hold {n_per_arm} positive thresholds per rule (inf where not "
                         f"looking), got shape {np.shape(half_width)}")
    rng = np.random.default_rng(seed)
    n = np.arange(1, n_per_arm + 1)
    first = np.zeros((len(rules), n_experiments), dtype=np.int64)
    for start in range(0, n_experiments, chunk):
        size = min(chunk, n_experiments - start)
        steps = (rng.random((size, n_per_arm)) < p_b).astype(np.int32)
        steps -= rng.random((size, n_per_arm)) < p_a
        difference = np.abs(np.cumsum(steps, axis=1) / n)
        for index, rule in enumerate(rules):
            crossed = difference >= rule
            first[index, start:start + size] = np.where(crossed.any(axis=1), crossed.argmax(axis=1) + 1, 0)
    return first[0] if single else first
