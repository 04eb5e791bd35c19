"""Travel-time matrices: fallback formula, road-network engine against networkx, cache."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import network, settings, travel_time
from geo.travel_time import (
    access_matrix,
    current_travel_model,
    network_matrix,
    snap_to_network,
    straight_line_matrix,
    straight_line_model,
    travel_time_matrix,
)

PBF = Path(__file__).parents[1] / "data" / "test.osm.pbf"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("processed")
    area = gpd.GeoSeries([box(26.935, 60.522, 26.965, 60.538)], crs="EPSG:4326").to_crs(2154)
    net = network.build_network_from_pbf(
        PBF, area.iloc[0], buffer_m=2000, min_coverage=0.5, directory=directory
    )
    return net, directory


@pytest.fixture(scope="module")
def nx_graph(built):
    net, _ = built
    return nx.from_scipy_sparse_array(net.graph, create_using=nx.DiGraph)


def node_points(net, nodes, index=None) -> gpd.GeoSeries:
    return gpd.GeoSeries(
        gpd.points_from_xy(net.x_m[nodes], net.y_m[nodes]), index=index, crs="EPSG:2154"
    )


def networkx_minutes(graph, sources, targets) -> np.ndarray:
    result = np.full((len(sources), len(targets)), np.inf)
    for i, source in enumerate(sources):
        lengths = nx.single_source_dijkstra_path_length(graph, int(source))
        result[i] = [lengths.get(int(t), np.inf) / 60 for t in targets]
    return result


def test_straight_line_on_hand_computed_pairs():
    origins = gpd.GeoSeries([Point(0, 0), Point(3000, 4000)], index=["a", "b"], crs=2154)
    destinations = gpd.GeoSeries([Point(0, 0), Point(6000, 8000)], index=[10, 20], crs=2154)
    matrix = straight_line_matrix(origins, destinations)
    # 10 km × 1.3 at 60 km/h = 13 min; 5 km → 6.5 min.
    expected = pd.DataFrame([[0.0, 13.0], [6.5, 6.5]], index=["a", "b"], columns=[10, 20])
    pd.testing.assert_frame_equal(matrix, expected)
    slower = straight_line_matrix(origins, destinations, circuity=1.5, speed_kmh=30)
    assert slower.loc["a", 20] == pytest.approx(10 * 1.5 / 30 * 60)  # 30 min
    assert matrix.attrs["travel_model"]["kind"] == "straight_line"


def test_straight_line_cutoff_and_input_forms():
    xy = (np.array([0.0, 0.0]), np.array([0.0, 20_000.0]))
    matrix = straight_line_matrix(xy, np.array([[0.0, 10_000.0]]), cutoff_min=15)
    assert matrix.iloc[0, 0] == pytest.approx(13.0)
    assert matrix.iloc[1, 0] == pytest.approx(13.0)
    far = straight_line_matrix(xy, np.array([[0.0, 30_000.0]]), cutoff_min=15)
    assert np.isinf(far.iloc[0, 0]) and far.iloc[1, 0] == pytest.approx(13.0)


def test_points_are_reprojected_and_must_be_points():
    lonlat = gpd.GeoSeries([Point(0.2, 48.0)], crs="EPSG:4326")
    x, y, _ = travel_time.point_coordinates(lonlat)
    assert 480_000 < x[0] < 500_000 and 6_760_000 < y[0] < 6_790_000
    with pytest.raises(ValueError, match="points"):
        travel_time.point_coordinates(gpd.GeoSeries([box(0, 0, 1, 1)], crs=2154))


def test_travel_model_labels_and_json():
    model = straight_line_model()
    assert model.label == "Approximation : distance à vol d'oiseau × 1,3 à 60 km/h"
    assert model.is_approximate
    assert json.loads(json.dumps(model.to_dict()))["parameters"] == {
        "circuity": 1.3,
        "speed_kmh": 60.0,
    }
    with pytest.raises(ValueError):
        straight_line_model(circuity=0.8)


def test_current_model_falls_back_without_network(tmp_path, monkeypatch, built):
    monkeypatch.setattr(settings, "PROCESSED_DIR", tmp_path)
    assert current_travel_model().kind == "straight_line"
    assert current_travel_model(speed_kmh=50).parameters["speed_kmh"] == 50
    _, directory = built
    monkeypatch.setattr(settings, "PROCESSED_DIR", directory)
    model = current_travel_model(access_speed_kmh=5)
    assert model.kind == "road_network" and not model.is_approximate
    assert model.parameters["access_speed_kmh"] == 5
    assert "23/01/2019" in model.label and "5 km/h" in model.label
    json.dumps(model.to_dict())


@pytest.mark.parametrize(("n_sources", "n_targets"), [(5, 60), (60, 5)])
def test_network_matrix_matches_networkx(built, nx_graph, tmp_path, n_sources, n_targets):
    """Both Dijkstra directions (from origins, or from destinations on the transposed
    graph) give exactly networkx's shortest paths on the same graph."""
    net, _ = built
    rng = np.random.default_rng(n_sources)
    sources = rng.choice(net.n_nodes, n_sources, replace=False)
    targets = rng.choice(net.n_nodes, n_targets, replace=False)
    matrix = network_matrix(
        node_points(net, sources), node_points(net, targets), net, directory=tmp_path
    )
    np.testing.assert_allclose(
        matrix.to_numpy(), networkx_minutes(nx_graph, sources, targets), rtol=1e-12
    )


