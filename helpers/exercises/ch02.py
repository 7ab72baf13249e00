"""Exercises of chapter 02: PSI by hand, the month's contract check, the model's raw score, scoring one session
by hand from the JSON spec, and the month's encoding (the skew that made January and April unservable)."""

from __future__ import annotations

import functools
import math

from helpers import data
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number

_TRAINING = [0.40, 0.30, 0.20, 0.10]
_THIS_WEEK = [0.25, 0.30, 0.25, 0.20]


def _psi(expected: list[float], actual: list[float], log=math.log) -> float:
    return sum((a - e) * log(a / e) for e, a in zip(expected, actual, strict=True))


def _check_psi(answer: object) -> str:
    value = as_number(answer, "a PSI, a non-negative number")
    right = _psi(_TRAINING, _THIS_WEEK)
    if math.isclose(value, right, abs_tol=5e-4):
        return (f"PSI = {right:.4f}: above the 0.1 of 'stable', below the 0.25 of 'major shift'; worth a look. "
                f"Each bin adds (actual - expected) * ln(actual / expected), always >= 0.")
    if math.isclose(value, _psi(_TRAINING, _THIS_WEEK, math.log10), abs_tol=5e-4):
        raise WrongAnswer("You used the base-10 logarithm; PSI uses the natural logarithm (math.log, np.log).")
    if math.isclose(value, sum(a * math.log(a / e) for e, a in zip(_TRAINING, _THIS_WEEK, strict=True)),
                    abs_tol=5e-4):
        raise WrongAnswer("That is the Kullback-Leibler divergence in one direction. PSI multiplies each log-ratio "
                          "by the difference (actual - expected), which makes it symmetric.")
    if math.isclose(value, 100 * right, rel_tol=1e-3):
        raise WrongAnswer("You used percentages (40, 30 …); use shares (0.40, 0.30 …).")
    if value < 0:
        raise WrongAnswer("PSI is never negative: each term (a - e) * ln(a / e) has the same sign twice.")
    if math.isclose(value, right, abs_tol=0.005):
        raise WrongAnswer("Close, but rounded too far: compute the sum in code and pass the number itself (the check "
                          "wants it to about three decimals).")
    raise WrongAnswer("Not the PSI. Sum (actual - expected) * ln(actual / expected) over the four bins.")


#: The test session that exercise 2.4 scores by hand (a May session with a page value: every part of the
#: encoding matters for it).
SESSION = 633

