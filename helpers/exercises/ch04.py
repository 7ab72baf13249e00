"""Exercises of chapter 04: plateaus of epsilon-greedy and softmax, one UCB1 decision, an inverse-propensity
weighted estimate from a bandit's log."""

from __future__ import annotations

import math

from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number

_CLASSIC = [0.1, 0.1, 0.1, 0.1, 0.9]
_UCB = {"counts": [60, 30, 10], "means": [0.50, 0.45, 0.30], "step": 100}


_EPSILON, _ARMS = 0.3, 4
_TEMPERATURE = 0.25


def _softmax_best(temperature: float) -> float:
    weights = [math.exp(mean / temperature) for mean in _CLASSIC]
    return weights[-1] / sum(weights)


def _epsilon_best(epsilon: float = _EPSILON, arms: int = _ARMS) -> float:
    return (1 - epsilon) + epsilon / arms


_PERCENT = "Give a probability between 0 and 1, not a percent"


def _check_epsilon_plateau(answer: object) -> str:
    value = as_number(answer, "a probability between 0 and 1")
    right = _epsilon_best()
    if math.isclose(value, right, abs_tol=1e-3):
        return (f"{1 - _EPSILON:.1f} from exploiting, plus {_EPSILON} x 1/{_ARMS} from exploring and hitting the "
                f"best arm by chance: {right:.3f}.")
    if value > 1:
        raise WrongAnswer(f"{_PERCENT}: {value:g} % is {value / 100:g}.")
    if math.isclose(value, 1 - _EPSILON, abs_tol=1e-3):
        raise WrongAnswer(f"{1 - _EPSILON:.1f} counts only the exploiting steps. When it explores (probability "
                          f"{_EPSILON}), it picks one of the {_ARMS} arms at random, the best one included.")
    if math.isclose(value, _EPSILON / _ARMS, abs_tol=1e-3) or math.isclose(value, _EPSILON, abs_tol=1e-3):
        raise WrongAnswer("That is about the exploring steps only; most steps exploit the best arm.")
    if math.isclose(value, _epsilon_best(arms=len(_CLASSIC)), abs_tol=1e-3):
        raise WrongAnswer(f"That is for five arms, as in the classic experiment; this bandit has {_ARMS}, so an "
                          f"exploring step hits the best one with probability 1/{_ARMS}.")
    raise WrongAnswer("Add the two ways of playing the best arm: exploit (1 - epsilon), or explore and pick it "
                      "(epsilon / number of arms).")


def _check_softmax_plateau(answer: object) -> str:
    value = as_number(answer, "a probability between 0 and 1")
    right = _softmax_best(_TEMPERATURE)
    if math.isclose(value, right, abs_tol=5e-4):
        return (f"exp(0.9/{_TEMPERATURE}) / (exp(0.9/{_TEMPERATURE}) + 4 exp(0.1/{_TEMPERATURE})) = "
                f"{right:.4f}.")
    if value > 1:
        raise WrongAnswer(f"{_PERCENT}: {value:g} % is {value / 100:g}.")
    if math.isclose(value, _softmax_best(1.0), abs_tol=5e-4):
        raise WrongAnswer("You forgot to divide the means by the temperature before exponentiating.")
    if math.isclose(value, 0.9 / sum(_CLASSIC), abs_tol=5e-4):
        raise WrongAnswer("That is proportional to the means; softmax is proportional to exp(mean / temperature).")
    raise WrongAnswer(f"Compute exp(mean / {_TEMPERATURE}) for each arm, and divide the best arm's by their sum.")


def _check_ucb_choice(answer: object) -> str:
    value = as_number(answer, "an arm number: 0, 1 or 2")
    index = [m + math.sqrt(2 * math.log(_UCB["step"]) / n) for m, n in zip(_UCB["means"], _UCB["counts"],
                                                                           strict=True)]
    right = max(range(3), key=index.__getitem__)
    if value == right:
        return ("Arm 2: its mean is lowest, but with only 10 plays its bonus sqrt(2 ln 100 / 10) = "
                f"{math.sqrt(2 * math.log(100) / 10):.2f} lifts its bound to {index[2]:.2f}, above "
                f"{index[0]:.2f} and {index[1]:.2f}.")
    if value == 0:
        raise WrongAnswer("Arm 0 has the best mean, but UCB1 adds an exploration bonus, sqrt(2 ln t / n), which "
                          "is largest for the arm played least.")
    raise WrongAnswer("Compute mean + sqrt(2 ln 100 / n) for each arm and take the largest.")


