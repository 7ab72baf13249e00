"""Build, execute, measure and check the chapters.

Each chapter's source of truth is ``chapters/NN_name.py`` (jupytext, py:percent). From it:

    python tools/notebooks.py sync      [NN ...]   write chapters/NN_name.ipynb without outputs
    python tools/notebooks.py execute   [NN ...]   sync, then execute with papermill and save the outputs
    python tools/notebooks.py book [--committed]   execute into build/ and write a static book (build/book/)
    python tools/notebooks.py measure   [NN ...]   execution time and the kernel's peak memory, per chapter
                                 [--cells N]       ... and each chapter's N slowest cells
    python tools/notebooks.py check                fail when a committed notebook differs from its source
    python tools/notebooks.py restore NN           put chapter NN's notebook back as committed (a student's reset)

The Makefile calls these; run them from the workbook's folder with its virtual environment active.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import time
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
SOURCES = ROOT / "sources"
BUILD = ROOT / "build"
KERNEL = "python3"
KERNELSPEC = {"name": KERNEL, "display_name": "Python 3 (ipykernel)", "language": "python"}

#: The settings under which chapters are executed: no progress bars (deterministic outputs); one OpenMP thread,
#: because scikit-learn's gradient boosting can stall for minutes with spinning OpenMP threads when another
#: process shares the cores (its results do not depend on the thread count); BLAS capped as in Binder's ``start``.
#: Every execution is bounded in time: a cell that runs longer than this, or a kernel that does not start or answer,
#: stops the run with a message that names the chapter and the cell. (Runs that sat idle until this limit after a
#: widget cell came from a missed wake-up in the client; :func:`_poll_in_slices` bounds that to a second.)
CELL_TIMEOUT = 300
STARTUP_TIMEOUT = 120

#: Each chapter's execution-time budget in seconds (2 cores, executed-run settings) and the kernel memory budget.
BUDGET_SECONDS = {"00": 5, "01": 15, "02": 15, "03": 12, "04": 13, "05": 20, "06": 20}
BUDGET_MB = 1024

EXECUTION_ENV = {
    "TQDM_DISABLE": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
}


#: The longest single wait for a kernel message, in seconds (see :func:`_poll_in_slices`).
POLL_SLICE = 1.0


def _poll_in_slices() -> None:
    """Make the asynchronous kernel client (papermill and nbclient) wait for messages in slices of POLL_SLICE s.

    nbclient waits for a cell's reply with one zmq poll as long as the cell's time limit. After a cell that
    creates ipywidgets, that poll sometimes misses its wake-up and returns only when the limit expires, with the
    reply that had been waiting all along (jupyter/nbclient issue #312; here about one widget cell in twenty, so
    a chapter with explorers took five minutes longer now and then). A poll that ends finds the waiting message,
    so polling in one-second slices bounds the lost time to a second; the time limits stay as they are.
    """
    from jupyter_client.channels import AsyncZMQSocketChannel

    if not getattr(AsyncZMQSocketChannel.get_msg, "sliced", False):
        AsyncZMQSocketChannel.get_msg = _sliced(AsyncZMQSocketChannel.get_msg)


def _sliced(get_msg):
    """``get_msg(channel, timeout)`` as repeated waits of at most POLL_SLICE seconds, up to the same deadline."""
    from queue import Empty

    async def sliced(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(self, timeout=POLL_SLICE if left is None else min(POLL_SLICE, left))
            except Empty:
                if left is not None and left <= POLL_SLICE:
                    raise

    sliced.sliced = True
    return sliced


def _sources_dir() -> Path:
    """Where the authoring sources live: ``sources/`` beside the students' ``chapters/``."""
    return SOURCES if SOURCES.is_dir() else CHAPTERS


def notebook_path(source: Path) -> Path:
    """The committed notebook that students open, generated from ``source``: ``chapters/NN_name.ipynb``."""
    return CHAPTERS / f"{source.stem}.ipynb"


def sources(selected: list[str] | None = None) -> list[Path]:
    """The chapter sources, optionally only those whose number (``"00"``) or name is in ``selected``."""
    found = sorted(path for path in _sources_dir().glob("[0-9][0-9]_*.py"))
    if selected:
        found = [path for path in found if path.stem[:2] in selected or path.stem in selected]
        if not found:
            raise SystemExit(f"no chapter matches {selected}; chapters: {[p.stem for p in sources()]}")
    return found


