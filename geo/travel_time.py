"""Travel-time matrices: on the road network when one is built, else a stated approximation.

Two travel models exist, and every result says which one produced it
(:class:`TravelModel`, also stored in ``DataFrame.attrs["travel_model"]``):

- ``road_network``: shortest free-flow travel times on the drivable OSM network built
  by :mod:`geo.network` (one-way streets respected). Each point is snapped to its
  nearest network node; the straight-line snapping distance is covered at the *access
  speed* (default 15 km/h, for a car on the unmapped last metres; use 5 km/h for a walk
  to the road) and added at both ends.
- ``straight_line`` (fallback, the embedded default): straight-line distance ×
  circuity factor ÷ speed, defaults 1.3 and 60 km/h.

Points are GeoSeries or GeoDataFrames of points (reprojected to EPSG:2154 if needed),
or ``(x, y)`` arrays in EPSG:2154; matrices are DataFrames in minutes whose rows follow
the origins' index and whose columns follow the destinations' index. Trips beyond the
cutoff, or impossible, are ``inf``.

Road-network matrices are cached under ``<processed>/cache/travel_times/`` as ``.npz``
files keyed by the network build id, the point coordinates, the access speed and the
cutoff; any change of these gives another key, and rebuilding the network empties the
cache. Each file holds its key and a checksum, and is used only when both match and the
matrix has the expected shape, ``float64`` values that are non-negative (``inf`` beyond
the cutoff) and zero only between identical points; anything else is recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo import settings
from geo.atomic import write_atomic
from geo.defaults import ACCESS_SPEED_KMH, CIRCUITY, SPEED_KMH
from geo.network import CACHE_SUBDIR, RoadNetwork, load_network, network_info

__all__ = [
    "PARALLEL_MIN_WORK",
    "Direction",
    "Points",
    "TravelModel",
    "access_matrix",
    "current_travel_model",
    "network_distance_km",
    "network_matrix",
    "point_coordinates",
    "road_network_model",
    "snap_to_network",
    "straight_line_matrix",
    "straight_line_model",
    "travel_time_matrix",
]

#: Budget for one block of Dijkstra distances (sources × nodes × 8 bytes).
_DIJKSTRA_BLOCK_BYTES = 200 * 1024 * 1024
#: Below this many (sources × nodes), worker processes cost more than they save.
PARALLEL_MIN_WORK = 5_000_000
_CACHE_VERSION = 2
_log = logging.getLogger(__name__)

Points = gpd.GeoSeries | gpd.GeoDataFrame | tuple[np.ndarray, np.ndarray] | np.ndarray
Direction = Literal["to_site", "from_site"]


@dataclass(frozen=True)
class TravelModel:
    """How travel times were computed.

    Attributes
    ----------
    kind : {"road_network", "straight_line"}
        Road-network shortest paths, or the straight-line approximation.
    parameters : dict
        ``circuity`` and ``speed_kmh`` (straight line), or ``network_build_id``,
        ``access_speed_kmh`` and ``osm_timestamp`` (road network).
    label : str
        French description for users.
    is_approximate : bool
        True for the straight-line fallback.
    """

    kind: Literal["road_network", "straight_line"]
    parameters: dict[str, Any] = field(hash=False)
    label: str
    is_approximate: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "kind": self.kind,
            "parameters": dict(self.parameters),
            "label": self.label,
            "is_approximate": self.is_approximate,
        }


def straight_line_model(circuity: float = CIRCUITY, speed_kmh: float = SPEED_KMH) -> TravelModel:
    """The fallback model: straight-line distance × ``circuity`` at ``speed_kmh``."""
    if circuity < 1 or speed_kmh <= 0:
        raise ValueError("Le facteur de détour doit être ≥ 1 et la vitesse positive.")
    return TravelModel(
        kind="straight_line",
        parameters={"circuity": float(circuity), "speed_kmh": float(speed_kmh)},
        label=(
            f"Approximation : distance à vol d'oiseau × {_fr(circuity)} à {_fr(speed_kmh)} km/h"
        ),
        is_approximate=True,
    )


def road_network_model(
    info: dict[str, Any], access_speed_kmh: float = ACCESS_SPEED_KMH
) -> TravelModel:
    """The road-network model for a built network, from its metadata (:func:`network_info`)."""
    if access_speed_kmh <= 0:
        raise ValueError("La vitesse d'accès au réseau doit être positive.")
    timestamp = info.get("osm_timestamp")
    data_date = (
        f"données OSM du {_fr_date(timestamp)}" if timestamp else "date des données inconnue"
    )
    return TravelModel(
        kind="road_network",
        parameters={
            "network_build_id": info["build_id"],
            "access_speed_kmh": float(access_speed_kmh),
            "osm_timestamp": timestamp,
        },
        label=(
            f"Réseau routier OpenStreetMap ({data_date}), vitesses limites, "
            f"accès au réseau à {_fr(access_speed_kmh)} km/h"
        ),
        is_approximate=False,
    )


def current_travel_model(
    directory: Path | None = None,
    *,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    circuity: float = CIRCUITY,
    speed_kmh: float = SPEED_KMH,
) -> TravelModel:
    """The road-network model if a network is built in ``directory``, else the fallback."""
    info = network_info(directory)
    if info is None:
        return straight_line_model(circuity, speed_kmh)
    return road_network_model(info, access_speed_kmh)


def point_coordinates(points: Points) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """x and y in EPSG:2154 and the index of ``points``.

    Raises
    ------
    ValueError
        When geometries are not all points, or a GeoSeries has no CRS.
    """
    if isinstance(points, gpd.GeoDataFrame):
        points = points.geometry
    if isinstance(points, gpd.GeoSeries):
        if points.crs is None:
            raise ValueError("Les points n'ont pas de système de coordonnées (CRS).")
        if not (points.geom_type == "Point").all():
            raise ValueError("Les temps de trajet se calculent entre points uniquement.")
        if points.crs != settings.WORK_CRS:
            points = points.to_crs(settings.WORK_CRS)
        return points.x.to_numpy(float), points.y.to_numpy(float), points.index
    if isinstance(points, np.ndarray) and points.ndim == 2:
        x, y = points[:, 0], points[:, 1]
    else:
        x, y = points
    x, y = np.asarray(x, float), np.asarray(y, float)
    return x, y, pd.RangeIndex(len(x))


def snap_to_network(points: Points, network: RoadNetwork) -> pd.DataFrame:
    """Nearest network node of each point.

    Returns
    -------
    pandas.DataFrame
        Aligned to the points' index: ``node`` (network node index) and ``snap_dist_m``
        (straight-line distance to it, in metres).
    """
    x, y, index = point_coordinates(points)
    dist_m, node = _node_tree(network).query(np.column_stack([x, y]))
    return pd.DataFrame({"node": node.astype(np.int64), "snap_dist_m": dist_m}, index=index)


def straight_line_matrix(
    origins: Points,
    destinations: Points,
    *,
    circuity: float = CIRCUITY,
    speed_kmh: float = SPEED_KMH,
    cutoff_min: float | None = None,
) -> pd.DataFrame:
    """Travel times in minutes as straight-line distance × ``circuity`` ÷ ``speed_kmh``."""
    model = straight_line_model(circuity, speed_kmh)
    ox, oy, oindex = point_coordinates(origins)
    dx, dy, dindex = point_coordinates(destinations)
    dist_m = np.hypot(ox[:, None] - dx[None, :], oy[:, None] - dy[None, :])
    minutes = dist_m * circuity / (speed_kmh / 3.6) / 60.0
    return _frame(_apply_cutoff(minutes, cutoff_min), oindex, dindex, model)


def network_matrix(
    origins: Points,
    destinations: Points,
    network: RoadNetwork,
    *,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    cutoff_min: float | None = None,
    use_cache: bool = True,
    directory: Path | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Travel times in minutes from each origin to each destination on the road network.

    Dijkstra runs from whichever side has fewer distinct snapped nodes: from the origins
    on the graph, or from the destinations on the transposed graph.

    Parameters
    ----------
    origins, destinations : points
        See the module docstring.
    network : RoadNetwork
        The road graph.
    access_speed_kmh : float
        Speed over the snapping distance at both ends.
    cutoff_min : float, optional
        Times above it are ``inf`` (and Dijkstra stops there, which is faster).
    use_cache : bool
        Read and write the on-disk cache.
    directory : Path, optional
        Processed-data directory holding the cache; ``settings.PROCESSED_DIR`` by default.
    n_jobs : int, optional
        Worker processes for large matrices; all CPUs by default, 1 for none.
    """
    model = road_network_model(network.metadata, access_speed_kmh)
    ox, oy, oindex = point_coordinates(origins)
    dx, dy, dindex = point_coordinates(destinations)
    cache_path = cache_key = None
    if use_cache:
        cache_path, cache_key = _cache_entry(
            directory, network.build_id, ox, oy, dx, dy, access_speed_kmh, cutoff_min
        )
        cached = _read_matrix(cache_path, cache_key, (ox, oy), (dx, dy))
        if cached is not None:
            return _frame(cached, oindex, dindex, model)

    tree = _node_tree(network)
    o_dist_m, o_node = tree.query(np.column_stack([ox, oy]))
    d_dist_m, d_node = tree.query(np.column_stack([dx, dy]))
    access_m_per_min = access_speed_kmh / 3.6 * 60.0
    limit_s = np.inf if cutoff_min is None else cutoff_min * 60.0
    o_unique, o_inverse = np.unique(o_node, return_inverse=True)
    d_unique, d_inverse = np.unique(d_node, return_inverse=True)
    if len(o_unique) <= len(d_unique):
        node_s = _shortest_times_s(network.graph, o_unique, d_unique, limit_s, n_jobs)
    else:
        transposed = network.graph.T.tocsr()
        node_s = _shortest_times_s(transposed, d_unique, o_unique, limit_s, n_jobs).T
    minutes = (
        o_dist_m[:, None] / access_m_per_min
        + node_s[np.ix_(o_inverse, d_inverse)] / 60.0
        + d_dist_m[None, :] / access_m_per_min
    )
    minutes = _apply_cutoff(minutes, cutoff_min)
    if cache_path is not None:
        _write_matrix(cache_path, cache_key, minutes)
    return _frame(minutes, oindex, dindex, model)


