"""Chapter 02's production model: build it, export it to a readable spec, and compare implementations.

The plain-Python scorer that reads the spec is :mod:`helpers.scorer` (standard library only).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from helpers.notebook import package_version
from helpers.scorer import SPEC_FORMAT, SPEC_VERSION

#: The twelve calendar months, spelled as in the data file (which holds no session in January or April). The
#: production model encodes a month as its 0-based calendar index (January 0, December 11: month number - 1), so
#: that it can score a request in any month of the year.
CALENDAR_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

#: The inputs chapter 02's audit keeps: page values, month, page counts, bounce and exit rates (7 of 17 fields).
CATEGORY_FIELDS = ["Month"]
NUMBER_FIELDS = ["Administrative", "Informational", "ProductRelated", "BounceRates", "ExitRates", "PageValues"]
PRODUCTION_FIELDS = CATEGORY_FIELDS + NUMBER_FIELDS
#: Small trees, few of them: chapter 02 measures what each choice costs and earns.
PRODUCTION_PARAMS: dict[str, float | int] = {"max_depth": 3, "max_iter": 30, "learning_rate": 0.2}

#: The input contract of each field, written into the spec. The upper bounds are business rules: no session
#: visits ten thousand pages, and page values are averages of order values (the training data stays below 400).
FIELD_RULES: dict[str, dict[str, Any]] = {
    "Month": {"type": "category", "categories": CALENDAR_MONTHS},
    "Administrative": {"type": "number", "integer": True, "min": 0, "max": 10_000},
    "Informational": {"type": "number", "integer": True, "min": 0, "max": 10_000},
    "ProductRelated": {"type": "number", "integer": True, "min": 0, "max": 10_000},
    "BounceRates": {"type": "number", "integer": False, "min": 0.0, "max": 1.0},
    "ExitRates": {"type": "number", "integer": False, "min": 0.0, "max": 1.0},
    "PageValues": {"type": "number", "integer": False, "min": 0.0, "max": 10_000.0},
}


def make_production_pipeline(random_state: int = 0, **params: float | int) -> Pipeline:
    """The production pipeline, unfitted: the month as its calendar index, six numbers as they are, small trees.

    Parameters
    ----------
    random_state : int
        Seed of the gradient boosting.
    **params
        Hyper-parameters of ``HistGradientBoostingClassifier`` that replace ``PRODUCTION_PARAMS`` (for a candidate
        model, say ``max_iter=60``).
    """
    unknown = sorted(set(params) - set(HistGradientBoostingClassifier().get_params()))
    if unknown:
        raise ValueError(f"params holds names that HistGradientBoostingClassifier does not know: {unknown}")
    prepare = ColumnTransformer(
        [("month", OrdinalEncoder(categories=[CALENDAR_MONTHS]), CATEGORY_FIELDS),
         ("numbers", "passthrough", NUMBER_FIELDS)],
        verbose_feature_names_out=False,
    )
    model = HistGradientBoostingClassifier(random_state=random_state, **{**PRODUCTION_PARAMS, **params})
    return Pipeline([("prepare", prepare), ("model", model)])


def build_production_model(X_train: pd.DataFrame, y_train: pd.Series, **params: float | int) -> Pipeline:
    """Fit chapter 02's production model on the training data (only its seven fields are used).

    ``params`` replace hyper-parameters of the gradient boosting, as in :func:`make_production_pipeline`.
    """
    if not isinstance(X_train, pd.DataFrame):
        raise TypeError(f"X_train must be a pandas DataFrame, got {type(X_train).__name__}")
    missing = [name for name in PRODUCTION_FIELDS if name not in X_train.columns]
    if missing:
        raise ValueError(f"X_train lacks the production fields {missing}")
    if len(y_train) != len(X_train):
        raise ValueError(f"y_train has {len(y_train)} rows but X_train has {len(X_train)}")
    return make_production_pipeline(**params).fit(X_train[PRODUCTION_FIELDS], np.asarray(y_train, dtype=bool))


def _tree_nodes(predictor) -> list[dict[str, Any]]:
    nodes = []
    for node in predictor.nodes:
        if node["is_leaf"]:
            nodes.append({"leaf": float(node["value"])})
        else:
            if node["is_categorical"]:
                raise ValueError("the spec format has no categorical splits; encode categories as numbers")
            nodes.append({"feature": int(node["feature_idx"]), "threshold": float(node["num_threshold"]),
                          "missing_left": bool(node["missing_go_to_left"]), "left": int(node["left"]),
                          "right": int(node["right"])})
    return nodes


def export_spec(pipeline: Pipeline, *, threshold: float, training_sha256: str, training_rows: int,
                metrics: Mapping[str, float]) -> dict[str, Any]:
    """Export a fitted production pipeline to a spec: a plain dict, ready for JSON.

    The spec holds everything a scorer in any language needs (fields and their contract, the encoding of the
    month, every tree, the baseline, the decision threshold) and what an auditor asks (training-data checksum,
    row count, library versions, metrics).
    """
    if not isinstance(pipeline, Pipeline) or "model" not in pipeline.named_steps:
        raise TypeError("pipeline must be the fitted Pipeline from build_production_model()")
    model = pipeline.named_steps["model"]
    if not hasattr(model, "_predictors"):
        raise ValueError("pipeline must be fitted before it is exported")
    if list(pipeline.named_steps["prepare"].get_feature_names_out()) != PRODUCTION_FIELDS:
        raise ValueError(f"pipeline's inputs must be {PRODUCTION_FIELDS}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold!r}")
    features = [{"name": name, **FIELD_RULES[name]} for name in PRODUCTION_FIELDS]
    scoring = {
        "kind": "gradient-boosted decision trees (scikit-learn HistGradientBoostingClassifier)",
        "score": "probability = 1 / (1 + exp(-(baseline + sum of one leaf per tree)))",
        "split": "go left when the value <= threshold; a missing (NaN) value goes left when missing_left",
        "baseline": float(np.ravel(model._baseline_prediction)[0]),
        "trees": [_tree_nodes(predictors[0]) for predictors in model._predictors],
    }
    return {
        "format": SPEC_FORMAT,
        "format_version": SPEC_VERSION,
        "model_name": "purchase-intent",
        "model_version": model_version(features, scoring, threshold),
        "features": features,
        "encoding": ("a category becomes its 0-based index in 'categories' (Month: its calendar index, January 0 "
                     "to December 11, i.e. month number - 1); numbers are used as they are"),
        "model": scoring,
        "decision_threshold": float(threshold),
        "training_data": {"sha256": training_sha256, "rows": int(training_rows)},
        "library_versions": {"python": platform.python_version(), "scikit-learn": package_version("scikit-learn"),
                             "numpy": package_version("numpy")},
        "metrics": {name: round(float(value), 4) for name, value in metrics.items()},
    }


def model_version(features: list[dict[str, Any]], scoring: Mapping[str, Any], threshold: float) -> str:
    """A version that names the model by its content: the first 12 hex digits of the SHA-256 of what it scores.

    Two specs share a version exactly when they have the same fields, contract, trees and decision threshold, so
    a logged score names the model that produced it, and a retrained model can never reuse an old name.
    """
    content = json.dumps({"features": features, "model": scoring, "decision_threshold": float(threshold)},
                         sort_keys=True)
    return "purchase-intent-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]


def spec_to_json(spec: Mapping[str, Any]) -> str:
    """Write a spec as JSON that people can read and diff: two-space indents, one tree node per line."""
    trees_mark, features_mark = "@@TREES@@", "@@FEATURES@@"
    body = dict(spec, features=features_mark)
    body["model"] = dict(spec["model"], trees=trees_mark)
    text = json.dumps(body, indent=2, ensure_ascii=False)
    features = ",\n".join("    " + json.dumps(feature, ensure_ascii=False) for feature in spec["features"])
    trees = ",\n".join(
        "      [\n" + ",\n".join("        " + json.dumps(node) for node in tree) + "\n      ]"
        for tree in spec["model"]["trees"])
    text = text.replace(json.dumps(features_mark), "[\n" + features + "\n  ]")
    return text.replace(json.dumps(trees_mark), "[\n" + trees + "\n    ]") + "\n"


def contract_cases(valid: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Requests that break the input contract in the ways real traffic does, derived from one valid request."""
    valid = dict(valid)

    def changed(**fields: Any) -> dict[str, Any]:
        return {**valid, **fields}

    without = {key: value for key, value in valid.items() if key != "ExitRates"}
    return {
        "valid request": valid,
        "missing field (ExitRates)": without,
        "extra field": changed(Coupon="SAVE10"),
        "number sent as text": changed(PageValues=str(valid["PageValues"])),
        "wrong type (list)": changed(ProductRelated=[valid["ProductRelated"]]),
        "None": changed(ExitRates=None),
        "NaN": changed(ExitRates=float("nan")),
        "misspelt month (Sept)": changed(Month="Sept"),
        "re-cased month": changed(Month=str(valid["Month"]).lower()),
        "negative count": changed(ProductRelated=-3),
        "rate above 1": changed(ExitRates=1.7),
        "huge page value": changed(PageValues=1e12),
    }


