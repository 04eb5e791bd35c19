"""Every Streamlit cache of the app, in one place, over the workflow layer.

Cached objects are shared between sessions: pages must treat them as read-only
(copy before changing anything). A request or scenario is passed unhashed (leading
underscore) next to its stable key, so each is identified one way only.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from equity.diagnostics import Diagnosis
from equity.mobile import MobileResult
from equity.placement import RobustnessResult
from equity.scenarios import Scenario
from equity.workflows import (
    DiagnoseRequest,
    EvaluatedScenario,
    MobileRequest,
    Recommendation,
    RecommendRequest,
    TerritoryRequest,
    check_robustness,
    evaluate_scenario,
    offer_catchments,
    open_territory,
    plan_mobile,
    run_diagnosis,
    run_recommendation,
)
from geo.maps import commune_map, map_to_html
from geo.territory import Territory, UserFiles
from geo.travel_time import TravelModel, current_travel_model


@st.cache_resource(show_spinner="Chargement des données de la Sarthe…", max_entries=8)
def territory_for(user: UserFiles) -> Territory:
    """The territory built from the embedded data plus the given user files."""
    return open_territory(TerritoryRequest(user))


@st.cache_data(show_spinner=False, ttl=60)
def travel_model() -> TravelModel:
    """The road-network model when a network is built, else the fallback (rechecked each minute)."""
    return current_travel_model()


@st.cache_data(show_spinner="Calcul du diagnostic…", max_entries=32)
def diagnosis_for(
    _territory: Territory,
    territory_key: str,
    _request: DiagnoseRequest,
    request_key: str,
    model: TravelModel,
) -> Diagnosis:
    """Diagnostic of the session's territory for one request."""
    return run_diagnosis(_territory, _request, model)


@st.cache_data(show_spinner="Calcul des zones de desserte…", max_entries=16)
def catchment_union(
    _territory: Territory,
    territory_key: str,
    _request: DiagnoseRequest,
    request_key: str,
    thresholds_min: tuple[int, ...],
    model: TravelModel,
) -> gpd.GeoDataFrame:
    """Area within each threshold of any open site (union of the sites' catchments)."""
    return offer_catchments(_territory, _request, thresholds_min, model)


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
    _circuits: gpd.GeoDataFrame | None = None,
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
        circuits=_circuits,
        tiles=tiles,
    )
    return map_to_html(m)


@st.cache_data(show_spinner=False, max_entries=16)
def recommendation_for(
    _territory: Territory,
    territory_key: str,
    _request: RecommendRequest,
    request_key: str,
    model: TravelModel,
) -> Recommendation:
    """Placement, trade-off curve, threshold sensitivity and evaluated plan of one request."""
    before = diagnosis_for(
        _territory, territory_key, _request.diagnosis, _request.diagnosis.cache_key(), model
    )
    return run_recommendation(_territory, _request, model, before=before)


@st.cache_data(show_spinner=False, max_entries=16)
def scenario_evaluation(
    _territory: Territory,
    territory_key: str,
    _scenario: Scenario,
    scenario_key: str,
    model: TravelModel,
) -> EvaluatedScenario:
    """A scenario evaluated on the territory."""
    return evaluate_scenario(_territory, _scenario, model)


@st.cache_data(show_spinner=False, max_entries=16)
def robustness_for(
    _territory: Territory,
    territory_key: str,
    _request: RecommendRequest,
    request_key: str,
    model: TravelModel,
    n_lost: int,
) -> RobustnessResult:
    """Coverage lost when the ``n_lost`` least used permanences close, with the placement."""
    recommendation = recommendation_for(_territory, territory_key, _request, request_key, model)
    return check_robustness(_territory, recommendation, n_lost)


@st.cache_data(show_spinner=False, max_entries=16)
def mobile_for(
    _territory: Territory,
    territory_key: str,
    _scenario: Scenario,
    scenario_key: str,
    _request: MobileRequest,
    request_key: str,
    model: TravelModel,
) -> MobileResult:
    """Mobile programme on top of a scenario's fixed sites."""
    fixed = scenario_evaluation(_territory, territory_key, _scenario, scenario_key, model)
    return plan_mobile(_territory, fixed.diagnosis, _request, model)
