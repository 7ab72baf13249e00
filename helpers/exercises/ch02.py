"""Exercises of chapter 02: PSI by hand, an input-contract check, the model's raw score."""

from __future__ import annotations

import math

from helpers import data
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number

_TRAINING = [0.40, 0.30, 0.20, 0.10]
_THIS_WEEK = [0.25, 0.30, 0.25, 0.20]


def _psi(expected: list[float], actual: list[float], log=math.log) -> float:
    return sum((a - e) * log(a / e) for e, a in zip(expected, actual, strict=True))


def _check_psi(answer: object) -> str:
    value = as_number(answer, "a PSI, a non-negative number")
    right = _psi(_TRAINING, _THIS_WEEK)
    if math.isclose(value, right, abs_tol=5e-4):
        return (f"PSI = {right:.4f}: above the 0.1 of 'stable', below the 0.25 of 'major shift'; worth a look. "
                f"Each bin adds (actual - expected) * ln(actual / expected), always >= 0.")
    if math.isclose(value, _psi(_TRAINING, _THIS_WEEK, math.log10), abs_tol=5e-4):
        raise WrongAnswer("You used the base-10 logarithm; PSI uses the natural logarithm (math.log, np.log).")
    if math.isclose(value, sum(a * math.log(a / e) for e, a in zip(_TRAINING, _THIS_WEEK, strict=True)),
                    abs_tol=5e-4):
        raise WrongAnswer("That is the Kullback-Leibler divergence in one direction. PSI multiplies each log-ratio "
                          "by the difference (actual - expected), which makes it symmetric.")
    if math.isclose(value, 100 * right, rel_tol=1e-3):
        raise WrongAnswer("You used percentages (40, 30 …); use shares (0.40, 0.30 …).")
    if value < 0:
        raise WrongAnswer("PSI is never negative: each term (a - e) * ln(a / e) has the same sign twice.")
    raise WrongAnswer("Not the PSI. Sum (actual - expected) * ln(actual / expected) over the four bins.")


_PROBES: list[tuple[object, bool]] = [(month, True) for month in data.MONTHS] + [
    ("nov", False), ("NOV", False), ("Jan", False), ("Apr", False), ("Nov ", False), ("", False),
    ("November", False), (None, False), (11, False), (11.0, False), (float("nan"), False), (True, False),
    (["Nov"], False), ({"Month": "Nov"}, False), (b"Nov", False),
]


def _check_valid_month(answer: object) -> str:
    if not callable(answer):
        raise WrongAnswer(f"Pass the function itself, `valid_month`, not {type(answer).__name__}.")
    for value, expected in _PROBES:
        try:
            result = answer(value)
        except Exception as error:  # noqa: BLE001 - any exception is the learner's to see
            raise WrongAnswer(f"valid_month({value!r}) raised {type(error).__name__}: {error}. A contract check "
                              f"must answer False for bad input, never raise.") from None
        if not isinstance(result, bool):
            raise WrongAnswer(f"valid_month({value!r}) returned {result!r}; return True or False.")
        if result != expected:
            if expected:
                raise WrongAnswer(f"valid_month({value!r}) says False, but {value!r} is a month the model knows.")
            raise WrongAnswer(f"valid_month({value!r}) says True. The model only knows {data.MONTHS}, spelled "
                              f"exactly so; anything else must be rejected.")
    return (f"Correct on all {len(_PROBES)} probes, including re-cased, padded, unknown and non-string values. "
            f"Note that `value in set(...)` would raise for a list: membership in a list or tuple is safer.")


