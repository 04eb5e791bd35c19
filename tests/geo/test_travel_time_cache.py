"""A damaged, implausible or stale travel-time matrix in the cache is recomputed (issue 16 #5)."""

from __future__ import annotations

import logging
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import travel_time
from geo.network import network_from_edges, save_network
from geo.travel_time import network_matrix

SPACING_M = 1000.0


def grid_network(speed_kmh: float):
    """A 6 × 6 grid of two-way 1 km roads at ``speed_kmh``."""
    gx, gy = np.meshgrid(np.arange(6) * SPACING_M, np.arange(6) * SPACING_M)
    ids = np.arange(36).reshape(6, 6)
    pairs = [(ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])]
    u = np.concatenate([a.ravel() for a, b in pairs] + [b.ravel() for a, b in pairs])
    v = np.concatenate([b.ravel() for a, b in pairs] + [a.ravel() for a, b in pairs])
    length = np.full(len(u), SPACING_M)
    return network_from_edges(
        u, v, length / (speed_kmh / 3.6), length, gx.ravel() + 400_000, gy.ravel() + 6_700_000
    )


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A saved grid, its points, a first (cached) matrix and a Dijkstra run counter."""
    net = grid_network(50)
    save_network(net, tmp_path)
    origins = gpd.GeoSeries.from_xy(net.x_m[[0, 7, 14]], net.y_m[[0, 7, 14]], crs=2154)
    sites = gpd.GeoSeries.from_xy(net.x_m[[35, 20]] + 30, net.y_m[[35, 20]], crs=2154)
    runs = []
    real = travel_time.dijkstra

    def counting(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(travel_time, "dijkstra", counting)
    first = network_matrix(origins, sites, net, directory=tmp_path)
    (path,) = (tmp_path / "cache" / "travel_times").iterdir()
    assert len(runs) == 1
    return net, origins, sites, first, path, runs


def stored_key(path) -> str:
    with np.load(path) as stored:
        return str(stored["key"])


def assert_recomputed(setup, tmp_path, caplog, reason: str) -> None:
    net, origins, sites, first, _, runs = setup
    with caplog.at_level(logging.WARNING, logger="geo.travel_time"):
        again = network_matrix(origins, sites, net, directory=tmp_path)
    assert reason in caplog.text
    assert len(runs) == 2
    pd.testing.assert_frame_equal(again, first)
    # The rewritten file is sound again: the next call reads it.
    network_matrix(origins, sites, net, directory=tmp_path)
    assert len(runs) == 2


def test_sound_matrix_is_read(setup, tmp_path):
    net, origins, sites, first, _, runs = setup
    again = network_matrix(origins, sites, net, directory=tmp_path)
    assert len(runs) == 1
    pd.testing.assert_frame_equal(again, first)
    assert (first.to_numpy() > 0).all()


def test_truncated_matrix_is_recomputed(setup, tmp_path, caplog):
    path = setup[4]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert_recomputed(setup, tmp_path, caplog, "illisible ou tronqué")


def test_wrong_shaped_matrix_is_recomputed(setup, tmp_path, caplog):
    path = setup[4]
    travel_time._write_matrix(path, stored_key(path), np.ones((2, 3)))
    assert_recomputed(setup, tmp_path, caplog, "de forme (2, 3) inattendue")


def test_all_zero_matrix_is_recomputed(setup, tmp_path, caplog):
    path = setup[4]
    travel_time._write_matrix(path, stored_key(path), np.zeros((3, 2)))
    assert_recomputed(setup, tmp_path, caplog, "temps nuls entre des points distincts")


def test_wrong_dtype_is_recomputed(setup, tmp_path, caplog):
    path, first = setup[4], setup[3]
    travel_time._write_matrix(path, stored_key(path), first.to_numpy().astype(np.float32))
    assert_recomputed(setup, tmp_path, caplog, "matrice float32")


@pytest.mark.parametrize("bad", [np.nan, -1.0])
def test_missing_or_negative_times_are_recomputed(setup, tmp_path, caplog, bad):
    path, first = setup[4], setup[3]
    minutes = first.to_numpy().copy()
    minutes[1, 1] = bad
    travel_time._write_matrix(path, stored_key(path), minutes)
    assert_recomputed(setup, tmp_path, caplog, "temps manquants ou négatifs")


def test_edited_values_fail_the_checksum(setup, tmp_path, caplog):
    path = setup[4]
    with np.load(path) as stored:
        parts = {name: stored[name] for name in stored.files}
    parts["minutes"] = parts["minutes"] * 2
    with path.open("wb") as handle:
        np.savez(handle, **parts)
    assert_recomputed(setup, tmp_path, caplog, "somme de contrôle incorrecte")


def test_stale_matrix_is_never_used_for_a_new_network(setup, tmp_path, caplog):
    _, origins, sites, first, path, runs = setup
    kept = tmp_path / "old-matrix.npz"
    shutil.copy(path, kept)
    faster = grid_network(90)
    save_network(faster, tmp_path)
    assert not path.parent.exists()  # rebuilding the network empties the cache
    new = network_matrix(origins, sites, faster, directory=tmp_path)
    assert len(runs) == 2
    access_min = 30 / (15 / 3.6) / 60  # the sites sit 30 m off the grid
    expected = (first.to_numpy() - access_min) * 50 / 90 + access_min
    np.testing.assert_allclose(new.to_numpy(), expected, rtol=1e-9)
    # The old network's matrix planted under the new key is refused for its key.
    (new_path,) = path.parent.iterdir()
    shutil.copy(kept, new_path)
    with caplog.at_level(logging.WARNING, logger="geo.travel_time"):
        again = network_matrix(origins, sites, faster, directory=tmp_path)
    assert "clé d'un autre calcul ou d'un autre réseau" in caplog.text
    assert len(runs) == 3
    pd.testing.assert_frame_equal(again, new)
