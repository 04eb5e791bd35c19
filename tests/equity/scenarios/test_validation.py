"""The scenario JSON validator: every hostile or careless input gives one French error."""

from __future__ import annotations

import json
import time

import pytest
from sample_sites import LOUE

from equity.scenarios import (
    Scenario,
    SiteChanges,
    check_against_territory,
    read_scenario_json,
    scenario_from_dict,
    scenario_from_json,
)
from geo import defaults
from geo.errors import DataValidationError


def _codes(call, *args, **kwargs) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        call(*args, **kwargs)
    assert all(p.message for p in info.value.problems)
    return sorted(p.code for p in info.value.problems)


def _scenario(**changes) -> dict:
    return {"name": "Essai", "parameters": {"threshold_min": 20}, "changes": changes}


# --- nesting and sizes ----------------------------------------------------------------------


def test_deep_nesting_is_refused_without_recursion_error():
    assert _codes(scenario_from_json, "[" * 200_000 + "]" * 200_000) == ["too_deep"]
    inside = '{"name": "x", "note": "[[[[", "results": {"a": ' + "[" * 40 + "]" * 40 + "}}"
    assert _codes(scenario_from_json, inside) == ["too_deep"]
    nested: list = []
    for _ in range(10_000):  # built without recursion, as json.loads would
        nested = [nested]
    assert _codes(scenario_from_dict, {"name": "x", "results": {"a": nested}}) == ["too_deep"]


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"name": "[" * 100, "note": "{[" * 1000})
    assert scenario_from_json(text).name == "[" * 100


def test_huge_note_is_refused_before_parsing():
    text = '{"name": "x", "note": "' + "n" * 100_000_000 + '"}'
    start = time.perf_counter()
    assert _codes(scenario_from_json, text) == ["too_large"]
    assert time.perf_counter() - start < 5


def test_long_texts_are_refused():
    data = _scenario() | {"note": "n" * (defaults.SCENARIO_MAX_NOTE_CHARS + 1), "author": "a" * 500}
    assert _codes(scenario_from_dict, data) == ["too_long", "too_long"]
    added = dict(LOUE, name="m" * 1000)
    assert _codes(scenario_from_dict, _scenario(added=[added])) == ["too_long"]


def test_read_scenario_json_refuses_large_files_and_non_files(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (defaults.SCENARIO_MAX_JSON_BYTES + 1))
    assert _codes(read_scenario_json, big) == ["too_large"]
    assert _codes(read_scenario_json, tmp_path) == ["not_a_file"]
    assert _codes(read_scenario_json, tmp_path / "absent.json") == ["not_found"]


def test_malformed_text_encoding_and_numbers():
    assert _codes(scenario_from_json, "{") == ["malformed_json"]
    assert _codes(scenario_from_json, b'{"name": "\xff"}') == ["malformed_json"]
    digits = '{"name": "x", "parameters": {"threshold_min": 1' + "0" * 5_000 + "}}"
    assert _codes(scenario_from_json, digits) == ["malformed_json"]
    assert scenario_from_json('\ufeff{"name": "BOM"}'.encode()).name == "BOM"


# --- types ----------------------------------------------------------------------------------


def test_wrong_types_are_listed_not_raised():
    data = _scenario(
        added=[dict(LOUE, site_type=["town_hall"]), dict(LOUE, site_id=12)],
        removed=[12],
        moved=[{"site_id": 7, "lon": 0.2, "lat": 48.0}],
        forced="mairie-72168",
    ) | {"parameters": {"offer_types": 3}, "author": ["x"], "version": "2"}
    assert _codes(scenario_from_dict, data) == [
        "bad_type",  # offer_types
        "bad_type",  # added n°2 site_id
        "bad_type",  # removed
        "bad_type",  # forced
        "bad_type",  # moved site_id
        "bad_type",  # author
        "bad_type",  # version
        "unknown_type",  # added n°1 site_type
    ]


def test_non_scalar_extra_fields_and_unknown_change_lists():
    data = _scenario(added=[dict(LOUE, extra={"a": 1})], renamed=[])
    assert _codes(scenario_from_dict, data) == ["bad_type", "unknown_key"]


