"""Recommendations for a territory: the placement engine fed with Maillage's data.

Builds the inputs of :func:`equity.placement.solve_placement` from a diagnostic —
demand = communes at their town hall with their persons in need and EPCI, existing
sites = the offer with its advisors (wherever they are), candidates = host sites (town
halls, libraries, France services, other structures, user sites), those within
:data:`geo.defaults.REINFORCE_RADIUS_KM` of a permanence marked as reinforcements of
it — and turns a result into a scenario (new sites, and reinforced permanences as
advisors added at the permanence's place).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from equity.decision_table import REINFORCE_NAME_PREFIX
from equity.diagnostics import Diagnosis, demand_access_matrix
from equity.placement import (
    PlacementResult,
    PlacementSettings,
    solve_placement,
    travel_robustness,
)
from equity.scenarios import Scenario, ScenarioParameters, SiteChanges
from geo import defaults
from geo.formatting import format_number_fr, plural_fr
from geo.jsonio import to_jsonable
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "CANDIDATE_TYPES",
    "PlacementInputs",
    "advisors_after_help_fr",
    "balance_caption_fr",
    "candidate_sites",
    "chosen_sites",
    "curve_caption_fr",
    "epci_effect",
    "near_permanence",
    "placement_inputs",
    "recommend",
    "recommendation_report",
    "result_scenario",
    "travel_check",
]

# Unserved persons below this (round-off of the assignment LP) are not listed.
_UNSERVED_MIN_PERSONS = 0.5

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
    """Everything the placement engine needs, aligned on commune and site ids.

    ``demand_group`` is the EPCI of every commune; ``near_existing`` maps the host
    places next to a permanence to that permanence (see :func:`near_permanence`).
    """

    times: pd.DataFrame
    weight: pd.Series
    population: pd.Series
    existing: pd.Series
    candidate_group: pd.Series
    candidates: gpd.GeoDataFrame
    travel_model: TravelModel
    demand_group: pd.Series | None = None
    near_existing: pd.Series | None = None

    def engine_args(self) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series, pd.Series]:
        """Positional arguments of the placement engine's functions (matrix to groups)."""
        return self.times, self.weight, self.population, self.existing, self.candidate_group

    def engine_options(self) -> dict[str, pd.Series | None]:
        """Keyword arguments of the placement functions beyond the matrix."""
        return {"demand_group": self.demand_group, "near_existing": self.near_existing}


def candidate_sites(territory: Territory, diagnosis: Diagnosis) -> gpd.GeoDataFrame:
    """Host sites that could take a new advisor, one per commune and type.

    A library and a town hall of the same commune are a few hundred metres apart:
    keeping one site per commune and type keeps the model small without losing
    a real choice. Sites already in the offer are not candidates.
    """
    sites = territory.sites
    outside = sites.get("outside_territory", pd.Series(False, index=sites.index))
    # Services across the border count in the offer but are not the territory's to staff.
    sites = sites[
        sites["site_type"].isin(CANDIDATE_TYPES)
        & ~sites["site_id"].isin(diagnosis.offer.sites["site_id"])
        & ~outside.fillna(False).astype(bool)
    ]
    return sites.drop_duplicates(["code_insee", "site_type"]).set_index("site_id", drop=False)


def near_permanence(
    candidates: gpd.GeoDataFrame,
    offer: gpd.GeoDataFrame,
    radius_km: float = defaults.REINFORCE_RADIUS_KM,
) -> pd.Series:
    """Host places within ``radius_km`` of an existing permanence: place -> permanence.

    Such a place is no new site: an advisor there reinforces the permanence (8 of 20
    town halls recommended on the 2022 offer were within 1 km of a permanence).
    Distances are straight lines in the work CRS (EPSG:2154), to the nearest one.
    """
    if candidates.empty or offer.empty:
        return pd.Series(dtype=object)
    nearest = gpd.sjoin_nearest(
        gpd.GeoDataFrame(
            geometry=candidates.geometry.to_numpy(), index=candidates.index, crs=candidates.crs
        ),
        gpd.GeoDataFrame(
            {"permanence_id": offer["site_id"].astype(str).to_numpy()},
            geometry=offer.geometry.to_numpy(),
            crs=candidates.crs,
        ),
        max_distance=radius_km * 1000.0,
    )
    nearest = nearest[~nearest.index.duplicated(keep="first")]
    return nearest["permanence_id"]


