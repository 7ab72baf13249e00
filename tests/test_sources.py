"""Authoring sources stay out of the students' way and survive a jupytext round trip unchanged."""

from __future__ import annotations

import json

import jupytext
import notebooks  # tools/notebooks.py
import pytest

SOURCES = notebooks.sources()
IDS = [source.stem for source in SOURCES]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_source_survives_a_jupytext_round_trip_byte_for_byte(source):
    text = source.read_text(encoding="utf-8")
    assert jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent") == text


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_committed_notebook_is_not_paired_and_has_no_empty_tags(source):
    notebook = json.loads(notebooks.notebook_path(source).read_text(encoding="utf-8"))
    assert "jupytext" not in notebook["metadata"], "pairing metadata would let JupyterLab write the source"
    assert not [index for index, cell in enumerate(notebook["cells"]) if cell["metadata"].get("tags") == []]


def test_sources_live_outside_the_students_folder():
    assert all(source.parent == notebooks.SOURCES for source in SOURCES), "sources belong in sources/"
    assert not list(notebooks.CHAPTERS.glob("*.py")), "chapters/ holds the notebooks students open, nothing else"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_first_cell_installs_the_package_only_in_colab_or_kaggle(source):
    first = next(cell for cell in notebooks.notebook_from_source(source).cells if cell.cell_type == "code").source
    assert 'if "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ:' in first
    assert "git+https://github.com/OWNER/REPOSITORY@v" in first and "prototype-to-production @" in first
    assert first.rstrip().endswith("helpers.setup_notebook()")


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_no_heading_is_stuck_in_a_code_cell(source):
    """A `# ## Heading` comment in a code cell means a forgotten `# %% [markdown]` marker: the section disappears."""
    import re

    stuck = [line for cell in notebooks.notebook_from_source(source).cells if cell.cell_type == "code"
             for line in cell.source.splitlines() if re.match(r"# #{1,4} \S", line)]
    assert not stuck, f"{source.stem}: headings inside code cells: {stuck}"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_cells_stay_short_and_warnings_are_silenced_one_by_one(source):
    cells = notebooks.notebook_from_source(source).cells
    long = [index for index, cell in enumerate(cells)
            if cell.cell_type == "code" and len(cell.source.splitlines()) > 25]
    assert not long, f"{source.stem}: code cells over 25 lines: {long}"
    blanket = [index for index, cell in enumerate(cells)
               if 'simplefilter("ignore")' in cell.source or 'filterwarnings("ignore")' in cell.source]
    assert not blanket, f"{source.stem}: blanket warning filters in cells {blanket}; silence one warning by message"
