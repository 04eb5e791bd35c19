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

from geo import defaults, settings
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
from geo.site_tables import LONLAT_TO_WORK as _TO_WORK
from geo.site_tables import (
    SITE_COLUMNS,
    cnfs_frame,
    coded_display_names,
    commune_name_key,
    france_services_frame,
    published_sites,
    town_halls_frame,
)
from geo.site_tables import km_fr as _km_fr
from geo.site_tables import site_frame as _frame

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
    "relocate_far_sites",
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

#: Tolerance for "inside Sarthe": the vendored outline is simplified (tens of metres off).
BORDER_TOLERANCE_M = 200.0
#: User sites across the border are accepted up to the border distance of the offer.
_BORDER_M = defaults.BORDER_KM * 1000


def load_france_services() -> gpd.GeoDataFrame:
    """France services (ANCT list of 1 August 2024), with opening hours."""
    return france_services_frame(
        pd.read_csv(SITES_DIR / "france_services_72_20240801.csv", dtype=str)
    )


def _declared_codes(declared_names: pd.Series, fallback: pd.Series) -> pd.Series:
    """INSEE code of the commune named in each address (``fallback`` when none matches)."""
    key = {commune_name_key(n): code for code, n in load_commune_codes().names.items()}
    return declared_names.map(lambda n: key.get(commune_name_key(n))).fillna(fallback)


def load_cnfs_permanences() -> gpd.GeoDataFrame:
    """Conseiller numérique France Services permanences (ANCT, 2022) with advisor counts.

    ``code_insee`` is the commune of the declared address (its name), so that
    :func:`relocate_far_sites` can check the published point against it.
    """
    raw = pd.read_csv(SITES_DIR / "cnfs_permanences_72_2022.csv", dtype=str)
    codes = _declared_codes(raw["commune"], raw["commune_pip"])
    return cnfs_frame(raw, codes, load_commune_codes().names)


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
    raw = raw[keep].rename(columns={"Longitude": "longitude", "Latitude": "latitude"})
    # Published in capitals, accents often dropped (« RESEAU DES MEDIATHEQUES… »).
    name = coded_display_names(
        raw["nom_de_l_etablissement"],
        raw["code_insee_cog2025"],
        load_commune_codes().names,
        raw["Ville"],
    )
    libraries = published_sites(
        raw,
        "library",
        "bib-" + raw["Code_bib"],
        name=name,
        code_insee=raw["code_insee_cog2025"],
        public_internet=raw["connexion_wi_fi"].map({"Oui": True, "Non": False}),
        source="Ministère de la Culture, bibliothèques publiques",
        vintage="2022-2023",
    )
    return libraries, warnings


def load_town_halls() -> gpd.GeoDataFrame:
    """Town halls (Annuaire de l'administration), one per commune.

    The 27 published points that fall in another commune are replaced by a point
    inside the right commune and flagged in ``location_note``.
    """
    raw = pd.read_csv(SITES_DIR / "mairies_72_datafrance.csv", dtype=str)
    return town_halls_frame(raw, load_commune_codes().names)


def load_data_inclusion() -> tuple[gpd.GeoDataFrame, list[str]]:
    """data·inclusion structures that have coordinates; warns about the others."""
    raw = pd.read_csv(SITES_DIR / "data_inclusion_structures_72_2023.csv", dtype=str)
    located = raw["latitude"].notna() & raw["longitude"].notna()
    warnings = [
        f"data·inclusion : {int((~located).sum())} structures sur {len(raw)} n'ont pas de "
        "coordonnées et ne sont pas placées sur la carte."
    ]
    raw = raw[located]
    structures = published_sites(
        raw,
        "data_inclusion",
        "di-" + raw["id"],
        name=raw["nom"],
        code_insee=raw["code_insee"],
        opening_hours=raw["horaires"],
        source="data·inclusion (" + raw["source"] + ")",
        vintage=raw["date_maj"].str[:4],
    )
    return structures, warnings