def contract_table(implementations: Mapping[str, Callable[[dict], float]],
                   cases: Mapping[str, dict]) -> pd.DataFrame:
    """What each implementation does with each request: a probability, or the error it raises."""
    table = {}
    for case, request in cases.items():
        row = {}
        for name, implementation in implementations.items():
            try:
                result = float(implementation(request))
                row[name] = "NaN returned" if np.isnan(result) else f"{result:.3f}"
            except Exception as error:  # noqa: BLE001 - the table reports whatever happens
                row[name] = f"error: {type(error).__name__}"
        table[case] = row
    return pd.DataFrame(table).T


def time_calls(function: Callable[[], object], *, repeats: int, warmup: int = 5) -> np.ndarray:
    """Wall-clock seconds of ``repeats`` calls of ``function`` after ``warmup`` untimed calls."""
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be >= 1 and warmup >= 0, got {repeats} and {warmup}")
    for _ in range(warmup):
        function()
    times = np.empty(repeats)
    for index in range(repeats):
        start = time.perf_counter()
        function()
        times[index] = time.perf_counter() - start
    return times


def bootstrap_auc_difference(y: np.ndarray, p_new: np.ndarray, p_old: np.ndarray, *, n_resamples: int,
                             seed: int | np.random.Generator, chunk: int = 200) -> np.ndarray:
    """Paired bootstrap of a difference in ROC AUC: ``AUC(p_new) - AUC(p_old)`` on the same resampled rows.

    Each resample draws rows with replacement; both models are judged on the same rows, so the spread is that of
    the *difference*. The ROC AUC is computed for all resamples at once from how often each resample drew each
    row (the Mann-Whitney statistic with rows weighted by their counts, ties counted as half), which equals
    ``sklearn.metrics.roc_auc_score`` on the resampled rows.

    Parameters
    ----------
    y : array of bool or 0/1
        Outcomes.
    p_new, p_old : arrays of float
        Scores of the two models for the same rows.
    n_resamples : int
        Number of bootstrap resamples (at least 1).
    seed : int or numpy.random.Generator
        Randomness of the resampling.
    chunk : int
        Resamples computed together (bounds the memory used).

    Returns
    -------
    numpy.ndarray
        ``n_resamples`` differences.
    """
    y, p_new, p_old = (np.asarray(a) for a in (y, p_new, p_old))
    if not (y.ndim == p_new.ndim == p_old.ndim == 1 and len(y) == len(p_new) == len(p_old) and len(y) >= 2):
        raise ValueError("y, p_new and p_old must be 1-d arrays of the same length (at least 2)")
    if not set(np.unique(y)) <= {0, 1}:
        raise ValueError("y must hold only 0/1 or booleans")
    if n_resamples < 1 or chunk < 1:
        raise ValueError(f"n_resamples and chunk must be >= 1, got {n_resamples} and {chunk}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    y = y.astype(float)
    n = len(y)

    def auc(counts: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """ROC AUC of each resample, given how often it drew each row: the Mann-Whitney statistic with every
        row weighted by its count. The rows are sorted by score once; rows with equal scores form one tie."""
        order = np.argsort(scores, kind="stable")
        ranked = scores[order]
        ties = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])  # where each run of equal scores begins
        buyers = np.add.reduceat((counts * y)[:, order], ties, axis=1)
        others = np.add.reduceat((counts * (1 - y))[:, order], ties, axis=1)
        others_below = np.cumsum(others, axis=1) - others
        wins = (buyers * (others_below + others / 2)).sum(axis=1)  # a tie counts as half a win
        return wins / (buyers.sum(axis=1) * others.sum(axis=1))

    differences = []
    for start in range(0, n_resamples, chunk):
        rows = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
        counts = np.bincount((rows + n * np.arange(len(rows))[:, None]).ravel(),
                             minlength=rows.size).reshape(rows.shape).astype(float)
        differences.append(auc(counts, p_new) - auc(counts, p_old))
    return np.concatenate(differences)


