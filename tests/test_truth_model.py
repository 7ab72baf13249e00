"""The shop's truth model is fitted to its optimum, not stopped early (its probabilities are the truth)."""

from __future__ import annotations

import numpy as np

from helpers.data import FEATURES, TARGET
from helpers.simulate import make_truth_pipeline


def _gradient(pipeline, X, y):
    """Gradient of scikit-learn's L2-penalised logistic objective, C * sum(log loss) + |w|^2 / 2, at the fit."""
    design = pipeline[:-1].transform(X)
    design = design.toarray() if hasattr(design, "toarray") else np.asarray(design)
    model = pipeline[-1]
    residual = model.predict_proba(design)[:, 1] - y
    return np.append(model.C * design.T @ residual + model.coef_[0], model.C * residual.sum())


def test_truth_model_is_fitted_to_its_optimum(sessions):
    X, y = sessions[FEATURES], sessions[TARGET].to_numpy(dtype=float)
    truth = make_truth_pipeline().fit(X, y)
    assert np.abs(_gradient(truth, X, y)).max() < 1e-4
    # the library's default stopping rule (L-BFGS, tol 1e-4) is far from it: the reason the truth uses Newton
    loose = make_truth_pipeline().set_params(logisticregression__solver="lbfgs", logisticregression__tol=1e-4,
                                             logisticregression__max_iter=2_000).fit(X, y)
    assert np.abs(_gradient(loose, X, y)).max() > 1e-2
