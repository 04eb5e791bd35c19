"""Road-network build from a real OSM extract (tests/data/test.osm.pbf, see README there)."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pytest
from scipy.sparse import csgraph
from shapely.geometry import box

from equity.cli_network import add_network_parser, run_network
from geo import network
from geo.errors import DataValidationError

PBF = Path(__file__).parents[1] / "data" / "test.osm.pbf"
# Inner part of the extract's extent (it covers lon 26.93-26.97, lat 60.52-60.54).
AREA_LONLAT = box(26.935, 60.522, 26.965, 60.538)
BUILD = {"buffer_m": 2000.0, "min_coverage": 0.5}


def area_2154(geometry=AREA_LONLAT):
    return gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("processed")
    return network.build_network_from_pbf(PBF, area_2154(), directory=directory, **BUILD), directory


def error_codes(excinfo) -> list[str]:
    return [problem.code for problem in excinfo.value.problems]


def test_build_writes_compact_arrays_and_metadata(built):
    net, directory = built
    assert sorted(p.name for p in directory.iterdir()) == ["road_network.json", "road_network.npz"]
    info = network.network_info(directory)
    assert info["source"].endswith("test.osm.pbf")
    assert info["source_kind"] == "pbf"
    assert info["osm_timestamp"] == "2019-01-23T19:21:14+00:00"
    assert info["n_nodes"] == net.n_nodes > 100
    assert info["n_edges"] == net.n_edges
    assert len(info["build_id"]) == 16 and info["build_date"]


def test_load_round_trip(built):
    net, directory = built
    loaded = network.load_network(directory)
    assert loaded.build_id == net.build_id
    assert (loaded.graph != net.graph).nnz == 0
    np.testing.assert_array_equal(loaded.x_m, net.x_m)
    np.testing.assert_array_equal(loaded.osm_id, net.osm_id)


def test_nothing_built(tmp_path):
    assert network.network_info(tmp_path) is None
    assert network.load_network(tmp_path) is None


def test_graph_is_one_strongly_connected_component_in_work_crs(built):
    net, _ = built
    n_components, _ = csgraph.connected_components(net.graph, directed=True, connection="strong")
    assert n_components == 1
    # EPSG:2154 coordinates of south-east Finland: far east, far north of France.
    assert net.x_m.min() > 2_000_000 and net.y_m.min() > 8_000_000
    assert net.graph.data.min() > 0


def test_one_way_edges_are_kept(built):
    net, _ = built
    adjacency = (net.graph != 0).astype(int)
    one_way = adjacency - adjacency.T
    assert (one_way > 0).sum() > 0


def test_edge_times_follow_lengths_and_speeds(built):
    net, _ = built
    speed_kmh = net.length_m / net.graph.data * 3.6
    assert speed_kmh.min() >= min(network.DEFAULT_SPEEDS_KMH.values()) - 1e-6
    assert speed_kmh.max() <= 130 + 1e-6


def test_interior_shape_points_are_merged(built):
    """Only junctions and dead ends stay nodes; every kept node is a node of a drivable way."""
    net, _ = built
    refs = set()
    for way in osmium.FileProcessor(str(PBF), osmium.osm.WAY):
        if network.is_drivable({tag.k: tag.v for tag in way.tags}):
            refs.update(ref.ref for ref in way.nodes)
    assert set(net.osm_id.tolist()) <= refs
    assert net.n_nodes < 0.5 * len(refs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        ("FR:urban", 50.0),
        ("FR:rural", 80.0),
        ("FR:motorway", 130.0),
        ("FR:zone30", 30.0),
        ("30 mph", 30 * 1.609344),
        ("90;70", 80.0),
        ("none", None),
        ("signals", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value, expected):
    assert network.parse_maxspeed(value) == pytest.approx(expected)


def test_speed_defaults_and_tags():
    assert network.edge_speed_kmh("residential", None) == 40.0
    assert network.edge_speed_kmh("residential", "30") == 30.0
    assert network.edge_speed_kmh("motorway", "FR:motorway") == 130.0
    assert network.is_drivable({"highway": "tertiary"})
    assert not network.is_drivable({"highway": "footway"})
    assert not network.is_drivable({"highway": "residential", "access": "private"})
    assert network.is_drivable({"highway": "residential", "access": "no", "motorcar": "yes"})
    assert not network.is_drivable({"highway": "service", "service": "parking_aisle"})
    assert network.oneway_direction({"highway": "motorway"}) == 1
    assert network.oneway_direction({"highway": "motorway", "oneway": "no"}) == 0
    assert network.oneway_direction({"highway": "tertiary", "junction": "roundabout"}) == 1
    assert network.oneway_direction({"highway": "residential", "oneway": "-1"}) == -1
    assert network.oneway_direction({"highway": "residential"}) == 0


def test_progress_callback(tmp_path):
    calls = []
    network.build_network_from_pbf(
        PBF,
        area_2154(),
        directory=tmp_path,
        progress=lambda step, fraction: calls.append((step, fraction)),
        **BUILD,
    )
    assert calls[0] == ("Lecture du fichier OSM", 0.0)
    assert calls[-1] == ("Enregistrement", 1.0)
    assert all(0.0 <= fraction <= 1.0 for _, fraction in calls)


def test_missing_file(tmp_path):
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_pbf(tmp_path / "absent.osm.pbf", area_2154(), directory=tmp_path)
    assert error_codes(excinfo) == ["missing_file"]


@pytest.mark.parametrize("content", [b"not an osm file at all", PBF.read_bytes()[:60_000]])
def test_corrupt_file(tmp_path, content):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(content)
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_pbf(bad, area_2154(), directory=tmp_path, **BUILD)
    assert error_codes(excinfo) == ["corrupt_file"]
    assert "corrompu" in str(excinfo.value)
    assert network.network_info(tmp_path) is None


def test_no_drivable_ways(tmp_path):
    path = tmp_path / "footpaths.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    writer.add_node(osmium.osm.mutable.Node(id=1, location=(26.94, 60.53)))
    writer.add_node(osmium.osm.mutable.Node(id=2, location=(26.95, 60.53)))
    writer.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2], tags={"highway": "footway"}))
    writer.close()
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_pbf(path, area_2154(), directory=tmp_path)
    assert error_codes(excinfo) == ["no_drivable_ways"]


def test_file_outside_the_study_area(tmp_path):
    # Default study area: Sarthe, 2,000 km from this Finnish extract.
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_pbf(PBF, directory=tmp_path)
    assert error_codes(excinfo) == ["outside_area"]
    assert "ne couvre pas" in str(excinfo.value)


def test_file_covering_part_of_the_study_area(tmp_path):
    half_outside = box(26.95, 60.53, 27.05, 60.60)
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_pbf(PBF, area_2154(half_outside), directory=tmp_path)
    assert error_codes(excinfo) == ["outside_area"]
    assert "ne couvre que" in str(excinfo.value)


def test_failed_build_keeps_previous_network(built, tmp_path):
    net, _ = built
    network.save_network(net, tmp_path)
    with pytest.raises(DataValidationError):
        network.build_network_from_pbf(PBF, directory=tmp_path)
    assert network.network_info(tmp_path)["build_id"] == net.build_id


def test_download_wraps_osmnx(monkeypatch, tmp_path):
    import osmnx

    graph = nx.MultiDiGraph()
    for node, (lon, lat) in {1: (26.940, 60.525), 2: (26.950, 60.525), 3: (26.960, 60.535)}.items():
        graph.add_node(node, x=lon, y=lat)
    for u, v in [(1, 2), (2, 1), (2, 3), (3, 2), (3, 1)]:
        graph.add_edge(u, v, length=1000.0, highway="tertiary", maxspeed=["50", "70"])
    graph.add_edge(1, 3, length=1000.0, highway=["residential", "tertiary"])
    monkeypatch.setattr(osmnx, "graph_from_polygon", lambda *_, **__: graph)
    small_area = area_2154(box(26.945, 60.526, 26.955, 60.532))
    net = network.build_network_from_download(
        small_area, directory=tmp_path, buffer_m=0, min_coverage=0.1
    )
    assert net.n_nodes == 3 and net.n_edges == 6
    assert sorted(np.round(net.graph.data, 3)) == [60.0] * 5 + [90.0]  # 1 km at 60 and 40 km/h
    assert network.network_info(tmp_path)["source_kind"] == "osmnx"


def test_download_failure_is_a_clear_error(monkeypatch, tmp_path):
    import osmnx

    def offline(*_, **__):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(osmnx, "graph_from_polygon", offline)
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_download(directory=tmp_path)
    assert error_codes(excinfo) == ["download_failed"]
    assert "--pbf" in str(excinfo.value)


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_network_parser(parser.add_subparsers(dest="command"))
    return run_network(parser.parse_args(list(argv)))


def test_cli_build_and_info(tmp_path, capsys):
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[AREA_LONLAT], crs="EPSG:4326").to_file(area)
    out = tmp_path / "out"
    assert run_cli("network", "info", "--output-dir", str(out)) == 1
    assert "Aucun réseau routier" in capsys.readouterr().out
    argv = ["--pbf", str(PBF), "--area", str(area), "--buffer-km", "2", "--output-dir", str(out)]
    assert run_cli("network", "build", *argv) == 0
    captured = capsys.readouterr()
    assert "Réseau routier construit" in captured.out
    assert "Lecture du fichier OSM" in captured.err
    assert run_cli("network", "info", "--output-dir", str(out)) == 0
    assert network.network_info(out)["build_id"] in capsys.readouterr().out


def test_cli_bad_input_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"garbage")
    assert run_cli("network", "build", "--pbf", str(bad), "--output-dir", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "corrompu" in err and "Traceback" not in err