def notebook_from_source(source: Path) -> nbformat.NotebookNode:
    """Read a py:percent source as a notebook without outputs, with the workbook's kernel and no pairing.

    The notebook carries no jupytext metadata: a student's edits in JupyterLab stay in the notebook and never
    reach the source, so restoring a notebook from git always gives a notebook that opens.
    """
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:03d}"  # stable ids keep the committed notebooks' diffs small
    return notebook


def sync(source: Path) -> Path:
    """Write ``source``'s notebook into chapters/, without outputs; return its path."""
    target = notebook_path(source)
    nbformat.write(notebook_from_source(source), target)
    return target


def _clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes on every run although the outputs do not: timestamps, durations, widget models."""
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)  # widget models get new random ids on every run; they need a kernel
    notebook.metadata.pop("jupytext", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:  # papermill adds empty tag lists that the sources do not have
            cell.metadata.pop("tags")
    return notebook


class ExecutionFailed(RuntimeError):
    """A chapter's execution stopped: an error, a cell over its time limit, or a kernel that did not answer."""


def _where(notebook: nbformat.NotebookNode) -> str:
    """The cell a papermill run stopped in (the one still marked running or failed), for error messages."""
    added = ("papermill-error-cell-tag", "injected-parameters")  # cells papermill inserts; not in the source
    cells = [cell for cell in notebook.cells if not set(cell.get("metadata", {}).get("tags", [])) & set(added)]
    for index, cell in enumerate(cells):
        if cell.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed"):
            first = (cell.source.strip().splitlines() or [""])[0][:70]
            return f"cell {index} (begins {first!r})"
    return "before the first cell (kernel start)"


