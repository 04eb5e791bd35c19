"""The sidebar's département choice drives every page of the session."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo import settings

PAGES = Path(settings.PROJECT_ROOT) / "app_pages"


def test_choosing_orne_in_the_sidebar_changes_the_map_and_its_figures():
    app = AppTest.from_file(str(PAGES / "carte.py"), default_timeout=90)
    app.run()
    assert app.selectbox(key="departement").value == "72"
    app.selectbox(key="departement").set_value("61").run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.title[0].value == "Carte de l'Orne"
    assert [m.value for m in app.metric][:2] == ["381", "275\u202f201"]


def test_donnees_page_states_the_missing_layers_of_mayenne():
    app = AppTest.from_file(str(PAGES / "donnees.py"), default_timeout=90)
    app.session_state["departement"] = "53"
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    shown = [*app.markdown, *app.warning, *app.info, *app.caption]
    # Page text is markdown-escaped (escape_markdown): compare without the backslashes.
    texts = " ".join(str(e.value) for e in shown).replace("\\", "")
    assert "Couches absentes pour la Mayenne (53)" in texts
