"""JupyterHub classes: the nbgitpuller link generator, and nbgitpuller's merge keeping a student's edits."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import parse_qs, urlparse

import hub_link  # tools/hub_link.py
import pytest
from nbgitpuller.pull import GitPuller


def test_link_for_a_chapter():
    link = hub_link.hub_link("https://hub.example.edu/", "https://github.com/someone/p2p-workbook.git", "03")
    parsed = urlparse(link)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://hub.example.edu/hub/user-redirect/git-pull"
    query = parse_qs(parsed.query)
    assert query["repo"] == ["https://github.com/someone/p2p-workbook.git"] and query["branch"] == ["main"]
    assert query["urlpath"] == ["lab/tree/p2p-workbook/chapters/03_ab_testing.ipynb"]


def test_link_without_a_chapter_opens_the_folder():
    link = hub_link.hub_link("https://hub.example.edu", "https://github.com/someone/workbook", branch="v1")
    query = parse_qs(urlparse(link).query)
    assert query["urlpath"] == ["lab/tree/workbook/chapters"] and query["branch"] == ["v1"]


@pytest.mark.parametrize(("arguments", "message"), [
    (("hub.example.edu", "https://github.com/a/b"), "hub must be a full address"),
    (("https://hub.example.edu", "github.com/a/b"), "repo must be a full address"),
    (("https://hub.example.edu", "https://github.com/a/b", "99"), "chapter must be one of"),
])
def test_link_rejects_bad_input(arguments, message):
    with pytest.raises(ValueError, match=message):
        hub_link.hub_link(*arguments)


def git(folder, *args):
    return subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=folder,
                          check=True, capture_output=True, text=True).stdout


def notebook_text(*sources):
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def pull(upstream, home):
    puller = GitPuller(upstream.as_uri(), str(home), branch="main")
    for _ in puller.pull():
        pass


def test_nbgitpuller_keeps_a_students_edits_and_brings_upstream_changes(tmp_path):
    upstream, home = tmp_path / "upstream", tmp_path / "home" / "workbook"
    (upstream / "chapters").mkdir(parents=True)
    git(upstream, "init", "-q", "-b", "main")
    (upstream / "chapters" / "03.ipynb").write_text(notebook_text("x = 1", "answer = ...", "y = 2"))
    (upstream / "chapters" / "04.ipynb").write_text(notebook_text("z = 3"))
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "first")

    pull(upstream, home)  # the student's first click clones
    assert (home / "chapters" / "03.ipynb").is_file()

    student = home / "chapters" / "03.ipynb"
    student.write_text(student.read_text().replace("answer = ...", "answer = 42"))  # the student's answer
    (home / "chapters" / "04.ipynb").unlink()  # and a chapter the student broke and deleted

    (upstream / "chapters" / "03.ipynb").write_text(notebook_text("x = 1", "answer = ...", "y = 20"))
    (upstream / "chapters" / "05.ipynb").write_text(notebook_text("new = True"))
    git(upstream, "commit", "-qam", "fix")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "new chapter")

    pull(upstream, home)  # a later click merges
    merged = student.read_text()
    assert "answer = 42" in merged, "the student's answer was lost"
    assert "y = 20" in merged, "the instructor's fix did not arrive"
    assert (home / "chapters" / "05.ipynb").is_file(), "the new chapter did not arrive"
    assert "z = 3" in (home / "chapters" / "04.ipynb").read_text(), "a deleted chapter is restored fresh"
