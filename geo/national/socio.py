"""Socio-economic indicators and zonings of any département, as :mod:`geo.socio` gives them.

Each loader returns ``(frame, merged)`` like its Sarthe counterpart, through the same
builder (:func:`geo.socio.filosofi_from_raw`, :func:`~geo.socio.ifn_from_raw`,
:func:`~geo.socio.zoning_from_raw`): the frame indexed by COG 2025 code and the set of
codes whose values were aggregated from former communes (status ``estimated``). A
département without a layer gets an empty frame with the layer's columns;
:func:`geo.national.load_layers` states it in its status table.
"""

from __future__ import annotations

import pandas as pd

from geo.national.store import check_departement, read_table
from geo.socio import CENSUS_COLUMNS, filosofi_from_raw, ifn_from_raw, zoning_from_raw

__all__ = ["CENSUS_COLUMNS", "load_census", "load_filosofi", "load_ifn", "load_zoning"]


def load_filosofi(code: str) -> tuple[pd.DataFrame, set[str]]:
    """Median disposable income per consumption unit and poverty rate (Filosofi 2021)."""
    return filosofi_from_raw(read_table("filosofi", check_departement(code)))


def load_ifn(code: str) -> tuple[pd.DataFrame, set[str]]:
    """La MedNum IFN 2020 (département reference, 100 = its mean) from IRIS to communes.

    Population-weighted mean of each commune's IRIS, as :func:`geo.socio.load_ifn`.
    """
    return ifn_from_raw(read_table("ifn", check_departement(code)))


def load_zoning(code: str) -> tuple[pd.DataFrame, set[str]]:
    """Density grid level (COG 2024, a merged commune takes its larger part) and AAV 2020."""
    code = check_departement(code)
    return zoning_from_raw(read_table("density", code), read_table("zoning", code))


def load_census(code: str) -> tuple[pd.DataFrame, set[str]]:
    """Unemployment and age proxy: no national census file is vendored, so always empty.

    The frame has the columns of :func:`geo.socio.load_census` and no row; the Sarthe
    file (``data/raw/socio/``) covers 72 only.
    """
    check_departement(code)
    empty = pd.DataFrame({col: pd.Series(dtype="float64") for col in CENSUS_COLUMNS})
    empty.index = pd.Index([], dtype="str", name="code_insee_cog2025")
    return empty, set()