def time_requests(function: Callable[[Any], object], requests: list[Any], n: int, *,
                  warmup: int = 5) -> np.ndarray:
    """Wall-clock seconds of ``function(request)`` for ``n`` different requests, one call each.

    The requests are taken in order (starting again from the first when ``n`` exceeds their number), after
    ``warmup`` untimed calls, so that the times describe many requests rather than one request repeated.
    """
    if not requests:
        raise ValueError("requests must hold at least one request")
    if n < 1 or warmup < 0:
        raise ValueError(f"n must be >= 1 and warmup >= 0, got {n} and {warmup}")
    for index in range(warmup):
        function(requests[index % len(requests)])
    times = np.empty(n)
    for index in range(n):
        request = requests[index % len(requests)]
        start = time.perf_counter()
        function(request)
        times[index] = time.perf_counter() - start
    return times


#: A percentile is reported only when at least this many timed requests lie beyond it.
MIN_TAIL = 10


def latency_table(latency: Mapping[str, np.ndarray], *, budget: float,
                  percentiles: tuple[int, ...] = (50, 90, 99)) -> pd.DataFrame:
    """Latency percentiles in microseconds, each only where the sample supports it, against a p99 budget.

    A percentile q is shown when at least ``MIN_TAIL`` requests lie beyond it, i.e. ``n * (1 - q/100) >= 10``
    (a 99th percentile needs 1,000 requests); otherwise the cell is NaN. The column ``budget (percentile)``
    says ``"meets (p99)"`` when the 99th percentile is measured and within ``budget`` (seconds),
    ``"misses (pQ)"`` when a measured percentile ``Q`` (the lowest one over the budget) already exceeds it, and
    ``"p99 not measured"`` otherwise, so that the verdict names the percentile it rests on.
    """
    if budget <= 0:
        raise ValueError(f"budget must be a positive number of seconds, got {budget!r}")
    if not percentiles or any(not 0 < q < 100 for q in percentiles):
        raise ValueError(f"percentiles must lie strictly between 0 and 100, got {percentiles!r}")
    rows = {}
    for name, seconds in latency.items():
        seconds = np.asarray(seconds, dtype=float)
        if seconds.ndim != 1 or len(seconds) == 0:
            raise ValueError(f"latency[{name!r}] must be a non-empty 1-d array of seconds")
        row: dict[str, Any] = {"requests": len(seconds)}
        measured = {}
        for q in percentiles:
            supported = len(seconds) * (100 - q) >= MIN_TAIL * 100   # whole numbers: no rounding at the edge
            value = float(np.percentile(seconds, q)) if supported else float("nan")
            row["median (µs)" if q == 50 else f"p{q} (µs)"] = 1e6 * value
            if supported:
                measured[q] = value
        over = [q for q, value in sorted(measured.items()) if value > budget]
        if over:
            row["budget (percentile)"] = f"misses (p{over[0]})"
        else:
            row["budget (percentile)"] = "meets (p99)" if 99 in measured else "p99 not measured"
        rows[name] = row
    return pd.DataFrame(rows).T.infer_objects()


