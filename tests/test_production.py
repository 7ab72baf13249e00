"""The production model, its spec and the plain scorer: parity, the input contract, and its error paths."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import data, production, scorer
from helpers.paths import REPO_ROOT


@pytest.fixture(scope="module")
def model(split):
    return production.build_production_model(split.X_train, split.y_train)


@pytest.fixture(scope="module")
def spec(model, split):
    exported = production.export_spec(model, threshold=0.31, training_sha256=data.SESSIONS_SHA256,
                                      training_rows=len(split.X_train), metrics={"test_roc_auc": 0.93})
    return scorer.load_spec(production.spec_to_json(exported))


def as_requests(frame):
    return [{k: (str(v) if k == "Month" else v) for k, v in row.items()}
            for row in frame[production.PRODUCTION_FIELDS].astype(object).to_dict("records")]


def test_plain_scorer_equals_scikit_learn_on_every_test_session(model, spec, split):
    expected = model.predict_proba(split.X_test[production.PRODUCTION_FIELDS])[:, 1]
    plain = np.array([scorer.score(spec, request) for request in as_requests(split.X_test)])
    assert np.abs(plain - expected).max() <= 1e-12
    assert np.array_equal(plain >= spec["decision_threshold"], expected >= spec["decision_threshold"])


def test_plain_scorer_handles_missing_values_like_scikit_learn(model, spec, split):
    frame = split.X_test[production.PRODUCTION_FIELDS].head(200).copy()
    frame.loc[frame.index[::2], "ExitRates"] = np.nan
    frame.loc[frame.index[::3], "PageValues"] = np.nan
    expected = model.predict_proba(frame)[:, 1]
    plain = np.array([scorer.score(spec, request) for request in as_requests(frame)])
    assert np.abs(plain - expected).max() <= 1e-12


def test_spec_round_trips_and_records_provenance(model, split):
    exported = production.export_spec(model, threshold=0.31, training_sha256=data.SESSIONS_SHA256,
                                      training_rows=len(split.X_train), metrics={"a": 0.5})
    assert json.loads(production.spec_to_json(exported)) == exported
    assert exported["training_data"] == {"sha256": data.SESSIONS_SHA256, "rows": len(split.X_train)}
    assert exported["library_versions"]["scikit-learn"] and len(exported["model"]["trees"]) == 30


def test_build_production_model_matches_its_pipeline(model, split):
    refit = production.make_production_pipeline().fit(split.X_train[production.PRODUCTION_FIELDS],
                                                      split.y_train)
    assert np.array_equal(refit.predict_proba(split.X_test[production.PRODUCTION_FIELDS]),
                          model.predict_proba(split.X_test[production.PRODUCTION_FIELDS]))


def test_scorer_needs_only_the_standard_library():
    """Load scorer.py on its own, by path, and check that no numeric library was imported."""
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('scorer', {str(REPO_ROOT / 'helpers' / 'scorer.py')!r})\n"
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
            "print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'scipy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"threshold": 1.2}, ValueError, "threshold must lie strictly between 0 and 1"),
    ({"threshold": 0.0}, ValueError, "threshold must lie strictly between 0 and 1"),
])
def test_export_rejects_bad_threshold(model, kwargs, error, words):
    with pytest.raises(error, match=words):
        production.export_spec(model, training_sha256="x", training_rows=1, metrics={}, **kwargs)


def test_export_rejects_unfitted_and_foreign_models():
    with pytest.raises(ValueError, match="must be fitted"):
        production.export_spec(production.make_production_pipeline(), threshold=0.3, training_sha256="x",
                               training_rows=1, metrics={})
    with pytest.raises(TypeError, match="build_production_model"):
        production.export_spec("model.pkl", threshold=0.3, training_sha256="x", training_rows=1, metrics={})


def test_build_production_model_rejects_bad_input(split):
    with pytest.raises(TypeError, match="X_train must be a pandas DataFrame"):
        production.build_production_model(split.X_train.to_numpy(), split.y_train)
    with pytest.raises(ValueError, match="lacks the production fields"):
        production.build_production_model(split.X_train.drop(columns="Month"), split.y_train)
    with pytest.raises(ValueError, match="has 3 rows"):
        production.build_production_model(split.X_train, split.y_train.head(3))


@pytest.mark.parametrize("text", ['{"format": "other"}', "[]"])
def test_load_spec_rejects_other_files(text):
    with pytest.raises(ValueError, match="not a purchase-intent-trees spec"):
        scorer.load_spec(text)


def test_load_spec_rejects_other_versions():
    with pytest.raises(ValueError, match="format_version 2"):
        scorer.load_spec(json.dumps({"format": scorer.SPEC_FORMAT, "format_version": 2}))


VALID = {"Month": "Nov", "Administrative": 2, "Informational": 0, "ProductRelated": 31, "BounceRates": 0.01,
         "ExitRates": 0.03, "PageValues": 12.5}


@pytest.mark.parametrize(("case", "words"), [
    ("missing field (ExitRates)", "missing ['ExitRates']"),
    ("extra field", "unexpected ['Coupon']"),
    ("number sent as text", "PageValues must be a number, got str"),
    ("wrong type (list)", "ProductRelated must be a number, got list"),
    ("None", "ExitRates must be a number, got NoneType"),
    ("NaN", "ExitRates must be a finite number"),
    ("unseen month (Jan)", "Month must be one of"),
    ("re-cased month", "(case matters), got 'nov'"),
    ("negative count", "ProductRelated must be between 0 and 10000, got -3"),
    ("rate above 1", "ExitRates must be between 0.0 and 1.0, got 1.7"),
    ("huge page value", "PageValues must be between 0.0 and 10000.0"),
])
def test_each_contract_case_gets_its_own_message(spec, case, words):
    cases = production.contract_cases(VALID)
    with pytest.raises(scorer.InvalidRequest) as caught:
        scorer.score_checked(spec, cases[case])
    assert words in str(caught.value)


def test_valid_request_is_scored(spec):
    assert 0 <= scorer.score_checked(spec, VALID) <= 1
    assert scorer.score_checked(spec, {**VALID, "Administrative": 2.0}) == scorer.score(spec, VALID)


@pytest.mark.parametrize("request_", [[1, 2], "Month=Nov", None, 3.5])
def test_non_dict_request(spec, request_):
    with pytest.raises(scorer.InvalidRequest, match="request must be a JSON object"):
        scorer.score_checked(spec, request_)


def test_booleans_and_fractions_are_refused(spec):
    with pytest.raises(scorer.InvalidRequest, match="must be a number, got bool"):
        scorer.score_checked(spec, {**VALID, "PageValues": True})
    with pytest.raises(scorer.InvalidRequest, match="must be a whole number"):
        scorer.score_checked(spec, {**VALID, "ProductRelated": 2.5})


ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                      st.text(max_size=5), st.sampled_from(["Nov", "nov", "Jan", "June"]),
                      st.lists(st.integers(), max_size=2))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from([*VALID, "Extra"]), ANY_VALUE, max_size=4),
       drop=st.sets(st.sampled_from(list(VALID)), max_size=2))
def test_checked_scorer_never_fails_any_other_way(spec, changes, drop):
    request = {k: v for k, v in {**VALID, **changes}.items() if k not in drop}
    try:
        probability = scorer.score_checked(spec, request)
    except scorer.InvalidRequest:
        return
    assert 0.0 <= probability <= 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.sampled_from(data.MONTHS), counts=st.tuples(*[st.integers(0, 10_000)] * 3),
       rates=st.tuples(*[st.floats(0, 1)] * 2), page_value=st.floats(0, 10_000))
def test_every_valid_request_gets_a_probability(spec, month, counts, rates, page_value):
    request = {"Month": month, "Administrative": counts[0], "Informational": counts[1],
               "ProductRelated": counts[2], "BounceRates": rates[0], "ExitRates": rates[1],
               "PageValues": page_value}
    probability = scorer.score_checked(spec, request)
    assert 0.0 <= probability <= 1.0 and not math.isnan(probability)


def test_contract_table_reports_values_and_errors():
    def fails(request):
        raise KeyError("x")

    table = production.contract_table({"half": lambda r: 0.5, "nan": lambda r: float("nan"), "fails": fails},
                                      {"one": {}})
    assert table.loc["one"].tolist() == ["0.500", "NaN returned", "error: KeyError"]


def test_time_calls_counts_and_refuses_nonsense():
    calls = []
    times = production.time_calls(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(times) == 4 and len(calls) == 6 and (times >= 0).all()
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        production.time_calls(lambda: None, repeats=0)
