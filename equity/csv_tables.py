"""Tables of the CSV exports, for French Excel: French headers, rounded values, lon/lat.

Staff open these files in a spreadsheet: a header says what a column is and its unit,
a share is a percentage, a value carries the decimals it deserves (no
« 23358,25127972462 »), and a place is a longitude/latitude pair in WGS 84 (a
polygon by a point inside it), never a Lambert-93 geometry. A ratio with no advisor
(infinite) is an empty cell, a yes/no column reads « oui » / « non ». The GeoPackage keeps the
code names and full precision, which GIS users script against.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.settings import LONLAT_CRS
from geo.sites import SITE_TYPES

__all__ = ["CSV_HEADERS_FR", "SHARE_COLUMNS", "csv_table"]

#: 0–1 shares, written as percentages (header « … (%) »).
SHARE_COLUMNS: frozenset[str] = frozenset(
    {
        "fibre_share",
        "share_within_threshold",
        "need_share_within_threshold",
        "need_share",
        "advisor_share",
        "unserved_share",
        "territory_share",
    }
)

#: French header of each column of the CSV exports.
CSV_HEADERS_FR: dict[str, str] = {
    "code_insee": "Code INSEE",
    "name": "Nom",
    "epci_siren": "SIREN de l'EPCI",
    "epci_name": "EPCI",
    "epci_type": "Type d'EPCI",
    "arrondissement": "Arrondissement",
    "canton": "Canton",
    "area_km2": "Superficie (km²)",
    "population": "Population 2022",
    "population_2021": "Population 2021",
    "median_income_eur": "Revenu médian par UC 2021 (€)",
    "poverty_rate_pct": "Taux de pauvreté 2021 (%)",
    "unemployment_rate_pct": "Taux de chômage des 15-64 ans 2021 (%)",
    "outside_working_age_pct": "Part des moins de 15 ans et 65 ans et plus 2021 (%)",
    "ifn_global": "IFN 2020 — score global",
    "ifn_access_information": "IFN 2020 — accès à l'information",
    "ifn_access_interfaces": "IFN 2020 — accès aux interfaces",
    "ifn_skills_administrative": "IFN 2020 — compétences administratives",
    "ifn_skills_digital": "IFN 2020 — compétences numériques",
    "ifn_global_access": "IFN 2020 — global accès",
    "ifn_global_skills": "IFN 2020 — global compétences",
    "density_level": "Niveau de densité (grille INSEE)",
    "density_label": "Densité (grille INSEE)",
    "density_group": "Type d'espace",
    "aav_category": "Catégorie d'aire d'attraction",
    "aav_label": "Aire d'attraction (catégorie)",
    "aav_code": "Code de l'aire d'attraction",
    "aav_name": "Aire d'attraction",
    "fibre_premises": "Locaux (fibre)",
    "fibre_connectable": "Locaux raccordables à la fibre",
    "fibre_share": "Locaux raccordables à la fibre (%)",
    "density_per_km2": "Densité (hab./km²)",
    "quality_note": "Valeurs imputées ou estimées",
    "need_index": "Indice de besoin (0–1)",
    "persons_in_need": "Personnes en besoin (habitants pondérés)",
    "nearest_site_id": "Lieu d'aide le plus proche",
    "travel_time_min": "Temps de trajet (min)",
    "n_sites_within": "Lieux sous le seuil",
    "fca_ratio": "Conseillers accessibles pour 10 000 hab.",
    "underserved": "Mal desservie",
    "underserved_reason": "Motif",
    "zone_id": "Zone",
    "site_id": "Identifiant",
    "site_type": "Type de lieu",
    "n_advisors": "Conseillers",
    "advisors": "Conseillers (ou équivalents)",
    "opening_hours": "Horaires",
    "public_internet": "Accès internet public",
    "source": "Source",
    "vintage": "Millésime",
    "location_note": "Remarque sur l'emplacement",
    "rank": "Rang",
    "n_communes": "Communes",
    "priority_score": "Score de priorité",
    "mean_travel_time_min": "Temps moyen (min)",
    "median_travel_time_min": "Temps médian (min)",
    "p90_travel_time_min": "Temps du 9e décile (min)",
    "dominant_density": "Densité dominante",
    "epci": "EPCI",
    "communes": "Liste des communes",
    "share_within_threshold": "Part de la population sous le seuil (%)",
    "need_share_within_threshold": "Part du besoin sous le seuil (%)",
    "advisors_per_10000": "Conseillers pour 10 000 hab.",
    "fca_ratio_mean": "Conseillers accessibles pour 10 000 hab. (moyenne)",
    "inhabitants_per_advisor": "Habitants par conseiller",
    "need_per_advisor": "Personnes en besoin par conseiller",
    "need_share": "Part du besoin (%)",
    "advisor_share": "Part des conseillers (%)",
    "balance": "Équilibre conseillers / besoin",
    "unserved_persons": "Personnes en besoin non accompagnées (estimation)",
    "unserved_share": "Part du besoin non accompagnée (%)",
    "beyond_threshold_persons": "Personnes en besoin au-delà du seuil",
    "capacity_persons": "Capacité des lieux (personnes par an)",
    "capacity_per_person_in_need": "Capacité par personne en besoin",
    "outside_territory": "Hors du département",
    "territory_share": "Part de la capacité comptée pour le territoire (%)",
    "longitude": "Longitude (WGS 84)",
    "latitude": "Latitude (WGS 84)",
}

#: Decimals kept by column; other floats keep 2, counts and money none.
_DECIMALS: dict[str, int] = {
    "need_index": 3,
    "balance": 2,
    "fca_ratio": 2,
    "fca_ratio_mean": 2,
    "advisors_per_10000": 2,
    "priority_score": 3,
    "area_km2": 2,
    "advisors": 1,
    "n_advisors": 1,
    "density_per_km2": 1,
}
_WHOLE = (
    "population",
    "persons_in_need",
    "inhabitants_per_advisor",
    "need_per_advisor",
    "unserved_persons",
    "beyond_threshold_persons",
    "capacity_persons",
)


def _decimals(column: str) -> int:
    if column in _DECIMALS:
        return _DECIMALS[column]
    if column.endswith(("_eur", "_premises", "_connectable")) or column.startswith(_WHOLE):
        return 0
    if column.endswith(("_min", "_pct")) or column in SHARE_COLUMNS:
        return 1
    return 2


def _finite(values: pd.Series) -> pd.Series:
    """Values with ±inf (« no advisor » ratios) as missing: an empty cell, never « inf »."""
    return values.astype(float).replace([np.inf, -np.inf], np.nan)


def _lonlat(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Longitude/latitude (WGS 84) of each row: the point, or a point inside the polygon."""
    geometry = frame.geometry
    points = geometry.where(geometry.geom_type == "Point", geometry.representative_point())
    lonlat = gpd.GeoSeries(points, crs=frame.crs).to_crs(LONLAT_CRS)
    return pd.DataFrame(
        {"longitude": lonlat.x.round(5), "latitude": lonlat.y.round(5)}, index=frame.index
    )