def profile_shares(stats: Any, parts: Mapping[str, tuple[str, str]]) -> pd.Series:
    """Share of a profile's total time spent inside each named function (cumulative, callees included).

    Parameters
    ----------
    stats : pstats.Stats
        A profile, e.g. ``pstats.Stats(profiler)`` after ``cProfile.Profile().runcall(...)``.
    parts : mapping of label to (file ending, function name)
        E.g. ``{"column transformers": ("_column_transformer.py", "transform")}``; every function whose file
        path ends with the file ending (``/`` or ``\\`` as separator) and whose name matches counts.

    Returns
    -------
    pandas.Series
        The share of the total time, per label. Parts may overlap when one calls the other.
    """
    if not hasattr(stats, "stats") or not hasattr(stats, "total_tt"):
        raise TypeError(f"stats must be a pstats.Stats, got {type(stats).__name__}")
    if stats.total_tt <= 0:
        raise ValueError("the profile recorded no time")
    shares = {}
    for label, (ending, function) in parts.items():
        cumulative = sum(entry[3] for (path, _, name), entry in stats.stats.items()
                         if name == function and path.replace("\\", "/").endswith(ending))
        shares[label] = cumulative / stats.total_tt
    return pd.Series(shares, name="share of time")


_CHILD_START = """
import json, sys, time
with open(sys.argv[2], encoding="utf-8") as handle:
    requests = json.load(handle)
"""
_CHILD_SERVE = {
    "pickle": """
import pickle, pandas as pd
with open(sys.argv[1], "rb") as handle:
    model = pickle.load(handle)
for request in requests:
    model.predict_proba(pd.DataFrame([request]))
""",
    "onnx": """
import numpy as np, onnxruntime as ort
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
for request in requests:
    session.run(None, {name: np.array([[value]]) if isinstance(value, str) else np.array([[value]], np.float32)
                       for name, value in request.items()})
""",
    "json": """
import importlib.util
spec = importlib.util.spec_from_file_location("scorer", sys.argv[3])
scorer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scorer)
with open(sys.argv[1], encoding="utf-8") as handle:
    model = scorer.load_spec(handle.read())
for request in requests:
    scorer.score_checked(model, request)
""",
}
_CHILD_END = """
print(peak_rss_mb())
"""
_PEAK_RSS = """
def peak_rss_mb():
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:")) / 1024
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
"""


