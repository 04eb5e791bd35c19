"""Socio-economic indicators per commune (COG 2025), with a status for every value.

Each indicator value carries a status:

``observed``
    Published as is for this commune.
``estimated``
    Derived by the project for the two communes merged on 1 January 2025, from
    the published values of their former communes (sums for counts,
    population-weighted means for rates and medians). The IRIS → commune
    aggregation of the IFN score is not an estimate: it is the exact
    population-weighted mean of the commune's own IRIS.
``imputed``
    Not published (statistical secret, absent row) and filled by
    :func:`impute_missing` (k-nearest comparable communes).
``missing``
    Not published and not filled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from geo import settings

__all__ = [
    "AAV_LABELS",
    "CENSUS_COLUMNS",
    "CENSUS_FILE",
    "DENSITY_FILE",
    "DENSITY_GROUPS",
    "DENSITY_LEVELS",
    "FILOSOFI_FILE",
    "IFN_COLUMNS",
    "IFN_FILE",
    "IMPUTED_INDICATORS",
    "INDICATORS",
    "SOCIO_DIR",
    "ZONING_DIR",
    "ZONING_FILE",
    "filosofi_from_raw",
    "ifn_from_raw",
    "impute_missing",
    "load_census",
    "load_filosofi",
    "load_ifn",
    "load_indicators",
    "load_zoning",
    "zoning_from_raw",
]

SOCIO_DIR = settings.RAW_DIR / "socio"
ZONING_DIR = settings.RAW_DIR / "zoning"
FILOSOFI_FILE = SOCIO_DIR / "filosofi2021_communes_72_cog2024.csv"
CENSUS_FILE = SOCIO_DIR / "comparateur2024_rp2021_communes_72_cog2024.csv"
IFN_FILE = SOCIO_DIR / "ifn_mednum_2020_iris_72.csv"
DENSITY_FILE = ZONING_DIR / "communes_72_grille_densite_cog2024.csv"
ZONING_FILE = ZONING_DIR / "communes_72_zonages_insee_cog2025.csv"

#: IFN axis (département reference, 100 = Sarthe mean, higher = more fragile).
IFN_COLUMNS: dict[str, str] = {
    "ifn_global": "SCORE GLOBAL departement 1",
    "ifn_access_information": "ACCES A L'INFORMATION departement 1",
    "ifn_access_interfaces": "ACCÈS AUX INTERFACES NUMERIQUES departement 1",
    "ifn_skills_administrative": "COMPETENCES ADMINISTATIVES departement 1",
    "ifn_skills_digital": "COMPÉTENCES NUMÉRIQUES / SCOLAIRES departement 1",
    "ifn_global_access": "GLOBAL ACCES departement 1",
    "ifn_global_skills": "GLOBAL COMPETENCES  departement 1",
}

#: INSEE 7-level communal density grid, 1 = densest.
DENSITY_LEVELS: dict[str, int] = {
    "Grands centres urbains": 1,
    "Centres urbains intermédiaires": 2,
    "Ceintures urbaines": 3,
    "Petites villes": 4,
    "Bourgs ruraux": 5,
    "Rural à habitat dispersé": 6,
    "Rural à habitat très dispersé": 7,
}
#: Density levels grouped the way the commission talks about them.
DENSITY_GROUPS: dict[int, str] = {
    1: "urbain",
    2: "urbain",
    3: "périurbain",
    4: "périurbain",
    5: "rural",
    6: "rural",
    7: "rural",
}
AAV_LABELS: dict[str, str] = {
    "11": "Commune-centre",
    "12": "Autre commune du pôle",
    "20": "Couronne",
    "30": "Hors attraction des villes",
}

#: Numeric indicators, their French label and source layer (used by the UI and the CLI).
INDICATORS: dict[str, tuple[str, str]] = {
    "median_income_eur": ("Revenu médian disponible par UC (€)", "filosofi"),
    "poverty_rate_pct": ("Taux de pauvreté (%)", "filosofi"),
    "unemployment_rate_pct": ("Taux de chômage des 15-64 ans (%)", "census"),
    "outside_working_age_pct": ("Part des moins de 15 ans et 65 ans et plus (%)", "census"),
    "ifn_global": ("Indice de fragilité numérique — score global", "ifn"),
    "ifn_access_information": ("IFN — accès à l'information", "ifn"),
    "ifn_access_interfaces": ("IFN — accès aux interfaces numériques", "ifn"),
    "ifn_skills_administrative": ("IFN — compétences administratives", "ifn"),
    "ifn_skills_digital": ("IFN — compétences numériques / scolaires", "ifn"),
    "ifn_global_access": ("IFN — global accès", "ifn"),
    "ifn_global_skills": ("IFN — global compétences", "ifn"),
    "density_level": (
        "Grille communale de densité (1 = très dense, 7 = très peu dense)",
        "density",
    ),
}
#: Columns of :func:`load_census` (the national files have no census layer).
CENSUS_COLUMNS: tuple[str, ...] = ("unemployment_rate_pct", "outside_working_age_pct")
#: Indicators filled by imputation when missing (density is always published).
IMPUTED_INDICATORS: tuple[str, ...] = tuple(k for k in INDICATORS if k != "density_level")


def _number(series: pd.Series) -> pd.Series:
    """INSEE verbatim numbers: decimal comma, ``s``/``so``/``nd`` for secret or absent."""
    return pd.to_numeric(series.astype(str).str.replace(",", ".", regex=False), errors="coerce")


def _weighted_merge(
    frame: pd.DataFrame, rates: list[str], weight: str, counts: list[str] = ()
) -> tuple[pd.DataFrame, set[str]]:
    """Aggregate COG 2024 rows (with ``code_insee_cog2025``) to COG 2025 communes.

    Counts are summed; rates are weighted by ``weight`` over the parts where
    they are published. Returns the frame indexed by COG 2025 code and the set
    of codes whose values were aggregated from several former communes.
    """
    frame = frame.copy()
    frame["_w"] = frame[weight].fillna(0)
    for col in rates:
        frame[f"_{col}_wx"] = frame[col] * frame["_w"]
        frame[f"_{col}_w"] = frame["_w"].where(frame[col].notna(), 0)
    agg = {col: "sum" for col in [*counts, weight]}
    for col in rates:
        agg[f"_{col}_wx"] = "sum"
        agg[f"_{col}_w"] = "sum"
    grouped = frame.groupby("code_insee_cog2025").agg(agg)
    for col in rates:
        grouped[col] = (grouped[f"_{col}_wx"] / grouped[f"_{col}_w"]).where(
            grouped[f"_{col}_w"] > 0
        )
    merged_codes = set(
        frame.loc[frame["code_insee_cog2025"] != frame["_code"], "code_insee_cog2025"]
    )
    return grouped[[*counts, *rates]], merged_codes


def _cog_frame(raw: pd.DataFrame, code_col: str, numbers: dict[str, str]) -> pd.DataFrame:
    """Numbers of a COG 2024 table by output name, with the former and the COG 2025 code.

    ``numbers`` maps each output column to its INSEE column (verbatim numbers).
    """
    frame = pd.DataFrame({key: _number(raw[col]) for key, col in numbers.items()})
    frame.insert(0, "_code", raw[code_col])
    frame.insert(1, "code_insee_cog2025", raw["code_insee_cog2025"])
    return frame


def filosofi_from_raw(raw: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Median income and poverty rate per COG 2025 commune from a Filosofi 2021 table.

    Parameters
    ----------
    raw : pandas.DataFrame
        Rows as published, text columns ``CODGEO``, ``code_insee_cog2025``,
        ``NBPERSMENFISC21``, ``MED21`` and ``TP6021`` (Sarthe file or national file).

    Returns
    -------
    frame : pandas.DataFrame
        ``median_income_eur`` and ``poverty_rate_pct`` indexed by COG 2025 code
        (weighted by persons where communes merged).
    merged : set of str
        Codes whose values were aggregated from several former communes.
    """
    frame = _cog_frame(
        raw,
        "CODGEO",
        {"persons": "NBPERSMENFISC21", "median_income_eur": "MED21", "poverty_rate_pct": "TP6021"},
    )
    return _weighted_merge(frame, ["median_income_eur", "poverty_rate_pct"], "persons")


