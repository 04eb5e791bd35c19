"""The road graph: :class:`RoadNetwork`, its low-level constructor and its assembly.

The network is a directed graph whose nodes are road intersections and dead ends
(interior shape points of a way are merged into the edge, as osmnx's simplification
does) and whose edge weights are free-flow travel times in seconds. Only the largest
strongly connected component is kept, so that every node can reach and be reached from
every other node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph

from geo import settings
from geo.network._common import ProgressCallback, error

__all__ = [
    "OsmEdges",
    "RoadNetwork",
    "assemble",
    "build_id_of",
    "network_from_edges",
    "to_work_crs",
]

# Explicit zeros are not edges for scipy's csgraph, so zero-length edges get a tiny weight.
_MIN_TRAVEL_TIME_S = 1e-3


@dataclass
class OsmEdges:
    """Directed edges between OSM node ids, with the coordinates of those nodes."""

    u: np.ndarray
    v: np.ndarray
    time_s: np.ndarray
    length_m: np.ndarray
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


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
        """Number of nodes."""
        return int(self.graph.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.graph.nnz)

    @property
    def build_id(self) -> str:
        """Hash of the graph and node coordinates (:func:`build_id_of`)."""
        return str(self.metadata["build_id"])


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
        build_id=build_id_of(graph.indptr, graph.indices, graph.data, x_m, y_m),
    )
    node_osm_id = np.arange(n, dtype=np.int64) if osm_id is None else np.asarray(osm_id, np.int64)
    return RoadNetwork(graph, length, x_m, y_m, node_osm_id, meta)


def assemble(
    edges: OsmEdges,
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
    x_m, y_m = to_work_crs(edges.lon[positions], edges.lat[positions])
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
        raise error(
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


def to_work_crs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (EPSG:4326) to x and y in metres (EPSG:2154)."""
    transformer = Transformer.from_crs(settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True)
    x_m, y_m = transformer.transform(lon, lat)
    return np.asarray(x_m, np.float64), np.asarray(y_m, np.float64)


def build_id_of(
    indptr: np.ndarray,
    indices: np.ndarray,
    travel_time_s: np.ndarray,
    x_m: np.ndarray,
    y_m: np.ndarray,
) -> str:
    """Hash of the CSR arrays and node coordinates: identifies a build, checks a stored one."""
    digest = hashlib.sha256()
    for array in (indptr, indices, travel_time_s, x_m, y_m):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]
