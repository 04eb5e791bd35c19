"""Page labels of item 31 (walk 3): the Données sources table writes its dates in French."""

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
    assert "ARCEP T1 2018, obsolète" in vintages
