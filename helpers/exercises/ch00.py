"""Exercises of chapter 00: warm-ups that show how checks, hints and solutions work."""

from __future__ import annotations

import math

from helpers import data
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number


def _check_purchase_share(answer: object) -> str:
    value = as_number(answer, "a share between 0 and 1")
    sessions = data.load_sessions()
    expected = float(sessions[data.TARGET].mean())
    purchases = int(sessions[data.TARGET].sum())
    if math.isnan(value):
        raise WrongAnswer("Your answer is NaN (not a number): did the calculation run on an empty selection?")
    if abs(value - expected) <= 5e-4:
        return (f"{purchases:,} of {len(sessions):,} sessions ended in a purchase, a share of {expected:.4f}. "
                f"Remember it: a model that always says 'no purchase' is right {1 - expected:.1%} of the time.")
    if abs(value - 100 * expected) <= 0.05:
        raise WrongAnswer(f"{value} looks like a percentage. Give the share as a number between 0 and 1 "
                          f"(15 % is 0.15).")
    if round(value) == purchases:
        raise WrongAnswer(f"{value:.0f} is the number of sessions with a purchase; divide it by the number of "
                          f"sessions to get the share.")
    if abs(value - (1 - expected)) <= 5e-4:
        raise WrongAnswer("That is the share of sessions that did NOT end in a purchase.")
    if abs(value - expected) <= 0.01:
        raise WrongAnswer(f"Close. Give at least three decimals: {value} is {abs(value - expected):.4f} away.")
    if not 0 <= value <= 1:
        raise WrongAnswer(f"A share lies between 0 and 1; {value} does not.")
    raise WrongAnswer("That is not the share of sessions whose Revenue is True. Which column says whether a "
                      "session ended in a purchase?")


def _check_duplicate_count(answer: object) -> str:
    value = as_number(answer, "a whole number of rows")
    sessions = data.load_sessions()
    repeats = int(sessions.duplicated().sum())
    involved = int(sessions.duplicated(keep=False).sum())
    if value != int(value):
        raise WrongAnswer(f"{value} is not a whole number; count rows.")
    if value == repeats:
        return (f"{repeats} rows repeat an earlier row exactly. Together with their first occurrences, "
                f"{involved} rows take part. Chapter 01 looks at what they are and what to do about them.")
    if value == involved:
        raise WrongAnswer(f"{involved} counts every row that has a twin, the first occurrences included. Count "
                          f"only the repeats: DataFrame.duplicated() with its default keep='first'.")
    if value == len(sessions) - repeats:
        raise WrongAnswer(f"{value:.0f} is the number of distinct rows; the question asks how many rows are "
                          f"copies of an earlier one.")
    if value == 0:
        raise WrongAnswer("There are duplicates. Did you call duplicated() on a single column, or on the "
                          "training part only? Use the whole sessions table.")
    raise WrongAnswer("That is not the number of exact repeats. Use DataFrame.duplicated() on the whole table "
                      "and count the True values.")


def _build() -> dict[str, object]:
    q1 = Exercise(
        name="Exercise 0.1",
        answer_name="answer_0_1",
        checker=_check_purchase_share,
        hints=[
            "The column `Revenue` is True for a session that ended in a purchase.",
            "The mean of a column of True/False values is the share of True values.",
        ],
        solution_code="""
sessions = helpers.data.load_sessions()
answer_0_1 = sessions["Revenue"].mean()
""",
        mistakes=[
            Mistake("a percentage instead of a share", lambda right: 100 * right, "looks like a percentage"),
            Mistake("the count of purchases", lambda right: round(right * data.N_SESSIONS),
                    "number of sessions with a purchase"),
            Mistake("the share without a purchase", lambda right: 1 - right, "did NOT end in a purchase"),
            Mistake("rounded too much", lambda right: round(right, 2), "three decimals"),
            Mistake("a number typed as text", lambda right: f"{right:.3f}", "written without quotes"),
        ],
    )
    q2 = Exercise(
        name="Exercise 0.2",
        answer_name="answer_0_2",
        checker=_check_duplicate_count,
        hints=[
            "pandas has a method that marks each row that repeats an earlier one.",
            "`sessions.duplicated()` is True for each repeat; `.sum()` counts the True values.",
        ],
        solution_code="""
sessions = helpers.data.load_sessions()
answer_0_2 = sessions.duplicated().sum()
""",
        mistakes=[
            Mistake("every row that has a twin", lambda right: int(data.load_sessions().duplicated(keep=False).sum()),
                    "first occurrences included"),
            Mistake("the number of distinct rows", lambda right: data.N_SESSIONS - right, "distinct rows"),
            Mistake("duplicates of one column only", lambda right: 0, "single column"),
        ],
    )
    return {"q1": q1, "q2": q2}


_EXERCISES = _build()
q1 = _EXERCISES["q1"]
q2 = _EXERCISES["q2"]
