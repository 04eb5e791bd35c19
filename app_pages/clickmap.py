"""Clickable maps: a folium map through streamlit-folium, and the point a click gives.

streamlit-folium returns each click to Python; a page turns it into an edit (add a site
there, move a permanence there, exclude the commune clicked). Leaflet is served from the
app's ``static/`` folder, so the map works without internet. The component keeps its
map between reruns and redraws only when the map itself changes.
"""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

__all__ = ["clickable_map", "clicked_point"]


def clickable_map(m: folium.Map, key: str, height: int = 520) -> dict | None:
    """Show ``m`` and return what streamlit-folium reports (``last_clicked``), if anything."""
    return st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=["last_clicked"],
    )


def clicked_point(state: dict | None, key: str) -> tuple[float, float] | None:
    """The (lon, lat) of a *new* click on the map ``key``, else None.

    streamlit-folium reports the last click on every rerun; a click is acted on once.
    """
    clicked = (state or {}).get("last_clicked")
    if not clicked:
        return None
    point = (round(float(clicked["lng"]), 6), round(float(clicked["lat"]), 6))
    seen = f"{key}_seen"
    if st.session_state.get(seen) == point:
        return None
    st.session_state[seen] = point
    return point
