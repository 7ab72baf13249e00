"""Shared machinery of the browser tests: JupyterLab from the workbook's environment, driven in headless Chromium.

Chromium is the system's (Debian's ``chromium``), driven by Python playwright; no browser is ever downloaded.
Where Chromium is missing, the tests skip with a message saying how to install it, except under CI
(``EXPECT_BROWSER=1``, set by ``.ci/run``), where a skip would hide a failure and is an error instead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_chromium() -> str:
    """The path of the system's Chromium, or skip (fail under CI) when it is missing."""
    if CHROMIUM:
        return CHROMIUM
    message = ("Chromium is not installed, so the browser tests cannot run. Install it with "
               "`sudo apt-get install chromium` (Debian/Ubuntu) and run the tests again.")
    if os.environ.get("EXPECT_BROWSER") == "1":
        pytest.fail(message + " CI must run the browser tests.")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path, environment: dict | None = None):
    """Serve JupyterLab on ``root`` from this environment; yield its base URL and token."""
    port, token = free_port(), secrets.token_hex(8)
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
               f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = root / "jupyterlab.log"
    with open(log, "wb") as sink:
        server = subprocess.Popen(command, cwd=root, start_new_session=True, stdout=sink, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, **(environment or {})))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                assert server.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "JupyterLab did not answer within 90 s"
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@contextlib.contextmanager
def browser():
    """A headless Chromium page (playwright), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=need_chromium(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


OPEN_NOTEBOOK_JS = """async (path) => {
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready; await panel.sessionContext.ready;
  return true;
}"""

RUN_ALL_JS = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  const ok = await app.commands.execute('notebook:run-all-cells');
  return ok;
}"""

RUN_CELLS_JS = """async (indices) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  for (const index of indices) {
    panel.content.activeCellIndex = index;
    panel.content.deselectAll();
    const ok = await app.commands.execute('notebook:run-cell');
    if (!ok) return false;
  }
  return true;
}"""

ERRORS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const errors = [];
  for (const cell of panel.content.model.sharedModel.cells) {
    const json = cell.toJSON();
    for (const output of (json.outputs || [])) {
      if (output.output_type === 'error') errors.push(output.ename + ': ' + output.evalue);
    }
  }
  return errors;
}"""

OUTPUT_JS = """(element) => {
  const out = element.querySelector('.widget-output');
  if (!out) return '';
  const images = Array.from(out.querySelectorAll('img')).map((img) => img.src.slice(-200));
  return out.textContent + '|' + images.join('|');
}"""


def change_a_control(explorer) -> str:
    """Change the explorer's first dropdown to another option, or move its first slider one step."""
    selects = explorer.locator("select")
    if selects.count():
        select = selects.first
        options = select.locator("option").all_text_contents()
        current = select.evaluate("(element) => element.options[element.selectedIndex].text")
        other = next(option for option in options if option != current)
        select.select_option(label=other)
        return f"dropdown -> {other}"
    handle = explorer.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    return "slider one step right"

EDIT_AND_SAVE_JS = """async (text) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  panel.content.activeCellIndex = 0;
  await app.commands.execute('notebook:insert-cell-above');
  panel.content.activeCell.model.sharedModel.setSource(text);
  await app.commands.execute('docmanager:save');
  return panel.content.model.sharedModel.cells.length;
}"""

CLOSE_ALL_JS = """async () => { await window.jupyterapp.commands.execute('application:close-all'); return true; }"""
