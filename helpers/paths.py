"""Where the workbook's files are, relative to this package (never to the current folder).

In a checkout of the repository the data and the pins are read from ``data/`` and ``requirements.txt``; where
only the package is installed (a chapter opened alone in Colab or Kaggle), from the copies the package ships in
``helpers/resources``. What chapters write goes to ``build/`` in a checkout, and to a folder in the system's
temporary directory otherwise.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent
RESOURCES_DIR: Path = PACKAGE_DIR / "resources"
REPO_ROOT: Path = PACKAGE_DIR.parent
#: True in a checkout of the workbook's repository, False where only the package is installed.
IN_CHECKOUT: bool = (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "chapters").is_dir()
DATA_DIR: Path = REPO_ROOT / "data" if IN_CHECKOUT else RESOURCES_DIR
CHAPTERS_DIR: Path = REPO_ROOT / "chapters"
REQUIREMENTS: Path = REPO_ROOT / "requirements.txt" if IN_CHECKOUT else RESOURCES_DIR / "requirements.txt"
BUILD_DIR: Path = REPO_ROOT / "build" if IN_CHECKOUT else Path(tempfile.gettempdir()) / "prototype-to-production"
