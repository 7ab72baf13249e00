"""Exercises of chapter 03: sample size, sample-ratio mismatch, multiple testing, when a discount pays."""

from __future__ import annotations

import math

from helpers import abtest
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number

_P1, _P2 = 0.15, 0.16
_COUNTS = [50_600, 49_400]
_P_VALUES = [0.004, 0.011, 0.02, 0.04, 0.3]


def _chi_square_statistic(counts: list[float]) -> float:
    """The sample-ratio chi-square statistic of a 50/50 split: sum((observed - expected)^2 / expected)."""
    expected = sum(counts) / len(counts)
    return sum((count - expected) ** 2 / expected for count in counts)


def _p_of_shares(counts: list[int]) -> float:
    """The mistaken sample-ratio p-value computed from the arms' shares in percent instead of their counts."""
    from scipy.stats import chisquare

    total = sum(counts)
    shares = [100 * count / total for count in counts]
    return float(chisquare(shares, [100 / len(counts)] * len(counts)).pvalue)


def _check_sample_size(answer: object) -> str:
    value = as_number(answer, "a number of visitors per arm")
    right = abtest.sample_size_per_arm(_P1, _P2 - _P1)
    if abs(value - right) <= 1:
        return (f"{right:,} visitors per arm, {2 * right:,} in all: a one-point lift on a 15 % baseline is small, "
                f"so it needs many visitors.")
    if abs(value - 2 * right) <= 2:
        raise WrongAnswer("That is the total for both arms; the question asks per arm.")
    one_sided = abtest.sample_size_per_arm(_P1, _P2 - _P1, alpha=0.10)
    if abs(value - one_sided) <= 1:
        raise WrongAnswer("That is the size for a one-sided test (or alpha 0.10). Use two-sided alpha 0.05: "
                          "z = 1.96.")
    if abs(value - abtest.sample_size_per_arm(_P1, 0.01, relative=True)) <= 1:
        raise WrongAnswer("You treated the lift as relative (1 % of 15 %). The lift is absolute: 15 % to 16 %.")
    if abs(value - abtest.sample_size_per_arm(_P1, _P2)) <= 1:
        raise WrongAnswer("You passed the new rate, 0.16, as the lift: that sizes a rise from 15 % to 31 %. The "
                          "second argument is the difference, 0.16 - 0.15 = 0.01.")
    raise WrongAnswer("Not the visitors per arm. p1 = 0.15, p2 = 0.16, alpha 0.05 two-sided, power 0.8.")


def _check_srm(answer: object) -> str:
    value = as_number(answer, "a p-value between 0 and 1")
    right = abtest.srm_pvalue(_COUNTS, [0.5, 0.5])
    if math.isclose(value, right, rel_tol=0.02, abs_tol=1e-9):
        return (f"p = {right:.1e}: a 50.6 / 49.4 split of 100,000 visitors (600 off the expected 50,000 in each "
                f"arm) is far too large to be chance. Stop and look for the bug before analysing anything.")
    if math.isclose(value, 1 - right, abs_tol=1e-6):
        raise WrongAnswer("That is 1 minus the p-value.")
    if math.isclose(value, _chi_square_statistic(_COUNTS), rel_tol=0.01):
        raise WrongAnswer("That is the chi-square statistic; the question asks for its p-value: the chance of a "
                          "statistic at least this large under the planned split, from the chi-square "
                          "distribution with one degree of freedom (scipy.stats.chi2.sf).")
    if math.isclose(value, _p_of_shares(_COUNTS), rel_tol=0.01):
        raise WrongAnswer("That is the test of the shares (50.6 % and 49.4 %) instead of the counts: the test needs "
                          "the numbers of visitors, [50600, 49400], because its evidence grows with them.")
    if value > 0.01:
        raise WrongAnswer("Far too large. Expected counts are 50,000 each; the chi-square statistic is "
                          "sum((observed - expected)^2 / expected) with one degree of freedom.")
    raise WrongAnswer("Not the chi-square p-value: scipy.stats.chisquare([50600, 49400], [50000, 50000]).")


def _check_holm(answer: object) -> str:
    value = as_number(answer, "a number of segments")
    if value == 2:
        return ("Two. Sorted, the p-values are compared with 0.05/5, 0.05/4, 0.05/3 …; 0.004 and 0.011 pass, "
                "0.02 > 0.0167 stops the procedure.")
    if value == 4:
        raise WrongAnswer("Four is the count without any correction (p < 0.05).")
    if value == 1:
        raise WrongAnswer("One is Bonferroni's answer (every p compared with 0.05/5). Holm is less strict: the "
                          "k-th smallest p is compared with 0.05 / (5 - k + 1).")
    raise WrongAnswer("Sort the p-values; compare the k-th smallest with 0.05 / (5 - k + 1); stop at the first "
                      "that fails.")


