"""Every exercise passes on its reference solution and fails, with its own message, on its typical mistakes."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from helpers import exercises
from helpers.exercises import Exercise, WrongAnswer, as_number

ALL = [
    pytest.param(module, name, id=f"ch{chapter}.{name}")
    for chapter, module in exercises.CHAPTERS.items()
    for name in dir(module) if isinstance(getattr(module, name), Exercise)
]


#: What the learner reads: for each exercise, the message for the reference answer ("right") and for each typical
#: mistake (by its description). "{#}" stands for a number computed from the data (the tolerance tests check the
#: numbers); the numbers written out are the exercise's own constants or hand computations (e.g. 20,559 visitors =
#: statsmodels' sample size, 40.00 € = (150 + 0 + 50) / 5).
MESSAGES = {
    "ch00.q1": {
        'right':
            "{#} of {#} sessions ended in a purchase, a share of {#}. Remember it: a model that always says 'no purchase' is right {#} of the time.",
        'a percentage instead of a share':
            '{#} looks like a percentage. Give the share as a number between {#} and {#} ({#} % is {#}).',
        'the count of purchases':
            '{#} is the number of sessions with a purchase; divide it by the number of sessions to get the share.',
        'the share without a purchase':
            'That is the share of sessions that did NOT end in a purchase.',
        'rounded too much':
            'Close. Give at least three decimals: {#} is {#} away.',
        'a number typed as text':
            "You gave the text '{#}'; the answer is a share between {#} and {#}, written without quotes.",
    },
    "ch00.q2": {
        'right':
            '{#} rows repeat an earlier row exactly. Together with their first occurrences, {#} rows take part. Chapter {#} looks at what they are and what to do about them.',
        'every row that has a twin':
            "{#} counts every row that has a twin, the first occurrences included. Count only the repeats: DataFrame.duplicated() with its default keep='first'.",
        'the number of distinct rows':
            '{#} is the number of distinct rows; the question asks how many rows are copies of an earlier one.',
        'repeats of one column only':
            '{#} counts the repeats of a single column. A row repeats an earlier one only when all its columns agree: call duplicated() on the whole table.',
        'repeated index labels':
            "{#}: nothing repeats in what you counted. The row labels (the index) never repeat; the rows' values do. Call duplicated() on the table itself, not on its index.",
    },
    "ch00.q3": {
        'right':
            "{#} of the {#} test rows have an exact twin in the training part: a model that memorised its training rows would get them right for free. The workbook's split gives {#}, because it keeps identical rows on one side.",
        'isin, which aligns on the index':
            "{#} here usually means that the comparison aligned on the index: test_part.isin(train_part) and == compare only rows with the same labels, and the two parts share none. Compare the values row by row instead, with an inner merge. ({#} is also what the workbook's fixed split gives, but the cell's split comes from train_test_split.)",
        "the workbook's own split":
            "{#} here usually means that the comparison aligned on the index: test_part.isin(train_part) and == compare only rows with the same labels, and the two parts share none. Compare the values row by row instead, with an inner merge. ({#} is also what the workbook's fixed split gives, but the cell's split comes from train_test_split.)",
        'twins counted more than once':
            "{#} counts a test row once for every twin it has in the training part. Count each test row once: drop the training part's repeats before merging.",
        'repeats inside the test part':
            '{#} counts the repeats inside the test part. The question is about test rows whose twin is in the training part.',
        'twins anywhere before the row':
            '{#} also counts test rows whose earlier twin is in the test part itself. Count only twins in the training part: merge the test part with the training part.',
        'a split without stratification':
            "That split was not stratified: use the cell's train_test_split call as it is, with stratify=sessions['Revenue'].",
    },
    "ch00.q4": {
        'right':
            "load_sessions computed the copy's SHA-{#} checksum, found that it differs from the published one, and refused to go on with a DataIntegrityError. One changed letter is enough, so every number in the workbook comes from the original data.",
        'loaded a copy that was never written':
            'FileNotFoundError means that no file exists at the path you loaded. Write the altered copy first (write_bytes), then load that same path.',
        "the exception's name as text":
            "That is the exception's name, as text. Give the class itself, without quotes: type(error), or helpers.data.DataIntegrityError.",
        'a base class of the exception':
            'True, the error is a ValueError, but ValueError is a base class of the class load_sessions raises, which is more specific. Give the exact class: type(error).',
    },
    "ch01.q1": {
        'right':
            'Never predicting a purchase is right for every non-buyer: {#} of the training set. Any model must beat this before its accuracy means anything.',
        'the share of buyers':
            'That is the share of buyers. The majority baseline is right on the other sessions.',
        'a percentage':
            '{#} looks like a percentage; give the accuracy as a number between {#} and {#}.',
    },
    "ch01.q2": {
        'right':
            'The rule flags {#} sessions; {#} of them buy (precision), and it finds {#} of all buyers (recall).',
        'precision and recall swapped':
            'You swapped them: the first number is the precision, the second the recall.',
        'percentages':
            'Precision and recall lie between {#} and {#}; did you give percentages?',
        'a single number':
            'Answer with a tuple of two numbers: (precision, recall).',
        'recall as flagged buyers over all sessions':
            'Check the recall: of the sessions that buy, which share does the rule flag?',
        'on all sessions':
            'Those are the values on all sessions. Use the training set (X_train, y_train).',
    },
    "ch01.q3": {
        'right':
            'ROC AUC {#}: the exit rate alone ranks buyers above non-buyers well above chance, but far below PageValues and the prototype.',
        'ExitRates itself as the score':
            'Below {#}: your score ranks in the wrong direction. A high exit rate means a LOW chance of buying, so use minus ExitRates as the score.',
        'on all sessions':
            'That is the ROC AUC on all sessions. Use the training set only.',
        'text':
            "You gave the text '{#}'; the answer is a ROC AUC between {#} and {#}, written without quotes.",
    },
    "ch01.q4": {
        'right':
            'Flag when p * {#} > ({#} - p) * {#}, that is when p > {#}. Expensive misses push the threshold down: the shop flags many sessions that will not buy.',
        'costs swapped':
            'The costs are swapped: a missed buyer ({#} €) is the expensive error, so the shop should flag generously, with a LOW threshold.',
        'ratio of costs':
            'That is the ratio of the two costs. Compare the expected cost of each decision: flag when p * {#} exceeds ({#} - p) * {#}, and solve for p.',
        'the default threshold':
            '{#} is right only when both errors cost the same. Here a miss costs four times more.',
    },
    "ch01.q5": {
        'right':
            'On pure noise, the leaky way reports a mean ROC AUC of {#}, the honest way {#}: selecting on the whole training set before cross-validating bought {#} of ROC AUC that does not exist. Every step that learns from the target (selection, target encoding, tuning) belongs inside the pipeline that is cross-validated.',
        'honest minus leaky':
            'Your answer is negative: you subtracted the leaky score from the honest one. The optimism is leaky minus honest.',
        'the leaky score alone':
            '{#} is the leaky score itself. Subtract the honest score (selection inside the pipeline) to get the optimism.',
        'the honest score alone':
            '{#} is the honest score itself, close to {#} as it should be on noise. Now compute the leaky one and give leaky minus honest.',
        'folds without the groups':
            'Your folds ignore the groups: use cv=StratifiedGroupKFold(n_splits={#}, shuffle=True, random_state={#}) and pass groups=groups to both cross_val_score calls.',
    },
    "ch02.q1": {
        'right':
            "PSI = 0.1510: above the 0.1 of 'stable', below the 0.25 of 'major shift'; worth a look. Each bin adds (actual - expected) * ln(actual / expected), always >= 0.",
        'base-10 logarithm':
            'You used the base-10 logarithm; PSI uses the natural logarithm (math.log, np.log).',
        'KL divergence':
            'That is the Kullback-Leibler divergence in one direction. PSI multiplies each log-ratio by the difference (actual - expected), which makes it symmetric.',
        'percentages':
            'You used percentages (40, 30 …); use shares (0.40, 0.30 …).',
    },
    "ch02.q2": {
        'right':
            'Correct on all 27 probes, including re-cased, padded, unknown and non-string values. Note that `value in set(...)` would raise for a list: membership in a list or tuple is safer.',
        'accepts any casing':
            "valid_month('nov') says True. The model serves the twelve months spelled exactly as ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'June', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']; anything else must be rejected.",
        'raises on a list':
            "valid_month(['Nov']) raised TypeError: unhashable type: 'list'. A contract check must answer False for bad input, never raise.",
        'only the ten months of the data':
            "valid_month('Jan') says False: that rejects every request in January and April, although the production model serves all twelve months. The data has no session in those months; the shop is open all year.",
        'returns a non-boolean':
            "valid_month('Jan') returned 1; return True or False.",
    },
    "ch02.q3": {
        'right':
            'log-odds {#}, probability {#}. In the spec it is the baseline plus the sum of the leaves, before {#} / ({#} + exp(-x)).',
        'the probability':
            'That is the probability. The log-odds is log(p / ({#} - p)).',
        'sign flipped':
            'The sign is flipped: that is the log-odds of NOT buying, log(({#} - p) / p).',
        'log of p':
            'That is log(p). The log-odds is log(p / ({#} - p)).',
    },
    "ch02.q4": {
        'right':
            'probability {#}: {#} leaves plus the baseline, through the logistic function. That is all a scorer in any language has to do.',
        'the raw score':
            'That is the raw score (log-odds). Apply the logistic function: {#} / ({#} + exp(-raw)).',
        'no baseline':
            "You left out the baseline: the raw score starts at spec['model']['baseline'], then adds one leaf per tree.",
        'first tree only':
            "You used only the first tree. Add one leaf from every tree in spec['model']['trees'].",
        'month as calendar number':
            "You encoded the month as its calendar number (January {#}). The spec says: its {#}-based index in 'categories' (January {#}, month number - {#}).",
    },
    "ch02.q5": {
        'right':
            "Right for all twelve months: the index in the calendar, January 0. Because the order is the calendar order, a month the data never saw lands between its neighbours: January takes February's path in every tree, April March's.",
        'position among the months in the data':
            "encode_month('Jan') raised ValueError. You numbered the months by their position among the ten months in the data (May = 2): the model cannot serve January or April that way, and a team that reads 'calendar index' computes May = 4: training/serving skew.",
        'calendar number':
            'That is the calendar number (January 1). The spec uses the 0-based calendar index: month number - 1, January 0.',
        'the name itself':
            "encode_month must return a number for each month, got {'Jan': 'Jan', 'Feb': 'Feb', 'Mar': 'Mar', 'Apr': 'Apr', 'May': 'May', 'June': 'June', 'Jul': 'Jul', 'Aug': 'Aug', 'Sep': 'Sep', 'Oct': 'Oct', 'Nov': 'Nov', 'Dec': 'Dec'}.",
    },
    "ch03.q1": {
        'right':
            '20,559 visitors per arm, 41,118 in all: a one-point lift on a 15 % baseline is small, so it needs many visitors.',
        'both arms':
            'That is the total for both arms; the question asks per arm.',
        'one-sided':
            'That is the size for a one-sided test (or alpha 0.10). Use two-sided alpha 0.05: z = 1.96.',
        'relative lift':
            'You treated the lift as relative (1 % of 15 %). The lift is absolute: 15 % to 16 %.',
        'p2 as the lift':
            'You passed the new rate, 0.16, as the lift: that sizes a rise from 15 % to 31 %. The second argument is the difference, 0.16 - 0.15 = 0.01.',
    },
    "ch03.q2": {
        'right':
            'p = 1.5e-04: a 50.6 / 49.4 split of 100,000 visitors (600 off the expected 50,000 in each arm) is far too large to be chance. Stop and look for the bug before analysing anything.',
        'one minus p':
            'That is 1 minus the p-value.',
        'chi-square statistic':
            'That is the chi-square statistic; the question asks for its p-value: the chance of a statistic at least this large under the planned split, from the chi-square distribution with one degree of freedom (scipy.stats.chi2.sf).',
        'shares, not counts':
            'That is the test of the shares (50.6 % and 49.4 %) instead of the counts: the test needs the numbers of visitors, [50600, 49400], because its evidence grows with them.',
    },
    "ch03.q3": {
        'right':
            'Two. Sorted, the p-values are compared with 0.05/5, 0.05/4, 0.05/3 …; 0.004 and 0.011 pass, 0.02 > 0.0167 stops the procedure.',
        'no correction':
            'Four is the count without any correction (p < 0.05).',
        'Bonferroni':
            "One is Bonferroni's answer (every p compared with 0.05/5). Holm is less strict: the k-th smallest p is compared with 0.05 / (5 - k + 1).",
    },
    "ch03.q4": {
        'right':
            '0.625: even a visitor persuaded to buy for certain (p1 = 1) brings 1 x (m - d) = 0.25 of the order value, less than p0 x m once p0 > 0.625. No uplift can change that.',
        'break-even factor':
            'That is m / (m - d), the factor by which the offer must multiply the purchase probability; the question asks for a probability, so invert it.',
        'share of the margin':
            'That is d / m, the share of the margin the discount takes away; the cut-off is what remains of the margin.',
        "chapter's numbers":
            "That is the chapter's cut-off for a 30 % margin and a 10 % discount; use 40 % and 15 %.",
    },
    "ch04.q1": {
        'right':
            '0.7 from exploiting, plus 0.3 x 1/4 from exploring and hitting the best arm by chance: 0.775.',
        'exploit only':
            '0.7 counts only the exploiting steps. When it explores (probability 0.3), it picks one of the 4 arms at random, the best one included.',
        'explore only':
            'That is about the exploring steps only; most steps exploit the best arm.',
        'five arms, as in the classic experiment':
            'That is for five arms, as in the classic experiment; this bandit has 4, so an exploring step hits the best one with probability 1/4.',
        'a percent':
            'Give a probability between 0 and 1, not a percent: 77.5 % is 0.775.',
    },
    "ch04.q2": {
        'right':
            'exp(0.9/0.25) / (exp(0.9/0.25) + 4 exp(0.1/0.25)) = 0.8598.',
        'no temperature':
            'You forgot to divide the means by the temperature before exponentiating.',
        'proportional to means':
            'That is proportional to the means; softmax is proportional to exp(mean / temperature).',
        'a percent':
            'Give a probability between 0 and 1, not a percent: 85.9809 % is 0.859809.',
    },
    "ch04.q3": {
        'right':
            'Arm 2: its mean is lowest, but with only 10 plays its bonus sqrt(2 ln 100 / 10) = 0.96 lifts its bound to 1.26, above 0.89 and 1.00.',
        'greedy choice':
            'Arm 0 has the best mean, but UCB1 adds an exploration bonus, sqrt(2 ln t / n), which is largest for the arm played least.',
    },
    "ch04.q4": {
        'right':
            "(2,100 / 0.5 + 1,200 / 0.2 + 300 / 0.1) / 3,000 = 4.40 € per visitor: each batch's revenue is scaled up to what all of its visitors would have brought.",
        'no weights':
            "That spreads the offer's revenue over all 3,000 visitors, though only some of them got it. Divide each batch's revenue by the probability of getting the offer first.",
        'weights multiplied':
            'You multiplied by the probabilities; inverse-propensity weighting divides by them.',
    },
    "ch05.q1": {
        'right':
            'About 60,000: CUPED removes rho^2 = 25% of the variance, and the visitors needed scale with the variance.',
        'rho instead of rho squared':
            'You removed rho of the variance; CUPED removes rho squared.',
        'visitors saved':
            'That is the number of visitors saved; the question asks how many are still needed.',
        'standard deviation':
            'You scaled with the standard deviation; the visitors needed scale with the variance.',
    },
    "ch05.q2": {
        'right':
            '5,680 visitors per arm: 355 times the squared skewness.',
        'skewness not squared':
            'You multiplied by the skewness; the rule uses the skewness squared.',
        'both arms':
            'That is both arms together; the rule is per arm.',
    },
    "ch05.q3": {
        'right':
            "4.680 € per session. Each arm's variance is var(Y - r N) / (n mean(N)^2), with the sample variance (ddof=1) over visitors, not sessions.",
        'sessions as independent':
            'That treats the sessions as independent. The visitor is the randomisation unit: use the delta method over visitors.',
        'variance':
            'That is the variance; take its square root.',
        'np.var with ddof=0':
            'Right formula, wrong variance: np.var divides by n (ddof=0 by default). The delta method uses the sample variance, which divides by n - 1: np.var(..., ddof=1).',
    },
    "ch05.q4": {
        'right':
            'z = 3.929: by 30 % of the information one side may spend only 4.3e-05 of its 2.5 %, so the first bar is high.',
        'equally spaced':
            'Those are the boundaries for three equally spaced looks (1/3, 2/3, 1). Alpha spending uses the actual fractions 0.3, 0.6 and 1.',
        'single analysis':
            '1.96 is the bar of a single analysis; a first look at 30 % needs a much higher one.',
        "the spending function's argument":
            '4.09 is z_0.0125 / sqrt(0.3), the argument of the spending function, not the boundary. Put it into the function: one side may spend 2 - 2 Phi(4.09) by t = 0.3; the boundary is the z with that upper tail.',
        "read from the chapter's daily-looks table":
            "That is look {#} of the chapter's daily-looks table, at fraction {#}. A boundary depends on its own fraction and on every look before it (each spent part of the {#} %). Here the first look is at {#} with no look before it: work it out from the spending function.",
    },
    "ch05.q5": {
        'right':
            '0.125 € per visitor: the leak shrank the difference by the factor 1 - 0.2, so divide by it (the treated share differs by 1 - 0.2 between the arms).',
        'shrunk again':
            'You shrank the difference once more. The leak has already shrunk it; undo that by dividing by 1 - the leak share.',
        'divided by the leak share':
            'Divide by 1 - the leak share (how much more often the treatment arm is treated), not by the leak share itself.',
        'added the leak share':
            'Adding 20 % does not undo a shrinkage by the factor 0.8: divide by 0.8 instead.',
    },
    "ch06.q1": {
        'right':
            'Weights are 1 / 0.2 = 5 where free shipping was shown and 0 elsewhere: (5 x 30 + 5 x 0 + 5 x 10) / 5 visitors = 40.00 €.',
        'no division by the propensity':
            "You averaged the target's rewards without dividing by the propensity. Free shipping was shown to only a fifth of visitors; each such visitor stands for 1 / 0.2 = 5 visitors.",
        'average over matching rows only':
            'IPS divides by the number of all logged visitors (5), not by the number whose offer matches the target: the weights already make up for the visitors who got another offer.',
    },
    "ch06.q2": {
        'right':
            'The weighted rewards sum to 200 and the weights to 15: 200 / 15 = 13.33 €.',
        'IPS instead of SNIPS':
            'That is the IPS estimate, which divides by the number of visitors. SNIPS divides the same sum by the sum of the weights.',
    },
    "ch06.q3": {
        'right':
            "Each visitor contributes the model's 12 € for free shipping, plus 5 x (reward - 12) where free shipping was shown: (12 + 102 - 48 + 12 + 2) / 5 = 16.00 €.",
        'the model alone':
            "That is the reward model's prediction alone (the direct method). DR adds the IPS-weighted error of the model on the logged offers.",
        'IPS instead of DR':
            "That is the IPS estimate. DR weights the model's errors (reward - prediction), not the rewards, and adds the model's prediction for the target.",
    },
    "ch06.q4": {
        'right':
            'An offer other than the current one is logged with propensity 0.2 / 4 = 0.05; a target that shows it with probability 1 gives that visitor the weight 1 / 0.05 = 20.',
        'forgot to split epsilon over the offers':
            'Exploration picks one of the four offers at random, so each offer gets 0.2 / 4, not 0.2.',
        "the current offer's weight":
            'That is the weight of the current offer, the most likely one. The largest weight goes to the least likely offers.',
    },

}

_NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]\d+)?%?"


def assert_message(template, message):
    pattern = _NUMBER.join(re.escape(piece) for piece in template.split("{#}"))
    assert re.fullmatch(pattern, message), f"\nexpected: {template}\ngot:      {message}"


def _messages_of(exercise):
    key = next(f"ch{c}.{n}" for c, m in exercises.CHAPTERS.items() for n in dir(m) if getattr(m, n) is exercise)
    return MESSAGES[key]


_SOLVED = {}


def solved(exercise, fresh=False):
    """The answer of an exercise's reference solution, computed once per test session (some take seconds)."""
    if fresh or exercise.answer_name not in _SOLVED:
        _SOLVED[exercise.answer_name] = exercise.solve()
    return _SOLVED[exercise.answer_name]


