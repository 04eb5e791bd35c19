"""French wherever a user reads: widget texts, labels, names, files served to the browser."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.french import FRENCH_WIDGETS_CSS
from geo import settings
from geo.errors import DataValidationError
from geo.render.style import circuit_label_fr
from geo.territory import UserFiles, build_territory

PAGES = Path(settings.PROJECT_ROOT) / "app_pages"


def test_css_replaces_streamlit_english_texts():
    for hidden in ("stFileUploaderDropzoneInstructions", "__select_all__"):
        assert hidden in FRENCH_WIDGETS_CSS
    for french in ("Choisir un fichier", "50 Mo au plus", "Tout sélectionner"):
        assert f'"{french}' in FRENCH_WIDGETS_CSS or french in FRENCH_WIDGETS_CSS


def test_circuit_labels_read_as_french():
    assert circuit_label_fr("Itinérant — Mairie — Mamers") == "Tournée au départ de Mairie — Mamers"
    assert circuit_label_fr("Camille") == "Tournée au départ de Camille"


def test_missing_site_type_is_said_missing(tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text("nom;type;code_insee\nA;;72181\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(sites=path))
    text = str(info.value)
    assert "type manquant" in text and "« »" not in text


def _run(page: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / page), default_timeout=60)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_carte_explains_scales_and_classes_travel_time_on_the_threshold():
    app = _run("carte.py")
    # The travel model is said even for population: the figures below are travel times.
    assert any("Temps de trajet approximatifs" in w.value for w in app.warning)
    app.selectbox(key="map_indicator").set_value("ifn_global").run()
    assert any("100 = moyenne de la Sarthe, plus = plus fragile" in c.value for c in app.caption)
    app.selectbox(key="map_indicator").set_value("travel_time_min").run()
    schemes = app.selectbox(key="map_scheme_True")
    assert schemes.value == "user_defined"
    assert "seuil de 20 min" in schemes.format_func(schemes.value)


def test_weights_are_whole_percentages_and_the_threshold_reads_in_minutes():
    app = _run("diagnostic.py")
    slider = app.slider(key="w_ifn_global")
    assert isinstance(slider.value, int) and 0 <= slider.value <= 100
    threshold = app.select_slider(key="threshold_min")
    assert threshold.format_func(threshold.value) == "20 min"


def _comboboxes(path: Path) -> list[ast.Call]:
    calls = (node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    return [
        c
        for c in calls
        if isinstance(c, ast.Call)
        and isinstance(c.func, ast.Attribute)
        and c.func.attr in ("selectbox", "multiselect")
    ]


def test_every_combobox_has_a_french_placeholder():
    pages = sorted(PAGES.glob("*.py"))
    calls = {(p.name, c.lineno): c for p in pages for c in _comboboxes(p)}
    assert len(calls) >= 20  # the app's selectboxes and multiselects
    missing = []
    for where, call in calls.items():
        given = {k.arg: k.value for k in call.keywords}.get("placeholder")
        text = given.value if isinstance(given, ast.Constant) else None
        if not (isinstance(text, str) and text.startswith(("Choisir", "Aucun"))):
            missing.append(where)
    assert not missing, missing


def _page_texts(app: AppTest) -> str:
    """Every text the page shows (markdown, notes, metrics and their help, options)."""
    parts = [
        e.value for kind in ("markdown", "caption", "info", "warning") for e in getattr(app, kind)
    ]
    parts += [f"{m.label} {m.help or ''}" for m in app.metric]
    parts += [str(o) for box in app.selectbox for o in box.options]
    return "\n".join(parts)


@pytest.mark.parametrize("page", ["carte.py", "diagnostic.py"])
def test_pages_for_elected_members_carry_no_jargon(page):
    # Walk-through: « 2SFCA », « (maillage network build) », « Gini … (secondaire) ».
    text = _page_texts(_run(page))
    for jargon in ("2SFCA", "maillage network", "(secondaire)", "HiGHS", "unicité"):
        assert jargon not in text, jargon


def test_solver_sentences_are_plain_french():
    from equity.placement.explain import _capacity_reason, _unproven_sentence, solver_summary_fr

    texts = [
        _capacity_reason({"decisive_stage": "unknown"}),
        _unproven_sentence({"proven_stages": 2}),
    ]
    texts.append(solver_summary_fr({"method": "milp", "status": 0}))
    for jargon in ("unicité", "sans preuve", "nombres entiers"):
        assert not any(jargon in t for t in texts), jargon


def test_a_computed_travel_time_gives_the_vintage_of_its_sites():
    # Walk-through: « Temps de trajet … millésime : 2022 » for a time computed today.
    app = _run("carte.py")
    app.selectbox(key="map_indicator").set_value("travel_time_min").run()
    text = _page_texts(app)
    assert "millésime : permanences 2022" in text
    assert "millésime : 2022" not in text


def test_decision_sentence_agrees_in_number():
    # Walk-through: « 1 nouveau(x) lieu(x), 1 renfort(s) » in the recommendation's sentence.
    from equity.placement.explain import _persons_sentence

    persons = {
        "persons_in_need_estimated": 3000.0,
        "capacity_per_advisor": 600.0,
        "advisors_before": 2.0,
        "advisors_after": 4.0,
        "unserved_persons_before": 1800.0,
        "beyond_threshold_persons_before": 100.0,
        "served_persons_before": 1200.0,
        "served_persons_after": 2400.0,
        "unserved_persons_after": 600.0,
    }
    one = _persons_sentence(persons, 20.0, {"new_site": 1, "reinforce": 1})
    assert "(1 nouveau lieu, 1 renfort de permanence)" in one
    two = _persons_sentence(persons, 20.0, {"new_site": 2, "reinforce": 3})
    assert "(2 nouveaux lieux, 3 renforts de permanence)" in two


def test_donnees_sources_table_writes_dates_in_french():
    vintages = _run("donnees.py").dataframe[0].value["Millésime"].tolist()
    assert "1er août 2024" in vintages  # France services, « 2024-08-01 » in the file
    assert "COG 2025 (édition 2 avril 2025)" in vintages
    assert "ARCEP T1 2018, obsolète" in vintages
