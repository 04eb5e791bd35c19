"""A council pack of a scenario with new places, a reinforcement and tours reconciles.

The pack is produced as the Exports page does (``export_scenario`` of a saved scenario,
tours included) and read back with pypdf: every count of places agrees (a reinforced
permanence stays one place), the existing offer is written apart from the proposals,
the Gini carries its caveat, names are whole, plurals and dates are French.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from pypdf import PdfReader

from equity.council_pack import summary_paragraphs
from equity.decision_table import REINFORCE_NAME_PREFIX
from equity.document_tables import comparison_note_fr, listed_names
from equity.inequality import RELATIVE_DISPERSION_NOTE_FR
from equity.reporting import current_situation, decisions_of, view_scenario
from equity.scenarios import Scenario, SiteChanges
from equity.workflows import exports
from equity.workflows.scenario_store import open_store

#: Long names of the Sarthe data that the tables used to cut (« Sainte-Jamme-sur-S… »).
NEW_HALLS = ("Mairie — Sainte-Jamme-sur-Sarthe", "Mairie — Saint-Pierre-du-Lorouër")
REINFORCED = "Centre Social Kaléidoscope (Le Mans)"


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _site(sites, name: str, suffix: str, advisors: int, prefix: str = "") -> dict:
    row = sites.loc[sites["name"] == name].iloc[0]
    return {
        "site_id": f"{row['site_id']}-{suffix}",
        "name": prefix + name,
        "site_type": row["site_type"],
        "code_insee": row["code_insee"],
        "lon": float(row["lon"]),
        "lat": float(row["lat"]),
        "n_advisors": advisors,
    }


@pytest.fixture(scope="module")
def pack(territory, tmp_path_factory):
    """Pages of the pack: two new town halls (1 and 2 advisors) and one reinforcement of 2."""
    sites = territory.sites
    added = [
        _site(sites, NEW_HALLS[0], "reco", 1),
        _site(sites, NEW_HALLS[1], "reco", 2),
        _site(sites, REINFORCED, "renfort", 2, REINFORCE_NAME_PREFIX),
    ]
    out = tmp_path_factory.mktemp("pack")
    store = open_store(out / "scenarios.sqlite")
    scenario = store.save(
        Scenario("Deux lieux et un renfort", {"threshold_min": 20}, SiteChanges(added=added))
    )
    (path,) = exports.export_scenario(territory, scenario, exports.ExportRequest("pack"), out)
    return [page.extract_text() for page in PdfReader(path).pages]


def _page(pages: list[str], title: str) -> str:
    return next(p for p in pages if p.startswith(title))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " "))


def test_every_count_of_places_agrees(territory, pack):
    permanences = territory.sites[
        (territory.sites["site_type"] == "cnfs_permanence")
        & territory.sites["code_insee"].isin(territory.communes.index)
    ]
    existing = len(permanences)
    assert existing == 36  # the default data, as every page of the app says
    after = existing + 2  # the reinforced permanence stays one place
    summary = _flat(pack[1])
    assert (
        "Ce qui est proposé : 5 conseillers numériques de plus, 3 dans 2 nouveaux lieux et 2 en "
        "renfort de 1 permanence existante. Les lieux d'accompagnement passent de "
        f"{existing} à {after}"
    ) in summary
    assert f"Lieux d'accompagnement {existing} {after}" in summary
    figures = _flat(next(p for p in pack if p.startswith("Chiffres clés")))
    assert f"dans {after} lieux, plus" in figures
    method = _flat(" ".join(p for p in pack if p.startswith("Note de méthode")))
    assert f"Offre existante : Permanence conseiller numérique ({existing})," in method
    assert "Mairie (" not in method  # the proposed town halls are not « existante »
    assert (
        "Propositions du scénario, en plus de l'offre existante : 5 conseillers numériques de "
        "plus, 3 dans 2 nouveaux lieux (Mairie : 2) et 2 en renfort de 1 permanence existante, "
        f"qui reste un lieu. Avec le scénario : {after} lieux et"
    ) in method


def test_gini_carries_its_caveat_and_its_difference_adds_up(pack):
    comparison = _flat(_page(pack, "Comparaison des scénarios"))
    before, after, delta = re.search(
        r"Gini des temps de trajet (\d,\d\d) (\d,\d\d) ([+-]?\d,\d\d)", comparison
    ).groups()
    number = [float(v.replace(",", ".")) for v in (before, after, delta)]
    assert number[2] == pytest.approx(number[1] - number[0], abs=1e-9)
    caveat = _flat(RELATIVE_DISPERSION_NOTE_FR)
    assert caveat in comparison
    method = _flat(" ".join(p for p in pack if p.startswith("Note de méthode")))
    assert "Gini des temps de trajet : les indices de Gini" in method
    figures = _flat(next(p for p in pack if p.startswith("Chiffres clés")))
    assert "mesure relative : peut augmenter quand tous les temps baissent" in figures


def test_names_are_whole_in_the_tables(pack):
    decisions = _page(pack, "Décisions proposées")
    for name in (*NEW_HALLS, REINFORCED):
        assert _squeezed(name) in _squeezed(decisions), name
    tables = [p for p in pack if p.startswith(("Décisions", "Tournées mobiles", "Zones mal"))]
    assert tables and not any("…" in p for p in tables)


def test_tours_footnote_says_what_a_row_is(pack):
    title = "Tournées mobiles : circuits sur quatre semaines"
    tours = _flat(" ".join(p for p in pack if p.startswith(title)))
    assert "Chaque ligne est le circuit d'un conseiller : une demi-journée" in tours
    assert "« journée » : matin et après-midi" in tours
    assert "matin, après-midi" not in tours
    assert re.search(
        r" \d (lundi|mardi|mercredi|jeudi|vendredi) (matin|après-midi|journée) ", tours
    )


def test_plurals_and_dates_are_french(pack):
    text = "\n".join(pack)
    assert not re.findall(r"\w\((?:s|x|e|es)\)", text)
    annex = _flat(_page(pack, "Annexe : sources et licences"))
    assert "France services : ANCT, 1er août 2024" in annex
    assert "édition 2 avril 2025" in annex
    assert not re.search(r"\b\d{4}-(?:0[1-9]|1[0-2])\b", annex)


def test_comparison_note_adds_the_gini_caveat_only_under_a_gini():
    with_gini = pd.DataFrame(index=["Conseillers", "Gini des temps de trajet"])
    assert comparison_note_fr(with_gini).endswith(RELATIVE_DISPERSION_NOTE_FR)
    assert RELATIVE_DISPERSION_NOTE_FR not in comparison_note_fr(
        pd.DataFrame(index=["Conseillers"])
    )


def test_zone_lists_name_whole_communes_and_count_the_others():
    names = ", ".join(f"Commune {i}" for i in range(1, 14))
    assert listed_names(names, limit=10) == (
        ", ".join(f"Commune {i}" for i in range(1, 11)) + " et 3 autres communes"
    )
    assert listed_names("Écommoy") == "Écommoy"
    assert listed_names("A, B", limit=1) == "A et 1 autre commune"


def test_current_situation_summary_has_no_nested_brackets(territory):
    view = view_scenario(territory, current_situation())
    (text,) = summary_paragraphs(
        decisions_of(territory, view), view.diagnosis, view.diagnosis, {}, None
    )
    assert text.startswith(
        "Ce scénario n'ajoute aucun conseiller ; il décrit l'offre actuelle : Permanence "
        "conseiller numérique (36), plus 37 lieux hors Sarthe (38 conseillers, capacité"
    )
    assert not re.search(r"\([^()]*\(", text)


def test_an_unsaved_scenario_is_compared_with_the_current_situation(territory, tmp_path):
    """A scenario never saved (no version) used to be compared with itself: 37 → 37."""
    added = [_site(territory.sites, NEW_HALLS[0], "reco", 1)]
    scenario = Scenario("Brouillon", {"threshold_min": 20}, SiteChanges(added=added))
    assert scenario.version is None
    (path,) = exports.export_scenario(territory, scenario, exports.ExportRequest("pack"), tmp_path)
    summary = _flat(PdfReader(path).pages[1].extract_text())
    assert "Lieux d'accompagnement 36 37" in summary
