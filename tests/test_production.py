"""The production model, its spec and the plain scorer: parity, the input contract, and its error paths."""

from __future__ import annotations

import json
import math
import os
import pickle
import re
import subprocess
import sys
import types

import numpy as np
import pandas as pd
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
    with pytest.raises(ValueError, match="^pipeline must be fitted before it is exported$"):
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
    ("misspelt month (Sept)", "Month must be one of"),
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


def test_valid_request_is_scored(model, spec):
    expected = model.predict_proba(pd.DataFrame([VALID]))[0, 1]
    assert scorer.score_checked(spec, VALID) == pytest.approx(expected, abs=1e-12)
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
                      st.text(max_size=5), st.sampled_from(["Nov", "nov", "Jan", "Apr", "June", "Sept"]),
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
    assert probability == scorer.score(spec, request)        # what passes the check is scored as it is


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.sampled_from(production.CALENDAR_MONTHS), counts=st.tuples(*[st.integers(0, 10_000)] * 3),
       rates=st.tuples(*[st.floats(0, 1)] * 2), page_value=st.floats(0, 10_000))
def test_every_valid_request_gets_a_probability(spec, month, counts, rates, page_value):
    request = {"Month": month, "Administrative": counts[0], "Informational": counts[1],
               "ProductRelated": counts[2], "BounceRates": rates[0], "ExitRates": rates[1],
               "PageValues": page_value}
    probability = scorer.score_checked(spec, request)      # never refused: raises nothing
    assert probability == scorer.score(spec, request) and not math.isnan(probability)


def test_contract_table_reports_values_and_errors():
    def fails(request):
        raise KeyError("x")

    table = production.contract_table({"half": lambda r: 0.5, "nan": lambda r: float("nan"), "fails": fails,
                                       "reads": lambda r: r["x"]}, {"one": {"x": 0.25}, "two": {"x": 0.1234}})
    assert table.loc["one"].tolist() == ["0.500", "NaN returned", "error: KeyError", "0.250"]
    assert table.loc["two", "reads"] == "0.123" and list(table.index) == ["one", "two"]


