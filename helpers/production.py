"""Chapter 02's production model: build it, export it to a readable spec, and compare implementations.

The plain-Python scorer that reads the spec is :mod:`helpers.scorer` (standard library only).
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from helpers.data import MONTHS
from helpers.notebook import package_version
from helpers.scorer import SPEC_FORMAT, SPEC_VERSION

#: The inputs chapter 02's audit keeps: page values, month, page counts, bounce and exit rates (7 of 17 fields).
CATEGORY_FIELDS = ["Month"]
NUMBER_FIELDS = ["Administrative", "Informational", "ProductRelated", "BounceRates", "ExitRates", "PageValues"]
PRODUCTION_FIELDS = CATEGORY_FIELDS + NUMBER_FIELDS
#: Small trees, few of them: chapter 02 measures what each choice costs and earns.
PRODUCTION_PARAMS: dict[str, float | int] = {"max_depth": 3, "max_iter": 30, "learning_rate": 0.2}

#: The input contract of each field, written into the spec. The upper bounds are business rules: no session
#: visits ten thousand pages, and page values are averages of order values (the training data stays below 400).
FIELD_RULES: dict[str, dict[str, Any]] = {
    "Month": {"type": "category", "categories": MONTHS},
    "Administrative": {"type": "number", "integer": True, "min": 0, "max": 10_000},
    "Informational": {"type": "number", "integer": True, "min": 0, "max": 10_000},
    "ProductRelated": {"type": "number", "integer": True, "min": 0, "max": 10_000},
    "BounceRates": {"type": "number", "integer": False, "min": 0.0, "max": 1.0},
    "ExitRates": {"type": "number", "integer": False, "min": 0.0, "max": 1.0},
    "PageValues": {"type": "number", "integer": False, "min": 0.0, "max": 10_000.0},
}


def make_production_pipeline(random_state: int = 0) -> Pipeline:
    """The production pipeline, unfitted: the month as its calendar index, six numbers as they are, small trees."""
    prepare = ColumnTransformer(
        [("month", OrdinalEncoder(categories=[MONTHS]), CATEGORY_FIELDS),
         ("numbers", "passthrough", NUMBER_FIELDS)],
        verbose_feature_names_out=False,
    )
    model = HistGradientBoostingClassifier(random_state=random_state, **PRODUCTION_PARAMS)
    return Pipeline([("prepare", prepare), ("model", model)])


def build_production_model(X_train: pd.DataFrame, y_train: pd.Series) -> Pipeline:
    """Fit chapter 02's production model on the training data (only its seven fields are used)."""
    if not isinstance(X_train, pd.DataFrame):
        raise TypeError(f"X_train must be a pandas DataFrame, got {type(X_train).__name__}")
    missing = [name for name in PRODUCTION_FIELDS if name not in X_train.columns]
    if missing:
        raise ValueError(f"X_train lacks the production fields {missing}")
    if len(y_train) != len(X_train):
        raise ValueError(f"y_train has {len(y_train)} rows but X_train has {len(X_train)}")
    return make_production_pipeline().fit(X_train[PRODUCTION_FIELDS], np.asarray(y_train, dtype=bool))


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
    return {
        "format": SPEC_FORMAT,
        "format_version": SPEC_VERSION,
        "model_name": "purchase-intent",
        "features": [{"name": name, **FIELD_RULES[name]} for name in PRODUCTION_FIELDS],
        "encoding": "a category becomes its 0-based index in 'categories'; numbers are used as they are",
        "model": {
            "kind": "gradient-boosted decision trees (scikit-learn HistGradientBoostingClassifier)",
            "score": "probability = 1 / (1 + exp(-(baseline + sum of one leaf per tree)))",
            "split": "go left when the value <= threshold; a missing (NaN) value goes left when missing_left",
            "baseline": float(np.ravel(model._baseline_prediction)[0]),
            "trees": [_tree_nodes(predictors[0]) for predictors in model._predictors],
        },
        "decision_threshold": float(threshold),
        "training_data": {"sha256": training_sha256, "rows": int(training_rows)},
        "library_versions": {"python": platform.python_version(), "scikit-learn": package_version("scikit-learn"),
                             "numpy": package_version("numpy")},
        "metrics": {name: round(float(value), 4) for name, value in metrics.items()},
    }


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
        "unseen month (Jan)": changed(Month="Jan"),
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
