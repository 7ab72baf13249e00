"""Soak test: execute one notebook many times in fresh kernels and count hangs, errors and run times.

    python tools/soak.py --runs 300 [--notebook chapters/00_start_here.ipynb] [--kernel python3]
                         [--cell-timeout 60]

A run "hangs" when a cell (or the kernel's start) does not answer within ``--cell-timeout`` seconds although
it normally takes a fraction of that: the kernel and the client then wait on each other. Run on demand
(``make soak``), never in ``make test``: a few hundred runs take many minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebooks import CHAPTERS, EXECUTION_ENV, _poll_in_slices  # noqa: E402 - tools/ must be on the path first


def _last_line(problem: Exception) -> str:
    """The informative end of an execution error (the exception line), not its long preamble."""
    lines = [line.strip() for line in str(problem).splitlines() if line.strip()]
    return (lines or [type(problem).__name__])[-1][:200]


def soak(notebook: Path, runs: int, kernel: str, cell_timeout: int) -> dict:
    """Execute ``notebook`` ``runs`` times; return counts of hangs and errors and the run times."""
    template = nbformat.read(notebook, as_version=4)
    for cell in template.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    os.environ.update(EXECUTION_ENV)
    _poll_in_slices()  # as every executed run: a missed wake-up after a widget cell costs a second, not a hang
    seconds, hangs, errors = [], [], []
    for run in range(runs):
        copy = nbformat.from_dict(template)
        client = NotebookClient(copy, kernel_name=kernel, timeout=cell_timeout, startup_timeout=cell_timeout,
                                raise_on_iopub_timeout=True, resources={"metadata": {"path": str(notebook.parent)}})
        start = time.perf_counter()
        try:
            client.execute()
            seconds.append(time.perf_counter() - start)
        except (CellTimeoutError, TimeoutError, RuntimeError) as problem:  # RuntimeError: kernel did not start
            hangs.append(f"run {run}: {type(problem).__name__}: {_last_line(problem)}")
        except (CellExecutionError, DeadKernelError) as problem:
            errors.append(f"run {run}: {type(problem).__name__}: {_last_line(problem)}")
        print(f"\rrun {run + 1}/{runs}: {len(hangs)} hang(s), {len(errors)} error(s)", end="", flush=True)
    print()
    return {"runs": runs, "hangs": hangs, "errors": errors, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--notebook", type=Path, default=CHAPTERS / "00_start_here.ipynb")
    parser.add_argument("--kernel", default="python3")
    parser.add_argument("--cell-timeout", type=int, default=60)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    result = soak(args.notebook, args.runs, args.kernel, args.cell_timeout)
    from importlib.metadata import version

    times = result["seconds"]
    print(f"notebook {args.notebook.name}, kernel {args.kernel}, ipykernel (client side) {version('ipykernel')}, "
          f"jupyter_client {version('jupyter_client')}, nbclient {version('nbclient')}, pyzmq {version('pyzmq')}")
    print(f"{result['runs']} runs: {len(result['hangs'])} hang(s), {len(result['errors'])} error(s); "
          + (f"median {statistics.median(times):.2f} s, max {max(times):.2f} s" if times else "no run finished"))
    for line in result["hangs"] + result["errors"]:
        print("  " + line)
    return 1 if result["hangs"] or result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
