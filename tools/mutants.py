"""Mutation testing of the helpers that hold logic: `make mutants [MODULES="abtest bandits"]`.

mutmut (configured in pyproject.toml, [tool.mutmut]) puts one small bug at a time into a copy of helpers/ (a
flipped comparison, a changed constant, a dropped argument) and runs the unit tests that reach that code. A mutant
is *killed* when a test fails (or times out), and *survives* when every test passes. A survivor is either a gap in
the tests or an *equivalent* mutant, one that changes no behaviour; equivalents are listed, one line of reason
each, in tests/mutants_equivalent.txt and left out of the score.

This script runs mutmut, then writes build/mutants.md: per module, mutants, killed, equivalent, survivors and the
score (killed / non-equivalent), beside the target; then every survivor that is not listed as equivalent. It exits
with status 1 when a module is below the target. mutmut needs fork(): Linux or macOS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS_DIR = ROOT / "mutants"
REPORT = ROOT / "build" / "mutants.md"
LOG = ROOT / "build" / "mutants.log"
EQUIVALENT = ROOT / "tests" / "mutants_equivalent.txt"
MODULES = ("abtest", "bandits", "simulate", "scorer", "production", "data", "exercises")
TARGET = 0.85
DETECTED = {"killed", "timeout", "segfault", "caught by type check"}


def module_of(mutant: str) -> str:
    """'helpers.exercises.ch03.x_check__mutmut_4' -> 'exercises'; 'helpers.abtest.x_f__mutmut_1' -> 'abtest'."""
    parts = mutant.split(".")
    if len(parts) < 3 or parts[0] != "helpers":
        raise ValueError(f"mutant name {mutant!r}: expected 'helpers.<module>.<function>__mutmut_<n>'")
    return parts[1]


def read_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """Mutant name -> reason, from lines 'name  reason' ('#' starts a comment). A name without a reason is refused."""
    equivalent: dict[str, str] = {}
    if not path.exists():
        return equivalent
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"{path.name} line {number}: {name!r} has no reason; write 'name  why it is equivalent'")
        equivalent[name] = reason.strip()
    return equivalent


def read_results(mutants_dir: Path = MUTANTS_DIR) -> dict[str, str]:
    """Mutant name -> mutmut's status ('killed', 'survived', 'no tests', 'timeout', 'not checked', ...)."""
    from mutmut.stats import status_by_exit_code

    results: dict[str, str] = {}
    for meta in sorted((mutants_dir / "helpers").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            results[name] = status_by_exit_code[code]
    return results


def summarise(results: dict[str, str], equivalent: dict[str, str], modules=MODULES):
    """Per module: counts and score; and the survivors not listed as equivalent, by module."""
    rows, open_survivors = [], defaultdict(list)
    by_module: dict[str, Counter] = defaultdict(Counter)
    for name, status in results.items():
        module = module_of(name)
        if name in equivalent and status not in DETECTED:
            status = "equivalent"
        elif status not in DETECTED and status != "not checked":
            open_survivors[module].append((name, status))
        by_module[module][status] += 1
    for module in modules:
        counts = by_module.get(module, Counter())
        total = sum(counts.values())
        killed = sum(counts[s] for s in DETECTED)
        judged = total - counts["equivalent"] - counts["not checked"]
        score = killed / judged if judged else float("nan")
        rows.append({"module": module, "mutants": total, "killed": killed, "equivalent": counts["equivalent"],
                     "survived": judged - killed, "not checked": counts["not checked"], "score": score})
    return rows, open_survivors


def write_report(rows, open_survivors, equivalent, path: Path = REPORT) -> str:
    lines = ["# Mutation testing (`make mutants`)", "",
             f"Score = killed / (mutants − equivalent − not checked); target {TARGET:.0%} in every module.", "",
             "| module | mutants | killed | equivalent | survived | not checked | score | target met |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        met = "yes" if r["score"] >= TARGET else "**no**"
        lines.append(f"| {r['module']} | {r['mutants']} | {r['killed']} | {r['equivalent']} | {r['survived']} "
                     f"| {r['not checked']} | {r['score']:.1%} | {met} |")
    lines += ["", "## Survivors (not listed as equivalent)", ""]
    for module in sorted(open_survivors):
        lines.append(f"- {module}: " + ", ".join(f"`{n}` ({s})" for n, s in sorted(open_survivors[module])))
    if not open_survivors:
        lines.append("None.")
    lines += ["", f"Equivalent mutants listed in {EQUIVALENT.relative_to(ROOT)}: {len(equivalent)}.",
              "Show one mutant's change: `.venv/bin/mutmut show NAME`.", ""]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"modules to mutate (default: all of {', '.join(MODULES)})")
    parser.add_argument("--report-only", action="store_true", help="write the report from the last run's results")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once (default 2)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"modules: unknown {unknown}; expected some of {list(MODULES)}")
    modules = tuple(args.modules) or MODULES
    if not args.report_only:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   TQDM_DISABLE="1", MPLBACKEND="Agg")
        names = [f"helpers.{m}.*" for m in args.modules]
        mutmut = Path(sys.executable).with_name("mutmut")
        LOG.parent.mkdir(parents=True, exist_ok=True)
        print(f"Running mutmut on {', '.join(modules)} (progress in {LOG.relative_to(ROOT)}); this takes minutes.")
        with LOG.open("w", encoding="utf-8") as log:
            run = subprocess.run([str(mutmut), "run", "--max-children", str(args.max_children), *names],
                                 cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if run.returncode != 0:
            print(f"mutmut stopped with status {run.returncode}; see {LOG}", file=sys.stderr)
            return run.returncode
    equivalent = read_equivalent()
    rows, open_survivors = summarise(read_results(), equivalent, modules)
    print(write_report(rows, open_survivors, equivalent))
    return 0 if all(r["score"] >= TARGET for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
