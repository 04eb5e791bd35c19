"""Council documents composed from a scenario, and the export / scenario commands."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from pypdf import PdfReader
from sample_sites import LOUE

from equity.cli import main
from equity.reporting import current_situation, export, export_stem, map_spec, view_scenario
from equity.scenarios import Scenario, SiteChanges
from equity.underserved import underserved_category
from geo.exports import read_csv_fr
from geo.maps import classify


@pytest.fixture(scope="module")
def views(territory):
    reference = view_scenario(territory, current_situation())
    plan = view_scenario(
        territory, Scenario("Plan Loué", {"threshold_min": 20}, SiteChanges(added=[LOUE]))
    )
    return reference, plan


def test_underserved_map_categories_keep_order_and_neutral_colour():
    reason = pd.Series(
        ["capacité insuffisante", None, "éloignement et capacité insuffisante", None]
    )
    classes = classify(
        underserved_category(reason), "categorical", category_colors={"bien desservie": "#e8e8e8"}
    )
    assert classes.labels == [
        "éloignement et capacité insuffisante",
        "capacité insuffisante",
        "bien desservie",
    ]
    assert classes.colors[-1] == "#e8e8e8"
    assert classes.codes.tolist() == [1, 2, 0, 2]


def test_map_specs_carry_the_travel_model_caveat(territory, views):
    _, plan = views
    spec = map_spec(territory, plan, "scenario")
    assert spec.approximate_travel
    assert spec.highlight_sites["site_id"].tolist() == ["new-loue"]
    assert "Plan Loué — seuil 20 min" in spec.subtitle
    assert any("Licence Ouverte" in line for line in spec.sources)
    with pytest.raises(ValueError, match="Type de carte inconnu"):
        map_spec(territory, plan, "weather")


def test_pack_sections_and_data_exports(territory, views, tmp_path):
    reference, plan = views
    (pack,) = export("pack", territory, plan, tmp_path, reference=reference)
    text = "\n".join(page.extract_text() for page in PdfReader(pack).pages)
    for title in (
        "Chiffres clés — Plan Loué",
        "Note de méthode",
        "Temps d'accès à un lieu d'aide au numérique",
        "Communes et zones mal desservies",
        "Placement recommandé et temps d'accès",
        "Équilibre par EPCI",
        "Comparaison des scénarios",
    ):
        assert title in text, title
    assert "approximatifs" in text

    files = export("csv", territory, plan, tmp_path)
    communes = read_csv_fr(files[0], dtype={"code_insee": str})
    assert len(communes) == 352
    assert communes["population_2022"].sum() == 566_733
    assert {"code_insee", "nom", "epci", "temps_trajet_min", "indice_besoin"} <= set(communes)
    sites = read_csv_fr(files[1])
    assert set(sites["type"]) == {"Permanence conseiller numérique", "Mairie"}
    scenario = json.loads(files[-1].read_text(encoding="utf-8"))
    assert scenario["changes"]["added"][0]["site_id"] == "new-loue"
    with pytest.raises(ValueError, match="Export inconnu"):
        export("fax", territory, plan, tmp_path)


def test_cli_scenario_and_export_flow(tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "name": "Plan Loué",
                "parameters": {"threshold_min": 20},
                "changes": {"added": [LOUE]},
            }
        ),
        encoding="utf-8",
    )
    db = str(tmp_path / "s.sqlite")
    assert main(["scenario", "--db", db, "import", str(plan)]) == 0
    assert main(["scenario", "--db", db, "import", str(plan), "--name", "Copie"]) == 0
    assert main(["scenario", "--db", db, "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"Copie"' in out and '"Plan Loué"' in out
    compared = tmp_path / "cmp.json"
    assert (
        main(["scenario", "--db", db, "compare", "Plan Loué", "Copie", "--json", str(compared)])
        == 0
    )
    assert json.loads(compared.read_text(encoding="utf-8"))["access_changes"] == []
    assert main(["scenario", "--db", db, "show", "Absent"]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert (
        main(
            [
                "export",
                "--db",
                db,
                "--scenario",
                "Plan Loué",
                "--what",
                "gpkg",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert (tmp_path / f"{export_stem('Plan Loué')}.gpkg").is_file()


def test_cli_export_pack_of_a_45_minute_scenario(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps({"name": "Loin", "parameters": {"threshold_min": 45}, "changes": {}}),
        encoding="utf-8",
    )
    db = str(tmp_path / "s.sqlite")
    assert main(["scenario", "--db", db, "import", str(plan)]) == 0
    args = ["export", "--db", db, "--scenario", "Loin", "--what", "pack", "--out", str(tmp_path)]
    assert main(args) == 0
    text = "\n".join(
        p.extract_text() for p in PdfReader(tmp_path / f"{export_stem('Loin')}-dossier.pdf").pages
    )
    assert "Population à moins de 45 min" in text


def test_export_names_are_safe_bounded_and_unique_per_scenario(territory, views, tmp_path):
    assert export_stem("Plan Loué").startswith("plan-loue-")
    assert export_stem("Plan A") != export_stem("plan-a")
    assert export_stem("../../etc/passwd").startswith("etc-passwd-")
    long_name = export_stem("x" * 10_000)
    assert len(long_name) <= 60 + 9 and long_name == export_stem("x" * 10_000)
    reference, _ = views
    for name in ("Plan A", "plan-a", "é" * 10_000):
        view = replace(reference, scenario=replace(reference.scenario, name=name))
        (path,) = export("html", territory, view, tmp_path)
        assert path.parent == tmp_path
    assert len(list(tmp_path.glob("*-carte.html"))) == 3
