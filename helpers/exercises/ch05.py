"""Exercises of chapter 05: CUPED's saving, Kohavi's rule, the delta method, alpha spending, a leak's
correction."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from helpers import abtest, experiments
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number

_N_PLAIN, _RHO = 80_000, 0.5
_SKEW = 4
_REVENUE = np.array([0.0, 30.0, 0.0, 12.0, 0.0, 45.0])
_SESSIONS = np.array([1, 3, 2, 2, 1, 4])
_TREATED = np.array([False, False, False, True, True, True])
_FRACTIONS = [0.3, 0.6, 1.0]
_OBSERVED, _LEAK_SHARE = 0.10, 0.20


def _check_cuped(answer: object) -> str:
    value = as_number(answer, "a number of visitors per arm")
    right = _N_PLAIN * (1 - _RHO**2)
    if abs(value - right) <= 0.01 * right:
        return (f"About {right:,.0f}: CUPED removes rho^2 = {_RHO**2:.0%} of the variance, and the visitors "
                f"needed scale with the variance.")
    if abs(value - _N_PLAIN * (1 - _RHO)) <= 0.01 * right:
        raise WrongAnswer("You removed rho of the variance; CUPED removes rho squared.")
    if abs(value - _N_PLAIN * _RHO**2) <= 0.01 * right:
        raise WrongAnswer("That is the number of visitors saved; the question asks how many are still needed.")
    if abs(value - _N_PLAIN * math.sqrt(1 - _RHO**2)) <= 0.01 * right:
        raise WrongAnswer("You scaled with the standard deviation; the visitors needed scale with the variance.")
    raise WrongAnswer("Not quite: the variance shrinks by the factor 1 - rho^2, and so does the sample size.")


def _check_kohavi(answer: object) -> str:
    value = as_number(answer, "a number of visitors per arm")
    right = 355 * _SKEW**2
    if abs(value - right) <= 1:
        return f"{right:,} visitors per arm: 355 times the squared skewness."
    if abs(value - 355 * _SKEW) <= 1:
        raise WrongAnswer("You multiplied by the skewness; the rule uses the skewness squared.")
    if abs(value - 2 * right) <= 2:
        raise WrongAnswer("That is both arms together; the rule is per arm.")
    raise WrongAnswer("Not quite: Kohavi's rule is n > 355 s^2, with s the skewness.")


def _delta_se() -> float:
    return abtest.ratio_difference(_REVENUE, _SESSIONS, _TREATED).standard_error


def _delta_se_population_variance() -> float:
    """The mistake: the delta method with NumPy's default ``np.var`` (``ddof=0``) instead of the sample variance."""
    variance = 0.0
    for arm in (_TREATED, ~_TREATED):
        ratio = _REVENUE[arm].mean() / _SESSIONS[arm].mean()
        variance += np.var(_REVENUE[arm] - ratio * _SESSIONS[arm]) / (arm.sum() * _SESSIONS[arm].mean() ** 2)
    return math.sqrt(variance)


def _naive_se() -> float:
    """The mistake: sessions treated as independent observations (each visitor's revenue spread evenly)."""
    variance = 0.0
    for arm in (_TREATED, ~_TREATED):
        per_session = np.repeat(_REVENUE[arm] / _SESSIONS[arm], _SESSIONS[arm])
        variance += per_session.var(ddof=1) / len(per_session)
    return math.sqrt(variance)


def _check_delta(answer: object) -> str:
    value = as_number(answer, "a standard error in € per session")
    right = _delta_se()
    if math.isclose(value, right, rel_tol=0.005):
        return (f"{right:.3f} € per session. Each arm's variance is var(Y - r N) / (n mean(N)^2), with the "
                f"sample variance (ddof=1) over visitors, not sessions.")
    if math.isclose(value, _naive_se(), rel_tol=0.005):
        raise WrongAnswer("That treats the sessions as independent. The visitor is the randomisation unit: use "
                          "the delta method over visitors.")
    if math.isclose(value, _delta_se_population_variance(), rel_tol=0.005):
        raise WrongAnswer("Right formula, wrong variance: np.var divides by n (ddof=0 by default). The delta method "
                          "uses the sample variance, which divides by n - 1: np.var(..., ddof=1).")
    if math.isclose(value, right**2, rel_tol=0.005):
        raise WrongAnswer("That is the variance; take its square root.")
    raise WrongAnswer("Not the delta method's standard error. Per arm: r = mean(Y) / mean(N), var(r) = "
                      "var(Y - r N) / (n mean(N)^2) with the sample variance (ddof=1) over its n visitors; add the "
                      "two arms' variances and take the square root.")


