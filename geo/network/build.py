"""Build the drivable road network (from a local extract or a download) and save it."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import shapely

from geo import defaults, settings
from geo.network._common import ProgressCallback, error, no_progress
from geo.network.area import sarthe_outline
from geo.network.graph import RoadNetwork, assemble
from geo.network.osm import download_edges, read_pbf_edges
from geo.network.store import save_network

__all__ = ["build_network_from_download", "build_network_from_pbf", "check_buffer_m"]

#: ``source`` of the error raised for a refused build parameter.
_PARAMETERS_SOURCE = "paramètres du réseau routier"


def check_buffer_m(buffer_m: float) -> float:
    """The buffer as a float, when it is finite and between 0 and the maximum.

    Raises
    ------
    DataValidationError
        When ``buffer_m`` is not a number, is not finite, is negative or is above
        :data:`geo.defaults.MAX_NETWORK_BUFFER_M`.
    """
    limit_km = defaults.MAX_NETWORK_BUFFER_M / 1000
    try:
        value = float(buffer_m)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= defaults.MAX_NETWORK_BUFFER_M):
        shown = f"{value / 1000:g} km" if math.isfinite(value) else repr(buffer_m)
        raise error(
            _PARAMETERS_SOURCE,
            "invalid_buffer",
            f"Tampon autour de la zone d'étude refusé ({shown}) : indiquez une distance "
            f"entre 0 et {limit_km:g} km.",
        )
    return value


def build_network_from_pbf(
    pbf_path: str | Path,
    area: shapely.Geometry | None = None,
    *,
    buffer_m: float = defaults.NETWORK_BUFFER_M,
    min_coverage: float = defaults.NETWORK_MIN_COVERAGE,
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
        Buffer around the study area, in metres (0 to 100 km), so that trips may leave it.
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
        When the buffer is refused, or the file is missing, corrupt, holds no drivable
        way, or does not cover the study area.
    """
    buffer_m = check_buffer_m(buffer_m)
    pbf_path = Path(pbf_path)
    report = progress or no_progress
    core = sarthe_outline() if area is None else area
    edges, timestamp = read_pbf_edges(pbf_path, _clip(core, buffer_m), report)
    metadata = {
        "source": str(pbf_path.resolve()),
        "source_kind": "pbf",
        "osm_timestamp": timestamp,
    }
    network = assemble(edges, metadata, core, buffer_m, min_coverage, pbf_path.name, report)
    save_network(network, directory)
    report("Enregistrement", 1.0)
    return network


def build_network_from_download(
    area: shapely.Geometry | None = None,
    *,
    buffer_m: float = defaults.NETWORK_BUFFER_M,
    min_coverage: float = defaults.NETWORK_MIN_COVERAGE,
    directory: Path | None = None,
    progress: ProgressCallback | None = None,
) -> RoadNetwork:
    """Download the drivable network through osmnx (Overpass API) and save it.

    Same parameters, result and errors as :func:`build_network_from_pbf`; needs internet
    access. Speeds and one-way rules are ours, not osmnx's, so that both paths agree.
    """
    import osmnx as ox

    buffer_m = check_buffer_m(buffer_m)
    report = progress or no_progress
    source = "OpenStreetMap (Overpass, osmnx)"
    core = sarthe_outline() if area is None else area
    clip = _clip(core, buffer_m)
    clip_lonlat = gpd.GeoSeries([clip], crs=settings.WORK_CRS).to_crs(settings.LONLAT_CRS)[0]
    report("Téléchargement OSM", 0.0)
    edges = download_edges(clip_lonlat, source)
    report("Téléchargement OSM", 1.0)
    metadata = {
        "source": str(ox.settings.overpass_url),
        "source_kind": "osmnx",
        "osm_timestamp": None,
    }
    network = assemble(edges, metadata, core, buffer_m, min_coverage, source, report)
    save_network(network, directory)
    report("Enregistrement", 1.0)
    return network


def _clip(core: shapely.Geometry, buffer_m: float) -> shapely.Geometry:
    """The study area widened by the buffer, so that trips may leave it."""
    return core.buffer(buffer_m) if buffer_m > 0 else core
