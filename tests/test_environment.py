"""The package lists agree, the Binder files do what they must, and the environment checks work."""

from __future__ import annotations

import os
import re
import socket

import pytest
import yaml

from helpers import env, notebook
from helpers.paths import REPO_ROOT


def environment_pins() -> dict[str, str]:
    spec = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_lists = [item["pip"] for item in spec["dependencies"] if isinstance(item, dict) and "pip" in item]
    assert len(pip_lists) == 1, "environment.yml must have one pip: list"
    pins = {}
    for line in pip_lists[0]:
        name, _, version = line.partition("==")
        assert version, f"environment.yml: {line!r} is not an exact pin"
        pins[env.normalise(name)] = version
    return pins


def test_every_requirement_is_an_exact_pin():
    for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^\s]*", line), f"not an exact pin: {line!r}"


def test_environment_yml_has_the_same_pins_as_requirements():
    assert environment_pins() == env.read_pins()


def test_environment_yml_pins_python_311():
    spec = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in spec["dependencies"] and "pip" in spec["dependencies"]


def test_the_running_environment_matches_the_pins():
    report = env.inspect_env()
    assert report.ok, report.mismatches


def test_check_env_warns_about_a_differing_pin(tmp_path, capsys):
    fake = tmp_path / "requirements.txt"
    fake.write_text("numpy==0.0.1  # an old pin\nnot-a-real-package-xyz==1.0\n", encoding="utf-8")
    report = env.check_env(fake)
    out = capsys.readouterr().out
    assert not report.ok and len(report.mismatches) == 2
    assert "WARNING: pinned 0.0.1" in out and "not installed" in out and "make clean-venv" in out



def test_check_env_lists_the_key_packages_and_the_differing_ones_only(tmp_path, capsys):
    from helpers.notebook import package_version

    fake = tmp_path / "requirements.txt"
    pins = {name: package_version(name) for name in ("numpy", "pandas", "pytest", "ruff")}
    fake.write_text("".join(f"{name}=={version}\n" for name, version in pins.items())
                    + "not-a-real-package-xyz==1.0\n", encoding="utf-8")
    env.check_env(fake)
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("  ") and
              not line.startswith("  -")]
    assert listed == ["numpy", "pandas", "not-a-real-package-xyz"]  # pytest and ruff match: not listed
    fake.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()), encoding="utf-8")
    report = env.check_env(fake, show_all=True)
    out = capsys.readouterr().out
    assert report.ok and "All 4 pinned packages match" in out
    assert [line.split()[0] for line in out.splitlines() if line.startswith("  ")] == list(pins)


def test_check_env_rejects_a_non_bool_show_all():
    with pytest.raises(TypeError, match="show_all must be True or False"):
        env.check_env(show_all="yes")

def test_read_pins_of_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No requirements file"):
        env.read_pins(tmp_path / "none.txt")


@pytest.mark.parametrize(("environ", "place"), [
    ({}, "this computer"),
    ({"BINDER_SERVICE_HOST": "10.0.0.1"}, "Binder"),
    ({"BINDER_REPO_URL": "https://example.org/repo"}, "Binder"),
    ({"JUPYTERHUB_API_URL": "http://hub/api"}, "a JupyterHub"),
    ({"COLAB_RELEASE_TAG": "release-colab-20261101"}, "Google Colab"),
    ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, "Kaggle"),
])
def test_where_running(environ, place):
    assert env.where_running(environ) == place


def test_binder_files():
    post_build = (REPO_ROOT / "postBuild").read_text(encoding="utf-8")
    assert re.search(r"^set -e", post_build, re.M) and "pip install" in post_build and "-e ." in post_build
    start = (REPO_ROOT / "start").read_text(encoding="utf-8")
    for name in ("OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=2", "MKL_NUM_THREADS=2"):
        assert f"export {name}" in start
    assert 'exec "$@"' in start
    for path in ("postBuild", "start"):
        assert os.access(REPO_ROOT / path, os.X_OK), f"{path} must be executable"
    assert not (REPO_ROOT / "binder").exists() and not (REPO_ROOT / ".binder").exists()


