"""Exercises of chapter 06: IPS, SNIPS and doubly robust estimates from a tiny log, and the largest importance
weight of an exploring log.

Every typical mistake's wrong answer is computed here by making that mistake on the same log.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number

#: The tiny log of the chapter's table: offer shown (0 no offer, 1 free shipping), propensity, net revenue (€).
ACTIONS = np.array([0, 1, 1, 0, 1])
PROPENSITIES = np.array([0.8, 0.2, 0.2, 0.8, 0.2])
REWARDS = np.array([0.0, 30.0, 0.0, 20.0, 10.0])
#: The target policy shows free shipping to everyone; the reward model of exercise 6.3.
TARGET = np.tile([0.0, 1.0], (5, 1))
PREDICTED = np.tile([5.0, 12.0], (5, 1))
#: Exercise 6.4: exploration share and number of offers.
EPSILON, OFFERS = 0.2, 4
TOLERANCE = 0.01


def _weights() -> np.ndarray:
    return TARGET[np.arange(5), ACTIONS] / PROPENSITIES


def ips_value() -> float:
    return float(np.mean(_weights() * REWARDS))


def snips_value() -> float:
    return float(np.sum(_weights() * REWARDS) / np.sum(_weights()))


def dr_value() -> float:
    logged = PREDICTED[np.arange(5), ACTIONS]
    return float(np.mean((TARGET * PREDICTED).sum(axis=1) + _weights() * (REWARDS - logged)))


# The typical mistakes, each made on the same log.
def _ips_without_propensities() -> float:
    return float(np.mean(TARGET[np.arange(5), ACTIONS] * REWARDS))


def _ips_over_matching_rows() -> float:
    matching = TARGET[np.arange(5), ACTIONS] > 0
    return float(np.sum(_weights() * REWARDS) / matching.sum())


def _direct_method() -> float:
    return float(np.mean((TARGET * PREDICTED).sum(axis=1)))


def _close(value: float, target: float) -> bool:
    return math.isclose(value, target, abs_tol=TOLERANCE)


def _check_ips(answer: object) -> str:
    value = as_number(answer, "a value in € per visitor")
    if _close(value, ips_value()):
        return (f"Weights are 1 / 0.2 = 5 where free shipping was shown and 0 elsewhere: (5 x 30 + 5 x 0 + 5 x 10) "
                f"/ 5 visitors = {ips_value():.2f} €.")
    if _close(value, _ips_without_propensities()):
        raise WrongAnswer("You averaged the target's rewards without dividing by the propensity. Free shipping was "
                          "shown to only a fifth of visitors; each such visitor stands for 1 / 0.2 = 5 visitors.")
    if _close(value, _ips_over_matching_rows()):
        raise WrongAnswer("IPS divides by the number of all logged visitors (5), not by the number whose offer "
                          "matches the target: the weights already make up for the visitors who got another offer.")
    raise WrongAnswer("Weight each reward by target probability / propensity (5 for free shipping, 0 for no "
                      "offer), then average over all five visitors.")


def _check_snips(answer: object) -> str:
    value = as_number(answer, "a value in € per visitor")
    if _close(value, snips_value()):
        return f"The weighted rewards sum to 200 and the weights to 15: 200 / 15 = {snips_value():.2f} €."
    if _close(value, ips_value()):
        raise WrongAnswer("That is the IPS estimate, which divides by the number of visitors. SNIPS divides the "
                          "same sum by the sum of the weights.")
    raise WrongAnswer("Sum the weighted rewards, then divide by the sum of the weights (not by 5).")


def _check_dr(answer: object) -> str:
    value = as_number(answer, "a value in € per visitor")
    if _close(value, dr_value()):
        return (f"Each visitor contributes the model's 12 € for free shipping, plus 5 x (reward - 12) where free "
                f"shipping was shown: (12 + 102 - 48 + 12 + 2) / 5 = {dr_value():.2f} €.")
    if _close(value, _direct_method()):
        raise WrongAnswer("That is the reward model's prediction alone (the direct method). DR adds the "
                          "IPS-weighted error of the model on the logged offers.")
    if _close(value, ips_value()):
        raise WrongAnswer("That is the IPS estimate. DR weights the model's errors (reward - prediction), not the "
                          "rewards, and adds the model's prediction for the target.")
    raise WrongAnswer("Per visitor: 12 (the model's value of the target's offer) + weight x (reward - the model's "
                      "prediction for the offer shown); then average.")


def _check_weight(answer: object) -> str:
    value = as_number(answer, "a number (a ratio of probabilities)")
    right = OFFERS / EPSILON
    if _close(value, right):
        return (f"An offer other than the current one is logged with propensity 0.2 / 4 = 0.05; a target that "
                f"shows it with probability 1 gives that visitor the weight 1 / 0.05 = {right:g}.")
    if _close(value, 1 / EPSILON):
        raise WrongAnswer("Exploration picks one of the four offers at random, so each offer gets 0.2 / 4, not 0.2.")
    if _close(value, 1 / (1 - EPSILON + EPSILON / OFFERS)):
        raise WrongAnswer("That is the weight of the current offer, the most likely one. The largest weight goes to "
                          "the least likely offers.")
    raise WrongAnswer("Find the smallest propensity any offer can have, then take 1 / propensity.")


q1 = Exercise(
    name="Exercise 6.1",
    answer_name="answer_6_1",
    checker=_check_ips,
    hints=["The weight of a visitor is target probability of the offer shown / propensity.",
           "The weights are 0, 5, 5, 0, 5; average weight x reward over all five visitors."],
    solution_code="""
