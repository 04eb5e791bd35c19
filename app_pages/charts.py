"""Charts with French numbers (decimal comma) and names shown in full.

Altair is imported here only, by the pages that draw charts: the Carte page starts
without it.
"""

from __future__ import annotations

import math

import altair as alt
import streamlit as st

from geo.formatting import format_number_fr

__all__ = ["french_bar_chart", "french_line_chart"]


def _french_axis(title: str, decimals: int) -> alt.Axis:
    """An axis whose numbers read the French way (decimal comma)."""
    # Vega's own number format is English: thousands get a narrow no-break space and the
    # decimal point becomes a comma.
    grouped = f"replace(format(datum.value, ',.{decimals}f'), regexp(',', 'g'), '\u202f')"
    expr = f"replace({grouped}, '.', ',')"
    return alt.Axis(title=title, labelExpr=expr)


def french_bar_chart(
    frame, category: str, value: str, value_title: str, decimals: int = 1, height: int = 480
) -> None:
    """Horizontal bars, longest names in full, French numbers on the axis and tooltips."""
    chart = (
        alt.Chart(
            frame[[category, value]].assign(
                _shown=frame[value].map(lambda v: format_number_fr(v, decimals))
            )
        )
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", axis=_french_axis(value_title, decimals)),
            y=alt.Y(f"{category}:N", sort="x", axis=alt.Axis(title=None, labelLimit=420)),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=" "),
                alt.Tooltip("_shown:N", title=value_title),
            ],
        )
        .properties(height=height)
    )
    st.altair_chart(chart, width="stretch")


def _axis_decimals(values, decimals: int) -> int:
    """Enough decimals that ticks over a narrow range stay distinct (at most 3)."""
    span = float(values.max() - values.min()) if len(values) else 0.0
    if span <= 0 or not math.isfinite(span):
        return decimals
    # About five ticks: each step of span / 5 needs its first significant digit shown.
    return min(max(decimals, math.ceil(-math.log10(span / 5))), 3)


def french_line_chart(frame, x: str, y: str, x_title: str, y_title: str, decimals: int) -> None:
    """A line with points, French numbers on both axes (more decimals if the range is narrow)."""
    decimals = _axis_decimals(frame[y], decimals)
    chart = (
        alt.Chart(frame[[x, y]])
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:Q", axis=_french_axis(x_title, 0)),
            y=alt.Y(f"{y}:Q", axis=_french_axis(y_title, decimals), scale=alt.Scale(zero=False)),
        )
    )
    st.altair_chart(chart, width="stretch")