def test_parallel_workers_give_the_same_matrix(built, monkeypatch):
    net, _ = built
    points = node_points(net, np.arange(40))
    serial = network_matrix(points, points, net, use_cache=False, n_jobs=1)
    monkeypatch.setattr(travel_time, "PARALLEL_MIN_WORK", 0)
    parallel = network_matrix(points, points, net, use_cache=False, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


def test_snapping_distance_becomes_access_time(built, nx_graph, tmp_path):
    net, _ = built
    origin, destination = 0, net.n_nodes // 2
    # 30 m east of the origin node, well within its nearest-node cell.
    offset = Point(net.x_m[origin] + 30, net.y_m[origin])
    snapped = snap_to_network(gpd.GeoSeries([offset], index=["mairie"], crs=2154), net)
    assert snapped.loc["mairie", "node"] == origin
    assert snapped.loc["mairie", "snap_dist_m"] == pytest.approx(30)
    network_min = networkx_minutes(nx_graph, [origin], [destination])[0, 0]
    for speed_kmh in (15, 5):
        matrix = network_matrix(
            gpd.GeoSeries([offset], crs=2154),
            node_points(net, [destination]),
            net,
            access_speed_kmh=speed_kmh,
            directory=tmp_path,
        )
        assert matrix.iloc[0, 0] == pytest.approx(network_min + 30 / (speed_kmh / 3.6) / 60)


def test_one_way_streets_and_direction(built, nx_graph, tmp_path):
    net, _ = built
    adjacency = (net.graph != 0).astype(int)
    one_way = np.argwhere((adjacency - adjacency.T).toarray() > 0)
    times = {
        (int(u), int(v)): (
            networkx_minutes(nx_graph, [u], [v])[0, 0],
            networkx_minutes(nx_graph, [v], [u])[0, 0],
        )
        for u, v in one_way
    }
    u, v = max(times, key=lambda pair: abs(times[pair][0] - times[pair][1]))
    forward, backward = times[(u, v)]
    assert forward != pytest.approx(backward)
    demand = node_points(net, [u], index=["commune"])
    site = node_points(net, [v], index=["site"])
    to_site = access_matrix(demand, site, straight_line_model(), network=net)
    assert to_site.attrs["travel_model"]["kind"] == "straight_line"
    model = travel_time.road_network_model(net.metadata)
    to_site = access_matrix(demand, site, model, network=net, directory=tmp_path)
    from_site = access_matrix(
        demand, site, model, direction="from_site", network=net, directory=tmp_path
    )
    assert to_site.loc["commune", "site"] == pytest.approx(forward)
    assert from_site.loc["commune", "site"] == pytest.approx(backward)
    assert from_site.attrs["travel_model"]["kind"] == "road_network"
    with pytest.raises(ValueError):
        access_matrix(demand, site, model, direction="both", network=net)


def test_cutoff(built):
    net, _ = built
    points = node_points(net, np.arange(0, net.n_nodes, 7))
    full = network_matrix(points, points, net, use_cache=False)
    cutoff = float(np.median(full.to_numpy()))
    cut = network_matrix(points, points, net, cutoff_min=cutoff, use_cache=False)
    within = full.to_numpy() <= cutoff
    np.testing.assert_allclose(cut.to_numpy()[within], full.to_numpy()[within])
    assert np.isinf(cut.to_numpy()[~within]).all() and (~within).any()


def test_cache_hits_and_invalidation(built, tmp_path, monkeypatch):
    net, _ = built
    runs = []

    def counting_dijkstra(*args, **kwargs):
        runs.append(1)
        return real_dijkstra(*args, **kwargs)

    real_dijkstra = travel_time.dijkstra
    monkeypatch.setattr(travel_time, "dijkstra", counting_dijkstra)
    origins, sites = node_points(net, [1, 2, 3]), node_points(net, [4, 5])

    first = network_matrix(origins, sites, net, cutoff_min=20, directory=tmp_path)
    assert len(runs) == 1
    cached = list((tmp_path / "cache" / "travel_times").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".npz"
    again = network_matrix(origins, sites, net, cutoff_min=20, directory=tmp_path)
    assert len(runs) == 1
    pd.testing.assert_frame_equal(first, again)

    network_matrix(origins, sites, net, cutoff_min=30, directory=tmp_path)
    assert len(runs) == 2
    network_matrix(origins, sites, net, cutoff_min=20, access_speed_kmh=5, directory=tmp_path)
    assert len(runs) == 3
    moved = node_points(net, [1, 2, 6])
    network_matrix(moved, sites, net, cutoff_min=20, directory=tmp_path)
    assert len(runs) == 4

    # Saving a (re)built network empties the cache.
    network.save_network(net, tmp_path)
    assert not (tmp_path / "cache" / "travel_times").exists()
    network_matrix(origins, sites, net, cutoff_min=20, directory=tmp_path)
    assert len(runs) == 5


def test_stale_model_is_refused(built):
    net, directory = built
    stale = travel_time.road_network_model({**net.metadata, "build_id": "0" * 16})
    points = node_points(net, [0])
    with pytest.raises(ValueError, match="reconstruisez"):
        travel_time_matrix(points, points, stale, directory=directory)
    result = travel_time_matrix(points, points, directory=directory)
    assert result.attrs["travel_model"]["parameters"]["network_build_id"] == net.build_id


def test_network_distance_matches_networkx_lengths(built):
    net, _ = built
    lengths = net.graph.copy()
    lengths.data = net.length_m.astype(float)
    graph = nx.from_scipy_sparse_array(lengths, create_using=nx.DiGraph)
    rng = np.random.default_rng(3)
    sources = rng.choice(net.n_nodes, 4, replace=False)
    targets = rng.choice(net.n_nodes, 6, replace=False)
    km = travel_time.network_distance_km(node_points(net, sources), node_points(net, targets), net)
    expected = networkx_minutes(graph, sources, targets) * 60 / 1000  # metres → km
    np.testing.assert_allclose(km.to_numpy(), expected, rtol=1e-12)
