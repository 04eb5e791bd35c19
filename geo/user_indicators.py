"""User indicator tables keyed by INSEE code (age or diploma tables, observed requests...)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.cog import CommuneCodes, normalise_code
from geo.csvio import find_column, normalise_name, parse_numbers, read_table
from geo.errors import ProblemCollector

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
        With every problem: no code column (closest name suggested), unknown or
        merged codes (current code suggested), duplicate communes, cells that
        are not numbers, no indicator column.
    """
    path = Path(path)
    collector = ProblemCollector(path.name)
    raw = read_table(path, collector)
    collector.raise_if_any()
    assert raw is not None
    code_col = find_column(raw, _CODE, collector, label="code_insee")
    collector.raise_if_any()
    code = raw[code_col].map(normalise_code)
    for row, value in enumerate(code, start=1):
        if not codes.is_current(value):
            collector.add("unknown_code", codes.explain_unknown(value), row=row, column=code_col)
    for value, count in code.value_counts().items():
        if count > 1:
            collector.add(
                "duplicate_id", f"commune {value} présente {count} fois.", column=code_col
            )
    indicator_cols = [
        c for c in raw.columns if c != code_col and normalise_name(c) not in _LABEL_COLUMNS
    ]
    if not indicator_cols:
        collector.add(
            "no_indicator", "aucune colonne d'indicateur à côté du code INSEE.", column=None
        )
    out = pd.DataFrame(index=pd.Index(code, name="code_insee"))
    for col in indicator_cols:
        out[f"user_{normalise_name(col)}"] = parse_numbers(raw[col], collector, col).to_numpy()
    collector.raise_if_any()
    return out
