"""User indicator tables keyed by INSEE code (age or diploma tables, observed requests...)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.cog import CommuneCodes, code_problem, normalise_code, strips_leading_zeros
from geo.csvio import find_column, normalise_name, parse_numbers, read_table, shown_value
from geo.errors import ProblemCollector

__all__ = ["read_user_indicators"]

_CODE = ("code_insee", "codgeo", "code_commune", "insee_com", "depcom", "com", "insee")
#: Columns describing the commune rather than measuring it.
_LABEL_COLUMNS = {"nom", "name", "libelle", "libgeo", "commune", "nom_commune"}


def read_user_indicators(path: Path | str, codes: CommuneCodes) -> pd.DataFrame:
    """Read an indicator table: one row per commune, one numeric column per indicator.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code_insee``; each indicator becomes ``user_<name>`` (name
        normalised to ASCII snake case). Communes absent from the file are absent
        from the result (the caller reindexes and reports them as missing).

    Raises
    ------
    geo.errors.DataValidationError
        With every problem: no code column (closest name suggested), missing,
        malformed, truncated, unknown or merged codes (current code suggested),
        duplicate communes, headers that collide once normalised, cells that are
        not numbers or not finite, no indicator column.
    """
    path = Path(path)
    collector = ProblemCollector(path.name)
    raw = read_table(path, collector)
    code_col = find_column(raw, _CODE, collector, label="code_insee") if raw is not None else None
    if raw is None or code_col is None:
        collector.raise_if_any()
    assert raw is not None and code_col is not None
    code = _check_codes(raw, code_col, codes, collector)
    indicator_cols = [
        c for c in raw.columns if c != code_col and normalise_name(c) not in _LABEL_COLUMNS
    ]
    if not indicator_cols:
        collector.add("no_indicator", "aucune colonne d'indicateur à côté du code INSEE.")
    out = pd.DataFrame(index=pd.Index(code, name="code_insee"))
    for col in indicator_cols:
        if not normalise_name(col):
            collector.add(
                "bad_header",
                f"le nom de colonne « {shown_value(col)} » n'a ni lettre ni chiffre : donnez-lui "
                "un nom d'indicateur.",
            )
            continue
        out[f"user_{normalise_name(col)}"] = parse_numbers(raw[col], collector, col).to_numpy()
    collector.raise_if_any()
    return out


def _check_codes(
    raw: pd.DataFrame, column: str, codes: CommuneCodes, collector: ProblemCollector
) -> pd.Series:
    """Normalised codes; missing, malformed, truncated, unknown and repeated ones reported."""
    written = raw[column]
    zeros_stripped = strips_leading_zeros(written)
    code = written.map(normalise_code)
    for row in raw.index:
        problem = code_problem(written.at[row], zeros_stripped)
        if problem is None and not codes.is_current(code.at[row]):
            problem = (
                codes.explain_unknown(code.at[row]) if code.at[row] else "code INSEE manquant."
            )
        if problem:
            collector.add("unknown_code", problem, row=int(row), column=column)
    for value, count in code[code != ""].value_counts().items():
        if count > 1:
            collector.add("duplicate_id", f"commune {value} présente {count} fois.", column=column)
    return code
