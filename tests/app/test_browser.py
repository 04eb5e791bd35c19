"""The real app in headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
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
def processed_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("processed")


@pytest.fixture(scope="module")
def app_url(processed_dir):
    port = _free_port()
    env = dict(os.environ, MAILLAGE_PROCESSED_DIR=str(processed_dir))
    proc = subprocess.Popen(
        [
            # Started as the README starts it.
            sys.executable,
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


_RUNNING = "[data-testid='stStatusWidget']"


def _settle(page) -> None:
    """Wait until the Streamlit run a page load or a widget started has finished.

    Streamlit shows its status widget (« Stop ») while a script runs. Waiting for the
    network to fall idle instead once exceeded 90 s in CI, long after the run was over.
    """
    # The run may be over (or not yet show the widget) within two seconds.
    with contextlib.suppress(playwright.Error):
        page.locator(_RUNNING).first.wait_for(state="visible", timeout=2_000)
    page.locator(_RUNNING).first.wait_for(state="detached", timeout=90_000)


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # Every wait of these pages (``networkidle`` after a choice included) gets 90 s: on a
    # fresh CI machine a settle has twice gone past Playwright's default 30 s.
    page.set_default_timeout(90_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    # The heading can come before the run shows its status widget: the sidebar's
    # Département, drawn by every page, says the page itself is there.
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.wait_for()
    _settle(page)
    return page, errors


def test_carte_draws_every_commune(browser, app_url):
    page, errors = _open(browser, app_url)
    frame = page.frame_locator("iframe").first
    paths = frame.locator("path.leaflet-interactive")
    paths.first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "carte.png"), full_page=True)
    # 352 communes + 17 EPCI outlines + the 36 permanences of the default offer (circles)
    # + the 37 permanences across the border that count « hors Sarthe » (issue 12).
    assert paths.count() == 352 + 17 + 36 + 37
    assert page.get_by_text("Carte de la Sarthe").count() == 1
    assert page.get_by_text("Traceback").count() == 0
    assert not errors
    # The travel-model banner (always on Carte) pushes the map down: bring it into view.
    page.locator("iframe").first.scroll_into_view_if_needed()
    frame.locator("path.leaflet-interactive").nth(150).click(force=True)
    assert frame.locator(".leaflet-popup-content").count() == 1
    page.wait_for_timeout(800)  # Leaflet pans the map to show the card
    # Every value stays inside the card (a long label on one line pushed them out), and
    # the card clears the layer control (it opened under it).
    card = frame.locator(".leaflet-popup-content").bounding_box()
    for cell in frame.locator(".leaflet-popup-content td").all():
        value = cell.bounding_box()
        assert value["x"] + value["width"] <= card["x"] + card["width"] + 1
    popup = frame.locator(".leaflet-popup").bounding_box()
    control = frame.locator(".leaflet-control-layers").first.bounding_box()
    assert (
        popup["y"] >= control["y"] + control["height"]
        or popup["x"] + popup["width"] <= control["x"]
    ), (popup, control)
    page.screenshot(path=str(ARTIFACTS / "carte_popup.png"))
    page.close()


def test_served_leaflet_is_geo_assets(browser, app_url):
    from app_pages.static_files import SERVED_FILES

    page, errors = _open(browser, app_url)  # the first session publishes the files
    for name, served in SERVED_FILES.items():
        with urllib.request.urlopen(f"{app_url}/app/static/{served}", timeout=10) as resp:
            assert resp.read() == (settings.ASSETS_DIR / name).read_bytes(), served
            if name.endswith(".js"):
                assert "javascript" in resp.headers["Content-Type"]
    assert not errors
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
    # While it computes, Streamlit's status offers to stop the run: in French.
    stop = page.locator(f"{_RUNNING} button").first
    stop.wait_for(timeout=30_000)
    assert stop.evaluate("b => getComputedStyle(b, '::after').content") == '"Arrêter"'
    assert stop.evaluate("b => getComputedStyle(b).fontSize") == "0px"
    # No main menu (« Print », « Record screen » are English only).
    assert not page.locator("[data-testid='stMainMenu']").is_visible()
    # The capacity model (issue 12) takes about 10 s for 20 advisors on 2 cores; the
    # threshold sensitivity is computed only on request.
    page.get_by_text("Pourquoi ces sites").wait_for(timeout=90_000)
    page.get_by_label("Nom du scénario").fill("Essai navigateur")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("« Essai navigateur » enregistré").wait_for(timeout=60_000)
    # A second click makes no identical version 2, and says so.
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("déjà enregistré à l'identique (version 1)").wait_for(timeout=60_000)
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


# ---------------------------------------------------------------- issue 14: app for elected members

#: Texts Streamlit writes in English unless the app replaces them (scanned on every page).
ENGLISH_WIDGET_TEXTS = (
    "Choose an option",
    "Choose options",
    "Select all",
    "matches",
    "Upload",
    "per file",
    "Browse files",
    "Drag and drop",
    "No results",
    # Placeholders of empty comboboxes (Streamlit 1.67 defaults), also read from the
    # inputs' placeholder attribute: a selectbox that shows a value still carries it.
    "Choose or add",
    "Add an option",
    "Add options",
    "No options to select",
)
#: Every page's entry in the sidebar and its heading, in the sidebar's order.
PAGE_HEADINGS = [
    ("Carte", "Carte de la Sarthe"),
    ("Diagnostic", "Diagnostic d'équité d'accès"),
    ("Recommandation", "Recommandation de placement"),
    ("Scénarios", "Scénarios"),
    ("Tournées mobiles", "Tournées mobiles"),
    ("Exports", "Exports"),
    ("Données", "Données"),
]

FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _goto(page, label: str, heading: str) -> None:
    """Change page through the sidebar navigation (same session, as a user does)."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(label, exact=True).click()
    page.get_by_role("heading", name=heading).wait_for(timeout=90_000)
    _settle(page)


