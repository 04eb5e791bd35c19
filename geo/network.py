"""Drivable road network: build from OpenStreetMap, store as compact arrays, load, describe.

The network is a directed graph whose nodes are road intersections and dead ends
(interior shape points of a way are merged into the edge, as osmnx's simplification
does) and whose edge weights are free-flow travel times in seconds. It is stored in
the processed-data directory as two files:

- ``road_network.npz``: CSR arrays (``indptr``, ``indices``, ``travel_time_s``,
  ``length_m``), node coordinates ``x_m``/``y_m`` in EPSG:2154 and OSM node ids;
- ``road_network.json``: metadata (source, OSM data timestamp, build date, node and
  edge counts, study area, build id).

Speeds
------
An edge's speed is its ``maxspeed`` tag when it can be parsed (``"50"``, ``"50 mph"``,
``"FR:urban"`` = 50, ``"FR:rural"`` = 80, ``"FR:motorway"`` = 130, ``"FR:zone30"`` = 30,
``"walk"`` = 6; several values separated by ``;`` are averaged), otherwise the French
default of its road class, in km/h (:data:`DEFAULT_SPEEDS_KMH`):

================  =====  ==========================================================
highway           km/h   choice
================  =====  ==========================================================
motorway          130    dry-weather motorway limit
motorway_link     70     ramps are driven well below the motorway limit
trunk             110    "voie express" limit (trunks with junctions are often 80,
                         and are usually tagged)
trunk_link        70
primary           80     rural two-lane limit since 2018 (some roads are back to 90;
                         those are usually tagged)
primary_link      50
secondary         80     same rural limit
secondary_link    50
tertiary          70     narrow rural roads, below the 80 limit in practice
tertiary_link     50
unclassified      50     small rural roads
residential       40     OSM does not tell urban 50 from "zone 30" streets without
                         the town boundary; 40 sits between the two
living_street     20     "zone de rencontre" limit
service           20     access roads (parking aisles and driveways are excluded)
road              50     unknown class
================  =====  ==========================================================

Urban and rural sections of the same class cannot be told apart from the way alone
(it needs the ``agglomération`` boundaries), so one speed per class is used; speeds
are limits, not measured speeds, so travel times are optimistic (no congestion, no
intersection delays).

One-way streets follow ``oneway`` (``yes``/``true``/``1``, ``-1``/``reverse``); motorways
and roundabouts are one-way unless tagged otherwise. Only the largest strongly
connected component is kept, so that every node can reach and be reached from every
other node.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph

from geo import settings
from geo.errors import DataValidationError, Problem

#: Signature of progress callbacks: ``progress(step, fraction)`` with ``fraction`` in [0, 1].
ProgressCallback = Callable[[str, float], None]

#: Default speed by OSM ``highway`` class, in km/h (see the module docstring).
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 110.0,
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 70.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "residential": 40.0,
    "living_street": 20.0,
    "service": 20.0,
    "road": 50.0,
}

#: Speeds meant by the French implicit ``maxspeed`` values, in km/h.
FRENCH_IMPLICIT_SPEEDS_KMH: dict[str, float] = {
    "fr:urban": 50.0,
    "fr:rural": 80.0,
    "fr:motorway": 130.0,
    "fr:zone30": 30.0,
    "fr:zone:30": 30.0,
    "fr:walk": 6.0,
    "walk": 6.0,
}

#: Default buffer around the study area, in metres.
DEFAULT_BUFFER_M: float = 15_000.0
#: Minimum share of the (unbuffered) study area that the network must span.
DEFAULT_MIN_COVERAGE: float = 0.9

NETWORK_FILE = "road_network.npz"
METADATA_FILE = "road_network.json"
CACHE_SUBDIR = "cache"

_EXCLUDED_SERVICE = {
    "parking_aisle",
    "driveway",
    "private",
    "emergency_access",
    "parking",
    "drive-through",
}
_NO_ACCESS = {"no", "private"}
_MPH_TO_KMH = 1.609344
_EARTH_RADIUS_M = 6_371_008.8
# Explicit zeros are not edges for scipy's csgraph, so zero-length edges get a tiny weight.
_MIN_TRAVEL_TIME_S = 1e-3


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Compact directed road graph.

    Attributes
    ----------
    graph : scipy.sparse.csr_array
        ``graph[i, j]`` is the travel time in seconds of the edge from node ``i`` to ``j``.
    length_m : numpy.ndarray
        Edge lengths in metres, aligned with ``graph.data``.
    x_m, y_m : numpy.ndarray
        Node coordinates in EPSG:2154.
    osm_id : numpy.ndarray
        OSM id of each node.
    metadata : dict
        Build metadata (see :func:`network_info`).
    """

    graph: sparse.csr_array
    length_m: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    osm_id: np.ndarray
    metadata: dict[str, Any]

    @property
    def n_nodes(self) -> int:
        return int(self.graph.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.graph.nnz)

    @property
    def build_id(self) -> str:
        return str(self.metadata["build_id"])


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Parameters
    ----------
    value : str or None
        Raw tag value, e.g. ``"50"``, ``"50 mph"``, ``"FR:urban"``, ``"90;70"``.

    Returns
    -------
    float or None
        Speed in km/h (mean of ``;``-separated values), or None when nothing can be parsed
        (``"none"``, ``"signals"``, missing tag...).
    """
    if value is None:
        return None
    speeds = []
    for part in str(value).split(";"):
        token = part.strip().lower()
        if token in FRENCH_IMPLICIT_SPEEDS_KMH:
            speeds.append(FRENCH_IMPLICIT_SPEEDS_KMH[token])
            continue
        match = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*(mph|km/h|kmh|kph)?", token)
        if match:
            speed = float(match.group(1).replace(",", "."))
            if match.group(2) == "mph":
                speed *= _MPH_TO_KMH
            if speed > 0:
                speeds.append(speed)
    return float(np.mean(speeds)) if speeds else None


def edge_speed_kmh(highway: str, maxspeed: str | None) -> float:
    """Speed of a way in km/h: its parsed ``maxspeed``, else the class default."""
    parsed = parse_maxspeed(maxspeed)
    if parsed is not None:
        return parsed
    return DEFAULT_SPEEDS_KMH.get(highway, DEFAULT_SPEEDS_KMH["road"])


def is_drivable(tags: dict[str, str]) -> bool:
    """Whether a way with these OSM tags is open to cars (osmnx's ``drive`` filter, simplified)."""
    if tags.get("highway") not in DEFAULT_SPEEDS_KMH:
        return False
    if tags.get("area") == "yes" or tags.get("service") in _EXCLUDED_SERVICE:
        return False
    for key in ("motorcar", "motor_vehicle"):
        if key in tags:
            return tags[key] not in _NO_ACCESS
    return tags.get("access") not in _NO_ACCESS


def oneway_direction(tags: dict[str, str]) -> int:
    """1 for one-way along the way, -1 against it, 0 for two-way."""
    value = tags.get("oneway")
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value is None and (
        tags.get("highway") == "motorway" or tags.get("junction") in ("roundabout", "circular")
    ):
        return 1
    return 0


def sarthe_outline() -> shapely.Geometry:
    """Sarthe department outline in EPSG:2154."""
    path = settings.RAW_DIR / "boundaries" / "departement_72_2025.geojson"
    return gpd.read_file(path).to_crs(settings.WORK_CRS).union_all()


def read_area(path: str | Path) -> shapely.Geometry:
    """Read a polygon file (any format GDAL reads) as one geometry in EPSG:2154.

    Raises
    ------
    DataValidationError
        When the file cannot be read, has no CRS or holds no polygon.
    """
    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:
        raise _error(path.name, "unreadable_area", f"Fichier de zone illisible ({exc}).") from exc
    if frame.crs is None:
        raise _error(path.name, "missing_crs", "Le fichier de zone n'indique pas sa projection.")
    polygons = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        raise _error(path.name, "no_polygon", "Le fichier de zone ne contient aucun polygone.")
    return polygons.to_crs(settings.WORK_CRS).union_all()


def build_network_from_pbf(
    pbf_path: str | Path,
    area: shapely.Geometry | None = None,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    directory: Path | None = None,
    progress: ProgressCallback | None = None,
) -> RoadNetwork:
    """Build the drivable road network from a local OSM extract and save it.

    Parameters
    ----------
    pbf_path : str or Path
        OSM extract (``.osm.pbf``; ``.osm`` XML also works).
    area : shapely geometry, optional
        Study area in EPSG:2154; Sarthe by default.
    buffer_m : float
        Buffer around the study area, in metres, so that trips may leave it.
    min_coverage : float
        Minimum share of the unbuffered study area that the convex hull of the network
        must cover; below it the extract is refused as not covering the area.
    directory : Path, optional
        Output directory; ``settings.PROCESSED_DIR`` by default.
    progress : callable, optional
        ``progress(step, fraction)``, called as the build advances.

    Returns
    -------
    RoadNetwork
        The saved network.

    Raises
    ------
    DataValidationError
        When the file is missing, corrupt, holds no drivable way, or does not cover
        the study area.
    """
    import osmium

    pbf_path = Path(pbf_path)
    source = pbf_path.name
    report = progress or _no_progress
    if not pbf_path.is_file():
        raise _error(source, "missing_file", f"Fichier introuvable : {pbf_path}.")
    core = sarthe_outline() if area is None else area
    clip = core.buffer(buffer_m) if buffer_m > 0 else core

    report("Lecture du fichier OSM", 0.0)
    ways = _WayArrays()
    try:
        header_timestamp = _header_timestamp(osmium, pbf_path)
        processor = (
            osmium.FileProcessor(str(pbf_path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            tags = {tag.k: tag.v for tag in way.tags}
            if is_drivable(tags):
                ways.add(way, tags)
    except (RuntimeError, ValueError, OSError) as exc:
        raise _error(
            source,
            "corrupt_file",
            f"Fichier OSM illisible ou corrompu ({exc}). Téléchargez à nouveau l'extrait.",
        ) from exc
    if ways.n_ways == 0:
        raise _error(source, "no_drivable_ways", "Le fichier ne contient aucune voie carrossable.")
    report("Lecture du fichier OSM", 1.0)

    report("Découpage sur la zone d'étude", 0.0)
    edges = ways.edges(clip)
    if edges is None:
        raise _error(
            source,
            "outside_area",
            "Aucune voie carrossable du fichier n'est dans la zone d'étude : "
            "l'extrait ne couvre pas le territoire.",
        )
    report("Découpage sur la zone d'étude", 1.0)
    timestamp = header_timestamp or ways.latest_timestamp()
    metadata = {
        "source": str(pbf_path.resolve()),
        "source_kind": "pbf",
        "osm_timestamp": timestamp,
    }
    network = _assemble(edges, metadata, core, buffer_m, min_coverage, source, report)
    save_network(network, directory)
    report("Enregistrement", 1.0)
    return network


def build_network_from_download(
    area: shapely.Geometry | None = None,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    directory: Path | None = None,
    progress: ProgressCallback | None = None,
) -> RoadNetwork:
    """Download the drivable network through osmnx (Overpass API) and save it.

    Same parameters, result and errors as :func:`build_network_from_pbf`; needs internet
    access. Speeds and one-way rules are ours, not osmnx's, so that both paths agree.
    """
    import osmnx as ox

    report = progress or _no_progress
    source = "OpenStreetMap (Overpass, osmnx)"
    core = sarthe_outline() if area is None else area
    clip = core.buffer(buffer_m) if buffer_m > 0 else core
    clip_lonlat = gpd.GeoSeries([clip], crs=settings.WORK_CRS).to_crs(settings.LONLAT_CRS)[0]

    report("Téléchargement OSM", 0.0)
    try:
        graph = ox.graph_from_polygon(
            clip_lonlat, network_type="drive", simplify=True, retain_all=True
        )
    except Exception as exc:
        raise _error(
            source,
            "download_failed",
            f"Téléchargement impossible ({exc}). Vérifiez la connexion internet, "
            "ou construisez le réseau depuis un fichier avec --pbf.",
        ) from exc
    report("Téléchargement OSM", 1.0)
    edges = _edges_from_osmnx(graph)
    if edges is None:
        raise _error(source, "no_drivable_ways", "Aucune voie carrossable téléchargée.")
    metadata = {
        "source": str(ox.settings.overpass_url),
        "source_kind": "osmnx",
        "osm_timestamp": None,
    }
    network = _assemble(edges, metadata, core, buffer_m, min_coverage, source, report)
    save_network(network, directory)
    report("Enregistrement", 1.0)
    return network


def save_network(network: RoadNetwork, directory: Path | None = None) -> Path:
    """Write a network to ``directory`` and clear the travel-time cache built on the old one."""
    directory = Path(directory or settings.PROCESSED_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    graph = network.graph
    tmp_npz = directory / (NETWORK_FILE + ".tmp.npz")
    np.savez_compressed(
        tmp_npz,
        indptr=graph.indptr,
        indices=graph.indices,
        travel_time_s=graph.data,
        length_m=network.length_m,
        x_m=network.x_m,
        y_m=network.y_m,
        osm_id=network.osm_id,
    )
    os.replace(tmp_npz, directory / NETWORK_FILE)
    tmp_json = directory / (METADATA_FILE + ".tmp")
    tmp_json.write_text(json.dumps(network.metadata, indent=2, ensure_ascii=False), "utf-8")
    os.replace(tmp_json, directory / METADATA_FILE)
    shutil.rmtree(directory / CACHE_SUBDIR / "travel_times", ignore_errors=True)
    return directory / NETWORK_FILE


def load_network(directory: Path | None = None) -> RoadNetwork | None:
    """Load the network saved in ``directory`` (``settings.PROCESSED_DIR`` by default).

    Returns None when no network has been built there.
    """
    directory = Path(directory or settings.PROCESSED_DIR)
    metadata = network_info(directory)
    if metadata is None or not (directory / NETWORK_FILE).is_file():
        return None
    with np.load(directory / NETWORK_FILE) as arrays:
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
    """Metadata of the built network, or None when none is built.

    Keys: ``source``, ``source_kind`` (``pbf`` or ``osmnx``), ``osm_timestamp`` (ISO
    date of the OSM data, None if unknown), ``build_date``, ``n_nodes``, ``n_edges``,
    ``total_length_km``, ``buffer_m``, ``area_km2``, ``build_id``.
    """
    path = Path(directory or settings.PROCESSED_DIR) / METADATA_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text("utf-8"))


def network_from_edges(
    u: np.ndarray,
    v: np.ndarray,
    travel_time_s: np.ndarray,
    length_m: np.ndarray,
    x_m: np.ndarray,
    y_m: np.ndarray,
    metadata: dict[str, Any] | None = None,
    *,
    osm_id: np.ndarray | None = None,
) -> RoadNetwork:
    """Make a :class:`RoadNetwork` from directed edges on nodes ``0..len(x_m)-1``.

    Parallel edges keep the fastest; self-loops are dropped. No component filtering:
    this is the low-level constructor (tests, benchmarks, other sources).
    """
    n = len(x_m)
    u, v = np.asarray(u, np.int64), np.asarray(v, np.int64)
    keep = u != v
    u, v = u[keep], v[keep]
    time_s = np.maximum(np.asarray(travel_time_s, np.float64)[keep], _MIN_TRAVEL_TIME_S)
    length = np.asarray(length_m, np.float64)[keep]
    # Sort by (u, v, time) so the first of each (u, v) run is the fastest parallel edge.
    order = np.lexsort((time_s, v, u))
    u, v, time_s, length = u[order], v[order], time_s[order], length[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, time_s, length = u[first], v[first], time_s[first], length[first]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    graph = sparse.csr_array((time_s, v.astype(np.int32), indptr), shape=(n, n))
    x_m = np.asarray(x_m, np.float64)
    y_m = np.asarray(y_m, np.float64)
    meta = dict(metadata or {})
    meta.update(
        n_nodes=n,
        n_edges=int(graph.nnz),
        total_length_km=round(float(length.sum()) / 1000, 1),
        build_id=_build_id(graph, x_m, y_m),
    )
    node_osm_id = np.arange(n, dtype=np.int64) if osm_id is None else np.asarray(osm_id, np.int64)
    return RoadNetwork(graph, length, x_m, y_m, node_osm_id, meta)


def _assemble(
    edges: _Edges,
    metadata: dict[str, Any],
    core: shapely.Geometry,
    buffer_m: float,
    min_coverage: float,
    source: str,
    report: ProgressCallback,
) -> RoadNetwork:
    """Index nodes, keep the largest strongly connected component, check coverage."""
    report("Composante fortement connexe", 0.0)
    node_ids, inverse = np.unique(np.concatenate([edges.u, edges.v]), return_inverse=True)
    u, v = inverse[: len(edges.u)], inverse[len(edges.u) :]
    n = len(node_ids)
    adjacency = sparse.csr_array((np.ones(len(u)), (u, v)), shape=(n, n))
    _, labels = csgraph.connected_components(adjacency, directed=True, connection="strong")
    largest = np.argmax(np.bincount(labels))
    in_largest = labels == largest
    keep = in_largest[u] & in_largest[v]
    report("Composante fortement connexe", 1.0)

    positions = np.searchsorted(edges.node_ids, node_ids[in_largest])
    x_m, y_m = _to_work_crs(edges.lon[positions], edges.lat[positions])
    # Number nodes along a Z-order curve: nodes close in space get close indices, which
    # makes Dijkstra's memory accesses local (about 1.5x faster than OSM id order).
    spatial_order = np.argsort(_morton_code(x_m, y_m), kind="stable")
    x_m, y_m = x_m[spatial_order], y_m[spatial_order]
    kept_ids = node_ids[in_largest][spatial_order]
    new_index = np.full(n, -1, np.int64)
    new_index[np.flatnonzero(in_largest)[spatial_order]] = np.arange(len(spatial_order))
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([x_m, y_m])))
    coverage = shapely.area(shapely.intersection(hull, core)) / shapely.area(core)
    if coverage < min_coverage:
        raise _error(
            source,
            "outside_area",
            f"Le réseau routier ne couvre que {coverage:.0%} de la zone d'étude "
            f"(minimum {min_coverage:.0%}) : utilisez un extrait qui couvre tout le territoire.",
        )
    metadata = {
        **metadata,
        "build_date": datetime.now(UTC).isoformat(timespec="seconds"),
        "buffer_m": buffer_m,
        "area_km2": round(float(shapely.area(core)) / 1e6, 1),
        "coverage": round(float(coverage), 4),
    }
    return network_from_edges(
        new_index[u[keep]],
        new_index[v[keep]],
        edges.time_s[keep],
        edges.length_m[keep],
        x_m,
        y_m,
        metadata,
        osm_id=kept_ids,
    )


@dataclass
class _Edges:
    """Directed edges between OSM node ids, with the coordinates of those nodes."""

    u: np.ndarray
    v: np.ndarray
    time_s: np.ndarray
    length_m: np.ndarray
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


class _WayArrays:
    """Drivable ways read from a file, flattened into arrays of node references."""

    def __init__(self) -> None:
        self.way_of_ref: list[int] = []
        self.node_id: list[int] = []
        self.x7: list[int] = []
        self.y7: list[int] = []
        self.valid: list[bool] = []
        self.speed_kmh: list[float] = []
        self.oneway: list[int] = []
        self.timestamps: list[datetime] = []

    @property
    def n_ways(self) -> int:
        return len(self.speed_kmh)

    def add(self, way: Any, tags: dict[str, str]) -> None:
        index = self.n_ways
        for ref in way.nodes:
            location = ref.location
            valid = location.valid()
            self.way_of_ref.append(index)
            self.node_id.append(ref.ref)
            self.valid.append(valid)
            self.x7.append(location.x if valid else 0)
            self.y7.append(location.y if valid else 0)
        self.speed_kmh.append(edge_speed_kmh(tags["highway"], tags.get("maxspeed")))
        self.oneway.append(oneway_direction(tags))
        self.timestamps.append(way.timestamp)

    def latest_timestamp(self) -> str | None:
        latest = max(self.timestamps)
        if latest.year < 2005:  # files stripped of metadata carry the epoch
            return None
        return latest.isoformat(timespec="seconds")

    def edges(self, clip: shapely.Geometry) -> _Edges | None:
        """Edges between junctions, keeping only segments whose two ends are in ``clip``."""
        way = np.asarray(self.way_of_ref, np.int64)
        node = np.asarray(self.node_id, np.int64)
        lon = np.asarray(self.x7, np.float64) / 1e7
        lat = np.asarray(self.y7, np.float64) / 1e7
        x_m, y_m = _to_work_crs(lon, lat)
        shapely.prepare(clip)
        inside = np.asarray(self.valid) & shapely.contains_xy(clip, x_m, y_m)
        # Segment k joins reference k and k + 1 (last reference of each array has none).
        seg_ok = np.zeros(len(way), bool)
        seg_ok[:-1] = (way[:-1] == way[1:]) & inside[:-1] & inside[1:]
        if not seg_ok.any():
            return None
        seg_len = np.zeros(len(way))
        seg_len[:-1] = _haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        seg_len[~seg_ok] = 0.0
        speed_ms = np.asarray(self.speed_kmh)[way] / 3.6
        seg_time = seg_len / speed_ms

        # A reference is a graph node when it ends a run of valid segments or when its
        # node is used by several references (an intersection, or a loop closing).
        used = seg_ok | np.concatenate([[False], seg_ok[:-1]])
        run_end = used & ~(seg_ok & np.concatenate([[False], seg_ok[:-1]]))
        used_nodes, counts = np.unique(node[used], return_counts=True)
        shared = np.isin(node, used_nodes[counts > 1]) & used
        junction = np.flatnonzero(run_end | shared)
        start, stop = junction[:-1], junction[1:]
        real = seg_ok[start]
        start, stop = start[real], stop[real]

        cum_len = np.concatenate([[0.0], np.cumsum(seg_len)])
        cum_time = np.concatenate([[0.0], np.cumsum(seg_time)])
        length = cum_len[stop] - cum_len[start]
        time_s = cum_time[stop] - cum_time[start]
        direction = np.asarray(self.oneway, np.int64)[way[start]]
        a, b = node[start], node[stop]
        forward = direction >= 0
        backward = direction <= 0
        u = np.concatenate([a[forward], b[backward]])
        v = np.concatenate([b[forward], a[backward]])
        ids, first = np.unique(node[used], return_index=True)
        used_pos = np.flatnonzero(used)[first]
        return _Edges(
            u=u,
            v=v,
            time_s=np.concatenate([time_s[forward], time_s[backward]]),
            length_m=np.concatenate([length[forward], length[backward]]),
            node_ids=ids,
            lon=lon[used_pos],
            lat=lat[used_pos],
        )


def _edges_from_osmnx(graph: Any) -> _Edges | None:
    """Edges of an osmnx MultiDiGraph (already directed by osmnx), with our speeds."""
    if graph.number_of_edges() == 0:
        return None
    u, v, length, time_s = [], [], [], []
    for a, b, data in graph.edges(data=True):
        highway = data.get("highway", "road")
        maxspeed = data.get("maxspeed")
        highway = highway[0] if isinstance(highway, list) else highway
        maxspeed = ";".join(maxspeed) if isinstance(maxspeed, list) else maxspeed
        speed_kmh = edge_speed_kmh(highway, maxspeed)
        u.append(a)
        v.append(b)
        length.append(float(data["length"]))
        time_s.append(float(data["length"]) / (speed_kmh / 3.6))
    node_ids = np.sort(np.fromiter(graph.nodes, np.int64))
    return _Edges(
        u=np.asarray(u, np.int64),
        v=np.asarray(v, np.int64),
        time_s=np.asarray(time_s),
        length_m=np.asarray(length),
        node_ids=node_ids,
        lon=np.array([graph.nodes[i]["x"] for i in node_ids], np.float64),
        lat=np.array([graph.nodes[i]["y"] for i in node_ids], np.float64),
    )


def _morton_code(x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Z-order (Morton) code of coordinates quantised on 16 bits each."""

    def spread(values: np.ndarray) -> np.ndarray:
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            values = (values | (values << shift)) & mask
        return values

    def quantise(values: np.ndarray) -> np.ndarray:
        span = max(float(np.ptp(values)), 1e-9)
        return ((values - values.min()) / span * 65535).astype(np.uint64)

    return spread(quantise(x_m)) | (spread(quantise(y_m)) << np.uint64(1))


def _header_timestamp(osmium: Any, path: Path) -> str | None:
    reader = osmium.io.Reader(str(path), osmium.osm.NOTHING)
    try:
        value = reader.header().get("osmosis_replication_timestamp")
    finally:
        reader.close()
    return value or None


def _to_work_crs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    transformer = Transformer.from_crs(settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True)
    x_m, y_m = transformer.transform(lon, lat)
    return np.asarray(x_m, np.float64), np.asarray(y_m, np.float64)


def _haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(a) for a in (lon1, lat1, lon2, lat2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _build_id(graph: sparse.csr_array, x_m: np.ndarray, y_m: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in (graph.indptr, graph.indices, graph.data, x_m, y_m):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def _error(source: str, code: str, message: str) -> DataValidationError:
    return DataValidationError(source, [Problem(code, message)])


def _no_progress(step: str, fraction: float) -> None:
    """Default progress callback: report nothing."""


__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "ProgressCallback",
    "RoadNetwork",
    "build_network_from_download",
    "build_network_from_pbf",
    "edge_speed_kmh",
    "is_drivable",
    "load_network",
    "network_from_edges",
    "network_info",
    "oneway_direction",
    "parse_maxspeed",
    "read_area",
    "save_network",
]
