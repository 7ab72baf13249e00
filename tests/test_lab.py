"""`make lab` serves JupyterLab from the workbook's folder and opens chapter 00."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request

from helpers.paths import REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), ""


def test_make_lab_serves_chapter_00():
    port, token = free_port(), secrets.token_hex(8)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    if os.geteuid() == 0:
        args += " --allow-root"
    server = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=REPO_ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, location, _ = get(f"{base}/?token={token}")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.5)
        assert status == 302 and "/lab/tree/chapters/00_start_here.ipynb" in location
        status, _, body = get(f"{base}/api/contents/chapters/00_start_here.ipynb?content=0&token={token}")
        assert status == 200 and '"type": "notebook"' in body
        status, _, body = get(f"{base}/lab/tree/chapters/00_start_here.ipynb?token={token}")
        assert status == 200 and "JupyterLab" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
