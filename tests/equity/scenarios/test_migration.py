"""Scenarios saved before typed parameters (format 1) open with the same meaning."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from equity.scenarios import (
    FORMAT_VERSION,
    Scenario,
    ScenarioParameters,
    ScenarioStore,
    SiteChanges,
    diagnosis_settings,
    evaluate,
    parameters_from_dict,
    scenario_from_dict,
)
from geo.errors import DataValidationError

DATA = Path(__file__).parents[2] / "data"
EXPECTED = json.loads((DATA / "scenarios_v1_expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def v1_store(tmp_path) -> ScenarioStore:
    copy = tmp_path / "scenarios_v1.sqlite"
    shutil.copyfile(DATA / "scenarios_v1.sqlite", copy)
    return ScenarioStore(copy)


def _v1_payload(store: ScenarioStore, name: str, version: int) -> dict:
    db = sqlite3.connect(store.path)
    try:
        (payload,) = db.execute(
            "SELECT payload FROM versions WHERE name = ? AND version = ?", (name, version)
        ).fetchone()
    finally:
        db.close()
    return json.loads(payload)


def test_fixture_is_format_1(v1_store):
    payload = _v1_payload(v1_store, "Trois conseillers", 1)
    assert payload["schema"] == 1 and "format_version" not in payload
    assert payload["parameters"]["extra"] == 3


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: f"{e['name']} v{e['version']}")
def test_every_v1_version_reads_back_with_the_same_meaning(v1_store, expected):
    scenario = v1_store.load(expected["name"], expected["version"])
    assert (scenario.name, scenario.version) == (expected["name"], expected["version"])
    assert (scenario.author, scenario.note) == (expected["author"], expected["note"])
    assert scenario.created_at == expected["created_at"]
    assert scenario.changes.to_dict() == expected["changes"]
    old = expected["parameters"]
    params = scenario.parameters
    assert params.threshold_min == old["threshold_min"]
    assert list(params.offer_types) == old["offer_types"]
    assert params.n_extra == old.get("extra")
    assert params.objective == old.get("objective")
    assert params.min_per_epci == old.get("min_per_epci")
    assert params.libraries_with_internet_only == old.get("libraries_with_internet_only", True)
    settings = diagnosis_settings(params)
    assert settings.threshold_min == expected["diagnosis_settings"]["threshold_min"]
    assert list(settings.offer_types) == expected["diagnosis_settings"]["offer_types"]
    assert (
        settings.libraries_with_internet_only
        == expected["diagnosis_settings"]["libraries_with_internet_only"]
    )
    assert settings.need_weights is None
    assert scenario.results["headline"]["advisors"] == expected["headline_advisors"]


def test_listing_and_history_of_the_v1_file(v1_store):
    listing = v1_store.list().set_index("name")
    assert listing["versions"].to_dict() == {
        "Bibliothèques ouvertes": 1,
        "Plan commission": 2,
        "Quatre conseillers (app)": 1,
        "Trois conseillers": 2,
    }
    assert v1_store.history("Plan commission")["note"].tolist() == [
        "Déplacement, ajout et retrait",
        "Version 2 : un ajout de plus",
    ]


def test_v1_scenarios_evaluate_to_the_figures_saved_with_them(v1_store, territory):
    for expected in EXPECTED:
        stored = v1_store.load(expected["name"], expected["version"])
        evaluated, _ = evaluate(territory, stored)
        for figure in ("advisors", "share_within_threshold", "n_underserved_communes"):
            assert evaluated.results["headline"][figure] == pytest.approx(
                stored.results["headline"][figure]
            ), (expected["name"], figure)


def test_saving_into_a_v1_file_writes_format_2_and_keeps_the_old_versions(v1_store):
    old = v1_store.load("Trois conseillers", 2)
    saved = v1_store.save(old)
    assert saved.version == 3
    payload = _v1_payload(v1_store, "Trois conseillers", 3)
    assert payload["format_version"] == FORMAT_VERSION
    assert payload["parameters"]["n_extra"] == 5 and "extra" not in payload["parameters"]
    assert v1_store.load("Trois conseillers", 3).parameters == old.parameters
    assert v1_store.load("Trois conseillers", 1).parameters.n_extra == 3


def test_format_1_json_without_version_is_migrated():
    scenario = scenario_from_dict(
        {"name": "Ancien", "parameters": {"threshold_min": 30, "extra": 4, "obsolete": 1}}
    )
    assert scenario.parameters == ScenarioParameters(threshold_min=30.0, n_extra=4)


def test_format_2_refuses_unknown_parameters_and_versions():
    with pytest.raises(DataValidationError) as info:
        scenario_from_dict({"format_version": 2, "name": "Nouveau", "parameters": {"extra": 4}})
    assert [p.code for p in info.value.problems] == ["unknown_key"]
    with pytest.raises(DataValidationError, match="version de format 3"):
        scenario_from_dict({"format_version": 3, "name": "Futur"})


def test_parameters_roundtrip_and_read_as_a_mapping():
    params = ScenarioParameters(
        threshold_min=25.0,
        offer_types=("cnfs_permanence", "library"),
        need_weights=(("ifn_global", 1.0),),
        objective="coverage",
        n_extra=7,
        cost_per_advisor_eur=48_000.0,
        solver_time_limit_s=20.0,
    )
    assert parameters_from_dict(json.loads(json.dumps(params.to_dict()))) == params
    assert params.get("threshold_min") == 25.0 and params["n_extra"] == 7
    assert dict(params)["offer_types"] == ["cnfs_permanence", "library"]
    scenario = Scenario("Plan", dict(params), SiteChanges())
    assert scenario.parameters == params
    assert diagnosis_settings(params).need_weights.weights == {"ifn_global": 1.0}
