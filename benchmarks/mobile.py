"""Benchmark the mobile-session planner: PyVRP against OR-Tools, circuits against trips.

Instance (real places, chosen at random with a fixed seed): 8 advisor bases among the
Sarthe permanence communes (spread out by farthest-point sampling), 60 candidate stops
among the town halls and libraries (published opening hours) that are at least
``fixed_site_exclusion_min`` from every permanence and within 25 min of a base; 60 %
weekly, 25 % fortnightly, 15 % monthly visits; 6 half-days a week per advisor; product
defaults otherwise (2 h sessions, 60 min of driving per circuit, straight line × 1.3 at
60 km/h). The cycle has 4 weeks.

1. The product's planner (:func:`equity.mobile.plan_circuits`, week routing by PyVRP),
   timed end to end (``solve_s``, target < 10 s).
2. The same planner with the week's routing model solved by OR-Tools' routing library
   instead (same nodes, time windows, disjunctions for the optional stops and their
   alternative windows, driving and sessions-per-half-day dimensions; cheapest-arc first
   solution then guided local search), at two time limits per solve.
3. Kilometres of the circuits against today's one-stop-per-half-day planner for the
   same served stops: every visit an out-and-back trip from the nearest base
   (``km_ratio`` = circuits / trips).

Run: ``python benchmarks/mobile.py``. The last line printed is ``key=value`` pairs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: E402

from equity.diagnostics import diagnose  # noqa: E402
from equity.mobile import Advisor, MobileSettings, host_candidates, plan_circuits  # noqa: E402
from equity.mobile import scheduling as mobile_scheduling  # noqa: E402
from equity.mobile.settings import HALF_DAYS  # noqa: E402
from equity.mobile.vrp import DAY_MIN  # noqa: E402
from geo import defaults  # noqa: E402
from geo.opening_hours import WEEKDAYS_FR  # noqa: E402
from geo.territory import load_territory  # noqa: E402
from geo.travel_time import straight_line_matrix  # noqa: E402

SEED = 72
N_ADVISORS, N_STOPS, HALF_DAYS_PER_WEEK, REACH_MIN = 8, 60, 6, 25.0
FREQUENCIES = {"weekly": 0.60, "fortnightly": 0.25, "monthly": 0.15}
ORTOOLS_LIMITS_S = (1, 3)


def instance() -> tuple[pd.DataFrame, list[Advisor], pd.DataFrame, pd.DataFrame]:
    """Stops, advisors, drive minutes and km over bases and stops."""
    rng = np.random.default_rng(SEED)
    territory = load_territory()
    sites = diagnose(territory).offer.sites.drop_duplicates("code_insee")
    points = sites.geometry.to_numpy()
    chosen = [int(rng.integers(len(sites)))]
    while len(chosen) < N_ADVISORS:  # farthest-point sampling spreads the bases
        dist = np.min([[p.distance(points[c]) for c in chosen] for p in points], axis=1)
        chosen.append(int(np.argmax(dist)))
    bases = sites.iloc[chosen]
    hosts = host_candidates(territory)
    hosts = hosts[hosts["kind"].isin(["mairie", "bibliotheque"]) & (hosts["hours"] != "")]
    geometry = territory.sites.set_index("site_id").geometry
    to_fixed = straight_line_matrix(geometry.loc[hosts.index], sites.geometry)
    to_base = straight_line_matrix(geometry.loc[hosts.index], bases.geometry)
    keep = (to_fixed.min(axis=1) >= defaults.MOBILE_FIXED_SITE_EXCLUSION_MIN) & (
        to_base.min(axis=1) <= REACH_MIN
    )
    picked = rng.choice(np.flatnonzero(keep.to_numpy()), size=N_STOPS, replace=False)
    stops = hosts.iloc[np.sort(picked)].copy()
    stops["frequency"] = rng.choice(list(FREQUENCIES), size=N_STOPS, p=list(FREQUENCIES.values()))
    stops["gain_need"] = rng.uniform(50, 500, size=N_STOPS).round()
    places = pd.concat([bases.set_index("site_id").geometry, geometry.loc[stops.index]]).set_crs(
        geometry.crs, allow_override=True
    )
    drive_min = straight_line_matrix(places, places)
    drive_km = drive_min * defaults.SPEED_KMH / 60.0
    advisors = [
        Advisor(f"a{i}", f"Conseiller {name}", site_id, HALF_DAYS_PER_WEEK)
        for i, (site_id, name) in enumerate(zip(bases["site_id"], bases["name"], strict=True))
    ]
    return stops, advisors, drive_min, drive_km


def _ortools_nodes(router, units, windows, vehicles) -> tuple[list, list, list]:
    """Nodes (bases, then one per unit window), their disjunctions, vehicle starts."""
    bases = list(dict.fromkeys(router.advisors[v.advisor].base_id for v in vehicles))
    nodes = [(b, None) for b in bases]  # (place, copy window)
    disjunctions = []
    for unit in units:
        first = len(nodes)
        nodes += [(unit.unit_id, (day, iv)) for day, iv in windows.get(unit.unit_id, [])]
        if len(nodes) > first:
            disjunctions.append((unit, list(range(first, len(nodes)))))
    starts = [bases.index(router.advisors[v.advisor].base_id) for v in vehicles]
    return nodes, disjunctions, starts


def _ortools_windows(router, routing, manager, nodes, vehicles) -> None:
    """Time windows of the unit windows and of the vehicles (seconds on the week axis)."""
    s, time_dim = router.settings, routing.GetDimensionOrDie("time")
    for n, (_, window) in enumerate(nodes):
        if window is not None:
            day, (lo, hi, _) = window
            offset = WEEKDAYS_FR.index(day) * DAY_MIN
            early = int(np.ceil((offset + lo) * 60))
            late = int(np.floor((offset + hi - s.session_min) * 60))
            time_dim.CumulVar(manager.NodeToIndex(n)).SetRange(early, late)
    for k, v in enumerate(vehicles):
        offset = WEEKDAYS_FR.index(v.day) * DAY_MIN
        w0, w1 = router.clock.window(v.mode)
        for index in (routing.Start(k), routing.End(k)):
            time_dim.CumulVar(index).SetRange(
                int(np.ceil((offset + w0) * 60)), int(np.floor((offset + w1) * 60))
            )


def _ortools_routes(routing, manager, solution, nodes, vehicles) -> dict:
    assignment = {}
    for k, v in enumerate(vehicles):
        index, visits = solution.Value(routing.NextVar(routing.Start(k))), []
        while not routing.IsEnd(index):
            visits.append(nodes[manager.IndexToNode(index)][0])
            index = solution.Value(routing.NextVar(index))
        if visits:
            assignment[v] = visits
    return assignment


def ortools_solve_week(limit_s: int):
    """The week's routing model of :func:`equity.mobile.vrp.solve_week`, by OR-Tools."""

    def solve_week(router, units, windows, vehicles):
        s = router.settings
        nodes, disjunctions, starts = _ortools_nodes(router, units, windows, vehicles)
        if not vehicles or not disjunctions:
            return {}
        n_bases = len(set(starts))
        manager = pywrapcp.RoutingIndexManager(len(nodes), len(vehicles), starts, starts)
        routing = pywrapcp.RoutingModel(manager)
        session = round(s.session_min * 60)
        drive = np.array([[router.leg(a, b)[0] for b, _ in nodes] for a, _ in nodes])
        drive = np.where(np.isfinite(drive), np.ceil(drive * 60), 10**7).astype(int)

        def node(index):
            return manager.IndexToNode(index)

        drive_cb = routing.RegisterTransitCallback(lambda i, j: int(drive[node(i), node(j)]))
        time_cb = routing.RegisterTransitCallback(
            lambda i, j: int(drive[node(i), node(j)]) + (session if node(i) >= n_bases else 0)
        )
        routing.SetArcCostEvaluatorOfAllVehicles(drive_cb)
        horizon = 7 * DAY_MIN * 60
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        routing.AddDimension(drive_cb, 0, int(s.max_drive_min * 60), True, "drive")
        for h, half in enumerate(HALF_DAYS):
            demand = [int(w is not None and w[1][2] == half) for _, w in nodes]
            cb = routing.RegisterUnaryTransitCallback(lambda i, d=demand: d[node(i)])
            routing.AddDimension(cb, 0, s.max_stops_per_half_day, True, f"load{h}")
        _ortools_windows(router, routing, manager, nodes, vehicles)
        top = max(u.gain_need for u in units) or 1.0
        base_prize = 10 * int(s.max_drive_min * 60) + 100
        for unit, members in disjunctions:
            prize = base_prize + round(base_prize * max(unit.gain_need, 0.0) / top)
            routing.AddDisjunction([manager.NodeToIndex(n) for n in members], prize, 1)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.seconds = limit_s
        solution = routing.SolveWithParameters(params)
        if solution is None:
            return {}
        return _ortools_routes(routing, manager, solution, nodes, vehicles)

    return solve_week


