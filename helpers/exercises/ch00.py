"""Exercises of chapter 00: warm-ups that show how checks, hints and solutions work, a split that leaks copies of
training rows into the test set, and an altered data file that the checksum catches."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd

from helpers import data
from helpers.exercises.core import Exercise, Mistake, WrongAnswer, as_number


def _check_purchase_share(answer: object) -> str:
    value = as_number(answer, "a share between 0 and 1")
    sessions = data.load_sessions()
    expected = float(sessions[data.TARGET].mean())
    purchases = int(sessions[data.TARGET].sum())
    if math.isnan(value):
        raise WrongAnswer("Your answer is NaN (not a number): did the calculation run on an empty selection?")
    if abs(value - expected) <= 5e-4:
        return (f"{purchases:,} of {len(sessions):,} sessions ended in a purchase, a share of {expected:.4f}. "
                f"Remember it: a model that always says 'no purchase' is right {1 - expected:.1%} of the time.")
    if abs(value - 100 * expected) <= 0.05:
        raise WrongAnswer(f"{value} looks like a percentage. Give the share as a number between 0 and 1 "
                          f"(15 % is 0.15).")
    if round(value) == purchases:
        raise WrongAnswer(f"{value:.0f} is the number of sessions with a purchase; divide it by the number of "
                          f"sessions to get the share.")
    if abs(value - (1 - expected)) <= 5e-4:
        raise WrongAnswer("That is the share of sessions that did NOT end in a purchase.")
    if abs(value - expected) <= 0.01:
        raise WrongAnswer(f"Close. Give at least three decimals: {value} is {abs(value - expected):.4f} away.")
    if not 0 <= value <= 1:
        raise WrongAnswer(f"A share lies between 0 and 1; {value} does not.")
    raise WrongAnswer("That is not the share of sessions whose Revenue is True. Which column says whether a "
                      "session ended in a purchase?")


def _check_duplicate_count(answer: object) -> str:
    value = as_number(answer, "a whole number of rows")
    sessions = data.load_sessions()
    repeats = int(sessions.duplicated().sum())
    involved = int(sessions.duplicated(keep=False).sum())
    if value != int(value):
        raise WrongAnswer(f"{value} is not a whole number; count rows.")
    if value == repeats:
        return (f"{repeats} rows repeat an earlier row exactly. Together with their first occurrences, "
                f"{involved} rows take part. Chapter 01 looks at what they are and what to do about them.")
    if value == involved:
        raise WrongAnswer(f"{involved} counts every row that has a twin, the first occurrences included. Count "
                          f"only the repeats: DataFrame.duplicated() with its default keep='first'.")
    if value == len(sessions) - repeats:
        raise WrongAnswer(f"{value:.0f} is the number of distinct rows; the question asks how many rows are "
                          f"copies of an earlier one.")
    if value in _single_column_repeats(sessions):
        raise WrongAnswer(f"{value:.0f} counts the repeats of a single column. A row repeats an earlier one only "
                          f"when all its columns agree: call duplicated() on the whole table.")
    if value == 0:
        raise WrongAnswer("0: nothing repeats in what you counted. The row labels (the index) never repeat; the "
                          "rows' values do. Call duplicated() on the table itself, not on its index.")
    raise WrongAnswer("That is not the number of exact repeats. Use DataFrame.duplicated() on the whole table "
                      "and count the True values.")


def _single_column_repeats(sessions) -> set[int]:
    """What duplicated() counts on each single column: the mistake of checking one column, not whole rows."""
    return {int(sessions[name].duplicated().sum()) for name in sessions.columns}


def _test_rows_with_a_training_copy(train_part, test_part, *, drop_training_repeats: bool = True) -> int:
    """Test rows with an identical row in the training part, by an inner merge on all columns."""
    training = train_part.drop_duplicates() if drop_training_repeats else train_part
    return len(test_part.merge(training, how="inner"))


def _naive_split(stratify: bool = True):
    """The split of exercise 0.3: scikit-learn's train_test_split, which knows nothing about identical rows."""
    from sklearn.model_selection import train_test_split

    sessions = data.load_sessions()
    return train_test_split(sessions, test_size=0.25, random_state=0,
                            stratify=sessions[data.TARGET] if stratify else None)


