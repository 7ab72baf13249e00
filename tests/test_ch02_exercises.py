"""Chapter 02's exercises: tolerances reject near misses, and the month exercises follow the calendar."""

from __future__ import annotations

import math

import pytest

from helpers import data, production
from helpers.exercises import ch02


def test_scoring_by_hand_rejects_answers_just_outside_the_tolerance():
    right = ch02.q4.solve()
    assert ch02.q4.evaluate(right + 5e-10).status == "correct"
    assert ch02.q4.evaluate(right - 5e-10).status == "correct"
    for near_miss in (right + 2e-9, right - 2e-9):
        assert ch02.q4.evaluate(near_miss).status == "incorrect"


def test_scoring_by_hand_equals_the_plain_scorer(split):
    from helpers import scorer

    model = production.build_production_model(split.X_train, split.y_train)
    spec = scorer.load_spec(production.spec_to_json(production.export_spec(
        model, threshold=0.3, training_sha256="x", training_rows=1, metrics={})))
    request = {k: (str(v) if k == "Month" else v)
               for k, v in split.X_test[production.PRODUCTION_FIELDS].iloc[ch02.SESSION].astype(object).items()}
    assert math.isclose(ch02.q4.solve(), scorer.score(spec, request), rel_tol=0, abs_tol=1e-15)
    expected = model.predict_proba(split.X_test[production.PRODUCTION_FIELDS])[ch02.SESSION, 1]
    assert math.isclose(ch02.q4.solve(), expected,
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
