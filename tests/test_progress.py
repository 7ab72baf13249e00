"""Progress bars show in interactive use and never reach a committed notebook."""

from __future__ import annotations

import json

import notebooks  # tools/notebooks.py
import pytest

import helpers


def test_bar_is_off_in_executed_runs(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    bar = helpers.progress(range(3), description="work")
    assert bar.disable and list(bar) == [0, 1, 2]


@pytest.mark.parametrize("value", [None, "", "0"])
def test_bar_shows_in_interactive_use(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("TQDM_DISABLE", raising=False)
    else:
        monkeypatch.setenv("TQDM_DISABLE", value)
    bar = helpers.progress(range(3), description="work")
    assert not bar.disable and list(bar) == [0, 1, 2]
    bar.close()


@pytest.mark.parametrize("source", notebooks.sources(), ids=[s.stem for s in notebooks.sources()])
def test_no_committed_notebook_holds_a_progress_bar(source):
    cells = json.loads(notebooks.notebook_path(source).read_text(encoding="utf-8"))["cells"]
    texts = [json.dumps(output) for cell in cells for output in cell.get("outputs", [])]
    bars = [text[:80] for text in texts if "it/s]" in text or "%|" in text]
    assert not bars, f"{source.stem} holds progress-bar outputs: {bars}"
