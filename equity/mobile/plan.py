"""The full mobile-session plan: select the stops, schedule and route them, summarise.

Three steps: stop selection (:mod:`equity.mobile.stops`), the 4-week planner
(:mod:`equity.mobile.scheduling`) with vehicle routing (:mod:`equity.mobile.vrp`) and
circuit timing (:mod:`equity.mobile.routing`), and the result with its layers
(:mod:`equity.mobile.result`). Candidates in a commune hosting a fixed site or within
``fixed_site_exclusion_min`` of one are never selected unless forced. The plan works on
travel matrices computed by the product's travel engine (:class:`pandas.DataFrame` in
minutes, ``inf`` or NaN = unreachable); it never computes travel times itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict
from typing import Any

import geopandas as gpd
import pandas as pd

from equity.mobile.result import (
    MobileResult,
    circuits_layer,
    coverage_gain,
    points_l93,
    stops_layer,
    vehicle_use,
)
from equity.mobile.scheduling import check_advisors, plan_circuits, schedulable_alone
from equity.mobile.settings import Advisor, MobileSettings
from equity.mobile.stops import select_stops

__all__ = ["plan_mobile_sessions"]


def _parameters(
    settings: MobileSettings, advisors: Sequence[Advisor], km_from_matrix: bool
) -> dict[str, Any]:
    """Settings, advisors and the rules used, as stored in the result."""
    s = settings
    return {
        **asdict(s),
        "advisors": [asdict(a) for a in advisors],
        "km_source": "matrice des distances"
        if km_from_matrix
        else f"temps de trajet × vitesse moyenne de {s.avg_speed_kmh:g} km/h",
        "yearly_rule": (
            f"km du cycle × {s.working_weeks_per_year} semaines travaillées / "
            f"{s.weeks_in_cycle} semaines du cycle"
        ),
        "co2_rule": f"km par an × {s.co2_kg_per_km:g} kg CO2e/km (voiture essence, ADEME)",
        "capacity_rule": (
            f"heures de séance par an × {s.capacity_persons_per_advisor:g} personnes "
            f"accompagnées par conseiller et par an / {s.advisor_hours_per_year:g} h "
            "travaillées par an"
        ),
    }


def _near_fixed_site(candidates: pd.DataFrame, settings: MobileSettings) -> pd.Series:
    """Candidates hosting a fixed site in their commune or too close to one."""
    near = pd.Series(False, index=candidates.index)
    if "hosts_fixed_site" in candidates.columns:
        near |= candidates["hosts_fixed_site"].fillna(False).astype(bool)
    if "min_to_fixed_site" in candidates.columns:
        minutes = candidates["min_to_fixed_site"].astype(float)
        near |= minutes < settings.fixed_site_exclusion_min
    return near


def _totals(by_advisor: pd.DataFrame) -> dict[str, float]:
    columns = [
        "km_per_cycle",
        "km_per_year",
        "drive_hours_per_year",
        "cost_eur_per_year",
        "co2_kg_per_year",
    ]
    return {c: float(by_advisor[c].sum()) if len(by_advisor) else 0.0 for c in columns}


def plan_mobile_sessions(
    candidates: pd.DataFrame,
    advisors: Sequence[Advisor],
    coverage_min: pd.DataFrame,
    drive_min: pd.DataFrame,
    need: pd.Series,
    population: pd.Series,
    already_covered: pd.Series,
    geometry: gpd.GeoSeries,
    settings: MobileSettings | None = None,
    drive_km: pd.DataFrame | None = None,
    travel_model: dict[str, Any] | None = None,
    communes: Iterable[Hashable] | None = None,
    forced: Iterable[Hashable] = (),
) -> MobileResult:
    """Select stops, schedule and route the mobile sessions, and summarise the programme.

    Candidates that no advisor's day could host even alone (beyond the driving limit,
    never open during a session, …), and candidates at or near a fixed site, are left
    out of the selection unless forced, so the coverage is spent on stops that can be
    visited where fixed sites do not reach; forced stops that cannot be visited are
    reported in ``unschedulable``.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Host sites, indexed by place id, with the columns of ``stops`` in
        :func:`plan_circuits`, and optionally ``code_insee``, ``hosts_fixed_site``
        (bool: a fixed site is in the candidate's commune) and ``min_to_fixed_site``
        (driving minutes to the nearest fixed site).
    advisors : sequence of Advisor
    coverage_min : pandas.DataFrame
        Driving minutes communes × candidates.
    drive_min : pandas.DataFrame
        Square driving minutes over bases and candidates (row → column).
    need, population, already_covered : pandas.Series
        Per commune, see :func:`select_stops`.
    geometry : geopandas.GeoSeries
        Points of the places (bases and candidates) indexed by place id, with a CRS.
    settings : MobileSettings, optional
    drive_km : pandas.DataFrame, optional
        Distances in km (else minutes × ``avg_speed_kmh``).
    travel_model : dict, optional
        Description of the travel engine, passed through to the result.
    communes : iterable, optional
        Communes to serve (default: every commune of ``coverage_min``).
    forced : iterable
        Candidates that must be stops (e.g. a market chosen by the user).

    Returns
    -------
    MobileResult
    """
    s = settings or MobileSettings()
    check_advisors(advisors)
    points = points_l93(geometry, [*(a.base_id for a in advisors), *candidates.index])
    forced = list(dict.fromkeys(forced))
    alone = schedulable_alone(candidates, advisors, drive_min, s)
    near = _near_fixed_site(candidates, s)
    eligible = [c for c in candidates.index if (alone[c] == "" and not near[c]) or c in forced]
    covering = (need, population, already_covered)
    selection = select_stops(
        coverage_min,
        *covering,
        s.n_stops,
        s.short_drive_min,
        candidates=eligible,
        forced=forced,
        communes=communes,
        time_limit_s=s.time_limit_s,
    )
    selection.attrs["solver"]["excluded_candidates"] = len(candidates) - len(eligible)
    selection.attrs["solver"]["excluded_near_fixed_site"] = int(
        (near & ~candidates.index.isin(forced)).sum()
    )
    stops = candidates.loc[selection.index].copy()
    stops["gain_need"] = selection["gain_need"]
    schedule, unschedulable = plan_circuits(stops, advisors, drive_min, drive_km, s)
    scheduled = pd.Index(schedule["stop_id"].unique())
    by_advisor = vehicle_use(schedule, advisors, s)
    return MobileResult(
        selection=selection,
        stops=stops_layer(stops, selection, schedule, unschedulable, points, s),
        schedule=schedule,
        unschedulable=unschedulable,
        circuits=circuits_layer(schedule, points),
        coverage_gain=coverage_gain(
            coverage_min, *covering, scheduled, selection.index, s.short_drive_min, communes
        ),
        by_advisor=by_advisor,
        **_totals(by_advisor),
        travel_model=dict(travel_model or {}),
        parameters=_parameters(s, advisors, drive_km is not None),
    )
