"""Clickable maps: a folium map through streamlit-folium, and the point a click gives.

streamlit-folium returns each click to Python; a page turns it into an edit (add a site
there, move a permanence there, exclude the commune clicked). Leaflet is served from the
app's ``static/`` folder, so the map works without internet. The component keeps its
map between reruns and redraws only when the map itself changes.
"""

from __future__ import annotations

import copy

import folium
import streamlit as st
from streamlit_folium import st_folium

__all__ = ["clickable_map", "clicked_point"]


def clickable_map(m: folium.Map, key: str, height: int = 520) -> dict | None:
    """Show ``m`` and return what streamlit-folium reports of the clicks, if anything.

    streamlit-folium renames the layers of the map it renders, so a second render of
    the same object gives other code and the component is rebuilt empty: it gets a
    fresh copy each run (a few milliseconds), identical from one run to the next.
    """
    return st_folium(
        copy.deepcopy(m),
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=["last_clicked", "last_object_clicked"],
    )


def clicked_point(state: dict | None, key: str) -> tuple[float, float] | None:
    """The (lon, lat) of a *new* click on the map ``key``, else None.

    Communes cover the territory, so a click there is a click on a layer
    (``last_object_clicked``); a click on the background is ``last_clicked``.
    streamlit-folium reports the last click on every rerun: each click is acted on once
    (a second click at the very same point is taken for the same click).
    """
    state = state or {}
    clicked = state.get("last_object_clicked") or state.get("last_clicked")
    if not clicked:
        return None
    point = (round(float(clicked["lng"]), 6), round(float(clicked["lat"]), 6))
    seen = f"{key}_seen"
    if st.session_state.get(seen) == point:
        return None
    st.session_state[seen] = point
    return point
