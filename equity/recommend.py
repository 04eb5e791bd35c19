"""Recommendations for a territory: the placement engine fed with Maillage's data.

Builds the inputs of :func:`equity.placement.solve_placement` from a diagnostic —
demand = communes at their town hall weighted by persons in need, existing sites =
the offer with its advisors, candidates = host sites (town halls, libraries,
France services, other structures, user sites) — and turns a result into a
scenario.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from equity.diagnostics import Diagnosis, demand_points
from equity.placement import PlacementResult, PlacementSettings, solve_placement
from equity.scenarios import Scenario, ScenarioParameters, SiteChanges
from geo.territory import Territory
from geo.travel_time import TravelModel, travel_time_matrix

#: Site types that can host a new advisor.
CANDIDATE_TYPES: tuple[str, ...] = (
    "town_hall",
    "library",
    "france_services",
    "data_inclusion",
    "user",
)


@dataclass(frozen=True)
class PlacementInputs:
    """Everything the placement engine needs, aligned on commune and site ids."""

    times: pd.DataFrame
    weight: pd.Series
    population: pd.Series
    existing: pd.Series
    candidate_group: pd.Series
    candidates: gpd.GeoDataFrame
    travel_model: TravelModel


def candidate_sites(territory: Territory, diagnosis: Diagnosis) -> gpd.GeoDataFrame:
    """Host sites that could take a new advisor, one per commune and type.

    A library and a town hall of the same commune are a few hundred metres apart:
    keeping one site per commune and type keeps the model small without losing
    a real choice. Sites already in the offer are not candidates.
    """
    sites = territory.sites
    sites = sites[
        sites["site_type"].isin(CANDIDATE_TYPES)
        & ~sites["site_id"].isin(diagnosis.offer.sites["site_id"])
    ]
    return sites.drop_duplicates(["code_insee", "site_type"]).set_index("site_id", drop=False)


def placement_inputs(
    territory: Territory, diagnosis: Diagnosis, model: TravelModel | None = None
) -> PlacementInputs:
    """Cost matrix and weights of the territory for the placement engine."""
    model = model or diagnosis.travel_model
    candidates = candidate_sites(territory, diagnosis)
    offer = diagnosis.offer.sites
    sites = pd.concat([offer.set_index("site_id", drop=False).geometry, candidates.geometry])
    points = demand_points(territory.communes)
    times = travel_time_matrix(points, gpd.GeoSeries(sites, crs=territory.communes.crs), model)
    epci_of = territory.communes["epci_name"]
    codes = pd.concat([offer.set_index("site_id")["code_insee"], candidates["code_insee"]])
    table = diagnosis.communes
    return PlacementInputs(
        times=times,
        weight=table["persons_in_need"],
        population=table["population"],
        existing=offer.set_index("site_id")["advisors"],
        candidate_group=codes.map(epci_of),
        candidates=candidates,
        travel_model=model,
    )


def recommend(
    territory: Territory,
    diagnosis: Diagnosis,
    settings: PlacementSettings | None = None,
    inputs: PlacementInputs | None = None,
) -> PlacementResult:
    """Recommend new advisor sites on top of the diagnostic's offer."""
    inputs = inputs or placement_inputs(territory, diagnosis)
    return solve_placement(
        inputs.times,
        inputs.weight,
        inputs.population,
        inputs.existing,
        inputs.candidate_group,
        settings or PlacementSettings(threshold_min=diagnosis.settings.threshold_min),
    )


def chosen_sites(territory: Territory, result: PlacementResult) -> gpd.GeoDataFrame:
    """The recommended sites with their explanation, in the order of the result."""
    sites = territory.sites.set_index("site_id", drop=False).loc[result.chosen]
    explanation = result.explanation.set_index("site_id")
    return sites.join(explanation.drop(columns=[c for c in explanation if c in sites]))


