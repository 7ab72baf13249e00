"""Exercises of chapter 01: baselines, precision and recall, single-feature scores, cost-based thresholds."""

from __future__ import annotations

import math

from helpers import data
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number


def _training_set():
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


def _check_cost_threshold(answer: object) -> str:
    value = as_number(answer, "a probability threshold between 0 and 1")
    cost_fp, cost_fn = 2.0, 8.0
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
        Mistake("the share of buyers", lambda right: 1 - right, "share of buyers"),
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
        Mistake("recall wrong", lambda right: (right[0], right[1] / 2), "recall: of the sessions that buy"),
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
        Mistake("wrong direction", lambda right: 1 - right, "wrong direction"),
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
        Mistake("costs swapped", lambda right: 0.8, "swapped"),
        Mistake("ratio of costs", lambda right: 0.25, "ratio of the two costs"),
        Mistake("the default threshold", lambda right: 0.5, "both errors cost the same"),
    ],
)
