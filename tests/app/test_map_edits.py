"""Edits made by clicking on a map: the commune clicked, a site there, a draft scenario."""

from __future__ import annotations

import pytest

from equity.recommend import candidate_sites
from equity.reporting import current_situation
from equity.workflows import evaluate_scenario, run_diagnosis
from equity.workflows.diagnosis import DiagnoseRequest
from equity.workflows.scenario_edit import (
    commune_at,
    moved_addition,
    site_at,
    sites_in_communes,
    with_map_edits,
)

LE_MANS = (0.1996, 48.0061)  # place de la République
PARIS = (2.3522, 48.8566)


def test_commune_at_a_clicked_point(territory):
    assert commune_at(territory, *LE_MANS) == "72181"
    assert commune_at(territory, *PARIS) is None


def test_site_at_a_clicked_point(territory):
    site = site_at(territory, *LE_MANS)
    assert site["code_insee"] == "72181"
    assert site["name"] == "Nouveau lieu — Le Mans"
    assert site["site_type"] == "user" and site["n_advisors"] == 1
    assert (site["lon"], site["lat"]) == LE_MANS
    with pytest.raises(ValueError, match="hors du territoire"):
        site_at(territory, *PARIS)


def test_draft_with_a_click_addition_and_a_click_move(territory):
    base = current_situation({"threshold_min": 20})
    permanence = territory.sites[territory.sites["site_type"] == "cnfs_permanence"].iloc[0]
    draft = with_map_edits(
        base,
        [site_at(territory, *LE_MANS)],
        {permanence["site_id"]: (0.30, 47.90)},
    )
    assert [a["code_insee"] for a in draft.changes.added] == ["72181"]
    assert draft.changes.moved == [{"site_id": permanence["site_id"], "lon": 0.3, "lat": 47.9}]
    # A second move of the same site replaces the first.
    again = with_map_edits(draft, [], {permanence["site_id"]: (0.31, 47.91)})
    assert again.changes.moved == [{"site_id": permanence["site_id"], "lon": 0.31, "lat": 47.91}]
    assert len(again.changes.added) == 1
    _, before = evaluate_scenario(territory, base)
    _, after = evaluate_scenario(territory, draft)
    assert after.headline()["advisors"] == before.headline()["advisors"] + 1


def _recommended_hall(territory, code: str) -> dict:
    hall = territory.sites.set_index("site_id").loc[f"mairie-{code}"]
    return {
        "site_id": f"mairie-{code}-ajout",
        "name": hall["name"],
        "site_type": "town_hall",
        "code_insee": code,
        "lon": float(hall["lon"]),
        "lat": float(hall["lat"]),
        "n_advisors": 2,
    }


def test_an_added_advisor_moves_by_click(territory):
    # A recommended town hall (Mamers, 72180) moved to Le Mans: same id and advisors,
    # the point and commune clicked, no longer named after the Mamers town hall.
    base = with_map_edits(
        current_situation({"threshold_min": 20}), [_recommended_hall(territory, "72180")]
    )
    draft = with_map_edits(base, [], {"mairie-72180-ajout": LE_MANS}, territory)
    assert draft.changes.added == [
        {
            "site_id": "mairie-72180-ajout",
            "name": "Nouveau lieu — Le Mans",
            "site_type": "user",
            "code_insee": "72181",
            "lon": LE_MANS[0],
            "lat": LE_MANS[1],
            "n_advisors": 2,
        }
    ]
    assert draft.changes.moved == []
    assert moved_addition(territory, base.changes.added[0], *LE_MANS) == draft.changes.added[0]
    # An advisor added by a click in the same session moves too.
    clicked = site_at(territory, 0.30, 47.90)
    again = with_map_edits(base, [clicked], {clicked["site_id"]: LE_MANS}, territory)
    assert (again.changes.added[1]["lon"], again.changes.added[1]["lat"]) == LE_MANS


def test_a_move_outside_the_territory_is_refused(territory):
    base = with_map_edits(
        current_situation({"threshold_min": 20}), [_recommended_hall(territory, "72180")]
    )
    permanence = territory.sites[territory.sites["site_type"] == "cnfs_permanence"].iloc[0]
    for site_id in ("mairie-72180-ajout", permanence["site_id"]):
        with pytest.raises(ValueError, match="hors du territoire"):
            with_map_edits(base, [], {site_id: PARIS}, territory)
    with pytest.raises(ValueError, match="demande le territoire"):
        with_map_edits(base, [], {"mairie-72180-ajout": LE_MANS})


def test_excluding_a_commune_excludes_every_place_in_it(territory):
    # Mamers has a town hall and a library (Pôle-Lecture): excluding the commune
    # excludes both, excluding the town hall alone leaves the library in.
    diagnosis = run_diagnosis(territory, DiagnoseRequest())
    candidates = candidate_sites(territory, diagnosis)
    in_mamers = candidates[candidates["code_insee"] == "72180"]
    assert len(in_mamers) >= 2
    assert set(sites_in_communes(candidates, ["72180"])) == set(in_mamers["site_id"])
    assert sites_in_communes(candidates, []) == []
