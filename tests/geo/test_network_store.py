"""The stored road network: one checked file, replaced as a unit; refused build buffers."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from equity.cli_network import add_network_parser, run_network
from geo import network
from geo.errors import DataValidationError
from geo.network import store

PBF = Path(__file__).parents[1] / "data" / "test.osm.pbf"


def grid(speed_kmh: float, size: int = 5) -> network.RoadNetwork:
    """A ``size`` × ``size`` grid of two-way 1 km roads."""
    gx, gy = np.meshgrid(np.arange(size) * 1000.0, np.arange(size) * 1000.0)
    ids = np.arange(size * size).reshape(size, size)
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    u, v = np.concatenate([a, b]), np.concatenate([b, a])
    length = np.full(len(u), 1000.0)
    return network.network_from_edges(
        u, v, length / (speed_kmh / 3.6), length, gx.ravel(), gy.ravel(), {"source": "grille"}
    )


def refused(directory: Path, caplog, reason: str) -> None:
    """Neither the network nor its metadata are trusted, and the log says why."""
    with caplog.at_level(logging.WARNING, logger="geo.network.store"):
        assert network.load_network(directory) is None
        assert network.network_info(directory) is None
    assert reason in caplog.text


def test_graph_and_metadata_are_one_file(tmp_path):
    net = grid(50)
    network.save_network(net, tmp_path)
    with np.load(tmp_path / network.NETWORK_FILE) as stored:
        embedded = json.loads(stored["metadata"].tobytes())
        assert int(stored["store_version"]) == store.STORE_VERSION
    assert embedded["build_id"] == net.build_id
    # The JSON file is a readable copy only: a stale or planted one changes nothing.
    other = grid(90)
    (tmp_path / network.METADATA_FILE).write_text(json.dumps(other.metadata), "utf-8")
    assert network.network_info(tmp_path)["build_id"] == net.build_id
    assert network.load_network(tmp_path).build_id == net.build_id
    (tmp_path / network.METADATA_FILE).write_text("{ pas du json", "utf-8")
    assert network.network_info(tmp_path)["build_id"] == net.build_id


def test_graph_with_another_networks_metadata_is_refused(tmp_path, caplog):
    net, other = grid(50), grid(90)
    # Checksum consistent, but the metadata describe another build.
    mismatched = dataclasses.replace(net, metadata=other.metadata)
    network.save_network(mismatched, tmp_path)
    refused(tmp_path, caplog, "métadonnées d'un autre réseau (identifiant)")


def test_metadata_with_other_counts_is_refused(tmp_path, caplog):
    net = grid(50)
    network.save_network(dataclasses.replace(net, metadata=grid(50, size=4).metadata), tmp_path)
    refused(tmp_path, caplog, "nombre de nœuds ou d'arcs")


def test_truncated_network_is_refused(tmp_path, caplog):
    network.save_network(grid(50), tmp_path)
    path = tmp_path / network.NETWORK_FILE
    path.write_bytes(path.read_bytes()[:-200])
    refused(tmp_path, caplog, "fichier illisible")


def test_edited_arrays_fail_the_checksum(tmp_path, caplog):
    network.save_network(grid(50), tmp_path)
    path = tmp_path / network.NETWORK_FILE
    with np.load(path) as stored:
        parts = {name: stored[name] for name in stored.files}
    parts["travel_time_s"] = parts["travel_time_s"] / 2
    with path.open("wb") as handle:
        np.savez(handle, **parts)
    refused(tmp_path, caplog, "somme de contrôle incorrecte")


def test_zero_travel_times_are_refused_even_with_a_matching_checksum(tmp_path, caplog):
    net = grid(50)
    broken = dataclasses.replace(net, graph=net.graph.copy())
    broken.graph.data[:] = 0.0
    network.save_network(broken, tmp_path)
    refused(tmp_path, caplog, "temps de parcours non finis ou non positifs")


def test_network_saved_by_maillage_1_still_opens(tmp_path, caplog):
    net = grid(50)
    graph = net.graph
    arrays = {
        "indptr": graph.indptr,
        "indices": graph.indices,
        "travel_time_s": graph.data,
        "length_m": net.length_m,
        "x_m": net.x_m,
        "y_m": net.y_m,
        "osm_id": net.osm_id,
    }
    np.savez_compressed(tmp_path / network.NETWORK_FILE, **arrays)
    (tmp_path / network.METADATA_FILE).write_text(json.dumps(net.metadata), "utf-8")
    assert network.load_network(tmp_path).build_id == net.build_id
    # Its metadata must still describe that graph.
    (tmp_path / network.METADATA_FILE).write_text(json.dumps(grid(90).metadata), "utf-8")
    refused(tmp_path, caplog, "métadonnées d'un autre réseau (identifiant)")


def test_rebuild_replaces_the_network_as_one_unit(tmp_path):
    first, second = grid(50), grid(90)
    network.save_network(first, tmp_path)
    assert network.network_info(tmp_path)["build_id"] == first.build_id
    network.save_network(second, tmp_path)
    assert network.network_info(tmp_path)["build_id"] == second.build_id
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        network.METADATA_FILE,
        network.NETWORK_FILE,
    ]


@pytest.mark.parametrize("buffer_m", [float("nan"), float("inf"), -1_000_000.0, 100_001.0])
def test_absurd_buffers_are_refused_before_any_work(tmp_path, buffer_m):
    # The extract does not exist: the buffer is refused before the file is even looked at.
    with pytest.raises(DataValidationError) as excinfo:
        network.build_network_from_pbf(tmp_path / "absent.osm.pbf", buffer_m=buffer_m)
    assert [p.code for p in excinfo.value.problems] == ["invalid_buffer"]
    assert "entre 0 et 100 km" in str(excinfo.value)


def test_download_refuses_a_buffer_before_downloading(monkeypatch):
    import osmnx

    def no_download(*_, **__):
        raise AssertionError("downloaded despite a refused buffer")

    monkeypatch.setattr(osmnx, "graph_from_polygon", no_download)
    with pytest.raises(DataValidationError, match="entre 0 et 100 km"):
        network.build_network_from_download(buffer_m=float("nan"))


@pytest.mark.parametrize("buffer_m", [0.0, 100_000.0])
def test_buffer_bounds_are_accepted(buffer_m):
    assert network.check_buffer_m(buffer_m) == buffer_m


@pytest.mark.parametrize("km", ["nan", "-1000", "150"])
def test_cli_refuses_absurd_buffers_in_french(tmp_path, capsys, km):
    parser = argparse.ArgumentParser()
    add_network_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["network", "build", "--pbf", str(PBF), "--buffer-km", km, "--output-dir", str(tmp_path)]
    )
    assert run_network(args) == 2
    err = capsys.readouterr().err
    assert "Tampon autour de la zone d'étude refusé" in err and "Traceback" not in err
    assert network.network_info(tmp_path) is None