def test_booleans_are_not_numbers_and_strings_are_not_booleans():
    data = {
        "name": "Essai",
        "parameters": {"threshold_min": True, "libraries_with_internet_only": "false"},
        "changes": {"added": [dict(LOUE, n_advisors=True, lon=True)]},
    }
    assert _codes(scenario_from_dict, data) == [
        "bad_type",
        "bad_value",
        "bad_value",
        "not_a_number",
    ]
    data = {"name": "Essai", "parameters": {"libraries_with_internet_only": 0, "n_extra": 2.5}}
    assert _codes(scenario_from_dict, data) == ["bad_type", "bad_value"]


def test_non_finite_and_implausible_numbers():
    assert _codes(
        scenario_from_json, '{"name": "x", "changes": {"added": [{"n_advisors": Infinity}]}}'
    ) == ["malformed_json"]
    assert _codes(scenario_from_json, '{"name": "x", "parameters": {"threshold_min": NaN}}') == [
        "malformed_json"
    ]
    overflow = json.dumps(_scenario(added=[dict(LOUE, n_advisors=1)])).replace(
        '"n_advisors": 1', '"n_advisors": 1e400'
    )
    assert _codes(scenario_from_json, overflow) == ["bad_value"]
    data = _scenario(added=[dict(LOUE, n_advisors=1e308)]) | {
        "parameters": {
            "threshold_min": 1e308,
            "cost_per_advisor_eur": 1e308,
            "solver_time_limit_s": -1,
            "n_extra": 10**9,
        }
    }
    assert _codes(scenario_from_dict, data) == ["bad_value"] * 5


def test_valid_format_2_scenario_passes_every_check():
    scenario = Scenario(
        "Complet",
        {
            "threshold_min": 25,
            "offer_types": ["cnfs_permanence", "library"],
            "libraries_with_internet_only": False,
            "objective": "residual",
            "n_extra": 3,
            "capacity_per_advisor": 9_000,
        },
        SiteChanges(added=[LOUE], forced=["mairie-72168"]),
        note="n" * defaults.SCENARIO_MAX_NOTE_CHARS,
    )
    back = scenario_from_json(json.dumps(scenario.to_dict()))
    assert back.parameters == scenario.parameters and back.changes == scenario.changes


# --- where the sites are --------------------------------------------------------------------

#: Distances to Sarthe's outline measured on the embedded outline (EPSG:2154).
ALENCON = (0.0931, 48.4322)  # Orne, 1.4 km outside
NOGENT_LE_ROTROU = (0.8217, 48.3217)  # Eure-et-Loir, 12.7 km outside
NORTH_WEST_CORNER = (-0.45, 48.5)  # inside Sarthe's bounding box, 27.6 km outside
LAVAL = (-0.7704, 48.0706)  # Mayenne, 31.7 km outside


def _added(lon: float, lat: float, site_id: str = "p") -> dict:
    return {"site_id": site_id, "name": "P", "site_type": "user", "lon": lon, "lat": lat}


def test_sites_beyond_the_border_distance_are_refused(territory):
    near = [_added(*ALENCON, "a"), _added(*NOGENT_LE_ROTROU, "n")]
    scenario = scenario_from_dict(_scenario(added=near), territory=territory)
    assert len(scenario.changes.added) == 2
    far = _scenario(
        added=[_added(*NORTH_WEST_CORNER, "c")],
        moved=[{"site_id": "c", "lon": LAVAL[0], "lat": LAVAL[1]}],
    )
    with pytest.raises(DataValidationError) as info:
        scenario_from_dict(far, territory=territory)
    messages = [p.message for p in info.value.problems]
    assert [p.code for p in info.value.problems] == ["outside_area", "outside_area"]
    assert "27,6 km" in messages[0] and "31,7 km" in messages[1]


def test_check_against_territory_refuses_far_points(territory):
    scenario = Scenario(
        "Loin", {"threshold_min": 20}, SiteChanges(added=[_added(*NORTH_WEST_CORNER)])
    )
    with pytest.raises(DataValidationError, match="hors de la Sarthe"):
        check_against_territory(scenario, territory)


def test_without_territory_a_box_widened_by_the_border_distance_is_checked():
    assert scenario_from_dict(_scenario(added=[_added(*NORTH_WEST_CORNER)])).changes.added
    assert _codes(scenario_from_dict, _scenario(added=[_added(2.35, 48.85)])) == ["outside_area"]
