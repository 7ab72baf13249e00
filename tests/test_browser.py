"""The workbook in a real browser: explorers respond in JupyterLab, and the static book reads offline.

Headless Chromium (the system's), driven by playwright; see tests/browser.py. Where Chromium is missing, these
tests skip with a message saying how to install it (under CI they fail instead).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import browser
import notebooks  # tools/notebooks.py
import pytest

EXPLORER_CHAPTERS = [source for source in notebooks.sources()
                     if "helpers.widgets." in source.read_text(encoding="utf-8")]
WAIT_MS = 120_000


def test_some_chapters_have_explorers():
    assert EXPLORER_CHAPTERS, "no chapter calls helpers.widgets: the explorer test would test nothing"


@pytest.mark.parametrize("source", EXPLORER_CHAPTERS, ids=[source.stem for source in EXPLORER_CHAPTERS])
def test_explorers_respond_in_jupyterlab(source, tmp_path):
    """Open the chapter in JupyterLab, run its set-up, its parameters and every explorer's cell, as a reader who
    jumps to an explorer would, then change a control of every explorer: its output changes. (Running every cell
    is nbval's job, and the other-seed run's; chapter 00 runs whole in the browser below.)"""
    import nbformat

    browser.need_chromium()
    name = notebooks.notebook_path(source).name
    shutil.copyfile(notebooks.notebook_path(source), tmp_path / name)
    code = [(index, cell) for index, cell in enumerate(nbformat.read(tmp_path / name, as_version=4).cells)
            if cell.cell_type == "code"]
    needed = [code[0][0]] + [index for index, cell in code if "parameters" in cell.metadata.get("tags", [])
                             or "helpers.widgets." in cell.source]
    assert len(needed) >= 3, "expected the set-up cell, the parameters cell and at least one explorer"
    with browser.jupyterlab(tmp_path, notebooks.EXECUTION_ENV) as (base, token), browser.browser() as chromium:
        page = chromium.new_page()
        page.goto(f"{base}/lab?token={token}")
        page.wait_for_function("window.jupyterapp !== undefined", timeout=WAIT_MS)
        page.evaluate(browser.OPEN_NOTEBOOK_JS, name)
        assert page.evaluate(browser.RUN_CELLS_JS, needed) is True, "running the cells did not finish cleanly"
        assert page.evaluate(browser.ERRORS_JS) == []
        explorers = page.locator(".widget-interact")
        assert explorers.count() >= 1, "no explorer rendered"
        for index in range(explorers.count()):
            explorer = explorers.nth(index)
            explorer.scroll_into_view_if_needed()
            handle = explorer.element_handle()
            page.wait_for_function("(e) => (e.querySelector('.widget-output') || {}).textContent !== undefined "
                                   "&& e.querySelector('.widget-output').innerHTML.length > 0", arg=handle,
                                   timeout=WAIT_MS)
            before = explorer.evaluate(browser.OUTPUT_JS)
            what = browser.change_a_control(explorer)
            page.wait_for_function("([e, before, js]) => (new Function('return ' + js)())(e) !== before",
                                   arg=[handle, before, browser.OUTPUT_JS], timeout=WAIT_MS)
            after = explorer.evaluate(browser.OUTPUT_JS)
            assert after != before, f"explorer {index}: {what} did not change its output"
        assert page.evaluate(browser.ERRORS_JS) == []


def test_static_book_reads_offline(tmp_path, monkeypatch):
    """Build the book from the committed notebooks, open it with every network request blocked."""
    browser.need_chromium()
    monkeypatch.setattr(notebooks, "BUILD", tmp_path)
    index = notebooks.book(execute_chapters=False)
    chapters = notebooks.sources()
    blocked = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with browser.browser() as chromium:
        page = chromium.new_page()
        page.route("**/*", only_files)
        page.goto(index.as_uri())
        links = page.locator("ol a")
        assert links.count() == len(chapters)
        links.nth(1).click()
        page.wait_for_load_state()
        assert page.url.endswith(f"{chapters[1].stem}.html")
        assert page.locator(".book-toc a").count() == len(chapters) + 1  # the chapters and the index
        assert page.locator("a[rel=next]").count() == 1 and page.locator("a[rel=prev]").count() == 1
        assert page.locator("h1").first.text_content().strip()
        figures = page.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
        assert figures >= 1, "no figure rendered"
        assert "interactive(children" not in page.content()
        page.locator("a[rel=next]").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"{chapters[2].stem}.html")
    assert blocked == [], f"the book asked the network for {blocked[:5]}"


def test_a_student_edits_saves_restores_and_runs_again(tmp_path, monkeypatch):
    """Edit a chapter in JupyterLab and save; no source file is written beside it; `make restore`'s command puts
    the notebook back as committed; it opens again and runs without error."""
    import subprocess

    import nbformat

    browser.need_chromium()
    source = notebooks.sources(["00"])[0]
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    shutil.copyfile(notebooks.notebook_path(source), chapters / notebooks.notebook_path(source).name)
    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(git + ["commit", "-qm", "published"], cwd=tmp_path, check=True)
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    monkeypatch.setattr(notebooks, "CHAPTERS", chapters)
    monkeypatch.setattr(notebooks, "SOURCES", source.parent)  # the real sources, to resolve "00"
    name = f"chapters/{notebooks.notebook_path(source).name}"
    published = (tmp_path / name).read_bytes()
    with browser.jupyterlab(tmp_path, notebooks.EXECUTION_ENV) as (base, token), browser.browser() as chromium:
        page = chromium.new_page()
        page.goto(f"{base}/lab?token={token}")
        page.wait_for_function("window.jupyterapp !== undefined", timeout=WAIT_MS)
        page.evaluate(browser.OPEN_NOTEBOOK_JS, name)
        page.evaluate(browser.EDIT_AND_SAVE_JS, "student_answer = 42")
        page.wait_for_timeout(1000)
        assert "student_answer = 42" in (tmp_path / name).read_text(encoding="utf-8"), "the edit was not saved"
        assert sorted(path.name for path in chapters.iterdir() if path.is_file()) == [Path(name).name], (
            "saving wrote a file beside the notebook (a paired source?)")
        page.evaluate(browser.CLOSE_ALL_JS)
        notebooks.restore("00")
        assert (tmp_path / name).read_bytes() == published
        page.evaluate(browser.OPEN_NOTEBOOK_JS, name)
        assert page.evaluate(browser.RUN_ALL_JS) is True
        assert page.evaluate(browser.ERRORS_JS) == []
        cells = nbformat.reads((tmp_path / name).read_text(encoding="utf-8"), as_version=4).cells
        assert all("student_answer" not in cell.source for cell in cells)