def test_time_calls_counts_and_refuses_nonsense():
    calls = []
    times = production.time_calls(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(times) == 4 and len(calls) == 6 and (times >= 0).all()
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        production.time_calls(lambda: None, repeats=0)


# --- every calendar month -------------------------------------------------------------------------------------

def test_january_and_april_requests_are_scored_in_python(model, spec):
    """The data has no January or April; the production model must still serve them (calendar index)."""
    for month, neighbour in [("Jan", "Feb"), ("Apr", "Mar")]:
        request = {**VALID, "Month": month}
        probability = scorer.score_checked(spec, request)
        expected = model.predict_proba(pd.DataFrame([request]))[0, 1]
        assert 0 < probability < 1 and abs(probability - expected) <= 1e-12
        assert probability == scorer.score_checked(spec, {**VALID, "Month": neighbour})


def test_month_is_encoded_as_its_calendar_index(model, spec):
    encoded = model.named_steps["prepare"].transform(
        pd.DataFrame([{**VALID, "Month": m} for m in production.CALENDAR_MONTHS]))[:, 0]
    assert encoded.tolist() == list(range(12))
    assert [scorer.encode(spec, {**VALID, "Month": m})[0] for m in production.CALENDAR_MONTHS] == list(range(12))
    assert set(data.MONTHS) < set(production.CALENDAR_MONTHS) and len(production.CALENDAR_MONTHS) == 12


def test_calendar_index_scores_seen_months_like_the_ten_month_position(model, split):
    """Renumbering the months in the same order moves no split: identical scores on every test session."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    ten = production.make_production_pipeline()
    ten.steps[0] = ("prepare", ColumnTransformer(
        [("month", OrdinalEncoder(categories=[data.MONTHS]), ["Month"]),
         ("numbers", "passthrough", production.NUMBER_FIELDS)], verbose_feature_names_out=False))
    ten = Pipeline(ten.steps).fit(split.X_train[production.PRODUCTION_FIELDS], split.y_train)
    X = split.X_test[production.PRODUCTION_FIELDS]
    assert np.array_equal(ten.predict_proba(X), model.predict_proba(X))


# --- model version, candidate parameters ------------------------------------------------------------------------

def test_model_version_names_the_content(model, split):
    def export(m, threshold):
        return production.export_spec(m, threshold=threshold, training_sha256="a", training_rows=1, metrics={})

    first, again = export(model, 0.3), export(model, 0.3)
    assert first["model_version"] == again["model_version"]
    assert first["model_version"].startswith("purchase-intent-") and len(first["model_version"]) == 28
    assert export(model, 0.31)["model_version"] != first["model_version"]
    other = production.build_production_model(split.X_train, split.y_train, max_iter=10)
    assert export(other, 0.3)["model_version"] != first["model_version"]
    assert len(export(other, 0.3)["model"]["trees"]) == 10
    relabelled = {**first, "training_data": {"sha256": "b", "rows": 2}}
    assert production.model_version(relabelled["features"], relabelled["model"], 0.3) == first["model_version"]


def test_unknown_candidate_parameter_is_refused():
    with pytest.raises(ValueError, match="does not know: \\['max_trees'\\]"):
        production.make_production_pipeline(max_trees=3)


# --- latency, profile, memory ----------------------------------------------------------------------------------

def test_time_requests_uses_different_requests_in_turn():
    seen = []
    times = production.time_requests(seen.append, [1, 2, 3], 5, warmup=2)
    assert seen == [1, 2, 1, 2, 3, 1, 2] and len(times) == 5 and (times >= 0).all()
    with pytest.raises(ValueError, match="requests must hold at least one"):
        production.time_requests(seen.append, [], 3)
    with pytest.raises(ValueError, match="n must be >= 1"):
        production.time_requests(seen.append, [1], 0)


def test_latency_table_shows_only_supported_percentiles():
    fast = np.linspace(1e-6, 2e-6, 1_000)        # 1,000 requests: p99 has exactly 10 beyond it
    slow = np.full(999, 2e-3)                     # 999: one short of a p99
    over = np.full(200, 6e-3)                     # its median is already over budget
    table = production.latency_table({"fast": fast, "slow": slow, "over": over}, budget=5e-3)
    assert table.loc["fast", "p99 (µs)"] == pytest.approx(1e6 * np.percentile(fast, 99))
    assert np.isnan(table.loc["slow", "p99 (µs)"]) and table.loc["slow", "p90 (µs)"] == pytest.approx(2e3)
    assert np.isnan(table.loc["over", "p99 (µs)"]) and not np.isnan(table.loc["over", "p90 (µs)"])
    assert table["budget (percentile)"].tolist() == ["meets (p99)", "p99 not measured", "misses (p50)"]
    assert table.loc["fast", "requests"] == 1_000
    assert production.latency_table({"x": np.full(1_000, 6e-3)}, budget=5e-3).loc["x", "budget (percentile)"] == (
        "misses (p50)")
    tail = np.r_[np.full(950, 1e-3), np.full(50, 9e-3)]  # only the slowest 5 % are over the budget
    assert production.latency_table({"x": tail}, budget=5e-3).loc["x", "budget (percentile)"] == "misses (p99)"
    assert np.isnan(production.latency_table({"x": np.ones(99)}, budget=1.0).loc["x", "p90 (µs)"])
    assert production.latency_table({"x": np.ones(100)}, budget=1.0).loc["x", "p90 (µs)"] == 1e6


@pytest.mark.parametrize(("kwargs", "words"), [({"budget": 0}, "budget must be a positive"),
                                               ({"budget": 1, "percentiles": (50, 100)}, "strictly between")])
def test_latency_table_refuses_nonsense(kwargs, words):
    with pytest.raises(ValueError, match=words):
        production.latency_table({"x": np.ones(10)}, **kwargs)
    with pytest.raises(ValueError, match="non-empty 1-d"):
        production.latency_table({"x": np.ones(0)}, budget=1)


def test_profile_shares_against_a_hand_computed_profile():
    import cProfile
    import pstats

    def inner():
        return sum(range(20_000))

    def outer():
        return [inner() for _ in range(5)]

    profiler = cProfile.Profile()
    profiler.runcall(outer)
    stats = pstats.Stats(profiler)
    shares = production.profile_shares(stats, {"outer": ("test_production.py", "outer"),
                                               "inner": ("test_production.py", "inner"),
                                               "nothing": ("nowhere.py", "inner")})
    own = {name: entry[3] for (path, _, name), entry in stats.stats.items() if path.endswith("test_production.py")}
    assert shares["inner"] == pytest.approx(own["inner"] / stats.total_tt)
    assert 0 < shares["inner"] <= shares["outer"] <= 1 and shares["nothing"] == 0
    with pytest.raises(TypeError, match="pstats.Stats"):
        production.profile_shares({"a": 1}, {})


def test_peak_memory_of_fresh_processes(spec):
    text = production.spec_to_json(spec).encode("utf-8")
    peaks = production.peak_memory_mb({"json": ("json", text, [VALID] * 50),
                                       "pickle": ("pickle", pickle.dumps([1]), [])})
    assert 1 < peaks["json"] < 200 and 1 < peaks["pickle"] < 1_000
    with pytest.raises(ValueError, match="kind must be one of"):
        production.peak_memory_mb({"x": ("joblib", b"", [])})
    with pytest.raises(RuntimeError, match="serving 'bad' failed"):
        production.peak_memory_mb({"bad": ("json", b"not json", [VALID])})


def test_bootstrap_auc_difference_equals_roc_auc_score_resample_by_resample():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.random(300) < 0.2
    p_new, p_old = np.round(rng.random(300) + y * 0.3, 2), rng.random(300) + y * 0.1   # p_new has ties
    fast = production.bootstrap_auc_difference(y, p_new, p_old, n_resamples=7, seed=5, chunk=3)
    draws = np.random.default_rng(5)
    rows = np.concatenate([draws.integers(0, 300, size=(size, 300)) for size in (3, 3, 1)])
    slow = [roc_auc_score(y[r], p_new[r]) - roc_auc_score(y[r], p_old[r]) for r in rows]
    assert np.allclose(fast, slow, rtol=0, atol=1e-12) and len(fast) == 7


@pytest.mark.parametrize(("args", "words"), [
    (([0, 1, 2], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3]), "only 0/1"),
    (([0, 1], [0.1, 0.2, 0.3], [0.1, 0.2]), "same length"),
])
def test_bootstrap_auc_difference_refuses_bad_input(args, words):
    with pytest.raises(ValueError, match=words):
        production.bootstrap_auc_difference(*args, n_resamples=2, seed=0)
    with pytest.raises(ValueError, match="n_resamples and chunk must be >= 1"):
        production.bootstrap_auc_difference([0, 1], [0.1, 0.2], [0.2, 0.1], n_resamples=0, seed=0)


def test_values_on_every_split_threshold_score_like_scikit_learn(model, spec, split):
    base = as_requests(split.X_test.head(1))[0]
    requests = production.threshold_requests(spec, base)
    splits = {(n["feature"], n["threshold"]) for tree in spec["model"]["trees"] for n in tree if "leaf" not in n}
    numeric = sorted(s for s in splits if spec["features"][s[0]]["type"] != "category")
    months = [r for r in requests if r["Month"] != base["Month"]]
    assert [r["Month"] for r in months] == ["Apr"]  # April's index, 3, is halfway between March (2) and May (4)
    triples = [r for r in requests if r["Month"] == base["Month"]]
    assert len(triples) == 3 * len(numeric)
    expected = model.predict_proba(pd.DataFrame(requests))[:, 1]
    plain = np.array([scorer.score(spec, request) for request in requests])
    assert np.abs(plain - expected).max() <= 1e-12
    # a value exactly on a threshold goes left: scored like the value one step below, unlike the one above
    below, at, above = (np.array([scorer.score(spec, r) for r in triples[k::3]]) for k in range(3))
    values = [r[spec["features"][i]["name"]] for r, (i, t) in zip(triples[1::3], numeric, strict=True)]
    assert values == [t for _, t in numeric]
    assert np.array_equal(at, below) and np.any(at != above)


def test_april_takes_march_path_exactly_on_the_tie(model, spec, split):
    base = as_requests(split.X_test.head(1))[0]
    scores = {m: scorer.score(spec, {**base, "Month": m}) for m in ("Mar", "Apr", "May")}
    assert scores["Apr"] == scores["Mar"]
    assert scores["Apr"] == model.predict_proba(pd.DataFrame([{**base, "Month": "Apr"}]))[0, 1]


@pytest.mark.parametrize(("spec_arg", "base", "error", "words"), [
    ({"features": []}, {}, TypeError, "spec must be a loaded spec"),
    (None, [], TypeError, "base must be a dict"),
    (None, {"Month": "Jan"}, ValueError, "missing"),
])
def test_threshold_requests_refuses_bad_arguments(spec, spec_arg, base, error, words):
    with pytest.raises(error, match=words):
        production.threshold_requests(spec if spec_arg is None else spec_arg, base)


# --- the plain scorer on a hand-built spec: every path computed by hand ------------------------------------------

#: Three fields (a category and two numbers) and two small trees; the leaves are powers of two, so that every sum
#: below is exact and names the leaves it adds.
HAND_SPEC = {
    "format": scorer.SPEC_FORMAT, "format_version": scorer.SPEC_VERSION,
    "features": [
        {"name": "colour", "type": "category", "categories": ["red", "green", "blue"]},
        {"name": "pages", "type": "number", "integer": True, "min": 0, "max": 50},
        {"name": "rate", "type": "number", "min": 0.5},
    ],
    "model": {"baseline": -0.5, "trees": [
        [{"feature": 1, "threshold": 10.0, "missing_left": False, "left": 1, "right": 2},
         {"leaf": 0.25}, {"feature": 0, "threshold": 0.5, "missing_left": True, "left": 3, "right": 4},
         {"leaf": 1.0}, {"leaf": 2.0}],
        [{"feature": 2, "threshold": 3.0, "missing_left": True, "left": 1, "right": 2}, {"leaf": -0.125},
         {"leaf": 0.5}],
    ]},
}


def logistic(raw):
    return 1 / (1 + math.exp(-raw))


@pytest.mark.parametrize(("request_", "raw"), [
    ({"colour": "red", "pages": 3, "rate": 1.0}, -0.5 + 0.25 - 0.125),       # pages <= 10 left; rate <= 3 left
    ({"colour": "red", "pages": 10, "rate": 3.0}, -0.5 + 0.25 - 0.125),      # on both thresholds: left
    ({"colour": "red", "pages": 11, "rate": 3.5}, -0.5 + 1.0 + 0.5),          # red (0) <= 0.5: left, to 1.0
    ({"colour": "green", "pages": 11, "rate": 3.5}, -0.5 + 2.0 + 0.5),        # green (1) > 0.5: right, to 2.0
    ({"colour": "blue", "pages": 40, "rate": 0.5}, -0.5 + 2.0 - 0.125),
    ({"colour": "green", "pages": float("nan"), "rate": float("nan")}, -0.5 + 2.0 - 0.125),  # NaN: missing_left
])
def test_score_walks_each_tree_by_hand(request_, raw):
    assert scorer.encode(HAND_SPEC, request_)[0] == HAND_SPEC["features"][0]["categories"].index(request_["colour"])
    assert scorer.score(HAND_SPEC, request_) == pytest.approx(logistic(raw), rel=1e-15)


def test_encode_returns_floats_in_the_order_of_the_spec():
    row = scorer.encode(HAND_SPEC, {"rate": 0.75, "pages": 7, "colour": "blue"})
    assert row == [2.0, 7.0, 0.75] and all(type(value) is float for value in row)


def test_load_spec_accepts_a_spec_and_names_the_version_it_reads():
    assert scorer.load_spec(json.dumps(HAND_SPEC)) == HAND_SPEC
    with pytest.raises(ValueError, match=r"^spec format_version None; this scorer reads 1$"):
        scorer.load_spec(json.dumps({"format": scorer.SPEC_FORMAT}))
    with pytest.raises(ValueError, match=r"^not a purchase-intent-trees spec$"):
        scorer.load_spec(json.dumps({"format_version": 1}))


@pytest.mark.parametrize(("change", "message"), [
    ({"rate": 0.25}, "rate must be at least 0.5, got 0.25"),                 # a minimum without a maximum
    ({"pages": 51}, "pages must be between 0 and 50, got 51"),
    ({"pages": -1}, "pages must be between 0 and 50, got -1"),
    ({"pages": 7.5}, "pages must be a whole number, got 7.5"),
    ({"rate": float("inf")}, "rate must be a finite number, got inf"),
    ({"rate": "1"}, "rate must be a number, got str '1'"),
    ({"pages": False}, "pages must be a number, got bool False"),
    ({"colour": "Red"}, "colour must be one of ['red', 'green', 'blue'] (case matters), got 'Red'"),
    ({"colour": 1}, "colour must be one of ['red', 'green', 'blue'] (case matters), got 1"),
])
def test_check_request_names_the_field_and_the_rule(change, message):
    request = {"colour": "red", "pages": 3, "rate": 1.0, **change}
    with pytest.raises(scorer.InvalidRequest) as caught:
        scorer.score_checked(HAND_SPEC, request)
    assert str(caught.value) == message


def test_check_request_accepts_the_edges_of_each_rule():
    for request in [{"colour": "blue", "pages": 0, "rate": 0.5}, {"colour": "red", "pages": 50, "rate": 1e300},
                    {"colour": "green", "pages": 50.0, "rate": 2.25}]:   # 'rate' has no 'integer': fractions pass
        assert scorer.check_request(HAND_SPEC, request) is None
        assert scorer.score_checked(HAND_SPEC, request) == scorer.score(HAND_SPEC, request)


def test_check_request_lists_missing_and_unexpected_fields_and_the_type_of_a_non_dict():
    with pytest.raises(scorer.InvalidRequest) as caught:
        scorer.check_request(HAND_SPEC, {"pages": 1, "Rate": 1.0, "z": 0, "colour": "red"})
    assert str(caught.value) == ("request fields: missing ['rate'], unexpected ['Rate', 'z']; expected exactly "
                                 "['colour', 'pages', 'rate']")
    for request, name in [([1], "list"), ("x", "str"), (None, "NoneType"), (2.5, "float")]:
        with pytest.raises(scorer.InvalidRequest) as caught:
            scorer.check_request(HAND_SPEC, request)
        assert str(caught.value) == f"request must be a JSON object (dict), got {name}"


# --- the production pipeline and its spec ------------------------------------------------------------------------

def test_production_pipeline_has_the_documented_hyper_parameters_and_seed():
    from sklearn.ensemble import HistGradientBoostingClassifier

    params = production.make_production_pipeline().named_steps["model"].get_params()
    reference = HistGradientBoostingClassifier(max_depth=3, max_iter=30, learning_rate=0.2, random_state=0)
    assert params == reference.get_params()
    candidate = production.make_production_pipeline(random_state=7, max_iter=60).named_steps["model"]
    assert (candidate.random_state, candidate.max_iter, candidate.max_depth) == (7, 60, 3)


def test_export_refuses_a_categorical_split(split):
    rows = split.X_train.head(3_000)
    model = production.build_production_model(rows, split.y_train.head(3_000), categorical_features=[0], max_iter=3)
    with pytest.raises(ValueError, match="^the spec format has no categorical splits; encode categories as numbers$"):
        production.export_spec(model, threshold=0.5, training_sha256="x", training_rows=1, metrics={})


def test_export_refuses_pipelines_of_another_shape(split):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    rows, y = split.X_train.head(500), split.y_train.head(500)
    other_step = Pipeline([("classifier", HistGradientBoostingClassifier(max_iter=2))]).fit(
        rows[production.NUMBER_FIELDS], y)
    with pytest.raises(TypeError, match=r"^pipeline must be the fitted Pipeline from build_production_model\(\)$"):
        production.export_spec(other_step, threshold=0.5, training_sha256="x", training_rows=1, metrics={})
    fewer = Pipeline([("prepare", ColumnTransformer([("numbers", "passthrough", production.NUMBER_FIELDS)],
                                                    verbose_feature_names_out=False)),
                      ("model", HistGradientBoostingClassifier(max_iter=2))]).fit(rows, y)
    with pytest.raises(ValueError, match=r"^pipeline's inputs must be \['Month', 'Administrative'"):
        production.export_spec(fewer, threshold=0.5, training_sha256="x", training_rows=1, metrics={})


def test_build_production_model_names_the_missing_fields_and_the_row_counts(split):
    with pytest.raises(ValueError, match=r"^X_train lacks the production fields \['Month', 'PageValues'\]$"):
        production.build_production_model(split.X_train.drop(columns=["PageValues", "Month"]), split.y_train)
    with pytest.raises(ValueError, match=rf"^y_train has 3 rows but X_train has {len(split.X_train)}$"):
        production.build_production_model(split.X_train, split.y_train.head(3))
    with pytest.raises(TypeError, match="^X_train must be a pandas DataFrame, got list$"):
        production.build_production_model([[1]], split.y_train)


@pytest.mark.parametrize("threshold", [1.0, -0.1])
def test_export_refuses_thresholds_at_or_beyond_one_or_below_zero(model, threshold):
    with pytest.raises(ValueError, match=rf"^threshold must lie strictly between 0 and 1, got {threshold}$"):
        production.export_spec(model, threshold=threshold, training_sha256="x", training_rows=1, metrics={})


def test_export_records_what_an_auditor_asks_for(model):
    import platform

    import sklearn

    exported = production.export_spec(model, threshold=1e-9, training_sha256="abc", training_rows=np.int64(9_000),
                                      metrics={"test_roc_auc": np.float64(0.912345), "café": 1})
    assert exported["format"] == scorer.SPEC_FORMAT == "purchase-intent-trees" and exported["format_version"] == 1
    assert exported["model_name"] == "purchase-intent"
    assert exported["decision_threshold"] == 1e-9 and type(exported["decision_threshold"]) is float
    assert exported["training_data"] == {"sha256": "abc", "rows": 9_000}
    assert type(exported["training_data"]["rows"]) is int
    assert exported["metrics"] == {"test_roc_auc": 0.9123, "café": 1.0}
    assert exported["library_versions"] == {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                                            "numpy": np.__version__}
    assert [f["name"] for f in exported["features"]] == production.PRODUCTION_FIELDS
    assert exported["features"][0] == {"name": "Month", "type": "category", "categories": production.CALENDAR_MONTHS}
    assert exported["features"][4] == {"name": "BounceRates", "type": "number", "integer": False, "min": 0.0,
                                       "max": 1.0}
    # what the spec says about scoring is what the plain scorer does
    assert exported["model"]["score"] == "probability = 1 / (1 + exp(-(baseline + sum of one leaf per tree)))"
    assert exported["model"]["split"] == ("go left when the value <= threshold; a missing (NaN) value goes left "
                                          "when missing_left")
    assert exported["model"]["kind"] == ("gradient-boosted decision trees (scikit-learn "
                                         "HistGradientBoostingClassifier)")
    assert exported["encoding"] == ("a category becomes its 0-based index in 'categories' (Month: its calendar index, "
                                    "January 0 to December 11, i.e. month number - 1); numbers are used as they are")
    near_one = production.export_spec(model, threshold=1 - 1e-9, training_sha256="", training_rows=0, metrics={})
    assert near_one["decision_threshold"] == 1 - 1e-9


def test_baseline_is_the_log_odds_of_the_training_purchase_share(model, split):
    """scikit-learn starts the trees at the log-odds of the positive share: the spec's baseline must be it."""
    share = float(split.y_train.mean())
    exported = production.export_spec(model, threshold=0.5, training_sha256="", training_rows=0, metrics={})
    assert exported["model"]["baseline"] == pytest.approx(math.log(share / (1 - share)), rel=1e-12)


def test_spec_json_is_laid_out_for_people(model):
    exported = production.export_spec(model, threshold=0.5, training_sha256="é", training_rows=1, metrics={})
    text = production.spec_to_json(exported)
    lines = text.splitlines()
    assert text.endswith("}\n") and not text.endswith("\n\n") and "é" in text and "\\u00e9" not in text
    assert lines[1] == f'  "format": "{scorer.SPEC_FORMAT}",'                        # two-space indents
    feature_lines = [line for line in lines if line.startswith('    {"name": ')]
    assert feature_lines == ["    " + json.dumps(f, ensure_ascii=False) + ("," if i < 6 else "")
                             for i, f in enumerate(exported["features"])]
    nodes = [node for tree in exported["model"]["trees"] for node in tree]
    node_lines = [line for line in lines if line.startswith("        {")]
    assert len(node_lines) == len(nodes)                                             # one node per line
    assert [json.loads(line.strip().rstrip(",")) for line in node_lines] == nodes
    assert lines.count("      [") == len(exported["model"]["trees"])
    assert json.loads(text) == exported


# --- model version ----------------------------------------------------------------------------------------------

def test_model_version_ignores_key_order_and_the_type_of_the_threshold():
    features = [{"name": "a", "type": "number"}]
    scoring = {"baseline": 0.5, "trees": [[{"leaf": 1.0}]]}
    version = production.model_version(features, scoring, 1)
    assert version == production.model_version([{"type": "number", "name": "a"}], dict(reversed(scoring.items())),
                                               1.0)
    assert version != production.model_version(features, {**scoring, "baseline": 0.25}, 1.0)
    assert version != production.model_version([{"name": "b", "type": "number"}], scoring, 1.0)
    assert re.fullmatch(r"purchase-intent-[0-9a-f]{12}", version)


def test_model_version_is_the_sha256_of_the_sorted_content():
    import hashlib

    features, scoring = [{"name": "a"}], {"trees": []}
    content = '{"decision_threshold": 0.5, "features": [{"name": "a"}], "model": {"trees": []}}'
    expected = "purchase-intent-" + hashlib.sha256(content.encode()).hexdigest()[:12]
    assert production.model_version(features, scoring, 0.5) == expected


# --- contract cases -------------------------------------------------------------------------------------------------

def test_contract_cases_each_break_one_field_of_the_valid_request():
    cases = production.contract_cases(VALID)
    assert cases.pop("valid request") == VALID and cases.pop("missing field (ExitRates)") == {
        k: v for k, v in VALID.items() if k != "ExitRates"}
    changed = {case: {k: v for k, v in request.items() if k not in VALID or request[k] is not VALID[k]}
               for case, request in cases.items()}
    nan = changed.pop("NaN")
    assert list(nan) == ["ExitRates"] and math.isnan(nan["ExitRates"])
    assert changed == {
        "extra field": {"Coupon": "SAVE10"}, "number sent as text": {"PageValues": "12.5"},
        "wrong type (list)": {"ProductRelated": [31]}, "None": {"ExitRates": None},
        "misspelt month (Sept)": {"Month": "Sept"}, "re-cased month": {"Month": "nov"},
        "negative count": {"ProductRelated": -3}, "rate above 1": {"ExitRates": 1.7},
        "huge page value": {"PageValues": 1e12}}
    assert all(len(request) == len(VALID) + (case == "extra field") for case, request in cases.items())


# --- timing helpers, against a fake clock ---------------------------------------------------------------------------

class FakeClock:
    """perf_counter that advances only when the timed function runs: call k takes k seconds."""

    def __init__(self):
        self.now, self.calls = 100.0, 0

    def perf_counter(self):
        return self.now

    def work(self, *args):
        self.calls += 1
        self.now += self.calls


def test_time_calls_measures_each_call_after_the_warmup(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(production.time, "perf_counter", clock.perf_counter)
    times = production.time_calls(clock.work, repeats=3, warmup=2)
    assert times.tolist() == [3.0, 4.0, 5.0] and clock.calls == 5
    assert production.time_calls(clock.work, repeats=1, warmup=0).tolist() == [6.0]
    assert production.time_calls(clock.work, repeats=2).tolist() == [12.0, 13.0]     # 5 warm-up calls by default


def test_time_requests_measures_each_request_after_the_warmup(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(production.time, "perf_counter", clock.perf_counter)
    assert production.time_requests(clock.work, ["a", "b"], 3, warmup=1).tolist() == [2.0, 3.0, 4.0]
    assert production.time_requests(clock.work, ["a"], 1, warmup=0).tolist() == [5.0]
    assert production.time_requests(clock.work, ["a"], 1).tolist() == [11.0]          # 5 warm-up calls by default


def test_timing_helpers_name_the_bad_argument():
    with pytest.raises(ValueError, match=r"^repeats must be >= 1 and warmup >= 0, got 1 and -1$"):
        production.time_calls(lambda: None, repeats=1, warmup=-1)
    with pytest.raises(ValueError, match=r"^n must be >= 1 and warmup >= 0, got 2 and -1$"):
        production.time_requests(lambda r: None, [1], 2, warmup=-1)
    with pytest.raises(ValueError, match=r"^requests must hold at least one request$"):
        production.time_requests(lambda r: None, [], 2)


# --- latency table: non-default percentiles, the budget's edge ------------------------------------------------------

def test_latency_table_with_other_percentiles_against_numpy():
    seconds = np.arange(1, 401) * 1e-6                          # 400 requests: 1 to 400 µs
    table = production.latency_table({"x": seconds}, budget=1.0, percentiles=(75, 97, 98))
    assert list(table.columns) == ["requests", "p75 (µs)", "p97 (µs)", "p98 (µs)", "budget (percentile)"]
    assert table.loc["x", "p75 (µs)"] == pytest.approx(1e6 * np.percentile(seconds, 75))
    assert table.loc["x", "p97 (µs)"] == pytest.approx(1e6 * np.percentile(seconds, 97))   # 400 * 3 % = 12 beyond
    assert np.isnan(table.loc["x", "p98 (µs)"])                                          # 400 * 2 % = 8 beyond
    assert table.loc["x", "budget (percentile)"] == "p99 not measured"
    assert table["requests"].dtype.kind == "i"
    assert production.latency_table({"x": seconds}, budget=1e-4, percentiles=(75, 97)).loc[
        "x", "budget (percentile)"] == "misses (p75)"
    assert production.latency_table({"x": seconds}, budget=3.5e-4, percentiles=(75, 97)).loc[
        "x", "budget (percentile)"] == "misses (p97)"


def test_latency_exactly_on_the_budget_meets_it():
    assert production.latency_table({"x": np.full(1_000, 0.25)}, budget=0.25).loc["x", "budget (percentile)"] == (
        "meets (p99)")


def test_latency_table_names_the_bad_argument():
    with pytest.raises(ValueError, match=r"^percentiles must lie strictly between 0 and 100, got \(\)$"):
        production.latency_table({"x": np.ones(10)}, budget=1, percentiles=())
    with pytest.raises(ValueError, match=r"^percentiles must lie strictly between 0 and 100, got \(0, 50\)$"):
        production.latency_table({"x": np.ones(10)}, budget=1, percentiles=(0, 50))
    with pytest.raises(ValueError, match=r"^budget must be a positive number of seconds, got -1$"):
        production.latency_table({"x": np.ones(10)}, budget=-1)
    with pytest.raises(ValueError, match=r"^latency\['two-d'\] must be a non-empty 1-d array of seconds$"):
        production.latency_table({"two-d": np.ones((20, 2))}, budget=1)


# --- profile shares on a hand-built profile ---------------------------------------------------------------------------

class HandProfile:
    """What profile_shares reads of a pstats.Stats: total_tt and stats[(file, line, name)] = (cc, nc, tt, ct, ...)."""

    def __init__(self, total, entries):
        self.total_tt, self.stats = total, entries


def test_profile_shares_sum_cumulative_times_of_matching_functions():
    profile = HandProfile(8.0, {
        ("/lib/sklearn/compose/_column_transformer.py", 10, "transform"): (1, 1, 0.5, 2.0, {}),
        ("C:\\lib\\sklearn\\compose\\_column_transformer.py", 20, "transform"): (1, 1, 0.5, 1.0, {}),
        ("/lib/sklearn/compose/_column_transformer.py", 30, "fit"): (1, 1, 0.5, 4.0, {}),
        ("/lib/other/transformer.py", 40, "transform"): (1, 1, 0.5, 0.5, {}),
    })
    shares = production.profile_shares(profile, {"columns": ("/compose/_column_transformer.py", "transform"),
                                                 "fit": ("_column_transformer.py", "fit"),
                                                 "none": ("_column_transformer.py", "predict")})
    assert shares.to_dict() == {"columns": 3.0 / 8.0, "fit": 4.0 / 8.0, "none": 0.0}
    assert shares.name == "share of time"


def test_profile_shares_refuse_an_empty_profile():
    with pytest.raises(ValueError, match="^the profile recorded no time$"):
        production.profile_shares(HandProfile(0.0, {}), {})
    with pytest.raises(TypeError, match="^stats must be a pstats.Stats, got dict$"):
        production.profile_shares({"stats": {}, "total_tt": 1}, {})


# --- bootstrap of an AUC difference ---------------------------------------------------------------------------------

def test_bootstrap_auc_difference_is_reproducible_and_depends_on_the_seed():
    rng = np.random.default_rng(0)
    y = rng.random(120) < 0.3
    p_new, p_old = rng.random(120) + 0.5 * y, rng.random(120)
    first = production.bootstrap_auc_difference(y, p_new, p_old, n_resamples=20, seed=11)
    assert np.array_equal(first, production.bootstrap_auc_difference(y, p_new, p_old, n_resamples=20, seed=11))
    assert not np.array_equal(first, production.bootstrap_auc_difference(y, p_new, p_old, n_resamples=20, seed=12))
    generator = production.bootstrap_auc_difference(y, p_new, p_old, n_resamples=20,
                                                    seed=np.random.default_rng(11))
    assert np.array_equal(first, generator)
    # swapping the models flips the sign of every difference: the order of the arguments matters
    swapped = production.bootstrap_auc_difference(y, p_old, p_new, n_resamples=20, seed=11)
    assert np.allclose(swapped, -first, rtol=0, atol=1e-15) and (first > 0).mean() > 0.9


def test_bootstrap_auc_difference_on_two_rows_by_hand():
    """Two rows, one buyer: a resample holding both gives AUC 1 for a model that ranks the buyer first, 0 for one
    that ranks it last; a resample of one row has one class only (NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        differences = production.bootstrap_auc_difference(np.array([1, 0]), np.array([0.9, 0.1]),
                                                          np.array([0.2, 0.8]), n_resamples=40, seed=1, chunk=7)
    assert len(differences) == 40
    both = ~np.isnan(differences)
    assert both.any() and (~both).any() and np.all(differences[both] == 1.0)


@pytest.mark.parametrize(("args", "message"), [
    ((np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2))),
     "y, p_new and p_old must be 1-d arrays of the same length (at least 2)"),
    (([1], [0.5], [0.5]), "y, p_new and p_old must be 1-d arrays of the same length (at least 2)"),
    (([0, 1], [0.5, 0.5], [0.5]), "y, p_new and p_old must be 1-d arrays of the same length (at least 2)"),
    (([0, 2], [0.5, 0.5], [0.5, 0.5]), "y must hold only 0/1 or booleans"),
])
def test_bootstrap_auc_difference_names_the_bad_argument(args, message):
    with pytest.raises(ValueError) as caught:
        production.bootstrap_auc_difference(*args, n_resamples=2, seed=0)
    assert str(caught.value) == message
    with pytest.raises(ValueError, match=r"^n_resamples and chunk must be >= 1, got 2 and 0$"):
        production.bootstrap_auc_difference([0, 1], [0.1, 0.2], [0.2, 0.1], n_resamples=2, seed=0, chunk=0)


# --- threshold requests on a hand-built spec ----------------------------------------------------------------------

def test_threshold_requests_by_hand():
    spec = {"features": HAND_SPEC["features"], "model": {"trees": [
        [{"feature": 2, "threshold": 3.0, "left": 1, "right": 2}, {"leaf": 0.0}, {"leaf": 1.0}],
        [{"feature": 0, "threshold": 1.0, "left": 1, "right": 2}, {"leaf": 0.0},
         {"feature": 0, "threshold": 0.5, "left": 3, "right": 4}, {"leaf": 0.0}, {"leaf": 0.0}],
        [{"feature": 0, "threshold": 2.0, "left": 1, "right": 2}, {"leaf": 0.0},
         {"feature": 0, "threshold": 3.0, "left": 3, "right": 4}, {"leaf": 0.0},
         {"feature": 1, "threshold": 10.0, "left": 5, "right": 6}, {"leaf": 0.0}, {"leaf": 0.0}],
        [{"feature": 2, "threshold": 3.0, "left": 1, "right": 2}, {"leaf": 0.0}, {"leaf": 1.0}],   # a repeat
        [{"feature": 0, "threshold": -1.0, "left": 1, "right": 2}, {"leaf": 0.0}, {"leaf": 0.0}],
    ]}}
    base = {"colour": "red", "pages": 1, "rate": 1.0}
    requests = production.threshold_requests(spec, base)
    below10, above10 = 10 - 2 ** -49, 10 + 2 ** -49          # one float64 step either side of 10 (exponent 3)
    below3, above3 = 3 - 2 ** -51, 3 + 2 ** -51               # and of 3 (exponent 1)
    assert requests == [
        {**base, "colour": "green"},                        # index 1.0; 0.5, -1.0 and 3.0 name no category
        {**base, "colour": "blue"},                         # index 2.0
        {**base, "pages": below10}, {**base, "pages": 10.0}, {**base, "pages": above10},
        {**base, "rate": below3}, {**base, "rate": 3.0}, {**base, "rate": above3},
    ]
    assert all(type(r["pages"]) is float for r in requests[2:5])


def test_threshold_requests_name_the_missing_fields():
    with pytest.raises(ValueError, match=r"^base must hold every field of the spec; missing: \['pages', 'rate'\]$"):
        production.threshold_requests(HAND_SPEC, {"colour": "red"})
    with pytest.raises(TypeError, match="^base must be a dict request, got list$"):
        production.threshold_requests(HAND_SPEC, [])
    with pytest.raises(TypeError, match=r"^spec must be a loaded spec \(helpers.scorer.load_spec\)$"):
        production.threshold_requests({"model": {}}, {})
    with pytest.raises(TypeError, match="^spec must be a loaded spec"):
        production.threshold_requests("spec.json", {})


# --- run_go_scorer with a stand-in for `go`: what it sends, and how it reads the timer's output --------------------

FAKE_GO = """#!/bin/sh
# Stands in for `go build -o serve .`: records what it was given and "builds" a serve that prints canned lines.
printf '%s\\n' "$@" > "{log}/args.txt"
env > "{log}/env.txt"
cp main.go go.mod scorer/scorer.go "{log}/"
cat > serve <<'END'
#!/bin/sh
{first}cat > "{log}/stdin.txt"
cp "$1" "{log}/spec.json"
printf '0.25 1500\\ninvalid 2000 Month must be one of [Jan] (case matters), got "Sept"\\n0.75 3\\n{peak}\\n'
END
chmod +x serve
"""


def fake_go(folder, peak="peak_kb 2048", serve_first=""):
    log = folder / "log"
    log.mkdir()
    go = folder / "go"
    go.write_text(FAKE_GO.format(log=log, peak=peak, first=serve_first), encoding="utf-8")
    go.chmod(0o755)
    return str(go), log


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in for go is a shell script")
def test_run_go_scorer_sends_the_spec_and_requests_and_parses_each_line(tmp_path):
    go, log = fake_go(tmp_path)
    requests = [{"Month": "Nov", "PageValues": 1.5}, {"Month": "Sept"}, {"Month": "Jan", "ExitRates": 0}]
    run = production.run_go_scorer('{"spec": "é"}', requests, go=go)
    assert run.probabilities[[0, 2]].tolist() == [0.25, 0.75] and np.isnan(run.probabilities[1])
    assert run.errors == [None, 'Month must be one of [Jan] (case matters), got "Sept"', None]
    assert run.seconds.tolist() == [1500 / 1e9, 2000 / 1e9, 3 / 1e9]
    assert run.peak_rss_mb == 2.0
    assert (log / "args.txt").read_text().split() == ["build", "-o", "serve", "."]
    assert (log / "stdin.txt").read_text() == "".join(json.dumps(r) + "\n" for r in requests)
    assert (log / "spec.json").read_text(encoding="utf-8") == '{"spec": "é"}'
    assert (log / "main.go").read_text() == production.GO_TIMER
    assert (log / "go.mod").read_text() == "module example.com/serve\n\ngo 1.19\n"
    assert (log / "scorer.go").read_bytes() == (REPO_ROOT / "helpers" / "go" / "scorer.go").read_bytes()
    env = dict(line.split("=", 1) for line in (log / "env.txt").read_text().splitlines() if "=" in line)
    assert {k: env[k] for k in ("GOFLAGS", "GOTOOLCHAIN", "GOPROXY")} == {
        "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off"}
    assert env["GOCACHE"].endswith("/cache") and env["GOPATH"].endswith("/gopath")
    assert env["GOCACHE"].startswith(env["GOPATH"][:-len("gopath")]) and "PATH" in env


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in for go is a shell script")
def test_run_go_scorer_reports_no_peak_where_the_system_has_no_proc(tmp_path):
    go, _ = fake_go(tmp_path, peak="peak_kb 0")
    assert np.isnan(production.run_go_scorer("{}", [{}], go=go).peak_rss_mb)


def test_go_executable_is_the_go_on_the_path(monkeypatch, tmp_path):
    go, _ = fake_go(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert production.go_executable() == go
    monkeypatch.setenv("PATH", str(tmp_path / "log"))
    assert production.go_executable() is None


def test_peak_memory_names_the_bad_argument():
    with pytest.raises(ValueError, match=r"^timeout must be positive, got 0$"):
        production.peak_memory_mb({"x": ("json", b"{}", [])}, timeout=0)
    with pytest.raises(ValueError, match=r"^kind must be one of \['json', 'onnx', 'pickle'\], got \['joblib'\]$"):
        production.peak_memory_mb({"x": ("joblib", b"", []), "y": ("json", b"", [])})


def test_spec_writes_the_documented_contract_of_every_field(model):
    """Counts: whole numbers from 0 to 10,000; rates: 0 to 1; page values: 0 to 10,000; the month: 12 names."""
    exported = production.export_spec(model, threshold=0.5, training_sha256="", training_rows=0, metrics={})
    count = {"type": "number", "integer": True, "min": 0, "max": 10_000}
    rate = {"type": "number", "integer": False, "min": 0.0, "max": 1.0}
    assert exported["features"] == [
        {"name": "Month", "type": "category", "categories": production.CALENDAR_MONTHS},
        {"name": "Administrative", **count}, {"name": "Informational", **count}, {"name": "ProductRelated", **count},
        {"name": "BounceRates", **rate}, {"name": "ExitRates", **rate},
        {"name": "PageValues", "type": "number", "integer": False, "min": 0.0, "max": 10_000.0}]


FAILING_GO = """#!/bin/sh
echo "building"
echo "scorer.go:1: syntax error" >&2
exit 1
"""

SLOW_GO = """#!/bin/sh
sleep 5
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in for go is a shell script")
@pytest.mark.parametrize(("script", "error"), [(FAILING_GO, subprocess.CalledProcessError),
                                               (SLOW_GO, subprocess.TimeoutExpired)])
def test_run_go_scorer_stops_when_the_build_fails_or_takes_too_long(tmp_path, capfd, script, error):
    go = tmp_path / "go"
    go.write_text(script, encoding="utf-8")
    go.chmod(0o755)
    with pytest.raises(error):
        production.run_go_scorer("{}", [{}], go=str(go), timeout=0.5)
    assert capfd.readouterr() == ("", "")                  # the build's output is captured, not printed



@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in for go is a shell script")
def test_run_go_scorer_stops_a_scorer_that_takes_too_long(tmp_path):
    go, _ = fake_go(tmp_path, serve_first="sleep 5\n")
    with pytest.raises(subprocess.TimeoutExpired):
        production.run_go_scorer("{}", [{}], go=go, timeout=1.0)


def test_latency_table_reads_seconds_written_as_text():
    table = production.latency_table({"log": ["0.002"] * 50 + ["0.004"] * 50}, budget=1.0)
    assert table.loc["log", "median (µs)"] == pytest.approx(3e3) and table.loc["log", "p90 (µs)"] == pytest.approx(4e3)


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in for go is a shell script")
def test_run_go_scorer_reports_a_scorer_that_fails(tmp_path):
    go, _ = fake_go(tmp_path, serve_first="exit 3\n")
    with pytest.raises(subprocess.CalledProcessError):
        production.run_go_scorer("{}", [{}], go=go)


def test_peak_memory_runs_each_job_with_one_thread_in_its_own_folder(monkeypatch):
    """The children get OMP_NUM_THREADS=1 and read their files from a temporary folder, removed afterwards."""
    import pathlib

    monkeypatch.setenv("OMP_NUM_THREADS", "4")               # the caller's setting is not what the children get

    started = []
    real_popen = subprocess.Popen

    def spy(*args, **kwargs):
        started.append((args[0], kwargs))
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(production.subprocess, "Popen", spy)
    peaks = production.peak_memory_mb({"spec": ("json", b'{"format": "purchase-intent-trees", "format_version": 1}',
                                                [])})
    assert list(peaks) == ["spec"] and peaks["spec"] > 1
    command, options = started[0]
    assert options["env"]["OMP_NUM_THREADS"] == "1" and options["env"]["PATH"] == os.environ["PATH"]
    model, requests, scorer_file = map(pathlib.Path, command[3:])
    assert model.is_absolute() and requests.is_absolute() and model.parent == requests.parent
    assert (model.name, requests.name) == ("model0", "requests0.json") and not model.parent.exists()
    assert scorer_file == REPO_ROOT / "helpers" / "scorer.py"
    with pytest.raises(RuntimeError) as caught:
        production.peak_memory_mb({"bad": ("json", b"not json", [])})
    prefix = "the process serving 'bad' failed: "
    message = str(caught.value)                    # the last 500 characters of the child's traceback
    assert message.startswith(prefix) and len(message) == len(prefix) + 500
    assert message.endswith("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")


def test_the_month_encoder_lists_the_calendar_and_the_numbers_pass_through(model):
    encoder = model.named_steps["prepare"].named_transformers_["month"]
    assert [list(c) for c in encoder.categories_] == [production.CALENDAR_MONTHS]
    numbers = model.named_steps["prepare"]
    columns = dict((name, cols) for name, _, cols in numbers.transformers_)
    assert columns["numbers"] == production.NUMBER_FIELDS and numbers.get_params()["numbers"] == "passthrough"


def test_outcomes_given_as_zero_and_one_are_read_as_booleans(split):
    model = production.build_production_model(split.X_train.head(500), split.y_train.head(500).astype(int),
                                              max_iter=2)
    assert model.classes_.tolist() == [False, True] and model.classes_.dtype == bool


def test_spec_json_keeps_non_ascii_names_readable():
    spec = {**HAND_SPEC, "features": [{"name": "Mois", "type": "category", "categories": ["Février", "Août"]}]}
    text = production.spec_to_json(spec)
    assert '    {"name": "Mois", "type": "category", "categories": ["Février", "Août"]}' in text.splitlines()
    assert json.loads(text) == spec


def test_missing_values_seen_in_training_are_sent_where_scikit_learn_sends_them(split):
    """A model trained with missing page values learns on which side they go; the spec must say so."""
    rows = split.X_train.head(3_000).copy()
    rows.loc[rows.index[::3], "PageValues"] = np.nan
    y = split.y_train.head(3_000)
    model = production.build_production_model(rows, y, max_iter=5)
    spec = production.export_spec(model, threshold=0.5, training_sha256="", training_rows=len(rows), metrics={})
    sides = {node["missing_left"] for tree in spec["model"]["trees"] for node in tree if "leaf" not in node}
    assert sides == {True, False}
    test = split.X_test[production.PRODUCTION_FIELDS].head(300).copy()
    test.loc[test.index[::2], "PageValues"] = np.nan
    plain = np.array([scorer.score(spec, request) for request in as_requests(test)])
    assert np.abs(plain - model.predict_proba(test)[:, 1]).max() <= 1e-12


def test_profile_shares_refuse_an_object_without_a_total_time():
    with pytest.raises(TypeError, match="^stats must be a pstats.Stats, got SimpleNamespace$"):
        production.profile_shares(types.SimpleNamespace(stats={}), {})


def test_bootstrap_auc_difference_with_a_single_resample():
    y = np.tile([0, 1], 10)
    differences = production.bootstrap_auc_difference(y, y + np.linspace(0, 0.5, 20), -y + np.linspace(0, 0.5, 20),
                                                      n_resamples=1, seed=3)
    assert differences.tolist() == [1.0]          # AUC 1 (every buyer first) minus AUC 0 (every buyer last)
    assert len(production.bootstrap_auc_difference(y, y, -y, n_resamples=3, seed=0, chunk=1)) == 3


def test_peak_memory_stops_waiting_after_the_timeout():
    """A child that hangs (here: unpickling sleeps) is given up after `timeout` seconds."""
    with pytest.raises(subprocess.TimeoutExpired):
        production.peak_memory_mb({"slow": ("pickle", pickle.dumps(Sleeper()), [])}, timeout=1.0)


class Sleeper:
    def __reduce__(self):
        import time

        return time.sleep, (6,)
