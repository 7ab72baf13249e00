"""Chapter 02's exercises: tolerances reject near misses, and the month exercises follow the calendar."""

from __future__ import annotations

import math

import pytest

from helpers import data, production
from helpers.exercises import ch02


@pytest.fixture(scope="module")
def by_hand():
    """Exercise 2.4's reference answer (its solution refits the production model: run once for this file)."""
    return ch02.q4.solve()


def test_scoring_by_hand_rejects_answers_just_outside_the_tolerance(by_hand):
    right = by_hand
    assert ch02.q4.evaluate(right + 5e-10).status == "correct"
    assert ch02.q4.evaluate(right - 5e-10).status == "correct"
    for near_miss in (right + 2e-9, right - 2e-9):
        assert ch02.q4.evaluate(near_miss).status == "incorrect"


def test_scoring_by_hand_equals_the_plain_scorer(split, production_model, by_hand):
    from helpers import scorer

    model = production_model
    spec = scorer.load_spec(production.spec_to_json(production.export_spec(
        model, threshold=0.3, training_sha256="x", training_rows=1, metrics={})))
    request = {k: (str(v) if k == "Month" else v)
               for k, v in split.X_test[production.PRODUCTION_FIELDS].iloc[ch02.SESSION].astype(object).items()}
    answer = by_hand
    assert math.isclose(answer, scorer.score(spec, request), rel_tol=0, abs_tol=1e-15)
    expected = model.predict_proba(split.X_test[production.PRODUCTION_FIELDS])[ch02.SESSION, 1]
    assert math.isclose(answer, expected,
                        rel_tol=0, abs_tol=1e-12)


def test_valid_month_accepts_every_calendar_month():
    assert ch02.q2.evaluate(lambda v: isinstance(v, str) and v in production.CALENDAR_MONTHS).status == "correct"
    feedback = ch02.q2.evaluate(lambda v: isinstance(v, str) and v in data.MONTHS)
    assert feedback.status == "incorrect" and "January and April" in feedback.message


def test_encode_month_placeholder_is_unanswered_and_a_broken_function_is_wrong():
    def encode_month(name):
        ...

    assert ch02.q5.evaluate(encode_month).status == "unanswered"
    feedback = ch02.q5.evaluate(lambda name: 1 / 0)
    assert feedback.status == "incorrect" and "ZeroDivisionError" in feedback.message


@pytest.mark.parametrize("shift", [1, -1])
def test_encode_month_off_by_one_in_part_of_the_year_names_the_months(shift):
    def encode_month(name):
        index = production.CALENDAR_MONTHS.index(name)
        return index + shift if index >= 6 else index

    feedback = ch02.q5.evaluate(encode_month)
    assert feedback.status == "incorrect" and feedback.message.startswith("Wrong number for ['Jul', 'Aug'")


@pytest.fixture(scope="module")
def production_model(split):
    return production.build_production_model(split.X_train, split.y_train)


@pytest.fixture
def fitted_once(monkeypatch, production_model, split):
    """Exercise 2.3's check refits the production model on every call: hand it the model fitted once."""
    monkeypatch.setattr(production, "build_production_model", lambda X, y: production_model)
    monkeypatch.setattr(data, "fixed_split", lambda: split)


def test_log_odds_check_against_the_model_and_its_tolerance(fitted_once, production_model, split):
    p = production_model.predict_proba(split.X_test[production.PRODUCTION_FIELDS].iloc[[0]])[0, 1]
    right = math.log(p) - math.log1p(-p)
    assert ch02.q3.evaluate(right).status == "correct"
    for inside in (right - 6e-7, right + 6e-7):
        assert ch02.q3.evaluate(inside).status == "correct"
    for outside in (right - 1.4e-6, right + 1.4e-6):
        assert ch02.q3.evaluate(outside).status == "incorrect"
    for wrong, words in [(p, "That is the probability."), (-right, "The sign is flipped"), (math.log(p), "log(p)"),
                         (p + 6e-7, "That is the probability."), (-right - 6e-7, "The sign is flipped"),
                         (math.log(p) + 6e-7, "log(p)"), (p + 1.4e-6, "Not the production model's log-odds"),
                         (0.5, "Not the production model's log-odds for X_test.iloc[0]. Did you use the chapter's "
                               "`production` model (or helpers.production.build_production_model), on the first "
                               "test session?")]:
        feedback = ch02.q3.evaluate(wrong)
        assert feedback.status == "incorrect" and words in feedback.message, (wrong, feedback.message)
    assert feedback.message == words
    assert ch02.q3.evaluate("1").message == ("You gave the text '1'; the answer is a log-odds, any real number, "
                                             "written without quotes.")
    # half a unit from the flipped sign is neither the flipped sign nor a rounding: a plain miss
    assert ch02.q3.evaluate(-right + 0.5).message.startswith("Not the production model's log-odds")


def test_psi_check_names_the_typical_mistakes():
    assert "natural logarithm" in ch02.q1.evaluate(0.1510 / math.log(10)).message
    assert "percentages" in ch02.q1.evaluate(15.10).message
    assert ch02.q1.evaluate(15.0).message.startswith("Not the PSI")          # beyond 0.1 % of 100 x PSI
    assert ch02.q1.evaluate(-0.15).message == ("PSI is never negative: each term (a - e) * ln(a / e) has the same sign "
                                               "twice.")


