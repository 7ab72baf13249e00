"""ruff finds nothing to complain about in the workbook's code (settings in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT


def test_ruff_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    targets = ["conftest.py", "helpers", "tests", "tools", "sources"]
    result = subprocess.run([str(ruff), "check", "--no-cache", *targets], cwd=REPO_ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
