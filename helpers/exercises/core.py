"""The machinery of the exercises: judging answers and printing feedback, hints and solutions."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["unanswered", "correct", "incorrect"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: its status and a message for the learner."""

    status: Status
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        prefix = {"unanswered": "Not answered yet.", "correct": "Correct!", "incorrect": "Not quite."}[self.status]
        return f"{prefix} {self.message}".strip()


class WrongAnswer(Exception):
    """Raised by a checker to reject an answer; its text is the message the learner sees."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, kept with the exercise so that the tests can prove the checker catches it.

    ``make(solution_answer)`` builds the wrong answer from the right one; ``says`` is a piece of the message the
    learner must see for it.
    """

    description: str
    make: Callable[[Any], Any]
    says: str


@dataclass
class Exercise:
    """One exercise.

    Parameters
    ----------
    name : str
        As the chapter shows it, e.g. ``"Exercise 0.1"``.
    answer_name : str
        The variable the learner assigns, e.g. ``"answer_0_1"``; the reference solution assigns it too.
    checker : callable
        ``checker(answer)`` returns a message to show when the answer is right (an explanation, or ``""``) and
        raises :class:`WrongAnswer` with a helpful message when it is not.
    hints : list of str
        Shown one after another by successive calls to :meth:`hint`.
    solution_code : str
        Code that computes the answer from scratch (with ``helpers`` imported); :meth:`solution` prints it.
    mistakes : list of Mistake
        Typical wrong answers and the message each must get.
    unanswered : callable, optional
        For answers that are functions: recognises the placeholder the notebook ships with.
    """

    name: str
    answer_name: str
    checker: Callable[[Any], str]
    hints: list[str]
    solution_code: str
    mistakes: list[Mistake] = field(default_factory=list)
    #: Says whether an answer is still the notebook's placeholder (``...`` and None always are).
    unanswered: Callable[[Any], bool] | None = None

    def __post_init__(self) -> None:
        if not self.hints:
            raise ValueError(f"{self.name}: hints must hold at least one hint")
        self._hints_shown = 0

    def evaluate(self, answer: Any) -> Feedback:
        """Judge an answer without printing anything."""
        if answer is Ellipsis or answer is None or (self.unanswered is not None and self.unanswered(answer)):
            if callable(answer):
                return Feedback("unanswered", f"Write the body of `{self.answer_name}` in place of `...`, "
                                              f"then run the cell again.")
            return Feedback("unanswered", f"Replace `...` after `{self.answer_name} =` with your answer, "
                                          f"then run the cell again.")
        try:
            explanation = self.checker(answer)
        except WrongAnswer as wrong:
            return Feedback("incorrect", str(wrong))
        return Feedback("correct", explanation or "")

    def check(self, answer: Any) -> None:
        """Print the verdict on ``answer``."""
        print(f"{self.name}: {self.evaluate(answer)}")

    def hint(self) -> None:
        """Print the next hint; once all have been shown, point to :meth:`solution`."""
        index = self._hints_shown
        if index >= len(self.hints):
            print(f"No more hints for {self.name}. To see a solution, run its `.solution()` "
                  f"(the commented line below the check).")
            return
        self._hints_shown += 1
        counter = f" ({index + 1} of {len(self.hints)})" if len(self.hints) > 1 else ""
        print(f"Hint{counter}: {self.hints[index]}")

    def solution(self) -> None:
        """Print a reference solution."""
        print(f"One solution to {self.name}:\n\n{self.solution_code.strip()}")

    def solve(self, namespace: dict[str, Any] | None = None) -> Any:
        """Run the reference solution and return the answer it computes (used by the tests)."""
        scope: dict[str, Any] = {} if namespace is None else dict(namespace)
        exec("import helpers\n" + self.solution_code, scope)  # noqa: S102 - our own, fixed code
        if self.answer_name not in scope:
            raise RuntimeError(f"{self.name}: the solution does not assign {self.answer_name}")
        return scope[self.answer_name]


def as_number(answer: Any, what: str = "a number") -> float:
    """Turn an answer into a float, or reject it with a message that says what was given instead."""
    if isinstance(answer, bool):
        raise WrongAnswer(f"You gave {answer!r}, a True/False value; the answer is {what}.")
    if isinstance(answer, str):
        raise WrongAnswer(f"You gave the text {answer!r}; the answer is {what}, written without quotes.")
    if isinstance(answer, numbers.Real):
        return float(answer)
    try:  # a one-element pandas or NumPy object
        return float(answer.item())
    except (AttributeError, TypeError, ValueError):
        raise WrongAnswer(f"You gave a {type(answer).__name__}; the answer is {what}.") from None

