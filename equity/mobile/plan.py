"""The full mobile-session plan: select the stops, schedule and route them, summarise.

Three steps: stop selection (:mod:`equity.mobile.stops`), the 4-week planner
(:mod:`equity.mobile.scheduling`) with exact half-day routing
(:mod:`equity.mobile.routing`), and the result with its layers
(:mod:`equity.mobile.result`). The plan works on travel matrices computed by the
product's travel engine (:class:`pandas.DataFrame` in minutes, ``inf`` or NaN =
unreachable); it never computes travel times itself.
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
    }


def _vehicle_use(schedule: pd.DataFrame, settings: MobileSettings) -> dict[str, float]:
    """Kilometres per cycle and per year, driving hours and vehicle cost per year."""
    halves = schedule.drop_duplicates(["advisor_id", "week", "day", "half_day"])
    km_per_cycle = float(halves["half_day_km"].sum())
    yearly = settings.working_weeks_per_year / settings.weeks_in_cycle
    km_per_year = km_per_cycle * yearly
    return {
        "km_per_cycle": km_per_cycle,
        "km_per_year": km_per_year,
        "drive_hours_per_year": float(halves["half_day_drive_min"].sum()) * yearly / 60.0,
        "cost_eur_per_year": km_per_year * settings.cost_per_km_eur,
    }


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

    Candidates that no advisor half-day could host even alone (beyond the driving limit,
    never open during a session, …) are left out of the selection unless forced, so the
    coverage is spent on stops that can be visited; forced stops that cannot be visited
    are reported in ``unschedulable``.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Host sites, indexed by place id, with the columns of ``stops`` in
        :func:`plan_circuits`.
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
    eligible = [c for c in candidates.index if alone[c] == "" or c in forced]
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
    stops = candidates.loc[selection.index].copy()
    stops["gain_need"] = selection["gain_need"]
    schedule, unschedulable = plan_circuits(stops, advisors, drive_min, drive_km, s)
    scheduled = pd.Index(schedule["stop_id"].unique())
    return MobileResult(
        selection=selection,
        stops=stops_layer(stops, selection, schedule, unschedulable, points, s),
        schedule=schedule,
        unschedulable=unschedulable,
        circuits=circuits_layer(schedule, points),
        coverage_gain=coverage_gain(
            coverage_min, *covering, scheduled, selection.index, s.short_drive_min, communes
        ),
        **_vehicle_use(schedule, s),
        travel_model=dict(travel_model or {}),
        parameters=_parameters(s, advisors, drive_km is not None),
    )