def _first_bound_by_hand() -> float:
    """The first boundary: the z whose upper tail is what one side may spend by the first fraction."""
    one_side = 2 - 2 * stats.norm.cdf(stats.norm.isf(0.0125) / math.sqrt(_FRACTIONS[0]))
    return float(stats.norm.isf(one_side))


def _spending_argument() -> float:
    """The mistake: the spending function's argument z_0.0125 / sqrt(t) taken for the boundary."""
    return float(stats.norm.isf(0.0125) / math.sqrt(_FRACTIONS[0]))


def _chapter_daily_looks() -> tuple[np.ndarray, np.ndarray]:
    """Information fractions and boundaries of the chapter's table of daily looks (with its default SEED = 0)."""
    n_plan = abtest.sample_size_per_arm(0.15, 0.02)
    looks = np.minimum(np.cumsum(experiments.daily_traffic(14, 1_000, seed=6)) // 2, n_plan)
    fractions = np.unique(np.append(looks[looks < n_plan], n_plan)) / n_plan
    return fractions, abtest.spending_bounds(fractions)


def _table_bound_near_first_fraction() -> float:
    """The mistake: the boundary read from the chapter's daily-looks table at the fraction nearest 0.3."""
    fractions, bounds = _chapter_daily_looks()
    return float(bounds[np.argmin(np.abs(fractions - _FRACTIONS[0]))])


def _check_spending(answer: object) -> str:
    value = as_number(answer, "a z value")
    right = _first_bound_by_hand()
    if abs(value - right) <= 0.005:
        return (f"z = {right:.3f}: by 30 % of the information one side may spend only "
                f"{stats.norm.sf(right):.1e} of its 2.5 %, so the first bar is high.")
    if abs(value - _spending_argument()) <= 0.005:
        raise WrongAnswer(f"{_spending_argument():.2f} is z_0.0125 / sqrt(0.3), the argument of the spending "
                          f"function, not the boundary. Put it into the function: one side may spend "
                          f"2 - 2 Phi({_spending_argument():.2f}) by t = 0.3; the boundary is the z with that "
                          f"upper tail.")
    fractions, bounds = _chapter_daily_looks()
    read = np.abs(bounds - value) <= 0.005
    if read.any():
        k = int(np.argmax(read))
        raise WrongAnswer(f"That is look {k + 1} of the chapter's daily-looks table, at fraction {fractions[k]:.3f}. "
                          f"A boundary depends on its own fraction and on every look before it (each spent part of "
                          f"the 5 %). Here the first look is at 0.3 with no look before it: work it out from the "
                          f"spending function.")
    if abs(value - float(abtest.sequential_bounds(3)[0])) <= 0.005:
        raise WrongAnswer("Those are the boundaries for three equally spaced looks (1/3, 2/3, 1). Alpha spending "
                          "uses the actual fractions 0.3, 0.6 and 1.")
    if abs(value - 1.96) <= 0.01:
        raise WrongAnswer("1.96 is the bar of a single analysis; a first look at 30 % needs a much higher one.")
    raise WrongAnswer("Not the first boundary. One side may spend 2 - 2 Phi(z_0.0125 / sqrt(0.3)) by the first look, "
                      "with z_0.0125 = 2.24; the boundary is the z with that upper tail, Phi^-1(1 - spent).")


def _check_leak(answer: object) -> str:
    value = as_number(answer, "an effect in € per visitor")
    right = _OBSERVED / (1 - _LEAK_SHARE)
    if math.isclose(value, right, rel_tol=0.005):
        return (f"{right:.3f} € per visitor: the leak shrank the difference by the factor 1 - {_LEAK_SHARE}, so "
                f"divide by it (the treated share differs by 1 - {_LEAK_SHARE} between the arms).")
    if math.isclose(value, _OBSERVED * (1 - _LEAK_SHARE), rel_tol=0.005):
        raise WrongAnswer("You shrank the difference once more. The leak has already shrunk it; undo that by "
                          "dividing by 1 - the leak share.")
    if math.isclose(value, _OBSERVED / _LEAK_SHARE, rel_tol=0.005):
        raise WrongAnswer("Divide by 1 - the leak share (how much more often the treatment arm is treated), not "
                          "by the leak share itself.")
    if math.isclose(value, _OBSERVED * (1 + _LEAK_SHARE), rel_tol=0.005):
        raise WrongAnswer("Adding 20 % does not undo a shrinkage by the factor 0.8: divide by 0.8 instead.")
    raise WrongAnswer("Not quite: the observed difference is about (1 - leak share) times the effect.")


q1 = Exercise(
    name="Exercise 5.1",
    answer_name="answer_5_1",
    checker=_check_cuped,
    hints=["CUPED removes about rho^2 of the variance, and the visitors needed scale with the variance.",
           "n_CUPED = n * (1 - rho^2), with n the visitors per arm without CUPED.",
           "Visitors needed = 80,000 * (1 - 0.5**2)."],
    solution_code="""
answer_5_1 = 80_000 * (1 - 0.5**2)
""",
    mistakes=[
        Mistake("rho instead of rho squared", lambda right: _N_PLAIN * (1 - _RHO), "rho squared"),
        Mistake("visitors saved", lambda right: _N_PLAIN * _RHO**2, "number of visitors saved"),
        Mistake("standard deviation", lambda right: _N_PLAIN * math.sqrt(1 - _RHO**2), "standard deviation"),
    ],
)

q2 = Exercise(
    name="Exercise 5.2",
    answer_name="answer_5_2",
    checker=_check_kohavi,
    hints=["Kohavi's rule of thumb grows with the square of the skewness s (the third standardised moment, "
           "not the standard deviation).",
           "n > 355 s^2 visitors per arm, with s the skewness.",
           "355 * 4**2."],
    solution_code="""
answer_5_2 = 355 * 4**2
""",
    mistakes=[
        Mistake("skewness not squared", lambda right: 355 * _SKEW, "skewness squared"),
        Mistake("both arms", lambda right: 2 * right, "both arms"),
    ],
)

q3 = Exercise(
    name="Exercise 5.3",
    answer_name="answer_5_3",
    checker=_check_delta,
    hints=["The randomisation unit is the visitor: compute over visitors, with revenue and sessions per visitor.",
           "Per arm, r = mean(Y) / mean(N) and var(r) = var(Y - r N) / (n mean(N)^2), with var the sample "
           "variance (ddof=1) over its n visitors; the standard error is sqrt(var_treatment(r) + var_control(r)).",
           "`helpers.abtest.ratio_difference(revenue, sessions, treatment)` returns the standard error."],
    solution_code="""
import numpy as np

revenue = np.array([0, 30, 0, 12, 0, 45])
sessions = np.array([1, 3, 2, 2, 1, 4])
treatment = np.array([False, False, False, True, True, True])
answer_5_3 = helpers.abtest.ratio_difference(revenue, sessions, treatment).standard_error
""",
    mistakes=[
        Mistake("sessions as independent", lambda right: _naive_se(), "sessions as independent"),
        Mistake("variance", lambda right: right**2, "variance"),
        Mistake("np.var with ddof=0", lambda right: _delta_se_population_variance(), "ddof=1"),
    ],
)

q4 = Exercise(
    name="Exercise 5.4",
    answer_name="answer_5_4",
    checker=_check_spending,
    hints=["Lan-DeMets spending works at any information fractions. At the first look nothing has been spent "
           "before, so the boundary is the z whose upper tail is what one side may spend by t = 0.3.",
           "One side may spend a = 2 - 2 Phi(z_0.0125 / sqrt(0.3)), with z_0.0125 = 2.24; the boundary is "
           "b = Phi^-1(1 - a).",
           "`norm.isf(2 - 2 * norm.cdf(norm.isf(0.0125) / 0.3**0.5))` (from scipy.stats import norm), or "
           "`helpers.abtest.spending_bounds([0.3, 0.6, 1.0])[0]`."],
    solution_code="""
from scipy.stats import norm

one_side = 2 - 2 * norm.cdf(norm.isf(0.0125) / 0.3**0.5)  # what one side may spend by t = 0.3
answer_5_4 = norm.isf(one_side)                            # the z with that upper tail
# the same from the helper: helpers.abtest.spending_bounds([0.3, 0.6, 1.0])[0]
""",
    mistakes=[
        Mistake("equally spaced", lambda right: float(abtest.sequential_bounds(3)[0]), "equally spaced"),
        Mistake("single analysis", lambda right: 1.96, "single analysis"),
        Mistake("the spending function's argument", lambda right: _spending_argument(), "argument of the spending"),
        Mistake("read from the chapter's daily-looks table", lambda right: _table_bound_near_first_fraction(),
                "daily-looks table"),
    ],
)

q5 = Exercise(
    name="Exercise 5.5",
    answer_name="answer_5_5",
    checker=_check_leak,
    hints=["A leaked control visitor is simply treated, so the arms' shares of treated visitors differ by "
           "1 - leak share, not by 1.",
           "observed difference = (1 - leak share) * effect, so effect = observed difference / (1 - leak share).",
           "0.10 / (1 - 0.20)."],
    solution_code="""
answer_5_5 = 0.10 / (1 - 0.20)
""",
    mistakes=[
        Mistake("shrunk again", lambda right: _OBSERVED * (1 - _LEAK_SHARE), "shrank the difference once more"),
        Mistake("divided by the leak share", lambda right: _OBSERVED / _LEAK_SHARE, "not by the leak share"),
        Mistake("added the leak share", lambda right: _OBSERVED * (1 + _LEAK_SHARE), "divide by 0.8"),
    ],
)
