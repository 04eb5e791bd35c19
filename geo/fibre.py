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

from geo import defaults, settings
from geo.cog import (
    CommuneCodes,
    code_problem,
    normalise_code,
    strips_leading_zeros,
    to_cog2025,
)
from geo.csvio import find_column, parse_numbers, read_table, shown_value
from geo.errors import ProblemCollector

__all__ = [
    "EMBEDDED_FILE",
    "EMBEDDED_VINTAGE",
    "FibreLayer",
    "load_embedded_fibre",
    "read_user_fibre",
]

EMBEDDED_FILE = settings.RAW_DIR / "fibre" / "arcep_ftth_communes_72_T3-2017_T1-2018.csv"
EMBEDDED_VINTAGE = "ARCEP T1 2018, obsolète"

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


@dataclass(frozen=True)
class _FibreColumns:
    code: str
    connectable: str
    premises: str | None
    housing: str | None
    business: str | None
    quarter: tuple[str, str] | None


def _locate_columns(raw: pd.DataFrame, collector: ProblemCollector) -> _FibreColumns | None:
    """The columns of the file, or ``None`` once a missing column is reported."""
    before = collector.total
    code_col = find_column(raw, _CODE, collector, label="code_insee")
    quarter = _latest_quarter(list(raw.columns))
    connectable_col = quarter[0] if quarter else find_column(raw, _CONNECTABLE)
    if connectable_col is None:
        find_column(
            raw, _CONNECTABLE, collector, label="locaux_raccordables (ou colonnes T1 2025…)"
        )
    premises_col = find_column(raw, _PREMISES)
    housing_col = find_column(raw, ("logements",))
    if premises_col is None and housing_col is None:
        find_column(raw, _PREMISES, collector, label="locaux (nombre total de locaux)")
    if code_col is None or connectable_col is None or collector.total > before:
        return None
    return _FibreColumns(
        code=code_col,
        connectable=connectable_col,
        premises=premises_col,
        housing=housing_col,
        business=find_column(raw, ("etablissements",)),
        quarter=quarter,
    )


def _territory_codes(
    raw: pd.DataFrame, column: str, codes: CommuneCodes, collector: ProblemCollector
) -> tuple[pd.Series, pd.Series]:
    """Normalised codes and the mask of the territory's rows; code problems reported.

    A national file is accepted (other départements are left out), but a malformed
    or truncated code is reported wherever it is: « 7201 » is not silently dropped.
    """
    written = raw[column]
    zeros_stripped = strips_leading_zeros(written)
    code = written.map(normalise_code)
    in_territory = code.str[: len(codes.departement_code)] == codes.departement_code
    for row in raw.index:
        problem = code_problem(written.at[row], zeros_stripped)
        if problem is None and in_territory.at[row] and not codes.is_current(code.at[row]):
            problem = codes.explain_unknown(code.at[row])
        if problem is None and not written.at[row]:
            problem = "code INSEE manquant."
        if problem:
            collector.add("unknown_code", problem, row=int(row), column=column)
    for value, count in code[in_territory].value_counts().items():
        if count > 1:
            collector.add("duplicate_id", f"commune {value} présente {count} fois.", column=column)
    if not in_territory.any():
        examples = ", ".join(shown_value(c, 8) for c in code[code != ""].unique()[:3])
        collector.add(
            "no_territory_commune",
            f"aucune commune {codes.of_departement} ({codes.departement_code}xxx) dans le fichier"
            + (f" (codes lus : {examples}…)" if examples else "")
            + " : il ne peut pas remplacer la couche fibre.",
            column=column,
        )
    return code, in_territory


def _counts(
    raw: pd.DataFrame, columns: _FibreColumns, collector: ProblemCollector
) -> tuple[pd.Series, pd.Series]:
    """Premises and connectable premises per row, bounded to plausible counts."""

    def count(column: str) -> pd.Series:
        return parse_numbers(
            raw[column],
            collector,
            column,
            min_value=0.0,
            max_value=defaults.MAX_FIBRE_PREMISES_PER_COMMUNE,
        )

    if columns.premises:
        premises = count(columns.premises)
    else:
        assert columns.housing is not None
        premises = count(columns.housing)
        if columns.business:
            premises = premises + count(columns.business).fillna(0)
    return premises, count(columns.connectable)


def _check_consistency(
    premises: pd.Series,
    connectable: pd.Series,
    columns: _FibreColumns,
    collector: ProblemCollector,
) -> None:
    """Connectable premises cannot exceed the premises (with a margin for INSEE-based counts).

    ARCEP's « meilleure estimation des locaux » already includes the operators'
    counts, so it is never below the connectable premises; the housing + business
    counts of older files are INSEE estimates that fell short in places.
    """
    max_share = 1.0 if columns.premises else defaults.MAX_FIBRE_SHARE_INSEE_BASE
    label = columns.premises or columns.housing
    for row in premises.index[((premises == 0) & (connectable > 0)).to_numpy()]:
        collector.add(
            "inconsistent",
            f"{connectable.at[row]:.0f} locaux raccordables pour 0 local : nombre de locaux "
            f"(« {label} ») manquant ou faux.",
            row=int(row),
            column=columns.connectable,
        )
    over = (premises > 0) & (connectable > premises * max_share)
    for row in premises.index[over.to_numpy()]:
        share = connectable.at[row] / premises.at[row]
        collector.add(
            "inconsistent",
            f"{connectable.at[row]:.0f} locaux raccordables pour {premises.at[row]:.0f} locaux "
            f"({share:.0%}".replace("%", " %")
            + f") : plus de locaux raccordables que de locaux (« {label} »).",
            row=int(row),
            column=columns.connectable,
        )


def read_user_fibre(
    path: Path | str, codes: CommuneCodes, vintage: str | None = None
) -> FibreLayer:
    """Read a current ARCEP FttH commune file (CSV export of the « Communes » sheet).

    The file needs an INSEE code column and either quarterly columns
    (``T2 2025`` or ``T2_2025_Locaux_Raccordables``: the latest is used and gives
    the vintage) or a ``locaux_raccordables`` column; premises come from
    ``Meilleure estimation des locaux à date``/``locaux`` or from ``Logements`` +
    ``Établissements``. Rows of other départements are left out.

    Raises
    ------
    geo.errors.DataValidationError
        Listing every problem (columns, numbers, negative or implausible counts,
        more connectable premises than premises, malformed, truncated, unknown or
        merged codes, duplicates, no commune of the territory at all).
    """
    path = Path(path)
    collector = ProblemCollector(path.name)
    raw = read_table(path, collector)
    columns = _locate_columns(raw, collector) if raw is not None else None
    if raw is None or columns is None:
        collector.raise_if_any()
    assert raw is not None and columns is not None

    code, in_territory = _territory_codes(raw, columns.code, codes, collector)
    premises, connectable = _counts(raw, columns, collector)
    _check_consistency(premises[in_territory], connectable[in_territory], columns, collector)
    collector.raise_if_any()

    frame = pd.DataFrame(
        {"code_source": code, "fibre_premises": premises, "fibre_connectable": connectable}
    )[in_territory]
    table, estimated = _aggregate(frame, codes)
    quarter = columns.quarter
    label = vintage or (f"ARCEP {quarter[1]}" if quarter else "ARCEP (trimestre non précisé)")
    return FibreLayer(table, label, outdated=False, estimated_codes=estimated)