def placement_inputs(
    territory: Territory, diagnosis: Diagnosis, model: TravelModel | None = None
) -> PlacementInputs:
    """Cost matrix and weights of the territory for the placement engine."""
    model = model or diagnosis.travel_model
    candidates = candidate_sites(territory, diagnosis)
    offer = diagnosis.offer
    own = offer.sites[~offer.outside.to_numpy()]
    counted = offer.counted_advisors.set_axis(offer.sites["site_id"])
    # A border site none of whose capacity serves the territory plays no part.
    existing = offer.sites[counted.to_numpy() > 0]
    columns = ["site_id", "code_insee", "geometry"]
    sites = gpd.GeoDataFrame(
        pd.concat([existing[columns], candidates[columns]]).set_index("site_id", drop=False),
        geometry="geometry",
        crs=territory.communes.crs,
    )
    # The same times as the diagnosis: the trip inside the commune included.
    times = demand_access_matrix(territory.communes, sites, model)
    epci_of = territory.communes["epci_name"]
    table = diagnosis.communes
    return PlacementInputs(
        times=times,
        weight=table["persons_in_need"],
        population=table["population"],
        # A border site counts with the share of its capacity that serves the territory.
        existing=counted[counted > 0],
        candidate_group=sites["code_insee"].map(epci_of),
        candidates=candidates,
        travel_model=model,
        demand_group=epci_of.reindex(times.index),
        near_existing=near_permanence(candidates, own),
    )


def recommend(
    territory: Territory,
    diagnosis: Diagnosis,
    settings: PlacementSettings | None = None,
    inputs: PlacementInputs | None = None,
) -> PlacementResult:
    """Recommend new advisor sites on top of the diagnostic's offer."""
    inputs = inputs or placement_inputs(territory, diagnosis)
    result = solve_placement(
        *inputs.engine_args(),
        settings or PlacementSettings(threshold_min=diagnosis.settings.threshold_min),
        **inputs.engine_options(),
    )
    # Advisors across the border count in capacity, not in the territory's head count.
    result.cost["total_advisors"] = diagnosis.offer.n_advisors + result.cost["new_advisors"]
    return result


def advisors_after_help_fr(result: PlacementResult, diagnosis: Diagnosis) -> str:
    """What « Conseillers après placement » counts, next to the capacity's advisors.

    The head count is the territory's own advisors plus the new ones; the capacity also
    counts the share of the border permanences that serves the territory, which the
    sentences of the result call « équivalent temps plein ».
    """
    offer = diagnosis.offer
    own = offer.n_advisors
    text = (
        f"{format_number_fr(own)} conseillers des permanences du territoire + "
        f"{format_number_fr(result.cost['new_advisors'])} nouveaux."
    )
    border = float(offer.counted_advisors[offer.outside.to_numpy()].sum())
    if border > 0:
        label = offer.sites.loc[offer.outside, "outside_label"].iloc[0]
        text += (
            f" La capacité compte aussi l'équivalent de {format_number_fr(border, 1)} "
            f"{plural_fr(border, 'conseiller')} des permanences voisines {label} (la part de "
            "leur capacité au "
            "service du territoire)."
        )
    return text


def curve_caption_fr(curve: pd.DataFrame, result: PlacementResult) -> str:
    """How the greedy trade-off curve relates to the recommended (exact) placement.

    The curve adds advisors one block at a time, each where it serves most; the
    recommendation chooses them together. Both serve the same persons at the end when
    capacity binds, but the curve's travel time need not fall as far: its last point
    and the recommendation are given side by side so the figures can be read together.
    """
    text = "Courbe obtenue en ajoutant les conseillers un à un, chacun où il apporte le plus."
    if curve.empty:
        return text
    last = curve.iloc[-1]
    new = format_number_fr(last["n_sites"])
    after = result.coverage_after
    served = last.get("served_persons")
    if served is not None and pd.notna(served):
        return (
            f"{text} À {new} conseillers, elle accompagne {format_number_fr(served)} personnes "
            f"(temps moyen {format_number_fr(last['mean_travel_time_min'], 1)} min) ; le "
            "placement recommandé, choisi d'un bloc : "
            f"{format_number_fr(result.persons['served_persons_after'])} personnes, temps "
            f"moyen {format_number_fr(after['mean_travel_time_min'], 1)} min."
        )
    return (
        f"{text} À {new} conseillers, temps moyen "
        f"{format_number_fr(last['mean_travel_time_min'], 1)} min ; placement recommandé : "
        f"{format_number_fr(after['mean_travel_time_min'], 1)} min."
    )