def _check_split_copies(answer: object) -> str:
    value = as_number(answer, "a whole number of test rows")
    train_part, test_part = _naive_split()
    expected = _test_rows_with_a_training_copy(train_part, test_part)
    if value != int(value):
        raise WrongAnswer(f"{value} is not a whole number; count rows of the test part.")
    if value == expected:
        return (f"{expected} of the {len(test_part):,} test rows have an exact twin in the training part: a model "
                f"that memorised its training rows would get them right for free. The workbook's split gives 0, "
                f"because it keeps identical rows on one side.")
    if value == 0:
        raise WrongAnswer("0 here usually means that the comparison aligned on the index: "
                          "test_part.isin(train_part) and == compare only rows with the same labels, and the two "
                          "parts share none. Compare the values row by row instead, with an inner merge. (0 is also "
                          "what the workbook's fixed split gives, but the cell's split comes from train_test_split.)")
    if value == _test_rows_with_a_training_copy(train_part, test_part, drop_training_repeats=False):
        raise WrongAnswer(f"{value:.0f} counts a test row once for every twin it has in the training part. Count "
                          f"each test row once: drop the training part's repeats before merging.")
    if value == int(test_part.duplicated().sum()):
        raise WrongAnswer(f"{value:.0f} counts the repeats inside the test part. The question is about test rows "
                          f"whose twin is in the training part.")
    if value == int(pd.concat([train_part, test_part]).duplicated().iloc[len(train_part):].sum()):
        raise WrongAnswer(f"{value:.0f} also counts test rows whose earlier twin is in the test part itself. Count "
                          f"only twins in the training part: merge the test part with the training part.")
    unstratified_train, unstratified_test = _naive_split(stratify=False)
    if value == _test_rows_with_a_training_copy(unstratified_train, unstratified_test):
        raise WrongAnswer("That split was not stratified: use the cell's train_test_split call as it is, with "
                          "stratify=sessions['Revenue'].")
    raise WrongAnswer("Not the number of test rows with an exact copy in the training part. An inner merge of "
                      "the test part with the training part's distinct rows keeps exactly those rows.")


def _error_raised_by(action) -> type[BaseException] | None:
    """The class of the exception that ``action()`` raises, or None."""
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the point is to see which exception comes out
        return type(error)
    return None


def _load_a_missing_file() -> type[BaseException] | None:
    """The mistake of loading the altered copy before writing it: the path names no file."""
    with tempfile.TemporaryDirectory() as folder:
        return _error_raised_by(lambda: data.load_sessions(Path(folder) / "sessions.csv"))


def _check_integrity_error(answer: object) -> str:
    if isinstance(answer, str):
        if answer.strip() == data.DataIntegrityError.__name__:
            raise WrongAnswer("That is the exception's name, as text. Give the class itself, without quotes: "
                              "type(error), or helpers.data.DataIntegrityError.")
        raise WrongAnswer("You gave a text. Give the class of the exception: type(error) in the except block.")
    if isinstance(answer, data.DataIntegrityError):
        answer = type(answer)
    if isinstance(answer, type) and issubclass(answer, data.DataIntegrityError):
        return ("load_sessions computed the copy's SHA-256 checksum, found that it differs from the published "
                "one, and refused to go on with a DataIntegrityError. One changed letter is enough, so every "
                "number in the workbook comes from the original data.")
    if answer is FileNotFoundError or isinstance(answer, FileNotFoundError):
        raise WrongAnswer("FileNotFoundError means that no file exists at the path you loaded. Write the altered "
                          "copy first (write_bytes), then load that same path.")
    if isinstance(answer, type) and issubclass(data.DataIntegrityError, answer):
        raise WrongAnswer(f"True, the error is a {answer.__name__}, but {answer.__name__} is a base class of the "
                          f"class load_sessions raises, which is more specific. Give the exact class: type(error).")
    if isinstance(answer, type) and issubclass(answer, BaseException):
        raise WrongAnswer(f"load_sessions does not raise {answer.__name__} for an altered file. Did your copy "
                          f"really differ from the original? Check that replace() found what it should replace.")
    raise WrongAnswer(f"You gave a {type(answer).__name__}. Give the class of the exception that load_sessions "
                      f"raises: type(error) in the except block.")


