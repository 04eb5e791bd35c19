"""Benchmark the travel-time engine against networkx on a Sarthe-sized road graph.

The road graph is SYNTHETIC (no OSM data of Sarthe is vendored): a jittered grid over
Sarthe plus the 15 km buffer, with a hierarchy of road classes (primary every 20th line,
tertiary every 5th, residential/unclassified elsewhere), 8 % of the small ways removed
and 5 % of the ways one-way. It is written as a real ``.osm.pbf`` file and built with
:func:`geo.network.build_network_from_pbf`, so ``build_s`` times the real build.

Then 500 origins x 352 destinations (random points in Sarthe) with a 45-minute cutoff
are computed by :func:`geo.travel_time.network_matrix` (``engine_s``, cache off, all
CPUs). The osmnx/networkx approach is timed on the same graph held as osmnx holds it (a
``MultiDiGraph`` with a ``travel_time`` edge attribute): ``single_source_dijkstra_path_length``
with the same cutoff from a sample of origins, extrapolated to all 500 (``networkx_s``).
The like-for-like figure (networkx from the destinations, as the engine does) is printed
too. The last line printed is ``key=value`` pairs.

Run: ``python benchmarks/travel_times.py``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import settings
from geo.network import DEFAULT_BUFFER_M, build_network_from_pbf, sarthe_outline
from geo.travel_time import network_matrix, snap_to_network

N_ORIGINS = 500
N_DESTINATIONS = 352
CUTOFF_MIN = 45.0
TARGET_NODES = 175_000
NETWORKX_SAMPLE = 12
WAY_SEGMENTS = 10
SEED = 72


def write_synthetic_pbf(path: Path, rng: np.random.Generator) -> int:
    """Write the jittered-grid road network over Sarthe + buffer; return its node count."""
    clip = sarthe_outline().buffer(DEFAULT_BUFFER_M)
    xmin, ymin, xmax, ymax = clip.bounds
    spacing_m = np.sqrt(shapely.area(clip) / TARGET_NODES)
    nx_cols = int((xmax - xmin) / spacing_m) + 1
    ny_rows = int((ymax - ymin) / spacing_m) + 1
    gx, gy = np.meshgrid(np.arange(nx_cols), np.arange(ny_rows))
    x = xmin + gx * spacing_m + rng.uniform(-0.3, 0.3, gx.shape) * spacing_m
    y = ymin + gy * spacing_m + rng.uniform(-0.3, 0.3, gy.shape) * spacing_m
    to_lonlat = Transformer.from_crs(settings.WORK_CRS, settings.LONLAT_CRS, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    node_id = 1 + np.arange(x.size).reshape(x.shape)

    writer = osmium.SimpleWriter(str(path))
    try:
        for k in range(x.size):
            writer.add_node(osmium.osm.mutable.Node(id=k + 1, location=(lon.flat[k], lat.flat[k])))
        way_id = 1
        lines = [(node_id[r, :], r) for r in range(ny_rows)] + [
            (node_id[:, c], c) for c in range(nx_cols)
        ]
        for refs, line in lines:
            for start in range(0, len(refs) - 1, WAY_SEGMENTS):
                chunk = refs[start : start + WAY_SEGMENTS + 1]
                tags = _road_tags(line, rng)
                if tags is None:
                    continue
                writer.add_way(
                    osmium.osm.mutable.Way(id=way_id, nodes=[int(n) for n in chunk], tags=tags)
                )
                way_id += 1
    finally:
        writer.close()
    return x.size


def _road_tags(line: int, rng: np.random.Generator) -> dict[str, str] | None:
    if line % 20 == 0:
        tags = {"highway": "primary"}
    elif line % 5 == 0:
        tags = {"highway": "tertiary"}
    else:
        if rng.random() < 0.08:
            return None
        tags = {"highway": "residential" if rng.random() < 0.5 else "unclassified"}
    if rng.random() < 0.05:
        tags["oneway"] = "yes" if rng.random() < 0.5 else "-1"
    return tags


def random_points_in(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = area.bounds
    points = np.empty((0, 2))
    while len(points) < n:
        candidates = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * n, 2))
        inside = shapely.contains_xy(area, candidates[:, 0], candidates[:, 1])
        points = np.vstack([points, candidates[inside]])
    return points[:n]


def main() -> None:
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        pbf = tmp_dir / "sarthe_synthetic.osm.pbf"
        start = time.perf_counter()
        grid_nodes = write_synthetic_pbf(pbf, rng)
        write_s = time.perf_counter() - start
        print(
            f"Synthetic road graph (jittered grid, NOT real OSM data): {grid_nodes} grid nodes, "
            f"{pbf.stat().st_size / 1e6:.1f} MB pbf written in {write_s:.1f} s"
        )

        start = time.perf_counter()
        network = build_network_from_pbf(pbf, directory=tmp_dir)
        build_s = time.perf_counter() - start
        print(
            f"Built from the .osm.pbf with build_network_from_pbf: {network.n_nodes} nodes, "
            f"{network.n_edges} edges in {build_s:.1f} s"
        )

        sarthe = sarthe_outline()
        origins = random_points_in(sarthe, N_ORIGINS, rng)
        destinations = random_points_in(sarthe, N_DESTINATIONS, rng)

        start = time.perf_counter()
        matrix = network_matrix(
            (origins[:, 0], origins[:, 1]),
            (destinations[:, 0], destinations[:, 1]),
            network,
            cutoff_min=CUTOFF_MIN,
            use_cache=False,
        )
        engine_s = time.perf_counter() - start
        reached = np.isfinite(matrix.to_numpy()).mean()
        print(
            f"Engine: {N_ORIGINS} x {N_DESTINATIONS} matrix, cutoff {CUTOFF_MIN:g} min, "
            f"in {engine_s:.2f} s on {os.cpu_count()} CPU(s), Dijkstra from the "
            f"{N_DESTINATIONS} destinations on the transposed graph "
            f"({reached:.0%} of pairs within the cutoff)"
        )

        # The osmnx/networkx approach: one single-source Dijkstra per origin.
        o_nodes = snap_to_network((origins[:, 0], origins[:, 1]), network)["node"].to_numpy()
        d_nodes = np.unique(
            snap_to_network((destinations[:, 0], destinations[:, 1]), network)["node"]
        )
        nx_graph = osmnx_like_graph(network)
        sample = rng.choice(np.unique(o_nodes), size=NETWORKX_SAMPLE, replace=False)
        limit_s = CUTOFF_MIN * 60
        start = time.perf_counter()
        lengths = [
            nx.single_source_dijkstra_path_length(
                nx_graph, int(s), cutoff=limit_s, weight="travel_time"
            )
            for s in sample
        ]
        per_source_s = (time.perf_counter() - start) / NETWORKX_SAMPLE
        networkx_s = per_source_s * N_ORIGINS
        print(
            f"networkx: {per_source_s:.3f} s per single-source Dijkstra ({NETWORKX_SAMPLE} "
            f"sampled origins), extrapolated to {N_ORIGINS} origins: {networkx_s:.1f} s "
            f"(like-for-like, from the {len(d_nodes)} destination nodes as the engine does: "
            f"{per_source_s * len(d_nodes):.1f} s)"
        )
        _check_agreement(network.graph, sample, d_nodes, lengths, limit_s)

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"nodes={network.n_nodes} edges={network.n_edges} origins={N_ORIGINS} "
        f"destinations={N_DESTINATIONS} cutoff_min={CUTOFF_MIN:g} graph=synthetic_grid "
        f"build_from=osm_pbf build_s={build_s:.2f} engine_s={engine_s:.2f} "
        f"networkx_s={networkx_s:.1f} speedup={networkx_s / engine_s:.0f} "
        f"peak_rss_mb={peak_rss_mb:.0f}"
    )


def osmnx_like_graph(network) -> nx.MultiDiGraph:
    """The same graph as osmnx models it: a MultiDiGraph with a ``travel_time`` attribute."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    coo = network.graph.tocoo()
    graph.add_edges_from(
        (int(u), int(v), {"travel_time": float(t)})
        for u, v, t in zip(coo.row, coo.col, coo.data, strict=True)
    )
    return graph


def _check_agreement(graph, sample, targets, lengths, limit_s) -> None:
    """Fail loudly if the engine's Dijkstra and networkx disagree on the sample."""
    from scipy.sparse.csgraph import dijkstra

    ours = dijkstra(graph, indices=sample, limit=limit_s)[:, targets]
    theirs = np.array(
        [[lengths[i].get(int(t), np.inf) for t in targets] for i in range(len(sample))]
    )
    mismatch = ~np.isclose(ours, theirs, rtol=0, atol=1e-6)
    if mismatch.any():
        raise SystemExit(
            f"Engine and networkx disagree on {mismatch.sum()} pairs: "
            f"{ours[mismatch][:5]} vs {theirs[mismatch][:5]}"
        )
    print(f"Agreement with networkx on {len(sample)} sources x {len(targets)} targets: exact")


if __name__ == "__main__":
    main()
