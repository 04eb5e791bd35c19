"""Charts with French numbers (decimal comma) and names shown in full.

Altair is imported here only, by the pages that draw charts: the Carte page starts
without it.
"""

from __future__ import annotations

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
    frame,
    category: str,
    value: str,
    value_title: str,
    decimals: int = 1,
    height: int = 480,
    reference: float | None = None,
) -> None:
    """Horizontal bars, longest names in full, French numbers on the axis and tooltips.

    ``reference``: a value marked by a vertical line (the « 1 » of a balance).
    """
    st.altair_chart(
        _bar_chart(frame, category, value, value_title, decimals, height, reference),
        width="stretch",
    )


def french_line_chart(frame, x: str, y: str, x_title: str, y_title: str, decimals: int) -> None:
    """A line with points from a zero baseline, French numbers on both axes."""
    st.altair_chart(_line_chart(frame, x, y, x_title, y_title, decimals), width="stretch")


def _bar_chart(
    frame,
    category: str,
    value: str,
    value_title: str,
    decimals: int,
    height: int,
    reference: float | None,
) -> alt.Chart | alt.LayerChart:
    bars = (
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
    if reference is None:
        return bars
    rule = (
        alt.Chart(alt.Data(values=[{"reference": reference}]))
        .mark_rule(color="#333333", strokeDash=[4, 3])
        .encode(x="reference:Q")
    )
    return alt.layer(bars, rule)


def _line_chart(frame, x: str, y: str, x_title: str, y_title: str, decimals: int) -> alt.Chart:
    # From zero: a change of 0,05 min over 5,8 must not be drawn as a cliff.
    return (
        alt.Chart(frame[[x, y]])
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:Q", axis=_french_axis(x_title, 0)),
            y=alt.Y(f"{y}:Q", axis=_french_axis(y_title, decimals), scale=alt.Scale(zero=True)),
        )
    )