def test_each_chapter_checks_exactly_its_modules_exercises_with_their_answer_names():
    """The notebooks are the reference: every exercise a chapter checks exists, with the answer it is given, and
    every exercise of a module is checked in its chapter (chapters 00 to 06)."""
    import json
    import re

    from helpers.paths import CHAPTERS_DIR

    assert sorted(exercises.CHAPTERS) == ["00", "01", "02", "03", "04", "05", "06"]
    for chapter, module in exercises.CHAPTERS.items():
        (notebook,) = CHAPTERS_DIR.glob(f"{chapter}_*.ipynb")
        code = "\n".join("".join(cell["source"]) for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                         if cell["cell_type"] == "code")
        checked = set(re.findall(rf"helpers\.exercises\.ch{chapter}\.(q\d+)\.check\((\w+)\)", code))
        defined = {(name, getattr(module, name).answer_name) for name in dir(module)
                   if isinstance(getattr(module, name), Exercise)}
        assert checked == defined, chapter


@pytest.mark.parametrize(("module", "name"), ALL)
def test_reference_solution_passes(module, name):
    exercise = getattr(module, name)
    feedback = exercise.evaluate(solved(exercise, fresh=True))
    assert feedback.status == "correct", feedback.message
    assert_message(_messages_of(exercise)["right"], feedback.message)


