"""Tables as French text: numbers, shares, dates and booleans the way the pack prints them."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from geo.formatting import MISSING_TEXT_FR, format_date_fr, format_number_fr, format_percent_fr

__all__ = ["NO_VALUE_TEXT_FR", "format_table_fr"]

#: Cell of a ratio that has no value (divided by zero advisors): never « inf ».
NO_VALUE_TEXT_FR = "–"


def format_table_fr(table: pd.DataFrame, percent_columns: Collection[str] = ()) -> pd.DataFrame:
    """Format every cell of a table as French text (numbers, shares, dates, booleans).

    Parameters
    ----------
    table : pandas.DataFrame
        Table to format; a named index becomes the first column.
    percent_columns : collection of str, default ()
        Columns holding 0–1 shares, shown as percentages.

    Returns
    -------
    pandas.DataFrame
        Same rows, every value a string, with a default index; an infinite number
        reads :data:`NO_VALUE_TEXT_FR` (« – »), a missing one « n.d. ».
    """
    if any(name is not None for name in table.index.names):
        table = table.reset_index()
    out = pd.DataFrame(index=range(len(table)))
    for column in table.columns:
        values = table[column]
        out[str(column)] = _format_values(values, column in percent_columns)
    return out


def _format_values(values: pd.Series, percent: bool) -> list[str]:
    if pd.api.types.is_bool_dtype(values):
        return [MISSING_TEXT_FR if pd.isna(v) else ("Oui" if v else "Non") for v in values]
    if pd.api.types.is_datetime64_any_dtype(values):
        return [MISSING_TEXT_FR if pd.isna(v) else format_date_fr(v) for v in values]
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float).to_numpy()
        present = numbers[np.isfinite(numbers)]
        decimals = _decimals(present * 100 if percent else present)
        fmt = format_percent_fr if percent else format_number_fr
        # An infinite ratio (inhabitants per advisor with no advisor) has no value: « – ».
        return [NO_VALUE_TEXT_FR if np.isinf(v) else fmt(v, decimals) for v in numbers]
    return [MISSING_TEXT_FR if _is_missing(v) else str(v) for v in values]


def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, list | tuple | dict) and bool(pd.isna(value)))


def _decimals(values: np.ndarray) -> int:
    if values.size == 0 or np.allclose(values, np.round(values)):
        return 0
    span = float(np.max(np.abs(values)))
    if span >= 100:
        return 0
    return 1 if span >= 10 else 2
