"""Every chapter follows the conventions, matches its source, and also runs in fast mode with another seed.

nbval (``--nbval`` in pyproject.toml) separately re-runs each committed notebook and compares its outputs.
"""

from __future__ import annotations

import re

import nbformat
import notebooks  # tools/notebooks.py
import pytest

SOURCES = notebooks.sources()
IDS = [source.stem for source in SOURCES]


def test_chapter_00_exists():
    assert "00_start_here" in IDS


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_notebook_matches_its_source(source):
    assert notebooks.drift(source) == []


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_conventions(source):
    cells = notebooks.notebook_from_source(source).cells
    code = [cell for cell in cells if cell.cell_type == "code"]
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert "time to learn" in cells[0].source and "runs in" in cells[0].source
    assert re.search(r"^import helpers$", code[0].source, re.M) and "helpers.setup_notebook(" in code[0].source
    parameters = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1, "exactly one cell tagged 'parameters'"
    assert re.search(r"^SEED = ", parameters[0].source, re.M) and re.search(r"^FAST = ", parameters[0].source, re.M)
    text = "\n".join(cell.source for cell in cells)
    assert "## Key points" in text and "## Further reading" in text
    assert "../data" not in text, "load data through helpers, not through relative paths"


def test_drift_is_detected(tmp_path, monkeypatch):
    """The drift check is not vacuous: an edited source is reported."""
    source = SOURCES[0]
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8") + "\n# %%\nprint('new cell')\n", encoding="utf-8")
    (tmp_path / source.with_suffix(".ipynb").name).write_bytes(notebooks.notebook_path(source).read_bytes())
    monkeypatch.setattr(notebooks, "CHAPTERS", tmp_path)
    assert notebooks.notebook_path(copy).parent == tmp_path
    assert any("cells" in problem for problem in notebooks.drift(copy))


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_fast_mode_with_another_seed(source, tmp_path):
    """Papermill runs the chapter with SEED=1 and FAST=True, in a foreign folder; it must finish without error."""
    notebook = tmp_path / source.with_suffix(".ipynb").name
    nbformat.write(notebooks.notebook_from_source(source), notebook)
    notebooks.execute(notebook, notebook, parameters={"SEED": 1, "FAST": True}, cwd=tmp_path)
    executed = nbformat.read(notebook, as_version=4)
    injected = [cell for cell in executed.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert injected and "SEED = 1" in injected[0].source and "FAST = True" in injected[0].source
    errors = [output for cell in executed.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors
