"""Exercises with ``check(answer)``, ``hint()`` and ``solution()``.

Each chapter has a module (``helpers.exercises.ch00`` …) with one :class:`Exercise` per question, named ``q1``,
``q2`` …. In a notebook::

    answer_0_1 = ...                          # the learner replaces ... with an answer
    helpers.exercises.ch00.q1.check(answer_0_1)
    helpers.exercises.ch00.q1.hint()
    helpers.exercises.ch00.q1.solution()

The messages say what is wrong, not only that something is. Each exercise lists its typical mistakes; the tests
run the reference solution (it must pass) and each typical mistake (it must fail with its own message).
"""

from __future__ import annotations

from helpers.exercises import ch00, ch01, ch02, ch03, ch04, ch05, ch06
from helpers.exercises.core import Exercise, Feedback, Mistake, WrongAnswer, as_number

__all__ = ["Exercise", "Feedback", "Mistake", "WrongAnswer", "as_number", "ch00", "ch01", "ch02", "ch03", "ch04",
           "ch05", "ch06", "CHAPTERS"]

#: The exercise modules by chapter number, for tests and tools.
CHAPTERS = {"00": ch00, "01": ch01, "02": ch02, "03": ch03, "04": ch04, "05": ch05, "06": ch06}