import numpy as np

actions = np.array([0, 1, 1, 0, 1])
propensities = np.array([0.8, 0.2, 0.2, 0.8, 0.2])
rewards = np.array([0, 30, 0, 20, 10])
target = np.tile([0.0, 1.0], (5, 1))              # free shipping for everyone
value, standard_error = helpers.ope.ips(rewards, actions, propensities, target)
answer_6_1 = value
""",
    mistakes=[Mistake("no division by the propensity", lambda right: _ips_without_propensities(),
                      "without dividing by the propensity"),
              Mistake("average over matching rows only", lambda right: _ips_over_matching_rows(),
                      "not by the number whose offer")],
)

q2 = Exercise(
    name="Exercise 6.2",
    answer_name="answer_6_2",
    checker=_check_snips,
    hints=["SNIPS = sum(weight x reward) / sum(weight).", "The weights sum to 15."],
    solution_code="""
import numpy as np

actions = np.array([0, 1, 1, 0, 1])
propensities = np.array([0.8, 0.2, 0.2, 0.8, 0.2])
rewards = np.array([0, 30, 0, 20, 10])
target = np.tile([0.0, 1.0], (5, 1))
value, standard_error = helpers.ope.snips(rewards, actions, propensities, target)
answer_6_2 = value
""",
    mistakes=[Mistake("IPS instead of SNIPS", lambda right: ips_value(), "That is the IPS estimate")],
)

q3 = Exercise(
    name="Exercise 6.3",
    answer_name="answer_6_3",
    checker=_check_dr,
    hints=["Each visitor contributes sum over offers of target(offer) x prediction(offer), plus weight x "
           "(reward - prediction of the offer shown).",
           "Visitors who got no offer have weight 0 and contribute 12; visitor 2 contributes 12 + 5 x (30 - 12)."],
    solution_code="""
import numpy as np

actions = np.array([0, 1, 1, 0, 1])
propensities = np.array([0.8, 0.2, 0.2, 0.8, 0.2])
rewards = np.array([0, 30, 0, 20, 10])
target = np.tile([0.0, 1.0], (5, 1))
predicted = np.tile([5.0, 12.0], (5, 1))
value, standard_error = helpers.ope.doubly_robust(rewards, actions, propensities, target, predicted)
answer_6_3 = value
""",
    mistakes=[Mistake("the model alone", lambda right: _direct_method(), "direct method"),
              Mistake("IPS instead of DR", lambda right: ips_value(), "That is the IPS estimate")],
)

q4 = Exercise(
    name="Exercise 6.4",
    answer_name="answer_6_4",
    checker=_check_weight,
    hints=["A rarely shown offer gets only the exploration's share of a share.",
           "Each non-current offer is logged with propensity epsilon / 4."],
    solution_code="""
epsilon, offers = 0.2, 4
answer_6_4 = 1 / (epsilon / offers)
""",
    mistakes=[Mistake("forgot to split epsilon over the offers", lambda right: 1 / EPSILON, "each offer gets"),
              Mistake("the current offer's weight", lambda right: 1 / (1 - EPSILON + EPSILON / OFFERS),
                      "weight of the current offer")],
)
