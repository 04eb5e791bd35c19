"""Every Streamlit cache of the app, in one place.

Cached objects are shared between sessions: pages must treat them as read-only
(copy before changing anything).
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import streamlit as st

from equity.diagnostics import Diagnosis, DiagnosisSettings, demand_points, diagnose
from equity.mobile import MobileResult, MobileSettings
from equity.mobile_programme import default_advisors, plan_for_diagnosis
from equity.offer import select_offer
from equity.placement import (
    PlacementResult,
    PlacementSettings,
    RobustnessResult,
    robustness,
    threshold_sensitivity,
    trade_off_curve,
)
from equity.recommend import placement_inputs, recommend
from equity.scenarios import Scenario, evaluate, scenario_from_dict
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
    settings: DiagnosisSettings,
    thresholds_min: tuple[int, ...],
    model: TravelModel,
) -> gpd.GeoDataFrame:
    """Area within each threshold of any open site (union of the sites' catchments)."""
    offer = select_offer(
        _territory.sites, settings.offer_types, settings.libraries_with_internet_only
    )
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
    settings: DiagnosisSettings,
    placement: PlacementSettings,
    model: TravelModel,
) -> tuple[PlacementResult, pd.DataFrame, pd.DataFrame]:
    """Placement result, trade-off curve and threshold sensitivity for one parameter set."""
    before = diagnosis_for(_territory, territory_key, settings, model)
    inputs = placement_inputs(_territory, before, model)
    result = recommend(_territory, before, placement, inputs)
    args = (inputs.times, inputs.weight, inputs.population, inputs.existing)
    curve = trade_off_curve(*args, inputs.candidate_group, placement)
    sensitivity = threshold_sensitivity(*args, inputs.candidate_group, placement)
    return result, curve, sensitivity


@st.cache_data(show_spinner=False, max_entries=16)
def scenario_evaluation(
    _territory: Territory, territory_key: str, scenario_json: str, model: TravelModel
) -> tuple[Scenario, Diagnosis]:
    """A scenario evaluated on the territory (keyed by its JSON text)."""
    return evaluate(_territory, scenario_from_dict(json.loads(scenario_json)), model)


@st.cache_data(show_spinner=False, max_entries=16)
def robustness_for(
    _territory: Territory,
    territory_key: str,
    settings: DiagnosisSettings,
    placement: PlacementSettings,
    model: TravelModel,
    n_lost: int,
) -> RobustnessResult:
    """Coverage lost when the ``n_lost`` least used permanences close, with the placement."""
    before = diagnosis_for(_territory, territory_key, settings, model)
    inputs = placement_inputs(_territory, before, model)
    result, _, _ = recommendation_for(_territory, territory_key, settings, placement, model)
    return robustness(
        inputs.times,
        inputs.weight,
        inputs.population,
        inputs.existing,
        inputs.candidate_group,
        placement,
        n_lost=n_lost,
        placement=result,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def mobile_for(
    _territory: Territory,
    territory_key: str,
    scenario_json: str,
    settings: MobileSettings,
    half_days: int,
    model: TravelModel,
    bases: tuple[str, ...] | None = None,
    saturday: bool = False,
    forced: tuple[str, ...] = (),
) -> MobileResult:
    """Mobile programme on top of a scenario's fixed sites (advisors at ``bases``, or all)."""
    _, diagnosis = scenario_evaluation(_territory, territory_key, scenario_json, model)
    advisors = default_advisors(diagnosis, half_days, bases, saturday)
    return plan_for_diagnosis(
        _territory, diagnosis, settings=settings, advisors=advisors, forced=forced
    )
