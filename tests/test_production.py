"""The production model, its spec and the plain scorer: parity, the input contract, and its error paths."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys

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
    assert 0.0 <= probability <= 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.sampled_from(production.CALENDAR_MONTHS), counts=st.tuples(*[st.integers(0, 10_000)] * 3),
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