def load_embedded_sites(communes: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Every embedded site type in one table, codes checked against ``communes``.

    A site whose point lies more than :data:`geo.defaults.SITE_MAX_OFFSET_KM` outside
    the commune of its address is moved to that commune's town hall and flagged
    (:func:`relocate_far_sites`); other sites whose published commune code disagrees
    with the commune their point falls in keep the point and take the code of the
    containing commune.
    """
    libraries, lib_warnings = load_libraries()
    inclusion, di_warnings = load_data_inclusion()
    town_halls = load_town_halls()
    sites = pd.concat(
        [load_cnfs_permanences(), load_france_services(), libraries, town_halls, inclusion],
        ignore_index=True,
    )
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=settings.WORK_CRS)
    sites, moved = relocate_far_sites(sites, communes, town_halls)
    sites["code_insee"] = assign_communes(sites, communes, fallback=sites["code_insee"])
    return sites, [*lib_warnings, *di_warnings, *moved]


def relocate_far_sites(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    town_halls: gpd.GeoDataFrame,
    max_offset_km: float = defaults.SITE_MAX_OFFSET_KM,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Move sites whose point lies far outside the commune of their address to its town hall.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        Sites whose ``code_insee`` is the commune of their address (or postcode).
    communes : geopandas.GeoDataFrame
        Commune polygons indexed by INSEE code (EPSG:2154).
    town_halls : geopandas.GeoDataFrame
        Town halls with ``code_insee``, ``lon``, ``lat`` and point geometry.
    max_offset_km : float
        Largest accepted distance between the point and the commune polygon.

    Returns
    -------
    sites : geopandas.GeoDataFrame
        Same rows; moved sites have the town hall's point and a ``location_note``.
    warnings : list of str
        One French warning per moved site (as for the relocated town halls).
    """
    halls = town_halls.drop_duplicates("code_insee").set_index("code_insee")
    candidates = sites[
        (sites["site_type"] != "town_hall")
        & sites["code_insee"].isin(communes.index)
        & sites["code_insee"].isin(halls.index)
    ]
    polygons = communes.geometry.reindex(candidates["code_insee"]).to_numpy()
    offset_km = shapely.distance(candidates.geometry.to_numpy(), polygons) / 1000
    far = candidates.index[offset_km > max_offset_km]
    sites = sites.copy()
    warnings = []
    for i, offset in zip(far, offset_km[offset_km > max_offset_km], strict=True):
        code = sites.at[i, "code_insee"]
        hall = halls.loc[code]
        dist_km = sites.geometry[i].distance(hall.geometry) / 1000
        commune = communes.at[code, "name"]
        note = (
            f"point publié à {_km_fr(dist_km)} km de {commune}, commune de son adresse "
            f"({_km_fr(offset)} km hors de la commune) : placé à la mairie de {commune} "
            "(emplacement approximatif)"
        )
        sites.loc[i, ["lon", "lat", "location_note"]] = [hall["lon"], hall["lat"], note]
        sites.loc[i, "geometry"] = hall.geometry
        advisors = sites.at[i, "n_advisors"]
        count = f", {advisors:g} conseiller(s)" if pd.notna(advisors) and advisors > 0 else ""
        warnings.append(f"Lieu « {sites.at[i, 'name']} »{count} : {note}.")
    return sites, warnings


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
    collector.features = True  # problems say « objet 1 » for the first feature
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
    of_place: str = "de la Sarthe",
) -> np.ndarray:
    """Flag coordinates in Lambert-93, swapped, or outside the département; return a mask.

    ``of_place`` names the département in messages (« de l'Orne »).
    """
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
        swapped = department.distance(shapely.Point(xs[i], ys[i])) <= BORDER_TOLERANCE_M
        # A site across the border counts when it is near enough (flagged by the caller).
        if dist_m <= BORDER_TOLERANCE_M or (dist_m <= _BORDER_M and not swapped):
            continue
        ok[i] = False
        if swapped:
            collector.add(
                "swapped_coordinates",
                f"longitude {lon[i]:g} et latitude {lat[i]:g} semblent inversées "
                f"(le point inversé tombe dans le territoire {of_place}).",
                row=row,
            )
        else:
            collector.add(
                "outside_area",
                f"le point ({lon[i]:g}, {lat[i]:g}) est hors {of_place}, à "
                f"{dist_m / 1000:.1f}".replace(".", ",")
                + f" km de sa limite (au plus {defaults.BORDER_KM:g} km).",
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
        # An empty cell reads as NaN (truthy): it is a missing type, not « type «  » inconnu ».
        present = pd.notna(given) and str(given).strip() != ""
        what = f"type « {shown_value(given)} » inconnu" if present else "type manquant"
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
    of_place: str = "de la Sarthe",
) -> tuple[np.ndarray, np.ndarray]:
    """Parsed longitudes and latitudes (NaN where absent), every position problem reported."""
    missing = np.full(len(frame), np.nan)
    lon = parse_numbers(frame[columns.lon], collector, columns.lon) if columns.lon else None
    lat = parse_numbers(frame[columns.lat], collector, columns.lat) if columns.lat else None
    lon_a = lon.to_numpy(copy=True) if lon is not None else missing.copy()
    lat_a = lat.to_numpy(copy=True) if lat is not None else missing.copy()
    rows = frame.index.to_numpy()
    _check_positions(lon_a, lat_a, department, collector, rows, of_place)
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
    territory_name: str = settings.DEPARTMENT_NAME,
) -> gpd.GeoDataFrame:
    """Read and validate a user file of sites or advisors (CSV or GeoJSON).

    Columns (accepted spellings in parentheses): name (``nom``), type (``type``:
    France services, bibliothèque, mairie, conseiller numérique, marché, autre…),
    ``longitude``/``latitude`` in degrees **or** ``code_insee`` (the site is then
    put at the commune's town hall), optional ``id``, ``nb_conseillers``
    (0 to :data:`geo.defaults.MAX_ADVISORS_PER_SITE`), ``horaires``, ``jour_de_marche``.

    A site may lie outside the territory up to :data:`geo.defaults.BORDER_KM` from its
    outline: it is kept, flagged « hors <territory_name> » (``outside_territory``,
    ``outside_label``, ``location_note``) and counted in full (``territory_share`` 1).
    A site given with both a point and a commune code whose point lies more than
    :data:`geo.defaults.SITE_MAX_OFFSET_KM` outside that commune is moved to its town
    hall and flagged (:func:`relocate_far_sites`).

    Raises
    ------
    geo.errors.DataValidationError
        With every problem found (missing columns with the closest name, numbers
        that cannot be read or are implausible, coordinates farther than the border
        distance outside the département with the distance, swapped latitude/longitude,
        Lambert-93 coordinates, malformed, truncated, unknown or merged INSEE codes
        with the current code, duplicate ids, names missing or too long, control
        characters, empty, oversized, special or badly encoded files).
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
    lon, lat = _coordinates(frame, columns, code, department, collector, codes.of_departement)
    collector.raise_if_any()

    note = pd.Series(None, index=frame.index, dtype=object)
    from_hall = np.isnan(lon) | np.isnan(lat)
    if from_hall.any():
        halls = town_halls.set_index("code_insee")
        lon[from_hall] = code[from_hall].map(halls["lon"]).to_numpy(float)
        lat[from_hall] = code[from_hall].map(halls["lat"]).to_numpy(float)
        note[from_hall] = "placé à la mairie de la commune (pas de coordonnées fournies)"
        # Cells read as empty (« nan », « - », an empty GeoJSON point) escape the blank
        # checks above: a site must never be kept without a position.
        for row in frame.index[np.isnan(lon) | np.isnan(lat)]:
            collector.add(
                "missing_location",
                "coordonnées vides et pas de code INSEE : lieu impossible à situer.",
                row=int(row),
            )
        collector.raise_if_any()
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
    given = code.ne("").to_numpy() & ~from_hall
    sites = _relocate_given(sites, given, communes, town_halls)
    sites["code_insee"] = assign_communes(sites, communes, fallback=sites["code_insee"])
    return _flag_outside(sites, department, territory_name)


def _relocate_given(
    sites: gpd.GeoDataFrame,
    given: np.ndarray,
    communes: gpd.GeoDataFrame,
    town_halls: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Sites given with both a point and a commune code: the code's commune wins when far."""
    checked, _ = relocate_far_sites(sites[given], communes, town_halls)
    sites = sites.copy()
    sites.loc[checked.index] = checked
    return sites


def _flag_outside(
    sites: gpd.GeoDataFrame, department: shapely.Geometry, territory_name: str
) -> gpd.GeoDataFrame:
    """Mark the user's sites across the border « hors <territoire> », counted in full."""
    dist_km = shapely.distance(sites.geometry.to_numpy(), department) / 1000
    outside = dist_km > BORDER_TOLERANCE_M / 1000
    label = f"hors {territory_name}"
    sites["outside_territory"] = outside
    sites["outside_label"] = np.where(outside, label, None)
    sites["territory_share"] = 1.0
    for i in np.flatnonzero(outside):
        note = f"{label}, à {_km_fr(dist_km[i])} km de la limite"
        previous = sites["location_note"].iat[i]
        sites.iloc[i, sites.columns.get_loc("location_note")] = (
            f"{previous} ; {note}" if isinstance(previous, str) else note
        )
    return sites