@pytest.mark.parametrize(("module", "name"), ALL)
def test_typical_mistakes_fail_with_their_message(module, name):
    exercise = getattr(module, name)
    assert exercise.mistakes, f"{exercise.name} lists no typical mistake"
    right = solved(exercise)
    for mistake in exercise.mistakes:
        feedback = exercise.evaluate(mistake.make(right))
        assert feedback.status == "incorrect", mistake.description
        assert mistake.says in feedback.message, (mistake.description, feedback.message)
        assert_message(_messages_of(exercise)[mistake.description], feedback.message)
    assert len(_messages_of(exercise)) == len(exercise.mistakes) + 1


@pytest.mark.parametrize(("module", "name"), ALL)
def test_unanswered_runs_and_says_so(module, name, capsys):
    exercise = getattr(module, name)
    exercise.check(...)
    out = capsys.readouterr().out
    assert "Not answered yet" in out and exercise.answer_name in out


@pytest.mark.parametrize(("module", "name"), ALL)
def test_hints_advance_and_solution_prints_code(module, name, capsys):
    exercise = dataclasses.replace(getattr(module, name))  # a fresh copy: no hint shown yet, whatever ran before
    for _ in range(len(exercise.hints) + 1):
        exercise.hint()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(exercise.hints[0]) and lines[-2].endswith(exercise.hints[-1])
    assert "No more hints" in lines[-1] and ".solution()" in lines[-1]
    exercise.solution()
    printed = capsys.readouterr().out
    assert f"{exercise.answer_name} =" in printed or f"def {exercise.answer_name}(" in printed


def test_solution_that_forgets_the_answer_is_reported():
    broken = Exercise("Exercise X", "answer_x", lambda answer: "", ["a hint"], "y = 1")
    with pytest.raises(RuntimeError, match="does not assign answer_x"):
        broken.solve()