def travel_check(
    inputs: PlacementInputs, settings: PlacementSettings, result: PlacementResult
) -> dict[str, Any]:
    """Stable and sensitive sites of ``result`` when circuity and speed vary.

    The variants scale the matrix around the travel model's own circuity and speed
    (for a road network: around :data:`geo.defaults.CIRCUITY` and
    :data:`geo.defaults.SPEED_KMH`, a uniform change of speed); ``result`` keeps the
    report in ``travel_robustness``.
    """
    params = inputs.travel_model.parameters
    return travel_robustness(
        *inputs.engine_args(),
        settings,
        **inputs.engine_options(),
        placement=result,
        base_circuity=float(params.get("circuity", defaults.CIRCUITY)),
        base_speed_kmh=float(params.get("speed_kmh", defaults.SPEED_KMH)),
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
    advisors_per_site: int | None = None,
) -> Scenario:
    """A scenario adding the recommended advisors to the existing offer.

    A new site is added with its advisors; a reinforcement is added as a site at the
    permanence's place holding the new advisors (``<permanence id>-renfort``), so the
    permanence keeps its own record. ``advisors_per_site`` overrides the advisors of
    every decision (kept for older callers).
    """
    sites = chosen_sites(territory, result)
    added = []
    for row in sites.itertuples():
        reinforce = getattr(row, "kind", "new_site") == "reinforce"
        advisors = advisors_per_site or int(getattr(row, "advisors", 1))
        added.append(
            {
                "site_id": f"{row.site_id}-{'renfort' if reinforce else 'reco'}",
                "name": f"{REINFORCE_NAME_PREFIX}{row.name}" if reinforce else row.name,
                "site_type": row.site_type,
                "code_insee": row.code_insee,
                "lon": float(row.lon),
                "lat": float(row.lat),
                "n_advisors": advisors,
                "source": "recommandation Maillage",
            }
        )
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
    """Per EPCI: decisions, advisors, coverage and persons served before and after.

    The persons columns (``persons_in_need``, ``served_persons_*``,
    ``capacity_per_person_in_need_*``, ``ratio_to_departement_*``…) come from the
    placement's ``by_epci`` (see :func:`equity.placement.evaluation.by_epci_table`).
    """
    decisions = result.explanation
    new_sites = decisions.loc[decisions["kind"] == "new_site", "group"].value_counts()
    reinforced = decisions.loc[decisions["kind"] == "reinforce", "group"].value_counts()
    table = pd.DataFrame(
        {
            "new_sites": new_sites.reindex(before.by_epci.index).fillna(0).astype(int),
            "reinforcements": reinforced.reindex(before.by_epci.index).fillna(0).astype(int),
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
    persons = result.by_epci.drop(
        columns=[c for c in ("advisors_before", "advisors_after") if c in result.by_epci]
    )
    table = table.join(persons)
    table.index.name = "epci"
    return table


def balance_caption_fr(effect: pd.DataFrame) -> str:
    """What « Équilibre » measures, and why it falls where nothing is taken away.

    The balance is relative (an EPCI's share of the département's advisors over its
    share of the persons in need): when the other EPCIs gain advisors it falls in an
    EPCI that receives none, although its own advisors stay; the sentence names those
    EPCIs so nobody reads it as a loss.

    Parameters
    ----------
    effect : pandas.DataFrame
        :func:`epci_effect`'s table (``new_sites``, ``reinforcements``,
        ``balance_before``, ``balance_after``), indexed by EPCI name.

    Returns
    -------
    str
        The French caption; an EPCI is named when its balance, as the table shows it
        (one decimal), falls.
    """
    text = (
        "« Équilibre » : part des conseillers du département présents dans l'EPCI, "
        "rapportée à sa part des personnes en besoin (1 = sa juste part). C'est une "
        "mesure relative : elle baisse quand les autres EPCI se renforcent."
    )
    before, after = effect["balance_before"].round(1), effect["balance_after"].round(1)
    untouched = effect[(effect["new_sites"] + effect["reinforcements"] == 0) & (after < before)]
    if untouched.empty:
        return text
    listed = ", ".join(
        f"{name} ({format_number_fr(before[name], 1)} → {format_number_fr(after[name], 1)})"
        for name in untouched.index
    )
    if len(untouched) == 1:
        return (
            f"{text} Ainsi dans {listed} : cet EPCI ne reçoit personne et garde ses "
            "conseillers, mais sa part du total diminue."
        )
    return (
        f"{text} Ainsi dans {listed} : ces EPCI ne reçoivent personne et gardent leurs "
        "conseillers, mais leur part du total diminue."
    )


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
            "kind": row.kind,
            "kind_fr": row.kind_fr,
            "advisors": int(row.advisors),
            "advisors_after": float(row.advisors_after),
            "load_persons": float(row.load_persons),
            "capacity_persons": float(row.capacity_persons),
            "near_permanence": None if pd.isna(row.near_permanence) else row.near_permanence,
        }
        for row in sites.itertuples()
    ]
    effect = epci_effect(before, after, result).reset_index()
    robust = result.travel_robustness or {}
    report = {
        **result.persons,
        "stable_sites": robust.get("stable_sites"),
        "sensitive_sites": robust.get("sensitive_sites"),
        "travel_robustness": robust or None,
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
        "by_epci": effect.to_dict(orient="records"),
        "unserved_by_commune": _unserved_by_commune(territory, result),
        "cost": result.cost,
    }
    if curve is not None:
        report["trade_off"] = curve.to_dict(orient="records")
    if sensitivity is not None:
        report["threshold_sensitivity"] = sensitivity.reset_index().to_dict(orient="records")
    return to_jsonable(report)


def _unserved_by_commune(territory: Territory, result: PlacementResult) -> list[dict[str, Any]]:
    """Communes with persons in need left unserved after the placement, largest first."""
    table = result.assignment
    table = table[table["unserved_persons"] > _UNSERVED_MIN_PERSONS]
    names = territory.communes["name"].reindex(table.index)
    return [
        {
            "code_insee": str(code),
            "name": names.get(code),
            "persons_in_need": float(row.persons_in_need),
            "unserved_persons": float(row.unserved_persons),
            "beyond_threshold": not bool(row.covered),
        }
        for code, row in table.sort_values("unserved_persons", ascending=False).iterrows()
    ]
