"""The real app in headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geo import settings

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(settings.PROJECT_ROOT) / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, MAILLAGE_PROCESSED_DIR=str(tmp_path_factory.mktemp("processed")))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(settings.PROJECT_ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start within 60 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_load_state("networkidle")
    return page, errors


def test_carte_draws_every_commune(browser, app_url):
    page, errors = _open(browser, app_url)
    frame = page.frame_locator("iframe").first
    paths = frame.locator("path.leaflet-interactive")
    paths.first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "carte.png"), full_page=True)
    # 352 communes + 17 EPCI outlines + the 36 permanences of the default offer (circles).
    assert paths.count() == 352 + 17 + 36
    assert page.get_by_text("Carte de la Sarthe").count() == 1
    assert page.get_by_text("Traceback").count() == 0
    assert not errors
    frame.locator("path.leaflet-interactive").nth(150).click(force=True)
    assert frame.locator(".leaflet-popup-content").count() == 1
    page.close()


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("diagnostic", "Diagnostic d'équité d'accès"),
        ("scenarios", "Scénarios"),
        ("tournees", "Tournées mobiles"),
        ("exports", "Exports"),
    ],
)
def test_pages_load_without_error(browser, app_url, path, title):
    page, errors = _open(browser, f"{app_url}/{path}")
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / f"{path}.png"), full_page=True)
    assert page.get_by_text("Traceback").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    assert not errors
    page.close()


def test_recommendation_run_and_save(browser, app_url):
    page, errors = _open(browser, f"{app_url}/recommandation")
    page.get_by_role("button", name="Calculer la recommandation").click()
    page.get_by_text("Pourquoi ces sites").wait_for(timeout=90_000)
    page.get_by_label("Nom du scénario").fill("Essai navigateur")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("« Essai navigateur » enregistré").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "recommandation.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
    assert not errors
    page.goto(f"{app_url}/scenarios")
    page.get_by_text("Essai navigateur").first.wait_for(state="attached", timeout=60_000)
    page.close()


def test_donnees_page_loads(browser, app_url):
    page, errors = _open(browser, f"{app_url}/donnees")
    page.get_by_text("Sources et millésimes").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "donnees.png"), full_page=True)
    assert page.get_by_text("Fibre : données ARCEP du T1 2018", exact=False).count() == 1
    assert page.get_by_text("Traceback").count() == 0
    assert not errors
    page.close()