def run(stops, advisors, drive_min, drive_km, settings) -> dict[str, float]:
    """Plan once; seconds, served stops and sessions, circuit km and drive per cycle."""
    t0 = time.perf_counter()
    schedule, unschedulable = plan_circuits(stops, advisors, drive_min, drive_km, settings)
    seconds = time.perf_counter() - t0
    circuits = schedule.drop_duplicates("circuit_id")
    served = pd.Index(schedule["stop_id"].unique())
    return {
        "s": seconds,
        "gain": float(stops.loc[served, "gain_need"].sum()),
        "served": schedule["stop_id"].nunique(),
        "refused": len(unschedulable),
        "sessions": len(schedule),
        "circuits": len(circuits),
        "km": float(circuits["circuit_km"].sum()),
        "drive_min": float(circuits["circuit_drive_min"].sum()),
        "schedule": schedule,
    }


def trip_km(schedule: pd.DataFrame, advisors: list[Advisor], drive_km: pd.DataFrame) -> float:
    """Kilometres if every visit were an out-and-back trip from the nearest base."""
    bases = [a.base_id for a in advisors]
    round_trip = drive_km.loc[bases] + drive_km[bases].T.to_numpy()
    nearest = round_trip.min(axis=0)
    return float(nearest.reindex(schedule["stop_id"]).sum())


