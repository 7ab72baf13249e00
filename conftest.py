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
