"""Off-policy evaluation: the value of a target policy estimated from a log collected under another policy.

A log holds, for every decision, the reward observed, the action taken (an integer from 0) and the probability
with which the logging policy took it (its *propensity*). A target policy is given by the probability with which
it would take each action in each logged decision, an array of shape (decisions, actions).

Three estimators, each returning ``(value, standard_error)``:

- :func:`ips`, inverse propensity scoring (Horvitz and Thompson, 1952): the mean of w * r with the importance
  weight w = target probability of the logged action / its propensity. Unbiased whenever every action the target
  may take had a positive propensity.
- :func:`snips`, self-normalised IPS (Swaminathan and Joachims, 2015): the same sum divided by the sum of the
  weights instead of the number of decisions. Slightly biased, often much less variable.
- :func:`doubly_robust` (Dudík, Langford and Li, 2011): a reward model's prediction for the target policy, plus
  the IPS-weighted error of the model on the logged action. Unbiased when the propensities are right, whatever
  the model; less variable the better the model.

The standard errors treat the decisions as independent: the sample standard deviation of each decision's term
divided by the square root of the number of decisions (for SNIPS, the delta method for a ratio).
"""

from __future__ import annotations

import numpy as np

#: How far a row of target probabilities may be from summing to 1 (rounding in the caller's arithmetic).
ROW_SUM_TOLERANCE = 1e-6


def _as_array(name: str, value, ndim: int) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from error
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension{'s' if ndim > 1 else ''}, got shape {array.shape}")
    if array.size and not (np.isfinite(array.min()) and np.isfinite(array.max())):   # NaN and infinities show here
        raise ValueError(f"{name} must hold finite numbers only (no NaN or infinity)")
    return array


def _checked(rewards, actions, logging_propensities, target_probabilities):
    """Check a log and a target policy; return them as arrays (actions as integers)."""
    rewards = _as_array("rewards", rewards, 1)
    propensities = _as_array("logging_propensities", logging_propensities, 1)
    target = _as_array("target_probabilities", target_probabilities, 2)
    raw_actions = np.asarray(actions)
    if raw_actions.ndim != 1:
        raise ValueError(f"actions must have 1 dimension, got shape {raw_actions.shape}")
    if raw_actions.dtype == bool or not (np.issubdtype(raw_actions.dtype, np.integer)
                                         or (np.issubdtype(raw_actions.dtype, np.floating)
                                             and np.all(np.mod(raw_actions, 1) == 0))):
        raise TypeError(f"actions must be whole numbers (action indices from 0), got dtype {raw_actions.dtype}")
    n = len(rewards)
    if n == 0:
        raise ValueError("the log must hold at least one decision; rewards is empty")
    for name, array in (("actions", raw_actions), ("logging_propensities", propensities)):
        if len(array) != n:
            raise ValueError(f"{name} has {len(array)} entries but rewards has {n}: one entry per decision")
    if target.shape[0] != n:
        raise ValueError(f"target_probabilities has {target.shape[0]} rows but rewards has {n}: one row per "
                         "decision, one column per action")
    n_actions = target.shape[1]
    actions = raw_actions.astype(np.intp)
    if actions.min() < 0 or actions.max() >= n_actions:
        bad = actions[(actions < 0) | (actions >= n_actions)][0]
        raise ValueError(f"actions must lie in 0 .. {n_actions - 1} (one per column of target_probabilities), "
                         f"got {bad}")
    if propensities.min() <= 0 or propensities.max() > 1:
        bad = propensities[(propensities <= 0) | (propensities > 1)][0]
        raise ValueError(f"logging_propensities must lie in (0, 1], got {bad!r}: a logged action was taken with "
                         "a positive probability of at most 1")
    if target.min() < 0 or target.max() > 1:
        raise ValueError("target_probabilities must lie in [0, 1]")
    deviation = np.abs(target @ np.ones(n_actions) - 1)          # row sums (a product is faster than sum(axis=1))
    if deviation.max() > ROW_SUM_TOLERANCE:
        row = int(np.argmax(deviation))
        raise ValueError(f"each row of target_probabilities must sum to 1; row {row} sums to "
                         f"{target[row].sum()!r}")
    return rewards, actions, propensities, target


