"""Exercises of chapter 01: baselines, precision and recall, single-feature scores, cost-based thresholds, and the
optimism bought by selecting features outside the cross-validation."""

from __future__ import annotations

import functools
import math

from helpers import data
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number


@functools.lru_cache(maxsize=1)
def _training_set() -> data.Split:
    """The workbook's split, made once per session (the checks only read it)."""
    return data.fixed_split(data.load_sessions())


def _check_majority_accuracy(answer: object) -> str:
    value = as_number(answer, "an accuracy between 0 and 1")
    split = _training_set()
    expected = 1 - float(split.y_train.mean())
    if abs(value - expected) <= 5e-4:
        return (f"Never predicting a purchase is right for every non-buyer: {expected:.4f} of the training set. "
                f"Any model must beat this before its accuracy means anything.")
    if abs(value - (1 - expected)) <= 5e-4:
        raise WrongAnswer("That is the share of buyers. The majority baseline is right on the other sessions.")
    if abs(value - 100 * expected) <= 0.05:
        raise WrongAnswer(f"{value} looks like a percentage; give the accuracy as a number between 0 and 1.")
    raise WrongAnswer("Not the majority baseline's accuracy on y_train. Which class is the majority, and how "
                      "often does it occur?")


def _check_rule_precision_recall(answer: object) -> str:
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise WrongAnswer("Answer with a tuple of two numbers: (precision, recall).")
    precision = as_number(answer[0], "a precision between 0 and 1")
    recall = as_number(answer[1], "a recall between 0 and 1")
    split = _training_set()
    want_p, want_r = _rule_precision_recall(split.X_train, split.y_train)
    if abs(precision - want_p) <= 5e-4 and abs(recall - want_r) <= 5e-4:
        flagged = int((split.X_train["PageValues"] > 0).sum())
        return (f"The rule flags {flagged:,} sessions; {want_p:.1%} of them buy (precision), and it "
                f"finds {want_r:.1%} of all buyers (recall).")
    if abs(precision - want_r) <= 5e-4 and abs(recall - want_p) <= 5e-4:
        raise WrongAnswer("You swapped them: the first number is the precision, the second the recall.")
    if max(precision, recall) > 1:
        raise WrongAnswer("Precision and recall lie between 0 and 1; did you give percentages?")
    all_precision, all_recall = _rule_on_all_sessions()
    if abs(precision - all_precision) <= 5e-4 and abs(recall - all_recall) <= 5e-4:
        raise WrongAnswer("Those are the values on all sessions. Use the training set (X_train, y_train).")
    wrong = []
    if abs(precision - want_p) > 5e-4:
        wrong.append("precision: of the sessions the rule flags, which share buys?")
    if abs(recall - want_r) > 5e-4:
        wrong.append("recall: of the sessions that buy, which share does the rule flag?")
    raise WrongAnswer("Check the " + " and the ".join(wrong))


def _check_exit_rate_auc(answer: object) -> str:
    value = as_number(answer, "a ROC AUC between 0 and 1")
    split = _training_set()
    expected = _exit_auc(split.X_train, split.y_train)
    if math.isclose(value, expected, abs_tol=5e-4):
        return (f"ROC AUC {expected:.3f}: the exit rate alone ranks buyers above non-buyers well above chance, "
                f"but far below PageValues and the prototype.")
    if math.isclose(value, 1 - expected, abs_tol=5e-4):
        raise WrongAnswer("Below 0.5: your score ranks in the wrong direction. A high exit rate means a LOW "
                          "chance of buying, so use minus ExitRates as the score.")
    if math.isclose(value, _exit_auc_on_all_sessions(), abs_tol=5e-5):
        raise WrongAnswer("That is the ROC AUC on all sessions. Use the training set only.")
    raise WrongAnswer("Not the ROC AUC of minus ExitRates on the training set: roc_auc_score(y_train, score).")


_COST_FP, _COST_FN = 2.0, 8.0  # exercise 1.4: a false positive costs 2 €, a missed buyer 8 €


