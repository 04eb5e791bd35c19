"""Catchment areas of sites: communes reached within travel-time thresholds, and a polygon.

A commune is reached by a site within a threshold when the travel time between its
demand point (its town hall by default) and the site is at most the threshold.

The catchment polygon depends on the travel model:

- road network: the concave hull of the network nodes reached within the threshold
  (plus the site itself), widened by :data:`NODE_BUFFER_M` so that isolated reached
  roads keep an area;
- straight-line fallback: the union of the reached communes' polygons.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geo import settings
from geo.defaults import CATCHMENT_THRESHOLDS_MIN
from geo.network import RoadNetwork, load_network
from geo.travel_time import (
    Direction,
    TravelModel,
    access_matrix,
    current_travel_model,
    point_coordinates,
    snap_to_network,
)

__all__ = ["CONCAVE_HULL_RATIO", "NODE_BUFFER_M", "catchments"]

#: Widening of the reached-nodes hull, in metres (about half a rural block).
NODE_BUFFER_M: float = 250.0
#: ``ratio`` of :func:`shapely.concave_hull` (0 = most concave, 1 = convex hull).
CONCAVE_HULL_RATIO: float = 0.3


def catchments(
    sites: gpd.GeoSeries | gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    demand_points: gpd.GeoSeries | None = None,
    thresholds_min: Sequence[float] = CATCHMENT_THRESHOLDS_MIN,
    model: TravelModel | None = None,
    direction: Direction = "to_site",
    network: RoadNetwork | None = None,
    directory: Path | None = None,
    code_column: str = "code_insee",
    population_column: str = "population",
    use_cache: bool = True,
) -> gpd.GeoDataFrame:
    """Communes reached and catchment polygon of each site, for each threshold.

    Parameters
    ----------
    sites : GeoSeries or GeoDataFrame
        Site points; their index gives ``site_id``.
    communes : GeoDataFrame
        Commune polygons with ``code_column`` and ``population_column``.
    demand_points : GeoSeries, optional
        Where each commune's population sits (town halls), aligned to ``communes``;
        defaults to a point inside each polygon. Finer demand (IRIS, grid cells) can be
        passed as "communes" with their own polygons and points.
    thresholds_min : sequence of float
        Travel-time thresholds in minutes.
    model : TravelModel, optional
        Defaults to :func:`geo.travel_time.current_travel_model` for ``directory``.
    direction : {"to_site", "from_site"}
        Residents travelling to the site, or the advisor travelling from it.
    network : RoadNetwork, optional
        Network of a road model; loaded from ``directory`` if omitted.
    directory : Path, optional
        Processed-data directory; ``settings.PROCESSED_DIR`` by default.
    code_column, population_column : str
        Columns of ``communes``.
    use_cache : bool
        Use the travel-time cache.

    Returns
    -------
    GeoDataFrame
        One row per site and threshold, in EPSG:2154: ``site_id``, ``threshold_min``,
        ``n_communes``, ``population``, ``code_insee`` (list of codes), ``travel_model``
        (kind) and ``geometry``; ``attrs["travel_model"]`` holds the full model.
    """
    model = model or current_travel_model(directory)
    if model.kind == "road_network":
        network = network or load_network(directory)
    communes = communes.to_crs(settings.WORK_CRS)
    if demand_points is None:
        demand_points = communes.geometry.representative_point()
    thresholds = sorted(float(t) for t in thresholds_min)
    times = access_matrix(
        demand_points,
        sites,
        model,
        direction=direction,
        cutoff_min=thresholds[-1],
        network=network,
        directory=directory,
        use_cache=use_cache,
    ).to_numpy()
    codes = (
        communes[code_column] if code_column in communes.columns else communes.index
    ).to_numpy()
    population = communes[population_column].to_numpy(float)
    site_index = point_coordinates(sites)[2]
    if model.kind == "road_network":
        polygons = _road_polygons(sites, network, model, direction, thresholds)
    rows = []
    for j, site_id in enumerate(site_index):
        for k, threshold in enumerate(thresholds):
            reached = times[:, j] <= threshold
            if model.kind == "road_network":
                geometry = polygons[j][k]
            else:
                geometry = shapely.union_all(communes.geometry.to_numpy()[reached])
            rows.append(
                {
                    "site_id": site_id,
                    "threshold_min": threshold,
                    "n_communes": int(reached.sum()),
                    "population": float(population[reached].sum()),
                    "code_insee": [str(code) for code in codes[reached]],
                    "travel_model": model.kind,
                    "geometry": geometry,
                }
            )
    result = gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.WORK_CRS)
    result.attrs["travel_model"] = model.to_dict()
    return result


def _road_polygons(
    sites: gpd.GeoSeries | gpd.GeoDataFrame,
    network: RoadNetwork,
    model: TravelModel,
    direction: Direction,
    thresholds: list[float],
) -> list[list[shapely.Geometry]]:
    """Polygon of the network nodes each site reaches, per threshold (ascending)."""
    site_x, site_y, _ = point_coordinates(sites)
    snapped = snap_to_network(sites, network)
    access_min = snapped["snap_dist_m"].to_numpy() / (
        model.parameters["access_speed_kmh"] / 3.6 * 60.0
    )
    # Residents travel from the nodes to the site: times to the site are read on the
    # transposed graph.
    graph = network.graph.T.tocsr() if direction == "to_site" else network.graph
    polygons = []
    for j in range(len(site_x)):
        seconds = dijkstra(
            graph, directed=True, indices=snapped["node"].iat[j], limit=thresholds[-1] * 60
        )
        node_min = seconds / 60.0 + access_min[j]
        polygons.append(
            [
                _nodes_polygon(network, node_min <= threshold, site_x[j], site_y[j])
                for threshold in thresholds
            ]
        )
    return polygons


def _nodes_polygon(
    network: RoadNetwork, reached: np.ndarray, site_x: float, site_y: float
) -> shapely.Geometry:
    xy = np.vstack(
        [np.column_stack([network.x_m[reached], network.y_m[reached]]), [site_x, site_y]]
    )
    hull = shapely.concave_hull(shapely.multipoints(xy), ratio=CONCAVE_HULL_RATIO)
    return shapely.buffer(hull, NODE_BUFFER_M)
