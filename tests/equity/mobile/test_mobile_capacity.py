"""The capacity the tours add, counted by the diagnosis (issue 13, "capacity that adds up")."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from equity import accessibility
from equity.cli import main
from equity.diagnostics import demand_access_matrix, diagnose
from equity.mobile import diagnose_with_tours, held_stops
from equity.workflows import plan_mobile


def _small_case():
    # As in the fixed-site test: A is fully served, B has 40 persons left unserved.
    times = pd.DataFrame([[5.0, 8.0], [6.0, 40.0]], index=["A", "B"], columns=["s1", "s2"])
    demand = pd.Series({"A": 100.0, "B": 100.0})
    capacity = pd.Series({"s1": 100.0, "s2": 60.0})
    return times, demand, capacity


def test_extra_capacity_serves_only_the_persons_left_unserved():
    times, demand, capacity = _small_case()
    extra = pd.DataFrame({"m_b": [30.0, 3.0], "m_a": [2.0, np.inf]}, index=["A", "B"])
    out = accessibility.allocate_capacity(
        times,
        demand,
        capacity,
        20,
        extra_times=extra,
        extra_capacity=pd.Series({"m_b": 30.0, "m_a": 50.0}),
        extra_threshold_min=10,
    )
    # m_b (in B's reach only) serves 30 of B's 40; m_a reaches only A, already served,
    # and frees no fixed capacity: the fixed sites keep whom they serve.
    assert out.unserved.to_dict() == pytest.approx({"A": 0.0, "B": 10.0})
    assert out.extra_served.to_dict() == pytest.approx({"A": 0.0, "B": 30.0})
    assert out.extra_load.to_dict() == pytest.approx({"m_b": 30.0, "m_a": 0.0})
    assert out.site_load.to_dict() == pytest.approx({"s1": 100.0, "s2": 60.0})
    # More extra capacity than unserved persons: it serves the 40, never more.
    big = accessibility.allocate_capacity(
        times,
        demand,
        capacity,
        20,
        extra_times=extra[["m_b"]],
        extra_capacity=pd.Series({"m_b": 500.0}),
    )
    assert big.unserved.to_dict() == pytest.approx({"A": 0.0, "B": 0.0}, abs=1e-5)
    assert big.extra_load["m_b"] == pytest.approx(40.0)


def test_extra_capacity_reaches_persons_beyond_every_fixed_site():
    times, demand, capacity = _small_case()
    far = accessibility.allocate_capacity(
        times,
        demand,
        capacity,
        5.5,
        extra_times=pd.DataFrame({"m": [np.inf, 4.0]}, index=["A", "B"]),
        extra_capacity=pd.Series({"m": 35.0}),
        extra_threshold_min=10,
    )
    # B has no fixed site within 5.5 min: the tour serves 35, 65 stay beyond the threshold.
    assert far.served.to_dict() == pytest.approx({"A": 100.0, "B": 35.0})
    assert far.beyond_threshold.to_dict() == pytest.approx({"A": 0.0, "B": 65.0})


@pytest.fixture(scope="module")
def planned(territory):
    diagnosis = diagnose(territory)
    return diagnosis, plan_mobile(territory, diagnosis)


def test_unserved_persons_drop_where_the_tours_go_and_only_there(territory, planned):
    before, result = planned
    effect = result.capacity_effect
    stops = held_stops(result)
    assert len(stops) == 12
    after = diagnose_with_tours(territory, before, result)
    old = before.communes["unserved_persons"]
    drop = old - after.communes["unserved_persons"]
    # Every commune holding a stop has fewer unserved persons; none has more.
    assert (drop[stops["code_insee"]] > 1).all()
    assert (drop >= -1e-9).all()
    # Only communes within the short drive (10 min) of a stop held change, and the
    # fixed sites' allocation is the same: the others' figures are exactly `before`'s.
    reach = demand_access_matrix(territory.communes, stops, before.travel_model)
    near = (reach <= effect["reach_min"]).any(axis=1).reindex(old.index)
    assert (drop[~near] == 0).all() and 0 < near.sum() < len(near) / 2
    assert (after.site_load == before.site_load).all()
    assert {c["code_insee"] for c in effect["communes"]} == set(drop.index[drop.abs() > 1e-6])
    # The total drop is the capacity the tours add (all absorbed here), never more.
    total_drop = effect["unserved_persons_before"] - effect["unserved_persons_after"]
    assert total_drop == pytest.approx(drop.sum())
    assert total_drop <= effect["capacity_added_persons"] + 1e-6
    assert effect["capacity_added_persons"] == pytest.approx(12 * 2 * 47 * 600 / 1607)
    assert total_drop == pytest.approx(effect["mobile_served_persons"], abs=1e-6)
    assert total_drop == pytest.approx(421.16, abs=0.05)
    assert effect["unserved_persons_before"] == pytest.approx(before.findings()["unserved_persons"])
    assert after.findings()["unserved_persons"] == pytest.approx(effect["unserved_persons_after"])


def test_cli_reports_unserved_persons_before_and_after(tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main(["mobile", "--stops", "4", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    before, after = data["unserved_persons_before"], data["unserved_persons_after"]
    assert before == pytest.approx(43_775, abs=5)
    added = data["capacity_effect"]["capacity_added_persons"]
    assert 0 < before - after <= added + 1e-6
    capsys.readouterr()
    assert main(["mobile", "--stops", "4"]) == 0
    text = capsys.readouterr().out
    assert "Personnes en besoin sans accompagnement : 43 775 → " in text.replace("\u202f", " ")
