"""Shared fixtures of the unit tests (the execution environment and tools/ on the path: ../conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sessions():
    """The sessions, loaded once for the whole suite (tests must not modify it)."""
    import helpers

    return helpers.data.load_sessions()


@pytest.fixture(scope="session")
def split(sessions):
    """The workbook's fixed train/test split (tests must not modify it)."""
    import helpers

    return helpers.data.fixed_split(sessions)
