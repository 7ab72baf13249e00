"""Check that every pin in requirements.txt installs from wheels on every supported platform and Python.

    python tools/platforms.py            # needs the network (PyPI); `make platforms`; CI's set-up step runs it

For each combination (Linux x86_64, macOS arm64, Windows amd64 × Python 3.11, 3.12, 3.13) pip resolves the whole
list as a dry run, from binary wheels only, for that platform. Where a combination fails, each pin is tried alone
(without dependencies) to name the pins that have no wheel there. Exit status 1 when any combination fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
INDEX = "https://pypi.org/simple"

#: The supported matrix, as the README states it: pip platform tags per operating system, and Python versions.
PLATFORMS = {
    "Linux x86_64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
                     "manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64"],
    "macOS arm64": [f"macosx_{major}_0_arm64" for major in (14, 13, 12, 11)] + ["macosx_10_9_universal2"],
    "Windows amd64": ["win_amd64"],
}
PYTHONS = ["3.11", "3.12", "3.13"]


def read_pins(path: Path = REQUIREMENTS) -> list[str]:
    """The ``name==version`` lines of a requirements file, comments and blanks dropped."""
    pins = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [pin for pin in pins if pin]


def pip_command(platform_tags: list[str], python: str, target: str, *requirements: str, no_deps: bool = False
                ) -> list[str]:
    """The pip dry-run command that resolves ``requirements`` from wheels for one platform and Python."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
               "--only-binary=:all:", "--index-url", INDEX, "--target", target,
               "--python-version", python, "--implementation", "cp"]
    for tag in platform_tags:
        command += ["--platform", tag]
    if no_deps:
        command.append("--no-deps")
    return command + list(requirements)


def unresolvable(stderr: str) -> list[str]:
    """The requirements pip names as having no matching distribution."""
    return sorted(set(re.findall(r"Could not find a version that satisfies the requirement (\S+)", stderr)))


def check(platform: str, python: str, pins: list[str]) -> list[str]:
    """Problems of one combination: an empty list when every pin resolves from wheels."""
    environment = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    tags = PLATFORMS[platform]
    with tempfile.TemporaryDirectory() as target:
        whole = subprocess.run(pip_command(tags, python, target, *pins), capture_output=True, text=True,
                               env=environment, timeout=600)
        if whole.returncode == 0:
            return []
        problems = []
        for pin in pins:
            alone = subprocess.run(pip_command(tags, python, target, pin, no_deps=True), capture_output=True,
                                   text=True, env=environment, timeout=300)
            if alone.returncode != 0:
                problems.append(f"{pin}: no wheel for {platform}, Python {python}")
        if not problems:  # every pin has a wheel, but a dependency of one does not, or the set conflicts
            names = unresolvable(whole.stderr) or [whole.stderr.strip().splitlines()[-1][:200]]
            problems.append(f"the whole list does not resolve: {', '.join(names)}")
        return problems


def main() -> int:
    probe = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"pip is not available in {sys.executable} ({probe.stderr.strip()[-200:]}): "
              "run `make clean-venv venv`", file=sys.stderr)
        return 2
    pins = read_pins()
    failed = 0
    print(f"{len(pins)} pins from {REQUIREMENTS.name}, wheels only, from {INDEX}")
    for platform in PLATFORMS:
        for python in PYTHONS:
            problems = check(platform, python, pins)
            failed += bool(problems)
            print(f"  {platform:<14} Python {python}: " + ("ok" if not problems else "FAILS"), flush=True)
            for problem in problems:
                print(f"      {problem}")
    total = len(PLATFORMS) * len(PYTHONS)
    print(f"{total - failed} of {total} combinations install" + ("" if not failed else
          "; fix the pins named above, or the supported matrix in the README"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
