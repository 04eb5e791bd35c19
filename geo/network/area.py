"""Study areas of a road network build: a département's outline or a user's polygon file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geo import defaults, national, settings
from geo.network._common import check_regular_file, error

__all__ = ["departement_outline", "read_area", "sarthe_outline"]


def sarthe_outline() -> shapely.Geometry:
    """Sarthe department outline in EPSG:2154 (its embedded, official-shaped file)."""
    path = settings.RAW_DIR / "boundaries" / "departement_72_2025.geojson"
    return gpd.read_file(path).to_crs(settings.WORK_CRS).union_all()


def departement_outline(code: str | None = None) -> shapely.Geometry:
    """Outline of a département in EPSG:2154 (Sarthe's own file for 72, else national).

    Raises
    ------
    DataValidationError
        For an unknown département code (the valid codes listed).
    """
    code = national.check_departement(code or defaults.DEPARTEMENT_CODE)
    if code == settings.DEPARTMENT_CODE:
        return sarthe_outline()
    return national.load_departement(code).union_all()


def read_area(path: str | Path) -> shapely.Geometry:
    """Read a polygon file (any format GDAL reads) as one geometry in EPSG:2154.

    Raises
    ------
    DataValidationError
        When the file cannot be read, has no CRS or holds no polygon.
    """
    path = Path(path)
    check_regular_file(path, "Fichier de zone")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # GDAL's message is English and quotes the server path
        raise error(
            path.name,
            "unreadable_area",
            "Fichier de zone illisible : formats acceptés GeoJSON, GeoPackage ou shapefile.",
        ) from exc
    if frame.crs is None:
        raise error(path.name, "missing_crs", "Le fichier de zone n'indique pas sa projection.")
    polygons = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        raise error(path.name, "no_polygon", "Le fichier de zone ne contient aucun polygone.")
    return polygons.to_crs(settings.WORK_CRS).union_all()