def load_filosofi() -> tuple[pd.DataFrame, set[str]]:
    """Median disposable income per consumption unit and poverty rate (Filosofi 2021)."""
    return filosofi_from_raw(pd.read_csv(FILOSOFI_FILE, dtype=str))


def load_census() -> tuple[pd.DataFrame, set[str]]:
    """Unemployment of 15–64 year-olds and the share outside 15–64 (census 2021)."""
    counts = {
        "population_census_2021": "population_2021",
        "pop_15_64": "pop_15_64_totale_2021",
        "unemployed_15_64": "pop_15_64_chomage_2021",
        "active_15_64": "pop_15_64_active_2021",
    }
    frame = _cog_frame(pd.read_csv(CENSUS_FILE, dtype=str), "insee_com", counts)
    grouped, merged = _weighted_merge(frame, [], "population_census_2021", list(counts))
    grouped["unemployment_rate_pct"] = 100 * grouped["unemployed_15_64"] / grouped["active_15_64"]
    grouped["outside_working_age_pct"] = 100 * (
        1 - grouped["pop_15_64"] / grouped["population_census_2021"]
    )
    return grouped[list(CENSUS_COLUMNS)], merged


def ifn_from_raw(raw: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """IFN 2020 scores per COG 2025 commune: population-weighted mean of its IRIS.

    Parameters
    ----------
    raw : pandas.DataFrame
        IRIS rows as published, text columns ``Insee Com``, ``code_insee_cog2025``,
        ``tableau_Population`` and those of :data:`IFN_COLUMNS`.

    Returns
    -------
    frame : pandas.DataFrame
        The :data:`IFN_COLUMNS` scores indexed by COG 2025 code.
    merged : set of str
        Codes whose IRIS came from several former communes.
    """
    frame = _cog_frame(raw, "Insee Com", IFN_COLUMNS)
    # Activity IRIS have no inhabitants; a tiny weight keeps a commune made only of
    # such IRIS from dividing by zero.
    frame["population_iris"] = _number(raw["tableau_Population"]).fillna(0).clip(lower=1e-6)
    return _weighted_merge(frame, list(IFN_COLUMNS), "population_iris")


def load_ifn() -> tuple[pd.DataFrame, set[str]]:
    """La MedNum IFN 2020 scores aggregated from IRIS to communes, population-weighted."""
    return ifn_from_raw(pd.read_csv(IFN_FILE, dtype=str))


def zoning_from_raw(density: pd.DataFrame, zoning: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Density level and AAV category per COG 2025 commune.

    Parameters
    ----------
    density : pandas.DataFrame
        INSEE density grid (COG 2024): ``code_insee_source_cog2024``,
        ``code_insee_cog2025``, ``population_source``, ``grille_densite_texte``.
    zoning : pandas.DataFrame
        INSEE zonings (COG 2025): ``DEPCOM``, ``CATEAAV2020``, ``AAV2020``,
        ``LIB_AAV2020``.

    Returns
    -------
    frame : pandas.DataFrame
        Indexed by ``code_insee``: ``density_level`` (a merged commune takes its
        larger part), ``density_label``, ``density_group``, ``aav_category``,
        ``aav_label``, ``aav_code``, ``aav_name``.
    merged : set of str
        Codes whose density level came from several former communes.
    """
    density = density.copy()
    density["population_source"] = _number(density["population_source"])
    density["density_level"] = density["grille_densite_texte"].map(DENSITY_LEVELS)
    density = density.sort_values("population_source", ascending=False)
    merged = set(
        density.loc[
            density["code_insee_source_cog2024"] != density["code_insee_cog2025"],
            "code_insee_cog2025",
        ]
    )
    level = density.drop_duplicates("code_insee_cog2025").set_index("code_insee_cog2025")
    zoning = zoning.set_index("DEPCOM")
    out = pd.DataFrame(index=zoning.index)
    out["density_level"] = level["density_level"].astype("Int64")
    out["density_label"] = out["density_level"].map({v: k for k, v in DENSITY_LEVELS.items()})
    out["density_group"] = out["density_level"].map(DENSITY_GROUPS)
    out["aav_category"] = zoning["CATEAAV2020"]
    out["aav_label"] = zoning["CATEAAV2020"].map(AAV_LABELS)
    out["aav_code"] = zoning["AAV2020"]
    out["aav_name"] = zoning["LIB_AAV2020"]
    out.index.name = "code_insee"
    return out, merged


def load_zoning() -> tuple[pd.DataFrame, set[str]]:
    """Density grid level (COG 2024, merged communes take their larger part) and AAV category."""
    return zoning_from_raw(
        pd.read_csv(DENSITY_FILE, dtype=str), pd.read_csv(ZONING_FILE, dtype=str)
    )


def load_indicators(
    index: pd.Index, loaders: Sequence[Callable[[], tuple[pd.DataFrame, set[str]]]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All embedded socio-economic indicators aligned to ``index`` (COG 2025 codes).

    Parameters
    ----------
    index : pandas.Index
        COG 2025 commune codes.
    loaders : sequence of callables, optional
        Layer loaders returning ``(frame, merged codes)``; the Sarthe files
        (Filosofi, census, IFN, zoning) by default, :mod:`geo.national.socio`
        for another département.

    Returns
    -------
    values : pandas.DataFrame
        Indicator values (see :data:`INDICATORS`), plus density and AAV labels.
    status : pandas.DataFrame
        Same index, one column per numeric indicator: ``observed``, ``estimated``
        or ``missing``.
    """
    values = pd.DataFrame(index=index)
    status = pd.DataFrame(index=index)
    for loader in loaders or (load_filosofi, load_census, load_ifn, load_zoning):
        frame, merged = loader()
        frame = frame.reindex(index)
        for col in frame.columns:
            values[col] = frame[col]
            if col in INDICATORS:
                state = pd.Series("observed", index=index)
                state[index.isin(list(merged))] = "estimated"
                state[frame[col].isna()] = "missing"
                status[col] = state
    return values, status


def impute_missing(
    values: pd.DataFrame,
    status: pd.DataFrame,
    coords_m: pd.DataFrame,
    n_neighbors: int = 5,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing indicators from the k most comparable communes.

    Method: every indicator of :data:`IMPUTED_INDICATORS`, the density level and
    the commune's centroid (x, y in EPSG:2154) are standardised; a
    :class:`sklearn.impute.KNNImputer` (``n_neighbors``, distance-weighted,
    NaN-aware Euclidean distance) fills each missing cell from communes that
    publish it and resemble the commune on what both publish, nearby communes
    counting as more alike. Filled cells get the status ``imputed``. An indicator
    with no value at all (a layer absent for the département) is not imputed: it
    stays ``missing`` and the need index is built from the others.

    Parameters
    ----------
    values, status : pandas.DataFrame
        Output of :func:`load_indicators`.
    coords_m : pandas.DataFrame
        ``x`` and ``y`` of a point inside each commune, same index.
    n_neighbors : int
        Donors per missing value.
    """
    # Imported here: the territory is built once and cached, and scikit-learn costs a
    # third of a second at the app's cold start.
    from sklearn.impute import KNNImputer
    from sklearn.preprocessing import StandardScaler

    features = [c for c in (*IMPUTED_INDICATORS, "density_level") if values[c].notna().any()]
    matrix = values[features].astype(float).join(coords_m[["x", "y"]])
    scaler = StandardScaler()
    scaled = scaler.fit_transform(matrix.to_numpy())
    imputer = KNNImputer(n_neighbors=n_neighbors, weights="distance")
    filled = scaler.inverse_transform(imputer.fit_transform(scaled))
    filled_frame = pd.DataFrame(filled, index=values.index, columns=matrix.columns)
    values = values.copy()
    status = status.copy()
    for col in (c for c in IMPUTED_INDICATORS if c in features):
        gap = values[col].isna()
        values.loc[gap, col] = filled_frame.loc[gap, col]
        status.loc[gap, col] = "imputed"
    return values, status
