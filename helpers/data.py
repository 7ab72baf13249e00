"""Load the sessions, check that they are the real, unaltered data, and make the workbook's one split.

The data: UCI "Online Shoppers Purchasing Intention" (Sakar & Kastro, 2018), CC BY 4.0; see ``data/README.md``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from helpers.paths import DATA_DIR, RESOURCES_DIR

SESSIONS_FILE: Path = DATA_DIR / "online_shoppers_intention.csv"
SESSIONS_SHA256 = "d8e130ba51532985f93281a73ce299e6ce150cb915769a7962a11e595eadd6a1"
N_SESSIONS = 12_330

TARGET = "Revenue"
COUNT_COLUMNS = ["Administrative", "Informational", "ProductRelated"]
DURATION_COLUMNS = ["Administrative_Duration", "Informational_Duration", "ProductRelated_Duration"]
RATE_COLUMNS = ["BounceRates", "ExitRates", "PageValues", "SpecialDay"]
NUMERIC_COLUMNS = [
    "Administrative", "Administrative_Duration", "Informational", "Informational_Duration",
    "ProductRelated", "ProductRelated_Duration", *RATE_COLUMNS,
]
CODE_COLUMNS = ["OperatingSystems", "Browser", "Region", "TrafficType"]
CATEGORICAL_COLUMNS = ["Month", *CODE_COLUMNS, "VisitorType"]
BOOLEAN_COLUMNS = ["Weekend"]
FEATURES = [*NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS, *BOOLEAN_COLUMNS]

# The months in calendar order, spelled as in the file (no January or April; June is written out).
MONTHS = ["Feb", "Mar", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
VISITOR_TYPES = ["Returning_Visitor", "New_Visitor", "Other"]

# The one fixed split of the workbook: a quarter of the sessions are set aside as the test set, never used to choose.
TEST_SHARE = 0.25
SPLIT_SEED = 2018
#: The test rows of that split for the workbook's own data, as :func:`split_test_rows` computes them, with the key
#: of the rows they were computed from. A grouped split of 12,330 sessions takes about a second and every chapter
#: needs it, so the package keeps the answer, and uses it only for the very rows it was computed from (the tests
#: recompute it; ``write_test_rows()`` writes it again).
TEST_ROWS_FILE: Path = RESOURCES_DIR / "test_rows.txt"


class DataIntegrityError(ValueError):
    """The data file exists but is not the file the workbook was written for."""


class Split(NamedTuple):
    """The workbook's train/test split; unpacks as ``X_train, X_test, y_train, y_test``."""

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 checksum of a file, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def load_sessions(path: str | Path | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Read the sessions into a DataFrame with proper dtypes.

    Parameters
    ----------
    path : str or Path, optional
        The CSV file. By default ``data/online_shoppers_intention.csv`` of the workbook, found relative to this
        package, so it does not matter which folder the notebook runs in.
    verify : bool, default True
        Check the file's SHA-256 checksum first, so that an altered or truncated file is never analysed by mistake.

    Returns
    -------
    pandas.DataFrame
        12,330 rows: integer counts, float durations and rates, ``Month``, the four integer codes and
        ``VisitorType`` as categories (months in calendar order), ``Weekend`` and ``Revenue`` as booleans.

    Raises
    ------
    FileNotFoundError
        The file is missing; the message names the path and how to restore it.
    DataIntegrityError
        The file's checksum differs from the published data (with ``verify=True``), or its columns are not the
        expected ones.
    """
    if not isinstance(verify, bool):
        raise TypeError(f"verify must be True or False, got {verify!r}")
    if path is None:
        path = SESSIONS_FILE
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or pathlib.Path naming the CSV file, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"The sessions file is missing: {path}. Restore it with "
            f"`git checkout -- data/online_shoppers_intention.csv` in the workbook's folder (the file is part "
            f"of the repository), or download the UCI 'Online Shoppers Purchasing Intention' data set "
            f"(DOI 10.24432/C5F88Q) and save its CSV there unchanged."
        )
    if verify:
        actual = file_sha256(path)
        if actual != SESSIONS_SHA256:
            if path.resolve() == SESSIONS_FILE.resolve():
                advice = ("This is the workbook's own file: restore it with "
                          "`git checkout -- data/online_shoppers_intention.csv` in the workbook's folder.")
            else:
                advice = f"The workbook's own file, {SESSIONS_FILE}, is a different file and was not checked here."
            raise DataIntegrityError(
                f"The sessions file {path} has been altered: its SHA-256 is {actual}, expected {SESSIONS_SHA256}. "
                f"Every number in the workbook refers to the original file. {advice}"
            )
    dtypes = {name: "int64" for name in COUNT_COLUMNS + CODE_COLUMNS}
    dtypes |= {name: "float64" for name in DURATION_COLUMNS + RATE_COLUMNS}
    frame = pd.read_csv(path, dtype=dtypes | {"Month": "str", "VisitorType": "str"},
                        true_values=["TRUE"], false_values=["FALSE"])
    expected = [*FEATURES, TARGET]
    if sorted(frame.columns) != sorted(expected):
        raise DataIntegrityError(
            f"The sessions file {path} has columns {list(frame.columns)}; expected {expected}."
        )
    unknown = sorted(set(frame["Month"]) - set(MONTHS)) + sorted(set(frame["VisitorType"]) - set(VISITOR_TYPES))
    if unknown:
        raise DataIntegrityError(
            f"{path} has a month or visitor type outside {MONTHS} / {VISITOR_TYPES}: {unknown}."
        )
    frame["Month"] = pd.Categorical(frame["Month"], categories=MONTHS, ordered=True)
    frame["VisitorType"] = pd.Categorical(frame["VisitorType"], categories=VISITOR_TYPES)
    for name in CODE_COLUMNS:
        frame[name] = frame[name].astype("category")
    for name in [*BOOLEAN_COLUMNS, TARGET]:
        if frame[name].dtype != bool:
            raise DataIntegrityError(f"Column {name!r} of {path} must hold only TRUE and FALSE.")
    return frame


def duplicate_groups(features: pd.DataFrame, target: pd.Series) -> np.ndarray:
    """Label each row so that identical rows share a label: the groups that keep copies on one side of a split.

    Two rows get the same label exactly when all their features and their ``Revenue`` agree. Pass the labels as
    ``groups`` to a grouped splitter (``StratifiedGroupKFold``), so that no copy of a training row lands in the
    part that scores it. :func:`fixed_split` uses the same labels for the train/test split.

    Parameters
    ----------
    features : pandas.DataFrame
        Rows with (at least) the feature columns ``FEATURES``, e.g. ``X_train``.
    target : pandas.Series
        ``Revenue`` for the same rows, in the same order (e.g. ``y_train``).

    Returns
    -------
    numpy.ndarray
        One unsigned 64-bit label per row (a hash of the row's values, independent of its index).
    """
    if not isinstance(features, pd.DataFrame):
        raise TypeError(f"features must be a pandas DataFrame, got {type(features).__name__}")
    if not isinstance(target, pd.Series):
        raise TypeError(f"target must be a pandas Series, got {type(target).__name__}")
    missing = [name for name in FEATURES if name not in features.columns]
    if missing:
        raise ValueError(f"features lacks the columns {missing}")
    if len(target) != len(features) or not target.index.equals(features.index):
        raise ValueError(f"target must have the same rows as features, in the same order: got {len(target)} rows "
                         f"for {len(features)}")
    rows = features[FEATURES].assign(**{TARGET: target.to_numpy()})
    return pd.util.hash_pandas_object(rows, index=False).to_numpy()


def stratified_group_folds(groups: np.ndarray, target: pd.Series | np.ndarray, *, n_splits: int,
                           seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-validation folds that keep every group whole and the share of buyers equal, for groups of one class.

    ``StratifiedGroupKFold`` handles groups that mix classes by searching, group by group, for the fold that
    keeps the classes balanced. Groups of identical rows (:func:`duplicate_groups`) never mix classes, because
    ``Revenue`` is part of what makes two rows identical. Then scikit-learn's ``StratifiedKFold``, applied to the
    groups themselves (one entry per group, with its class) and mapped back to the groups' rows, keeps every
    group in one fold and gives every fold the same number of buying groups, to within one.

    Parameters
    ----------
    groups : array
        One group label per row (e.g. :func:`duplicate_groups`).
    target : array or pandas.Series of bool or 0/1
        The class of each row; all rows of a group must share it.
    n_splits : int
        Number of folds (at least 2, and at most the number of groups of each class).
    seed : int
        Shuffles the groups before they are dealt into folds.

    Returns
    -------
    list of (train rows, validation rows)
        Row positions, as ``cross_validate(cv=...)`` accepts them.
    """
    groups, target = np.asarray(groups), np.asarray(target)
    if groups.ndim != 1 or target.ndim != 1 or len(groups) != len(target):
        raise ValueError(f"groups and target must be 1-d and of the same length, got shapes {groups.shape} and "
                         f"{target.shape}")
    if not set(np.unique(target)) <= {0, 1}:
        raise ValueError("target must hold only booleans or 0/1")
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"n_splits must be a whole number of at least 2, got {n_splits!r}")
    labels, first, group_of_row = np.unique(groups, return_index=True, return_inverse=True)
    group_class = target[first].astype(bool)
    mixed = group_class[group_of_row] != target.astype(bool)
    if mixed.any():
        raise ValueError(f"every group must hold one class; {len(np.unique(group_of_row[mixed]))} group(s) mix "
                         f"classes, e.g. group {labels[group_of_row[mixed][0]].item()!r}")
    smallest = min(int(group_class.sum()), int((~group_class).sum()))
    if n_splits > smallest:
        raise ValueError(f"n_splits must be at most the number of groups of each class ({smallest}), got {n_splits}")
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    folds = []
    for _, held_out in splitter.split(np.zeros(len(labels)), group_class):
        in_fold = np.isin(group_of_row, held_out)
        folds.append((np.flatnonzero(~in_fold), np.flatnonzero(in_fold)))
    return folds


def fixed_split(sessions: pd.DataFrame | None = None) -> Split:
    """Return the one train/test split that every chapter uses.

    A quarter of the sessions form the test set, stratified by ``Revenue``. Identical rows (the data holds 125
    exact duplicates of other rows) are kept together on one side, so the test set never contains a copy of a
    training row. The split is fixed by ``SPLIT_SEED``; the index of each row is its line in the CSV file.

    Parameters
    ----------
    sessions : pandas.DataFrame, optional
        The sessions as :func:`load_sessions` returns them (the default loads them).

    Returns
    -------
    Split
        ``X_train, X_test, y_train, y_test``: features without ``Revenue``, and ``Revenue`` as booleans.
    """
    if sessions is None:
        sessions = load_sessions()
    if not isinstance(sessions, pd.DataFrame):
        raise TypeError(f"sessions must be a pandas DataFrame from load_sessions(), got {type(sessions).__name__}")
    missing = [name for name in [*FEATURES, TARGET] if name not in sessions.columns]
    if missing:
        raise ValueError(f"sessions lacks the columns {missing}; pass the DataFrame that load_sessions() returns")
    if len(sessions) < 8:
        raise ValueError(f"sessions must have at least 8 rows to split, got {len(sessions)}")
    groups = duplicate_groups(sessions[FEATURES], sessions[TARGET])
    stored = _stored_test_rows(groups, sessions[TARGET])
    test = np.zeros(len(sessions), dtype=bool)
    test[split_test_rows(groups, sessions[TARGET]) if stored is None else stored] = True
    train_rows, test_rows = np.flatnonzero(~test), np.flatnonzero(test)
    features = sessions[FEATURES]
    target = sessions[TARGET]
    return Split(
        X_train=features.iloc[train_rows],
        X_test=features.iloc[test_rows],
        y_train=target.iloc[train_rows],
        y_test=target.iloc[test_rows],
    )


def split_test_rows(groups: np.ndarray, target: pd.Series) -> np.ndarray:
    """Positions of the test rows of the fixed split: the first fold of a stratified, grouped split into
    ``1 / TEST_SHARE`` folds, shuffled with ``SPLIT_SEED`` (scikit-learn's ``StratifiedGroupKFold``)."""
    folds = StratifiedGroupKFold(n_splits=round(1 / TEST_SHARE), shuffle=True, random_state=SPLIT_SEED)
    return next(folds.split(np.zeros(len(target)), target, groups=groups))[1]


def split_key(groups: np.ndarray, target: pd.Series) -> str:
    """A checksum of everything the split depends on: each row's group label and ``Revenue``, in order."""
    return hashlib.sha256(np.ascontiguousarray(groups, dtype=np.uint64).tobytes()
                          + np.asarray(target, dtype=bool).tobytes()).hexdigest()


def _stored_test_rows(groups: np.ndarray, target: pd.Series) -> np.ndarray | None:
    """The stored test rows when ``TEST_ROWS_FILE`` was computed from these very rows, else None."""
    try:
        header, body = TEST_ROWS_FILE.read_text(encoding="ascii").split("\n", 1)
        key, digest = header.split()
    except (OSError, ValueError):
        return None
    if key != split_key(groups, target) or digest != hashlib.sha256(body.encode("ascii")).hexdigest():
        return None
    return np.array(body.split(), dtype=np.int64)


def write_test_rows(path: str | Path = TEST_ROWS_FILE) -> Path:
    """Compute the fixed split's test rows for the workbook's data and store them in ``path``: a first line with
    their key (:func:`split_key`) and the SHA-256 of the rest, then one position per line."""
    sessions = load_sessions()
    groups = duplicate_groups(sessions[FEATURES], sessions[TARGET])
    rows = split_test_rows(groups, sessions[TARGET])
    body = "\n".join(map(str, rows)) + "\n"
    header = f"{split_key(groups, sessions[TARGET])} {hashlib.sha256(body.encode('ascii')).hexdigest()}"
    Path(path).write_text(header + "\n" + body, encoding="ascii")
    return Path(path)
