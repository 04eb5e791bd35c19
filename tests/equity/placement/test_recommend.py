"""Recommendations on the real Sarthe data and the maillage recommend command."""

from __future__ import annotations

import json

import pytest

from equity.cli import main
from equity.diagnostics import diagnose
from equity.placement import PlacementSettings
from equity.recommend import (
    CANDIDATE_TYPES,
    candidate_sites,
    chosen_sites,
    placement_inputs,
    recommend,
    result_scenario,
)
from equity.scenarios import ScenarioStore, evaluate


@pytest.fixture(scope="module")
def before(territory):
    return diagnose(territory)


def test_inputs_align_communes_and_sites(territory, before):
    inputs = placement_inputs(territory, before)
    assert inputs.times.shape[0] == 352
    assert list(inputs.times.index) == list(territory.communes.index)
    assert inputs.existing.sum() == 41
    candidates = candidate_sites(territory, before)
    assert set(candidates["site_type"]) <= set(CANDIDATE_TYPES)
    assert not candidates["site_id"].isin(before.offer.sites["site_id"]).any()
    assert inputs.candidate_group.notna().all()
    assert inputs.weight.sum() == pytest.approx(566_733)


def test_default_recommendation_is_exact_and_explained(territory, before):
    result = recommend(territory, before, PlacementSettings(k=20, min_per_group=1))
    assert result.objective == "residual"
    assert result.solver["method"] == "milp" and result.solver["status"] == 0
    assert len(result.chosen) == 20
    assert result.explanation["group"].nunique() == 17  # at least one per EPCI
    assert result.coverage_after["population_share"] >= result.coverage_before["population_share"]
    assert "n'est pas absorbé" in result.decided_by
    assert result.cost == {
        "new_advisors": 20,
        "total_advisors": 61.0,
        "gross_eur": 1_000_000.0,
        "cofunding_eur": 500_000.0,
        "net_eur": 500_000.0,
    }
    scenario, after = evaluate(
        territory, result_scenario(territory, result, "Plan", {"threshold_min": 20})
    )
    assert after.offer.n_advisors == 61
    assert scenario.results["headline"]["advisors"] == 61
    sites = chosen_sites(territory, result)
    assert sites["site_id"].tolist() == result.chosen


def test_cli_recommend_json_and_save(tmp_path):
    out, db = tmp_path / "reco.json", tmp_path / "s.sqlite"
    code = main(
        [
            "recommend",
            "--extra",
            "5",
            "--threshold",
            "20",
            "--json",
            str(out),
            "--save",
            "Cinq",
            "--db",
            str(db),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in (
        "objective",
        "threshold_min",
        "travel_model",
        "existing",
        "chosen",
        "coverage_before",
        "coverage_after",
        "solver",
        "by_epci",
        "cost",
    ):
        assert key in data
    assert len(data["chosen"]) == 5
    assert {
        "site_id",
        "name",
        "type",
        "code_insee",
        "lon",
        "lat",
        "gain_need",
        "gain_population",
    } <= set(data["chosen"][0])
    assert {"population", "need", "share"} <= set(data["coverage_after"])
    assert {"status", "gap", "seconds"} <= set(data["solver"])
    assert data["cost"]["net_eur"] == 125_000
    assert len(data["trade_off"]) == 6
    assert ScenarioStore(db).load("Cinq").changes.added[0]["n_advisors"] == 1
    assert main(["recommend", "--extra", "5", "--min-per-epci", "1"]) == 2