def test_exercise_without_hints_is_refused():
    with pytest.raises(ValueError, match="hints must hold at least one"):
        Exercise("Exercise X", "answer_x", lambda answer: "", [], "answer_x = 1")


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), (0.5, 0.5), (np.float64(0.25), 0.25),
                                                 (np.array([2.0]), 2.0)])
def test_as_number_accepts_numbers(value, expected):
    assert as_number(value) == expected


@pytest.mark.parametrize(("value", "words"), [("0.15", "without quotes"), (True, "True/False"),
                                              ([0.1, 0.2], "list")])
def test_as_number_explains_what_it_got(value, words):
    with pytest.raises(WrongAnswer, match=words):
        as_number(value)


@pytest.mark.parametrize(("module", "name"), [p for p in ALL if p.id == "ch02.q2"])
def test_function_placeholder_counts_as_unanswered(module, name):
    """The notebook ships `def valid_month(value): ...`, which returns None: not answered, not wrong."""
    def valid_month(value):
        ...

    exercise = getattr(module, name)
    feedback = exercise.evaluate(valid_month)
    assert feedback.status == "unanswered" and "Write the body of `valid_month`" in feedback.message


#: Numeric exercises of chapters 00 and 01 and the tolerance of their checks.
NEAR_MISSES_00_01 = [("ch00", "q1", 5e-4), ("ch01", "q1", 5e-4), ("ch01", "q3", 5e-4), ("ch01", "q4", 1e-3),
                     ("ch01", "q5", 1e-3)]


@pytest.mark.parametrize(("chapter", "name", "tolerance"), NEAR_MISSES_00_01,
                         ids=[f"{chapter}.{name}" for chapter, name, _ in NEAR_MISSES_00_01])
def test_numeric_checks_of_00_01_reject_answers_just_outside_their_tolerance(chapter, name, tolerance):
    exercise = getattr(exercises.CHAPTERS[chapter[2:]], name)
    right = float(solved(exercise))
    for sign in (-1, 1):
        assert exercise.evaluate(right + sign * 0.6 * tolerance).status == "correct"
        assert exercise.evaluate(right + sign * 1.4 * tolerance).status == "incorrect"


def test_precision_recall_check_rejects_a_near_miss_in_either_number():
    exercise = exercises.ch01.q2
    precision, recall = solved(exercise)
    assert exercise.evaluate((precision + 3e-4, recall - 3e-4)).status == "correct"
    for wrong in [(precision + 7e-4, recall), (precision, recall - 7e-4)]:
        assert exercise.evaluate(wrong).status == "incorrect"


@pytest.mark.parametrize(("chapter", "name"), [("ch00", "q2"), ("ch00", "q3")])
def test_row_counts_accept_only_the_exact_count(chapter, name):
    exercise = getattr(exercises.CHAPTERS[chapter[2:]], name)
    right = int(solved(exercise))
    assert exercise.evaluate(float(right)).status == "correct"
    assert exercise.evaluate(right + 1).status == "incorrect" and exercise.evaluate(right - 1).status == "incorrect"


def test_integrity_exercise_accepts_the_class_or_an_instance_and_nothing_else():
    from helpers import data

    exercise = exercises.ch00.q4
    assert solved(exercise) is data.DataIntegrityError
    assert exercise.evaluate(data.DataIntegrityError("altered")).status == "correct"
    for wrong in [ValueError, KeyError, "DataIntegrityError", 3]:
        assert exercise.evaluate(wrong).status == "incorrect"
    for base in [ValueError, Exception]:  # true but too general: the message must not deny that it is raised
        message = exercise.evaluate(base).message
        assert "base class" in message and "does not raise" not in message
    assert "does not raise KeyError" in exercise.evaluate(KeyError).message


# --- every numeric check against an independent reference ------------------------------------------------------

def _psi_by_hand() -> float:
    """PSI of exercise 2.1, term by term: (a - e) ln(a / e) for the bins 40/25, 30/30, 20/25, 10/20 %."""
    return -0.15 * math.log(0.25 / 0.40) + 0.0 + 0.05 * math.log(0.25 / 0.20) + 0.10 * math.log(0.20 / 0.10)


def _sample_size_by_statsmodels() -> int:
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    return math.ceil(samplesize_proportions_2indep_onetail(0.01, 0.15, 0.8, alpha=0.05, alternative="two-sided"))


def _srm_by_scipy() -> float:
    from scipy.stats import chisquare

    return float(chisquare([50_600, 49_400], [50_000, 50_000]).pvalue)


def _holm_by_statsmodels() -> int:
    from statsmodels.stats.multitest import multipletests

    return int(multipletests([0.004, 0.011, 0.02, 0.04, 0.3], alpha=0.05, method="holm")[0].sum())


def _softmax_by_scipy() -> float:
    from scipy.special import softmax

    return float(softmax(np.array([0.1, 0.1, 0.1, 0.1, 0.9]) / 0.25)[-1])


def _delta_method_by_hand() -> float:
    """Exercise 5.3: per arm var(Y - r N, ddof=1) / (n mean(N)^2), summed over the arms, square root."""
    revenue = {"control": np.array([0.0, 30.0, 0.0]), "treatment": np.array([12.0, 0.0, 45.0])}
    sessions = {"control": np.array([1, 3, 2]), "treatment": np.array([2, 1, 4])}
    variance = 0.0
    for arm in revenue:
        y, n = revenue[arm], sessions[arm]
        r = y.mean() / n.mean()
        variance += np.var(y - r * n, ddof=1) / (len(y) * n.mean() ** 2)
    return math.sqrt(variance)


def _first_spending_bound_by_scipy() -> float:
    from scipy.stats import norm

    spent = 2 * norm.sf(norm.isf(0.05 / 4) / math.sqrt(0.3))  # O'Brien-Fleming-type spending, one side, t = 0.3
    return float(norm.isf(spent))


#: (chapter, exercise, independent reference, kind of tolerance, tolerance). "exact": only the reference itself.
NUMERIC = [
    ("ch02", "q1", _psi_by_hand, "abs", 5e-4),
    ("ch03", "q1", _sample_size_by_statsmodels, "int", 1),
    ("ch03", "q2", _srm_by_scipy, "rel", 0.02),
    ("ch03", "q3", _holm_by_statsmodels, "exact", 0),
    ("ch03", "q4", lambda: (0.40 - 0.15) / 0.40, "abs", 0.005),
    ("ch04", "q1", lambda: 0.7 + 0.3 / 4, "abs", 1e-3),
    ("ch04", "q2", _softmax_by_scipy, "abs", 5e-4),
    ("ch04", "q3", lambda: 2, "exact", 0),
    ("ch04", "q4", lambda: (2_100 / 0.5 + 1_200 / 0.2 + 300 / 0.1) / 3_000, "abs", 0.005),
    ("ch05", "q1", lambda: 80_000 * 0.75, "int", 600),
    ("ch05", "q2", lambda: 355 * 16, "int", 1),
    ("ch05", "q3", _delta_method_by_hand, "rel", 0.005),
    ("ch05", "q4", _first_spending_bound_by_scipy, "abs", 0.005),
    ("ch05", "q5", lambda: 0.10 / 0.80, "rel", 0.005),
    ("ch06", "q1", lambda: (5 * 30 + 5 * 0 + 5 * 10) / 5, "abs", 0.01),
    ("ch06", "q2", lambda: 200 / 15, "abs", 0.01),
    ("ch06", "q3", lambda: (12 + (12 + 5 * 18) + (12 - 5 * 12) + 12 + (12 - 5 * 2)) / 5, "abs", 0.01),
    ("ch06", "q4", lambda: 1 / (0.2 / 4), "abs", 0.01),
]


def _exercise(chapter, name):
    return getattr(exercises.CHAPTERS[chapter[2:]], name)


@pytest.mark.parametrize(("chapter", "name", "reference", "kind", "tolerance"), NUMERIC,
                         ids=[f"{c}.{n}" for c, n, *_ in NUMERIC])