def _check_cost_threshold(answer: object) -> str:
    value = as_number(answer, "a probability threshold between 0 and 1")
    cost_fp, cost_fn = _COST_FP, _COST_FN
    expected = cost_fp / (cost_fp + cost_fn)
    if math.isclose(value, expected, abs_tol=1e-3):
        return (f"Flag when p * {cost_fn:.0f} > (1 - p) * {cost_fp:.0f}, that is when p > {expected:.2f}. "
                f"Expensive misses push the threshold down: the shop flags many sessions that will not buy.")
    if math.isclose(value, cost_fn / (cost_fp + cost_fn), abs_tol=1e-3):
        raise WrongAnswer("The costs are swapped: a missed buyer (8 €) is the expensive error, so the shop "
                          "should flag generously, with a LOW threshold.")
    if math.isclose(value, cost_fp / cost_fn, abs_tol=1e-3):
        raise WrongAnswer("That is the ratio of the two costs. Compare the expected cost of each decision: "
                          "flag when p * 8 exceeds (1 - p) * 2, and solve for p.")
    if math.isclose(value, 0.5, abs_tol=1e-3):
        raise WrongAnswer("0.5 is right only when both errors cost the same. Here a miss costs four times more.")
    raise WrongAnswer("Compare the expected cost of flagging, (1 - p) * 2, with that of not flagging, p * 8.")


def _rule_precision_recall(features, bought) -> tuple[float, float]:
    """Precision and recall of the rule 'a purchase when PageValues > 0'."""
    flagged = features["PageValues"] > 0
    true_pos = float((flagged & bought).sum())
    return true_pos / float(flagged.sum()), true_pos / float(bought.sum())


def _exit_auc(features, bought) -> float:
    """ROC AUC of minus ExitRates as a score."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(bought, -features["ExitRates"]))


def _rule_recall_over_all_sessions() -> tuple[float, float]:
    """The mistake of dividing the rule's true positives by all training sessions instead of by the buyers."""
    split = _training_set()
    precision, _ = _rule_precision_recall(split.X_train, split.y_train)
    flagged_buyers = float(((split.X_train["PageValues"] > 0) & split.y_train).sum())
    return precision, flagged_buyers / len(split.y_train)


def _exit_auc_wrong_direction() -> float:
    """The mistake of scoring with ExitRates itself, so that a high exit rate counts as likely to buy."""
    from sklearn.metrics import roc_auc_score

    split = _training_set()
    return float(roc_auc_score(split.y_train, split.X_train["ExitRates"]))


def _rule_on_all_sessions() -> tuple[float, float]:
    sessions = data.load_sessions()
    return _rule_precision_recall(sessions, sessions[data.TARGET])


def _exit_auc_on_all_sessions() -> float:
    sessions = data.load_sessions()
    return _exit_auc(sessions, sessions[data.TARGET])


q1 = Exercise(
    name="Exercise 1.1",
    answer_name="answer_1_1",
    checker=_check_majority_accuracy,
    hints=["The majority baseline always predicts False.",
           "Its accuracy is the share of False in y_train: `(~y_train).mean()` or `1 - y_train.mean()`."],
    solution_code="""
X_train, X_test, y_train, y_test = helpers.data.fixed_split()
answer_1_1 = 1 - y_train.mean()
""",
    mistakes=[
        Mistake("the share of buyers", lambda right: float(_training_set().y_train.mean()), "share of buyers"),
        Mistake("a percentage", lambda right: 100 * right, "percentage"),
    ],
)

q2 = Exercise(
    name="Exercise 1.2",
    answer_name="answer_1_2",
    checker=_check_rule_precision_recall,
    hints=["Build the rule's predictions: `flagged = X_train['PageValues'] > 0`.",
           "`sklearn.metrics.precision_score(y_train, flagged)` and `recall_score(y_train, flagged)`."],
    solution_code="""
from sklearn.metrics import precision_score, recall_score

X_train, X_test, y_train, y_test = helpers.data.fixed_split()
flagged = X_train["PageValues"] > 0
answer_1_2 = (precision_score(y_train, flagged), recall_score(y_train, flagged))
""",
    mistakes=[
        Mistake("precision and recall swapped", lambda right: (right[1], right[0]), "swapped"),
        Mistake("percentages", lambda right: (100 * right[0], 100 * right[1]), "percentages"),
        Mistake("a single number", lambda right: right[0], "tuple of two numbers"),
        Mistake("recall as flagged buyers over all sessions", lambda right: _rule_recall_over_all_sessions(),
                "recall: of the sessions that buy"),
        Mistake("on all sessions", lambda right: _rule_on_all_sessions(), "all sessions"),
    ],
)

