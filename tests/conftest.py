"""Shared settings of the test suite.

Kernels started by nbval and papermill inherit this process's environment, set to the one used by
``make execute`` (``tools/notebooks.py``'s ``EXECUTION_ENV``: no progress bars, one OpenMP thread, BLAS capped).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import EXECUTION_ENV  # noqa: E402 - tools/ must be on the path first

os.environ.update(EXECUTION_ENV)


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
