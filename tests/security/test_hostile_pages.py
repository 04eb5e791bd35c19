"""Pages under hostile input: no traceback, French text, true counts, nothing kept (issue 16)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from equity.scenarios import Scenario, ScenarioStore, SiteChanges
from geo import settings
from geo.network import NETWORK_FILE

PAGES = Path(settings.PROJECT_ROOT) / "app_pages"
NNBSP = "\u202f"  # French thousands separator


def _page(name: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / name), default_timeout=120)
    app.run()
    return app


def _no_traceback(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]


def _texts(app: AppTest) -> str:
    boxes = [*app.error, *app.warning, *app.info, *app.success, *app.markdown]
    return "\n".join(str(b.value) for b in boxes)


def _upload(app: AppTest, name: str, content: bytes) -> AppTest:
    app.file_uploader(key="upload_sites").set_value((name, content, "text/csv"))
    next(b for b in app.button if b.label == "Valider et appliquer").click().run()
    _no_traceback(app)
    return app


def _stray_files(root: Path) -> list[Path]:
    """Files written anywhere under ``root`` except the page's own folders."""
    own = (settings.PROCESSED_DIR / "uploads", settings.PROCESSED_DIR / "territory")
    return [p for p in root.rglob("*") if p.is_file() and not any(f in p.parents for f in own)]


_NASTY_CSV = "nom;type;code_insee;nb_conseillers\n"
_HOSTILE_UPLOADS = {
    "../../road_network.json": b'{"n_nodes": 1}',
    "../../../../tmp/x.csv": (_NASTY_CSV + "![p](http://host/x.png);user;72181;1e308\n").encode(),
    "<script>alert(1)</script>.csv": (_NASTY_CSV + "A\x00B;user;7201;1\n").encode(),
    "[lien](http://host/x).geojson": json.dumps(
        {"type": "FeatureCollection", "features": 5}
    ).encode(),
    "deep.geojson": b"[" * 100_000 + b"]" * 100_000,
    "binaire.csv": bytes(range(256)) * 64,
    "large.csv": (";".join(f"c{i}" for i in range(20_000)) + "\n").encode(),
    "vide.csv": b"",
}


def test_hostile_uploads_show_french_text_and_keep_nothing(tmp_path):
    app = _page("donnees.py")
    for name, content in _HOSTILE_UPLOADS.items():
        _upload(app, name, content)
        (error,) = [e.value for e in app.error if "Fichier refusé" in e.value]
        assert "/tmp" not in error and str(tmp_path) not in error, error
        assert "Traceback" not in error and "Error" not in error
    assert "user_files" not in app.session_state
    assert _stray_files(tmp_path) == []
    uploads = settings.PROCESSED_DIR / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_donnees_gives_the_true_count_beyond_the_problems_kept():
    rows = "".join(f"Lieu {i};user;72181;-{i + 1}\n" for i in range(1_200))
    app = _upload(_page("donnees.py"), "lieux.csv", (_NASTY_CSV + rows).encode())
    (error,) = [e.value for e in app.error if "Fichier refusé" in e.value]
    assert error.startswith(f"Fichier refusé — 1{NNBSP}200 problèmes.")
    assert error.count("\n- ") == 101  # 100 listed, then the rest counted
    assert error.endswith(f"- … et 1{NNBSP}100 autres problèmes.")


def test_donnees_says_a_damaged_network_is_ignored():
    settings.PROCESSED_DIR.mkdir(parents=True)
    (settings.PROCESSED_DIR / NETWORK_FILE).write_bytes(b"PK\x03\x04 tronqu\xe9")
    app = _page("donnees.py")
    _no_traceback(app)
    text = _texts(app)
    assert "Réseau routier endommagé : il est ignoré." in text
    assert "Aucun réseau routier construit" not in text


@pytest.fixture
def tampered_store() -> str:
    """A shared store whose latest scenario's payload was edited by hand."""
    path = settings.PROCESSED_DIR / "scenarios.sqlite"
    ScenarioStore(path).save(Scenario("Plan B", {"threshold_min": 20}, SiteChanges()))
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO versions VALUES ('Plan B', 2, '2026-01-01T00:00:00+00:00', '', '', ?)",
        (json.dumps({"name": "Plan B", "parameters": {"offer_types": 3}}),),
    )
    db.commit()
    db.close()
    return "Plan B"


def test_scenarios_page_with_a_tampered_scenario(tampered_store):
    app = _page("scenarios.py")
    _no_traceback(app)
    assert any("« Plan B » enregistré est illisible" in e.value for e in app.error)
    app.selectbox(key="scenario_base").set_value(tampered_store).run()
    _no_traceback(app)
    assert any("doit être une liste non vide de types de lieux" in e.value for e in app.error)


def test_exports_page_with_a_tampered_scenario(tampered_store):
    app = _page("exports.py")
    next(s for s in app.selectbox if s.label == "Scénario").set_value(tampered_store)
    next(b for b in app.button if b.label == "Préparer le fichier").click().run()
    _no_traceback(app)
    assert any("« Plan B » enregistré est illisible" in e.value for e in app.error)