_MARGIN, _DISCOUNT = 0.40, 0.15


def _check_ceiling(answer: object) -> str:
    value = as_number(answer, "a purchase probability between 0 and 1")
    right = (_MARGIN - _DISCOUNT) / _MARGIN
    if abs(value - right) <= 0.005:
        return (f"{right:.3f}: even a visitor persuaded to buy for certain (p1 = 1) brings 1 x (m - d) = 0.25 of "
                f"the order value, less than p0 x m once p0 > {right:.3f}. No uplift can change that.")
    if abs(value - _MARGIN / (_MARGIN - _DISCOUNT)) <= 0.005:
        raise WrongAnswer("That is m / (m - d), the factor by which the offer must multiply the purchase "
                          "probability; the question asks for a probability, so invert it.")
    if abs(value - _DISCOUNT / _MARGIN) <= 0.005:
        raise WrongAnswer("That is d / m, the share of the margin the discount takes away; the cut-off is what "
                          "remains of the margin.")
    if abs(value - 2 / 3) <= 0.005:
        raise WrongAnswer("That is the chapter's cut-off for a 30 % margin and a 10 % discount; use 40 % and 15 %.")
    raise WrongAnswer("Not the cut-off. The offer pays when p1 x (m - d) > p0 x m; set p1 = 1, its largest "
                      "possible value, and solve for p0.")


q1 = Exercise(
    name="Exercise 3.1",
    answer_name="answer_3_1",
    checker=_check_sample_size,
    hints=["`helpers.abtest.sample_size_per_arm(p_baseline, mde)` takes the absolute lift as mde.",
           "p_baseline = 0.15 and mde = 0.01."],
    solution_code="""
answer_3_1 = helpers.abtest.sample_size_per_arm(0.15, 0.01)
""",
    mistakes=[
        Mistake("both arms", lambda right: 2 * right, "total for both arms"),
        Mistake("one-sided", lambda right: abtest.sample_size_per_arm(_P1, 0.01, alpha=0.10), "one-sided"),
        Mistake("relative lift", lambda right: abtest.sample_size_per_arm(_P1, 0.01, relative=True), "relative"),
        Mistake("p2 as the lift", lambda right: abtest.sample_size_per_arm(_P1, _P2), "new rate, 0.16, as the lift"),
    ],
)

q2 = Exercise(
    name="Exercise 3.2",
    answer_name="answer_3_2",
    checker=_check_srm,
    hints=["Under a 50/50 split, each arm expects 50,000 visitors.",
           "`helpers.abtest.srm_pvalue([50600, 49400], [0.5, 0.5])`."],
    solution_code="""
answer_3_2 = helpers.abtest.srm_pvalue([50_600, 49_400], [0.5, 0.5])
""",
    mistakes=[
        Mistake("one minus p", lambda right: 1 - right, "1 minus the p-value"),
        Mistake("chi-square statistic", lambda right: _chi_square_statistic(_COUNTS), "chi-square statistic"),
        Mistake("shares, not counts", lambda right: _p_of_shares(_COUNTS), "shares"),
    ],
)

q3 = Exercise(
    name="Exercise 3.3",
    answer_name="answer_3_3",
    checker=_check_holm,
    hints=["Holm: sort the p-values, compare the smallest with 0.05/5, the next with 0.05/4, and so on.",
           "`statsmodels.stats.multitest.multipletests(p_values, method='holm')[0].sum()`."],
    solution_code="""
from statsmodels.stats.multitest import multipletests

answer_3_3 = multipletests([0.004, 0.011, 0.02, 0.04, 0.3], alpha=0.05, method="holm")[0].sum()
""",
    mistakes=[
        Mistake("no correction", lambda right: 4, "without any correction"),
        Mistake("Bonferroni", lambda right: 1, "Bonferroni"),
    ],
)

q4 = Exercise(
    name="Exercise 3.4",
    answer_name="answer_3_4",
    checker=_check_ceiling,
    hints=["Write the expected net revenue of one visitor with and without the offer: p1 V (m - d) and p0 V m.",
           "The offer can do no more than make the visitor buy for certain: put p1 = 1 and solve "
           "1 x (m - d) > p0 x m for p0."],
    solution_code="""
margin, discount = 0.40, 0.15
answer_3_4 = (margin - discount) / margin
""",
    mistakes=[
        Mistake("break-even factor", lambda right: _MARGIN / (_MARGIN - _DISCOUNT), "m / (m - d)"),
        Mistake("share of the margin", lambda right: _DISCOUNT / _MARGIN, "d / m"),
        Mistake("chapter's numbers", lambda right: 2 / 3, "chapter's cut-off"),
    ],
)