def network_distance_km(
    origins: Points, destinations: Points, network: RoadNetwork
) -> pd.DataFrame:
    """Shortest road distances in kilometres (snapping distances included at both ends).

    Used for vehicle kilometres: the route is the shortest by distance, which for the
    short trips of mobile sessions differs little from the fastest one.
    """
    lengths = sparse.csr_array(
        (network.length_m, network.graph.indices, network.graph.indptr),
        shape=network.graph.shape,
    )
    ox, oy, oindex = point_coordinates(origins)
    dx, dy, dindex = point_coordinates(destinations)
    tree = _node_tree(network)
    o_dist_m, o_node = tree.query(np.column_stack([ox, oy]))
    d_dist_m, d_node = tree.query(np.column_stack([dx, dy]))
    o_unique, o_inverse = np.unique(o_node, return_inverse=True)
    node_m = dijkstra(lengths, directed=True, indices=o_unique)[:, d_node]
    km = (o_dist_m[:, None] + node_m[o_inverse] + d_dist_m[None, :]) / 1000.0
    return pd.DataFrame(km, index=oindex, columns=dindex)


def travel_time_matrix(
    origins: Points,
    destinations: Points,
    model: TravelModel | None = None,
    *,
    cutoff_min: float | None = None,
    network: RoadNetwork | None = None,
    directory: Path | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Travel times in minutes from each origin (rows) to each destination (columns).

    Parameters
    ----------
    origins, destinations : points
        See the module docstring.
    model : TravelModel, optional
        Defaults to :func:`current_travel_model` for ``directory``.
    cutoff_min : float, optional
        Times above it are ``inf``.
    network : RoadNetwork, optional
        The network of a ``road_network`` model; loaded from ``directory`` if omitted.
    directory : Path, optional
        Processed-data directory; ``settings.PROCESSED_DIR`` by default.
    use_cache : bool
        Use the on-disk cache (road network only; the fallback is instantaneous).

    Returns
    -------
    pandas.DataFrame
        Minutes; ``attrs["travel_model"]`` holds ``model.to_dict()``.
    """
    model = model or current_travel_model(directory)
    if model.kind == "straight_line":
        return straight_line_matrix(
            origins, destinations, cutoff_min=cutoff_min, **model.parameters
        )
    network = network or load_network(directory)
    if network is None or network.build_id != model.parameters["network_build_id"]:
        raise ValueError(
            "Le réseau routier de ce modèle de trajet n'est plus disponible : "
            "reconstruisez-le ou recalculez le modèle avec current_travel_model()."
        )
    return network_matrix(
        origins,
        destinations,
        network,
        access_speed_kmh=model.parameters["access_speed_kmh"],
        cutoff_min=cutoff_min,
        use_cache=use_cache,
        directory=directory,
    )


def access_matrix(
    demand: Points,
    sites: Points,
    model: TravelModel | None = None,
    *,
    direction: Direction = "to_site",
    cutoff_min: float | None = None,
    network: RoadNetwork | None = None,
    directory: Path | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Travel times between demand points (rows) and sites (columns), in minutes.

    ``direction="to_site"`` times the resident's trip to the site; ``"from_site"`` times
    the advisor's trip from the site (their base) to the demand point. They differ only
    through one-way streets. Other parameters as in :func:`travel_time_matrix`.
    """
    options = {
        "model": model,
        "cutoff_min": cutoff_min,
        "network": network,
        "directory": directory,
        "use_cache": use_cache,
    }
    if direction == "to_site":
        return travel_time_matrix(demand, sites, **options)
    if direction == "from_site":
        matrix = travel_time_matrix(sites, demand, **options)
        result = matrix.T
        result.attrs = dict(matrix.attrs)
        return result
    raise ValueError(f"Sens de trajet inconnu : {direction!r} (« to_site » ou « from_site »).")


def _shortest_times_s(
    graph: Any, sources: np.ndarray, targets: np.ndarray, limit_s: float, n_jobs: int | None
) -> np.ndarray:
    """Seconds from each source node to each target node.

    Large problems are split over ``n_jobs`` worker processes (scipy's Dijkstra holds the
    GIL, so threads would not help); ``None`` uses every CPU.
    """
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else max(1, n_jobs)
    n_jobs = min(n_jobs, len(sources))
    if n_jobs == 1 or len(sources) * graph.shape[0] < PARALLEL_MIN_WORK:
        return _dijkstra_blocks(graph, sources, targets, limit_s)
    chunks = np.array_split(sources, n_jobs)
    with ProcessPoolExecutor(n_jobs) as pool:
        parts = pool.map(
            _dijkstra_blocks,
            [graph] * n_jobs,
            chunks,
            [targets] * n_jobs,
            [limit_s] * n_jobs,
        )
        return np.vstack(list(parts))


def _dijkstra_blocks(
    graph: Any, sources: np.ndarray, targets: np.ndarray, limit_s: float
) -> np.ndarray:
    """Dijkstra by blocks of sources, to bound the memory of the full distance rows."""
    block = max(1, _DIJKSTRA_BLOCK_BYTES // (8 * graph.shape[0]))
    times = np.empty((len(sources), len(targets)))
    for start in range(0, len(sources), block):
        rows = dijkstra(graph, directed=True, indices=sources[start : start + block], limit=limit_s)
        times[start : start + block] = rows[:, targets]
    return times


def _node_tree(network: RoadNetwork) -> cKDTree:
    # The tree is stored on the (frozen) network so repeated matrices do not rebuild it.
    tree = network.__dict__.get("_node_tree")
    if tree is None:
        tree = cKDTree(np.column_stack([network.x_m, network.y_m]))
        object.__setattr__(network, "_node_tree", tree)
    return tree


def _cache_entry(
    directory: Path | None,
    build_id: str,
    ox: np.ndarray,
    oy: np.ndarray,
    dx: np.ndarray,
    dy: np.ndarray,
    access_speed_kmh: float,
    cutoff_min: float | None,
) -> tuple[Path, str]:
    """Cache file of a matrix and the key it must hold (a hash of every input)."""
    digest = hashlib.sha256()
    key = {
        "version": _CACHE_VERSION,
        "build_id": build_id,
        "access_speed_kmh": float(access_speed_kmh),
        "cutoff_min": None if cutoff_min is None else float(cutoff_min),
        "n": [len(ox), len(dx)],
    }
    digest.update(json.dumps(key, sort_keys=True).encode())
    for array in (ox, oy, dx, dy):
        digest.update(np.ascontiguousarray(array, np.float64).tobytes())
    base = Path(directory or settings.PROCESSED_DIR)
    hexdigest = digest.hexdigest()
    return base / CACHE_SUBDIR / "travel_times" / f"{hexdigest[:32]}.npz", hexdigest


def _matrix_checksum(key: str, minutes: np.ndarray) -> str:
    digest = hashlib.sha256(f"{key}:{minutes.dtype.str}:{minutes.shape}".encode())
    digest.update(np.ascontiguousarray(minutes).tobytes())
    return digest.hexdigest()


def _write_matrix(path: Path, key: str, minutes: np.ndarray) -> None:
    """Write a matrix with its key and checksum, aside then renamed (readers never see half)."""
    checksum = _matrix_checksum(key, minutes)
    # The cache is an optimisation: failing to write it must not fail the computation.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(
            path,
            lambda handle: np.savez(
                handle, minutes=minutes, key=np.array(key), checksum=np.array(checksum)
            ),
        )


def _read_matrix(
    path: Path,
    key: str,
    origins: tuple[np.ndarray, np.ndarray],
    destinations: tuple[np.ndarray, np.ndarray],
) -> np.ndarray | None:
    """The cached matrix when its key, checksum and invariants hold, else None."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            minutes, stored_key, checksum = stored["minutes"], stored["key"], stored["checksum"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return _discard(path, "fichier illisible ou tronqué")
    if str(stored_key) != key:
        return _discard(path, "clé d'un autre calcul ou d'un autre réseau")
    if minutes.dtype != np.float64 or minutes.shape != (len(origins[0]), len(destinations[0])):
        return _discard(path, f"matrice {minutes.dtype} de forme {minutes.shape} inattendue")
    if str(checksum) != _matrix_checksum(key, minutes):
        return _discard(path, "somme de contrôle incorrecte")
    if np.isnan(minutes).any() or (minutes < 0).any():
        return _discard(path, "temps manquants ou négatifs")
    # A zero time is possible only between identical points.
    rows, cols = np.nonzero(minutes == 0)
    if (
        (origins[0][rows] != destinations[0][cols]) | (origins[1][rows] != destinations[1][cols])
    ).any():
        return _discard(path, "temps nuls entre des points distincts")
    return minutes


def _discard(path: Path, reason: str) -> None:
    _log.warning("Temps de trajet en cache %s recalculés (%s).", path.name, reason)
    path.unlink(missing_ok=True)


def _apply_cutoff(minutes: np.ndarray, cutoff_min: float | None) -> np.ndarray:
    if cutoff_min is not None:
        minutes = np.where(minutes <= cutoff_min, minutes, np.inf)
    return minutes


def _frame(
    minutes: np.ndarray, index: pd.Index, columns: pd.Index, model: TravelModel
) -> pd.DataFrame:
    frame = pd.DataFrame(minutes, index=index, columns=columns)
    frame.attrs["travel_model"] = model.to_dict()
    return frame


def _fr(value: float) -> str:
    """French decimal notation: 1.3 → "1,3", 60.0 → "60"."""
    return f"{value:g}".replace(".", ",")


def _fr_date(timestamp: str) -> str:
    return pd.Timestamp(timestamp).strftime("%d/%m/%Y")
