"""A chapter alone, as in Colab or Kaggle: the wheel, installed without the repository, runs a copied chapter.

Offline: the wheel is built from the checkout without network (setuptools is pinned in requirements.txt), and
the packages it depends on come from this environment (the already-downloaded dependencies), added to a fresh
virtual environment by a path entry, not by the repository's editable install.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import notebooks  # tools/notebooks.py
import pytest

from helpers.paths import REPO_ROOT

CHAPTER = "00_start_here"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A fresh virtual environment with the workbook's wheel installed; yields its python."""
    folder = tmp_path_factory.mktemp("standalone")
    dist = folder / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(dist), str(REPO_ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("prototype_to_production-*.whl"))
    venv = folder / "venv"
    # Without pip of its own (ensurepip takes seconds): this environment's pip installs into it (`--python`).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies, from this environment; its .pth files (the editable install of the checkout) are not read.
    Path(site, "workbook_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    return python, wheel


def test_the_wheel_carries_the_data_and_installs_outside_the_checkout(fresh, tmp_path):
    python, wheel = fresh
    code = ("import json, helpers, helpers.paths as p, helpers.data as d; "
            "print(json.dumps({'file': helpers.__file__, 'checkout': p.IN_CHECKOUT, 'rows': len(d.load_sessions()),"
            " 'pins': len(helpers.env.read_pins())}))")
    out = subprocess.run([str(python), "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True)
    found = json.loads(out.stdout)
    assert not found["file"].startswith(str(REPO_ROOT)) and found["checkout"] is False
    assert found["rows"] == 12_330 and found["pins"] > 10  # checksum verified by load_sessions
    check = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "check"], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr  # every declared dependency is there
    print(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB")


def test_a_copied_chapter_runs_alone_in_fast_mode(fresh, tmp_path):
    python, _ = fresh
    notebook = nbformat.read(notebooks.notebook_path(notebooks.sources([CHAPTER[:2]])[0]), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("print('helpers from', helpers.__file__)"))
    copy = tmp_path / f"{CHAPTER}.ipynb"
    nbformat.write(notebook, copy)
    result = subprocess.run(
        [str(python), "-m", "papermill", str(copy), str(copy), "-p", "FAST", "True", "-p", "SEED", "1",
         "-k", "python3", "--cwd", str(tmp_path), "--execution-timeout", "300", "--no-progress-bar"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    executed = nbformat.read(copy, as_version=4)
    printed = "".join(output.get("text", "") for output in executed.cells[-1].outputs)
    assert "helpers from" in printed and str(REPO_ROOT) not in printed