def _choose(page, container, label: str, option: str, search: bool = False) -> None:
    """Pick ``option`` in the selectbox or multiselect labelled ``label``.

    With ``search`` the option is typed first: the list then holds it whatever the
    current choice (a combobox showing a value lists only the options matching it).
    """
    box = container.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(
        has_text=label
    )
    box.first.locator("input").first.click()
    if search:
        box.first.locator("input").first.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    _settle(page)
    page.wait_for_timeout(1500)


def test_settings_hold_across_three_pages(browser, app_url):
    page, errors = _open(browser, app_url)
    sidebar = page.locator("[data-testid='stSidebar']")
    slider = sidebar.get_by_role("slider").first
    slider.focus()
    for _ in range(1):  # 20 → 30 min
        page.keyboard.press("ArrowRight")
    page.get_by_text("À moins de 30 min").wait_for(timeout=60_000)
    _choose(page, sidebar, "Lieux comptés comme aide existante", "France services")
    page.wait_for_timeout(1500)
    _goto(page, "Diagnostic", "Diagnostic d'équité d'accès")
    assert page.get_by_text("Population à moins de 30 min").count() >= 1
    assert "France services (26)" in page.locator("[data-testid='stMain']").inner_text()
    _goto(page, "Recommandation", "Recommandation de placement")
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "seuil 30 min" in main and "France services (26)" in main
    _goto(page, "Carte", "Carte de la Sarthe")
    assert page.get_by_text("À moins de 30 min").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "settings_kept.png"), full_page=True)
    # The map's indicator and the recommendation's form hold too (both came back to
    # their defaults after a visit to another page).
    _choose(page, sidebar, "Indicateur", "Taux de pauvreté (%)", search=True)
    _settle(page)
    _goto(page, "Recommandation", "Recommandation de placement")
    page.get_by_label("Nouveaux conseillers", exact=True).fill("10")
    page.get_by_role("button", name="Calculer la recommandation").click()
    page.get_by_text("Pourquoi ces sites").wait_for(timeout=120_000)
    _goto(page, "Carte", "Carte de la Sarthe")
    indicator = sidebar.locator("[data-testid='stSelectbox']").filter(has_text="Indicateur")
    shown = indicator.inner_text() + indicator.locator("input").first.input_value()
    assert "Taux de pauvreté" in shown
    _goto(page, "Recommandation", "Recommandation de placement")
    assert page.get_by_label("Nouveaux conseillers", exact=True).input_value() == "10"
    assert not errors
    page.close()


