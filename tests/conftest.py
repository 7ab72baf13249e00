"""Shared settings of the test suite.

Kernels started by nbval and papermill inherit this process's environment: no progress bars (outputs stay
deterministic), one OpenMP thread (spinning OpenMP threads can stall gradient boosting for minutes when processes
share the cores; results do not depend on the thread count) and BLAS capped at 2 threads as on Binder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.update({"TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2",
                   "MKL_NUM_THREADS": "2"})
sys.path.insert(0, str(ROOT / "tools"))


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
