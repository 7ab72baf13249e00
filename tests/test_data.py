"""The data file is the published one, loads with proper types, and the fixed split behaves as documented."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest

from helpers import data


def test_file_checksum_matches_the_published_data():
    assert data.file_sha256(data.SESSIONS_FILE) == data.SESSIONS_SHA256
    assert data.SESSIONS_FILE.stat().st_size == 1_059_732


def test_facts_of_the_data_card(sessions):
    assert sessions.shape == (12_330, 18)
    assert int(sessions["Revenue"].sum()) == 1_908
    assert int(sessions.duplicated().sum()) == 125
    assert not sessions.isna().any().any()
    assert list(sessions.columns) == [*data.FEATURES, data.TARGET]


def test_dtypes(sessions):
    assert sessions["Revenue"].dtype == bool and sessions["Weekend"].dtype == bool
    for name in data.CATEGORICAL_COLUMNS:
        assert isinstance(sessions[name].dtype, pd.CategoricalDtype), name
    assert list(sessions["Month"].cat.categories) == data.MONTHS and sessions["Month"].cat.ordered
    for name in data.COUNT_COLUMNS:
        assert sessions[name].dtype == "int64", name
    for name in data.DURATION_COLUMNS + data.RATE_COLUMNS:
        assert sessions[name].dtype == "float64", name


def test_missing_file_names_the_path_and_the_fix(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match="missing") as caught:
        data.load_sessions(missing)
    assert str(missing) in str(caught.value) and "git checkout" in str(caught.value)


def test_altered_file_is_refused(tmp_path):
    altered = tmp_path / "altered.csv"
    shutil.copy(data.SESSIONS_FILE, altered)
    text = altered.read_bytes()
    altered.write_bytes(text.replace(b"Returning_Visitor", b"Returning_visitor", 1))
    with pytest.raises(data.DataIntegrityError, match="altered") as caught:
        data.load_sessions(altered)
    assert str(altered) in str(caught.value) and data.SESSIONS_SHA256 in str(caught.value)
    assert "git checkout" not in str(caught.value) and "was not checked here" in str(caught.value)


def test_an_altered_workbook_file_gets_the_restore_command(monkeypatch, tmp_path):
    altered = tmp_path / "online_shoppers_intention.csv"
    altered.write_bytes(data.SESSIONS_FILE.read_bytes().replace(b"Returning_Visitor", b"Returning_visitor", 1))
    monkeypatch.setattr(data, "SESSIONS_FILE", altered)  # stands in for the workbook's own file
    with pytest.raises(data.DataIntegrityError, match="This is the workbook's own file") as caught:
        data.load_sessions()
    assert "git checkout -- data/online_shoppers_intention.csv" in str(caught.value)


def test_unverified_file_with_unknown_category_is_refused(tmp_path):
    altered = tmp_path / "altered.csv"
    text = data.SESSIONS_FILE.read_bytes()
    altered.write_bytes(text.replace(b",Feb,", b",Jan,", 1))
    with pytest.raises(data.DataIntegrityError, match="month or visitor type"):
        data.load_sessions(altered, verify=False)


def test_unverified_file_with_other_columns_is_refused(tmp_path):
    altered = tmp_path / "altered.csv"
    text = data.SESSIONS_FILE.read_bytes()
    altered.write_bytes(text.replace(b"PageValues", b"PageValue", 1))
    with pytest.raises(data.DataIntegrityError, match="columns"):
        data.load_sessions(altered, verify=False)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"path": 42}, TypeError, "path must be"),
    ({"verify": "yes"}, TypeError, "verify must be"),
])
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        data.load_sessions(**kwargs)


def test_split_sizes_and_stratification(sessions):
    split = data.fixed_split(sessions)
    assert len(split.X_test) + len(split.X_train) == len(sessions)
    assert abs(len(split.X_test) / len(sessions) - data.TEST_SHARE) < 0.005
    assert abs(split.y_train.mean() - split.y_test.mean()) < 0.002
    assert data.TARGET not in split.X_train.columns
    assert split.X_train.index.equals(split.y_train.index) and split.X_test.index.equals(split.y_test.index)
    assert not set(split.X_train.index) & set(split.X_test.index)


def test_split_keeps_identical_rows_on_one_side(sessions):
    split = data.fixed_split(sessions)
    row_hash = pd.util.hash_pandas_object(sessions, index=False)
    assert not set(row_hash[split.X_train.index]) & set(row_hash[split.X_test.index])


def test_split_is_fixed(sessions):
    """The test set is the same in every run and every release: its rows' fingerprint is recorded here.

    If this fails after an upgrade, the split changed and every chapter's numbers with it: find out why before
    updating the fingerprint.
    """
    first, second = data.fixed_split(sessions), data.fixed_split()
    assert first.X_test.index.equals(second.X_test.index)
    fingerprint = hashlib.sha256(",".join(map(str, sorted(first.X_test.index))).encode()).hexdigest()
    assert fingerprint[:16] == TEST_SET_FINGERPRINT


TEST_SET_FINGERPRINT = "03edc78db4c39b18"  # first 16 hex digits; recorded when the split was introduced


@pytest.mark.parametrize(("argument", "error", "words"), [
    ("sessions.csv", TypeError, "must be a pandas DataFrame"),
    (pd.DataFrame({"Revenue": [True, False]}), ValueError, "lacks the columns"),
])
def test_split_rejects_bad_input(argument, error, words):
    with pytest.raises(error, match=words):
        data.fixed_split(argument)


def test_split_rejects_too_few_rows(sessions):
    with pytest.raises(ValueError, match="at least 8 rows"):
        data.fixed_split(sessions.head(5))


def test_duplicate_groups_label_identical_rows_alike(sessions):
    groups = data.duplicate_groups(sessions[data.FEATURES], sessions[data.TARGET])
    assert len(groups) == len(sessions)
    assert len(groups) - len(pd.unique(groups)) == int(sessions.duplicated().sum()) == 125
    twins = sessions.index[sessions.duplicated(keep=False)]
    first, second = twins[0], sessions.index[(sessions == sessions.loc[twins[0]]).all(axis=1)][1]
    assert groups[sessions.index.get_loc(first)] == groups[sessions.index.get_loc(second)]


def test_duplicate_groups_see_the_target_and_not_the_index(sessions):
    """Rows that differ only in Revenue are different groups; the same row under another index is the same group."""
    rows = sessions.head(3)
    flipped = data.duplicate_groups(rows[data.FEATURES], ~rows[data.TARGET])
    plain = data.duplicate_groups(rows[data.FEATURES], rows[data.TARGET])
    assert not set(flipped) & set(plain)
    moved = rows.set_axis([100, 200, 300])
    assert (data.duplicate_groups(moved[data.FEATURES], moved[data.TARGET]) == plain).all()


def test_duplicate_groups_match_the_splits_groups(split):
    """No group of the training part occurs in the test part: the split used the same labels."""
    train = data.duplicate_groups(split.X_train, split.y_train)
    test = data.duplicate_groups(split.X_test, split.y_test)
    assert not set(train) & set(test)
    assert len(train) - len(pd.unique(train)) > 0  # the training part does hold repeats


@pytest.mark.parametrize(("make_args", "error", "words"), [
    (lambda s: (s[data.FEATURES].to_numpy(), s[data.TARGET]), TypeError, "features must be a pandas DataFrame"),
    (lambda s: (s[data.FEATURES], s[data.TARGET].to_numpy()), TypeError, "target must be a pandas Series"),
    (lambda s: (s[data.FEATURES].drop(columns="Month"), s[data.TARGET]), ValueError, "lacks the columns"),
    (lambda s: (s[data.FEATURES], s[data.TARGET].head(5)), ValueError, "same rows as features"),
    (lambda s: (s[data.FEATURES], s[data.TARGET].sort_index(ascending=False)), ValueError, "same rows"),
])
def test_duplicate_groups_reject_bad_input(sessions, make_args, error, words):
    with pytest.raises(error, match=words):
        data.duplicate_groups(*make_args(sessions))


# --- the loader on small files written here (verify=False), against plain pandas ------------------------------------

def head_file(tmp_path, lines=12, replace=None, name="head.csv"):
    """The header and the first lines of the data file, optionally with one text replaced (in every line)."""
    text = b"".join(data.SESSIONS_FILE.read_bytes().splitlines(keepends=True)[:lines + 1])
    if replace:
        text = text.replace(*replace)
    path = tmp_path / name
    path.write_bytes(text)
    return path


def test_small_file_gets_the_documented_dtypes_even_where_pandas_would_guess_others(tmp_path):
    path = head_file(tmp_path, lines=3)
    raw = pd.read_csv(path)
    guessed = [name for name in data.DURATION_COLUMNS + data.RATE_COLUMNS if raw[name].dtype == "int64"]
    assert guessed == [*data.DURATION_COLUMNS, "PageValues", "SpecialDay"]   # whole numbers in the first 3 rows
    frame = data.load_sessions(str(path), verify=False)                 # a str path works as well as a Path
    assert list(frame.columns) == list(raw.columns) and len(frame) == 3
    for name in data.DURATION_COLUMNS + data.RATE_COLUMNS:
        assert frame[name].dtype == "float64", name
    for name in data.COUNT_COLUMNS:
        assert frame[name].dtype == "int64", name
    for name in data.CODE_COLUMNS:
        assert isinstance(frame[name].dtype, pd.CategoricalDtype), name
        assert frame[name].astype(int).tolist() == raw[name].tolist(), name
    assert list(frame["Month"].cat.categories) == data.MONTHS and frame["Month"].cat.ordered
    assert list(frame["VisitorType"].cat.categories) == ["Returning_Visitor", "New_Visitor", "Other"]
    assert not frame["VisitorType"].cat.ordered
    assert frame["Month"].astype(str).tolist() == raw["Month"].tolist()
    for name in data.NUMERIC_COLUMNS:
        assert frame[name].to_numpy(float).tolist() == raw[name].to_numpy(float).tolist(), name
    for name in ["Weekend", "Revenue"]:
        assert frame[name].dtype == bool and frame[name].tolist() == raw[name].tolist(), name


def test_the_month_order_is_the_calendar():
    import calendar

    numbers = [list(calendar.month_abbr).index(month[:3]) for month in data.MONTHS]
    assert numbers == sorted(numbers) == [2, 3, 5, 6, 7, 8, 9, 10, 11, 12]


def test_unverified_file_with_an_unknown_visitor_type_is_refused_and_named(tmp_path):
    path = head_file(tmp_path, replace=(b"Returning_Visitor", b"Returning_visitor"))
    with pytest.raises(data.DataIntegrityError, match=r"month or visitor type outside .*: \['Returning_visitor'\]"):
        data.load_sessions(path, verify=False)
    path = head_file(tmp_path, replace=(b",Feb,", b",Jan,"), name="january.csv")
    with pytest.raises(data.DataIntegrityError, match=r"month or visitor type outside .*: \['Jan'\]"):
        data.load_sessions(path, verify=False)


@pytest.mark.parametrize(("old", "new", "column"), [(b",FALSE,FALSE", b",maybe,FALSE", "Weekend"),
                                                    (b",FALSE,FALSE", b",FALSE,0.5", "Revenue")])
def test_unverified_file_with_a_non_boolean_flag_is_refused(tmp_path, old, new, column):
    path = head_file(tmp_path, replace=(old, new))
    with pytest.raises(data.DataIntegrityError, match=rf"^Column '{column}' of .* must hold only TRUE and FALSE\.$"):
        data.load_sessions(path, verify=False)


def test_other_columns_are_named_with_the_expected_ones(tmp_path):
    path = head_file(tmp_path, replace=(b"PageValues", b"PageValue"))
    with pytest.raises(data.DataIntegrityError) as caught:
        data.load_sessions(path, verify=False)
    assert "'PageValue'," in str(caught.value) and f"expected {[*data.FEATURES, data.TARGET]}" in str(caught.value)


def test_an_altered_file_loads_only_without_verification(tmp_path):
    path = head_file(tmp_path)
    with pytest.raises(data.DataIntegrityError, match=f"its SHA-256 is {data.file_sha256(path)}"):
        data.load_sessions(path)
    assert len(data.load_sessions(path, verify=False)) == 12


def test_file_sha256_equals_hashlib_across_several_blocks(tmp_path):
    path = tmp_path / "blocks.bin"
    content = bytes(range(256)) * 700 + b"tail"           # 179,204 bytes: nearly three 64 KiB blocks
    path.write_bytes(content)
    assert data.file_sha256(path) == hashlib.sha256(content).hexdigest()
    assert data.file_sha256(str(path)) == hashlib.sha256(content).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert data.file_sha256(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()


def test_path_of_the_wrong_type_names_its_type():
    with pytest.raises(TypeError, match=r"^path must be a str or pathlib.Path naming the CSV file, got int$"):
        data.load_sessions(42)
    with pytest.raises(TypeError, match=r"^verify must be True or False, got 1$"):
        data.load_sessions(verify=1)


# --- the split: the data card's facts on both sides, and its edges -----------------------------------------------

def test_split_parts_keep_the_purchase_share_of_the_data_card(split):
    share = 1_908 / 12_330                                      # 15.47 % (data card)
    assert abs(split.y_train.mean() - share) < 0.002 and abs(split.y_test.mean() - share) < 0.002
    assert 0.245 < len(split.X_test) / 12_330 < 0.255
    assert list(split.X_train.columns) == list(split.X_test.columns) == data.FEATURES
    assert split.y_train.name == split.y_test.name == "Revenue" and split.y_test.dtype == bool
    assert int(split.y_train.sum() + split.y_test.sum()) == 1_908
    assert split == (split.X_train, split.X_test, split.y_train, split.y_test)


def test_split_of_eight_rows_works_and_of_seven_is_refused(sessions):
    eight = data.fixed_split(sessions.head(8))
    assert len(eight.X_test) == 2 and sorted([*eight.X_train.index, *eight.X_test.index]) == list(range(8))
    with pytest.raises(ValueError, match=r"^sessions must have at least 8 rows to split, got 7$"):
        data.fixed_split(sessions.head(7))


def test_split_names_what_it_lacks_or_got():
    with pytest.raises(TypeError, match=r"^sessions must be a pandas DataFrame from load_sessions\(\), got str$"):
        data.fixed_split("sessions.csv")
    with pytest.raises(ValueError, match=r"^sessions lacks the columns \['Administrative',"):
        data.fixed_split(pd.DataFrame({"Revenue": [True, False]}))


def test_duplicate_groups_name_what_they_lack_or_got(sessions):
    rows = sessions.head(6)
    with pytest.raises(ValueError, match=r"^features lacks the columns \['Month', 'Weekend'\]$"):
        data.duplicate_groups(rows.drop(columns=["Weekend", "Month"]), rows[data.TARGET])
    with pytest.raises(ValueError, match=r"^target must have the same rows as features, in the same order: got 2 "
                                         r"rows for 6$"):
        data.duplicate_groups(rows[data.FEATURES], rows[data.TARGET].head(2))
    with pytest.raises(TypeError, match=r"^features must be a pandas DataFrame, got ndarray$"):
        data.duplicate_groups(rows.to_numpy(), rows[data.TARGET])
    with pytest.raises(TypeError, match=r"^target must be a pandas Series, got list$"):
        data.duplicate_groups(rows, rows[data.TARGET].tolist())
    assert data.duplicate_groups(rows, rows[data.TARGET]).dtype == np.uint64


def test_a_count_that_is_not_a_whole_number_is_refused(tmp_path):
    """Counts are read as integers: a fractional page count is an error, not silently a float column."""
    path = head_file(tmp_path, lines=3, replace=(b"0,0,0,0,1,0,0.2", b"0,0,0,0,2.5,0,0.2"))
    with pytest.raises(ValueError, match="int64"):
        data.load_sessions(path, verify=False)


def test_the_advice_for_an_altered_file_is_complete(monkeypatch, tmp_path):
    altered = head_file(tmp_path, lines=3)
    with pytest.raises(data.DataIntegrityError) as caught:
        data.load_sessions(altered)
    assert str(caught.value).endswith(
        f"expected {data.SESSIONS_SHA256}. Every number in the workbook refers to the original file. The workbook's "
        f"own file, {data.SESSIONS_FILE}, is a different file and was not checked here.")
    monkeypatch.setattr(data, "SESSIONS_FILE", altered)
    with pytest.raises(data.DataIntegrityError) as caught:
        data.load_sessions()
    assert str(caught.value).endswith(
        "Every number in the workbook refers to the original file. This is the workbook's own file: restore it with "
        "`git checkout -- data/online_shoppers_intention.csv` in the workbook's folder.")


# --- stratified folds of whole groups ----------------------------------------------------------------------------

def test_stratified_group_folds_keep_groups_whole_and_buyers_balanced(split):
    groups = data.duplicate_groups(split.X_train, split.y_train)
    y = split.y_train.to_numpy()
    for n_splits in (3, 5):
        folds = data.stratified_group_folds(groups, split.y_train, n_splits=n_splits, seed=4)
        assert len(folds) == n_splits
        held_out = np.concatenate([rows for _, rows in folds])
        assert np.array_equal(np.sort(held_out), np.arange(len(y)))  # every row validated exactly once
        for train, rows in folds:
            assert np.array_equal(np.sort(np.concatenate([train, rows])), np.arange(len(y)))
            assert not set(groups[train]) & set(groups[rows])
        # buying groups per fold differ by at most one: shares within a few rows' worth of each other
        labels, first = np.unique(groups, return_index=True)
        buying = set(labels[y[first]])
        per_fold = [len({g for g in set(groups[rows]) if g in buying}) for _, rows in folds]
        assert max(per_fold) - min(per_fold) <= 1
        shares = [y[rows].mean() for _, rows in folds]
        assert max(abs(s - y.mean()) for s in shares) < 0.003


def test_stratified_group_folds_equal_stratified_k_fold_over_the_groups():
    """An independent reference: StratifiedKFold on one entry per group (in sorted label order), mapped back."""
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.default_rng(2)
    groups = rng.integers(0, 60, 200)
    cls = rng.random(60) < 0.3
    target = cls[groups]
    folds = data.stratified_group_folds(groups, target, n_splits=4, seed=7)
    labels = np.unique(groups)
    expected = StratifiedKFold(n_splits=4, shuffle=True, random_state=7).split(np.zeros(len(labels)), cls[labels])
    for (train, rows), (_, held_labels) in zip(folds, expected, strict=True):
        assert np.array_equal(rows, np.flatnonzero(np.isin(groups, labels[held_labels])))
        assert np.array_equal(train, np.flatnonzero(~np.isin(groups, labels[held_labels])))
    again = data.stratified_group_folds(groups, target.astype(int), n_splits=4, seed=7)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = data.stratified_group_folds(groups, target, n_splits=4, seed=8)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other, strict=True))


@pytest.mark.parametrize(("groups", "target", "n_splits", "message"), [
    ([1, 1, 2, 3], [1, 0, 0, 1], 2, "every group must hold one class; 1 group(s) mix classes, e.g. group 1"),
    ([1, 2, 3], [1, 0], 2, "groups and target must be 1-d and of the same length, got shapes (3,) and (2,)"),
    ([[1, 2]], [[1, 0]], 2, "groups and target must be 1-d and of the same length, got shapes (1, 2) and (1, 2)"),
    ([1, 2, 3, 4], [1, 0, 2, 0], 2, "target must hold only booleans or 0/1"),
    ([1, 2, 3, 4], [1, 0, 1, 0], 1, "n_splits must be a whole number of at least 2, got 1"),
    ([1, 2, 3, 4], [1, 0, 1, 0], 2.0, "n_splits must be a whole number of at least 2, got 2.0"),
    ([1, 2, 3, 4], [1, 0, 1, 0], True, "n_splits must be a whole number of at least 2, got True"),
    ([1, 2, 3, 4, 5], [1, 0, 1, 0, 0], 3, "n_splits must be at most the number of groups of each class (2), got 3"),
    ([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 0], 3,
     "n_splits must be at most the number of groups of each class (2), got 3"),
    ([1, 2], [[1], [0]], 2, "groups and target must be 1-d and of the same length, got shapes (2,) and (2, 1)"),
])
def test_stratified_group_folds_name_the_bad_argument(groups, target, n_splits, message):
    with pytest.raises(ValueError) as caught:
        data.stratified_group_folds(np.array(groups), np.array(target), n_splits=n_splits, seed=0)
    assert str(caught.value) == message


def test_stratified_group_folds_at_the_limit_of_groups_per_class():
    """Two groups of each class (one of them of three rows) split into two folds: each fold gets one of each."""
    groups = np.array([5, 5, 5, 6, 7, 8])
    target = np.array([True, True, True, False, True, False])
    folds = data.stratified_group_folds(groups, target, n_splits=2, seed=0)
    for _, rows in folds:
        assert sorted(target[rows].tolist()).count(False) == 1 and len(set(groups[rows])) == 2
