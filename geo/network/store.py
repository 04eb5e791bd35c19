"""Save, load and describe the built road network, never trusting a damaged one.

The network lives in the processed-data directory as ONE file, ``road_network.npz``:
CSR arrays (``indptr``, ``indices``, ``travel_time_s``, ``length_m``), node coordinates
``x_m``/``y_m`` in EPSG:2154, OSM node ids, the metadata (source, OSM data timestamp,
build date, node and edge counts, study area, build id) as UTF-8 JSON, and a SHA-256
checksum of all of them. It is written aside and swapped in by one ``os.replace``, so a
crash can never pair a new graph with old metadata. ``road_network.json`` is a readable
copy of the metadata for people; Maillage does not read it (except to open a network
saved by an earlier version, whose graph hash must then match it).

A file that fails its checksum or an invariant (array lengths, node indices, finite
positive travel times, build id = hash of the graph) is reported in the log and treated
as absent: travel times fall back to the straight-line approximation until the network
is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from geo import settings
from geo.atomic import write_atomic
from geo.jsonio import dumps_strict
from geo.network.graph import RoadNetwork, build_id_of

__all__ = [
    "CACHE_SUBDIR",
    "METADATA_FILE",
    "NETWORK_FILE",
    "STORE_VERSION",
    "load_network",
    "network_info",
    "network_is_damaged",
    "save_network",
]

NETWORK_FILE = "road_network.npz"
METADATA_FILE = "road_network.json"
CACHE_SUBDIR = "cache"
#: Layout of ``road_network.npz`` (1: metadata in ``road_network.json`` only).
STORE_VERSION = 2

_ARRAYS = ("indptr", "indices", "travel_time_s", "length_m", "x_m", "y_m", "osm_id")
_METADATA_TYPES: dict[str, type | tuple[type, ...]] = {
    "build_id": str,
    "n_nodes": int,
    "n_edges": int,
    "total_length_km": (int, float),
}
#: Metadata of files already verified, keyed by their stat signature.
_VERIFIED: dict[tuple[str, int, int, int], dict[str, Any]] = {}
_log = logging.getLogger(__name__)


def save_network(network: RoadNetwork, directory: Path | None = None) -> Path:
    """Write a network to ``directory`` and clear the travel-time cache built on the old one.

    Returns
    -------
    Path
        The written ``road_network.npz``.
    """
    directory = Path(directory or settings.PROCESSED_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    graph = network.graph
    arrays = {
        "indptr": graph.indptr,
        "indices": graph.indices,
        "travel_time_s": graph.data,
        "length_m": network.length_m,
        "x_m": network.x_m,
        "y_m": network.y_m,
        "osm_id": network.osm_id,
    }
    metadata = dumps_strict(network.metadata, indent=None).encode("utf-8")
    target = directory / NETWORK_FILE
    write_atomic(
        target,
        lambda handle: np.savez_compressed(
            handle,
            **arrays,
            metadata=np.frombuffer(metadata, np.uint8),
            checksum=np.array(_checksum(arrays, metadata)),
            store_version=np.array(STORE_VERSION),
        ),
    )
    text = dumps_strict(network.metadata, indent=2).encode("utf-8")
    write_atomic(directory / METADATA_FILE, lambda handle: handle.write(text))
    shutil.rmtree(directory / CACHE_SUBDIR / "travel_times", ignore_errors=True)
    return target


def load_network(directory: Path | None = None) -> RoadNetwork | None:
    """Load the network saved in ``directory`` (``settings.PROCESSED_DIR`` by default).

    Returns None when no network has been built there, or when the saved one is damaged.
    """
    path = Path(directory or settings.PROCESSED_DIR) / NETWORK_FILE
    stored = _read_verified(path)
    if stored is None:
        return None
    arrays, metadata = stored
    n = len(arrays["x_m"])
    graph = sparse.csr_array(
        (arrays["travel_time_s"], arrays["indices"], arrays["indptr"]), shape=(n, n)
    )
    return RoadNetwork(
        graph=graph,
        length_m=arrays["length_m"],
        x_m=arrays["x_m"],
        y_m=arrays["y_m"],
        osm_id=arrays["osm_id"],
        metadata=metadata,
    )


def network_info(directory: Path | None = None) -> dict[str, Any] | None:
    """Metadata of the built network, or None when none is built (or it is damaged).

    Keys: ``source``, ``source_kind`` (``pbf`` or ``osmnx``), ``osm_timestamp`` (ISO
    date of the OSM data, None if unknown), ``build_date``, ``n_nodes``, ``n_edges``,
    ``total_length_km``, ``buffer_m``, ``area_km2``, ``build_id``.
    """
    path = Path(directory or settings.PROCESSED_DIR) / NETWORK_FILE
    try:
        info = path.stat()
    except OSError:
        return None
    signature = (str(path.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
    if signature not in _VERIFIED:
        stored = _read_verified(path)
        if stored is None:
            return None
        if len(_VERIFIED) > 16:
            _VERIFIED.clear()
        _VERIFIED[signature] = stored[1]
    return dict(_VERIFIED[signature])


def network_is_damaged(directory: Path | None = None) -> bool:
    """Whether a network file is there but fails its checks (it is then ignored).

    Tells a damaged network from none built, so that users are told it must be rebuilt.
    """
    path = Path(directory or settings.PROCESSED_DIR) / NETWORK_FILE
    return os.path.lexists(path) and network_info(directory) is None


def _read_verified(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Arrays and metadata of a saved network, or None (logged) when it cannot be trusted."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            members = set(stored.files)
            missing = [name for name in _ARRAYS if name not in members]
            if missing:
                return _refuse(path, f"tableaux manquants : {', '.join(missing)}")
            arrays = {name: stored[name] for name in _ARRAYS}
            if "metadata" in members:
                raw = stored["metadata"].tobytes()
                if str(stored["checksum"]) != _checksum(arrays, raw):
                    return _refuse(path, "somme de contrôle incorrecte")
                metadata = json.loads(raw.decode("utf-8"))
            else:
                metadata = _legacy_metadata(path.parent / METADATA_FILE)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        return _refuse(path, f"fichier illisible ({exc.__class__.__name__})")
    problem = _invariant_problem(arrays, metadata)
    if problem is not None:
        return _refuse(path, problem)
    return arrays, metadata


def _legacy_metadata(path: Path) -> Any:
    """Metadata of a network saved by Maillage 1 (checked against the graph hash later)."""
    if not path.is_file():
        raise FileNotFoundError(path)
    return json.loads(path.read_text("utf-8"))


def _invariant_problem(arrays: dict[str, np.ndarray], metadata: Any) -> str | None:
    """What makes the stored arrays and metadata inconsistent, or None."""
    if not isinstance(metadata, dict):
        return "métadonnées invalides"
    for key, kinds in _METADATA_TYPES.items():
        if not isinstance(metadata.get(key), kinds) or isinstance(metadata.get(key), bool):
            return f"métadonnée « {key} » absente ou du mauvais type"
    if any(array.ndim != 1 for array in arrays.values()):
        return "tableaux de mauvaise forme"
    n, indptr, indices = len(arrays["x_m"]), arrays["indptr"], arrays["indices"]
    n_edges = len(indices)
    if {len(arrays["y_m"]), len(arrays["osm_id"]), len(indptr) - 1} != {n}:
        return "nombre de nœuds incohérent"
    if {len(arrays["travel_time_s"]), len(arrays["length_m"]), int(indptr[-1])} != {n_edges}:
        return "nombre d'arcs incohérent"
    if indptr[0] != 0 or (np.diff(indptr) < 0).any():
        return "index des arcs invalide"
    if n_edges and (indices.min() < 0 or indices.max() >= n):
        return "arc vers un nœud inexistant"
    times = arrays["travel_time_s"]
    if not (np.isfinite(times).all() and (times > 0).all()):
        return "temps de parcours non finis ou non positifs"
    if not (np.isfinite(arrays["x_m"]).all() and np.isfinite(arrays["y_m"]).all()):
        return "coordonnées non finies"
    if metadata["n_nodes"] != n or metadata["n_edges"] != n_edges:
        return "métadonnées d'un autre réseau (nombre de nœuds ou d'arcs)"
    graph_id = build_id_of(indptr, indices, times, arrays["x_m"], arrays["y_m"])
    if metadata["build_id"] != graph_id:
        return "métadonnées d'un autre réseau (identifiant)"
    return None


def _refuse(path: Path, reason: str) -> None:
    _log.warning(
        "Réseau routier %s ignoré (%s) : reconstruisez-le avec « maillage network build ».",
        path,
        reason,
    )


def _checksum(arrays: dict[str, np.ndarray], metadata: bytes) -> str:
    """SHA-256 of every array (name, dtype, shape, bytes) and of the metadata."""
    digest = hashlib.sha256()
    for name in _ARRAYS:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    digest.update(metadata)
    return digest.hexdigest()