def result_scenario(
    territory: Territory,
    result: PlacementResult,
    name: str,
    parameters: ScenarioParameters | Mapping[str, Any],
    author: str = "",
    note: str = "",
    advisors_per_site: int = 1,
) -> Scenario:
    """A scenario adding the recommended sites to the existing offer."""
    sites = chosen_sites(territory, result)
    added = [
        {
            "site_id": f"{row.site_id}-reco",
            "name": row.name,
            "site_type": row.site_type,
            "code_insee": row.code_insee,
            "lon": float(row.lon),
            "lat": float(row.lat),
            "n_advisors": advisors_per_site,
            "source": "recommandation Maillage",
        }
        for row in sites.itertuples()
    ]
    return Scenario(
        name=name,
        parameters=parameters if isinstance(parameters, ScenarioParameters) else dict(parameters),
        changes=SiteChanges(added=added),
        author=author,
        note=note,
    )


def _coverage_summary(stats: dict[str, float]) -> dict[str, float]:
    return {
        "population": stats["population"],
        "need": stats["need"],
        "share": stats["population_share"],
        "need_share": stats["need_share"],
        "mean_travel_time_min": stats["mean_travel_time_min"],
    }


def epci_effect(before: Diagnosis, after: Diagnosis, result: PlacementResult) -> pd.DataFrame:
    """Per EPCI: new sites, advisors and coverage before and after the placement."""
    new_sites = result.explanation["group"].value_counts()
    table = pd.DataFrame(
        {
            "new_sites": new_sites.reindex(before.by_epci.index).fillna(0).astype(int),
            "advisors_before": before.by_epci["advisors"],
            "advisors_after": after.by_epci["advisors"],
            "inhabitants_per_advisor_before": before.by_epci["inhabitants_per_advisor"],
            "inhabitants_per_advisor_after": after.by_epci["inhabitants_per_advisor"],
            "share_within_before": before.by_epci["share_within_threshold"],
            "share_within_after": after.by_epci["share_within_threshold"],
            "balance_before": before.by_epci["balance"],
            "balance_after": after.by_epci["balance"],
        }
    )
    table.index.name = "epci"
    return table


def recommendation_report(
    territory: Territory,
    before: Diagnosis,
    after: Diagnosis,
    result: PlacementResult,
    inputs: PlacementInputs,
    curve: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The JSON object of ``maillage recommend --json``."""
    sites = chosen_sites(territory, result)
    existing = before.offer.sites
    chosen = [
        {
            "site_id": row.site_id,
            "name": row.name,
            "type": row.site_type,
            "code_insee": row.code_insee,
            "epci": row.group,
            "lon": float(row.lon),
            "lat": float(row.lat),
            "gain_need": float(row.gain_need),
            "gain_population": float(row.gain_population),
            "newly_covered": list(row.newly_covered),
            "load_need_per_advisor": float(row.load_need_per_advisor),
            "residual_need": float(getattr(row, "residual_need", float("nan"))),
        }
        for row in sites.itertuples()
    ]
    effect = epci_effect(before, after, result).reset_index()
    report = {
        "objective": result.objective,
        "threshold_min": result.threshold_min,
        "travel_model": inputs.travel_model.to_dict(),
        "offer": before.offer.to_dict(),
        "existing": [
            {
                "site_id": r.site_id,
                "name": r.name,
                "type": r.site_type,
                "code_insee": r.code_insee,
                "advisors": float(r.advisors),
            }
            for r in existing.itertuples()
        ],
        "chosen": chosen,
        "decided_by": result.decided_by,
        "coverage_before": _coverage_summary(result.coverage_before),
        "coverage_after": _coverage_summary(result.coverage_after),
        "solver": {
            "method": result.solver.get("method"),
            "status": result.solver.get("status"),
            "message": result.solver.get("message"),
            "gap": result.solver.get("mip_gap"),
            "seconds": float(result.solver.get("build_s", 0.0) + result.solver.get("solve_s", 0.0)),
        },
        "by_epci": json.loads(effect.to_json(orient="records", force_ascii=False)),
        "cost": result.cost,
    }
    if curve is not None:
        report["trade_off"] = json.loads(curve.to_json(orient="records", force_ascii=False))
    if sensitivity is not None:
        report["threshold_sensitivity"] = json.loads(
            sensitivity.reset_index().to_json(orient="records", force_ascii=False)
        )
    return report
