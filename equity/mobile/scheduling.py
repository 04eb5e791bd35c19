"""The 4-week planner: which advisor visits which stop, on which day, in which weeks.

Every stop gets one regular slot (advisor, weekday, session time) kept for all its
visits: a weekly stop is visited every week, a fortnightly one every other week, a
monthly one once per 4 weeks. Fortnightly and monthly stops within ``bundle_max_min`` of
each other share one slot in alternate weeks (a *group*). The week's circuits are then
one vehicle-routing problem (:mod:`equity.mobile.vrp`): one possible circuit per advisor
and weekday, from the advisor's base and back, inside the working day with its lunch
break, under the driving limit and the opening hours. Each circuit's visiting order is
then made exact by enumeration when it has at most :data:`EXACT_ORDER_MAX` stops, and
timed so that it takes as few half-days as possible.

An advisor's half-days per week are a budget the routing model cannot state; when a
solution spends more, the advisor's costliest circuits are narrowed to one half-day or
dropped, the advisor keeps only the circuits it used, and the week is solved again
(a few rounds at most; then the cheapest stops of any advisor still over budget are
left out). Each week of the cycle drives the regular circuit through the stops due that
week, at the same session times. Every stop is scheduled or reported with a French
reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from equity.mobile._clock import EPS, duration_fr, hhmm
from equity.mobile.routing import Circuit, Router, StopRecord, read_stops
from equity.mobile.settings import HALF_DAYS, HOURS_UNKNOWN_FR, Advisor, MobileSettings
from equity.mobile.vrp import Unit, Vehicle, copies, solve_week
from geo.opening_hours import WEEKDAYS_FR, format_fr

__all__ = [
    "EXACT_ORDER_MAX",
    "SCHEDULE_COLUMNS_FR",
    "UNSCHEDULABLE_COLUMNS",
    "check_advisors",
    "plan_circuits",
    "schedulable_alone",
]

#: Circuits with at most this many stops get their visiting order by enumeration.
EXACT_ORDER_MAX = 5
#: Rounds of the half-day budget repair before stops are left out.
_BUDGET_ROUNDS = 4

#: Schedule columns and their French headers in the planning CSV.
SCHEDULE_COLUMNS_FR: dict[str, str] = {
    "advisor_id": "Identifiant du conseiller",
    "advisor_name": "Conseiller",
    "base_id": "Base",
    "week": "Semaine",
    "day": "Jour",
    "half_day": "Demi-journée",
    "circuit_id": "Tournée",
    "departure": "Départ de la base",
    "order": "Ordre",
    "stop_id": "Identifiant du lieu",
    "stop_name": "Lieu",
    "kind": "Type",
    "frequency": "Fréquence",
    "arrival": "Arrivée",
    "session_start": "Début de séance",
    "session_end": "Fin de séance",
    "leg_drive_min": "Trajet (min)",
    "leg_km": "Trajet (km)",
    "return_drive_min": "Retour (min)",
    "return_km": "Retour (km)",
    "return_time": "Retour à la base",
    "circuit_drive_min": "Conduite de la tournée (min)",
    "circuit_km": "Distance de la tournée (km)",
    "hours_note": "Remarque",
}
UNSCHEDULABLE_COLUMNS: tuple[str, ...] = ("stop_id", "stop_name", "kind", "frequency", "reason")


def _alone(router: Router, k: int, place: Hashable, day: str, members=()) -> Circuit | None:
    """The circuit visiting one place alone on ``day``, or ``None``."""
    intervals = router.intervals(place, day, members)
    base = router.advisors[k].base_id
    timed = [router.time_circuit(base, [(place, intervals)], mode) for mode in _MODES]
    timed = [c for c in timed if c is not None]
    return min(timed, key=lambda c: (len(c.half_days(router.clock)), c.return_time), default=None)


_MODES = ("matin", "après-midi", "journée")


def _stop_options(router: Router, stop: StopRecord) -> tuple[dict[int, list[str]], str]:
    """Days where the stop fits alone, per advisor index, or the French reason why none."""
    s = router.settings
    trips = [router.round_trip_min(adv, stop.stop_id) for adv in router.advisors]
    if not any(math.isfinite(t) for t in trips):
        return {}, "aucun temps de trajet connu depuis les bases des conseillers"
    if min(trips) > s.max_drive_min + EPS:
        return {}, (
            f"trajet aller-retour de {min(trips):.0f} min depuis la base, au-delà de la "
            f"limite de {s.max_drive_min:.0f} min"
        )
    options = {}
    for k, adv in enumerate(router.advisors):
        if trips[k] > s.max_drive_min + EPS:
            continue
        days = [
            day
            for day in s.days
            if day in adv.available_days and _alone(router, k, stop.stop_id, day) is not None
        ]
        if days:
            options[k] = days
    if options:
        return options, ""
    reason = f"aucun créneau d'ouverture compatible avec une séance de {duration_fr(s.session_min)}"
    if stop.market_day is not None:
        detail = f"marché le {stop.market_day} matin"
    elif stop.hours:
        detail = f"ouvert : {format_fr(stop.hours) or 'jamais'}"
    else:
        detail = "trajet et séance ne tiennent pas dans la journée"
    return {}, f"{reason} ({detail})"


def check_advisors(advisors: Sequence[Advisor]) -> None:
    """Raise ``ValueError`` when there is no advisor or two share an id."""
    if not advisors:
        raise ValueError("aucun conseiller pour les séances mobiles.")
    ids = [a.advisor_id for a in advisors]
    if len(set(ids)) != len(ids):
        raise ValueError("identifiants de conseillers en double.")


def _all_options(
    router: Router, records: list[StopRecord], problems: dict[Hashable, str]
) -> tuple[dict[Hashable, dict[int, list[str]]], dict[Hashable, str]]:
    """Days fitting each stop alone, and the French reason of the stops none fits."""
    reasons: dict[Hashable, str] = {}
    options: dict[Hashable, dict[int, list[str]]] = {}
    for st in records:
        reason = problems.get(st.stop_id) or ""
        if not reason:
            options[st.stop_id], reason = _stop_options(router, st)
        if reason:
            reasons[st.stop_id] = reason
    return options, reasons


def schedulable_alone(
    stops: pd.DataFrame,
    advisors: Sequence[Advisor],
    drive_min: pd.DataFrame,
    settings: MobileSettings,
) -> pd.Series:
    """Why each stop could not be scheduled even with every day free.

    Parameters
    ----------
    stops, advisors, drive_min, settings
        As in :func:`plan_circuits`.

    Returns
    -------
    pandas.Series of str
        Indexed like ``stops``: ``""`` when some advisor's day can host the stop, else
        the French reason (drive limit, opening hours, market day, data problem).
    """
    check_advisors(advisors)
    records, problems = read_stops(stops, settings)
    router = Router(records, advisors, drive_min, None, settings)
    _, reasons = _all_options(router, records, problems)
    return pd.Series([reasons.get(st.stop_id, "") for st in records], index=stops.index)


# --------------------------------------------------------------------------- groups


def _phases(periods: Sequence[int], cycle: int = 4) -> list[int] | None:
    """Week phases giving every stop of a group its own weeks, ``None`` if impossible."""
    busy = np.zeros(cycle, dtype=bool)
    phases = [0] * len(periods)
    for i in sorted(range(len(periods)), key=lambda i: periods[i]):
        p = periods[i]
        free = [f for f in range(p) if not busy[f::p].any()]
        if not free:
            return None
        phases[i] = free[0]
        busy[free[0] :: p] = True
    return phases


def _group_fits(router: Router, members: list[Hashable], options: dict) -> bool:
    """Whether a candidate group can be visited alone by some advisor on some day."""
    common = set.intersection(*(set(options[m]) for m in members))
    if not common or _phases([router.stops[m].period_weeks for m in members]) is None:
        return False
    gid = ("groupe", *members)
    router.add_group(gid, members)
    return any(
        _alone(router, k, gid, day, members) is not None
        for k in common
        for day in set.intersection(*(set(options[m][k]) for m in members))
    )


def _units(
    router: Router, records: list[StopRecord], options: dict[Hashable, dict[int, list[str]]]
) -> tuple[list[Unit], dict[Hashable, int]]:
    """Routing units (stops and groups) and the week phase of every stop."""
    s = router.settings
    todo = sorted(
        (st for st in records if st.stop_id in options and st.period_weeks > 1),
        key=lambda st: (st.period_weeks, -st.gain_need, str(st.stop_id)),
    )
    grouped: set[Hashable] = set()
    units, phase = [], {}
    for st in todo:
        if st.stop_id in grouped:
            continue
        members = [st.stop_id]
        # Stops of the same frequency first: two fortnightly stops fill a slot exactly.
        for other in sorted(
            todo,
            key=lambda o: (o.period_weeks != st.period_weeks, router.leg(st.stop_id, o.stop_id)[0]),
        ):
            near = all(
                max(router.leg(m, other.stop_id)[0], router.leg(other.stop_id, m)[0])
                <= s.bundle_max_min + EPS
                for m in members
            )
            load = sum(1 / router.stops[m].period_weeks for m in members)
            if (
                other.stop_id not in grouped
                and other.stop_id not in members
                and near
                and load + 1 / other.period_weeks <= 1 + EPS
                and _group_fits(router, [*members, other.stop_id], options)
            ):
                members.append(other.stop_id)
        if len(members) > 1:
            grouped.update(members)
            gid = ("groupe", *members)
            units.append(Unit(gid, tuple(members), sum(router.stops[m].gain_need for m in members)))
            periods = [router.stops[m].period_weeks for m in members]
            phase.update(zip(members, _phases(periods), strict=True))
    units += [
        Unit(st.stop_id, (st.stop_id,), st.gain_need)
        for st in records
        if st.stop_id in options and st.stop_id not in grouped
    ]
    return units, phase


# --------------------------------------------------------------------------- circuits


def _visits(router: Router, units: dict[Hashable, Unit], ids: Sequence, day: str) -> list:
    return [
        (u, router.intervals(u, day, units[u].members if len(units[u].members) > 1 else ()))
        for u in ids
    ]


def _best_timing(
    router: Router, units: dict[Hashable, Unit], vehicle: Vehicle, ids: Sequence[Hashable]
) -> Circuit | None:
    """Fewest half-days, then least driving, then earliest return: over the orders
    (all of them up to :data:`EXACT_ORDER_MAX` stops) and the window modes allowed."""
    base = router.advisors[vehicle.advisor].base_id
    orders = itertools.permutations(ids) if len(ids) <= EXACT_ORDER_MAX else [tuple(ids)]
    modes = _MODES if vehicle.mode == "journée" else (vehicle.mode,)
    best, best_key = None, None
    for order in orders:
        visits = _visits(router, units, order, vehicle.day)
        for mode in modes:
            timed = router.time_circuit(base, visits, mode)
            if timed is None:
                continue
            key = (
                len(timed.half_days(router.clock)),
                round(timed.drive_min, 6),
                round(timed.return_time, 6),
                [str(i) for i in order],
            )
            if best_key is None or key < best_key:
                best, best_key = timed, key
    return best


class _Week:
    """The routing units, their session windows and the possible circuits of a week."""

    def __init__(self, router: Router, units: list[Unit], options: dict) -> None:
        self.router = router
        self.units = {u.unit_id: u for u in units}
        self.budget = [a.half_days_per_week for a in router.advisors]
        self.windows = {}
        unit_days: set[tuple[int, str]] = set()
        for u in units:
            first = options[u.members[0]]
            ks = set.intersection(*(set(options[m]) for m in u.members))
            days = sorted(
                {d for k in ks for d in first[k] if all(d in options[m][k] for m in u.members)},
                key=WEEKDAYS_FR.index,
            )
            self.windows[u.unit_id] = copies(router, u, days)
            unit_days |= {(k, d) for k in ks for d in days}
        self.vehicles = [
            Vehicle(k, day)
            for k in range(len(router.advisors))
            for day in router.settings.days
            if (k, day) in unit_days
        ]

    def solve(self, vehicles: list[Vehicle]) -> dict[Vehicle, Circuit]:
        """Timed circuits of the best routing solution with these vehicles."""
        assignment = solve_week(self.router, list(self.units.values()), self.windows, vehicles)
        timed = {v: _best_timing(self.router, self.units, v, ids) for v, ids in assignment.items()}
        return {v: c for v, c in timed.items() if c is not None}

    def spent(self, circuits: dict[Vehicle, Circuit]) -> list[int]:
        """Half-days each advisor spends in these circuits."""
        spent = [0] * len(self.budget)
        for v, c in circuits.items():
            spent[v.advisor] += len(c.half_days(self.router.clock))
        return spent

    def value(self, circuit: Circuit) -> tuple[float, int]:
        return (sum(self.units[u].gain_need for u in circuit.order), len(circuit.order))

    def narrowed(self, vehicles: list[Vehicle], circuits: dict[Vehicle, Circuit]) -> list:
        """Vehicles after narrowing the advisors over budget (see the module docstring)."""
        spent, clock = self.spent(circuits), self.router.clock
        over = {k for k, (a, b) in enumerate(zip(spent, self.budget, strict=True)) if a > b}
        kept = [v for v in vehicles if v.advisor not in over]
        for k in over:
            excess = spent[k] - self.budget[k]
            mine = sorted(
                ((v, c) for v, c in circuits.items() if v.advisor == k),
                key=lambda vc: (self.value(vc[1]), WEEKDAYS_FR.index(vc[0].day)),
            )
            for v, c in mine:
                halves = c.half_days(clock)
                if excess <= 0:
                    mode = halves[0] if len(halves) == 1 else "journée"
                    kept.append(Vehicle(k, v.day, mode))
                elif len(halves) == 2 and excess == 1:
                    pm = sum(h == HALF_DAYS[1] for h in c.halves)
                    kept.append(Vehicle(k, v.day, HALF_DAYS[int(2 * pm > len(c.halves))]))
                    excess -= 1
                else:
                    excess -= len(halves)
        return kept

    def trimmed(self, circuits: dict[Vehicle, Circuit]) -> dict[Vehicle, Circuit]:
        """Drop the least valuable circuits of advisors still over budget."""
        spent, clock = self.spent(circuits), self.router.clock
        for v, c in sorted(circuits.items(), key=lambda vc: self.value(vc[1])):
            k = v.advisor
            if spent[k] > self.budget[k]:
                spent[k] -= len(c.half_days(clock))
                del circuits[v]
        return circuits

    def circuits(self) -> dict[Vehicle, Circuit]:
        """The week's circuits within every advisor's half-day budget."""
        vehicles = list(self.vehicles)
        circuits = self.solve(vehicles)
        for _ in range(_BUDGET_ROUNDS):
            spent = self.spent(circuits)
            if all(a <= b for a, b in zip(spent, self.budget, strict=True)):
                return circuits
            vehicles = self.narrowed(vehicles, circuits)
            circuits = self.solve(vehicles)
        return self.trimmed(circuits)


# --------------------------------------------------------------------------- the cycle


def _weekly_circuits(
    router: Router, week: _Week, circuits: dict[Vehicle, Circuit], phase: dict[Hashable, int]
) -> list[tuple[Vehicle, int, Circuit]]:
    """Each regular circuit driven in each week through the stops due that week."""
    s, clock = router.settings, router.clock
    counter: dict[tuple[int, int], int] = {}
    for v, c in sorted(
        circuits.items(), key=lambda vc: (vc[0].advisor, WEEKDAYS_FR.index(vc[0].day))
    ):
        for u in c.order:
            st = router.stops[week.units[u].members[0]]
            if len(week.units[u].members) == 1 and st.period_weeks > 1:
                key = (v.advisor, st.period_weeks)
                phase[st.stop_id] = counter.get(key, 0) % st.period_weeks
                counter[key] = counter.get(key, 0) + 1
    out = []
    for v, c in circuits.items():
        for w in range(s.weeks_in_cycle):
            due = [
                (m, clock.axis(start), half)
                for u, start, half in zip(c.order, c.starts, c.halves, strict=True)
                for m in week.units[u].members
                if w % router.stops[m].period_weeks == phase.get(m, 0)
            ]
            if not due:
                continue
            places = [c.base_id, *(m for m, _, _ in due), c.base_id]
            legs = [router.leg(a, b) for a, b in itertools.pairwise(places)]
            timed = router.circuit(
                c.base_id,
                [(m, []) for m, _, _ in due],
                [t for _, t, _ in due],
                [h for _, _, h in due],
                [m for m, _ in legs],
                [k for _, k in legs],
            )
            out.append((v, w, timed))
    return out


def _session_rows(router: Router, v: Vehicle, week: int, c: Circuit) -> list[dict]:
    """Schedule rows of one circuit, in visiting order."""
    s = router.settings
    advisor = router.advisors[v.advisor]
    circuit_id = f"{advisor.advisor_id}-s{week + 1}-{v.day}"
    rows = []
    for i, stop_id in enumerate(c.order):
        st = router.stops[stop_id]
        last = i == len(c.order) - 1
        rows.append(
            {
                "advisor_id": advisor.advisor_id,
                "advisor_name": advisor.name,
                "base_id": advisor.base_id,
                "week": week + 1,
                "day": v.day,
                "half_day": c.halves[i],
                "circuit_id": circuit_id,
                "departure": hhmm(c.departure),
                "order": i + 1,
                "stop_id": stop_id,
                "stop_name": st.name,
                "kind": st.kind,
                "frequency": st.frequency,
                "arrival": hhmm(c.arrivals[i]),
                "session_start": hhmm(c.starts[i]),
                "session_end": hhmm(c.starts[i] + s.session_min),
                "leg_drive_min": c.leg_min[i],
                "leg_km": c.leg_km[i],
                "return_drive_min": c.leg_min[-1] if last else np.nan,
                "return_km": c.leg_km[-1] if last else np.nan,
                "return_time": hhmm(c.return_time),
                "circuit_drive_min": c.drive_min,
                "circuit_km": c.km,
                "hours_note": HOURS_UNKNOWN_FR if not st.hours and st.market_day is None else "",
                "_advisor": v.advisor,
                "_day": WEEKDAYS_FR.index(v.day),
            }
        )
    return rows


def _schedule_table(router: Router, weekly: list[tuple[Vehicle, int, Circuit]]) -> pd.DataFrame:
    """One row per session, sorted by advisor, week, day and order."""
    rows = [row for v, w, c in weekly for row in _session_rows(router, v, w, c)]
    helpers = ["_advisor", "_day"]
    schedule = pd.DataFrame(rows, columns=[*SCHEDULE_COLUMNS_FR, *helpers])
    schedule = schedule.sort_values(["_advisor", "week", "_day", "order"])
    return schedule.drop(columns=helpers).reset_index(drop=True)


def _unschedulable_table(records: list[StopRecord], reasons: dict[Hashable, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "stop_id": st.stop_id,
                "stop_name": st.name,
                "kind": st.kind,
                "frequency": st.frequency,
                "reason": reasons[st.stop_id],
            }
            for st in records
            if st.stop_id in reasons
        ],
        columns=list(UNSCHEDULABLE_COLUMNS),
    )


def plan_circuits(
    stops: pd.DataFrame,
    advisors: Sequence[Advisor],
    drive_min: pd.DataFrame,
    drive_km: pd.DataFrame | None,
    settings: MobileSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign stops to advisors' circuits over the cycle and time every circuit.

    Parameters
    ----------
    stops : pandas.DataFrame
        Index = stop (place) id. Columns: ``name``, ``kind`` (``"mairie"``,
        ``"bibliotheque"``, ``"france_services"``, ``"marche"``, …), ``hours`` (dict or
        JSON of :mod:`geo.opening_hours`; empty/missing = unknown), ``market_day`` (French
        weekday or empty), optional ``frequency`` (``"weekly"``, ``"fortnightly"``,
        ``"monthly"``) and ``gain_need`` (priority when the half-days run out).
    advisors : sequence of Advisor
    drive_min : pandas.DataFrame
        Square driving-minute matrix over bases and stops (row → column).
    drive_km : pandas.DataFrame or None
        Same in kilometres; missing entries derive from minutes at ``avg_speed_kmh``.
    settings : MobileSettings

    Returns
    -------
    schedule : pandas.DataFrame
        One row per session, sorted by advisor, week, day and order: see
        :data:`SCHEDULE_COLUMNS_FR` for the columns. ``leg_*`` is the drive from the
        previous place (base or stop); ``return_*`` is filled on the last session of the
        circuit only; ``circuit_*`` are the circuit's totals.
    unschedulable : pandas.DataFrame
        ``stop_id``, ``stop_name``, ``kind``, ``frequency``, ``reason`` (French).

    Raises
    ------
    ValueError
        No advisor, duplicate advisor ids, or a base missing from ``drive_min``.
    """
    check_advisors(advisors)
    records, problems = read_stops(stops, settings)
    router = Router(records, advisors, drive_min, drive_km, settings)
    options, reasons = _all_options(router, records, problems)
    units, phase = _units(router, records, options)
    week = _Week(router, units, options)
    circuits = week.circuits()
    served = {m for c in circuits.values() for u in c.order for m in week.units[u].members}
    for st in records:
        if st.stop_id not in reasons and st.stop_id not in served:
            reachable = sorted({advisors[k].name for k in options[st.stop_id]})
            reasons[st.stop_id] = (
                f"plus de demi-journée disponible (conseillers à portée : {', '.join(reachable)})"
            )
    weekly = _weekly_circuits(router, week, circuits, phase)
    return _schedule_table(router, weekly), _unschedulable_table(records, reasons)
