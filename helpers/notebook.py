"""Set up a chapter's kernel the same way every time."""

from __future__ import annotations

import platform
import random
from importlib import metadata

import numpy as np

#: The packages whose versions a chapter prints in its first cell.
REPORTED_PACKAGES = ["numpy", "pandas", "scikit-learn", "scipy", "statsmodels", "matplotlib"]


def package_version(name: str) -> str | None:
    """Return the installed version of a distribution, or None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def versions_line() -> str:
    """Return one line with the versions of Python, helpers and the main packages."""
    from helpers import __version__

    parts = [f"python {platform.python_version()}", f"helpers {__version__}"]
    parts += [f"{name} {package_version(name) or 'missing'}" for name in REPORTED_PACKAGES]
    return " | ".join(parts)


def setup_notebook(seed: int = 0, *, quiet: bool = False) -> None:
    """Prepare a chapter's kernel: seeds, display settings, plot style; print the versions in one line.

    Parameters
    ----------
    seed : int, default 0
        Seeds Python's and NumPy's global generators, for any library code that still draws from them. The
        chapters themselves pass an explicit seed or ``numpy.random.Generator`` to everything random.
    quiet : bool, default False
        Do not print the versions line.

    Notes
    -----
    Sets scikit-learn's estimator display to text (stable across releases, readable on a static page), pandas'
    display options for readable tables, and the workbook's matplotlib style (see :mod:`helpers.plotting`).
    Limits OpenMP to one thread in this kernel: with two spinning OpenMP threads, scikit-learn's gradient boosting
    stalls for seconds to minutes whenever another process shares the cores (a second chapter, a browser); the
    chapters' models are small, so one thread costs them nothing measurable.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(quiet, bool):
        raise TypeError(f"quiet must be True or False, got {quiet!r}")
    import pandas as pd
    import sklearn
    from threadpoolctl import threadpool_limits

    from helpers import plotting

    threadpool_limits(limits=1, user_api="openmp")
    random.seed(int(seed))
    np.random.seed(int(seed))  # noqa: NPY002 - legacy global state, seeded only for third-party code
    sklearn.set_config(display="text")
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    pd.set_option("display.precision", 4)
    plotting.apply_style()
    if not quiet:
        print(versions_line())


def progress(iterable, *, description: str, total: int | None = None):
    """Wrap a long loop in a progress bar for interactive use (tqdm's notebook bar where widgets work).

    Executed runs (``make execute``, the tests) set ``TQDM_DISABLE=1``, so committed outputs hold no bar. The
    variable is read here because tqdm's notebook bar passes ``disable=False`` explicitly, which overrides it.
    """
    import os

    from tqdm.auto import tqdm

    disabled = os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")
    return tqdm(iterable, desc=description, total=total, leave=False, disable=disabled)
