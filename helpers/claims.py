"""Claims checked in code: a sentence in a chapter that states a direction, an ordering or a threshold is
followed by one line that fails the run when the computed numbers do not bear it out.

In a chapter::

    helpers.claim(cv_auc["boosting"] > cv_auc["logistic"], "gradient boosting beats logistic regression in CV")

Nothing is printed when the claim holds. When it does not, the cell stops with :class:`ClaimBroken`, whose message
names the claim, so that an executed run (and the tests' other-seed fast run) fails instead of printing a
conclusion that its own numbers contradict.
"""

from __future__ import annotations

import numpy as np


class ClaimBroken(AssertionError):
    """A chapter's claim does not hold for the numbers just computed."""


def claim(condition, statement: str) -> None:
    """Fail loudly when ``condition`` is false; do nothing when it is true.

    Parameters
    ----------
    condition : bool or NumPy bool
        The computed truth of the claim, e.g. ``auc_a > auc_b``. An array must be reduced first (``.all()``).
    statement : str
        The claim in words, as the prose states it; it is the error message when the claim breaks.

    Raises
    ------
    ClaimBroken
        When ``condition`` is false.
    TypeError
        When ``condition`` is not a single True/False value or ``statement`` is not a non-empty string.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError(f"statement must be a non-empty string that states the claim, got {statement!r}")
    if isinstance(condition, np.ndarray):
        if condition.shape != ():
            raise TypeError(f"condition must be one True/False value, got an array of shape {condition.shape} "
                            f"for the claim {statement!r}: reduce it with .all() or .any()")
        condition = condition.item()
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"condition must be True or False, got {type(condition).__name__} {condition!r} "
                        f"for the claim {statement!r}")
    if not condition:
        raise ClaimBroken(f"This claim does not hold for the numbers just computed: {statement}")
