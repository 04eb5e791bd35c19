"""Administrative boundaries: communes, EPCI and the département (IGN ADMIN EXPRESS 2025)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings

BOUNDARIES_DIR = settings.RAW_DIR / "boundaries"
COMMUNES_FILE = BOUNDARIES_DIR / "communes_72_cog2025.geojson"
EPCI_FILE = BOUNDARIES_DIR / "epci_touching_72_2025.geojson"
DEPARTEMENT_FILE = BOUNDARIES_DIR / "departement_72_2025.geojson"
POPULATION_FILE = settings.RAW_DIR / "population" / "communes_72_population_epci.csv"
EPCI_TABLE_FILE = settings.RAW_DIR / "population" / "epci_72.csv"


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
    pop = pop.rename(
        columns={
            "population_municipale": "population",
            "population_municipale_pl2021": "population_2021",
            "epci_nom": "epci_name",
        }
    )[["code_insee", "population", "population_2021", "epci_siren", "epci_name", "epci_type"]]
    communes = geo.drop(columns=["EPCI", "NOM_EPCI"]).merge(pop, on="code_insee", how="left")
    communes = communes.set_index("code_insee").sort_index()
    columns = [
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
    return gpd.GeoDataFrame(communes[columns], geometry="geometry", crs=settings.WORK_CRS)


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
    sarthe_part = communes.dissolve(
        by="epci_siren", aggfunc={"epci_name": "first", "epci_type": "first", "population": "sum"}
    ).rename(columns={"population": "population_72"})
    sarthe_part["n_communes_72"] = communes.groupby("epci_siren").size()
    table = pd.read_csv(EPCI_TABLE_FILE, dtype={"epci_siren": str}).set_index("epci_siren")
    sarthe_part["n_communes_total"] = table["n_communes_total"]
    sarthe_part["population_total"] = table["population_municipale"]
    full = gpd.read_file(EPCI_FILE).to_crs(settings.WORK_CRS)
    full["EPCI"] = full["EPCI"].astype(str)
    sarthe_part["geometry_full"] = full.set_index("EPCI").geometry
    sarthe_part.index.name = "epci_siren"
    return sarthe_part
