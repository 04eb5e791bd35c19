"""Communes, EPCI, département outline and commune codes of any metropolitan département.

The frames have the columns and types of :mod:`geo.boundaries` and :mod:`geo.cog` (the
Sarthe loaders), so the territory builder can take either source. Differences, all from
the national sources: ``area_km2`` is the computed area of the simplified outline (the
Sarthe file carries IGN's official area), and four Cantal communes restored in 2025
(15031, 15035, 15047, 15171) have no outline (``geometry`` is empty).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.cog import CommuneCodes
from geo.national.store import check_departement, read_geo, read_table

__all__ = ["load_commune_codes", "load_communes", "load_departement", "load_epci"]

_COMMUNE_COLUMNS = [
    "name",
    "epci_siren",
    "epci_name",
    "epci_type",
    "arrondissement",
    "canton",
    "area_km2",
    "population",
    "population_2021",
    "geometry",
]


def _int(series: pd.Series) -> pd.Series:
    """Integer counts as ``int64`` when complete (as the Sarthe CSV gives), else ``Int64``."""
    return series.astype("int64") if series.notna().all() else series.astype("Int64")


def load_communes(code: str) -> gpd.GeoDataFrame:
    """Communes of a département (COG 2025) with population 2022 and EPCI, in EPSG:2154.

    Parameters
    ----------
    code : str
        Département code (checked by :func:`geo.national.check_departement`).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``code_insee``; columns as :func:`geo.boundaries.load_communes`:
        ``name``, ``epci_siren``, ``epci_name``, ``epci_type``, ``arrondissement``,
        ``canton``, ``area_km2`` (computed from the simplified outline),
        ``population`` (populations légales 2022), ``population_2021`` and ``geometry``.
    """
    code = check_departement(code)
    outlines = read_geo("communes", code, ["code_insee", "area_km2", "geometry"])
    pop = read_table(
        "population",
        code,
        [
            "code_insee",
            "nom",
            "arrondissement",
            "population_municipale",
            "population_municipale_pl2021",
            "epci_siren",
            "epci_nom",
            "epci_type",
        ],
    )
    zoning = read_table("zoning", code, ["DEPCOM", "CV"])
    frame = pop.rename(
        columns={
            "nom": "name",
            "epci_nom": "epci_name",
            "population_municipale": "population",
            "population_municipale_pl2021": "population_2021",
        }
    ).set_index("code_insee")
    frame["population"] = _int(frame["population"])
    frame["population_2021"] = _int(frame["population_2021"])
    frame["canton"] = zoning.set_index("DEPCOM")["CV"]
    frame = frame.join(outlines.set_index("code_insee")).sort_index()
    return gpd.GeoDataFrame(frame[_COMMUNE_COLUMNS], geometry="geometry", crs=settings.WORK_CRS)


def load_departement(code: str) -> gpd.GeoDataFrame:
    """Outline of a département in EPSG:2154 (one row: ``code_departement``, ``geometry``).

    The outline is the union of the département's simplified commune outlines.
    """
    code = check_departement(code)
    outline = read_geo("departements", code, ["dep", "geometry"])
    return outline.rename(columns={"dep": "code_departement"}).reset_index(drop=True)


def load_epci(code: str, communes: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Every EPCI with a commune in the département: its part there and its full extent.

    Parameters
    ----------
    code : str
        Département code.
    communes : geopandas.GeoDataFrame, optional
        Output of :func:`load_communes` for ``code`` (read when not given).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`geo.boundaries.load_epci`, indexed by ``epci_siren``: ``geometry``
        is the part inside the département, ``geometry_full`` the whole EPCI, with
        ``n_communes_72`` and ``population_72`` (in the département — the names of
        the Sarthe loader are kept for the builder), ``n_communes_total`` and
        ``population_total`` (whole EPCI, DGCL).
    """
    code = check_departement(code)
    if communes is None:
        communes = load_communes(code)
    located = communes[communes.geometry.notna()]
    part = located.dissolve(by="epci_siren", aggfunc={"epci_name": "first", "epci_type": "first"})
    # Communes without an outline still count in the totals of their EPCI.
    by_epci = communes.groupby("epci_siren")
    part["population_72"] = by_epci["population"].sum()
    part["n_communes_72"] = by_epci.size()
    full = read_geo(
        "epci", code, ["epci_siren", "n_communes_total", "population_municipale", "geometry"]
    ).set_index("epci_siren")
    part["n_communes_total"] = _int(full["n_communes_total"].reindex(part.index))
    part["population_total"] = _int(full["population_municipale"].reindex(part.index))
    part["geometry_full"] = full.geometry
    part.index.name = "epci_siren"
    columns = ["geometry", "epci_name", "epci_type", "population_72", "n_communes_72"]
    return part[[*columns, "n_communes_total", "population_total", "geometry_full"]]


def load_commune_codes(code: str) -> CommuneCodes:
    """Current commune codes of the département and the former codes they absorbed.

    Former codes come from the population file (``anciens_codes``) and from the
    COG 2024 → COG 2025 correspondence of the Filosofi and density files (the mergers
    of 1 January 2025, which the population file does not list).
    """
    code = check_departement(code)
    frame = read_table("population", code, ["code_insee", "nom", "anciens_codes"])
    names = dict(zip(frame["code_insee"], frame["nom"], strict=True))
    successors: dict[str, str] = {}
    for current, former in zip(frame["code_insee"], frame["anciens_codes"].fillna(""), strict=True):
        for old in filter(None, former.split(";")):
            if old != current:
                successors[old] = current
    for layer, old_col in (("filosofi", "CODGEO"), ("density", "code_insee_source_cog2024")):
        pairs = read_table(layer, code, [old_col, "code_insee_cog2025"]).dropna()
        changed = pairs[pairs[old_col] != pairs["code_insee_cog2025"]]
        successors.update(zip(changed[old_col], changed["code_insee_cog2025"], strict=True))
    return CommuneCodes(names=names, successors=successors)