def _check_log_odds(answer: object) -> str:
    from helpers.production import PRODUCTION_FIELDS, build_production_model

    value = as_number(answer, "a log-odds, any real number")
    split = data.fixed_split()
    model = build_production_model(split.X_train, split.y_train)
    p = float(model.predict_proba(split.X_test[PRODUCTION_FIELDS].head(1))[0, 1])
    right = math.log(p / (1 - p))
    if math.isclose(value, right, abs_tol=1e-6):
        return (f"log-odds {right:.4f}, probability {p:.4f}. In the spec it is the baseline plus the sum of the "
                f"leaves, before 1 / (1 + exp(-x)).")
    if math.isclose(value, p, abs_tol=1e-6):
        raise WrongAnswer("That is the probability. The log-odds is log(p / (1 - p)).")
    if math.isclose(value, -right, abs_tol=1e-6):
        raise WrongAnswer("The sign is flipped: that is the log-odds of NOT buying, log((1 - p) / p).")
    if math.isclose(value, math.log(p), abs_tol=1e-6):
        raise WrongAnswer("That is log(p). The log-odds is log(p / (1 - p)).")
    raise WrongAnswer("Not the production model's log-odds for X_test.iloc[0]. Did you use the production model "
                      "(helpers.production), on the first test session?")


def _function_is_placeholder(answer: object) -> bool:
    try:
        return callable(answer) and answer(data.MONTHS[0]) is None
    except Exception:  # noqa: BLE001 - a function that fails is answered, and wrong
        return False


q1 = Exercise(
    name="Exercise 2.1",
    answer_name="answer_2_1",
    checker=_check_psi,
    hints=["PSI = sum over bins of (actual - expected) * ln(actual / expected).",
           "The second bin adds nothing (30 % both times). Add the other three terms."],
    solution_code="""
import math

training, this_week = [0.40, 0.30, 0.20, 0.10], [0.25, 0.30, 0.25, 0.20]
answer_2_1 = sum((a - e) * math.log(a / e) for e, a in zip(training, this_week))
""",
    mistakes=[
        Mistake("base-10 logarithm", lambda right: _psi(_TRAINING, _THIS_WEEK, math.log10), "base-10"),
        Mistake("KL divergence", lambda right: sum(
            a * math.log(a / e) for e, a in zip(_TRAINING, _THIS_WEEK, strict=True)), "Kullback-Leibler"),
        Mistake("percentages", lambda right: 100 * right, "percentages"),
    ],
)

q2 = Exercise(
    name="Exercise 2.2",
    answer_name="valid_month",
    checker=_check_valid_month,
    hints=["The model knows exactly the months in `helpers.data.MONTHS`, spelled and cased as there.",
           "`isinstance(value, str) and value in helpers.data.MONTHS` never raises and rejects everything else."],
    solution_code="""
def valid_month(value):
    return isinstance(value, str) and value in helpers.data.MONTHS
""",
    mistakes=[
        Mistake("accepts any casing", lambda right: (lambda v: str(v).capitalize() in data.MONTHS), "'nov'"),
        Mistake("raises on a list", lambda right: (lambda v: v in set(data.MONTHS)), "never raise"),
        Mistake("accepts all twelve months", lambda right: (lambda v: v in [
            "Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]), "'Jan'"),
        Mistake("returns a non-boolean", lambda right: (lambda v: data.MONTHS.count(v)), "True or False"),
    ],
    unanswered=_function_is_placeholder,
)

q3 = Exercise(
    name="Exercise 2.3",
    answer_name="answer_2_3",
    checker=_check_log_odds,
    hints=["Get the probability p of the first test session from the production model.",
           "log-odds = math.log(p / (1 - p))."],
    solution_code="""
import math

X_train, X_test, y_train, y_test = helpers.data.fixed_split()
model = helpers.production.build_production_model(X_train, y_train)
p = model.predict_proba(X_test[helpers.production.PRODUCTION_FIELDS].head(1))[0, 1]
answer_2_3 = math.log(p / (1 - p))
""",
    mistakes=[
        Mistake("the probability", lambda right: 1 / (1 + math.exp(-right)), "That is the probability"),
        Mistake("sign flipped", lambda right: -right, "sign is flipped"),
        Mistake("log of p", lambda right: math.log(1 / (1 + math.exp(-right))), "That is log(p)"),
    ],
)
