"""helpers.prototype rebuilds chapter 01's final model exactly, and it meets the chapter's bar."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from helpers import prototype


@pytest.fixture(scope="module")
def model(split):
    return prototype.build_prototype(split.X_train, split.y_train)


def test_equals_the_grid_search_refit(split, model):
    """GridSearchCV refits clone(estimator).set_params(**best_params_); the helper must give the same model."""
    refit = clone(prototype.make_prototype_pipeline()).set_params(**prototype.PROTOTYPE_PARAMS)
    refit.fit(split.X_train, split.y_train)
    assert np.array_equal(refit.predict_proba(split.X_test), model.predict_proba(split.X_test))


def test_is_deterministic(split, model):
    again = prototype.build_prototype(split.X_train, split.y_train)
    assert np.array_equal(again.predict_proba(split.X_test), model.predict_proba(split.X_test))


def test_meets_the_bar_on_the_test_set(split, model):
    auc = roc_auc_score(split.y_test, model.predict_proba(split.X_test)[:, 1])
    assert auc >= 0.92


def test_unseen_category_becomes_missing_not_an_error(split, model):
    """A browser code the model never saw is scored exactly like a missing browser, and unlike the row's own."""
    rows = split.X_test.head(200)
    unseen, missing = rows.copy(), rows.copy()
    unseen["Browser"] = unseen["Browser"].cat.add_categories([99])
    unseen.loc[:, "Browser"] = 99
    missing.loc[:, "Browser"] = np.nan
    assert np.array_equal(model.predict_proba(unseen), model.predict_proba(missing))
    assert not np.array_equal(model.predict_proba(unseen), model.predict_proba(rows))


@pytest.mark.parametrize(("make_args", "error", "words"), [
    (lambda s: (s.X_train.to_numpy(), s.y_train), TypeError, "X_train must be a pandas DataFrame"),
    (lambda s: (s.X_train.drop(columns="PageValues"), s.y_train), ValueError, "lacks the feature columns"),
    (lambda s: (s.X_train, s.y_train.head(10)), ValueError, "has 10 rows"),
    (lambda s: (s.X_train, s.y_train & False), ValueError, "both classes"),
    (lambda s: (s.X_train, s.y_train.astype(int) * 2), ValueError, "both classes"),
])
def test_bad_input_is_refused(split, make_args, error, words):
    with pytest.raises(error, match=words):
        prototype.build_prototype(*make_args(split))


def test_model_card_refuses_impossible_numbers():
    args = dict(cv_auc=(0.93, 0.01), n_folds=5, test_auc=(0.93, 0.92, 0.94), test_ap=0.7, threshold=0.3,
                test_precision=0.6, test_recall=0.7, n_train=10, n_test=5)
    assert "ROC AUC 0.930 (95 % CI 0.920–0.940)" in prototype.model_card(**args)
    with pytest.raises(ValueError, match="test_auc must be"):
        prototype.model_card(**(args | {"test_auc": (0.93, 0.95, 0.96)}))
    with pytest.raises(ValueError, match="threshold must lie in"):
        prototype.model_card(**(args | {"threshold": 1.5}))


def test_the_committed_chapter_chose_the_helpers_parameters():
    """Chapter 01, executed with its default SEED and folds, printed the search's choice: it must be the helper's."""
    import ast

    import nbformat

    from helpers.paths import CHAPTERS_DIR

    notebook = nbformat.read(CHAPTERS_DIR / "01_prototype.ipynb", as_version=4)
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.get("outputs", []) if output.get("output_type") == "stream")
    chosen = [line.removeprefix("search chose: ") for line in printed.splitlines()
              if line.startswith("search chose: ")]
    assert len(chosen) == 1, "chapter 01 must print the search's choice exactly once"
    assert ast.literal_eval(chosen[0]) == prototype.PROTOTYPE_PARAMS
    assert "same parameters as the helper: True, identical predictions: True" in printed


def test_parameters_differ_from_the_defaults_and_change_the_model(split, model):
    """PROTOTYPE_PARAMS is not a no-op: the default pipeline predicts differently."""
    default = prototype.make_prototype_pipeline().fit(split.X_train, split.y_train)
    assert not np.array_equal(default.predict_proba(split.X_test), model.predict_proba(split.X_test))
    assert model.named_steps["model"].max_leaf_nodes == prototype.PROTOTYPE_PARAMS["model__max_leaf_nodes"]
