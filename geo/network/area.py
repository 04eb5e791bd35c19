"""Study areas of a road network build: the Sarthe outline or a user's polygon file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geo import settings
from geo.network._common import error

__all__ = ["read_area", "sarthe_outline"]


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
        raise error(path.name, "unreadable_area", f"Fichier de zone illisible ({exc}).") from exc
    if frame.crs is None:
        raise error(path.name, "missing_crs", "Le fichier de zone n'indique pas sa projection.")
    polygons = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        raise error(path.name, "no_polygon", "Le fichier de zone ne contient aucun polygone.")
    return polygons.to_crs(settings.WORK_CRS).union_all()
