"""Exports for the advisors: offline HTML map, GeoPackage layers and CSV for French Excel.

CSV text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) are written with a leading apostrophe, as
OWASP recommends against CSV injection; :func:`read_csv_fr` removes it again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.jsonio import dumps_strict
from geo.render.offline_html import map_to_html
from geo.settings import LONLAT_CRS, WORK_CRS

__all__ = [
    "CSV_DECIMAL",
    "CSV_ENCODING",
    "CSV_SEPARATOR",
    "FORMULA_PREFIXES",
    "export_csv_fr",
    "export_geopackage",
    "export_html",
    "neutralise_formula",
    "read_csv_fr",
    "restore_formula",
    "sanitize_layer_name",
]

CSV_SEPARATOR = ";"
CSV_DECIMAL = ","
CSV_ENCODING = "utf-8-sig"
#: Columns read back as text by :func:`read_csv_fr` (codes keep their leading zeros).
_TEXT_COLUMN = re.compile(r"^(code|siren|siret)|(_code|_id|_siren|_siret|^id)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_MAX_LAYER_NAME = 60
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Apostrophes already there are escaped too, so that reading back is exact.
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def export_html(m: folium.Map, path: str | Path) -> Path:
    """Write a folium map as one self-contained HTML file that works offline.

    Parameters
    ----------
    m : folium.Map
        Map built with :func:`geo.render.interactive.commune_map` (or any map
        :func:`geo.render.offline_html.map_to_html` accepts).
    path : str or pathlib.Path
        Output file; parent folders are created.

    Returns
    -------
    pathlib.Path
        The written file (UTF-8).
    """
    path = Path(path)
    document = map_to_html(m)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return path


def sanitize_layer_name(name: str) -> str:
    """A portable GeoPackage table name: lowercase ASCII letters, digits and "_".

    Parameters
    ----------
    name : str
        Any name, e.g. ``"Zones sous-desservies (20 min)"``.

    Returns
    -------
    str
        For instance ``"zones_sous_desservies_20_min"``; never empty, never starting
        with a digit, at most 60 characters.
    """
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not clean or clean[0].isdigit():
        clean = f"couche_{clean}".rstrip("_")
    return clean[:_MAX_LAYER_NAME]


def export_geopackage(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write layers into one GeoPackage (EPSG:2154), replacing any existing file.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        Layers by name; names are sanitised with :func:`sanitize_layer_name` (and made
        unique). A named index is kept as a column; list and dict values are written as
        JSON text, extra geometry columns as WKT. Plain DataFrames are written as
        attribute tables.
    path : str or pathlib.Path
        Output ``.gpkg`` file; parent folders are created.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        With no layer, or a layer whose geometry has no coordinate system.
    """
    if not layers:
        raise ValueError("Aucune couche à exporter.")
    path = Path(path)
    prepared: dict[str, pd.DataFrame] = {}
    for name, layer in layers.items():
        table = sanitize_layer_name(name)
        unique, n = table, 2
        while unique in prepared:
            unique, n = f"{table}_{n}", n + 1
        prepared[unique] = _prepare_layer(layer, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    for table, frame in prepared.items():
        pyogrio.write_dataframe(frame, path, layer=table, driver="GPKG")
    return path


def _prepare_layer(layer: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = layer
    if any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    else:
        frame = frame.reset_index(drop=True)
    active = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    if active is not None:
        if frame.crs is None:
            raise ValueError(f"La couche « {name} » n'a pas de système de coordonnées.")
        frame = frame.to_crs(WORK_CRS)
    out = {}
    for column in frame.columns:
        values = frame[column]
        if column == active:
            continue
        if isinstance(values.dtype, gpd.array.GeometryDtype):
            out[column] = values.to_wkt()
        elif isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = values.astype(str).where(values.notna(), None)
        elif values.dtype == object:
            out[column] = [_text_value(v) for v in values]
        else:
            out[column] = values
    attributes = pd.DataFrame(out, index=frame.index)
    if active is None:
        return attributes
    return gpd.GeoDataFrame(attributes, geometry=frame.geometry.values, crs=WORK_CRS)


def _text_value(value: object) -> object:
    """Strict JSON for containers, text for other objects, None for missing values."""
    if isinstance(value, list | tuple | dict | set | np.ndarray):
        return dumps_strict(value, indent=None)
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def neutralise_formula(text: str) -> str:
    """Prefix with an apostrophe a text that a spreadsheet would run as a formula.

    Parameters
    ----------
    text : str
        A cell's text.

    Returns
    -------
    str
        ``"'=1+1"`` for ``"=1+1"``; texts not starting with one of
        :data:`FORMULA_PREFIXES` (after any apostrophes) are returned unchanged.
    """
    return "'" + text if _FORMULA_START.match(text) else text


def restore_formula(text: str) -> str:
    """Undo :func:`neutralise_formula` (the exact inverse on the texts it changed)."""
    return text[1:] if _NEUTRALISED.match(text) else text


def _csv_cell(value: object) -> object:
    value = _text_value(value)
    return neutralise_formula(value) if isinstance(value, str) else value


def export_csv_fr(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as a CSV that a French Excel opens correctly by double-click.

    ``;`` separator, decimal comma, UTF-8 with BOM, dates in ISO 8601 (``2026-05-12``,
    with the time only when there is one). The index is written only when it is named.
    A GeoDataFrame loses its geometry; point layers get ``longitude``/``latitude``
    columns (WGS 84) instead. Text cells and headers that would run as a formula get a
    leading apostrophe (:func:`neutralise_formula`); numbers stay numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to write.
    path : str or pathlib.Path
        Output file; parent folders are created.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    table = _without_geometry(frame)
    keep_index = any(n is not None for n in table.index.names)
    table = table.copy()
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            table[column] = _iso_dates(values)
        elif values.dtype == object or _is_text_dtype(values.dtype):
            table[column] = [_csv_cell(v) for v in values]
    table.columns = [_csv_cell(str(c)) for c in table.columns]
    if keep_index:
        table.index = _csv_index(table.index)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(
        path,
        sep=CSV_SEPARATOR,
        decimal=CSV_DECIMAL,
        encoding=CSV_ENCODING,
        index=keep_index,
        lineterminator="\r\n",
    )
    return path


def _is_text_dtype(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype | pd.CategoricalDtype)


def _csv_index(index: pd.Index) -> pd.Index:
    """The index with its text labels and names neutralised (each level of a MultiIndex)."""
    names = [_csv_cell(str(n)) if n is not None else None for n in index.names]
    if isinstance(index, pd.MultiIndex):
        levels = [[_csv_cell(v) for v in index.get_level_values(i)] for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=names)
    if index.dtype == object or _is_text_dtype(index.dtype):
        return pd.Index([_csv_cell(v) for v in index], name=names[0])
    return index.rename(names[0])


def _without_geometry(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame
    geometry = frame.geometry
    table = pd.DataFrame(
        {
            c: frame[c]
            for c in frame.columns
            if not isinstance(frame[c].dtype, gpd.array.GeometryDtype)
        },
        index=frame.index,
    )
    points = geometry.notna() & (shapely.get_type_id(geometry.values) == 0)
    if len(geometry) and points.all() and geometry.crs is not None:
        lonlat = geometry.to_crs(LONLAT_CRS)
        table["longitude"] = lonlat.x.round(6)
        table["latitude"] = lonlat.y.round(6)
    return table


def _iso_dates(values: pd.Series) -> list[str | None]:
    has_time = bool((values.dropna() != values.dropna().dt.normalize()).any())
    pattern = "%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d"
    return [None if pd.isna(v) else v.strftime(pattern) for v in values]


def read_csv_fr(
    path: str | Path,
    *,
    index_col: str | int | None = None,
    dtype: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Read a CSV written by :func:`export_csv_fr` (or saved by a French Excel as CSV UTF-8).

    Numbers with a decimal comma become floats, ISO dates become datetimes, and code
    columns (``code_insee``, ``epci_siren``, ``site_id``…: names starting with
    ``code``/``siren``/``siret`` or ending with ``_code``/``_id``/``_siren``/``_siret``)
    stay text so that their leading zeros survive. The apostrophe written before a
    formula-like text (:func:`neutralise_formula`) is removed.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file.
    index_col : str or int, optional
        Column to use as index (e.g. ``"code_insee"``).
    dtype : mapping, optional
        Types forced for some columns (e.g. ``{"canton": str}``), over the defaults.

    Returns
    -------
    pandas.DataFrame
    """
    header = pd.read_csv(path, sep=CSV_SEPARATOR, encoding=CSV_ENCODING, nrows=0)
    raw_names = {restore_formula(str(c)): c for c in header.columns}
    forced = {name: str for name in raw_names if _TEXT_COLUMN.search(name.lower())}
    forced.update(dtype or {})
    frame = pd.read_csv(
        path,
        sep=CSV_SEPARATOR,
        decimal=CSV_DECIMAL,
        encoding=CSV_ENCODING,
        dtype={raw_names[n]: t for n, t in forced.items() if n in raw_names},
    )
    frame.columns = [restore_formula(str(c)) for c in frame.columns]
    for column in frame.columns:
        if not pd.api.types.is_string_dtype(frame[column]):
            continue
        values = frame[column].map(restore_formula, na_action="ignore")
        frame[column] = values
        present = values.dropna()
        if column not in forced and len(present) and present.map(_is_iso_date).all():
            frame[column] = pd.to_datetime(values, format="ISO8601")
    if index_col is not None:
        frame = frame.set_index(
            index_col if isinstance(index_col, str) else frame.columns[index_col]
        )
    return frame


def _is_iso_date(value: object) -> bool:
    return bool(_ISO_DATE.match(str(value)))
