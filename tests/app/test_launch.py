"""``python app.py``: the README's server, with the first page's modules loaded meanwhile."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PRELOAD = """
import sys
from app_pages.launch import FIRST_PAGE_MODULES, preload
preload()
missing = [m for m in FIRST_PAGE_MODULES if m not in sys.modules]
heavy = ("mapclassify", "matplotlib", "sklearn", "folium", "scipy.optimize",
         "equity.placement.milp", "equity.mobile", "equity.reporting")
pages = [m for m in sys.modules if m.startswith("app_pages.") and m != "app_pages.launch"]
print("MISSING:" + ",".join(missing), "HEAVY:" + ",".join(m for m in heavy if m in sys.modules),
      "PAGES:" + ",".join(pages), "STREAMLIT:" + str("streamlit" in sys.modules))
"""


def test_the_preload_loads_the_first_carte_modules_and_nothing_it_does_not_need():
    done = subprocess.run(
        [sys.executable, "-c", _PRELOAD], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # No solver or print library (the first Carte never waits for them), no page module
    # (their Streamlit caches bind to the runtime at import), not even Streamlit.
    assert done.stdout.split() == ["MISSING:", "HEAVY:", "PAGES:", "STREAMLIT:False"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_app_py_starts_the_server_with_the_options_given(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        env=dict(os.environ, MAILLAGE_PROCESSED_DIR=str(tmp_path)),
        cwd=tmp_path,  # started from another folder
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "no server within 60 s"
                time.sleep(0.2)
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            assert b"<html" in resp.read().lower()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
