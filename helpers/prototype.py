"""Chapter 01's final model, rebuilt on demand, so that later chapters need not run chapter 01.

Chapter 01 compares model families with cross-validation (grouped, so that identical rows stay in one fold) and
searches the hyper-parameters of the best one, a histogram gradient-boosting classifier. :func:`build_prototype`
does not search: it rebuilds the search's winner with the parameters it chose (``PROTOTYPE_PARAMS``). Chapter 01
prints that the two give identical predictions, and the tests check that the helper equals the search's own refit
and that the committed chapter's search chose ``PROTOTYPE_PARAMS``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from helpers.data import BOOLEAN_COLUMNS, CATEGORICAL_COLUMNS, FEATURES, NUMERIC_COLUMNS

#: The hyper-parameters chapter 01's grid search chose (SEED = 0, five folds grouped so that identical rows stay
#: together), in the pipeline's step__name form; all others keep scikit-learn's defaults.
PROTOTYPE_PARAMS: dict[str, float | int] = {
    "model__learning_rate": 0.05,
    "model__max_leaf_nodes": 15,
}


def make_prototype_pipeline(random_state: int = 0) -> Pipeline:
    """The prototype's pipeline, unfitted, with scikit-learn's default hyper-parameters.

    Categories are encoded as integers (unseen ones become missing) and handled natively by the gradient
    boosting; numbers and the weekend flag pass through unchanged (trees need no scaling).
    """
    prepare = ColumnTransformer(
        [
            ("categories", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                          encoded_missing_value=np.nan), CATEGORICAL_COLUMNS),
            ("numbers", "passthrough", NUMERIC_COLUMNS + BOOLEAN_COLUMNS),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = HistGradientBoostingClassifier(categorical_features=CATEGORICAL_COLUMNS, random_state=random_state)
    return Pipeline([("prepare", prepare), ("model", model)])


def build_prototype(X_train: pd.DataFrame, y_train: pd.Series) -> Pipeline:
    """Fit chapter 01's final prototype on the given training data and return it.

    Parameters
    ----------
    X_train : pandas.DataFrame
        The training features as :func:`helpers.data.fixed_split` returns them.
    y_train : pandas.Series
        ``Revenue`` for the same rows (booleans, or 0/1).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted; ``predict_proba(X)[:, 1]`` is the predicted probability of a purchase.
    """
    if not isinstance(X_train, pd.DataFrame):
        raise TypeError(f"X_train must be a pandas DataFrame, got {type(X_train).__name__}")
    missing = [name for name in FEATURES if name not in X_train.columns]
    if missing:
        raise ValueError(f"X_train lacks the feature columns {missing}")
    y = pd.Series(y_train) if not isinstance(y_train, pd.Series) else y_train
    if len(y) != len(X_train):
        raise ValueError(f"y_train has {len(y)} rows but X_train has {len(X_train)}")
    values = set(pd.unique(y))
    if not values <= {True, False} or len(values) != 2:
        raise ValueError(f"y_train must hold both classes, as booleans or 0/1; got the values {sorted(values)}")
    pipeline = clone(make_prototype_pipeline()).set_params(**PROTOTYPE_PARAMS)
    return pipeline.fit(X_train[FEATURES], y.astype(bool))


def model_card(*, cv_auc: tuple[float, float], n_folds: int, test_auc: tuple[float, float, float],
               test_ap: float, threshold: float, test_precision: float, test_recall: float,
               n_train: int, n_test: int) -> str:
    """Write the prototype's model card as Markdown, from numbers the chapter computed.

    ``cv_auc`` is (mean, standard deviation across folds) of the tuned model, the best of the grid on the same
    folds and so slightly optimistic; ``test_auc`` is (estimate, low, high) of a 95 % interval.
    """
    mean, spread = cv_auc
    estimate, low, high = test_auc
    for name, value in [("cv_auc mean", mean), ("test_auc", estimate), ("test_ap", test_ap),
                        ("threshold", threshold), ("test_precision", test_precision),
                        ("test_recall", test_recall)]:
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    if not low <= estimate <= high:
        raise ValueError(f"test_auc must be (estimate, low, high) with low <= estimate <= high, got {test_auc}")
    params = ", ".join(f"{key.split('__', 1)[1]} = {value}" for key, value in PROTOTYPE_PARAMS.items())
    rows = [
        ("model", f"scikit-learn `HistGradientBoostingClassifier` in a `Pipeline` ({params}); categories "
                  f"encoded as integers and handled natively"),
        ("inputs", "17 session aggregates: page counts and durations, bounce and exit rates, page values, "
                   "special day, month, operating system, browser, region, traffic type, visitor type, weekend"),
        ("output", f"probability that the session ends in a purchase; decision threshold {threshold:.3f} "
                   f"(maximum F1, out-of-fold)"),
        ("training data", f"{n_train:,} sessions of the UCI Online Shoppers Purchasing Intention data "
                          f"(one retailer, one year), CC BY 4.0"),
        ("evaluation", f"{n_folds}-fold grouped CV ROC AUC {mean:.3f} ± {spread:.3f} (mean ± standard deviation "
                       f"across folds; the best of a small grid on these folds, so slightly optimistic); "
                       f"test set ({n_test:,} sessions, not used for any choice, only to confirm): "
                       f"ROC AUC {estimate:.3f} (95 % CI {low:.3f}–{high:.3f}), average precision "
                       f"{test_ap:.3f}, precision {test_precision:.3f} and recall {test_recall:.3f} at the threshold"),
        ("intended use", "ranking sessions of this shop by purchase intent, to decide whom to show an offer, "
                         "evaluated later online"),
        ("not for", "other shops or years without re-validation; estimating what an offer *causes* (the data "
                    "holds no offers); decisions about individual people"),
        ("limits", "trained on whole-session aggregates, served on partial ones (training/serving skew); "
                   "`PageValues` is a Google Analytics page value that may include the session's own purchase, "
                   "so the scores above are upper bounds for scoring a session at its end, and mid-session "
                   "scores can be expected to be lower; no January or April in the data; the duplicates are "
                   "short sessions without a purchase"),
    ]
    lines = ["### Model card: purchase-intention prototype", "", "| | |", "|---|---|"]
    lines += [f"| **{name}** | {text} |" for name, text in rows]
    return "\n".join(lines) + "\n"
