"""Where the workbook's files are, relative to this package (never to the current folder)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent
REPO_ROOT: Path = PACKAGE_DIR.parent
DATA_DIR: Path = REPO_ROOT / "data"
CHAPTERS_DIR: Path = REPO_ROOT / "chapters"
REQUIREMENTS: Path = REPO_ROOT / "requirements.txt"