q1 = Exercise(
    name="Exercise 4.1",
    answer_name="answer_4_1",
    checker=_check_epsilon_plateau,
    hints=["It plays the best arm when it exploits, and sometimes when it explores.",
           "(1 - epsilon) + epsilon / K, with K = 4 arms."],
    solution_code="""
epsilon, arms = 0.3, 4
answer_4_1 = (1 - epsilon) + epsilon / arms
""",
    mistakes=[Mistake("exploit only", lambda right: 1 - _EPSILON, "exploiting steps"),
              Mistake("explore only", lambda right: _EPSILON / _ARMS, "exploring steps only"),
              Mistake("five arms, as in the classic experiment", lambda right: _epsilon_best(arms=5),
                      "That is for five arms"),
              Mistake("a percent", lambda right: 100 * right, "not a percent")],
)

q2 = Exercise(
    name="Exercise 4.2",
    answer_name="answer_4_2",
    checker=_check_softmax_plateau,
    hints=["Softmax weights are exp(mean / temperature).",
           "`np.exp(np.array(means) / 0.25)`, then the last weight divided by the sum."],
    solution_code="""
import numpy as np

weights = np.exp(np.array([0.1, 0.1, 0.1, 0.1, 0.9]) / 0.25)
answer_4_2 = weights[-1] / weights.sum()
""",
    mistakes=[Mistake("no temperature", lambda right: _softmax_best(1.0), "divide the means by the temperature"),
              Mistake("proportional to means", lambda right: 0.9 / 1.3, "proportional to the means"),
              Mistake("a percent", lambda right: 100 * right, "not a percent")],
)

q3 = Exercise(
    name="Exercise 4.3",
    answer_name="answer_4_3",
    checker=_check_ucb_choice,
    hints=["UCB1's index is mean + sqrt(2 ln t / n), with t = 100 steps so far.",
           "The bonuses are sqrt(2 ln 100 / 60), sqrt(2 ln 100 / 30) and sqrt(2 ln 100 / 10)."],
    solution_code="""
import math

counts, means = [60, 30, 10], [0.50, 0.45, 0.30]
index = [m + math.sqrt(2 * math.log(100) / n) for m, n in zip(means, counts)]
answer_4_3 = index.index(max(index))
""",
    mistakes=[Mistake("greedy choice", lambda right: 0, "exploration bonus")],
)

_IPW = {"probabilities": [0.5, 0.2, 0.1], "sums": [2_100.0, 1_200.0, 300.0], "visitors": 3_000}


def _ipw_estimate(weight: bool = True, multiply: bool = False) -> float:
    """Exercise 4.4's estimate; the flags make its two typical mistakes (no weights, weights multiplied)."""
    total = 0.0
    for probability, revenue in zip(_IPW["probabilities"], _IPW["sums"], strict=True):
        factor = (probability if multiply else 1 / probability) if weight else 1.0
        total += revenue * factor
    return total / _IPW["visitors"]


def _check_ipw(answer: object) -> str:
    value = as_number(answer, "an amount in euros per visitor")
    right = _ipw_estimate()
    if math.isclose(value, right, abs_tol=0.005):
        return (f"(2,100 / 0.5 + 1,200 / 0.2 + 300 / 0.1) / 3,000 = {right:.2f} € per visitor: each batch's revenue "
                "is scaled up to what all of its visitors would have brought.")
    if math.isclose(value, _ipw_estimate(weight=False), abs_tol=0.005):
        raise WrongAnswer("That spreads the offer's revenue over all 3,000 visitors, though only some of them got "
                          "it. Divide each batch's revenue by the probability of getting the offer first.")
    if math.isclose(value, _ipw_estimate(multiply=True), abs_tol=0.005):
        raise WrongAnswer("You multiplied by the probabilities; inverse-propensity weighting divides by them.")
    raise WrongAnswer("Divide each batch's revenue by that batch's probability, add the three, and divide by all "
                      "3,000 visitors.")


q4 = Exercise(
    name="Exercise 4.4",
    answer_name="answer_4_4",
    checker=_check_ipw,
    hints=["A batch in which the offer had probability 0.2 shows it to about a fifth of its visitors; their revenue "
           "stands for all of them.",
           "(2,100 / 0.5 + 1,200 / 0.2 + 300 / 0.1) / 3,000."],
    solution_code="""
probabilities = [0.5, 0.2, 0.1]
revenue = [2_100, 1_200, 300]
answer_4_4 = sum(r / p for r, p in zip(revenue, probabilities)) / 3_000
""",
    mistakes=[Mistake("no weights", lambda right: _ipw_estimate(weight=False), "Divide each batch's revenue"),
              Mistake("weights multiplied", lambda right: _ipw_estimate(multiply=True), "multiplied by the")],
)