q3 = Exercise(
    name="Exercise 1.3",
    answer_name="answer_1_3",
    checker=_check_exit_rate_auc,
    hints=["`sklearn.metrics.roc_auc_score(y_true, score)` takes any score where higher means 'more likely'.",
           "A higher exit rate means a lower chance of buying: use `-X_train['ExitRates']` as the score."],
    solution_code="""
from sklearn.metrics import roc_auc_score

X_train, X_test, y_train, y_test = helpers.data.fixed_split()
answer_1_3 = roc_auc_score(y_train, -X_train["ExitRates"])
""",
    mistakes=[
        Mistake("ExitRates itself as the score", lambda right: _exit_auc_wrong_direction(), "wrong direction"),
        Mistake("on all sessions", lambda right: _exit_auc_on_all_sessions(), "all sessions"),
        Mistake("text", lambda right: str(right), "without quotes"),
    ],
)

q4 = Exercise(
    name="Exercise 1.4",
    answer_name="answer_1_4",
    checker=_check_cost_threshold,
    hints=["For a session with probability p, not flagging it costs 8 € with probability p; flagging it costs "
           "2 € with probability 1 - p.",
           "Flag when p * 8 > (1 - p) * 2. Solve for p."],
    solution_code="""
cost_false_positive, cost_false_negative = 2, 8
answer_1_4 = cost_false_positive / (cost_false_positive + cost_false_negative)
""",
    mistakes=[
        Mistake("costs swapped", lambda right: _COST_FN / (_COST_FP + _COST_FN), "swapped"),
        Mistake("ratio of costs", lambda right: _COST_FP / _COST_FN, "ratio of the two costs"),
        Mistake("the default threshold", lambda right: 0.5, "both errors cost the same"),
    ],
)


# Exercise 1.5: selecting features outside the cross-validation, on pure noise.
_VENDOR_COLUMNS, _VENDOR_K, _VENDOR_SEED, _VENDOR_FOLDS = 1_000, 20, 0, 5


@functools.lru_cache(maxsize=2)
def _selection_scores(grouped: bool = True) -> tuple[float, float]:
    """Mean cross-validated ROC AUC of the leaky and of the honest selection on the vendor's noise columns.

    ``grouped=False`` makes the mistake of ignoring the duplicate-row groups (plain stratified folds).
    """
    import numpy as np
    import pandas as pd
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    split = _training_set()
    rng = np.random.default_rng(_VENDOR_SEED)
    vendor = pd.DataFrame(rng.normal(size=(len(split.X_train), _VENDOR_COLUMNS)),
                          index=split.X_train.index).add_prefix("vendor_")
    if grouped:
        groups = data.duplicate_groups(split.X_train, split.y_train)
        splitter = StratifiedGroupKFold(n_splits=_VENDOR_FOLDS, shuffle=True, random_state=0)
        folds = list(splitter.split(vendor, split.y_train, groups=groups))  # split once, use twice
    else:
        folds = list(StratifiedKFold(n_splits=_VENDOR_FOLDS, shuffle=True, random_state=0).split(vendor, split.y_train))
    chosen = SelectKBest(f_classif, k=_VENDOR_K).fit(vendor, split.y_train).get_feature_names_out()
    leaky = cross_val_score(LogisticRegression(), vendor[chosen], split.y_train, cv=folds, scoring="roc_auc")
    honest = cross_val_score(make_pipeline(SelectKBest(f_classif, k=_VENDOR_K), LogisticRegression()), vendor,
                             split.y_train, cv=folds, scoring="roc_auc")
    return float(leaky.mean()), float(honest.mean())


_OPTIMISM_TOLERANCE = 1e-3


