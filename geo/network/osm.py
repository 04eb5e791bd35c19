"""OpenStreetMap readers: which ways are drivable, at what speed, in which direction.

Ways come from a local extract (:func:`read_pbf_edges`, pyosmium) or from the Overpass
API through osmnx (:func:`download_edges`); both apply the same rules below and return
directed edges between junctions (:class:`geo.network.graph.OsmEdges`).

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

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo.network._common import ProgressCallback, error, no_progress
from geo.network.graph import OsmEdges, to_work_crs

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "FRENCH_IMPLICIT_SPEEDS_KMH",
    "download_edges",
    "edge_speed_kmh",
    "is_drivable",
    "oneway_direction",
    "parse_maxspeed",
    "read_pbf_edges",
]

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


def read_pbf_edges(
    pbf_path: Path, clip: shapely.Geometry, progress: ProgressCallback = no_progress
) -> tuple[OsmEdges, str | None]:
    """Drivable edges of a local OSM extract inside ``clip``, and the data timestamp.

    Parameters
    ----------
    pbf_path : Path
        OSM extract (``.osm.pbf``; ``.osm`` XML also works).
    clip : shapely geometry
        Study area plus buffer, in EPSG:2154; segments with an end outside it are dropped.
    progress : callable, optional
        ``progress(step, fraction)``, called as the reading advances.

    Returns
    -------
    tuple
        The edges, and the ISO timestamp of the OSM data (None when unknown).

    Raises
    ------
    DataValidationError
        When the file is missing, corrupt, holds no drivable way, or none in ``clip``.
    """
    import osmium

    source = pbf_path.name
    if not pbf_path.is_file():
        raise error(source, "missing_file", f"Fichier introuvable : {pbf_path}.")
    progress("Lecture du fichier OSM", 0.0)
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
        raise error(
            source,
            "corrupt_file",
            f"Fichier OSM illisible ou corrompu ({exc}). Téléchargez à nouveau l'extrait.",
        ) from exc
    if ways.n_ways == 0:
        raise error(source, "no_drivable_ways", "Le fichier ne contient aucune voie carrossable.")
    progress("Lecture du fichier OSM", 1.0)
    progress("Découpage sur la zone d'étude", 0.0)
    edges = ways.edges(clip)
    if edges is None:
        raise error(
            source,
            "outside_area",
            "Aucune voie carrossable du fichier n'est dans la zone d'étude : "
            "l'extrait ne couvre pas le territoire.",
        )
    progress("Découpage sur la zone d'étude", 1.0)
    return edges, header_timestamp or ways.latest_timestamp()


def download_edges(clip_lonlat: shapely.Geometry, source: str) -> OsmEdges:
    """Drivable edges downloaded through osmnx (Overpass API) inside ``clip_lonlat``.

    Speeds and one-way rules are ours, not osmnx's, so that both readers agree.

    Raises
    ------
    DataValidationError
        When the download fails or brings no drivable way.
    """
    import osmnx as ox

    try:
        graph = ox.graph_from_polygon(
            clip_lonlat, network_type="drive", simplify=True, retain_all=True
        )
    except Exception as exc:
        raise error(
            source,
            "download_failed",
            f"Téléchargement impossible ({exc}). Vérifiez la connexion internet, "
            "ou construisez le réseau depuis un fichier avec --pbf.",
        ) from exc
    edges = _edges_from_osmnx(graph)
    if edges is None:
        raise error(source, "no_drivable_ways", "Aucune voie carrossable téléchargée.")
    return edges


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

    def edges(self, clip: shapely.Geometry) -> OsmEdges | None:
        """Edges between junctions, keeping only segments whose two ends are in ``clip``."""
        way = np.asarray(self.way_of_ref, np.int64)
        node = np.asarray(self.node_id, np.int64)
        lon = np.asarray(self.x7, np.float64) / 1e7
        lat = np.asarray(self.y7, np.float64) / 1e7
        x_m, y_m = to_work_crs(lon, lat)
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
        return OsmEdges(
            u=u,
            v=v,
            time_s=np.concatenate([time_s[forward], time_s[backward]]),
            length_m=np.concatenate([length[forward], length[backward]]),
            node_ids=ids,
            lon=lon[used_pos],
            lat=lat[used_pos],
        )


def _edges_from_osmnx(graph: Any) -> OsmEdges | None:
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
    return OsmEdges(
        u=np.asarray(u, np.int64),
        v=np.asarray(v, np.int64),
        time_s=np.asarray(time_s),
        length_m=np.asarray(length),
        node_ids=node_ids,
        lon=np.array([graph.nodes[i]["x"] for i in node_ids], np.float64),
        lat=np.array([graph.nodes[i]["y"] for i in node_ids], np.float64),
    )


def _header_timestamp(osmium: Any, path: Path) -> str | None:
    reader = osmium.io.Reader(str(path), osmium.osm.NOTHING)
    try:
        value = reader.header().get("osmosis_replication_timestamp")
    finally:
        reader.close()
    return value or None


def _haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(a) for a in (lon1, lat1, lon2, lat2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
