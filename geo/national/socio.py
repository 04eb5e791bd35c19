"""Socio-economic indicators and zonings of any département, as :mod:`geo.socio` gives them.

Each loader returns ``(frame, merged)`` like its Sarthe counterpart: the frame indexed by
COG 2025 code and the set of codes whose values were aggregated from former communes
(status ``estimated``). A département without a layer gets an empty frame with the
layer's columns; :func:`geo.national.load_layers` states it in its status table.
"""

from __future__ import annotations

import pandas as pd

from geo.national.store import check_departement, read_table
from geo.socio import (
    AAV_LABELS,
    DENSITY_GROUPS,
    DENSITY_LEVELS,
    IFN_COLUMNS,
    _number,
    _weighted_merge,
)

__all__ = ["CENSUS_COLUMNS", "load_census", "load_filosofi", "load_ifn", "load_zoning"]

#: Columns of :func:`geo.socio.load_census`; no national census file is vendored.
CENSUS_COLUMNS: tuple[str, ...] = ("unemployment_rate_pct", "outside_working_age_pct")


def load_filosofi(code: str) -> tuple[pd.DataFrame, set[str]]:
    """Median disposable income per consumption unit and poverty rate (Filosofi 2021)."""
    raw = read_table("filosofi", check_departement(code))
    frame = pd.DataFrame(
        {
            "_code": raw["CODGEO"],
            "code_insee_cog2025": raw["code_insee_cog2025"],
            "persons": _number(raw["NBPERSMENFISC21"]),
            "median_income_eur": _number(raw["MED21"]),
            "poverty_rate_pct": _number(raw["TP6021"]),
        }
    )
    return _weighted_merge(frame, ["median_income_eur", "poverty_rate_pct"], "persons")


def load_ifn(code: str) -> tuple[pd.DataFrame, set[str]]:
    """La MedNum IFN 2020 (département reference, 100 = its mean) from IRIS to communes.

    Population-weighted mean of each commune's IRIS, as :func:`geo.socio.load_ifn`.
    """
    raw = read_table("ifn", check_departement(code))
    frame = pd.DataFrame(
        {key: _number(raw[col]) for key, col in IFN_COLUMNS.items()}
        | {
            "_code": raw["Insee Com"],
            "code_insee_cog2025": raw["code_insee_cog2025"],
            # Activity IRIS have no inhabitants; a tiny weight keeps a commune made
            # only of such IRIS from dividing by zero.
            "population_iris": _number(raw["tableau_Population"]).fillna(0).clip(lower=1e-6),
        }
    )
    return _weighted_merge(frame, list(IFN_COLUMNS), "population_iris")


def load_zoning(code: str) -> tuple[pd.DataFrame, set[str]]:
    """Density grid level (COG 2024, a merged commune takes its larger part) and AAV 2020."""
    code = check_departement(code)
    density = read_table("density", code)
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
    zoning = read_table("zoning", code).set_index("DEPCOM")
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


def load_census(code: str) -> tuple[pd.DataFrame, set[str]]:
    """Unemployment and age proxy: no national census file is vendored, so always empty.

    The frame has the columns of :func:`geo.socio.load_census` and no row; the Sarthe
    file (``data/raw/socio/``) covers 72 only.
    """
    check_departement(code)
    empty = pd.DataFrame({col: pd.Series(dtype="float64") for col in CENSUS_COLUMNS})
    empty.index = pd.Index([], dtype="str", name="code_insee_cog2025")
    return empty, set()