def _save_scenario(territory, processed_dir, name: str, n: int):
    from equity.scenarios import Scenario, ScenarioStore, SiteChanges
    from equity.workflows import save_scenario

    halls = territory.sites[territory.sites["site_type"] == "town_hall"].head(n)
    added = [
        {
            "site_id": f"{row.site_id}-ajout",
            "name": row.name,
            "site_type": "town_hall",
            "code_insee": row.code_insee,
            "lon": float(row.lon),
            "lat": float(row.lat),
            "n_advisors": 1,
        }
        for row in halls.itertuples()
    ]
    store = ScenarioStore(processed_dir / "scenarios.sqlite")
    scenario = Scenario(name, {"threshold_min": 20}, SiteChanges(added=added))
    return save_scenario(store, territory, scenario, None), store


def test_every_new_advisor_shows_and_a_click_adds_one(browser, app_url, territory, processed_dir):
    _, store = _save_scenario(territory, processed_dir, "Vingt lieux", 20)
    page, errors = _open(browser, f"{app_url}/scenarios")
    _choose(page, page.locator("[data-testid='stMain']"), "Partir de", "Vingt lieux")
    page.get_by_text("ajoute un conseiller à cet endroit").click()
    page.wait_for_timeout(1500)
    frame = page.frame_locator(FOLIUM_FRAME).first
    stars = frame.locator(".maillage-decision")
    stars.first.wait_for(timeout=90_000)
    assert stars.count() == 20
    # The name field follows « Partir de ».
    assert page.get_by_label("Nom").input_value() == "Vingt lieux"
    page.screenshot(path=str(ARTIFACTS / "scenarios_decisions.png"), full_page=True)

    frame.locator(".leaflet-container").click(position=_territory_position(page, 0.30, 0.62))
    page.get_by_text("1 conseiller ajouté").wait_for(timeout=90_000)
    page.frame_locator(FOLIUM_FRAME).first.locator(".maillage-decision").nth(20).wait_for(
        timeout=60_000
    )
    assert page.frame_locator(FOLIUM_FRAME).first.locator(".maillage-decision").count() == 21
    page.get_by_label("Nom").fill("Vingt et un lieux")
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    page.get_by_text("« Vingt et un lieux » enregistré (version 1)").wait_for(timeout=90_000)
    saved = store.load("Vingt et un lieux")
    clicked = [a for a in saved.changes.added if a["site_id"].startswith("clic-")]
    assert len(saved.changes.added) == 21 and len(clicked) == 1
    # After saving, the form shows the saved scenario, not the base.
    assert page.get_by_label("Nom").input_value() == "Vingt et un lieux"
    page.screenshot(path=str(ARTIFACTS / "scenarios_click.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
    assert not errors
    page.close()


def test_a_click_moves_a_scenario_site(browser, app_url, territory, processed_dir):
    from equity.workflows.scenario_edit import commune_at

    saved, store = _save_scenario(territory, processed_dir, "Trois lieux", 3)
    moving = saved.changes.added[0]
    page, errors = _open(browser, f"{app_url}/scenarios")
    main = page.locator("[data-testid='stMain']")
    _choose(page, main, "Partir de", "Trois lieux")
    page.get_by_text("déplace le lieu choisi à cet endroit").click()
    page.wait_for_timeout(1500)
    _choose(page, main, "Lieu à déplacer d'un clic", f"Conseiller ajouté : {moving['name']}")
    frame = page.frame_locator(FOLIUM_FRAME).first
    frame.locator(".maillage-decision").first.wait_for(timeout=90_000)
    frame.locator(".leaflet-container").click(position=_territory_position(page, 0.30, 0.62))
    page.get_by_text("0 conseiller ajouté, 1 lieu déplacé").wait_for(timeout=90_000)
    # An existing permanence moves the same way (a « moved » change of the scenario).
    permanence = territory.sites[territory.sites["site_type"] == "cnfs_permanence"].iloc[0]
    _choose(page, main, "Lieu à déplacer d'un clic", permanence["name"], search=True)
    frame.locator(".leaflet-container").click(position=_territory_position(page, 0.55, 0.45))
    page.get_by_text("0 conseiller ajouté, 2 lieux déplacés").wait_for(timeout=90_000)
    # Still three added advisors on the map: the site moved, none was added.
    stars = page.frame_locator(FOLIUM_FRAME).first.locator(".maillage-decision")
    stars.first.wait_for(timeout=60_000)
    assert stars.count() == 3
    page.get_by_label("Nom").fill("Trois lieux, deux déplacés")
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    page.get_by_text("« Trois lieux, deux déplacés » enregistré (version 1)").wait_for(
        timeout=90_000
    )
    changes = store.load("Trois lieux, deux déplacés").changes
    [permanence_move] = changes.moved
    assert permanence_move["site_id"] == permanence["site_id"]
    assert (permanence_move["lon"], permanence_move["lat"]) != (
        permanence["lon"],
        permanence["lat"],
    )
    moved = changes.added
    assert [a["site_id"] for a in moved] == [a["site_id"] for a in saved.changes.added]
    assert moved[1:] == saved.changes.added[1:]
    point = (moved[0]["lon"], moved[0]["lat"])
    assert point != (moving["lon"], moving["lat"])
    assert moved[0]["code_insee"] == commune_at(territory, *point) != moving["code_insee"]
    assert moved[0]["name"].startswith("Nouveau lieu — ") and moved[0]["n_advisors"] == 1
    # The form opens the saved scenario: its moved advisor is offered under its new name.
    _settle(page)
    page.frame_locator(FOLIUM_FRAME).first.locator(".maillage-decision").first.wait_for(
        timeout=60_000
    )
    chooser = main.locator("[data-testid='stSelectbox']").filter(has_text="Lieu à déplacer")
    assert chooser.locator("input").input_value() == f"Conseiller ajouté : {moved[0]['name']}"
    page.screenshot(path=str(ARTIFACTS / "scenarios_move.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
    assert not errors
    page.close()


def test_pack_from_the_exports_page(browser, app_url, territory, processed_dir):
    from pypdf import PdfReader

    _save_scenario(territory, processed_dir, "Douze lieux", 12)
    page, errors = _open(browser, f"{app_url}/exports")
    main = page.locator("[data-testid='stMain']")
    _choose(page, main, "Scénario", "Douze lieux")
    _choose(page, main, "Export", "Dossier du conseil (PDF)")
    page.get_by_text("Inclure les tournées mobiles").click()
    page.get_by_role("button", name="Préparer le fichier").click()
    button = page.get_by_role("button", name="Télécharger")
    button.wait_for(timeout=180_000)
    with page.expect_download() as info:
        button.click()
    path = info.value.path()
    pages = [p.extract_text() for p in PdfReader(path).pages]
    summary = pages[1]
    assert summary.startswith("Synthèse pour les élus — Douze lieux")
    assert "Ce qui est proposé : 12 conseillers numériques de plus" in summary
    assert "Coût :" in summary
    table = next(p for p in pages if p.startswith("Décisions proposées"))
    rows = [line for line in table.splitlines() if line.split(" ")[0].isdigit()]
    assert [int(r.split(" ")[0]) for r in rows] == list(range(1, 13))
    assert any("circuits sur quatre semaines" in p for p in pages)
    page.screenshot(path=str(ARTIFACTS / "exports.png"), full_page=True)
    # Walk-through: the pack's download stayed offered after choosing the CSV tables.
    _choose(page, main, "Export", "Tableaux (CSV pour Excel) et scénario (JSON)")
    assert page.get_by_role("button", name="Télécharger").count() == 0
    _choose(page, main, "Export", "Dossier du conseil (PDF)")
    assert page.get_by_role("button", name="Télécharger").count() == 1
    assert not errors
    page.close()


@pytest.mark.parametrize(("label", "heading"), PAGE_HEADINGS)
def test_no_english_widget_text(browser, app_url, label, heading):
    page, errors = _open(browser, app_url)
    if label != "Carte":
        _goto(page, label, heading)
    # Open a multiselect so that its option list (« Select all ») is on the page too.
    multiselect = page.locator("[data-testid='stMultiSelect'] input")
    if multiselect.count():
        multiselect.first.click()
        page.wait_for_timeout(500)
    text = page.evaluate("document.body.innerText")
    if multiselect.count():
        # A search shows « Select N matches » instead of « Select all ».
        multiselect.first.press_sequentially("e")
        page.wait_for_timeout(500)
        text += page.evaluate("document.body.innerText")
    placeholders = page.evaluate(
        "Array.from(document.querySelectorAll('[placeholder]'), e => e.placeholder)"
    )
    # Every combobox input is read (the sidebar's Département at least).
    assert len(placeholders) >= page.locator("[data-testid='stSelectbox'] input").count() >= 1
    found = [t for t in ENGLISH_WIDGET_TEXTS if t in text or any(t in p for p in placeholders)]
    assert not found, (found, placeholders)
    page.keyboard.press("Escape")
    slug = label.lower().replace(" ", "_").replace("é", "e")
    page.screenshot(path=str(ARTIFACTS / f"page_{slug}.png"), full_page=True)
    assert not errors
    page.close()


def test_diagnostic_metrics_are_read_whole(browser, app_url):
    # Walk-through: at a laptop's width the Diagnostic's four metrics a row ended in « … »
    # (« Personnes non acc… », « 5,9 / 13… », « CC Loir… »).
    page, errors = _open(browser, f"{app_url}/diagnostic")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.get_by_text("Communes mal desservies").first.wait_for()
    page.wait_for_timeout(1000)
    cut = page.evaluate(
        """Array.from(document.querySelectorAll(
            '[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],'
            + '[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"]'),
          e => [e.innerText, e.scrollWidth > e.clientWidth + 1]).filter(x => x[1])"""
    )
    assert page.locator("[data-testid='stMetric']").count() >= 8
    assert cut == []
    page.screenshot(path=str(ARTIFACTS / "diagnostic_metrics_1100.png"), full_page=True)
    assert not errors
    page.close()


def test_sidebar_choices_are_read_whole(browser, app_url):
    # Walk-through: « Permanence consei… » on every page; on Tournées 5 of the 21 bases
    # showed, cut (« Communauté Com… »), in a small scrolling box.
    page, errors = _open(browser, app_url)
    _goto(page, "Tournées mobiles", "Tournées mobiles")
    page.get_by_text("Bases des conseillers itinérants").first.wait_for()
    chips = page.evaluate(
        """Array.from(document.querySelectorAll(
            '[data-testid="stSidebar"] [data-testid="stMultiSelect"] [data-tag] > span[title]'),
          e => [e.innerText, e.scrollWidth > e.clientWidth + 1,
                e.getBoundingClientRect().height])"""
    )
    assert len(chips) >= 10
    assert [c[0] for c in chips if c[1]] == []
    # A long name takes several lines of its chip.
    assert max(c[2] for c in chips) > 30
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll(
            '[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"]'),
          e => e.clientHeight)"""
    )
    assert max(boxes) > 250
    page.locator("[data-testid='stSidebar']").screenshot(path=str(ARTIFACTS / "sidebar_chips.png"))
    assert not errors
    page.close()


def test_uploaded_file_shows_no_english_size(browser, app_url, tmp_path):
    # Walk-through: an uploaded file showed « 73.0B » (Streamlit's English byte units).
    upload = tmp_path / "demandes.csv"
    upload.write_text("code_insee;demande\n72181;10\n", encoding="utf-8")
    page, errors = _open(browser, f"{app_url}/donnees")
    page.locator("[data-testid='stFileUploader'] input[type=file]").first.set_input_files(
        str(upload)
    )
    page.locator("[data-testid='stFileChipName']").first.wait_for()
    text = page.locator("[data-testid='stFileUploader']").first.inner_text()
    assert "demandes.csv" in text
    assert not re.search(r"\d+(\.\d+)?\s?[KMG]?B\b", text), text
    assert not errors
    page.close()


def test_select_all_reads_french_inside_its_own_row(browser, app_url):
    # Review: « Tout sélectionner » sat in the row's ::after, which Streamlit places
    # absolutely for its divider line: the text was drawn over the next option.
    page, errors = _open(browser, app_url)
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect'] input").first
    box.click()
    page.wait_for_timeout(500)
    style = page.locator("[role='option'][data-key='__select_all__']").evaluate(
        "e => { const s = getComputedStyle(e, '::before');"
        " return [s.content, s.position, getComputedStyle(e, '::after').content] }"
    )
    assert style[0] == '"Tout sélectionner"' and style[1] != "absolute"
    assert "sélectionner" not in style[2]
    box.press_sequentially("e")
    page.wait_for_timeout(500)
    matches = page.locator("[role='option'][data-key='__select_matches__']").evaluate(
        "e => [getComputedStyle(e, '::before').content, getComputedStyle(e, '::before').position]"
    )
    assert matches == ['"Sélectionner tous les résultats"', "static"]
    page.screenshot(path=str(ARTIFACTS / "select_all_fr.png"))
    page.keyboard.press("Escape")
    assert not errors
    page.close()


def _shown(selectbox) -> str:
    """The value a selectbox shows (the value of its combobox input)."""
    return selectbox.locator("input").first.input_value()


def test_saved_picks_leave_the_form_and_scenario_choices_hold_across_pages(browser, app_url):
    # Walk-through: after a save the « Ajouter un conseiller dans ces lieux » picks stayed
    # in the browser's form (their keys were dropped, not reset), and a second click
    # failed with « identifiants ajoutés en double : mairie-72161-ajout »; « Partir de »
    # and the comparison went back to their defaults after a visit to another page.
    page, errors = _open(browser, f"{app_url}/scenarios")
    main = page.locator("[data-testid='stMain']")
    page.get_by_label("Nom", exact=True).fill("Deux clics")
    _choose(page, main, "Ajouter un conseiller dans ces lieux", "Mairie — Lhomme", search=True)
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    _settle(page)
    page.get_by_text("« Deux clics » enregistré (version 1)").wait_for()
    hosts = main.locator("[data-testid='stMultiSelect']").filter(
        has_text="Ajouter un conseiller dans ces lieux"
    )
    # The form is drawn again after the save: under load its chips can lag the message.
    hosts.locator("[data-tag]", has_text="Mairie — Lhomme").wait_for(
        state="detached", timeout=15_000
    )
    # The picks are the chips (the box's open list of options may still name the place).
    assert hosts.locator("[data-tag]", has_text="Mairie — Lhomme").count() == 0
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    _settle(page)
    page.get_by_text("« Deux clics » est déjà enregistré à l'identique (version 1)").wait_for()
    assert "en double" not in main.inner_text()
    base = main.locator("[data-testid='stSelectbox']").filter(has_text="Partir de")
    assert _shown(base) == "Deux clics"
    _goto(page, "Carte", "Carte de la Sarthe")
    _goto(page, "Scénarios", "Scénarios")
    base = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").filter(
        has_text="Partir de"
    )
    assert _shown(base) == "Deux clics"
    assert page.get_by_label("Nom", exact=True).input_value() == "Deux clics"
    page.screenshot(path=str(ARTIFACTS / "scenarios_kept.png"), full_page=True)
    assert not errors
    page.close()


# ------------------------------------------- issue 14 leftovers: maps at 1,100 px, offline

#: In a map's frame: the box the communes are drawn in (their white 0.6 px outlines tell
#: them from the sites' circles), and the boxes of the title, legends and layer control.
_MAP_BOXES_JS = """() => {
    const box = e => { const r = e.getBoundingClientRect();
                       return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
    const paths = Array.from(document.querySelectorAll(
        'path.leaflet-interactive[stroke="#ffffff"][stroke-width="0.6"]'), box);
    const territory = paths.reduce((a, p) => ({l: Math.min(a.l, p.l), t: Math.min(a.t, p.t),
        r: Math.max(a.r, p.r), b: Math.max(a.b, p.b)}), paths[0]);
    const corners = Array.from(document.querySelectorAll(
        '.maillage-legend, .maillage-title, .leaflet-control-layers'),
        e => [e.innerText.split('\\n')[0], box(e)]);
    const map = document.querySelector('.leaflet-container');
    return {communes: paths.length, territory, corners, map: box(map)};
}"""


def _map_boxes(page) -> dict:
    """Boxes of the page's Leaflet map that draws the communes (see :data:`_MAP_BOXES_JS`)."""
    for frame in page.frames:
        with contextlib.suppress(playwright.Error):
            if frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length"):
                return frame.evaluate(_MAP_BOXES_JS)
    raise AssertionError("no Leaflet map on the page")


def _territory_position(page, x: float, y: float) -> dict:
    """A click position in the map, at fractions ``x``, ``y`` of the territory's box.

    The view is fitted around the corner boxes, so the territory's place in the map
    depends on the map's width: fractions of the map itself can fall beside it.
    """
    boxes = _map_boxes(page)
    territory, frame = boxes["territory"], boxes["map"]
    return {
        "x": territory["l"] - frame["l"] + x * (territory["r"] - territory["l"]),
        "y": territory["t"] - frame["t"] + y * (territory["b"] - territory["t"]),
    }


def _assert_corners_clear(boxes: dict) -> None:
    territory = boxes["territory"]
    assert boxes["communes"] == 352
    # The territory is drawn large: more than half of the map's width or height.
    size = (territory["r"] - territory["l"], territory["b"] - territory["t"])
    frame = boxes["map"]
    assert max(size[0] / (frame["r"] - frame["l"]), size[1] / (frame["b"] - frame["t"])) > 0.5
    assert len(boxes["corners"]) >= 3  # title, layer control, choropleth legend (and places)
    for name, c in boxes["corners"]:
        apart = (
            c["r"] <= territory["l"]
            or c["l"] >= territory["r"]
            or c["b"] <= territory["t"]
            or c["t"] >= territory["b"]
        )
        assert apart, (name, c, territory)


@pytest.mark.parametrize(
    ("path", "heading", "width"),
    [
        ("", "Carte de la Sarthe", 1100),
        ("", "Carte de la Sarthe", 1400),
        ("tournees", "Tournées mobiles", 1100),
    ],
)
def test_map_corner_boxes_leave_the_territory_clear(browser, app_url, path, heading, width):
    # Walk-through 3 at 1,100 × 900: the « Lieux » box hid the southern communes, on
    # Tournées the « Desserte par les lieux fixes » box the south-east and the open
    # layer control the north-east tours; at 1,400 a site at the bottom was hidden.
    page, errors = _open(browser, f"{app_url}/{path}")
    page.get_by_role("heading", name=heading).wait_for()
    page.set_viewport_size({"width": width, "height": 900})  # the map is fitted again
    page.wait_for_timeout(1500)
    boxes = _map_boxes(page)
    page.locator("iframe").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"map_clear_{path or 'carte'}_{width}.png"))
    _assert_corners_clear(boxes)
    assert not errors
    page.close()


def test_recommendation_map_leaves_the_territory_clear(browser, app_url):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.set_default_timeout(90_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/recommandation")
    page.get_by_role("button", name="Calculer la recommandation").click()
    page.get_by_text("Pourquoi ces sites").wait_for(timeout=120_000)
    frame = page.frame_locator(FOLIUM_FRAME).first
    frame.locator(".maillage-decision").first.wait_for()
    page.wait_for_timeout(1500)
    boxes = _map_boxes(page)
    page.locator(FOLIUM_FRAME).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "map_clear_recommandation_1100.png"))
    _assert_corners_clear(boxes)
    assert not errors
    page.close()


def test_no_request_leaves_localhost(browser, app_url):
    # Walk-through 3: every page asked Google Fonts for the :material/map: favicon; the
    # app is offline-first. Every request of a visit to every page, frames included.
    page, errors = _open(browser, app_url)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload()
    page.get_by_role("heading", name="Carte de la Sarthe").wait_for()
    _settle(page)
    for label, heading in PAGE_HEADINGS[1:]:
        _goto(page, label, heading)
    page.wait_for_timeout(1500)
    local = {"127.0.0.1", "localhost"}
    outside = [
        url
        for url in requests
        if not url.startswith(("data:", "blob:", "about:"))
        and urllib.parse.urlsplit(url).hostname not in local
    ]
    assert len(requests) > 20  # the page, its scripts, the maps' frames
    assert outside == []
    assert not errors
    page.close()