def test_numeric_check_accepts_the_reference_and_rejects_near_misses_on_both_sides(chapter, name, reference, kind,
                                                                                  tolerance):
    exercise = _exercise(chapter, name)
    right = reference()
    assert float(solved(exercise)) == pytest.approx(right, rel=1e-9, abs=1e-12)
    assert exercise.evaluate(right).status == "correct"
    if kind == "exact":
        inside, outside = [float(right)], [right - 1, right + 1, right + 0.5]
    elif kind == "int":                                  # whole numbers: the edges themselves are exact
        inside, outside = [right - tolerance, right + tolerance], [right - tolerance - 1, right + tolerance + 1]
    elif kind == "abs":
        inside = [right - 0.6 * tolerance, right + 0.6 * tolerance]
        outside = [right - 1.4 * tolerance, right + 1.4 * tolerance]
    else:
        inside = [right * (1 - 0.6 * tolerance), right * (1 + 0.6 * tolerance)]
        outside = [right * (1 - 1.4 * tolerance), right * (1 + 1.4 * tolerance)]
    for value in inside:
        assert exercise.evaluate(value).status == "correct", value
    for value in outside:
        assert exercise.evaluate(value).status == "incorrect", value


#: (chapter, exercise, what the answer is: the words a text answer gets back).
WHAT = [
    ("ch00", "q1", "a share between 0 and 1"), ("ch00", "q2", "a whole number of rows"),
    ("ch00", "q3", "a whole number of test rows"), ("ch01", "q1", "an accuracy between 0 and 1"),
    ("ch01", "q3", "a ROC AUC between 0 and 1"), ("ch01", "q4", "a probability threshold between 0 and 1"),
    ("ch01", "q5", "a difference of two ROC AUCs (leaky minus honest)"), ("ch02", "q1", "a PSI, a non-negative number"),
    ("ch02", "q4", "a probability between 0 and 1"), ("ch03", "q1", "a number of visitors per arm"),
    ("ch03", "q2", "a p-value between 0 and 1"), ("ch03", "q3", "a number of segments"),
    ("ch03", "q4", "a purchase probability between 0 and 1"), ("ch04", "q1", "a probability between 0 and 1"),
    ("ch04", "q2", "a probability between 0 and 1"), ("ch04", "q3", "an arm number: 0, 1 or 2"),
    ("ch04", "q4", "an amount in euros per visitor"), ("ch05", "q1", "a number of visitors per arm"),
    ("ch05", "q2", "a number of visitors per arm"), ("ch05", "q3", "a standard error in € per session"),
    ("ch05", "q4", "a z value"), ("ch05", "q5", "an effect in € per visitor"),
    ("ch06", "q1", "a value in € per visitor"), ("ch06", "q2", "a value in € per visitor"),
    ("ch06", "q3", "a value in € per visitor"), ("ch06", "q4", "a number (a ratio of probabilities)"),
]


@pytest.mark.parametrize(("chapter", "name", "what"), WHAT, ids=[f"{c}.{n}" for c, n, _ in WHAT])
def test_answers_of_the_wrong_type_are_told_what_is_expected(chapter, name, what):
    exercise = _exercise(chapter, name)
    text = exercise.evaluate("0.5")
    assert text.status == "incorrect" and text.message == f"You gave the text '0.5'; the answer is {what}, written without quotes."
    flag = exercise.evaluate(True)
    assert flag.status == "incorrect" and flag.message == f"You gave True, a True/False value; the answer is {what}."
    assert exercise.evaluate({"x": 1}).message == f"You gave a dict; the answer is {what}."


#: (chapter, exercise, an answer that is no typical mistake, the general advice it must get).
UNRELATED = [
    ("ch00", "q1", 0.5,
     'That is not the share of sessions whose Revenue is True. Which column says whether a session ended in a purchase?'),
    ("ch00", "q2", 7,
     'That is not the number of exact repeats. Use DataFrame.duplicated() on the whole table and count the True values.'),
    ("ch00", "q3", 7,
     "Not the number of test rows with an exact copy in the training part. An inner merge of the test part with the training part's distinct rows keeps exactly those rows."),
    ("ch01", "q1", 0.5,
     "Not the majority baseline's accuracy on y_train. Which class is the majority, and how often does it occur?"),
    ("ch01", "q3", 0.5,
     'Not the ROC AUC of minus ExitRates on the training set: roc_auc_score(y_train, score).'),
    ("ch01", "q4", 0.3,
     'Compare the expected cost of flagging, (1 - p) * 2, with that of not flagging, p * 8.'),
    ("ch01", "q5", 0.5,
     "Not the optimism of this recipe. Use vendor exactly as the cell makes it, SelectKBest(f_classif, k=20), LogisticRegression() with its defaults, the grouped folds given, scoring='roc_auc', and the mean over folds of each score."),
    ("ch02", "q1", 0.5,
     'Not the PSI. Sum (actual - expected) * ln(actual / expected) over the four bins.'),
    ("ch02", "q4", 0.5,
     "Not the production model's probability for requests[633]. Encode the request as the spec says, walk every tree from node 0 (left when value <= threshold), add the leaves to the baseline, and apply 1 / (1 + exp(-raw))."),
    ("ch03", "q1", 1000,
     'Not the visitors per arm. p1 = 0.15, p2 = 0.16, alpha 0.05 two-sided, power 0.8.'),
    ("ch03", "q2", 0.005,
     'Not the chi-square p-value: scipy.stats.chisquare([50600, 49400], [50000, 50000]).'),
    ("ch03", "q3", 3,
     'Sort the p-values; compare the k-th smallest with 0.05 / (5 - k + 1); stop at the first that fails.'),
    ("ch03", "q4", 0.5,
     'Not the cut-off. The offer pays when p1 x (m - d) > p0 x m; set p1 = 1, its largest possible value, and solve for p0.'),
    ("ch04", "q1", 0.5,
     'Add the two ways of playing the best arm: exploit (1 - epsilon), or explore and pick it (epsilon / number of arms).'),
    ("ch04", "q2", 0.5,
     "Compute exp(mean / 0.25) for each arm, and divide the best arm's by their sum."),
    ("ch04", "q3", 1,
     'Compute mean + sqrt(2 ln 100 / n) for each arm and take the largest.'),
    ("ch04", "q4", 1.0,
     "Divide each batch's revenue by that batch's probability, add the three, and divide by all 3,000 visitors."),
    ("ch05", "q1", 50000,
     'Not quite: the variance shrinks by the factor 1 - rho^2, and so does the sample size.'),
    ("ch05", "q2", 1000,
     "Not quite: Kohavi's rule is n > 355 s^2, with s the skewness."),
    ("ch05", "q3", 1.0,
     "Not the delta method's standard error. Per arm: r = mean(Y) / mean(N), var(r) = var(Y - r N) / (n mean(N)^2) with the sample variance (ddof=1) over its n visitors; add the two arms' variances and take the square root."),
    ("ch05", "q4", 5.0,
     'Not the first boundary. One side may spend 2 - 2 Phi(z_0.0125 / sqrt(0.3)) by the first look, with z_0.0125 = 2.24; the boundary is the z with that upper tail, Phi^-1(1 - spent).'),
    ("ch05", "q5", 0.3,
     'Not quite: the observed difference is about (1 - leak share) times the effect.'),
    ("ch06", "q1", 1.0,
     'Weight each reward by target probability / propensity (5 for free shipping, 0 for no offer), then average over all five visitors.'),
    ("ch06", "q2", 1.0,
     'Sum the weighted rewards, then divide by the sum of the weights (not by 5).'),
    ("ch06", "q3", 1.0,
     "Per visitor: 12 (the model's value of the target's offer) + weight x (reward - the model's prediction for the offer shown); then average."),
    ("ch06", "q4", 1.0,
     'Find the smallest propensity any offer can have, then take 1 / propensity.'),
]


@pytest.mark.parametrize(("chapter", "name", "value", "words"), UNRELATED, ids=[f"{c}.{n}" for c, n, *_ in UNRELATED])
def test_an_unrelated_answer_gets_the_general_advice(chapter, name, value, words):
    feedback = _exercise(chapter, name).evaluate(value)
    assert feedback.status == "incorrect" and feedback.message == words, feedback.message


