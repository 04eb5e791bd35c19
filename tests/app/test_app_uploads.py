"""The Données page keeps uploads inside the uploads folder and shows user text as text."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo import settings

PAGE = Path(settings.PROJECT_ROOT) / "app_pages" / "donnees.py"
MARKET = "nom;type;code_insee\nMarché de Loué;marché;72168\n".encode()
INJECTED = b"nom;type;code_insee\nLieu;![p](http://host/x.png);72168\n"
TRAVERSAL = "../../../../x.csv"


def _submit(content: bytes, name: str) -> AppTest:
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.run()
    app.file_uploader(key="upload_sites").set_value((name, content, "text/csv"))
    next(b for b in app.button if b.label == "Valider et appliquer").click().run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def _outside_uploads(tmp_path: Path) -> list[Path]:
    """Files named after the upload anywhere the traversal could reach, or stray files."""
    # The territory cache is the page's own output; anything else must be an upload.
    allowed = (settings.PROCESSED_DIR / "uploads", settings.PROCESSED_DIR / "territory")
    roots = [tmp_path, *tmp_path.parents[:4]]
    found = {p for root in roots for p in root.glob("x.csv")}
    found |= {
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and not any(folder in p.parents for folder in allowed)
    }
    return sorted(found)


def test_traversal_upload_is_kept_inside_the_uploads_folder(tmp_path):
    app = _submit(MARKET, TRAVERSAL)
    kept = sorted((settings.PROCESSED_DIR / "uploads").iterdir())
    assert len(kept) == 1 and kept[0].name.startswith("sites-")
    assert _outside_uploads(tmp_path) == []
    assert app.session_state["user_files"].sites == kept[0]
    assert app.session_state["user_file_names"] == {str(kept[0]): "x.csv"}


def test_refused_upload_creates_nothing_and_shows_user_text_as_text(tmp_path):
    app = _submit(INJECTED, TRAVERSAL)
    uploads = settings.PROCESSED_DIR / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert _outside_uploads(tmp_path) == []
    (error,) = [e.value for e in app.error if "Fichier refusé" in e.value]
    assert "![p](" not in error and "\\!\\[p\\]\\(http\\:" in error
    assert "/tmp" not in error and str(settings.PROCESSED_DIR) not in error
    assert "user_files" not in app.session_state
