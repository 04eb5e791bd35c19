"""The 4-week planner: which advisor visits which stop, on which half-day and weeks.

Over a cycle of ``weeks_in_cycle`` weeks, every stop gets one recurring half-day slot
``(advisor, weekday, morning/afternoon)`` and a week phase: a weekly stop is visited every
week, a fortnightly one every other week (weeks 1 and 3, or 2 and 4), a monthly one once
per 4 weeks. A half-day starts and ends at the advisor's base, lies inside the half-day
window (driving included), holds at most ``max_stops_per_half_day`` sessions and drives at
most ``max_drive_min`` in total (routing: :mod:`equity.mobile.routing`); a stop with
unknown hours is flagged « horaires inconnus ».

The assignment is a deterministic greedy: stops are taken most constrained first (fewest
feasible advisor half-days, then most visits, then largest need gain, then a seeded
random rank); each is placed where it adds the least driving per visit, preferring among
placements within ``balance_tolerance_min`` of that minimum the least loaded advisor
(balancing), then joining an existing half-day over opening a new one, then the least
used weeks and weekdays. A stop is placed for all its visits or not at all; a stop that
cannot be placed is reported with a French reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from equity.mobile._clock import EPS, duration_fr, hhmm
from equity.mobile.routing import Router, StopRecord, read_stops
from equity.mobile.settings import (
    FREQUENCY_PERIOD_WEEKS,
    HALF_DAYS,
    HOURS_UNKNOWN_FR,
    Advisor,
    MobileSettings,
)
from geo.opening_hours import WEEKDAYS_FR, format_fr

__all__ = [
    "SCHEDULE_COLUMNS_FR",
    "UNSCHEDULABLE_COLUMNS",
    "check_advisors",
    "plan_circuits",
    "schedulable_alone",
]

#: Schedule columns and their French headers in the planning CSV.
SCHEDULE_COLUMNS_FR: dict[str, str] = {
    "advisor_id": "conseiller_id",
    "advisor_name": "conseiller",
    "base_id": "base",
    "week": "semaine",
    "day": "jour",
    "half_day": "demi_journee",
    "departure": "depart_base",
    "order": "ordre",
    "stop_id": "lieu_id",
    "stop_name": "lieu",
    "kind": "type",
    "frequency": "frequence",
    "arrival": "arrivee",
    "session_start": "debut_seance",
    "session_end": "fin_seance",
    "leg_drive_min": "trajet_min",
    "leg_km": "trajet_km",
    "return_drive_min": "retour_min",
    "return_km": "retour_km",
    "return_time": "retour_base",
    "half_day_drive_min": "total_demi_journee_min",
    "half_day_km": "total_demi_journee_km",
    "hours_note": "remarque",
}
UNSCHEDULABLE_COLUMNS: tuple[str, ...] = ("stop_id", "stop_name", "kind", "frequency", "reason")


def _stop_options(router: Router, stop: StopRecord) -> tuple[dict[int, list], str]:
    """Half-days where the stop fits alone, per advisor index, or the French reason why none."""
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
        fits = [
            (day, half)
            for day in s.days
            if day in adv.available_days
            for half in HALF_DAYS
            if trips[k] <= s.max_drive_min + EPS
            and router.route(adv, [stop.stop_id], day, half) is not None
        ]
        if fits:
            options[k] = fits
    if options:
        return options, ""
    reason = f"aucun créneau d'ouverture compatible avec une séance de {duration_fr(s.session_min)}"
    if stop.market_day is not None:
        detail = f"marché le {stop.market_day} matin"
    elif stop.hours:
        detail = f"ouvert : {format_fr(stop.hours) or 'jamais'}"
    else:
        detail = "trajet et séance ne tiennent pas dans la demi-journée"
    return {}, f"{reason} ({detail})"


def check_advisors(advisors: Sequence[Advisor]) -> None:
    """Raise ``ValueError`` when there is no advisor or two share an id."""
    if not advisors:
        raise ValueError("aucun conseiller pour les séances mobiles.")
    ids = [a.advisor_id for a in advisors]
    if len(set(ids)) != len(ids):
        raise ValueError("identifiants de conseillers en double.")


def schedulable_alone(
    stops: pd.DataFrame,
    advisors: Sequence[Advisor],
    drive_min: pd.DataFrame,
    settings: MobileSettings,
) -> pd.Series:
    """Why each stop could not be scheduled even with every half-day free.

    Parameters
    ----------
    stops, advisors, drive_min, settings
        As in :func:`plan_circuits`.

    Returns
    -------
    pandas.Series of str
        Indexed like ``stops``: ``""`` when some advisor half-day can host the stop, else
        the French reason (drive limit, opening hours, market day, data problem).
    """
    check_advisors(advisors)
    records, problems = read_stops(stops, settings)
    router = Router(records, advisors, drive_min, None, settings)
    return pd.Series(
        [problems.get(st.stop_id) or _stop_options(router, st)[1] for st in records],
        index=stops.index,
        dtype=object,
    )


class _Cycle:
    """Greedy state over the cycle: stops of each (advisor, week, day, half-day), loads."""

    def __init__(self, router: Router, advisor_rank: np.ndarray) -> None:
        self.router = router
        self.settings = router.settings
        self.advisors = router.advisors
        self.advisor_rank = advisor_rank
        self.members: dict[tuple[int, int, str, str], list[Hashable]] = {}
        self.used = np.zeros((len(self.advisors), self.settings.weeks_in_cycle), dtype=int)
        self.day_use: dict[tuple[int, str], int] = {}

    def added_drive(
        self, k: int, stop_id: Hashable, day: str, half: str, weeks: range
    ) -> tuple[float, int] | None:
        """Extra driving minutes and new half-days of a placement, ``None`` if infeasible."""
        adv = self.advisors[k]
        extra_min, new_half_days = 0.0, 0
        for w in weeks:
            current = self.members.get((k, w, day, half), [])
            if len(current) >= self.settings.max_stops_per_half_day or (
                not current and self.used[k, w] >= adv.half_days_per_week
            ):
                return None
            route = self.router.route(adv, [*current, stop_id], day, half)
            if route is None:
                return None
            old_min = self.router.route(adv, current, day, half).drive_min if current else 0.0
            extra_min += route.drive_min - old_min
            new_half_days += not current
        return extra_min, new_half_days

    def placements(self, stop: StopRecord, options: dict[int, list]) -> list[tuple]:
        """Feasible placements ``(per_visit_min, tie_break, (k, day, half, weeks))``."""
        n_weeks = self.settings.weeks_in_cycle
        p = FREQUENCY_PERIOD_WEEKS[stop.frequency]
        evaluated = []
        for k, fits in options.items():
            for (day, half), phase in itertools.product(fits, range(p)):
                weeks = range(phase, n_weeks, p)
                added = self.added_drive(k, stop.stop_id, day, half, weeks)
                if added is None:
                    continue
                extra_min, new_half_days = added
                capacity = self.advisors[k].half_days_per_week * n_weeks
                per_visit_min = extra_min / len(weeks)
                tie_break = (
                    (self.used[k].sum() + new_half_days) / capacity,
                    new_half_days,
                    per_visit_min,
                    int(self.used[k, list(weeks)].sum()),
                    self.day_use.get((k, day), 0),
                    WEEKDAYS_FR.index(day),
                    HALF_DAYS.index(half),
                    phase,
                    int(self.advisor_rank[k]),
                )
                evaluated.append((per_visit_min, tie_break, (k, day, half, weeks)))
        return evaluated

    def place(self, stop_id: Hashable, k: int, day: str, half: str, weeks: range) -> None:
        """Add the stop to the half-day of every week of ``weeks``."""
        for w in weeks:
            current = self.members.setdefault((k, w, day, half), [])
            if not current:
                self.used[k, w] += 1
                self.day_use[(k, day)] = self.day_use.get((k, day), 0) + 1
            current.append(stop_id)


def _session_rows(
    router: Router, advisor: Advisor, key: tuple[int, int, str, str], ids: list[Hashable]
) -> list[dict]:
    """Schedule rows of one half-day, in visiting order."""
    k, w, day, half = key
    s = router.settings
    route = router.route(advisor, ids, day, half)
    rows = []
    for i, stop_id in enumerate(route.order):
        st = router.stops[stop_id]
        last = i == len(route.order) - 1
        rows.append(
            {
                "advisor_id": advisor.advisor_id,
                "advisor_name": advisor.name,
                "base_id": advisor.base_id,
                "week": w + 1,
                "day": day,
                "half_day": half,
                "departure": hhmm(route.departure),
                "order": i + 1,
                "stop_id": stop_id,
                "stop_name": st.name,
                "kind": st.kind,
                "frequency": st.frequency,
                "arrival": hhmm(route.arrivals[i]),
                "session_start": hhmm(route.starts[i]),
                "session_end": hhmm(route.starts[i] + s.session_min),
                "leg_drive_min": route.leg_min[i],
                "leg_km": route.leg_km[i],
                "return_drive_min": route.leg_min[-1] if last else np.nan,
                "return_km": route.leg_km[-1] if last else np.nan,
                "return_time": hhmm(route.return_time),
                "half_day_drive_min": route.drive_min,
                "half_day_km": route.km,
                "hours_note": HOURS_UNKNOWN_FR if not st.hours and st.market_day is None else "",
                "_advisor": k,
                "_day": WEEKDAYS_FR.index(day),
                "_half": HALF_DAYS.index(half),
            }
        )
    return rows


def _schedule_table(cycle: _Cycle) -> pd.DataFrame:
    """One row per session, sorted by advisor, week, day, half-day and order."""
    rows = [
        row
        for key, ids in cycle.members.items()
        for row in _session_rows(cycle.router, cycle.advisors[key[0]], key, ids)
    ]
    helpers = ["_advisor", "_day", "_half"]
    schedule = pd.DataFrame(rows, columns=[*SCHEDULE_COLUMNS_FR, *helpers])
    schedule = schedule.sort_values(["_advisor", "week", "_day", "_half", "order"])
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


def _all_options(
    router: Router, records: list[StopRecord], problems: dict[Hashable, str]
) -> tuple[dict[Hashable, dict[int, list]], dict[Hashable, str]]:
    """Half-days fitting each stop alone, and the French reason of the stops none fits."""
    reasons: dict[Hashable, str] = {}
    options: dict[Hashable, dict[int, list]] = {}
    for st in records:
        reason = problems.get(st.stop_id) or ""
        if not reason:
            options[st.stop_id], reason = _stop_options(router, st)
        if reason:
            reasons[st.stop_id] = reason
    return options, reasons


def plan_circuits(
    stops: pd.DataFrame,
    advisors: Sequence[Advisor],
    drive_min: pd.DataFrame,
    drive_km: pd.DataFrame | None,
    settings: MobileSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign stops to advisor half-days over the cycle and route every half-day.

    Parameters
    ----------
    stops : pandas.DataFrame
        Index = stop (place) id. Columns: ``name``, ``kind`` (``"mairie"``,
        ``"bibliotheque"``, ``"france_services"``, ``"marche"``, …), ``hours`` (dict or
        JSON of :mod:`geo.opening_hours`; empty/missing = unknown), ``market_day`` (French
        weekday or empty), optional ``frequency`` (``"weekly"``, ``"fortnightly"``,
        ``"monthly"``) and ``gain_need`` (processing priority).
    advisors : sequence of Advisor
    drive_min : pandas.DataFrame
        Square driving-minute matrix over bases and stops (row → column).
    drive_km : pandas.DataFrame or None
        Same in kilometres; missing entries derive from minutes at ``avg_speed_kmh``.
    settings : MobileSettings

    Returns
    -------
    schedule : pandas.DataFrame
        One row per session, sorted by advisor, week, day, half-day and order: see
        :data:`SCHEDULE_COLUMNS_FR` for the columns. ``leg_*`` is the drive from the
        previous place (base or stop); ``return_*`` is filled on the last session of the
        half-day only; ``half_day_*`` are the half-day totals.
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
    rng = np.random.default_rng(settings.seed)
    stop_rank = dict(
        zip([st.stop_id for st in records], rng.permutation(len(records)), strict=True)
    )
    cycle = _Cycle(router, rng.permutation(len(advisors)))

    options, reasons = _all_options(router, records, problems)
    todo = sorted(
        (st for st in records if st.stop_id not in reasons),
        key=lambda st: (
            sum(len(v) for v in options[st.stop_id].values()),
            FREQUENCY_PERIOD_WEEKS[st.frequency],
            -st.gain_need,
            stop_rank[st.stop_id],
        ),
    )
    for st in todo:
        evaluated = cycle.placements(st, options[st.stop_id])
        if not evaluated:
            reachable = sorted({advisors[k].name for k in options[st.stop_id]})
            reasons[st.stop_id] = (
                f"plus de demi-journée disponible (conseillers à portée : {', '.join(reachable)})"
            )
            continue
        best_cost = min(e[0] for e in evaluated)
        _, _, (k, day, half, weeks) = min(
            (e for e in evaluated if e[0] <= best_cost + settings.balance_tolerance_min + EPS),
            key=lambda e: e[1],
        )
        cycle.place(st.stop_id, k, day, half, weeks)
    return _schedule_table(cycle), _unschedulable_table(records, reasons)
