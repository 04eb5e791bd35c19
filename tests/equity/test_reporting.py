"""Council documents composed from a scenario, and the export / scenario commands."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from pypdf import PdfReader
from sample_sites import LOUE

from equity.cli import main
from equity.decision_table import decision_sites
from equity.reporting import (
    comparison_table,
    current_situation,
    decisions_of,
    export,
    export_stem,
    map_spec,
    travel_bounds,
    view_scenario,
)
from equity.scenarios import Scenario, SiteChanges
from equity.scenarios.comparison import Comparison
from equity.underserved import underserved_category
from equity.workflows import MobileRequest, plan_mobile
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
    # Loué's town hall is next to the Loué permanence: the addition reinforces it.
    (layer,) = spec.marker_layers
    assert layer.points["site_id"].tolist() == ["new-loue"]
    assert layer.label == "Conseiller en renfort d'une permanence"
    assert "new-loue" not in set(spec.sites["site_id"])
    assert "Plan Loué — seuil 20 min" in spec.subtitle
    # Maps name their sources without licences (those are in the pack's annex).
    assert any(line.startswith("Indice de fragilité numérique") for line in spec.sources)
    assert not any("vérifier" in line or "Licence" in line for line in spec.sources)
    # Travel times are classed with the 20-min threshold as a bound.
    assert spec.scheme == "user_defined" and 20.0 in spec.user_bounds
    with pytest.raises(ValueError, match="Type de carte inconnu"):
        map_spec(territory, plan, "weather")


def _far_hall(territory) -> dict:
    """The first town hall more than 5 km from every open permanence, as an addition."""
    sites = territory.sites
    halls = sites[sites["site_type"] == "town_hall"]
    permanences = sites[sites["site_type"] == "cnfs_permanence"]
    far = halls[[permanences.distance(g).min() > 5_000 for g in halls.geometry]].iloc[0]
    return {
        "site_id": f"{far['site_id']}-ajout",
        "name": far["name"],
        "site_type": "town_hall",
        "code_insee": far["code_insee"],
        "lon": float(far["lon"]),
        "lat": float(far["lat"]),
        "n_advisors": 1,
    }


def test_decisions_tell_new_sites_from_reinforcements(territory):
    sites = territory.sites.set_index("site_id")
    permanence = sites.loc[sites["name"] == "La Poste (Marolles-les-Braults)"].iloc[0]
    near = {  # 50 m from the permanence: the planner reinforces it
        "site_id": "renfort-marolles",
        "name": "Renfort Marolles",
        "site_type": "user",
        "code_insee": permanence["code_insee"],
        "lon": float(permanence["lon"]) + 0.0006,
        "lat": float(permanence["lat"]),
        "n_advisors": 2,
    }
    far = _far_hall(territory)
    scenario = Scenario("Deux décisions", {"threshold_min": 20}, SiteChanges(added=[far, near]))
    view = view_scenario(territory, scenario)
    reference = view_scenario(territory, current_situation())
    table = decisions_of(territory, view, reference).set_index("site_id")
    assert table.loc[far["site_id"], "kind"] == "new_site"
    assert table.loc["renfort-marolles", "kind"] == "reinforce"
    assert table.loc["renfort-marolles", "reinforces"] == "La Poste (Marolles-les-Braults)"
    assert table.loc[far["site_id"], "commune"] == territory.communes.at[far["code_insee"], "name"]
    assert table.loc["renfort-marolles", "advisors"] == 2
    # The new site accompanies what the capacity allocation gives it (≤ 600 a year).
    load = view.diagnosis.site_load
    expected = load[far["site_id"]]
    assert table.loc[far["site_id"], "persons_served"] == pytest.approx(expected)
    assert 0 < expected <= 600
    # A reinforcement shares its place's load with the reinforced site (2 of 3 advisors).
    together = load["renfort-marolles"] + load[permanence.name]
    assert together > 0
    assert table.loc["renfort-marolles", "persons_served"] == pytest.approx(together * 2 / 3)
    assert table.loc["renfort-marolles", "place_advisors"] == 3
    assert table.loc["renfort-marolles", "why"].startswith("Renforce « La Poste")


def test_a_kind_given_by_the_placement_wins(territory, views):
    _, plan = views
    added = plan.added_sites.assign(kind="reinforce")
    table = decision_sites(territory.communes, plan.diagnosis, added)
    assert table["kind"].tolist() == ["reinforce"]
    table = decision_sites(
        territory.communes, plan.diagnosis, plan.added_sites.assign(kind="new_site")
    )
    assert table["kind"].tolist() == ["new_site"]


def test_pack_sections_and_data_exports(territory, views, tmp_path):
    reference, plan = views
    (pack,) = export("pack", territory, plan, tmp_path, reference=reference)
    pages = [page.extract_text() for page in PdfReader(pack).pages]
    text = "\n".join(pages)
    for title in (
        "Synthèse pour les élus — Plan Loué",
        "Décisions proposées",
        "Chiffres clés — Plan Loué",
        "Note de méthode",
        "Temps d'accès à un lieu d'aide au numérique",
        "Communes et zones mal desservies",
        "Nouveaux conseillers, renforts et temps d'accès",
        "Équilibre par EPCI",
        "Comparaison des scénarios",
        "Annexe : sources et licences",
    ):
        assert title in text, title
    assert "approximatifs" in text
    # The summary is page 2 and says what, where, for whom and the cost.
    summary = pages[1]
    for words in (
        "Ce qui est proposé : 1 conseiller",
        "Où : CC LBN Communauté (1)",
        "Coût : 50",
        "Pour qui",
    ):
        assert words in summary, words
    assert "Où vont les nouveaux conseillers" in summary
    # Map pages point to the annex; licences appear in the annex only.
    map_pages = [p for p in pages if "Minutes jusqu'au lieu" in p]
    assert map_pages and all("Sources : voir annexe" in p for p in map_pages)
    assert not any("vérifier" in p for p in map_pages)
    assert "Licence Ouverte 2.0" in pages[-1]
    # Walk-through: the annex printed working notes (« sans licence : à vérifier »).
    assert "vérifier" not in pages[-1]
    assert "licence de l'éditeur d'origine" in pages[-1]
    method = next(p for p in pages if p.startswith("Note de méthode") or "Note de méthode\n" in p)
    assert len(method.splitlines()) > 20

    files = export("csv", territory, plan, tmp_path)
    communes = read_csv_fr(files[0], dtype={"Code INSEE": str})
    assert len(communes) == 352
    assert communes["Population 2022"].sum() == 566_733
    assert {"Code INSEE", "Nom", "EPCI", "Temps de trajet (min)", "Indice de besoin (0–1)"} <= set(
        communes
    )
    # Rounded values, percentages, lon/lat in WGS 84 (no Lambert-93 geometry).
    assert (communes["Temps de trajet (min)"] == communes["Temps de trajet (min)"].round(1)).all()
    assert communes["Locaux raccordables à la fibre (%)"].max() == 100
    assert "geometry" not in communes
    assert communes["Longitude (WGS 84)"].between(-0.5, 1.0).all()
    assert communes["Latitude (WGS 84)"].between(47.5, 48.5).all()
    epci = read_csv_fr(files[2])
    assert epci["Part de la population sous le seuil (%)"].between(0, 100).all()
    assert epci["Part de la population sous le seuil (%)"].max() > 1
    sites = read_csv_fr(files[1])
    assert set(sites["Type de lieu"]) == {"Permanence conseiller numérique", "Mairie"}
    scenario = json.loads(files[-1].read_text(encoding="utf-8"))
    assert scenario["changes"]["added"][0]["site_id"] == "new-loue"
    with pytest.raises(ValueError, match="Export inconnu"):
        export("fax", territory, plan, tmp_path)


def test_pack_of_the_current_situation_does_not_speak_of_new_advisors(territory, views, tmp_path):
    # Walk-through: the current situation's summary map was titled « Où vont les
    # nouveaux conseillers », with none to show.
    reference, _ = views
    (pack,) = export("pack", territory, reference, tmp_path, reference=reference)
    summary = PdfReader(pack).pages[1].extract_text()
    assert "Lieux d'accompagnement actuels" in summary
    assert "nouveaux conseillers" not in summary.lower()


def test_before_after_maps_share_class_bounds(territory, views):
    reference, plan = views
    bounds = travel_bounds(reference, plan)
    before = map_spec(territory, reference, "situation", bounds=bounds)
    after = map_spec(territory, plan, "scenario", bounds=bounds)
    assert before.user_bounds == after.user_bounds == bounds
    assert 20.0 in bounds
    # Both maps are drawn with those classes: same legend labels.
    labels = [
        classify(s.communes[s.column], s.scheme, user_bounds=s.user_bounds).labels[:-1]
        for s in (before, after)
    ]
    assert labels[0] == labels[1]


def test_pack_lists_every_decision_and_the_tours_when_asked(territory, tmp_path):
    sites = territory.sites.set_index("site_id")
    halls = sites[sites["site_type"] == "town_hall"].loc[["mairie-72180", "mairie-72264"]]
    added = [
        {
            "site_id": f"{i}-ajout",
            "name": row["name"],
            "site_type": "town_hall",
            "code_insee": row["code_insee"],
            "lon": float(row["lon"]),
            "lat": float(row["lat"]),
            "n_advisors": 1,
        }
        for i, row in halls.iterrows()
    ]
    scenario = Scenario("Deux lieux", {"threshold_min": 20}, SiteChanges(added=[LOUE, *added]))
    view = view_scenario(territory, scenario)
    reference = view_scenario(territory, current_situation())
    mobile = plan_mobile(territory, view.diagnosis, MobileRequest(), None)
    (pack,) = export("pack", territory, view, tmp_path, reference=reference, mobile=mobile)
    pages = [page.extract_text() for page in PdfReader(pack).pages]
    decisions = next(p for p in pages if p.startswith("Décisions proposées"))
    for name in ("Mairie de Loué", "Mairie — Mamers", "Mairie — Sablé-sur-Sarthe"):
        assert decisions.count(name) == 1, name
    assert "Nouveau lieu" in decisions
    assert (
        len([line for line in decisions.splitlines() if line.startswith(("1 ", "2 ", "3 "))]) == 3
    )
    reasons = next(p for p in pages if p.startswith("Pourquoi ces décisions"))
    assert "1. Mairie de Loué (Loué) : " in reasons
    tours = [p for p in pages if "Tournées mobiles" in p]
    assert any("circuits sur quatre semaines" in p for p in tours)
    # Walk-through: the « Arrêts » column read « m, a, i, r, i, e, -, 7, … » (the ids'
    # text iterated letter by letter): stops are named, in order.
    circuits_text = "\n".join(p for p in tours if "circuits sur quatre semaines" in p)
    first = mobile.circuits.iloc[0]["stop_ids"].split(" → ")[0]
    assert str(mobile.stops.loc[first, "name"]).split(" ")[0] in circuits_text
    assert "m, a, i, r" not in circuits_text and "-, 7" not in circuits_text
    assert any("Base d'une tournée" in p for p in tours)
    # The printable calendar: one page per advisor and week of the 4-week cycle.
    advisors = mobile.schedule["advisor_id"].nunique()
    calendar = [
        p
        for p in pages
        if p.startswith("Tournées mobiles — ") and ", semaine " in " ".join(p.splitlines()[:3])
    ]
    assert len(calendar) >= advisors and len(calendar) <= 4 * advisors
    (without,) = export("pack", territory, view, tmp_path / "sans", reference=reference)
    assert not any(
        "circuits sur quatre semaines" in p.extract_text() for p in PdfReader(without).pages
    )


def test_offline_html_carries_title_scenario_date_sources_and_caveat(territory, views, tmp_path):
    reference, plan = views
    (page,) = export("html", territory, plan, tmp_path, reference=reference)
    text = page.read_text(encoding="utf-8")
    assert "Plan Loué — temps d" in text
    assert "Scénario : Plan Loué — seuil 20 min." in text
    assert "Carte produite le " in text
    assert "Temps de trajet approximatifs" in text
    assert "Sources : Limites communales" in text
    # The added advisor (a reinforcement of Loué) is a star outside the layer control.
    assert text.count("maillage-decision maillage-reinforce") == 1
    assert "Conseiller en renfort d" in text


def test_print_map_file_names_are_french(territory, views, tmp_path):
    _, plan = views
    (path,) = export("map", territory, plan, tmp_path, map_kind="scenario", fmt="svg")
    assert path.name.endswith("-carte-placement-A4-paysage.svg")


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


def test_tours_print_map_shows_bases_stops_circuits_and_decisions(territory, views, tmp_path):
    _, plan = views
    mobile = plan_mobile(territory, plan.diagnosis, MobileRequest(), None)
    spec = map_spec(territory, plan, "mobile", mobile=mobile)
    layers = {layer.label: layer.points for layer in spec.marker_layers}
    assert set(layers) == {
        "Conseiller en renfort d'une permanence",
        "Base d'une tournée",
        "Arrêt de tournée mobile",
    }
    assert len(layers["Arrêt de tournée mobile"]) == len(mobile.stops) > 0
    bases = {str(a).removeprefix("mobile-") for a in mobile.circuits["advisor_id"]}
    assert set(layers["Base d'une tournée"]["site_id"]) == bases
    (a3,) = export("map", territory, plan, tmp_path, map_kind="mobile", paper="A3", mobile=mobile)
    text = PdfReader(a3).pages[0].extract_text()
    for label in ("Base d'une tournée", "Arrêt de tournée mobile", "Tournée au départ de"):
        assert label in text, label
    assert "Circuit de" not in text


def test_comparison_differences_are_those_of_the_figures_shown():
    # Walk-through: « Gini 0,44 0,46 0,01 » (the difference of the unrounded values), and
    # gains without a sign next to losses written « -4 532 ».
    figures = pd.DataFrame(
        {"Actuel": [0.4449, 0.991, 41.0, 20.0], "Plan": [0.4551, 0.994, 61.0, 18.0]},
        index=["Gini des temps de trajet", "Part de la population sous le seuil",
               "Conseillers", "Communes mal desservies"],
    )  # fmt: skip
    figures["Δ Plan"] = figures["Plan"] - figures["Actuel"]
    table = comparison_table(Comparison(figures, pd.DataFrame(), pd.DataFrame()))
    assert table.loc["Gini des temps de trajet"].tolist() == ["0,44", "0,46", "+0,02"]
    assert table.loc["Part de la population sous le seuil", "Δ Plan"] == "+0,3 pt"
    assert table.loc["Conseillers", "Δ Plan"] == "+20"
    assert table.loc["Communes mal desservies", "Δ Plan"] == "-2"