def main() -> None:
    stops, advisors, drive_min, drive_km = instance()
    settings = MobileSettings()
    print(
        f"Instance : {len(stops)} arrêts candidats ({stops['frequency'].value_counts().to_dict()}),"
        f" {len(advisors)} conseillers × {HALF_DAYS_PER_WEEK} demi-journées, "
        f"{settings.weeks_in_cycle} semaines"
    )
    results = {"pyvrp": run(stops, advisors, drive_min, drive_km, settings)}
    longer = MobileSettings(vrp_no_improvement=5 * settings.vrp_no_improvement)
    results["pyvrp_x5"] = run(stops, advisors, drive_min, drive_km, longer)
    for limit in ORTOOLS_LIMITS_S:
        with mock.patch.object(mobile_scheduling, "solve_week", ortools_solve_week(limit)):
            results[f"ortools_{limit}s"] = run(stops, advisors, drive_min, drive_km, settings)
    for name, r in results.items():
        print(
            f"{name:>12}: {r['s']:6.2f} s, {r['served']} arrêts programmés (besoin "
            f"{r['gain']:.0f}), {r['refused']} "
            f"refusés, {r['sessions']} séances et {r['circuits']} tournées sur le cycle, "
            f"{r['km']:.0f} km, {r['drive_min']:.0f} min de conduite"
        )
    best = results["pyvrp"]
    trips = trip_km(best["schedule"], advisors, drive_km)
    ratio = best["km"] / trips
    print(
        f"Mêmes arrêts servis en allers-retours (une séance par demi-journée) : {trips:.0f} km"
        f" ; tournées / allers-retours = {ratio:.3f}"
    )
    ortools = results[f"ortools_{ORTOOLS_LIMITS_S[-1]}s"]
    print(
        f"solve_s={best['s']:.2f} served={best['served']} refused={best['refused']} "
        f"km_cycle={best['km']:.1f} trip_km_cycle={trips:.1f} km_ratio={ratio:.3f} "
        f"gain={best['gain']:.0f} ortools_s={ortools['s']:.2f} "
        f"ortools_served={ortools['served']} ortools_gain={ortools['gain']:.0f} "
        f"ortools_km_cycle={ortools['km']:.1f} target_s=10"
    )


if __name__ == "__main__":
    main()
