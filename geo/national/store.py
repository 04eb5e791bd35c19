"""The vendored national files (``data/raw/france/``): per-département reads and codes.

Every file holds metropolitan France (96 départements, Corse as 2A and 2B), has a
``dep`` column and is sorted by it in small row groups, so reading one département
skips the others through the Parquet statistics.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import DataValidationError, Problem

__all__ = [
    "FILES",
    "FRANCE_DIR",
    "check_departement",
    "departement_name",
    "departements",
    "read_geo",
    "read_table",
]

FRANCE_DIR = settings.RAW_DIR / "france"

#: Layer key → vendored file (see ``data/raw/france/SOURCES.md``).
FILES: dict[str, str] = {
    "communes": "communes_france_cog2025.parquet",
    "departements": "departements_france_cog2025.parquet",
    "epci": "epci_departements_france_2025.parquet",
    "population": "communes_france_population_epci.parquet",
    "town_halls": "mairies_france_datafrance.parquet",
    "france_services": "france_services_20240801.parquet",
    "cnfs_permanences": "cnfs_permanences_france_2022.parquet",
    "filosofi": "filosofi2021_communes_france_cog2024.parquet",
    "ifn": "ifn_mednum_2020_iris_france.parquet",
    "density": "communes_france_grille_densite_cog2024.parquet",
    "zoning": "communes_france_zonages_insee_cog2025.parquet",
}

#: Codes that look like départements but are not served here, with the reason.
_NOT_SERVED: dict[str, str] = {
    "20": "la Corse a deux départements : 2A (Corse-du-Sud) et 2B (Haute-Corse)",
    **{
        code: "les départements d'outre-mer ne sont pas encore disponibles "
        "(ils demandent une autre projection que le Lambert-93)"
        for code in ("971", "972", "973", "974", "976")
    },
    **{
        code: "les collectivités d'outre-mer ne sont pas couvertes"
        for code in ("975", "977", "978", "986", "987", "988", "989")
    },
}


def read_table(layer: str, code: str | None, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of one département (every row when ``code`` is None) of a vendored table.

    Parameters
    ----------
    layer : str
        Key of :data:`FILES`.
    code : str or None
        Département code as returned by :func:`check_departement`.
    columns : list of str, optional
        Columns to read (all by default).
    """
    filters = None if code is None else [("dep", "==", code)]
    return pd.read_parquet(FRANCE_DIR / FILES[layer], columns=columns, filters=filters)


def read_geo(layer: str, code: str | None, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """Same as :func:`read_table` for the GeoParquet layers (EPSG:2154)."""
    filters = None if code is None else [("dep", "==", code)]
    return gpd.read_parquet(FRANCE_DIR / FILES[layer], columns=columns, filters=filters)


@functools.cache
def _departements() -> pd.DataFrame:
    outlines = read_table("departements", None, ["dep", "dep_nom", "reg_nom", "n_communes"])
    population = read_table("population", None, ["dep", "population_municipale"])
    total = population.groupby("dep")["population_municipale"].sum().astype("int64")
    frame = pd.DataFrame(
        {
            "code": outlines["dep"],
            "name": outlines["dep_nom"],
            "region": outlines["reg_nom"],
            "n_communes": outlines["n_communes"].astype("int64"),
            "population": outlines["dep"].map(total),
        }
    )
    return frame.sort_values("code").reset_index(drop=True)


def departements() -> pd.DataFrame:
    """The metropolitan départements of the vendored national files.

    Returns
    -------
    pandas.DataFrame
        One row per département sorted by code: ``code`` (``"01"`` … ``"95"``,
        ``"2A"``, ``"2B"``), ``name``, ``region`` (region name), ``n_communes``
        (COG 2025) and ``population`` (populations légales 2022).
    """
    return _departements().copy()


def departement_name(code: str) -> str:
    """Name of a département (``"72"`` → ``"Sarthe"``); ``code`` is checked first."""
    code = check_departement(code)
    table = _departements()
    return str(table.loc[table["code"] == code, "name"].iloc[0])


def _normalise(code: object) -> str:
    text = str(code).strip().upper()
    if text.endswith(".0") and text[:-2].isdigit():  # a code read from a spreadsheet as 72.0
        text = text[:-2]
    if text.isdigit() and len(text) < 2:
        text = text.zfill(2)
    return text


def check_departement(code: object) -> str:
    """Normalise a département code and check that its data are vendored.

    ``"2a"`` → ``"2A"``, ``1`` or ``"1"`` → ``"01"``, ``" 72 "`` → ``"72"``.

    Parameters
    ----------
    code : str or int
        Code as typed by a user.

    Returns
    -------
    str
        The normalised code, one of ``departements()["code"]``.

    Raises
    ------
    geo.errors.DataValidationError
        For an unknown code, with a French message listing the valid codes (and why
        overseas codes are refused).
    """
    text = _normalise(code)
    valid = list(_departements()["code"])
    if text in valid:
        return text
    reason = _NOT_SERVED.get(text, "ce n'est pas un code de département métropolitain")
    message = (
        f"département « {str(code).strip()} » inconnu : {reason}. Codes valides : "
        + ", ".join(valid)
        + "."
    )
    raise DataValidationError("choix du département", [Problem("unknown_departement", message)])
