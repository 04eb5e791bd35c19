"""Administrative boundaries: communes, EPCI and the département (IGN ADMIN EXPRESS 2025)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings

__all__ = [
    "BOUNDARIES_DIR",
    "COMMUNES_FILE",
    "COMMUNE_COLUMNS",
    "DEPARTEMENT_FILE",
    "EPCI_FILE",
    "EPCI_TABLE_FILE",
    "POPULATION_FILE",
    "POPULATION_NAMES",
    "commune_table",
    "epci_parts",
    "integer_counts",
    "load_communes",
    "load_departement",
    "load_epci",
]

BOUNDARIES_DIR = settings.RAW_DIR / "boundaries"
COMMUNES_FILE = BOUNDARIES_DIR / "communes_72_cog2025.geojson"
EPCI_FILE = BOUNDARIES_DIR / "epci_touching_72_2025.geojson"
DEPARTEMENT_FILE = BOUNDARIES_DIR / "departement_72_2025.geojson"
POPULATION_FILE = settings.RAW_DIR / "population" / "communes_72_population_epci.csv"
EPCI_TABLE_FILE = settings.RAW_DIR / "population" / "epci_72.csv"

#: Columns of a commune table (:func:`load_communes`, any département), in this order.
COMMUNE_COLUMNS: list[str] = [
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
#: Columns of the population files (Sarthe and national) → columns of a commune table.
POPULATION_NAMES: dict[str, str] = {
    "population_municipale": "population",
    "population_municipale_pl2021": "population_2021",
    "epci_nom": "epci_name",
}


def integer_counts(series: pd.Series) -> pd.Series:
    """Integer counts as ``int64`` when complete (as the Sarthe CSV gives), else ``Int64``.

    Parameters
    ----------
    series : pandas.Series
        Counts, possibly read as floats or with gaps.

    Returns
    -------
    pandas.Series
        Same values: ``int64``, or nullable ``Int64`` where some are missing.
    """
    return series.astype("int64") if series.notna().all() else series.astype("Int64")


def commune_table(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """The commune table of a territory from a frame indexed by ``code_insee``.

    Parameters
    ----------
    frame : pandas.DataFrame
        At least :data:`COMMUNE_COLUMNS`, geometries in EPSG:2154.

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly :data:`COMMUNE_COLUMNS`, sorted by INSEE code.
    """
    return gpd.GeoDataFrame(
        frame.sort_index()[COMMUNE_COLUMNS], geometry="geometry", crs=settings.WORK_CRS
    )


def epci_parts(
    communes: gpd.GeoDataFrame, totals: pd.DataFrame, outlines: gpd.GeoSeries
) -> gpd.GeoDataFrame:
    """Every EPCI of the communes: its part in the territory and its full extent.

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        A commune table (:func:`commune_table`); communes without an outline count
        in their EPCI's totals but not in its part.
    totals : pandas.DataFrame
        Indexed by ``epci_siren``: ``n_communes_total`` and ``population_municipale``
        of the whole EPCI (DGCL).
    outlines : geopandas.GeoSeries
        Whole-EPCI outlines (EPSG:2154) indexed by ``epci_siren``.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``epci_siren``: ``geometry`` (the part in the territory),
        ``epci_name``, ``epci_type``, ``population_72`` and ``n_communes_72`` (in the
        territory — the names of the Sarthe tables, kept for every département),
        ``n_communes_total``, ``population_total`` and ``geometry_full``.
    """
    located = communes[communes.geometry.notna()]
    part = located.dissolve(by="epci_siren", aggfunc={"epci_name": "first", "epci_type": "first"})
    by_epci = communes.groupby("epci_siren")
    part["population_72"] = by_epci["population"].sum()
    part["n_communes_72"] = by_epci.size()
    part["n_communes_total"] = integer_counts(totals["n_communes_total"].reindex(part.index))
    part["population_total"] = integer_counts(totals["population_municipale"].reindex(part.index))
    part["geometry_full"] = outlines
    part.index.name = "epci_siren"
    columns = ["geometry", "epci_name", "epci_type", "population_72", "n_communes_72"]
    return part[[*columns, "n_communes_total", "population_total", "geometry_full"]]


def load_departement() -> gpd.GeoDataFrame:
    """Outline of Sarthe in EPSG:2154 (one row)."""
    dep = gpd.read_file(DEPARTEMENT_FILE).to_crs(settings.WORK_CRS)
    return dep[["DEP", "geometry"]].rename(columns={"DEP": "code_departement"})


def load_communes() -> gpd.GeoDataFrame:
    """Communes of Sarthe (COG 2025) with population 2022 and EPCI, in EPSG:2154.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``code_insee``; columns ``name``, ``epci_siren``, ``epci_name``,
        ``epci_type``, ``arrondissement``, ``canton``, ``area_km2`` (official IGN
        area), ``population`` (populations légales 2022, in force on 1 January
        2025), ``population_2021`` and ``geometry``.
    """
    geo = gpd.read_file(COMMUNES_FILE).to_crs(settings.WORK_CRS)
    geo = geo.rename(
        columns={
            "DEPCOM": "code_insee",
            "NOM_DEPCOM": "name",
            "ARR": "arrondissement",
            "CAN": "canton",
            "AREA_KM2": "area_km2",
        }
    )
    geo["code_insee"] = geo["code_insee"].astype(str)
    pop = pd.read_csv(POPULATION_FILE, dtype={"code_insee": str, "epci_siren": str})
    pop = pop.rename(columns=POPULATION_NAMES)
    pop = pop[
        ["code_insee", "population", "population_2021", "epci_siren", "epci_name", "epci_type"]
    ]
    communes = geo.drop(columns=["EPCI", "NOM_EPCI"]).merge(pop, on="code_insee", how="left")
    return commune_table(communes.set_index("code_insee"))


def load_epci(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The 17 EPCI with a Sarthe commune: Sarthe part (dissolved communes) and full extent.

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        Output of :func:`load_communes`.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``epci_siren``; ``geometry`` is the part inside Sarthe,
        ``geometry_full`` (WKB-free shapely column) the whole EPCI, with
        ``n_communes_72``, ``n_communes_total``, ``population_72`` (2022),
        ``population_total`` (whole EPCI, DGCL).
    """
    table = pd.read_csv(EPCI_TABLE_FILE, dtype={"epci_siren": str}).set_index("epci_siren")
    full = gpd.read_file(EPCI_FILE).to_crs(settings.WORK_CRS)
    full["EPCI"] = full["EPCI"].astype(str)
    return epci_parts(communes, table, full.set_index("EPCI").geometry)
