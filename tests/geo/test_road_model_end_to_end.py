"""The whole product on a road-network travel model (a grid network over Sarthe).

No Sarthe extract ships with Maillage, so a regular 2 km grid of 50 km/h roads stands in
for it: what is checked is that every result switches to the road model and stays
coherent, not the grid's realism.
"""

from __future__ import annotations

import numpy as np
import pytest

from equity.diagnostics import diagnose
from equity.mobile import MobileSettings
from equity.mobile_programme import plan_for_diagnosis
from equity.placement import PlacementSettings
from equity.recommend import recommend
from equity.reporting import current_situation, export, view_scenario
from geo import settings
from geo.network import network_from_edges, save_network
from geo.travel_time import current_travel_model

SPACING_M = 2000.0
SPEED_MS = 50 / 3.6


@pytest.fixture(scope="module")
def road_model(territory, tmp_path_factory):
    directory = tmp_path_factory.mktemp("road")
    xmin, ymin, xmax, ymax = territory.departement.buffer(5000).total_bounds
    xs = np.arange(xmin, xmax, SPACING_M)
    ys = np.arange(ymin, ymax, SPACING_M)
    gx, gy = np.meshgrid(xs, ys)
    ids = np.arange(gx.size).reshape(gx.shape)
    right = (ids[:, :-1].ravel(), ids[:, 1:].ravel())
    up = (ids[:-1, :].ravel(), ids[1:, :].ravel())
    u = np.concatenate([right[0], right[1], up[0], up[1]])
    v = np.concatenate([right[1], right[0], up[1], up[0]])
    length = np.full(len(u), SPACING_M)
    net = network_from_edges(
        u, v, length / SPEED_MS, length, gx.ravel(), gy.ravel(), {"source": "grille de test"}
    )
    save_network(net, directory)
    return current_travel_model(directory), directory


def test_results_switch_to_the_road_model(territory, road_model, tmp_path, monkeypatch):
    model, directory = road_model
    monkeypatch.setattr(settings, "PROCESSED_DIR", directory)
    assert model.kind == "road_network" and not model.is_approximate

    diagnosis = diagnose(territory, model=model)
    assert diagnosis.travel_model.kind == "road_network"
    assert not any("approximatifs" in note for note in diagnosis.notes)
    shares = diagnosis.coverage["share_within"]
    assert shares.is_monotonic_increasing and 0.5 < shares.loc[20] <= 1.0
    assert np.isfinite(diagnosis.communes["travel_time_min"]).all()

    result = recommend(territory, diagnosis, PlacementSettings(k=5))
    # Five new advisors, at new sites or reinforcing permanences (up to 3 per place).
    assert result.explanation["advisors"].sum() == 5 and 2 <= len(result.chosen) <= 5
    assert result.solver["stages"][0]["status"] == 0

    mobile = plan_for_diagnosis(
        territory, diagnosis, settings=MobileSettings(n_stops=3), model=model
    )
    assert mobile.travel_model["kind"] == "road_network"
    legs = mobile.schedule[["leg_drive_min", "leg_km"]]
    # Manhattan grid at 50 km/h: kilometres follow the road distances, not a fixed speed.
    assert (legs["leg_km"] <= legs["leg_drive_min"] * 50 / 60 + 2.5).all()

    view = view_scenario(territory, current_situation(), model)
    (path,) = export("map", territory, view, tmp_path, map_kind="situation", fmt="svg")
    assert path.stat().st_size > 10_000
