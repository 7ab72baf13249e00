"""The stored test rows of the fixed split: equal to scikit-learn's split, used only for the rows they came from."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.model_selection import StratifiedGroupKFold

from helpers import data


def _sklearn_test_index(sessions: pd.DataFrame) -> list:
    """The definition, computed directly with scikit-learn: the first of four stratified, grouped folds."""
    groups = data.duplicate_groups(sessions[data.FEATURES], sessions[data.TARGET])
    folds = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=data.SPLIT_SEED)
    return list(sessions.index[next(folds.split(sessions, sessions[data.TARGET], groups=groups))[1]])


@pytest.fixture(scope="module")
def expected(sessions):
    return _sklearn_test_index(sessions)


def test_stored_rows_are_scikit_learns_split_of_the_workbooks_data(sessions, expected):
    header, body = data.TEST_ROWS_FILE.read_text(encoding="ascii").split("\n", 1)
    groups = data.duplicate_groups(sessions[data.FEATURES], sessions[data.TARGET])
    assert header.split()[0] == data.split_key(groups, sessions[data.TARGET]), "regenerate: data.write_test_rows()"
    assert [int(row) for row in body.split()] == expected
    assert list(data.fixed_split(sessions).X_test.index) == expected


def test_other_rows_are_split_afresh_not_read_from_the_file(sessions):
    changed = sessions.iloc[:3_000].copy()
    changed.loc[changed.index[:40], data.TARGET] = ~changed.loc[changed.index[:40], data.TARGET]
    assert list(data.fixed_split(changed).X_test.index) == _sklearn_test_index(changed)


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_missing_or_damaged_file_gives_the_same_split(sessions, expected, tmp_path, monkeypatch, damage):
    path = tmp_path / "rows.txt"
    if damage == "truncated":  # right key, rows lost: the digest of the rows no longer matches
        path.write_text(data.TEST_ROWS_FILE.read_text(encoding="ascii")[:2_000], encoding="ascii")
    monkeypatch.setattr(data, "TEST_ROWS_FILE", path)
    assert list(data.fixed_split(sessions).X_test.index) == expected


def test_write_test_rows_writes_the_file_the_package_keeps(tmp_path):
    path = data.write_test_rows(tmp_path / "rows.txt")
    assert path.read_text(encoding="ascii") == data.TEST_ROWS_FILE.read_text(encoding="ascii")


def test_the_workbooks_own_rows_are_read_not_recomputed(sessions, monkeypatch):
    def recompute(*args, **kwargs):
        raise AssertionError("the split was recomputed although the stored rows fit")

    monkeypatch.setattr(data, "split_test_rows", recompute)
    assert len(data.fixed_split(sessions).X_test) == len(data.TEST_ROWS_FILE.read_text(encoding="ascii").split()) - 2