def _build() -> dict[str, object]:
    q1 = Exercise(
        name="Exercise 0.1",
        answer_name="answer_0_1",
        checker=_check_purchase_share,
        hints=[
            "The column `Revenue` is True for a session that ended in a purchase.",
            "The mean of a column of True/False values is the share of True values.",
        ],
        solution_code="""
sessions = helpers.data.load_sessions()
answer_0_1 = sessions["Revenue"].mean()
""",
        mistakes=[
            Mistake("a percentage instead of a share", lambda right: 100 * right, "looks like a percentage"),
            Mistake("the count of purchases", lambda right: int(data.load_sessions()[data.TARGET].sum()),
                    "number of sessions with a purchase"),
            Mistake("the share without a purchase", lambda right: float((~data.load_sessions()[data.TARGET]).mean()),
                    "did NOT end in a purchase"),
            Mistake("rounded too much", lambda right: round(right, 2), "three decimals"),
            Mistake("a number typed as text", lambda right: f"{right:.3f}", "written without quotes"),
        ],
    )
    q2 = Exercise(
        name="Exercise 0.2",
        answer_name="answer_0_2",
        checker=_check_duplicate_count,
        hints=[
            "pandas has a method that marks each row that repeats an earlier one.",
            "`sessions.duplicated()` is True for each repeat; `.sum()` counts the True values.",
        ],
        solution_code="""
sessions = helpers.data.load_sessions()
answer_0_2 = sessions.duplicated().sum()
""",
        mistakes=[
            Mistake("every row that has a twin", lambda right: int(data.load_sessions().duplicated(keep=False).sum()),
                    "first occurrences included"),
            Mistake("the number of distinct rows", lambda right: len(data.load_sessions().drop_duplicates()),
                    "distinct rows"),
            Mistake("repeats of one column only",
                    lambda right: int(data.load_sessions()["PageValues"].duplicated().sum()), "single column"),
            Mistake("repeated index labels", lambda right: int(data.load_sessions().index.duplicated().sum()),
                    "not on its index"),
        ],
    )
    q3 = Exercise(
        name="Exercise 0.3",
        answer_name="answer_0_3",
        checker=_check_split_copies,
        hints=[
            "The cell in 'One split for the whole workbook' counts such rows for the workbook's split; do the same "
            "with train_part and test_part.",
            "`test_part.merge(train_part.drop_duplicates(), how='inner')` keeps the test rows that have a twin in "
            "the training part; count its rows with len().",
        ],
        solution_code="""
from sklearn.model_selection import train_test_split

sessions = helpers.data.load_sessions()
train_part, test_part = train_test_split(sessions, test_size=0.25, stratify=sessions["Revenue"], random_state=0)
answer_0_3 = len(test_part.merge(train_part.drop_duplicates(), how="inner"))
""",
        mistakes=[
            Mistake("isin, which aligns on the index",
                    lambda right: int(_naive_split()[1].isin(_naive_split()[0]).all(axis=1).sum()),
                    "aligned on the index"),
            Mistake("the workbook's own split", lambda right: _fixed_split_copies(), "workbook's fixed split"),
            Mistake("twins counted more than once",
                    lambda right: _test_rows_with_a_training_copy(*_naive_split(), drop_training_repeats=False),
                    "once for every twin"),
            Mistake("repeats inside the test part", lambda right: int(_naive_split()[1].duplicated().sum()),
                    "inside the test part"),
            Mistake("twins anywhere before the row",
                    lambda right: int(pd.concat(_naive_split()).duplicated().iloc[len(_naive_split()[0]):].sum()),
                    "in the test part itself"),
            Mistake("a split without stratification",
                    lambda right: _test_rows_with_a_training_copy(*_naive_split(stratify=False)), "not stratified"),
        ],
    )
    q4 = Exercise(
        name="Exercise 0.4",
        answer_name="answer_0_4",
        checker=_check_integrity_error,
        hints=[
            "`original = helpers.data.SESSIONS_FILE.read_bytes()` reads the workbook's file; "
            "`original.replace(b'Returning_Visitor', b'Returning_visitor', 1)` changes one letter; write the "
            "result with `altered.write_bytes(...)`, where `altered` is the temporary path the exercise's cell "
            "defines.",
            "Call `helpers.data.load_sessions(altered)` inside `try:`; in `except Exception as error:`, set "
            "`answer_0_4 = type(error)`.",
        ],
        solution_code="""
import tempfile
from pathlib import Path

altered = Path(tempfile.mkdtemp()) / "sessions.csv"
original = helpers.data.SESSIONS_FILE.read_bytes()
altered.write_bytes(original.replace(b"Returning_Visitor", b"Returning_visitor", 1))
try:
    helpers.data.load_sessions(altered)
except Exception as error:
    answer_0_4 = type(error)
""",
        mistakes=[
            Mistake("loaded a copy that was never written", lambda right: _load_a_missing_file(),
                    "no file exists at the path"),
            Mistake("the exception's name as text", lambda right: right.__name__, "Give the class itself"),
            Mistake("a base class of the exception", lambda right: right.__mro__[1], "base class"),
        ],
    )
    return {"q1": q1, "q2": q2, "q3": q3, "q4": q4}


def _fixed_split_copies() -> int:
    """The count for the workbook's own split (the mistake of not using train_test_split)."""
    split = data.fixed_split()
    return _test_rows_with_a_training_copy(split.X_train.assign(Revenue=split.y_train),
                                           split.X_test.assign(Revenue=split.y_test))


_EXERCISES = _build()
q1 = _EXERCISES["q1"]
q2 = _EXERCISES["q2"]
q3 = _EXERCISES["q3"]
q4 = _EXERCISES["q4"]