@pytest.mark.parametrize(("module", "name"), ALL)
def test_name_numbers_the_exercise_and_hints_are_sentences(module, name):
    exercise = getattr(module, name)
    chapter = next(int(c) for c, m in exercises.CHAPTERS.items() if m is module)
    assert exercise.name == f"Exercise {chapter}.{name[1:]}"
    assert exercise.answer_name in (f"answer_{chapter}_{name[1:]}", "valid_month", "encode_month")
    for hint in exercise.hints:
        assert hint.endswith("."), hint



#: (chapter, exercise, typical mistake, kind, tolerance): how far from the mistake's value an answer still gets the
#: mistake's message. "int": whole numbers, the edge itself included.
MISTAKE_TOLERANCES = [
    ("ch00", "q1", "a percentage instead of a share", "abs", 0.05),
    ("ch00", "q1", "the share without a purchase", "abs", 5e-4),
    ("ch01", "q1", "the share of buyers", "abs", 5e-4),
    ("ch01", "q1", "a percentage", "abs", 0.05),
    ("ch01", "q3", "ExitRates itself as the score", "abs", 5e-4),
    ("ch01", "q3", "on all sessions", "abs", 5e-5),
    ("ch01", "q4", "costs swapped", "abs", 1e-3),
    ("ch01", "q4", "ratio of costs", "abs", 1e-3),
    ("ch01", "q4", "the default threshold", "abs", 1e-3),
    ("ch01", "q5", "honest minus leaky", "abs", 1e-3),
    ("ch01", "q5", "the leaky score alone", "abs", 1e-3),
    ("ch01", "q5", "the honest score alone", "abs", 1e-3),
    ("ch01", "q5", "folds without the groups", "abs", 1e-3),
    ("ch02", "q1", "base-10 logarithm", "abs", 5e-4),
    ("ch02", "q1", "KL divergence", "abs", 5e-4),
    ("ch02", "q1", "percentages", "rel", 1e-3),
    ("ch02", "q4", "the raw score", "abs", 1e-9),
    ("ch02", "q4", "no baseline", "abs", 1e-9),
    ("ch02", "q4", "first tree only", "abs", 1e-9),
    ("ch02", "q4", "month as calendar number", "abs", 1e-9),
    ("ch03", "q1", "both arms", "int", 2),
    ("ch03", "q1", "one-sided", "int", 1),
    ("ch03", "q1", "relative lift", "int", 1),
    ("ch03", "q1", "p2 as the lift", "int", 1),
    ("ch03", "q2", "one minus p", "abs", 1e-6),
    ("ch03", "q2", "chi-square statistic", "rel", 0.01),
    ("ch03", "q2", "shares, not counts", "rel", 0.01),
    ("ch03", "q4", "break-even factor", "abs", 0.005),
    ("ch03", "q4", "share of the margin", "abs", 0.005),
    ("ch03", "q4", "chapter's numbers", "abs", 0.005),
    ("ch04", "q1", "exploit only", "abs", 1e-3),
    ("ch04", "q1", "explore only", "abs", 1e-3),
    ("ch04", "q1", "five arms, as in the classic experiment", "abs", 1e-3),
    ("ch04", "q2", "no temperature", "abs", 5e-4),
    ("ch04", "q2", "proportional to means", "abs", 5e-4),
    ("ch04", "q4", "no weights", "abs", 0.005),
    ("ch04", "q4", "weights multiplied", "abs", 0.005),
    ("ch05", "q1", "rho instead of rho squared", "int", 600),
    ("ch05", "q1", "visitors saved", "int", 600),
    ("ch05", "q1", "standard deviation", "abs", 600),
    ("ch05", "q2", "skewness not squared", "int", 1),
    ("ch05", "q2", "both arms", "int", 2),
    ("ch05", "q3", "sessions as independent", "rel", 0.005),
    ("ch05", "q3", "variance", "rel", 0.005),
    ("ch05", "q3", "np.var with ddof=0", "rel", 0.005),
    ("ch05", "q4", "equally spaced", "abs", 0.005),
    ("ch05", "q4", "single analysis", "abs", 0.01),
    ("ch05", "q4", "the spending function's argument", "abs", 0.005),
    ("ch05", "q4", "read from the chapter's daily-looks table", "abs", 0.005),
    ("ch05", "q5", "shrunk again", "rel", 0.005),
    ("ch05", "q5", "divided by the leak share", "rel", 0.005),
    ("ch05", "q5", "added the leak share", "rel", 0.005),
    ("ch06", "q1", "no division by the propensity", "abs", 0.01),
    ("ch06", "q1", "average over matching rows only", "abs", 0.01),
    ("ch06", "q2", "IPS instead of SNIPS", "abs", 0.01),
    ("ch06", "q3", "the model alone", "abs", 0.01),
    ("ch06", "q3", "IPS instead of DR", "abs", 0.01),
    ("ch06", "q4", "forgot to split epsilon over the offers", "abs", 0.01),
    ("ch06", "q4", "the current offer's weight", "abs", 0.01),
]


def _near(value, kind, tolerance, factor):
    if kind == "int":
        return [value - tolerance - (factor > 1), value + tolerance + (factor > 1)]
    step = factor * tolerance * (abs(value) if kind == "rel" else 1)
    return [value - step, value + step]


@pytest.mark.parametrize(("chapter", "name", "description", "kind", "tolerance"), MISTAKE_TOLERANCES,
                         ids=[f"{c}.{n}-{d}" for c, n, d, *_ in MISTAKE_TOLERANCES])
def test_a_typical_mistake_is_recognised_within_its_tolerance_and_not_beyond(chapter, name, description, kind,
                                                                            tolerance):
    exercise = _exercise(chapter, name)
    mistake = next(m for m in exercise.mistakes if m.description == description)
    wrong = float(mistake.make(solved(exercise)))
    template = MESSAGES[f"{chapter}.{name}"][description]
    pattern = _NUMBER.join(re.escape(piece) for piece in template.split("{#}"))
    for value in _near(wrong, kind, tolerance, 0.6):
        feedback = exercise.evaluate(value)
        assert feedback.status == "incorrect" and re.fullmatch(pattern, feedback.message), (value, feedback.message)
    for value in _near(wrong, kind, tolerance, 1.4):
        assert not re.fullmatch(pattern, exercise.evaluate(value).message), value


@pytest.mark.parametrize(("answer", "words"), [
    (float("nan"), "Your answer is NaN (not a number): did the calculation run on an empty selection?"),
    (1908.4, "1908 is the number of sessions with a purchase"), (1907.6, "1908 is the number of sessions"),
    (1908.6, "A share lies between 0 and 1; 1908.6 does not."), (-0.1, "A share lies between 0 and 1; -0.1 does not."),
    (1_908 / 12_330 + 0.009, "Close. Give at least three decimals: 0.16374452554744526 is 0.0090 away."),
    (1_908 / 12_330 - 0.011, "That is not the share of sessions whose Revenue is True. Which column says whether a "
                             "session ended in a purchase?"),
    (1.0, "That is not the share of sessions whose Revenue is True."),
])
def test_purchase_share_check_explains_each_kind_of_wrong_answer(answer, words):
    feedback = exercises.ch00.q1.evaluate(answer)
    assert feedback.status == "incorrect" and feedback.message.startswith(words), feedback.message


def test_purchase_share_from_the_data_card_is_accepted():
    assert exercises.ch00.q1.evaluate(1_908 / 12_330).status == "correct"       # data card: 1,908 of 12,330


