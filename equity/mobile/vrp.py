"""The week's circuits as a vehicle-routing problem, solved by PyVRP.

One *vehicle* per advisor and weekday (a day out from the advisor's base, inside the
working day: :class:`~equity.mobile.routing.DayClock` axis, lunch break skipped). One
optional *client* per stop (or group of stops sharing a slot in alternate weeks) and
opening interval of each weekday; the copies of one stop form a mutually exclusive
client group (at most one visit a week). Constraints: time windows of the copies and of
the vehicles, session length as service time, driving limit of a circuit as maximum
distance (distance = driving seconds), sessions per half-day as two load dimensions.
Objective: the prizes of the stops left out (every stop is worth more than any
circuit's driving, the largest need gains more) plus the driving seconds. A
tie-break of one second per weekday and half-day prefers early slots.

PyVRP was measured against OR-Tools on this model (``benchmarks/mobile.py``) and kept;
see the benchmark's output for the figures.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import pyvrp
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from equity.mobile.routing import Router
from equity.mobile.settings import HALF_DAYS
from geo.opening_hours import WEEKDAYS_FR

__all__ = ["DAY_MIN", "Unit", "Vehicle", "copies", "solve_week"]

#: Minutes between two weekdays on the model's time axis.
DAY_MIN = 24 * 60


@dataclass(frozen=True)
class Unit:
    """A stop, or stops sharing one weekly slot in alternate weeks (``members``)."""

    unit_id: Hashable
    members: tuple[Hashable, ...]
    gain_need: float


@dataclass(frozen=True)
class Vehicle:
    """One possible circuit: advisor position, weekday and window mode."""

    advisor: int
    day: str
    mode: str = "journée"


def copies(router: Router, unit: Unit, days: Sequence[str]) -> list[tuple[str, tuple]]:
    """Session windows ``(day, (lo, hi, half))`` of a unit on the given days."""
    members = unit.members if len(unit.members) > 1 else ()
    return [
        (day, interval)
        for day in days
        for interval in router.intervals(unit.unit_id, day, members)
        if interval[1] - interval[0] >= router.settings.session_min - 1e-9
    ]


def _seconds(minutes: float, up: bool) -> int:
    return int(math.ceil(minutes * 60 - 1e-6) if up else math.floor(minutes * 60 + 1e-6))


class _Builder:
    """PyVRP model of one week: locations, depots, clients, edges, vehicle types."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.model = pyvrp.Model()
        self.locations: dict[Hashable, pyvrp.Location] = {}
        self.depots: dict[Hashable, pyvrp.Depot] = {}
        self.client_unit: list[Hashable] = []

    def location(self, place: Hashable) -> pyvrp.Location:
        if place not in self.locations:
            self.locations[place] = self.model.add_location(x=0, y=0, name=str(place))
        return self.locations[place]

    def depot(self, base: Hashable) -> pyvrp.Depot:
        if base not in self.depots:
            self.depots[base] = self.model.add_depot(self.location(base), name=str(base))
        return self.depots[base]

    def clients(self, unit: Unit, windows: list[tuple[str, tuple]], prize: int) -> None:
        s = self.router.settings
        group = self.model.add_client_group(required=False) if len(windows) > 1 else None
        for day, (lo, hi, half) in windows:
            offset = WEEKDAYS_FR.index(day) * DAY_MIN
            morning = half == HALF_DAYS[0]
            self.model.add_client(
                self.location(unit.unit_id),
                delivery=[1, 0] if morning else [0, 1],
                service_duration=_seconds(s.session_min, up=True),
                tw_early=_seconds(offset + lo, up=True),
                tw_late=_seconds(offset + hi - s.session_min, up=False),
                prize=prize - 2 * WEEKDAYS_FR.index(day) - (not morning),
                required=False,
                group=group,
                name=str(unit.unit_id),
            )
            self.client_unit.append(unit.unit_id)

    def edges(self) -> None:
        places = list(self.locations)
        for a in places:
            for b in places:
                minutes = self.router.leg(a, b)[0]
                if a != b and math.isfinite(minutes):
                    seconds = _seconds(minutes, up=True)
                    self.model.add_edge(self.locations[a], self.locations[b], seconds, seconds)

    def vehicle(self, vehicle: Vehicle) -> None:
        s, clock = self.router.settings, self.router.clock
        base = self.router.advisors[vehicle.advisor].base_id
        offset = WEEKDAYS_FR.index(vehicle.day) * DAY_MIN
        w0, w1 = clock.window(vehicle.mode)
        depot = self.depot(base)
        self.model.add_vehicle_type(
            num_available=1,
            capacity=[s.max_stops_per_half_day] * 2,
            start_depot=depot,
            end_depot=depot,
            tw_early=_seconds(offset + w0, up=True),
            tw_late=_seconds(offset + w1, up=False),
            max_distance=_seconds(s.max_drive_min, up=False),
            name=f"{vehicle.advisor}-{vehicle.day}-{vehicle.mode}",
        )


def solve_week(
    router: Router,
    units: Sequence[Unit],
    windows: Mapping[Hashable, list[tuple[str, tuple]]],
    vehicles: Sequence[Vehicle],
) -> dict[Vehicle, list[Hashable]]:
    """Best circuits of one week: the units of every used vehicle, in visiting order.

    Parameters
    ----------
    router : Router
        Travel data (units registered as places) and settings.
    units : sequence of Unit
    windows : mapping
        Unit id → its session windows (:func:`copies`).
    vehicles : sequence of Vehicle
        The circuits the advisors may drive.

    Returns
    -------
    dict
        Used vehicle → unit ids in visiting order. Routes the search left infeasible
        are dropped (their units are then unserved).
    """
    s = router.settings
    if not vehicles or not any(windows.get(u.unit_id) for u in units):
        return {}
    builder = _Builder(router)
    for vehicle in vehicles:
        builder.depot(router.advisors[vehicle.advisor].base_id)
    top = max((u.gain_need for u in units), default=0.0) or 1.0
    # Any stop outweighs the driving of a whole circuit; larger need gains weigh more.
    base_prize = 10 * _seconds(s.max_drive_min, up=True) + 100
    for unit in units:
        if windows.get(unit.unit_id):
            prize = base_prize + round(base_prize * max(unit.gain_need, 0.0) / top)
            builder.clients(unit, windows[unit.unit_id], prize)
    for vehicle in vehicles:
        builder.vehicle(vehicle)
    builder.edges()
    stop = MultipleCriteria([NoImprovement(s.vrp_no_improvement), MaxRuntime(s.time_limit_s)])
    result = builder.model.solve(stop, seed=s.seed, collect_stats=False, display=False)
    assignment: dict[Vehicle, list[Hashable]] = {}
    for route in result.best.routes():
        if not route.is_feasible():
            continue
        visits = [builder.client_unit[a.idx] for a in route.schedule() if a.is_client()]
        assignment[vehicles[route.vehicle_type()]] = visits
    return assignment
