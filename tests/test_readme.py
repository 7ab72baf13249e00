"""The README's chapter map lists every chapter, with the time to learn its opening states, and a Colab link."""

from __future__ import annotations

import re

import notebooks  # tools/notebooks.py
import pytest

from helpers.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def minutes_to_learn(source) -> int:
    """Reading plus exercise minutes, from a chapter's opening table."""
    opening = notebooks.notebook_from_source(source).cells[0].source
    found = re.search(r"(\d+) min reading, (\d+) min exercises", opening)
    assert found, f"{source.stem}: the opening table must say 'N min reading, M min exercises'"
    return int(found[1]) + int(found[2])


@pytest.mark.parametrize("source", notebooks.sources(), ids=[s.stem for s in notebooks.sources()])
def test_chapter_map_row(source):
    rows = [line for line in README.splitlines() if f"(chapters/{source.stem}.ipynb)" in line]
    assert len(rows) == 1, f"the README's chapter map must have one row for {source.stem}"
    assert f"| {minutes_to_learn(source)} min |" in rows[0], (
        f"{source.stem}: the README's time to learn differs from the chapter's opening ({minutes_to_learn(source)})")
    assert f"colab.research.google.com/github/OWNER/REPOSITORY/blob/main/chapters/{source.stem}.ipynb" in rows[0]


def test_one_placeholder_for_the_repository_address():
    """Every link to the repository uses the same placeholder, which the README says how to replace."""
    assert "OWNER/REPOSITORY" in README and "mybinder.org/v2/gh/OWNER/REPOSITORY" in README
    assert not re.search(r"github\.com/(?!OWNER/REPOSITORY)[\w.-]+/[\w.-]+/blob", README)


def test_chapter_00_map_agrees_with_the_chapters():
    """Chapter 00's own chapter map gives each chapter the time to learn its opening states."""
    start_here = notebooks.sources(["00"])[0].read_text(encoding="utf-8")
    for source in notebooks.sources():
        title = source.stem[:2]
        rows = [line for line in start_here.splitlines() if line.startswith(f"# | {title} ")]
        assert len(rows) == 1, f"chapter 00's map must have one row for chapter {title}"
        assert f"| {minutes_to_learn(source)} min |" in rows[0], (source.stem, rows[0])


def test_instructors_guide_agrees_with_the_chapters():
    """The instructor's guide gives each chapter the time to learn its opening states."""
    guide = (REPO_ROOT / "INSTRUCTORS.md").read_text(encoding="utf-8")
    for source in notebooks.sources():
        rows = [line for line in guide.splitlines() if line.startswith(f"| {source.stem[:2]} ")]
        assert rows and f"| {minutes_to_learn(source)} min |" in rows[0], (source.stem, rows[:1])
