"""Every Streamlit cache of the app, in one place.

Cached objects are shared between sessions: pages must treat them as read-only
(copy before changing anything).
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from equity.diagnostics import Diagnosis, DiagnosisSettings, demand_points, diagnose
from equity.offer import select_offer
from geo.catchments import catchments
from geo.maps import commune_map, map_to_html
from geo.territory import Territory, UserFiles, load_territory
from geo.travel_time import TravelModel, current_travel_model


@st.cache_resource(show_spinner="Chargement des données de la Sarthe…", max_entries=8)
def territory_for(user: UserFiles) -> Territory:
    """The territory built from the embedded data plus the given user files."""
    return load_territory(user)


@st.cache_data(show_spinner=False, ttl=60)
def travel_model() -> TravelModel:
    """The road-network model when a network is built, else the fallback (rechecked each minute)."""
    return current_travel_model()


@st.cache_data(show_spinner="Calcul du diagnostic…", max_entries=32)
def diagnosis_for(
    _territory: Territory, territory_key: str, settings: DiagnosisSettings, model: TravelModel
) -> Diagnosis:
    """Diagnostic of the session's territory (keyed by its cache key and the settings)."""
    return diagnose(_territory, settings, model=model)


@st.cache_data(show_spinner="Calcul des zones de desserte…", max_entries=16)
def catchment_union(
    _territory: Territory,
    territory_key: str,
    offer_types: tuple[str, ...],
    thresholds_min: tuple[int, ...],
    model: TravelModel,
) -> gpd.GeoDataFrame:
    """Area within each threshold of any open site (union of the sites' catchments)."""
    offer = select_offer(_territory.sites, offer_types)
    per_site = catchments(
        offer.sites.geometry,
        _territory.communes,
        demand_points=demand_points(_territory.communes),
        thresholds_min=thresholds_min,
        model=model,
    )
    union = per_site[["threshold_min", "geometry"]].dissolve("threshold_min").reset_index()
    return union


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=64)
def commune_map_html(
    _communes: gpd.GeoDataFrame,
    _epci: gpd.GeoDataFrame,
    _sites: gpd.GeoDataFrame,
    _catchments: gpd.GeoDataFrame | None,
    key: tuple,
    column: str,
    scheme: str,
    tiles: bool,
    title: str,
    legend_title: str,
    popup_columns: tuple[tuple[str, str], ...],
    percent_columns: tuple[str, ...],
    category_colors: tuple[tuple[str, str], ...] = (),
) -> str:
    """Standalone HTML of a commune map; ``key`` identifies the underscored layers."""
    m = commune_map(
        _communes,
        column,
        title=title,
        legend_title=legend_title,
        scheme=scheme,
        epci=_epci,
        sites=_sites if len(_sites) else None,
        popup_columns=dict(popup_columns),
        catchments=_catchments,
        percent_columns=percent_columns,
        category_colors=dict(category_colors),
        tiles=tiles,
    )
    return map_to_html(m)
