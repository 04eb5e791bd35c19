"""FttH coverage by commune (ARCEP Observatoire HD/THD).

The embedded file stops at T1 2018 and is **obsolete for decisions** (the public
FttH network of Sarthe was completed in October 2022); users load the current
ARCEP commune file with :func:`read_user_fibre`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo import settings
from geo.cog import CommuneCodes, normalise_code, to_cog2025
from geo.csvio import find_column, parse_numbers, read_table
from geo.errors import ProblemCollector

EMBEDDED_FILE = settings.RAW_DIR / "fibre" / "arcep_ftth_communes_72_T3-2017_T1-2018.csv"
EMBEDDED_VINTAGE = "ARCEP T1 2018 (obsolète)"

_QUARTER = re.compile(r"^t([1-4])[ _-]?(\d{4})(?:[ _-]?locaux[ _-]?raccordables)?$", re.I)
_CODE = ("code_insee", "code_commune", "insee_com", "codgeo", "code_commune_insee", "depcom")
_PREMISES = (
    "meilleure_estimation_des_locaux_a_date",
    "locaux",
    "nb_locaux",
    "locaux_total",
    "nombre_de_locaux",
)
_CONNECTABLE = ("locaux_raccordables", "raccordables", "nb_locaux_raccordables", "ftth")


@dataclass(frozen=True)
class FibreLayer:
    """FttH coverage per commune with its vintage.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by COG 2025 code: ``fibre_premises``, ``fibre_connectable``,
        ``fibre_share`` (0–1).
    vintage : str
        Quarter of the data, always shown with the layer.
    outdated : bool
        True for the embedded 2018 file.
    estimated_codes : frozenset
        Communes whose values sum several former communes.
    """

    table: pd.DataFrame
    vintage: str
    outdated: bool
    estimated_codes: frozenset[str]


def _latest_quarter(columns: list[str]) -> tuple[str, str] | None:
    """(column, "T1 2018") of the most recent quarterly column, if any."""
    found = []
    for col in columns:
        match = _QUARTER.match(col.strip())
        if match:
            found.append(((int(match.group(2)), int(match.group(1))), col))
    if not found:
        return None
    (year, quarter), col = max(found)
    return col, f"T{quarter} {year}"


def _aggregate(frame: pd.DataFrame, codes: CommuneCodes) -> tuple[pd.DataFrame, frozenset[str]]:
    frame = frame.copy()
    frame["code_insee"] = to_cog2025(frame["code_source"], codes)
    estimated = frozenset(frame.loc[frame["code_insee"] != frame["code_source"], "code_insee"])
    table = frame.groupby("code_insee")[["fibre_premises", "fibre_connectable"]].sum(min_count=1)
    table["fibre_share"] = (table["fibre_connectable"] / table["fibre_premises"]).clip(upper=1.0)
    return table, estimated


def load_embedded_fibre(codes: CommuneCodes) -> FibreLayer:
    """The vendored ARCEP 2017–2018 file (COG 2018), aggregated to COG 2025."""
    collector = ProblemCollector(EMBEDDED_FILE.name)
    raw = read_table(EMBEDDED_FILE, collector)
    collector.raise_if_any()
    assert raw is not None
    col, _ = _latest_quarter(list(raw.columns)) or ("", "")
    frame = pd.DataFrame(
        {
            "code_source": raw["Code commune"].map(normalise_code),
            "fibre_premises": parse_numbers(raw["Logements"], collector, "Logements")
            + parse_numbers(raw["Établissements"], collector, "Établissements").fillna(0),
            "fibre_connectable": parse_numbers(raw[col], collector, col),
        }
    )
    collector.raise_if_any()
    table, estimated = _aggregate(frame, codes)
    return FibreLayer(table, EMBEDDED_VINTAGE, outdated=True, estimated_codes=estimated)


def read_user_fibre(
    path: Path | str, codes: CommuneCodes, vintage: str | None = None
) -> FibreLayer:
    """Read a current ARCEP FttH commune file (CSV export of the « Communes » sheet).

    The file needs an INSEE code column and either quarterly columns
    (``T2 2025`` or ``T2_2025_Locaux_Raccordables``: the latest is used and gives
    the vintage) or a ``locaux_raccordables`` column; premises come from
    ``Meilleure estimation des locaux à date``/``locaux`` or from ``Logements`` +
    ``Établissements``.

    Raises
    ------
    geo.errors.DataValidationError
        Listing every problem (columns, numbers, unknown or merged codes, duplicates).
    """
    path = Path(path)
    collector = ProblemCollector(path.name)
    raw = read_table(path, collector)
    collector.raise_if_any()
    assert raw is not None
    code_col = find_column(raw, _CODE, collector, label="code_insee")
    quarter = _latest_quarter(list(raw.columns))
    connectable_col = quarter[0] if quarter else find_column(raw, _CONNECTABLE)
    if connectable_col is None:
        find_column(
            raw, _CONNECTABLE, collector, label="locaux_raccordables (ou colonnes T1 2025…)"
        )
    premises_col = find_column(raw, _PREMISES)
    housing_col, business_col = (
        find_column(raw, ("logements",)),
        find_column(raw, ("etablissements",)),
    )
    if premises_col is None and housing_col is None:
        find_column(raw, _PREMISES, collector, label="locaux (nombre total de locaux)")
    collector.raise_if_any()

    code = raw[code_col].map(normalise_code)
    rows = range(1, len(raw) + 1)
    for row, value in zip(rows, code, strict=True):
        if not codes.is_current(value) and value[:2] == settings.DEPARTMENT_CODE:
            collector.add("unknown_code", codes.explain_unknown(value), row=row, column=code_col)
    in_sarthe = code.str[:2] == settings.DEPARTMENT_CODE
    for value, count in code[in_sarthe].value_counts().items():
        if count > 1:
            collector.add(
                "duplicate_id", f"commune {value} présente {count} fois.", column=code_col
            )
    if premises_col:
        premises = parse_numbers(raw[premises_col], collector, premises_col)
    else:
        premises = parse_numbers(raw[housing_col], collector, housing_col)
        if business_col:
            premises = premises + parse_numbers(raw[business_col], collector, business_col).fillna(
                0
            )
    connectable = parse_numbers(raw[connectable_col], collector, connectable_col)
    collector.raise_if_any()

    frame = pd.DataFrame(
        {"code_source": code, "fibre_premises": premises, "fibre_connectable": connectable}
    )[in_sarthe]
    table, estimated = _aggregate(frame, codes)
    label = vintage or (f"ARCEP {quarter[1]}" if quarter else "ARCEP (trimestre non précisé)")
    return FibreLayer(table, label, outdated=False, estimated_codes=estimated)