#: The months the production model serves: all twelve, spelled as in the data (helpers.production has the same list).
_CALENDAR = ["Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

_PROBES: list[tuple[object, bool]] = [(month, True) for month in _CALENDAR] + [
    ("nov", False), ("NOV", False), ("Sept", False), ("Jun", False), ("Nov ", False), ("", False),
    ("November", False), (None, False), (11, False), (11.0, False), (float("nan"), False), (True, False),
    (["Nov"], False), ({"Month": "Nov"}, False), (b"Nov", False),
]


def _check_valid_month(answer: object) -> str:
    if not callable(answer):
        raise WrongAnswer(f"Pass the function itself, `valid_month`, not {type(answer).__name__}.")
    for value, expected in _PROBES:
        try:
            result = answer(value)
        except Exception as error:  # noqa: BLE001 - any exception is the learner's to see
            raise WrongAnswer(f"valid_month({value!r}) raised {type(error).__name__}: {error}. A contract check "
                              f"must answer False for bad input, never raise.") from None
        if not isinstance(result, bool):
            raise WrongAnswer(f"valid_month({value!r}) returned {result!r}; return True or False.")
        if result != expected:
            if expected and value in ("Jan", "Apr"):
                raise WrongAnswer(f"valid_month({value!r}) says False: that rejects every request in January and "
                                  f"April, although the production model serves all twelve months. The data "
                                  f"has no session in those months; the shop is open all year.")
            if expected:
                raise WrongAnswer(f"valid_month({value!r}) says False, but {value!r} is a month the model serves.")
            raise WrongAnswer(f"valid_month({value!r}) says True. The model serves the twelve months spelled "
                              f"exactly as {_CALENDAR}; anything else must be rejected.")
    return (f"Correct on all {len(_PROBES)} probes, including re-cased, padded, unknown and non-string values. "
            f"Note that `value in set(...)` would raise for a list: membership in a list or tuple is safer.")


def _check_log_odds(answer: object) -> str:
    from helpers.production import PRODUCTION_FIELDS, build_production_model

    value = as_number(answer, "a log-odds, any real number")
    split = data.fixed_split()
    model = build_production_model(split.X_train, split.y_train)
    p = float(model.predict_proba(split.X_test[PRODUCTION_FIELDS].head(1))[0, 1])
    right = math.log(p / (1 - p))
    if math.isclose(value, right, abs_tol=1e-6):
        return (f"log-odds {right:.4f}, probability {p:.4f}. In the spec it is the baseline plus the sum of the "
                f"leaves, before 1 / (1 + exp(-x)).")
    if math.isclose(value, p, abs_tol=1e-6):
        raise WrongAnswer("That is the probability. The log-odds is log(p / (1 - p)).")
    if math.isclose(value, -right, abs_tol=1e-6):
        raise WrongAnswer("The sign is flipped: that is the log-odds of NOT buying, log((1 - p) / p).")
    if math.isclose(value, math.log(p), abs_tol=1e-6):
        raise WrongAnswer("That is log(p). The log-odds is log(p / (1 - p)).")
    if math.isclose(value, right, abs_tol=1e-3):
        raise WrongAnswer("Close, but rounded: compute the log-odds in code and pass the number itself (the check "
                          "wants it to six decimals).")
    raise WrongAnswer("Not the production model's log-odds for X_test.iloc[0]. Did you use the chapter's "
                      "`production` model (or helpers.production.build_production_model), on the first test "
                      "session?")


def _function_is_placeholder(answer: object) -> bool:
    try:
        return callable(answer) and answer(data.MONTHS[0]) is None
    except Exception:  # noqa: BLE001 - a function that fails is answered, and wrong
        return False


q1 = Exercise(
    name="Exercise 2.1",
    answer_name="answer_2_1",
    checker=_check_psi,
    hints=["PSI = sum over bins of (actual - expected) * ln(actual / expected).",
           "The second bin adds nothing (30 % both times). Add the other three terms."],
    solution_code="""
import math

training, this_week = [0.40, 0.30, 0.20, 0.10], [0.25, 0.30, 0.25, 0.20]
answer_2_1 = sum((a - e) * math.log(a / e) for e, a in zip(training, this_week))
""",
    mistakes=[
        Mistake("base-10 logarithm", lambda right: _psi(_TRAINING, _THIS_WEEK, math.log10), "base-10"),
        Mistake("KL divergence", lambda right: sum(
            a * math.log(a / e) for e, a in zip(_TRAINING, _THIS_WEEK, strict=True)), "Kullback-Leibler"),
        Mistake("percentages", lambda right: 100 * right, "percentages"),
    ],
)

q2 = Exercise(
    name="Exercise 2.2",
    answer_name="valid_month",
    checker=_check_valid_month,
    hints=["The model serves exactly the months in `helpers.production.CALENDAR_MONTHS`, spelled and cased as "
           "there (not `helpers.data.MONTHS`, which lists only the ten months present in the data).",
           "Check the type before the membership: `value in some_set` raises for a list, and 'nov' or 'Nov ' are "
           "not months the model serves, so compare the exact string."],
    solution_code="""
def valid_month(value):
    return isinstance(value, str) and value in helpers.production.CALENDAR_MONTHS
""",
    mistakes=[
        Mistake("accepts any casing", lambda right: (lambda v: str(v).capitalize() in _CALENDAR), "'nov'"),
        Mistake("raises on a list", lambda right: (lambda v: v in set(_CALENDAR)), "never raise"),
        Mistake("only the ten months of the data", lambda right: (
            lambda v: isinstance(v, str) and v in data.MONTHS), "rejects every request in January and April"),
        Mistake("returns a non-boolean", lambda right: (lambda v: _CALENDAR.count(v)), "True or False"),
    ],
    unanswered=_function_is_placeholder,
)

q3 = Exercise(
    name="Exercise 2.3",
    answer_name="answer_2_3",
    checker=_check_log_odds,
    hints=["Get the probability p of the first test session from the production model.",
           "log-odds = math.log(p / (1 - p))."],
    solution_code="""
import math

X_train, X_test, y_train, y_test = helpers.data.fixed_split()
model = helpers.production.build_production_model(X_train, y_train)
p = model.predict_proba(X_test[helpers.production.PRODUCTION_FIELDS].head(1))[0, 1]
answer_2_3 = math.log(p / (1 - p))
""",
    mistakes=[
        Mistake("the probability", lambda right: 1 / (1 + math.exp(-right)), "That is the probability"),
        Mistake("sign flipped", lambda right: -right, "sign is flipped"),
        Mistake("log of p", lambda right: math.log(1 / (1 + math.exp(-right))), "That is log(p)"),
    ],
)


@functools.lru_cache(maxsize=1)
def _production_spec() -> tuple[dict, dict]:
    """The chapter's production spec (the trees do not depend on the threshold) and the request to score."""
    from helpers.production import PRODUCTION_FIELDS, build_production_model, export_spec

    split = data.fixed_split()
    model = build_production_model(split.X_train, split.y_train)
    spec = export_spec(model, threshold=0.5, training_sha256=data.SESSIONS_SHA256,
                       training_rows=len(split.X_train), metrics={})
    row = split.X_test[PRODUCTION_FIELDS].iloc[SESSION].astype(object).to_dict()
    return spec, {k: (str(v) if k == "Month" else v) for k, v in row.items()}


def _raw_score(spec: dict, request: dict, month_code=None) -> float:
    """Baseline plus one leaf per tree; ``month_code`` replaces the spec's encoding of the month (for a mistake)."""
    x = []
    for feature in spec["features"]:
        value = request[feature["name"]]
        if feature["type"] == "category":
            value = feature["categories"].index(value) if month_code is None else month_code(value)
        x.append(float(value))
    raw = spec["model"]["baseline"]
    for tree in spec["model"]["trees"]:
        node = tree[0]
        while "leaf" not in node:
            value = x[node["feature"]]
            go_left = node["missing_left"] if math.isnan(value) else value <= node["threshold"]
            node = tree[node["left"] if go_left else node["right"]]
        raw += node["leaf"]
    return raw


def _logistic(raw: float) -> float:
    return 1.0 / (1.0 + math.exp(-raw))


@functools.lru_cache(maxsize=1)
def _hand_mistakes() -> dict[str, float]:
    spec, request = _production_spec()
    raw = _raw_score(spec, request)
    return {"right": _logistic(raw), "no baseline": _logistic(raw - spec["model"]["baseline"]), "raw": raw,
            "first tree only": _logistic(spec["model"]["baseline"] + _raw_score(
                {**spec, "model": {**spec["model"], "baseline": 0.0, "trees": spec["model"]["trees"][:1]}},
                request)),
            "month as calendar number": _logistic(_raw_score(spec, request, lambda m: _CALENDAR.index(m) + 1))}


def _check_by_hand(answer: object) -> str:
    value = as_number(answer, "a probability between 0 and 1")
    wrong = _hand_mistakes()
    if math.isclose(value, wrong["right"], rel_tol=0, abs_tol=1e-9):
        return (f"probability {wrong['right']:.6f}: {len(_production_spec()[0]['model']['trees'])} leaves plus "
                f"the baseline, through the logistic function. That is all a scorer in any language has to do.")
    if math.isclose(value, wrong["raw"], rel_tol=0, abs_tol=1e-9):
        raise WrongAnswer("That is the raw score (log-odds). Apply the logistic function: 1 / (1 + exp(-raw)).")
    if math.isclose(value, wrong["no baseline"], rel_tol=0, abs_tol=1e-9):
        raise WrongAnswer("You left out the baseline: the raw score starts at spec['model']['baseline'], then adds "
                          "one leaf per tree.")
    if math.isclose(value, wrong["first tree only"], rel_tol=0, abs_tol=1e-9):
        raise WrongAnswer("You used only the first tree. Add one leaf from every tree in spec['model']['trees'].")
    if math.isclose(value, wrong["month as calendar number"], rel_tol=0, abs_tol=1e-9):
        raise WrongAnswer("You encoded the month as its calendar number (January 1). The spec says: its 0-based "
                          "index in 'categories' (January 0, month number - 1).")
    raise WrongAnswer(f"Not the production model's probability for requests[{SESSION}]. Encode the request as the spec "
                      "says, walk every tree from node 0 (left when value <= threshold), add the leaves to the "
                      "baseline, and apply 1 / (1 + exp(-raw)).")


def _check_encode_month(answer: object) -> str:
    if not callable(answer):
        raise WrongAnswer(f"Pass the function itself, `encode_month`, not {type(answer).__name__}.")
    def may() -> object:
        try:
            return answer("May")
        except Exception:  # noqa: BLE001 - only asked to recognise one mistake
            return None

    results = {}
    for month in _CALENDAR:
        try:
            results[month] = answer(month)
        except Exception as error:  # noqa: BLE001 - any exception is the learner's to see
            if month in ("Jan", "Apr") and may() == data.MONTHS.index("May"):
                raise WrongAnswer(f"encode_month({month!r}) raised {type(error).__name__}. You numbered the months "
                                  f"by their position among the ten months in the data (May = 2): the model "
                                  f"cannot serve January or April that way, and a team that reads 'calendar "
                                  f"index' computes May = 4: training/serving skew.") from None
            raise WrongAnswer(f"encode_month({month!r}) raised {type(error).__name__}: {error}. Every calendar "
                              f"month needs a number.") from None
    if any(isinstance(code, bool) or not isinstance(code, (int, float)) for code in results.values()):
        raise WrongAnswer(f"encode_month must return a number for each month, got {results}.")
    if all(results[month] == index + 1 for index, month in enumerate(_CALENDAR)):
        raise WrongAnswer("That is the calendar number (January 1). The spec uses the 0-based calendar index: "
                          "month number - 1, January 0.")
    wrong = [month for index, month in enumerate(_CALENDAR) if results[month] != index]
    if wrong:
        raise WrongAnswer(f"Wrong number for {wrong}. The model's number for a month is its 0-based index in "
                          f"the spec's 'categories' list, the calendar order: {_CALENDAR}.")
    return ("Right for all twelve months: the index in the calendar, January 0. Because the order is the calendar "
            "order, a month the data never saw lands between its neighbours: January takes February's path in "
            "every tree, April March's.")


q4 = Exercise(
    name="Exercise 2.4",
    answer_name="answer_2_4",
    checker=_check_by_hand,
    hints=["Parse the spec with json.loads(spec_text). Build the input vector in the order of spec['features']: "
           "the month as its index in that feature's 'categories', the other fields as numbers.",
           "For each tree start at node 0; while the node has no 'leaf', go to tree[node['left']] when "
           "x[node['feature']] <= node['threshold'], else to tree[node['right']]. Add each leaf to the baseline, "
           "then apply 1 / (1 + exp(-raw))."],
    solution_code="""
import json
import math

# In the chapter, `spec_text` and `requests[633]` already exist. These lines rebuild them under other names, so
# that the solution also runs in a fresh kernel without overwriting the chapter's variables.
rebuilt_train, rebuilt_test, rebuilt_y, _ = helpers.data.fixed_split()
rebuilt_model = helpers.production.build_production_model(rebuilt_train, rebuilt_y)
rebuilt_spec_text = helpers.production.spec_to_json(helpers.production.export_spec(
    rebuilt_model, threshold=0.5, training_sha256="", training_rows=len(rebuilt_train), metrics={}))
request = rebuilt_test[helpers.production.PRODUCTION_FIELDS].iloc[633].to_dict()

spec = json.loads(rebuilt_spec_text)
x = []
for feature in spec["features"]:
    value = request[feature["name"]]
    x.append(feature["categories"].index(value) if feature["type"] == "category" else float(value))
raw = spec["model"]["baseline"]
for tree in spec["model"]["trees"]:
    node = tree[0]
    while "leaf" not in node:
        node = tree[node["left"] if x[node["feature"]] <= node["threshold"] else node["right"]]
    raw += node["leaf"]
answer_2_4 = 1 / (1 + math.exp(-raw))
""",
    mistakes=[
        Mistake("the raw score", lambda right: math.log(right / (1 - right)), "raw score (log-odds)"),
        Mistake("no baseline", lambda right: _hand_mistakes()["no baseline"], "left out the baseline"),
        Mistake("first tree only", lambda right: _hand_mistakes()["first tree only"], "only the first tree"),
        Mistake("month as calendar number", lambda right: _hand_mistakes()["month as calendar number"],
                "calendar number (January 1)"),
    ],
)

q5 = Exercise(
    name="Exercise 2.5",
    answer_name="encode_month",
    checker=_check_encode_month,
    hints=["Read the spec: its 'encoding' text, and the Month feature's 'categories' list. Find the number May "
           "gets there, and the number January gets.",
           "A category becomes its 0-based position in that list (`list.index`), and the list is "
           "`helpers.production.CALENDAR_MONTHS`."],
    solution_code="""
def encode_month(name):
    return helpers.production.CALENDAR_MONTHS.index(name)
""",
    mistakes=[
        Mistake("position among the months in the data", lambda right: data.MONTHS.index, "(May = 2)"),
        Mistake("calendar number", lambda right: (lambda name: _CALENDAR.index(name) + 1), "calendar number"),
        Mistake("the name itself", lambda right: (lambda name: name), "must return a number"),
    ],
    unanswered=_function_is_placeholder,
)
