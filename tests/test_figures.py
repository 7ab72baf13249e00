"""Every figure's numbers are checked, every figure is described, and only wall-clock cells escape comparison.

nbval compares text outputs but skips images, so a figure whose numbers changed would pass unnoticed. Each cell that
draws a figure must therefore also print the numbers it shows (text that nbval compares) or check the conclusion
drawn from it with ``helpers.claim``; a markdown cell beginning ``*Figure:`` right after it says what it shows, for
readers who cannot see it. A cell tagged ``nbval-ignore-output`` may only hold measurements that vary from run to run
(wall-clock times) or a widget.
"""

from __future__ import annotations

import re

import nbformat
import notebooks  # tools/notebooks.py
import pytest

SOURCES = notebooks.sources()
IDS = [source.stem for source in SOURCES]

#: The repr matplotlib leaves as text beside a figure: not numbers anybody can compare.
MATPLOTLIB_REPR = re.compile(r"^\s*(\[?<(Figure|Axes|matplotlib\.|mpl_toolkits\.)[^\n]*>,?\]?\s*)+$"
                             r"|^\s*(Text|Axes)\(.*\)\s*$")
#: What a cell whose output varies from run to run may hold: a time or memory measurement (a profile is one), or a
#: widget.
VOLATILE = re.compile(r"\btime\b|time\(|seconds|perf_counter|timeit|\(s\)|µs|latency|throughput|"
                      r"per second|cProfile|peak_memory|helpers\.widgets\.|_explorer\(|_playground\(")


def _cells(source):
    return nbformat.read(notebooks.notebook_path(source), as_version=4).cells


def has_image(cell) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def text_outputs(cell) -> list[str]:
    """The text a cell shows besides its figures, with matplotlib's reprs left out."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        for kind in ("text/html", "text/plain"):
            if kind in output.get("data", {}):
                texts.append(output.data[kind])
                break
    return [text for text in texts if text.strip() and not MATPLOTLIB_REPR.match(text)]


def figure_problems(cells, chapter: str) -> list[str]:
    """Figures without checked numbers or a description, and ignored cells that are not wall-clock or widgets."""
    problems = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        if has_image(cell):
            if not text_outputs(cell) and "helpers.claim(" not in cell.source:
                problems.append(f"{chapter} cell {index}: a figure with neither printed numbers nor a helpers.claim")
            following = cells[index + 1] if index + 1 < len(cells) else None
            if following is None or following.cell_type != "markdown" or not following.source.startswith("*Figure:"):
                problems.append(f"{chapter} cell {index}: the next cell is not a markdown '*Figure: ...' description")
        if "nbval-ignore-output" in cell.metadata.get("tags", []) and not VOLATILE.search(cell.source):
            problems.append(f"{chapter} cell {index}: tagged nbval-ignore-output but measures no time and shows "
                            "no widget, so its deterministic output escapes comparison")
    return problems


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_figures_are_checked_and_described(source):
    problems = figure_problems(_cells(source), source.stem)
    assert not problems, "\n".join(problems)


def _code(source, outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(source, outputs=list(outputs))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


IMAGE = nbformat.v4.new_output("display_data",
                               data={"image/png": "iVBOR", "text/plain": "<Figure size 700x400 with 1 Axes>"})
LINES = nbformat.v4.new_output("execute_result", data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f>]"})
TABLE = nbformat.v4.new_output("stream", name="stdout", text="arm  share\nA    0.25\n")
DESCRIBED = nbformat.v4.new_markdown_cell("*Figure: the share of each arm.*")


def test_a_figure_with_only_matplotlib_reprs_is_reported():
    problems = figure_problems([_code("ax.plot(x)", [LINES, IMAGE]), DESCRIBED], "99_demo")
    assert problems == ["99_demo cell 0: a figure with neither printed numbers nor a helpers.claim"]
    wrapped = nbformat.v4.new_output("execute_result", data={
        "text/plain": "[<matplotlib.lines.Line2D at 0x7f>,\n <matplotlib.lines.Line2D at 0x7e>]"})
    title = nbformat.v4.new_output("execute_result", data={"text/plain": "Text(0.5, 1.0, 'Share by arm')"})
    for output in (wrapped, title):
        assert len(figure_problems([_code("ax.plot(x)", [output, IMAGE]), DESCRIBED], "99_demo")) == 1


def test_a_figure_with_a_table_or_a_claim_and_a_description_passes():
    assert figure_problems([_code("ax.plot(x)\nprint(t)", [TABLE, IMAGE]), DESCRIBED], "99_demo") == []
    assert figure_problems([_code("ax.plot(x)\nhelpers.claim(a > b, 'a beats b')", [IMAGE]), DESCRIBED],
                           "99_demo") == []


def test_a_figure_without_its_description_is_reported():
    undescribed = nbformat.v4.new_markdown_cell("The share of each arm.")
    assert figure_problems([_code("print(t)", [TABLE, IMAGE]), undescribed], "99_demo") == [
        "99_demo cell 0: the next cell is not a markdown '*Figure: ...' description"]
    assert len(figure_problems([_code("print(t)", [TABLE, IMAGE])], "99_demo")) == 1


def test_an_ignored_cell_must_measure_time_or_show_a_widget():
    ignored = [_code("pd.Series(shares)", tags=["nbval-ignore-output"]),
               _code("elapsed = time.perf_counter() - start", tags=["nbval-ignore-output"]),
               _code("helpers.widgets.bandit_playground()", tags=["nbval-ignore-output"])]
    assert figure_problems(ignored, "99_demo") == [
        "99_demo cell 0: tagged nbval-ignore-output but measures no time and shows no widget, "
        "so its deterministic output escapes comparison"]
