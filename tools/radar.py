"""Drift radar: the workbook against the newest release of every dependency, unpinned.

    python tools/radar.py          # `make radar`; needs the network for the install; writes build/radar.md

1. Builds ``build/radar-venv`` with the newest release of every package named in requirements.txt (no pins) and
   the workbook's helpers (uv when available, pip otherwise).
2. Runs the helpers' unit tests there with deprecation and future warnings raised *from the workbook's own
   modules* turned into errors (a warning that a library raises about its own internals is not ours to fix).
3. Executes every chapter in fast mode (claims checked, outputs not compared: new versions may print other
   digits) with the same warnings turned into errors inside the chapter's own code.
4. Writes a short report: versions found against the pins, what failed, which deprecations the workbook's code
   triggers, which claims broke.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notebooks  # noqa: E402 - tools/ must be on the path first

ROOT = notebooks.ROOT
RADAR = ROOT / "build" / "radar"
VENV = ROOT / "build" / "radar-venv"
PYTHON = VENV / "bin" / "python"
WARNINGS = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")


def pins() -> dict[str, str]:
    """The pinned versions of requirements.txt, by package name."""
    found = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[name] = version
    return found


def our_modules() -> list[str]:
    """The workbook's own module names, for warning filters that match exactly."""
    package = ROOT / "helpers"
    return sorted({"__main__"} | {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                                  for path in package.rglob("*.py")})


def warning_filters() -> list[str]:
    """``-W`` style filters: our modules' deprecation and future warnings become errors."""
    return [f"error::{category}:{module}" for category in WARNINGS for module in our_modules()]


def build_environment() -> None:
    """A fresh virtual environment with the newest release of every pinned package."""
    shutil.rmtree(VENV, ignore_errors=True)
    names = list(pins())
    uv = shutil.which("uv") or (str(ROOT / ".tools/uv/bin/uv") if (ROOT / ".tools/uv/bin/uv").exists() else None)
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(VENV)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--upgrade", "--python", str(PYTHON), *names, "-e",
                        str(ROOT)], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", *names, "-e", str(ROOT)],
                       check=True)
    _lab_settings()


def _lab_settings() -> None:
    """The same JupyterLab settings as `make venv` installs (no news pop-up)."""
    target = VENV / "share" / "jupyter" / "lab" / "settings"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "tools" / "lab-overrides.json", target / "overrides.json")


def installed() -> dict[str, str]:
    """The versions installed in the radar environment, by the names used in requirements.txt."""
    code = ("import json, sys; from importlib.metadata import version; "
            "print(json.dumps({n: version(n) for n in sys.argv[1:]}))")
    out = subprocess.run([str(PYTHON), "-c", code, *pins()], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def unit_tests() -> tuple[bool, str]:
    """Run the helpers' unit tests (not the notebooks) with our deprecations as errors."""
    command = [str(PYTHON), "-m", "pytest", "-p", "no:nbval", "-o", "addopts=", "-q", "--no-header",
               "-p", "no:cacheprovider", "tests", "--ignore=tests/test_chapters.py",
               "-k", "not matches_the_pins and not browser and not standalone"]
    for item in warning_filters():
        command += ["-W", item]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    return result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def chapters() -> list[tuple[str, float, str]]:
    """Execute each chapter in fast mode in the radar environment; return (chapter, seconds, problem or '')."""
    RADAR.mkdir(parents=True, exist_ok=True)
    results = []
    environment = dict(os.environ, PYTHONWARNINGS=",".join(warning_filters()))
    for source in notebooks.sources():
        target = RADAR / f"{source.stem}.ipynb"
        code = ("import sys; sys.path.insert(0, 'tools'); import notebooks, nbformat, pathlib; "
                f"s = pathlib.Path({str(source)!r}); t = pathlib.Path({str(target)!r}); "
                "nbformat.write(notebooks.notebook_from_source(s), t); "
                "notebooks.execute(t, t, parameters={'SEED': 1, 'FAST': True}, cwd=s.parent)")
        start = time.perf_counter()
        result = subprocess.run([str(PYTHON), "-c", code], cwd=ROOT, capture_output=True, text=True,
                                env=environment, timeout=1800)
        problem = ""
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if "ExecutionFailed" in line or "Error" in line]
            problem = (lines or result.stderr.strip().splitlines() or ["failed"])[-1][:400]
        results.append((source.stem, time.perf_counter() - start, problem))
        print(f"  {source.stem}: {'ok' if not problem else 'FAILED'} ({results[-1][1]:.0f} s)", flush=True)
    return results


def report(versions: dict[str, str], tests_ok: bool, tests_log: str, runs: list[tuple[str, float, str]]) -> str:
    """The Markdown report."""
    pinned = pins()
    lines = ["# Drift radar", "", f"Run on {time.strftime('%Y-%m-%d')} with Python {sys.version.split()[0]}.", "",
             "## Versions (newest found against the pins)", "", "| package | pinned | newest | |", "|---|---|---|---|"]
    for name, version in pinned.items():
        lines.append(f"| {name} | {version} | {versions.get(name, '?')} | "
                     f"{'' if versions.get(name) == version else 'newer'} |")
    deprecations = sorted(set(re.findall(rf"((?:{'|'.join(WARNINGS)}): [^\n]{{0,200}})", tests_log)))
    lines += ["", "## Unit tests", "", "passed" if tests_ok else "FAILED — last lines:", ""]
    if not tests_ok:
        lines += ["```", tests_log.strip()[-3000:], "```"]
    lines += ["", "## Deprecations the workbook's own code triggers", ""]
    lines += [f"- {item}" for item in deprecations] or ["none found"]
    lines += ["", "## Chapters in fast mode (SEED=1), claims checked", "", "| chapter | seconds | result |",
              "|---|---|---|"]
    for stem, seconds, problem in runs:
        lines.append(f"| {stem} | {seconds:.0f} | {'ok' if not problem else problem.replace('|', '/')} |")
    broken = [stem for stem, _, problem in runs if "ClaimBroken" in problem]
    lines += ["", "Claims broken: " + (", ".join(broken) if broken else "none"), ""]
    return "\n".join(lines)


def main() -> int:
    print("building build/radar-venv with the newest releases …", flush=True)
    build_environment()
    versions = installed()
    print("unit tests …", flush=True)
    tests_ok, tests_log = unit_tests()
    print("chapters in fast mode …", flush=True)
    runs = chapters()
    text = report(versions, tests_ok, tests_log, runs)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "radar.md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if tests_ok and not any(problem for _, _, problem in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