def peak_memory_mb(jobs: Mapping[str, tuple[str, bytes, list[dict[str, Any]]]], *,
                   timeout: float = 120.0) -> dict[str, float]:
    """Peak resident memory (RSS, MB) of a fresh Python process that loads a model and serves requests.

    Each job starts its own interpreter (with one OpenMP thread, as a service that answers one request at a
    time), which imports only what its kind of model needs, loads the artefact, scores every request one at a
    time, and reports its own peak RSS: ``VmHWM`` of ``/proc/self/status`` on Linux (``ru_maxrss`` would include
    the memory of the Python process that started it), ``resource.getrusage`` on macOS. The jobs run side by
    side; peak memory does not depend on the order.

    Parameters
    ----------
    jobs : mapping of name to (kind, artefact, requests)
        ``kind`` is ``"pickle"`` (a pickled scikit-learn pipeline, scored from one-row DataFrames), ``"onnx"``
        (ONNX bytes, run by onnxruntime) or ``"json"`` (a spec, scored by ``helpers/scorer.py`` loaded on its own).
        ``requests`` are dicts of field to value.
    timeout : float
        Seconds each process may take.

    Returns
    -------
    dict of name to MB
    """
    unknown = sorted({kind for kind, _, _ in jobs.values()} - set(_CHILD_SERVE))
    if unknown:
        raise ValueError(f"kind must be one of {sorted(_CHILD_SERVE)}, got {unknown}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    scorer_path = os.path.join(os.path.dirname(__file__), "scorer.py")
    with tempfile.TemporaryDirectory() as folder:
        running = {}
        for index, (name, (kind, artefact, requests)) in enumerate(jobs.items()):
            model_path = os.path.join(folder, f"model{index}")
            requests_path = os.path.join(folder, f"requests{index}.json")
            with open(model_path, "wb") as handle:
                handle.write(artefact)
            with open(requests_path, "w", encoding="utf-8") as handle:
                json.dump(requests, handle)
            code = _PEAK_RSS + _CHILD_START + _CHILD_SERVE[kind] + _CHILD_END
            running[name] = subprocess.Popen([sys.executable, "-c", code, model_path, requests_path, scorer_path],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                             env={**os.environ, "OMP_NUM_THREADS": "1"})
        peaks = {}
        for name, process in running.items():
            out, err = process.communicate(timeout=timeout)
            if process.returncode != 0:
                raise RuntimeError(f"the process serving {name!r} failed: {err.strip()[-500:]}")
            peaks[name] = float(out.split()[-1])
    return peaks


GO_TIMER = """package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"example.com/serve/scorer"
)

// Reads a spec (first argument) and JSON requests (one per line on stdin); checks and scores every request
// once untimed, then again timed; prints one line per request and, last, the process's peak RSS (VmHWM, Linux;
// 0 where /proc does not exist).
func main() {
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	spec, err := scorer.LoadSpec(text)
	if err != nil {
		panic(err)
	}
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	var requests []scorer.Request
	for lines.Scan() {
		var request scorer.Request
		if err := json.Unmarshal(lines.Bytes(), &request); err != nil {
			panic(err)
		}
		requests = append(requests, request)
	}
	for _, request := range requests {
		if spec.Check(request) == nil {
			spec.Score(request)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, request := range requests {
		start := time.Now()
		err := spec.Check(request)
		probability := -1.0
		if err == nil {
			probability = spec.Score(request)
		}
		elapsed := time.Since(start).Nanoseconds()
		if err != nil {
			fmt.Fprintf(out, "invalid %d %s\\n", elapsed, err)
		} else {
			fmt.Fprintf(out, "%.17g %d\\n", probability, elapsed)
		}
	}
	status, _ := os.ReadFile("/proc/self/status")
	peak := "0"
	for _, line := range strings.Split(string(status), "\\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			peak = strings.Fields(line)[1]
		}
	}
	fmt.Fprintf(out, "peak_kb %s\\n", peak)
}
"""


class GoRun(NamedTuple):
    """What the Go scorer did with each request: its probability (NaN when rejected), the error message of a
    rejected request (``None`` otherwise), the seconds each check-and-score took, and the process's peak RSS
    (MB; NaN where the system has no ``/proc``)."""

    probabilities: np.ndarray
    errors: list[str | None]
    seconds: np.ndarray
    peak_rss_mb: float


def go_executable() -> str | None:
    """The path of the ``go`` command, or ``None`` when Go is not installed."""
    return shutil.which("go")


def run_go_scorer(spec_text: str, requests: list[dict[str, Any]], *, go: str | None = None,
                  timeout: float = 300.0) -> GoRun:
    """Build ``helpers/go/scorer.go`` with a small timing program, and check and score each request in Go.

    Parameters
    ----------
    spec_text : str
        The spec as JSON text (:func:`spec_to_json`).
    requests : list of dict
        Requests as a service receives them; they travel as JSON, so numbers arrive in Go as float64.
    go : str, optional
        The ``go`` command; by default the one on the PATH.
    timeout : float
        Seconds for building and running together.

    Returns
    -------
    GoRun

    Raises
    ------
    FileNotFoundError
        When Go is not installed.
    """
    go = go or go_executable()
    if go is None:
        raise FileNotFoundError("Go is not installed (Debian/Ubuntu: apt-get install golang-go)")
    if not isinstance(spec_text, str):
        raise TypeError(f"spec_text must be the spec's JSON text (str), got {type(spec_text).__name__}")
    if not requests:
        raise ValueError("requests must hold at least one request")
    with tempfile.TemporaryDirectory() as folder:
        os.makedirs(os.path.join(folder, "scorer"))
        shutil.copy(os.path.join(os.path.dirname(__file__), "go", "scorer.go"), os.path.join(folder, "scorer"))
        with open(os.path.join(folder, "main.go"), "w", encoding="utf-8") as handle:
            handle.write(GO_TIMER)
        with open(os.path.join(folder, "go.mod"), "w", encoding="utf-8") as handle:
            handle.write("module example.com/serve\n\ngo 1.19\n")
        with open(os.path.join(folder, "spec.json"), "w", encoding="utf-8") as handle:
            handle.write(spec_text)
        env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off",
               "GOCACHE": os.path.join(folder, "cache"), "GOPATH": os.path.join(folder, "gopath")}
        subprocess.run([go, "build", "-o", "serve", "."], cwd=folder, env=env, check=True, capture_output=True,
                       timeout=timeout)
        result = subprocess.run([os.path.join(folder, "serve"), "spec.json"], cwd=folder, capture_output=True,
                                text=True, timeout=timeout, check=True,
                                input="".join(json.dumps(request) + "\n" for request in requests))
    lines = result.stdout.splitlines()
    probabilities, errors, seconds = [], [], []
    for line in lines[:-1]:
        first, elapsed, *message = line.split(" ", 2)
        rejected = first == "invalid"
        probabilities.append(float("nan") if rejected else float(first))
        errors.append(message[0] if rejected else None)
        seconds.append(int(elapsed) / 1e9)
    peak_kb = int(lines[-1].split()[1])
    return GoRun(np.array(probabilities), errors, np.array(seconds), peak_kb / 1024 if peak_kb else float("nan"))