CALENDAR = ["Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.mark.parametrize(("answer", "message"), [
    ("Nov", "Pass the function itself, `valid_month`, not str."),
    (lambda v: len(v) > 0 and v in CALENDAR,
     "valid_month(None) raised TypeError: object of type 'NoneType' has no len(). A contract check must "
     "answer False for bad input, never raise."),
    (lambda v: 1 if v in CALENDAR else 0, "valid_month('Jan') returned 1; return True or False."),
    (lambda v: isinstance(v, str) and v in CALENDAR and v != "Nov",
     "valid_month('Nov') says False, but 'Nov' is a month the model serves."),
    (lambda v: isinstance(v, str) and v[:3] in [m[:3] for m in CALENDAR],
     f"valid_month('Sept') says True. The model serves the twelve months spelled exactly as {CALENDAR}; anything "
     f"else must be rejected."),
    (lambda v: isinstance(v, str) and v in CALENDAR and v != "Apr",
     "valid_month('Apr') says False: that rejects every request in January and April"),
])
def test_valid_month_check_says_what_is_wrong(answer, message):
    feedback = ch02.q2.evaluate(answer)
    assert feedback.status == "incorrect" and feedback.message.startswith(message), feedback.message


def test_valid_month_check_accepts_an_equivalent_function_and_counts_its_probes():
    feedback = ch02.q2.evaluate(lambda v: type(v) is str and any(v == m for m in CALENDAR))
    assert feedback.status == "correct" and feedback.message.startswith("Correct on all 27 probes")


@pytest.mark.parametrize(("answer", "message"), [
    (5, "Pass the function itself, `encode_month`, not int."),
    (lambda name: {"Jan": 0}[name], "encode_month('Feb') raised KeyError: 'Feb'. Every calendar month needs a number."),
    (lambda name: data.MONTHS.index(name) if name != "Jan" else 0,
     "encode_month('Apr') raised ValueError. You numbered the months by their position among the ten months"),
    (lambda name: name == "Feb", "encode_month must return a number for each month"),
    (lambda name: str(CALENDAR.index(name)), "encode_month must return a number for each month"),
    (lambda name: CALENDAR.index(name) + 1, "That is the calendar number (January 1)."),
    (lambda name: 0 if name == "Jan" else CALENDAR.index(name) + 1, "Wrong number for ['Feb', 'Mar', 'Apr'"),
    (lambda name: float(CALENDAR.index(name)) if name != "Dec" else 12, "Wrong number for ['Dec']."),
])
def test_encode_month_check_says_what_is_wrong(answer, message):
    feedback = ch02.q5.evaluate(answer)
    assert feedback.status == "incorrect" and feedback.message.startswith(message), feedback.message


def test_encode_month_check_accepts_float_codes():
    feedback = ch02.q5.evaluate(lambda name: float(CALENDAR.index(name)))
    assert feedback.status == "correct" and feedback.message.startswith("Right for all twelve months")


def test_encode_month_that_fails_elsewhere_is_not_taken_for_the_ten_month_numbering():
    feedback = ch02.q5.evaluate(lambda name: {"Jan": 0, "May": 2}[name])
    assert feedback.message == "encode_month('Feb') raised KeyError: 'Feb'. Every calendar month needs a number."


def test_scoring_by_hand_recomputed_against_the_plain_scorer(fitted_once, production_model, split):
    """Exercise 2.4's cached spec and wrong answers, computed afresh, against the plain scorer on the spec."""
    from helpers import scorer

    ch02._production_spec.cache_clear()
    ch02._hand_mistakes.cache_clear()
    try:
        spec_dict, request = ch02._production_spec()
        assert request["Month"] == "May" and isinstance(request["Month"], str)   # the session the chapter names
        assert spec_dict["decision_threshold"] == 0.5 and spec_dict["training_data"]["rows"] == len(split.X_train)
        spec = scorer.load_spec(production.spec_to_json(spec_dict))
        right = production_model.predict_proba(split.X_test[production.PRODUCTION_FIELDS].iloc[[633]])[0, 1]
        raw = math.log(right) - math.log1p(-right)
        baseline = spec["model"]["baseline"]
        first_tree = scorer.score({**spec, "model": {**spec["model"], "trees": spec["model"]["trees"][:1]}}, request)
        wrong = ch02._hand_mistakes()
        assert wrong["right"] == pytest.approx(right, abs=1e-12) and wrong["raw"] == pytest.approx(raw, abs=1e-9)
        assert wrong["no baseline"] == pytest.approx(1 / (1 + math.exp(-(raw - baseline))), abs=1e-9)
        assert wrong["first tree only"] == pytest.approx(first_tree, abs=1e-12)
        # the calendar number of May (5) is June's 0-based index: the month shifted by one
        assert wrong["month as calendar number"] == pytest.approx(scorer.score(spec, {**request, "Month": "June"}),
                                                                  abs=1e-12)
        assert ch02.q4.evaluate(right).status == "correct"
    finally:
        ch02._production_spec.cache_clear()
        ch02._hand_mistakes.cache_clear()
