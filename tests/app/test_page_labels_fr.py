"""Page labels of item 31 (walk 3): French dates, no nested brackets, no vintage for a time."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo import settings

PAGES = Path(settings.PROJECT_ROOT) / "app_pages"


def _run(page: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / page), default_timeout=60)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_donnees_sources_table_writes_dates_in_french():
    vintages = _run("donnees.py").dataframe[0].value["Millésime"].tolist()
    assert "1er août 2024" in vintages  # France services, « 2024-08-01 » in the file
    assert "COG 2025 (édition 2 avril 2025)" in vintages
    assert "ARCEP T1 2018 (obsolète)" in vintages


def test_carte_labels_have_no_nested_brackets_nor_a_vintage_for_a_travel_time():
    app = _run("carte.py")
    labels = [app.selectbox(key="map_indicator").format_func(k) for k in ("fibre_share",)]
    assert labels == ["Part des locaux raccordables à la fibre — ARCEP T1 2018 (obsolète)"]
    app.selectbox(key="map_indicator").set_value("travel_time_min").run()
    caption = next(c.value for c in app.caption if "Temps de trajet jusqu'au lieu" in c.value)
    assert "millésime" not in caption
    assert "lieux : permanences 2022" in caption
