"""Settings for every test, including the chapters that nbval runs (``pytest chapters/NN_name.ipynb`` too).

Kernels started by nbval and papermill inherit this process's environment, set here to the one used by
``make execute`` (``tools/notebooks.py``'s ``EXECUTION_ENV``: no progress bars, one OpenMP thread, BLAS capped),
and ``tools/`` is importable for the tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
from notebooks import EXECUTION_ENV  # noqa: E402 - tools/ must be on the path first

os.environ.update(EXECUTION_ENV)


def pytest_xdist_make_scheduler(config, log):
    """Under ``make test`` (pytest-xdist, ``--dist loadscope``): a notebook's cells form one unit of work, so that
    nbval runs them in order in one worker's kernel; so do the tests of one file (their module fixtures are made
    once), except the chapters' fast runs and the browser tests, which go one by one to whichever worker is free,
    spreading the slow work over both."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ChapterScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if "::test_fast_mode_with_another_seed[" in nodeid or path.endswith("test_browser.py"):
                return nodeid
            return path

    return ChapterScheduling(config, log)