@pytest.mark.parametrize(("chapter", "name", "answer", "message"), [
    ("ch00", "q2", 12.5, "12.5 is not a whole number; count rows."),
    ("ch00", "q3", 2.5, "2.5 is not a whole number; count rows of the test part."),
    ("ch00", "q2", 125.0, None), ("ch00", "q4", "ValueError",
                                  "You gave a text. Give the class of the exception: type(error) in the except block."),
    ("ch00", "q4", FileNotFoundError("x"), "FileNotFoundError means that no file exists at the path you loaded."),
    ("ch00", "q4", 3, "You gave a int. Give the class of the exception that load_sessions raises: type(error) in "
                      "the except block."),
    ("ch00", "q4", KeyError, "load_sessions does not raise KeyError for an altered file. Did your copy really differ "
                             "from the original? Check that replace() found what it should replace."),
    ("ch00", "q4", " DataIntegrityError ", "That is the exception's name, as text."),
    ("ch01", "q2", [0.5, 0.5, 0.5], "Answer with a tuple of two numbers: (precision, recall)."),
    ("ch01", "q2", ("0.5", 0.5), "You gave the text '0.5'; the answer is a precision between 0 and 1, written"),
    ("ch01", "q2", (0.5, "0.5"), "You gave the text '0.5'; the answer is a recall between 0 and 1, written"),
    ("ch01", "q2", (1.5, 0.5), "Precision and recall lie between 0 and 1; did you give percentages?"),
    ("ch01", "q2", (0.5, 1.5), "Precision and recall lie between 0 and 1; did you give percentages?"),
    ("ch01", "q5", float("nan"), "Your answer is NaN (not a number): did a cross-validation fail?"),
    ("ch01", "q5", -0.3, "Selecting on the whole training set can only flatter the leaky score here: the optimism "
                         "should be positive. Check which score comes first."),
    ("ch01", "q5", 0.0, "Selecting on the whole training set can only flatter the leaky score here"),
    ("ch03", "q2", 0.5, "Far too large. Expected counts are 50,000 each; the chi-square statistic is "
                        "sum((observed - expected)^2 / expected) with one degree of freedom."),
    ("ch03", "q2", 0.0095, "Not the chi-square p-value: scipy.stats.chisquare([50600, 49400], [50000, 50000])."),
    ("ch04", "q1", 77.5, "Give a probability between 0 and 1, not a percent: 77.5 % is 0.775."),
    ("ch04", "q2", 1.5, "Give a probability between 0 and 1, not a percent: 1.5 % is 0.015."),
    ("ch04", "q3", 0, "Arm 0 has the best mean, but UCB1 adds an exploration bonus"),
    ("ch04", "q3", 1, "Compute mean + sqrt(2 ln 100 / n) for each arm and take the largest."),
    ("ch05", "q4", 1.955, "1.96 is the bar of a single analysis; a first look at 30 % needs a much higher one."),
    ("ch05", "q4", 6.34356358, "That is look 1 of the chapter's daily-looks table, at fraction 0.121."),
])
def test_special_answers_get_their_own_message(chapter, name, answer, message):
    feedback = _exercise(chapter, name).evaluate(answer)
    if message is None:
        assert feedback.status == "correct"
    else:
        assert feedback.status == "incorrect" and feedback.message.startswith(message), feedback.message


def test_precision_recall_check_names_the_number_that_is_off():
    exercise = exercises.ch01.q2
    precision, recall = solved(exercise)
    assert exercise.evaluate((precision + 0.01, recall)).message == (
        "Check the precision: of the sessions the rule flags, which share buys?")
    assert exercise.evaluate((precision, recall - 0.01)).message == (
        "Check the recall: of the sessions that buy, which share does the rule flag?")
    assert exercise.evaluate((0.3, 0.4)).message == (
        "Check the precision: of the sessions the rule flags, which share buys? and the recall: of the sessions "
        "that buy, which share does the rule flag?")
    assert not exercise.evaluate((recall, precision + 0.01)).message.startswith("You swapped them")
    swapped = exercise.evaluate((recall + 3e-4, precision - 3e-4)).message
    assert swapped.startswith("You swapped them") and not exercise.evaluate(
        (recall + 7e-4, precision)).message.startswith("You swapped them")


# --- the machinery: feedback, check, hints, solution, solve --------------------------------------------------------

def _toy(hints=("Look at the sign.", "It is 2."), **kwargs):
    def checker(answer):
        if as_number(answer) != 2:
            raise WrongAnswer("Two, not that.")
        return kwargs.pop("explanation", "Two it is.")

    return Exercise("Exercise 9.9", "answer_9_9", checker, list(hints), "answer_9_9 = 1 + 1", **kwargs)


def test_check_prints_the_verdict_with_the_exercise_name(capsys):
    exercise = _toy()
    for answer, printed in [(2, "Exercise 9.9: Correct! Two it is.\n"), (3, "Exercise 9.9: Not quite. Two, not that.\n"),
                            (None, "Exercise 9.9: Not answered yet. Replace `...` after `answer_9_9 =` with your "
                                   "answer, then run the cell again.\n"),
                            (..., "Exercise 9.9: Not answered yet. Replace `...` after `answer_9_9 =` with your "
                                  "answer, then run the cell again.\n")]:
        exercise.check(answer)
        assert capsys.readouterr().out == printed
    silent = Exercise("Exercise 9.8", "answer_9_8", lambda answer: "", ["h"], "answer_9_8 = 0")
    silent.check(0)
    assert capsys.readouterr().out == "Exercise 9.8: Correct!\n"


def test_feedback_knows_whether_it_is_correct():
    from helpers.exercises import Feedback

    assert Feedback("correct", "").correct and not Feedback("incorrect", "x").correct
    assert not Feedback("unanswered", "x").correct
    assert str(Feedback("incorrect", "")) == "Not quite."


def test_hints_are_counted_only_when_there_are_several(capsys):
    exercise = _toy()
    exercise.hint()
    exercise.hint()
    exercise.hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint (1 of 2): Look at the sign.", "Hint (2 of 2): It is 2.",
        "No more hints for Exercise 9.9. To see a solution, run its `.solution()` (the commented line below the "
        "check)."]
    single = _toy(hints=["Only this."])
    single.hint()
    assert capsys.readouterr().out == "Hint: Only this.\n"


def test_solution_prints_the_code_and_solve_runs_it_in_a_namespace(capsys):
    exercise = _toy()
    exercise.solution()
    assert capsys.readouterr().out == "One solution to Exercise 9.9:\n\nanswer_9_9 = 1 + 1\n"
    assert exercise.solve() == 2
    uses = Exercise("Exercise 9.7", "answer_9_7", lambda answer: "", ["h"], "answer_9_7 = base * 3")
    assert uses.solve({"base": 5}) == 15
    namespace = {"base": 1}
    uses.solve(namespace)
    assert namespace == {"base": 1}                       # the caller's namespace is not changed


def test_placeholder_function_is_unanswered_and_other_functions_are_judged():
    def answer_fn(value):
        return value

    judged = Exercise("Exercise 9.6", "answer_fn", lambda answer: "fine", ["h"], "def answer_fn(v): return v",
                      unanswered=lambda answer: answer.__name__ == "placeholder")

    def placeholder(value):
        ...

    feedback = judged.evaluate(placeholder)
    assert feedback == exercises.Feedback("unanswered", "Write the body of `answer_fn` in place of `...`, then run "
                                                        "the cell again.")
    assert judged.evaluate(answer_fn) == exercises.Feedback("correct", "fine")


@pytest.mark.parametrize(("value", "message"), [
    ("0.15", "You gave the text '0.15'; the answer is a share, written without quotes."),
    (False, "You gave False, a True/False value; the answer is a share."),
    ([0.1], "You gave a list; the answer is a share."),
    (np.array([1.0, 2.0]), "You gave a ndarray; the answer is a share."),
    (None, "You gave a NoneType; the answer is a share."),
])
def test_as_number_names_what_it_got_and_what_is_wanted(value, message):
    with pytest.raises(WrongAnswer) as caught:
        as_number(value, "a share")
    assert str(caught.value) == message
    with pytest.raises(WrongAnswer, match=r"^You gave a list; the answer is a number\.$"):
        as_number([1])


def test_as_number_takes_one_element_objects():
    import pandas as pd

    assert as_number(pd.Series([0.25])) == 0.25 and type(as_number(np.int64(3))) is float
    assert as_number(np.array(7)) == 7.0 and as_number(-2) == -2.0


