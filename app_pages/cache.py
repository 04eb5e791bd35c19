"""Every Streamlit cache of the app, in one place.

Cached objects are shared between sessions: pages must treat them as read-only
(copy before changing anything).
"""

from __future__ import annotations

import streamlit as st

from geo.maps import commune_map, map_to_html
from geo.territory import Territory, UserFiles, load_territory


@st.cache_resource(show_spinner="Chargement des données de la Sarthe…", max_entries=8)
def territory_for(user: UserFiles) -> Territory:
    """The territory built from the embedded data plus the given user files."""
    return load_territory(user)


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=64)
def commune_map_html(
    _territory: Territory,
    territory_key: str,
    column: str,
    scheme: str,
    site_types: tuple[str, ...],
    show_epci: bool,
    tiles: bool,
    title: str,
    legend_title: str,
    popup_columns: tuple[tuple[str, str], ...],
    percent_columns: tuple[str, ...],
) -> str:
    """Standalone HTML of a commune map (keyed by the territory's cache key)."""
    communes = _territory.communes
    sites = _territory.sites[_territory.sites["site_type"].isin(site_types)]
    m = commune_map(
        communes,
        column,
        title=title,
        legend_title=legend_title,
        scheme="categorical" if scheme == "categorical" else scheme,
        epci=_territory.epci if show_epci else None,
        sites=sites if len(sites) else None,
        popup_columns=dict(popup_columns),
        percent_columns=percent_columns,
        tiles=tiles,
    )
    return map_to_html(m)
