"""Every Streamlit cache of the app, in one place, over the workflow layer.

Cached objects are shared between sessions: pages must treat them as read-only
(copy before changing anything). A request or scenario is passed unhashed (leading
underscore) next to its stable key, so each is identified one way only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import streamlit as st

# The placement, mobile and evaluation workflows load on first use (``workflows.x``):
# the first map of a new server does not wait for their imports (0.2 s).
from equity import workflows
from equity.diagnostics import Diagnosis
from equity.scenarios import Scenario
from equity.workflows import (
    DiagnoseRequest,
    TerritoryRequest,
    offer_catchments,
    open_territory,
    run_diagnosis,
)
from geo.defaults import DEPARTEMENT_CODE
from geo.national import departements
from geo.result_memo import memoised
from geo.territory import Territory, UserFiles
from geo.travel_time import TravelModel, current_travel_model

if TYPE_CHECKING:
    import folium

    from equity.mobile import MobileResult
    from equity.placement import RobustnessResult
    from equity.workflows import EvaluatedScenario, MobileRequest, Recommendation, RecommendRequest

__all__ = [
    "STATIC_LEAFLET_CSS",
    "STATIC_LEAFLET_JS",
    "catchment_union",
    "clickable_commune_map",
    "commune_map_html",
    "diagnosis_for",
    "mobile_for",
    "recommendation_analysis",
    "recommendation_for",
    "robustness_for",
    "scenario_evaluation",
    "territory_for",
    "travel_model",
]

#: The vendored Leaflet, served by Streamlit from ``static/`` (server.enableStaticServing),
#: where :mod:`app_pages.static_files` copies it from ``geo/assets`` at start.
STATIC_LEAFLET_JS = "/app/static/leaflet.js"
STATIC_LEAFLET_CSS = "/app/static/leaflet.css"


@st.cache_resource(show_spinner="Chargement des données du département…", max_entries=8)
def territory_for(user: UserFiles, departement: str = DEPARTEMENT_CODE) -> Territory:
    """The territory of a département built from the embedded data plus the user files."""
    return open_territory(TerritoryRequest(user, departement=departement))


@st.cache_data(show_spinner=False)
def departement_choices() -> dict[str, str]:
    """Code → « 61 — Orne » of every metropolitan département."""
    table = departements()
    pairs = zip(table["code"], table["name"], strict=True)
    return {code: f"{code} — {name}" for code, name in pairs}


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
    """Diagnostic of the session's territory for one request (remembered on disk too)."""
    parts = (territory_key, request_key, model)
    return memoised("diagnostic", parts, lambda: run_diagnosis(_territory, _request, model))


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


def _commune_map(
    communes: gpd.GeoDataFrame,
    epci: gpd.GeoDataFrame | None,
    sites: gpd.GeoDataFrame,
    catchments: gpd.GeoDataFrame | None,
    column: str,
    scheme: str,
    tiles: bool,
    options: dict,
) -> folium.Map:
    # folium loads here: a map remembered on disk is shown without it (0.6 s of imports).
    from geo.maps import commune_map

    return commune_map(
        communes,
        column,
        title=options["title"],
        legend_title=options["legend_title"],
        scheme=scheme,
        user_bounds=list(options["user_bounds"]) or None,
        epci=epci,
        sites=sites if len(sites) else None,
        popup_columns=dict(options["popup_columns"]),
        catchments=catchments,
        percent_columns=options["percent_columns"],
        category_colors=dict(options["category_colors"]),
        circuits=options["circuits"],
        decisions=options["decisions"],
        notes=options["notes"],
        tiles=tiles,
    )


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
    user_bounds: tuple[float, ...] = (),
    _decisions: gpd.GeoDataFrame | None = None,
    notes: tuple[str, ...] = (),
) -> str:
    """Standalone HTML of a commune map (remembered on disk too).

    ``key`` identifies the underscored layers.
    """
    options = {
        "title": title,
        "legend_title": legend_title,
        "user_bounds": user_bounds,
        "popup_columns": popup_columns,
        "percent_columns": percent_columns,
        "category_colors": category_colors,
        "circuits": _circuits,
        "decisions": _decisions,
        "notes": notes,
    }
    parts = (key, column, scheme, tiles, title, legend_title, popup_columns, percent_columns)
    parts += (category_colors, user_bounds, notes)
    layers = (_communes, _epci, _sites, _catchments, column, scheme, tiles)
    return memoised("carte", parts, lambda: _html(_commune_map(*layers, options)))


def _html(m: folium.Map) -> str:
    from geo.maps import map_to_html

    return map_to_html(m)


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=16)
def clickable_commune_map(
    _communes: gpd.GeoDataFrame,
    _epci: gpd.GeoDataFrame,
    _sites: gpd.GeoDataFrame,
    key: tuple,
    column: str,
    title: str,
    legend_title: str,
    user_bounds: tuple[float, ...] = (),
    _decisions: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A commune map for :func:`app_pages.clickmap.clickable_map` (shared: never modify it).

    Leaflet comes from the app's ``static/`` folder (copied from ``geo/assets``), never a CDN.
    """
    options = {
        "title": title,
        "legend_title": legend_title,
        "user_bounds": user_bounds,
        "popup_columns": (("population", "Population (2022)"),),
        "percent_columns": (),
        "category_colors": (),
        "circuits": None,
        "decisions": _decisions,
        "notes": (),
    }
    m = _commune_map(_communes, _epci, _sites, None, column, "user_defined", False, options)
    m.default_js = [("leaflet", STATIC_LEAFLET_JS)]
    m.default_css = [("leaflet_css", STATIC_LEAFLET_CSS)]
    return m


@st.cache_data(show_spinner=False, max_entries=16)
def recommendation_for(
    _territory: Territory,
    territory_key: str,
    _request: RecommendRequest,
    request_key: str,
    model: TravelModel,
) -> Recommendation:
    """Placement, threshold sensitivity and evaluated plan of one request (its trade-off
    curve: :func:`recommendation_analysis`, drawn after the placement)."""
    before = diagnosis_for(
        _territory, territory_key, _request.diagnosis, _request.diagnosis.cache_key(), model
    )
    return workflows.run_recommendation(_territory, _request, model, before=before, trade_off=False)


#: The workflow :func:`recommendation_analysis` runs for each analysis (named: the
#: workflows load the solvers on first use, never for the first Carte).
_ANALYSES = {"trade_off": "recommendation_trade_off", "sensitivity": "run_threshold_sensitivity"}


@st.cache_data(show_spinner=False, max_entries=32)
def recommendation_analysis(
    _territory: Territory,
    territory_key: str,
    _request: RecommendRequest,
    request_key: str,
    model: TravelModel,
    analysis: str,
) -> pd.DataFrame:
    """An analysis of one request's recommendation: its trade-off curve (``trade_off``)
    or its placement re-solved at the sensitivity thresholds (``sensitivity``)."""
    recommendation = recommendation_for(_territory, territory_key, _request, request_key, model)
    return getattr(workflows, _ANALYSES[analysis])(_territory, recommendation)


@st.cache_data(show_spinner=False, max_entries=16)
def scenario_evaluation(
    _territory: Territory,
    territory_key: str,
    _scenario: Scenario,
    scenario_key: str,
    model: TravelModel,
) -> EvaluatedScenario:
    """A scenario evaluated on the territory."""
    return workflows.evaluate_scenario(_territory, _scenario, model)


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
    return workflows.check_robustness(_territory, recommendation, n_lost)


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
    return workflows.plan_mobile(_territory, fixed.diagnosis, _request, model)