def test_chapter_00_builds_the_exercises_it_exports(monkeypatch, sessions, split):
    """Chapter 00's exercises are made by _build() at import; building them again gives the same exercises, whose
    typical mistakes compute the same wrong answers (the data are handed over, not reloaded)."""
    ch00 = exercises.ch00
    real_load = ch00.data.load_sessions
    monkeypatch.setattr(ch00.data, "load_sessions", lambda *args, **kwargs: real_load(*args, **kwargs) if args
                        else sessions)                   # the workbook's file from the fixture; other paths loaded
    monkeypatch.setattr(ch00.data, "fixed_split", lambda *args, **kwargs: split)
    rebuilt = ch00._build()
    assert list(rebuilt) == ["q1", "q2", "q3", "q4"]
    rights = {"q1": 1_908 / 12_330, "q2": 125, "q3": 38, "q4": ch00.data.DataIntegrityError}
    for key, exercise in rebuilt.items():
        original = getattr(ch00, key)
        assert (exercise.name, exercise.answer_name, exercise.hints, exercise.solution_code, exercise.checker,
                exercise.unanswered) == (original.name, original.answer_name, original.hints, original.solution_code,
                                         original.checker, original.unanswered)
        assert [(m.description, m.says) for m in exercise.mistakes] == [(m.description, m.says)
                                                                        for m in original.mistakes]
        for mistake, reference in zip(exercise.mistakes, original.mistakes, strict=True):
            assert mistake.make(rights[key]) == reference.make(rights[key]), mistake.description


@pytest.mark.parametrize("grouped", [True, False])
def test_selection_scores_follow_the_recipe_on_a_small_problem(monkeypatch, split, grouped):
    """Exercise 1.5's two cross-validated scores, recomputed (not from the cache) on 400 rows and 30 noise columns,
    against the recipe written out with scikit-learn."""
    import pandas as pd
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    from helpers import data

    ch01 = exercises.ch01
    small = data.Split(split.X_train.head(400), split.X_test, split.y_train.head(400), split.y_test)
    monkeypatch.setattr(ch01, "_training_set", lambda: small)
    monkeypatch.setattr(ch01, "_VENDOR_COLUMNS", 30)
    monkeypatch.setattr(ch01, "_VENDOR_K", 4)
    leaky, honest = ch01._selection_scores.__wrapped__(*([] if grouped else [False]))   # grouped by default
    y = small.y_train
    vendor = pd.DataFrame(np.random.default_rng(0).normal(size=(400, 30)), index=small.X_train.index)
    vendor.columns = [f"vendor_{i}" for i in range(30)]
    if grouped:
        folds = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(
            vendor, y, groups=data.duplicate_groups(small.X_train, y)))
    else:
        folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(vendor, y))
    chosen = vendor.columns[SelectKBest(f_classif, k=4).fit(vendor, y).get_support()]
    expected_leaky = cross_val_score(LogisticRegression(), vendor[chosen], y, cv=folds, scoring="roc_auc").mean()
    expected_honest = cross_val_score(make_pipeline(SelectKBest(f_classif, k=4), LogisticRegression()), vendor, y,
                                      cv=folds, scoring="roc_auc").mean()
    assert (leaky, honest) == pytest.approx((expected_leaky, expected_honest), abs=1e-12)
    assert type(leaky) is float and type(honest) is float


def _shares_test_by_scipy() -> float:
    from scipy.stats import chisquare

    return float(chisquare([50.6, 49.4], [50.0, 50.0]).pvalue)


def _naive_standard_error_by_hand() -> float:
    """Exercise 5.3's mistake: each session counted as an observation, a visitor's revenue spread over its sessions."""
    treatment = np.array([6.0, 6.0, 0.0, 11.25, 11.25, 11.25, 11.25])      # 12/2 twice, 0/1, 45/4 four times
    control = np.array([0.0, 10.0, 10.0, 10.0, 0.0, 0.0])                    # 0/1, 30/3 three times, 0/2 twice
    return math.sqrt(treatment.var(ddof=1) / 7 + control.var(ddof=1) / 6)


def _delta_with_ddof_0_by_hand() -> float:
    variance = 0.0
    for y, n in [(np.array([0.0, 30.0, 0.0]), np.array([1, 3, 2])), (np.array([12.0, 0.0, 45.0]), np.array([2, 1, 4]))]:
        r = y.mean() / n.mean()
        variance += np.var(y - r * n) / (3 * n.mean() ** 2)
    return math.sqrt(variance)


@pytest.mark.parametrize(("chapter", "name", "answer", "start"), [
    ("ch03", "q2", 14.4, "That is the chi-square statistic"),                # (600^2 / 50,000) x 2
    ("ch03", "q2", _shares_test_by_scipy(), "That is the test of the shares"),
    ("ch05", "q3", _naive_standard_error_by_hand(), "That treats the sessions as independent."),
    ("ch05", "q3", _delta_with_ddof_0_by_hand(), "Right formula, wrong variance"),
    ("ch05", "q3", _delta_method_by_hand() ** 2, "That is the variance; take its square root."),
    ("ch06", "q3", 12.0, "That is the reward model's prediction alone (the direct method)."),   # 12 € for everyone
    ("ch03", "q2", 0.01, "Not the chi-square p-value"),                                          # 0.01 is not > 0.01
    ("ch06", "q1", 200 / 3, "IPS divides by the number of all logged visitors (5)"),   # 200 over the 3 matching rows
    ("ch04", "q4", (2_100 + 1_200 + 300) / 3_000, "That spreads the offer's revenue over all 3,000 visitors"),
    ("ch04", "q1", 1.5, "Give a probability between 0 and 1, not a percent: 1.5 % is 0.015."),
    ("ch00", "q1", 0.0, "That is not the share of sessions whose Revenue is True."),    # 0 lies in [0, 1]
])
def test_typical_mistakes_computed_independently_get_their_message(chapter, name, answer, start):
    feedback = _exercise(chapter, name).evaluate(answer)
    assert feedback.status == "incorrect" and feedback.message.startswith(start), feedback.message


def test_precision_recall_on_all_sessions_against_pandas(sessions, split):
    """The rule PageValues > 0 on all sessions and on the training set, computed here with pandas."""
    exercise = exercises.ch01.q2
    flagged = sessions["PageValues"] > 0
    bought = sessions["Revenue"]
    everywhere = ((flagged & bought).sum() / flagged.sum(), (flagged & bought).sum() / bought.sum())
    assert exercise.evaluate(everywhere).message.startswith("Those are the values on all sessions.")
    assert not exercise.evaluate((everywhere[0] + 0.01, everywhere[1])).message.startswith("Those are the values")
    train_flagged = split.X_train["PageValues"] > 0
    hits = (train_flagged & split.y_train).sum()
    feedback = exercise.evaluate((hits / train_flagged.sum(), hits / split.y_train.sum()))
    assert feedback.status == "correct" and feedback.message.startswith(f"The rule flags {train_flagged.sum():,} sessions;")


@pytest.mark.parametrize(("name", "outside", "close"), [("q1", 5e-4, 0.005), ("q3", 1e-6, 1e-3)])
def test_chapter_02_tells_a_rounded_answer_from_a_wrong_one(name, outside, close):
    """A value typed from rounded output is close but not right: the feedback says so, and stays incorrect."""
    exercise = exercises.ch02.q1 if name == "q1" else exercises.ch02.q3
    right = float(solved(exercise))
    for sign in (-1, 1):
        rounded = exercise.evaluate(right + sign * 2 * outside)
        assert rounded.status == "incorrect" and rounded.message == {
            "q1": "Close, but rounded too far: compute the sum in code and pass the number itself (the check wants "
                  "it to about three decimals).",
            "q3": "Close, but rounded: compute the log-odds in code and pass the number itself (the check wants it "
                  "to six decimals)."}[name]
        far = exercise.evaluate(right + sign * 1.5 * close)
        assert far.status == "incorrect" and not far.message.startswith("Close")


def test_a_psi_of_zero_is_not_called_negative():
    assert exercises.ch02.q1.evaluate(0.0).message.startswith("Not the PSI.")
    assert exercises.ch02.q1.evaluate(-0.01).message.startswith("PSI is never negative")
