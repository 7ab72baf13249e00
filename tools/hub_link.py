"""Print an nbgitpuller link that gives every student of a JupyterHub their own copy of the workbook.

    python tools/hub_link.py --hub https://hub.example.edu --repo https://github.com/OWNER/REPOSITORY [--chapter 03]
    make hub-link HUB=https://hub.example.edu REPO=https://github.com/OWNER/REPOSITORY CHAPTER=03

Clicking the link (logged in to the hub) clones the repository into the student's home the first time, and on
later clicks pulls the instructor's changes while keeping the student's own edits (nbgitpuller's merge: the
student's version wins where both changed the same lines; a file the student deleted comes back fresh). The hub
needs nbgitpuller installed (``pip install nbgitpuller``) and the workbook's packages in its kernel.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebooks import sources  # noqa: E402 - tools/ must be on the path first


def hub_link(hub: str, repo: str, chapter: str | None = None, branch: str = "main", interface: str = "lab") -> str:
    """The nbgitpuller link for ``repo`` on ``hub``, opening ``chapter`` (e.g. "03") or the chapter folder."""
    for name, url in (("hub", hub), ("repo", repo)):
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https", "file") or not (parsed.netloc or parsed.scheme == "file"):
            raise ValueError(f"{name} must be a full address such as https://hub.example.edu, got {url!r}")
    if interface not in ("lab", "tree"):
        raise ValueError(f"interface must be 'lab' or 'tree', got {interface!r}")
    folder = urlparse(repo).path.rstrip("/").split("/")[-1].removesuffix(".git")
    target = f"{folder}/chapters"
    if chapter is not None:
        matches = [source for source in sources() if source.stem[:2] == chapter or source.stem == chapter]
        if not matches:
            raise ValueError(f"chapter must be one of {[s.stem[:2] for s in sources()]}, got {chapter!r}")
        target += f"/{matches[0].stem}.ipynb"
    query = urlencode({"repo": repo, "urlpath": f"{interface}/tree/{target}", "branch": branch})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.edu")
    parser.add_argument("--repo", required=True, help="the workbook repository's public git address")
    parser.add_argument("--chapter", help="the chapter to open, e.g. 03 (default: the chapter folder)")
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    try:
        print(hub_link(args.hub, args.repo, args.chapter, args.branch))
    except ValueError as problem:
        parser.error(str(problem))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
