"""Every exercise passes on its reference solution and fails, with its own message, on its typical mistakes."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from helpers import exercises
from helpers.exercises import Exercise, WrongAnswer, as_number

ALL = [
    pytest.param(module, name, id=f"ch{chapter}.{name}")
    for chapter, module in exercises.CHAPTERS.items()
    for name in dir(module) if isinstance(getattr(module, name), Exercise)
]


def test_every_chapter_module_has_exercises():
    assert len(ALL) >= 2


@pytest.mark.parametrize(("module", "name"), ALL)
def test_reference_solution_passes(module, name):
    exercise = getattr(module, name)
    feedback = exercise.evaluate(exercise.solve())
    assert feedback.status == "correct", feedback.message


@pytest.mark.parametrize(("module", "name"), ALL)
def test_typical_mistakes_fail_with_their_message(module, name):
    exercise = getattr(module, name)
    assert exercise.mistakes, f"{exercise.name} lists no typical mistake"
    right = exercise.solve()
    for mistake in exercise.mistakes:
        feedback = exercise.evaluate(mistake.make(right))
        assert feedback.status == "incorrect", mistake.description
        assert mistake.says in feedback.message, (mistake.description, feedback.message)


@pytest.mark.parametrize(("module", "name"), ALL)
def test_unanswered_runs_and_says_so(module, name, capsys):
    exercise = getattr(module, name)
    exercise.check(...)
    out = capsys.readouterr().out
    assert "Not answered yet" in out and exercise.answer_name in out


@pytest.mark.parametrize(("module", "name"), ALL)
def test_hints_advance_and_solution_prints_code(module, name, capsys):
    exercise = dataclasses.replace(getattr(module, name))  # a fresh copy: no hint shown yet, whatever ran before
    for _ in range(len(exercise.hints) + 1):
        exercise.hint()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(exercise.hints[0]) and lines[-2].endswith(exercise.hints[-1])
    assert "No more hints" in lines[-1] and ".solution()" in lines[-1]
    exercise.solution()
    printed = capsys.readouterr().out
    assert f"{exercise.answer_name} =" in printed or f"def {exercise.answer_name}(" in printed


def test_solution_that_forgets_the_answer_is_reported():
    broken = Exercise("Exercise X", "answer_x", lambda answer: "", ["a hint"], "y = 1")
    with pytest.raises(RuntimeError, match="does not assign answer_x"):
        broken.solve()


def test_exercise_without_hints_is_refused():
    with pytest.raises(ValueError, match="hints must hold at least one"):
        Exercise("Exercise X", "answer_x", lambda answer: "", [], "answer_x = 1")


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), (0.5, 0.5), (np.float64(0.25), 0.25),
                                                 (np.array([2.0]), 2.0)])
def test_as_number_accepts_numbers(value, expected):
    assert as_number(value) == expected


@pytest.mark.parametrize(("value", "words"), [("0.15", "without quotes"), (True, "True/False"),
                                              ([0.1, 0.2], "list")])
def test_as_number_explains_what_it_got(value, words):
    with pytest.raises(WrongAnswer, match=words):
        as_number(value)


@pytest.mark.parametrize(("module", "name"), [p for p in ALL if p.id == "ch02.q2"])
def test_function_placeholder_counts_as_unanswered(module, name):
    """The notebook ships `def valid_month(value): ...`, which returns None: not answered, not wrong."""
    def valid_month(value):
        ...

    exercise = getattr(module, name)
    feedback = exercise.evaluate(valid_month)
    assert feedback.status == "unanswered" and "Write the body of `valid_month`" in feedback.message


#: Numeric exercises of chapters 00 and 01 and the tolerance of their checks.
NEAR_MISSES_00_01 = [("ch00", "q1", 5e-4), ("ch01", "q1", 5e-4), ("ch01", "q3", 5e-4), ("ch01", "q4", 1e-3),
                     ("ch01", "q5", 1e-3)]


@pytest.mark.parametrize(("chapter", "name", "tolerance"), NEAR_MISSES_00_01,
                         ids=[f"{chapter}.{name}" for chapter, name, _ in NEAR_MISSES_00_01])
def test_numeric_checks_of_00_01_reject_answers_just_outside_their_tolerance(chapter, name, tolerance):
    exercise = getattr(exercises.CHAPTERS[chapter[2:]], name)
    right = float(exercise.solve())
    for sign in (-1, 1):
        assert exercise.evaluate(right + sign * 0.6 * tolerance).status == "correct"
        assert exercise.evaluate(right + sign * 1.4 * tolerance).status == "incorrect"


def test_precision_recall_check_rejects_a_near_miss_in_either_number():
    exercise = exercises.ch01.q2
    precision, recall = exercise.solve()
    assert exercise.evaluate((precision + 3e-4, recall - 3e-4)).status == "correct"
    for wrong in [(precision + 7e-4, recall), (precision, recall - 7e-4)]:
        assert exercise.evaluate(wrong).status == "incorrect"


@pytest.mark.parametrize(("chapter", "name"), [("ch00", "q2"), ("ch00", "q3")])
def test_row_counts_accept_only_the_exact_count(chapter, name):
    exercise = getattr(exercises.CHAPTERS[chapter[2:]], name)
    right = int(exercise.solve())
    assert exercise.evaluate(float(right)).status == "correct"
    assert exercise.evaluate(right + 1).status == "incorrect" and exercise.evaluate(right - 1).status == "incorrect"


def test_integrity_exercise_accepts_the_class_or_an_instance_and_nothing_else():
    from helpers import data

    exercise = exercises.ch00.q4
    assert exercise.solve() is data.DataIntegrityError
    assert exercise.evaluate(data.DataIntegrityError("altered")).status == "correct"
    for wrong in [ValueError, KeyError, "DataIntegrityError", 3]:
        assert exercise.evaluate(wrong).status == "incorrect"
    for base in [ValueError, Exception]:  # true but too general: the message must not deny that it is raised
        message = exercise.evaluate(base).message
        assert "base class" in message and "does not raise" not in message
    assert "does not raise KeyError" in exercise.evaluate(KeyError).message


# --- every numeric check against an independent reference ------------------------------------------------------

def _psi_by_hand() -> float:
    """PSI of exercise 2.1, term by term: (a - e) ln(a / e) for the bins 40/25, 30/30, 20/25, 10/20 %."""
    return -0.15 * math.log(0.25 / 0.40) + 0.0 + 0.05 * math.log(0.25 / 0.20) + 0.10 * math.log(0.20 / 0.10)


def _sample_size_by_statsmodels() -> int:
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    return math.ceil(samplesize_proportions_2indep_onetail(0.01, 0.15, 0.8, alpha=0.05, alternative="two-sided"))


def _srm_by_scipy() -> float:
    from scipy.stats import chisquare

    return float(chisquare([50_600, 49_400], [50_000, 50_000]).pvalue)


def _holm_by_statsmodels() -> int:
    from statsmodels.stats.multitest import multipletests

    return int(multipletests([0.004, 0.011, 0.02, 0.04, 0.3], alpha=0.05, method="holm")[0].sum())


def _softmax_by_scipy() -> float:
    from scipy.special import softmax

    return float(softmax(np.array([0.1, 0.1, 0.1, 0.1, 0.9]) / 0.25)[-1])


def _delta_method_by_hand() -> float:
    """Exercise 5.3: per arm var(Y - r N, ddof=1) / (n mean(N)^2), summed over the arms, square root."""
    revenue = {"control": np.array([0.0, 30.0, 0.0]), "treatment": np.array([12.0, 0.0, 45.0])}
    sessions = {"control": np.array([1, 3, 2]), "treatment": np.array([2, 1, 4])}
    variance = 0.0
    for arm in revenue:
        y, n = revenue[arm], sessions[arm]
        r = y.mean() / n.mean()
        variance += np.var(y - r * n, ddof=1) / (len(y) * n.mean() ** 2)
    return math.sqrt(variance)


def _first_spending_bound_by_scipy() -> float:
    from scipy.stats import norm

    spent = 2 * norm.sf(norm.isf(0.05 / 4) / math.sqrt(0.3))  # O'Brien-Fleming-type spending, one side, t = 0.3
    return float(norm.isf(spent))


#: (chapter, exercise, independent reference, kind of tolerance, tolerance). "exact": only the reference itself.
NUMERIC = [
    ("ch02", "q1", _psi_by_hand, "abs", 5e-4),
    ("ch03", "q1", _sample_size_by_statsmodels, "abs", 1),
    ("ch03", "q2", _srm_by_scipy, "rel", 0.02),
    ("ch03", "q3", _holm_by_statsmodels, "exact", 0),
    ("ch03", "q4", lambda: (0.40 - 0.15) / 0.40, "abs", 0.005),
    ("ch04", "q1", lambda: 0.7 + 0.3 / 4, "abs", 1e-3),
    ("ch04", "q2", _softmax_by_scipy, "abs", 5e-4),
    ("ch04", "q3", lambda: 2, "exact", 0),
    ("ch04", "q4", lambda: (2_100 / 0.5 + 1_200 / 0.2 + 300 / 0.1) / 3_000, "abs", 0.005),
    ("ch05", "q1", lambda: 80_000 * 0.75, "abs", 600),
    ("ch05", "q2", lambda: 355 * 16, "abs", 1),
    ("ch05", "q3", _delta_method_by_hand, "rel", 0.005),
    ("ch05", "q4", _first_spending_bound_by_scipy, "abs", 0.005),
    ("ch05", "q5", lambda: 0.10 / 0.80, "rel", 0.005),
    ("ch06", "q1", lambda: (5 * 30 + 5 * 0 + 5 * 10) / 5, "abs", 0.01),
    ("ch06", "q2", lambda: 200 / 15, "abs", 0.01),
    ("ch06", "q3", lambda: (12 + (12 + 5 * 18) + (12 - 5 * 12) + 12 + (12 - 5 * 2)) / 5, "abs", 0.01),
    ("ch06", "q4", lambda: 1 / (0.2 / 4), "abs", 0.01),
]


def _exercise(chapter, name):
    return getattr(exercises.CHAPTERS[chapter[2:]], name)


@pytest.mark.parametrize(("chapter", "name", "reference", "kind", "tolerance"), NUMERIC,
                         ids=[f"{c}.{n}" for c, n, *_ in NUMERIC])
def test_numeric_check_accepts_the_reference_and_rejects_near_misses_on_both_sides(chapter, name, reference, kind,
                                                                                  tolerance):
    exercise = _exercise(chapter, name)
    right = reference()
    assert float(exercise.solve()) == pytest.approx(right, rel=1e-9, abs=1e-12)
    assert exercise.evaluate(right).status == "correct"
    if kind == "exact":
        inside, outside = [float(right)], [right - 1, right + 1, right + 0.5]
    elif kind == "abs":
        inside = [right - 0.6 * tolerance, right + 0.6 * tolerance]
        outside = [right - 1.4 * tolerance, right + 1.4 * tolerance]
    else:
        inside = [right * (1 - 0.6 * tolerance), right * (1 + 0.6 * tolerance)]
        outside = [right * (1 - 1.4 * tolerance), right * (1 + 1.4 * tolerance)]
    for value in inside:
        assert exercise.evaluate(value).status == "correct", value
    for value in outside:
        assert exercise.evaluate(value).status == "incorrect", value


#: (chapter, exercise, what the answer is: the words a text answer gets back).
WHAT = [
    ("ch00", "q1", "a share between 0 and 1"), ("ch00", "q2", "a whole number of rows"),
    ("ch00", "q3", "a whole number of test rows"), ("ch01", "q1", "an accuracy between 0 and 1"),
    ("ch01", "q3", "a ROC AUC between 0 and 1"), ("ch01", "q4", "a probability threshold between 0 and 1"),
    ("ch01", "q5", "a difference of two ROC AUCs (leaky minus honest)"), ("ch02", "q1", "a PSI, a non-negative number"),
    ("ch02", "q4", "a probability between 0 and 1"), ("ch03", "q1", "a number of visitors per arm"),
    ("ch03", "q2", "a p-value between 0 and 1"), ("ch03", "q3", "a number of segments"),
    ("ch03", "q4", "a purchase probability between 0 and 1"), ("ch04", "q1", "a probability between 0 and 1"),
    ("ch04", "q2", "a probability between 0 and 1"), ("ch04", "q3", "an arm number: 0, 1 or 2"),
    ("ch04", "q4", "an amount in euros per visitor"), ("ch05", "q1", "a number of visitors per arm"),
    ("ch05", "q2", "a number of visitors per arm"), ("ch05", "q3", "a standard error in € per session"),
    ("ch05", "q4", "a z value"), ("ch05", "q5", "an effect in € per visitor"),
    ("ch06", "q1", "a value in € per visitor"), ("ch06", "q2", "a value in € per visitor"),
    ("ch06", "q3", "a value in € per visitor"), ("ch06", "q4", "a number (a ratio of probabilities)"),
]


@pytest.mark.parametrize(("chapter", "name", "what"), WHAT, ids=[f"{c}.{n}" for c, n, _ in WHAT])
def test_answers_of_the_wrong_type_are_told_what_is_expected(chapter, name, what):
    exercise = _exercise(chapter, name)
    text = exercise.evaluate("0.5")
    assert text.status == "incorrect" and text.message == f"You gave the text '0.5'; the answer is {what}, written without quotes."
    flag = exercise.evaluate(True)
    assert flag.status == "incorrect" and flag.message == f"You gave True, a True/False value; the answer is {what}."
    assert exercise.evaluate({"x": 1}).message == f"You gave a dict; the answer is {what}."


#: (chapter, exercise, an answer that is no typical mistake, the start of the general advice it must get).
UNRELATED = [
    ("ch00", "q1", 0.5, "That is not the share of sessions whose Revenue is True"),
    ("ch00", "q2", 7, "That is not the number of exact repeats"),
    ("ch00", "q3", 7, "Not the number of test rows with an exact copy"),
    ("ch01", "q1", 0.5, "Not the majority baseline's accuracy on y_train"),
    ("ch01", "q3", 0.5, "Not the ROC AUC of minus ExitRates on the training set"),
    ("ch01", "q4", 0.3, "Compare the expected cost of flagging"),
    ("ch01", "q5", 0.5, "Not the optimism of this recipe"),
    ("ch02", "q1", 0.5, "Not the PSI"),
    ("ch02", "q4", 0.5, "Not the production model's probability for requests[633]"),
    ("ch03", "q1", 1_000, "Not the visitors per arm"),
    ("ch03", "q2", 0.005, "Not the chi-square p-value"),
    ("ch03", "q3", 3, "Sort the p-values"),
    ("ch03", "q4", 0.5, "Not the cut-off"),
    ("ch04", "q1", 0.5, "Add the two ways of playing the best arm"),
    ("ch04", "q2", 0.5, "Compute exp(mean / 0.25) for each arm"),
    ("ch04", "q3", 1, "Compute mean + sqrt(2 ln 100 / n)"),
    ("ch04", "q4", 1.0, "Divide each batch's revenue by that batch's probability"),
    ("ch05", "q1", 50_000, "Not quite: the variance shrinks by the factor 1 - rho^2"),
    ("ch05", "q2", 1_000, "Not quite: Kohavi's rule is n > 355 s^2"),
    ("ch05", "q3", 1.0, "Not the delta method's standard error"),
    ("ch05", "q4", 5.0, "Not the first boundary"),
    ("ch05", "q5", 0.3, "Not quite: the observed difference"),
    ("ch06", "q1", 1.0, "Weight each reward by target probability / propensity"),
    ("ch06", "q2", 1.0, "Sum the weighted rewards, then divide by the sum of the weights"),
    ("ch06", "q3", 1.0, "Per visitor: 12 (the model's value"),
    ("ch06", "q4", 1.0, "Find the smallest propensity"),
]


@pytest.mark.parametrize(("chapter", "name", "value", "words"), UNRELATED, ids=[f"{c}.{n}" for c, n, *_ in UNRELATED])
def test_an_unrelated_answer_gets_the_general_advice(chapter, name, value, words):
    feedback = _exercise(chapter, name).evaluate(value)
    assert feedback.status == "incorrect" and feedback.message.startswith(words), feedback.message