def csv_table(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table for French Excel (see the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        Table with Maillage's column names; a geometry becomes lon/lat columns.
    drop : tuple of str, default ()
        Columns left out.

    Returns
    -------
    pandas.DataFrame
        Plain table (no geometry) with French headers, shares in percent, rounded,
        infinite ratios as empty cells and booleans as « oui » / « non ».
    """
    table = frame.drop(columns=[c for c in drop if c in frame.columns])
    if isinstance(table, gpd.GeoDataFrame) and table.crs is not None:
        geometry_name = table.geometry.name
        table = pd.DataFrame(table.drop(columns=geometry_name)).join(_lonlat(table))
    table = pd.DataFrame(table).drop(columns=["lon", "lat"], errors="ignore")
    for column in table.columns:
        values = table[column]
        if column == "site_type":
            table[column] = values.map(SITE_TYPES).fillna(values)
        elif values.map(lambda v: isinstance(v, list)).any():
            table[column] = values.map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, list) else v
            )
        elif pd.api.types.is_bool_dtype(values):
            table[column] = values.map({True: "oui", False: "non"})
        elif column in SHARE_COLUMNS and pd.api.types.is_numeric_dtype(values):
            table[column] = _finite(100 * values.astype(float)).round(_decimals(column))
        elif column not in ("longitude", "latitude") and pd.api.types.is_float_dtype(values):
            digits = _decimals(column)
            table[column] = _finite(values).round(digits)
            if digits == 0:
                # Nullable integers: a whole number stays « 11226 » beside an empty cell.
                table[column] = table[column].astype("Int64")
    table.index.names = [CSV_HEADERS_FR.get(n, n) if n else n for n in table.index.names]
    return table.rename(columns=CSV_HEADERS_FR)