def _check_selection_optimism(answer: object) -> str:
    value = as_number(answer, "a difference of two ROC AUCs (leaky minus honest)")
    leaky, honest = _selection_scores()
    optimism = leaky - honest
    if math.isnan(value):
        raise WrongAnswer("Your answer is NaN (not a number): did a cross-validation fail?")
    if abs(value - optimism) <= _OPTIMISM_TOLERANCE:
        return (f"On pure noise, the leaky way reports a mean ROC AUC of {leaky:.3f}, the honest way {honest:.3f}: "
                f"selecting on the whole training set before cross-validating bought {optimism:.3f} of ROC AUC "
                f"that does not exist. Every step that learns from the target (selection, target encoding, "
                f"tuning) belongs inside the pipeline that is cross-validated.")
    if abs(value + optimism) <= _OPTIMISM_TOLERANCE:
        raise WrongAnswer("Your answer is negative: you subtracted the leaky score from the honest one. The "
                          "optimism is leaky minus honest.")
    if abs(value - leaky) <= _OPTIMISM_TOLERANCE:
        raise WrongAnswer(f"{value:.3f} is the leaky score itself. Subtract the honest score (selection inside "
                          f"the pipeline) to get the optimism.")
    if abs(value - honest) <= _OPTIMISM_TOLERANCE:
        raise WrongAnswer(f"{value:.3f} is the honest score itself, close to 0.5 as it should be on noise. Now "
                          f"compute the leaky one and give leaky minus honest.")
    plain_leaky, plain_honest = _selection_scores(grouped=False)
    if abs(value - (plain_leaky - plain_honest)) <= _OPTIMISM_TOLERANCE:
        raise WrongAnswer("Your folds ignore the groups: use cv=StratifiedGroupKFold(n_splits=5, shuffle=True, "
                          "random_state=0) and pass groups=groups to both cross_val_score calls.")
    if value <= 0:
        raise WrongAnswer("Selecting on the whole training set can only flatter the leaky score here: the "
                          "optimism should be positive. Check which score comes first.")
    raise WrongAnswer("Not the optimism of this recipe. Use vendor exactly as the cell makes it, "
                      "SelectKBest(f_classif, k=20), LogisticRegression() with its defaults, the grouped folds "
                      "given, scoring='roc_auc', and the mean over folds of each score.")


q5 = Exercise(
    name="Exercise 1.5",
    answer_name="answer_1_5",
    checker=_check_selection_optimism,
    hints=["Leaky: `chosen = SelectKBest(f_classif, k=20).fit(vendor, y_train).get_feature_names_out()`, then "
           "`cross_val_score(LogisticRegression(), vendor[chosen], y_train, ...)`.",
           "Honest: pass all of `vendor` to `cross_val_score` with "
           "`make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression())`; the selection is refitted in "
           "every fold. The answer is the difference of the two means."],
    solution_code="""
import numpy as np
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline

X_train, X_test, y_train, y_test = helpers.data.fixed_split()
groups = helpers.data.duplicate_groups(X_train, y_train)
rng = np.random.default_rng(0)
vendor = pd.DataFrame(rng.normal(size=(len(X_train), 1_000)), index=X_train.index).add_prefix("vendor_")
folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)

chosen = SelectKBest(f_classif, k=20).fit(vendor, y_train).get_feature_names_out()  # sees every fold's labels
leaky = cross_val_score(LogisticRegression(), vendor[chosen], y_train, cv=folds, groups=groups,
                        scoring="roc_auc")
honest = cross_val_score(make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression()), vendor, y_train,
                         cv=folds, groups=groups, scoring="roc_auc")
answer_1_5 = leaky.mean() - honest.mean()
""",
    mistakes=[
        Mistake("honest minus leaky", lambda right: -right, "subtracted the leaky score from the honest"),
        Mistake("the leaky score alone", lambda right: _selection_scores()[0], "leaky score itself"),
        Mistake("the honest score alone", lambda right: _selection_scores()[1], "honest score itself"),
        Mistake("folds without the groups",
                lambda right: _selection_scores(grouped=False)[0] - _selection_scores(grouped=False)[1],
                "ignore the groups"),
    ],
)
