"""Check that the environment is the one the workbook was executed with."""

from __future__ import annotations

import os
import platform
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers.notebook import package_version
from helpers.paths import REQUIREMENTS

_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s#;]+)")


def read_pins(path: str | Path = REQUIREMENTS) -> dict[str, str]:
    """Read the exact pins (``name==version``) of a requirements file, keyed by normalised name."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No requirements file at {path}; run this from a clone of the workbook.")
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def normalise(name: str) -> str:
    """Normalise a distribution name as PEP 503 does (case, '-', '_' and '.' are equivalent)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def where_running(environ: dict[str, str] | None = None) -> str:
    """Say where the kernel runs: ``"Google Colab"``, ``"Kaggle"``, ``"Binder"``, ``"a JupyterHub"`` or
    ``"this computer"`` (from the environment variables each of them sets)."""
    environ = os.environ if environ is None else environ
    if "COLAB_RELEASE_TAG" in environ or "COLAB_GPU" in environ:
        return "Google Colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in environ or "KAGGLE_URL_BASE" in environ:
        return "Kaggle"
    if "BINDER_SERVICE_HOST" in environ or "BINDER_REPO_URL" in environ:
        return "Binder"
    if "JUPYTERHUB_API_URL" in environ or "JUPYTERHUB_USER" in environ:
        return "a JupyterHub"
    return "this computer"


@dataclass
class EnvReport:
    """What :func:`check_env` found."""

    python: str
    place: str
    versions: dict[str, str | None]
    pins: dict[str, str]
    mismatches: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{len(self.mismatches)} difference(s) from the pins"
        return f"EnvReport({state}, {len(self.pins)} pinned packages, running on {self.place})"

    @property
    def ok(self) -> bool:
        """True when every pinned package is installed at its pinned version and Python is 3.11 or newer."""
        return not self.mismatches


def inspect_env(requirements: str | Path = REQUIREMENTS) -> EnvReport:
    """Compare the installed packages with the pins of ``requirements.txt``, without printing anything."""
    pins = read_pins(requirements)
    versions = {name: package_version(name) for name in pins}
    mismatches = []
    if sys.version_info < (3, 11):  # noqa: UP036 - a kernel from another environment may be older
        mismatches.append(f"Python {platform.python_version()} is older than 3.11, which the workbook needs")
    for name, wanted in pins.items():
        have = versions[name]
        if have is None:
            mismatches.append(f"{name} is not installed (pinned: {wanted})")
        elif have != wanted:
            mismatches.append(f"{name} {have} is installed, the workbook pins {wanted}")
    return EnvReport(platform.python_version(), where_running(), versions, pins, mismatches)


#: The packages whose versions decide the chapters' numbers; :func:`check_env` lists them (the others only if
#: they differ from their pins).
KEY_PACKAGES = ("numpy", "pandas", "scikit-learn", "scipy", "statsmodels", "matplotlib")


def check_env(requirements: str | Path = REQUIREMENTS, *, show_all: bool = False) -> EnvReport:
    """Print the versions of the key packages, every pinned package that differs from its pin, a summary, and
    where the kernel runs.

    Parameters
    ----------
    requirements
        The requirements file with the pins (default: the workbook's ``requirements.txt``).
    show_all
        If True, list every pinned package, not only the :data:`KEY_PACKAGES` and those that differ.

    Returns
    -------
    EnvReport
        What was found; its ``ok`` is True when everything matches.
    """
    if not isinstance(show_all, bool):
        raise TypeError(f"show_all must be True or False, got {show_all!r}")
    report = inspect_env(requirements)
    print(f"Python {report.python}, running on {report.place}.")
    shown = [name for name, wanted in report.pins.items()
             if show_all or name in KEY_PACKAGES or report.versions[name] != wanted]
    width = max((len(name) for name in shown), default=0)
    for name in shown:
        wanted = report.pins[name]
        have = report.versions[name] or "not installed"
        flag = "ok" if have == wanted else f"WARNING: pinned {wanted}"
        print(f"  {name:<{width}}  {have:<13}  {flag}")
    if report.ok:
        print(f"All {len(report.pins)} pinned packages match (the tools for tests and notebooks included): your "
              f"outputs should match the committed ones.")
    else:
        print(f"{len(report.mismatches)} difference(s) from the {len(report.pins)} pins; results may differ from "
              f"the committed ones:")
        for line in report.mismatches:
            print(f"  - {line}")
        print("Fix: run `make clean-venv lab` (or `pip install -r requirements.txt`) in the workbook's folder.")
    if report.place == "Binder":
        print("On Binder: about 2 GB of memory, and your changes are lost when the session ends; download them.")
    return report
