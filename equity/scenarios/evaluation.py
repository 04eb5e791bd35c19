"""Evaluating a scenario: its offer after the site changes, and its diagnostic."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from equity.diagnostics import Diagnosis, DiagnosisSettings, diagnose
from equity.need import DEFAULT_WEIGHTS, NeedWeights
from equity.offer import Offer, select_offer
from equity.scenarios.model import Scenario, ScenarioParameters, parameters_from_dict
from geo import settings
from geo.sites import SITE_COLUMNS, assign_communes
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = ["diagnosis_settings", "evaluate", "scenario_offer"]

_TO_WORK = pyproj.Transformer.from_crs(settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True)


def diagnosis_settings(parameters: ScenarioParameters | Mapping[str, Any]) -> DiagnosisSettings:
    """Diagnostic settings of a scenario's parameters.

    Parameters
    ----------
    parameters : ScenarioParameters or mapping
        Typed parameters, or a mapping of format-1 keys (read and checked).

    Returns
    -------
    DiagnosisSettings
    """
    if not isinstance(parameters, ScenarioParameters):
        parameters = parameters_from_dict(parameters, format_version=1)
    return DiagnosisSettings(
        threshold_min=parameters.threshold_min,
        offer_types=parameters.offer_types,
        libraries_with_internet_only=parameters.libraries_with_internet_only,
        need_weights=_need_weights(parameters),
    )


def _need_weights(parameters: ScenarioParameters) -> NeedWeights | None:
    """Stored weights with the documented directions (+1 for user indicators), as the app."""
    if parameters.need_weights is None:
        return None
    weights = dict(parameters.need_weights)
    directions = {k: DEFAULT_WEIGHTS[k][1] if k in DEFAULT_WEIGHTS else 1 for k in weights}
    return NeedWeights(weights, directions)


def scenario_offer(territory: Territory, scenario: Scenario) -> Offer:
    """The offer of open sites after the scenario's changes."""
    params = diagnosis_settings(scenario.parameters)
    base = select_offer(
        territory.sites,
        params.offer_types,
        params.libraries_with_internet_only,
        removed=tuple(scenario.changes.removed),
    )
    sites = base.sites.drop(columns="advisors")
    for move in scenario.changes.moved:
        if move["site_id"] in sites.index:
            x, y = _TO_WORK.transform(float(move["lon"]), float(move["lat"]))
            sites.loc[move["site_id"], ["lon", "lat"]] = [float(move["lon"]), float(move["lat"])]
            sites.loc[move["site_id"], "geometry"] = gpd.points_from_xy([x], [y])[0]
    if scenario.changes.added:
        added = pd.DataFrame(scenario.changes.added)
        x, y = _TO_WORK.transform(added["lon"].to_numpy(float), added["lat"].to_numpy(float))
        for col in SITE_COLUMNS:
            if col not in added:
                added[col] = None
        added["source"] = added["source"].fillna(f"scénario « {scenario.name} »")
        added_gdf = gpd.GeoDataFrame(
            added[SITE_COLUMNS], geometry=gpd.points_from_xy(x, y), crs=settings.WORK_CRS
        )
        added_gdf.index = added_gdf["site_id"].to_numpy()
        sites = pd.concat([sites, added_gdf])
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=settings.WORK_CRS)
    # Moved and added sites belong to the commune (and EPCI) their point falls in.
    sites["code_insee"] = assign_communes(sites, territory.communes, fallback=sites["code_insee"])
    types = tuple(dict.fromkeys([*params.offer_types, *sites["site_type"]]))
    return select_offer(sites.reset_index(drop=True), types, params.libraries_with_internet_only)


def evaluate(
    territory: Territory, scenario: Scenario, model: TravelModel | None = None
) -> tuple[Scenario, Diagnosis]:
    """Compute the scenario's diagnostic and return it with its ``results`` filled."""
    diag_settings = diagnosis_settings(scenario.parameters)
    unchanged = select_offer(
        territory.sites, diag_settings.offer_types, diag_settings.libraries_with_internet_only
    )
    reference = 10_000 * unchanged.n_advisors / float(territory.communes["population"].sum())
    diagnosis = diagnose(
        territory,
        replace(diag_settings, reference_advisors_per_10000=reference),
        offer=scenario_offer(territory, scenario),
        model=model,
    )
    head = diagnosis.headline()
    communes = diagnosis.communes
    results = {
        "travel_model": diagnosis.travel_model.to_dict(),
        "headline": {k: finite_or_none(v) for k, v in head.items()},
        "coverage": {
            str(k): finite_or_none(v) for k, v in diagnosis.coverage["share_within"].items()
        },
        "by_epci": {
            name: {
                "advisors": float(row["advisors"]),
                "share_within_threshold": finite_or_none(row["share_within_threshold"]),
                "inhabitants_per_advisor": finite_or_none(row["inhabitants_per_advisor"]),
                "balance": finite_or_none(row["balance"]),
            }
            for name, row in diagnosis.by_epci.iterrows()
        },
        "travel_time_min": {
            code: finite_or_none(t) for code, t in communes["travel_time_min"].items()
        },
    }
    return replace(scenario, results=results), diagnosis


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is not finite (strict JSON has no NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None
