"""Every exercise passes on its reference solution and fails, with its own message, on its typical mistakes."""

from __future__ import annotations

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
    exercise = getattr(module, name)
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