def _timed_out_cell(notebook: nbformat.NotebookNode, message: str) -> str | None:
    """The cell whose source nbclient's time-out message previews, as "cell N (begins ...)"."""
    code = [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    for index, cell in code:
        first = (cell.source.strip().splitlines() or [""])[0]
        if cell.source.strip() and cell.source.strip()[:200] in message:
            return f"cell {index} (begins {first[:70]!r})"
    return None


def execute(notebook_path: Path, output: Path, parameters: dict | None = None, cwd: Path | None = None) -> None:
    """Execute a notebook with papermill, in a kernel started in ``cwd`` (the chapter's folder by default).

    Each cell may take at most ``CELL_TIMEOUT`` seconds and the kernel ``STARTUP_TIMEOUT`` seconds to start; a
    failure raises :class:`ExecutionFailed` naming the notebook and the cell.
    """
    import papermill

    os.environ.update(EXECUTION_ENV)
    _poll_in_slices()
    try:
        papermill.execute_notebook(
            str(notebook_path), str(output), parameters=parameters or {}, kernel_name=KERNEL,
            cwd=str(cwd or notebook_path.parent), progress_bar=False, log_output=False,
            execution_timeout=CELL_TIMEOUT, start_timeout=STARTUP_TIMEOUT,
        )
    except Exception as problem:
        where = _where(nbformat.read(output, as_version=4)) if output.is_file() else "before the first cell"
        lines = [line for line in str(problem).strip().splitlines() if line.strip("- ")]
        summary = (lines or [type(problem).__name__])[-1][:300]
        if "timed out" in str(problem):  # nbclient's message quotes the cell; find it in the source
            where = _timed_out_cell(nbformat.read(notebook_path, as_version=4), str(problem)) or where
            summary = f"no answer within {CELL_TIMEOUT} s"
        raise ExecutionFailed(f"{notebook_path.name} stopped in {where}: {type(problem).__name__}: "
                              f"{summary}") from problem
    nbformat.write(_clean(nbformat.read(output, as_version=4)), output)


def measure(source: Path, cell_times: list | None = None) -> tuple[float, float, float]:
    """Execute a chapter once in a fresh kernel; return wall seconds, the kernel's peak memory in MB and the CPU
    seconds of the kernel and the processes it waited for (CPU time barely grows when other programs share the
    cores, so it compares runs on a busy machine).

    When ``cell_times`` is a list, (seconds, cell index, first line) of every code cell is appended to it.
    """
    from nbclient import NotebookClient

    os.environ.update(EXECUTION_ENV)
    _poll_in_slices()
    notebook = notebook_from_source(source)
    client = NotebookClient(notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT, startup_timeout=STARTUP_TIMEOUT,
                            raise_on_iopub_timeout=True, resources={"metadata": {"path": str(source.parent)}})
    probe = nbformat.v4.new_code_cell(
        "import resource as _r; _s, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN)\n"
        "print(_s.ru_maxrss, _s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime)")
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            began = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except Exception as problem:
                first = (cell.source.strip().splitlines() or [""])[0][:70]
                summary = (str(problem).strip().splitlines() or [type(problem).__name__])[-1][:300]
                raise ExecutionFailed(f"{source.stem} stopped in cell {index} (begins {first!r}): "
                                      f"{type(problem).__name__}: {summary}") from problem
            if cell_times is not None and cell.cell_type == "code":
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                cell_times.append((time.perf_counter() - began, index, first[:80]))
        seconds = time.perf_counter() - start
        notebook.cells.append(probe)
        client.execute_cell(probe, len(notebook.cells) - 1)
    peak_kb, cpu = probe.outputs[0]["text"].split()  # Linux reports ru_maxrss in kilobytes
    return seconds, int(peak_kb) / 1024, float(cpu)


def drift(source: Path) -> list[str]:
    """Differences between a source and its committed notebook (cell types, sources, tags); empty if none."""
    target = notebook_path(source)
    if not target.is_file():
        return [f"{target.name} is missing: run `make execute`"]
    want = notebook_from_source(source).cells
    have = nbformat.read(target, as_version=4).cells
    problems = []
    if len(want) != len(have):
        problems.append(f"{target.name}: {len(have)} cells, its source has {len(want)}")
    for index, (a, b) in enumerate(zip(want, have, strict=False)):
        if a.cell_type != b.cell_type or a.source.strip() != b.source.strip():
            first = (a.source.strip().splitlines() or [""])[0][:60]
            problems.append(f"{target.name}: cell {index} differs from its source (source begins {first!r})")
        elif sorted(a.metadata.get("tags", [])) != sorted(b.metadata.get("tags", [])):
            problems.append(f"{target.name}: cell {index} has tags {b.metadata.get('tags', [])}, "
                            f"its source {a.metadata.get('tags', [])}")
    if any(cell.cell_type == "code" and cell.get("execution_count") is None and cell.source.strip()
           for cell in have):
        problems.append(f"{target.name}: has code cells that were never executed: run `make execute`")
    return problems


def _title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """A chapter's title: the first level-1 heading of its markdown."""
    return next((line.lstrip("# ").strip() for cell in notebook.cells if cell.cell_type == "markdown"
                 for line in cell.source.splitlines() if line.startswith("# ")), fallback)


def _summary(notebook: nbformat.NotebookNode) -> str:
    """A chapter's one-line summary: the "You will learn to" sentence of its opening, as plain text."""
    opening = notebook.cells[0].source if notebook.cells else ""
    for line in opening.splitlines():
        if "learn" in line and not line.startswith("|"):
            return line.replace("**", "").strip()
    return ""


EXPLORER_NOTE = ("<div class='book-explorer'>An interactive explorer is here when you run the chapter in Jupyter; "
                 "the static figure next to it shows the same function for a few settings.</div>")


def _static(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace widget outputs, which need a kernel, with a short note."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                output["data"] = {"text/html": EXPLORER_NOTE, "text/plain": "(interactive explorer)"}
    return notebook


def book(execute_chapters: bool = True) -> Path:
    """Write build/book/: one page per chapter with a table of contents and previous/next links, and an index.

    With ``execute_chapters`` (the default, ``make book``) every chapter is executed afresh into build/notebooks;
    without it the committed notebooks, whose outputs the tests prove equal to a fresh run, are used. The pages
    load nothing from the network: figures are embedded, and no script or style comes from a CDN.
    """
    from nbconvert import HTMLExporter

    notebooks, pages = BUILD / "notebooks", BUILD / "book"
    for folder in (notebooks, pages):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    chapters = []
    for source in sources():
        executed = notebooks / f"{source.stem}.ipynb"
        if execute_chapters:
            nbformat.write(notebook_from_source(source), executed)
            start = time.perf_counter()
            execute(executed, executed, cwd=source.parent)
            print(f"executed {source.stem} in {time.perf_counter() - start:.1f} s", flush=True)
        elif notebook_path(source).is_file():
            shutil.copyfile(notebook_path(source), executed)
        else:
            raise SystemExit(f"{notebook_path(source).name} is missing: run `make execute`")
        notebook = nbformat.read(executed, as_version=4)
        chapters.append({"stem": source.stem, "title": _title(notebook, source.stem), "notebook": notebook,
                         "summary": _summary(notebook)})
    toc = [{"stem": chapter["stem"], "title": chapter["title"]} for chapter in chapters]
    exporter = HTMLExporter(template_name="book_template", extra_template_basedirs=[str(ROOT / "tools")])
    for index, chapter in enumerate(chapters):
        notebook = _static(chapter["notebook"])
        notebook.metadata["title"] = chapter["title"]
        book_resources = {"toc": toc, "current": chapter["stem"],
                          "previous": toc[index - 1] if index > 0 else None,
                          "next": toc[index + 1] if index + 1 < len(toc) else None}
        body, _ = exporter.from_notebook_node(notebook, resources={"book": book_resources})
        (pages / f"{chapter['stem']}.html").write_text(body, encoding="utf-8")
    entries = "".join(f'<li><a href="{c["stem"]}.html">{html.escape(c["title"])}</a>'
                      f'<br><span>{html.escape(c["summary"])}</span></li>' for c in chapters)
    index_page = pages / "index.html"
    index_page.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1.0'>"
        "<title>From Prototype to Production</title><style>body{font:16px/1.5 sans-serif;max-width:46rem;"
        "margin:2rem auto;padding:0 1rem} li{margin:0.8rem 0} span{color:#444}</style></head><body>"
        "<h1>From Prototype to Production</h1><p>An executable workbook: from an analytics team's prototype "
        "model to production, and to testing it on live traffic. These pages show every chapter executed; "
        "to run and change them, open the notebooks in Jupyter.</p><h2>Chapters</h2><ol start='0'>"
        + entries + "</ol></body></html>\n", encoding="utf-8")
    return index_page


def restore(chapter: str) -> Path:
    """Put a chapter's notebook back as committed (``git checkout``), throwing away a student's edits."""
    import subprocess

    matches = sources([chapter]) if chapter else []
    if len(matches) != 1:
        raise SystemExit(f"say which chapter to restore, one of {[s.stem[:2] for s in sources()]}: "
                         "make restore CHAPTER=03")
    target = notebook_path(matches[0])
    subprocess.run(["git", "checkout", "--", str(target.relative_to(ROOT))], cwd=ROOT, check=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sync", "execute", "book", "measure", "check", "restore"])
    parser.add_argument("chapters", nargs="*", help="chapter numbers such as 00 01 (default: all)")
    parser.add_argument("--cells", type=int, default=0, metavar="N",
                        help="measure: also list each chapter's N slowest cells (a profile)")
    parser.add_argument("--committed", action="store_true",
                        help="book: use the committed notebooks instead of executing the chapters again")
    args = parser.parse_args(argv)
    if args.command == "sync":
        for source in sources(args.chapters):
            print(f"wrote {sync(source).relative_to(ROOT)}")
    elif args.command == "execute":
        for source in sources(args.chapters):
            start = time.perf_counter()
            target = sync(source)
            execute(target, target)
            print(f"executed {target.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    elif args.command == "book":
        print(f"wrote {book(execute_chapters=not args.committed).relative_to(ROOT)}")
    elif args.command == "measure":
        print(f"{'chapter':<32} {'seconds':>8} {'budget s':>9} {'kernel peak MB':>15} {'budget MB':>10} "
              f"{'CPU s':>6}")
        total = total_cpu = 0.0
        for source in sources(args.chapters):
            cell_times: list = []
            seconds, peak, cpu = measure(source, cell_times)
            total += seconds
            total_cpu += cpu
            budget = BUDGET_SECONDS.get(source.stem[:2])
            over = " over budget" if (budget and seconds > budget) or peak > BUDGET_MB else ""
            print(f"{source.stem:<32} {seconds:8.1f} {budget or '-':>9} {peak:15.0f} {BUDGET_MB:>10} {cpu:6.1f}"
                  f"{over}", flush=True)
            for cell_seconds, index, first in sorted(cell_times, reverse=True)[:args.cells]:
                print(f"    cell {index:3d} {cell_seconds:6.2f} s  {first}", flush=True)
        print(f"{'total':<32} {total:8.1f} {'':>9} {'':>15} {'':>10} {total_cpu:6.1f}")
    elif args.command == "restore":
        target = restore(args.chapters[0] if len(args.chapters) == 1 else "")
        print(f"restored {target.relative_to(ROOT)} as committed; open it again in JupyterLab")
    elif args.command == "check":
        problems = [problem for source in sources() for problem in drift(source)]
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        print(f"{len(sources())} chapter(s): notebooks match their sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