def test_setup_notebook_limits_openmp_to_one_thread(capsys):
    """Interactive kernels get the executed runs' OpenMP limit too (gradient boosting stalls with two threads)."""
    import sklearn.ensemble  # noqa: F401 - loads scikit-learn's OpenMP runtime
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=2, user_api="openmp"):
        notebook.setup_notebook(quiet=True)
        openmp = [pool for pool in threadpool_info() if pool["user_api"] == "openmp"]
        assert openmp and all(pool["num_threads"] == 1 for pool in openmp)


def test_setup_notebook_settings(capsys):
    import matplotlib as mpl
    import sklearn

    from helpers import plotting

    notebook.setup_notebook(seed=3)
    assert sklearn.get_config()["display"] == "text"
    assert tuple(mpl.rcParams["figure.figsize"]) == plotting.FIGSIZE
    line = capsys.readouterr().out.strip()
    assert line == notebook.versions_line() and "scikit-learn" in line and "\n" not in line


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_setup_notebook_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        notebook.setup_notebook(seed=seed)


@pytest.mark.skipif(os.environ.get("EXPECT_OFFLINE") != "1", reason="only where the suite runs without network")
def test_the_network_is_really_unreachable():
    """`.ci/run` runs the suite without network; this proves that it did (and so that no chapter needs it)."""
    with pytest.raises(OSError):
        socket.create_connection(("pypi.org", 443), timeout=3)


def test_progress_yields_everything_and_stays_silent_in_executed_runs(capsys):
    from helpers import progress

    assert os.environ.get("TQDM_DISABLE") == "1"
    assert list(progress(range(5), description="loop")) == [0, 1, 2, 3, 4]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_environment_yml_names_a_python_of_the_supported_matrix():
    """environment.yml must not ask for a Python that `make platforms` does not check the pins against."""
    import platforms  # tools/platforms.py

    spec = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pythons = [item.split("=", 1)[1] for item in spec["dependencies"]
               if isinstance(item, str) and item.startswith("python=")]
    assert pythons and all(python in platforms.PYTHONS for python in pythons), (pythons, platforms.PYTHONS)
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for name in [*platforms.PLATFORMS, *platforms.PYTHONS]:
        assert name in readme, f"the README's supported matrix does not mention {name}"


def test_platform_check_names_unresolvable_pins():
    import platforms  # tools/platforms.py

    stderr = ("ERROR: Could not find a version that satisfies the requirement numpy==1.24.4 (from versions: 2.0)\n"
              "ERROR: No matching distribution found for numpy==1.24.4\n")
    assert platforms.unresolvable(stderr) == ["numpy==1.24.4"]
    command = platforms.pip_command(["win_amd64"], "3.12", "/tmp/x", "six==1.16.0", no_deps=True)
    assert "--only-binary=:all:" in command and "--dry-run" in command and "--no-deps" in command
    assert command[command.index("--platform") + 1] == "win_amd64" and command[-1] == "six==1.16.0"


def test_jupyterlab_news_popup_is_off_in_this_environment():
    """`make venv` (and Binder's postBuild) install the settings that turn off JupyterLab's news pop-up."""
    import json
    import sys
    from pathlib import Path

    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert installed.is_file(), "run `make venv`: it installs tools/lab-overrides.json"
    settings = json.loads(installed.read_text(encoding="utf-8"))["@jupyterlab/apputils-extension:notification"]
    assert settings == {"fetchNews": "false", "checkForUpdates": False}
    schema = next((Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas").rglob(
        "apputils-extension/notification.json"))
    allowed = json.loads(schema.read_text(encoding="utf-8"))["properties"]["fetchNews"]
    assert "false" in json.dumps(allowed)
    assert "lab-overrides.json" in (REPO_ROOT / "postBuild").read_text(encoding="utf-8")


def test_the_environment_has_pip():
    """The tools that check wheels and build the package offline need pip inside the environment (uv venv --seed)."""
    import subprocess
    import sys

    assert subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0
    assert "--seed" in (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
