"""Check a participant's machine in seconds and say what to fix: `make doctor`.

Checks, in order: the Python version; that the workbook's package ``helpers`` is installed; every package
against its pin; the data file's checksum; that a Jupyter kernel starts and imports helpers; that JupyterLab's
widget extension is present. Prints one line per check and, for each failure, the command that fixes it.
Exit status 1 when a check fails. Uses no network.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ((3, 11), (3, 12), (3, 13))


def check_python() -> tuple[bool, str, str]:
    version = sys.version_info[:2]
    ok = version in SUPPORTED
    return ok, f"Python {sys.version.split()[0]} at {sys.executable}", (
        "" if ok else "install Python 3.11, 3.12 or 3.13, then `make clean-venv` and `make lab PYTHON=python3.12`")


def check_helpers() -> tuple[bool, str, str]:
    try:
        import helpers
    except ImportError as problem:
        return False, f"the workbook's package cannot be imported ({problem})", (
            "run `make venv`, and start JupyterLab with `make lab` so that it uses .venv")
    return True, f"helpers {helpers.__version__} from {Path(helpers.__file__).parent}", ""


def check_pins() -> tuple[bool, str, str]:
    from helpers import env

    report = env.inspect_env()
    if report.ok:
        return True, "every package matches its pin in requirements.txt", ""
    listed = "; ".join(str(item) for item in report.mismatches[:6])
    return False, f"{len(report.mismatches)} package(s) differ from the pins: {listed}", (
        "run `make clean-venv venv` (or `pip install -r requirements.txt` in the environment you use)")


def check_data() -> tuple[bool, str, str]:
    from helpers import data

    path = Path(data.SESSIONS_FILE)
    if not path.is_file():
        return False, f"the data file is missing: {path}", "run `git checkout -- data/` in the workbook's folder"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    ok = digest == data.SESSIONS_SHA256
    return ok, f"data file {path.name}: checksum {'matches' if ok else 'DIFFERS'}", (
        "" if ok else "restore it: `git checkout -- data/online_shoppers_intention.csv` (do not open and save it in "
                      "a spreadsheet program: that changes its line endings)")


def check_kernel() -> tuple[bool, str, str]:
    from jupyter_client.manager import start_new_kernel

    try:
        manager, client = start_new_kernel(kernel_name="python3", startup_timeout=60)
    except Exception as problem:  # any failure to start is the finding
        return False, f"a Jupyter kernel does not start: {type(problem).__name__}: {problem}", (
            "run `make clean-venv venv`; on a JupyterHub, choose the kernel the README's JupyterHub steps install")
    try:
        reply = client.execute_interactive("import helpers", timeout=60)
        ok = reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return ok, "a kernel starts and imports helpers" if ok else "a kernel starts but cannot import helpers", (
        "" if ok else "run `make venv`, then `make lab` (the kernel must be the one in .venv)")


def check_widgets() -> tuple[bool, str, str]:
    manifest = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager/package.json"
    if not manifest.is_file():
        return False, "JupyterLab's widget extension is missing: the explorers will not show", (
            "run `make clean-venv venv` (it installs jupyterlab_widgets with the pinned ipywidgets)")
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version", "?")
    return True, f"widget extension @jupyter-widgets/jupyterlab-manager {version}", ""


CHECKS: list[tuple[str, Callable[[], tuple[bool, str, str]]]] = [
    ("python", check_python), ("helpers", check_helpers), ("pins", check_pins), ("data", check_data),
    ("kernel", check_kernel), ("widgets", check_widgets),
]


def main() -> int:
    failed = 0
    for name, check in CHECKS:
        try:
            ok, what, fix = check()
        except Exception as problem:  # a check that cannot run is a failed check, with its reason
            ok, what, fix = False, f"could not check: {type(problem).__name__}: {problem}", "see the message"
        failed += not ok
        print(f"{'ok ' if ok else 'FIX'} {name:<8} {what}", flush=True)
        if fix:
            print(f"             -> {fix}")
        if name == "helpers" and not ok:
            break
    print("All checks passed: you are ready." if not failed else f"{failed} check(s) need fixing (see above).")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