def threshold_requests(spec: Mapping[str, Any], base: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Requests that sit exactly on each split threshold of a spec, and one float64 step either side of it.

    A split sends a value equal to its threshold left (``value <= threshold``); a port that writes ``<``, or
    that rounds inputs to float32, sends it elsewhere. These requests put every split to that test. For a
    category (the month), only a threshold that equals a category's index can be met exactly; that category
    is used.

    Parameters
    ----------
    spec : mapping
        A loaded spec (:func:`helpers.scorer.load_spec`).
    base : mapping
        A valid request; each returned request changes one field of it.

    Returns
    -------
    list of dict
        One request per (field, threshold, position), positions at, just below and just above the threshold;
        distinct (field, threshold) pairs only, in the order of the fields.

    Raises
    ------
    TypeError
        When ``spec`` is not a spec or ``base`` is not a dict.
    ValueError
        When ``base`` lacks one of the spec's fields.
    """
    if not isinstance(spec, Mapping) or "features" not in spec or "model" not in spec:
        raise TypeError("spec must be a loaded spec (helpers.scorer.load_spec)")
    if not isinstance(base, Mapping):
        raise TypeError(f"base must be a dict request, got {type(base).__name__}")
    features = spec["features"]
    missing = [feature["name"] for feature in features if feature["name"] not in base]
    if missing:
        raise ValueError(f"base must hold every field of the spec; missing: {missing}")
    splits = sorted({(node["feature"], node["threshold"]) for tree in spec["model"]["trees"]
                     for node in tree if "leaf" not in node})
    requests = []
    for index, threshold in splits:
        feature = features[index]
        if feature["type"] == "category":
            if float(threshold).is_integer() and 0 <= threshold < len(feature["categories"]):
                requests.append({**base, feature["name"]: feature["categories"][int(threshold)]})
            continue
        for value in (np.nextafter(threshold, -np.inf), threshold, np.nextafter(threshold, np.inf)):
            requests.append({**base, feature["name"]: float(value)})
    return requests