def _weights(actions: np.ndarray, propensities: np.ndarray, target: np.ndarray) -> np.ndarray:
    return target[np.arange(len(actions)), actions] / propensities


def _mean_and_error(terms: np.ndarray) -> tuple[float, float]:
    n = len(terms)
    error = float(np.std(terms, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return float(np.mean(terms)), error


def ips(rewards, actions, logging_propensities, target_probabilities) -> tuple[float, float]:
    """Inverse propensity scoring: the mean of (target probability / logging propensity) x reward.

    Parameters
    ----------
    rewards : array of shape (n,)
        The reward observed for each logged decision.
    actions : array of shape (n,)
        The action taken, an integer from 0 to (actions - 1).
    logging_propensities : array of shape (n,)
        The probability with which the logging policy took the logged action, in (0, 1].
    target_probabilities : array of shape (n, actions)
        The probability with which the target policy would take each action in each decision; rows sum to 1.

    Returns
    -------
    (value, standard_error) : tuple of float
        The estimated value of the target policy (mean reward per decision) and its standard error (NaN for a
        log of one decision).

    Raises
    ------
    ValueError
        For shapes that disagree, an empty log, actions out of range, propensities outside (0, 1], target
        probabilities outside [0, 1] or rows that do not sum to 1, NaN or infinite entries.
    TypeError
        For actions that are not whole numbers, or inputs that are not numbers.
    """
    rewards, actions, propensities, target = _checked(rewards, actions, logging_propensities, target_probabilities)
    return _mean_and_error(_weights(actions, propensities, target) * rewards)


def snips(rewards, actions, logging_propensities, target_probabilities) -> tuple[float, float]:
    """Self-normalised IPS: sum of w x reward divided by the sum of the weights w.

    Arguments, returns and errors as :func:`ips`. The standard error is the delta-method one for a ratio,
    sqrt(sum(w^2 (r - value)^2)) / sum(w). When no logged action has a positive target probability the weights
    sum to zero and there is nothing to normalise: a ValueError says so.
    """
    rewards, actions, propensities, target = _checked(rewards, actions, logging_propensities, target_probabilities)
    weights = _weights(actions, propensities, target)
    total = weights.sum()
    if total <= 0:
        raise ValueError("no logged action has a positive target probability: the log holds no decision the "
                         "target policy would take, so SNIPS cannot estimate its value")
    value = float(np.sum(weights * rewards) / total)
    n = len(rewards)
    error = float(np.sqrt(np.sum(weights**2 * (rewards - value) ** 2) * n / (n - 1)) / total) if n > 1 \
        else float("nan")
    return value, error


def doubly_robust(rewards, actions, logging_propensities, target_probabilities,
                  predicted_rewards) -> tuple[float, float]:
    """Doubly robust estimate: the reward model's value for the target, corrected by IPS on the model's errors.

    Each decision contributes sum_a target(a) predicted(a) + w (reward - predicted(logged action)).

    Parameters
    ----------
    rewards, actions, logging_propensities, target_probabilities
        As for :func:`ips`.
    predicted_rewards : array of shape (n, actions)
        A reward model's prediction of the expected reward of each action in each logged decision. Fit it on
        other data than the decisions it predicts (e.g. the other half of the log) to keep the estimate honest.

    Returns
    -------
    (value, standard_error) : tuple of float

    Raises
    ------
    ValueError, TypeError
        As for :func:`ips`, and when ``predicted_rewards`` does not have the shape of ``target_probabilities``.
    """
    rewards, actions, propensities, target = _checked(rewards, actions, logging_propensities, target_probabilities)
    predicted = _as_array("predicted_rewards", predicted_rewards, 2)
    if predicted.shape != target.shape:
        raise ValueError(f"predicted_rewards has shape {predicted.shape} but target_probabilities has shape "
                         f"{target.shape}: one prediction per decision and action")
    logged = predicted[np.arange(len(actions)), actions]
    terms = np.einsum("ij,ij->i", target, predicted) + _weights(actions, propensities, target) * (rewards - logged)
    return _mean_and_error(terms)
