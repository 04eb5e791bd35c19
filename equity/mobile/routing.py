"""Travel data between bases and stops, and the timing of one circuit.

A circuit is one day out of an advisor: base → sessions → base inside the working day
(start of the morning window to end of the afternoon window). The gap between the two
windows is the lunch break: no session and no driving then. Times are handled on a
*working-time axis* that skips the lunch break (``axis = real`` in the morning,
``real − lunch`` in the afternoon), so a drive that starts before lunch simply resumes
after it, and a vehicle-routing solver sees one continuous day.

For a fixed visiting order, starting every session as early as its opening hours allow
is optimal for feasibility; starts are rounded up to ``session_start_step_min`` when the
circuit stays feasible. A session takes place while the host site is open (published
hours), on the market's day (morning, or the market's hours when known) for a market,
or anywhere in the window when the hours are unknown.

The drive matrix is closed under shortest paths first (a driver can always go through
another place), so skipping a stop of a feasible circuit never makes it infeasible.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equity.mobile._clock import EPS, to_minutes
from equity.mobile.settings import FREQUENCY_PERIOD_WEEKS, HALF_DAYS, Advisor, MobileSettings
from geo.opening_hours import WEEKDAYS_FR, WeeklyHours, from_json

__all__ = ["Circuit", "DayClock", "Router", "StopRecord", "read_stops", "shortest_paths"]

#: Modes of a circuit: the working-time window it must fit in.
MODES: tuple[str, ...] = ("matin", "après-midi", "journée")


@dataclass(frozen=True)
class StopRecord:
    """One stop as the planner reads it (hours parsed, frequency defaulted)."""

    stop_id: Hashable
    name: str
    kind: str
    hours: WeeklyHours
    market_day: str | None
    frequency: str
    gain_need: float

    @property
    def period_weeks(self) -> int:
        """Weeks between two visits."""
        return FREQUENCY_PERIOD_WEEKS.get(self.frequency, 1)

    def slots(self, day: str, half_day: str, settings: MobileSettings) -> list[tuple[int, int]]:
        """Opening intervals of ``day``/``half_day``, clipped to the half-day window."""
        w0, w1 = settings.window(half_day)
        if self.market_day is not None and (day != self.market_day or half_day != "matin"):
            return []
        if not self.hours or (self.market_day is not None and day not in self.hours):
            return [(w0, w1)]
        clipped = [
            (max(to_minutes(s), w0), min(to_minutes(e), w1)) for s, e in self.hours.get(day, [])
        ]
        return [(s, e) for s, e in clipped if s < e]


def _hours_of(value: Any) -> WeeklyHours:
    if isinstance(value, dict):
        return {str(d): [tuple(s) for s in slots] for d, slots in value.items()}
    if isinstance(value, str):
        return from_json(value)
    return {}


def _text(value: Any, default: str = "") -> str:
    return (
        default if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    )


def read_stops(stops: pd.DataFrame, settings: MobileSettings) -> tuple[list[StopRecord], dict]:
    """Stop records and the per-stop data problems (French reasons)."""
    records, problems = [], {}
    for stop_id, row in stops.iterrows():
        market = _text(row.get("market_day")).strip().lower() or None
        frequency = _text(row.get("frequency")).strip() or settings.default_frequency
        gain = row.get("gain_need")
        stop = StopRecord(
            stop_id=stop_id,
            name=_text(row.get("name"), str(stop_id)),
            kind=_text(row.get("kind")),
            hours=_hours_of(row.get("hours")),
            market_day=market,
            frequency=frequency,
            gain_need=float(gain) if gain is not None and pd.notna(gain) else 0.0,
        )
        records.append(stop)
        if frequency not in FREQUENCY_PERIOD_WEEKS:
            problems[stop_id] = (
                f"fréquence « {frequency} » inconnue (weekly, fortnightly ou monthly attendu)"
            )
        elif market is not None and market not in WEEKDAYS_FR:
            problems[stop_id] = f"jour de marché « {market} » inconnu"
    return records, problems


class DayClock:
    """The working day on an axis without the lunch break (minutes since midnight)."""

    def __init__(self, settings: MobileSettings) -> None:
        self.m0, self.m1 = settings.window("matin")
        a0, a1 = settings.window("après-midi")
        self.lunch = a0 - self.m1
        self.a0, self.a1 = a0, a1

    def axis(self, real: float) -> float:
        """Working-time axis of a real time outside the lunch break."""
        return real if real <= self.m1 else real - self.lunch

    def real(self, axis: float, afternoon_at_break: bool = False) -> float:
        """Real time of an axis time.

        The axis instant of the break itself is the end of the morning, or the start of
        the afternoon when ``afternoon_at_break``.
        """
        if axis < self.m1 - EPS or (axis <= self.m1 + EPS and not afternoon_at_break):
            return axis
        return axis + self.lunch

    def window(self, mode: str) -> tuple[float, float]:
        """Axis window of a circuit mode (``matin``, ``après-midi``, ``journée``)."""
        start = self.m0 if mode != "après-midi" else self.m1
        end = self.m1 if mode == "matin" else self.a1 - self.lunch
        return float(start), float(end)


def shortest_paths(minutes: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floyd–Warshall closure of a drive-minute matrix; km follow the fastest paths."""
    t, d = minutes.copy(), km.copy()
    for k in range(len(t)):
        via = t[:, k, None] + t[None, k, :]
        better = via < t - EPS
        if better.any():
            t = np.where(better, via, t)
            d = np.where(better, d[:, k, None] + d[None, k, :], d)
    return t, d


@dataclass(frozen=True)
class Circuit:
    """Timing of one circuit (real minutes since midnight) and its legs.

    ``leg_min``/``leg_km`` hold one leg per session (from the previous place) then the
    return leg; ``halves`` the half-day of every session.
    """

    base_id: Hashable
    order: tuple[Hashable, ...]
    departure: float
    arrivals: tuple[float, ...]
    starts: tuple[float, ...]
    halves: tuple[str, ...]
    leg_min: tuple[float, ...]
    leg_km: tuple[float, ...]
    return_time: float

    @property
    def drive_min(self) -> float:
        """Total driving minutes, return leg included."""
        return float(sum(self.leg_min))

    @property
    def km(self) -> float:
        """Total kilometres, return leg included."""
        return float(sum(self.leg_km))

    def half_days(self, clock: DayClock) -> tuple[str, ...]:
        """Half-days the advisor is out (from departure to return)."""
        used = []
        if self.departure < clock.m1 - EPS:
            used.append(HALF_DAYS[0])
        if self.return_time > clock.a0 + EPS:
            used.append(HALF_DAYS[1])
        return tuple(used)


class Router:
    """Travel data between bases and stops (closed under shortest paths) and timing.

    Places are the advisors' bases and the stops; :meth:`add_group` adds a virtual
    place standing for several stops visited in alternate weeks, whose legs are the
    longest of its members' (so that the real leg of any week is never longer).
    """

    def __init__(
        self,
        stops: list[StopRecord],
        advisors: Sequence[Advisor],
        drive_min: pd.DataFrame,
        drive_km: pd.DataFrame | None,
        settings: MobileSettings,
    ) -> None:
        self.settings = settings
        self.clock = DayClock(settings)
        self.stops = {s.stop_id: s for s in stops}
        self.advisors = list(advisors)
        bases = [a.base_id for a in self.advisors]
        missing = [
            b
            for b in dict.fromkeys(bases)
            if b not in drive_min.index or b not in drive_min.columns
        ]
        if missing:
            raise ValueError(
                f"base(s) de conseiller absente(s) de la matrice des temps de trajet : {missing}."
            )
        ids = list(dict.fromkeys([*bases, *self.stops]))
        self.pos = {pid: i for i, pid in enumerate(ids)}
        minutes = drive_min.reindex(index=ids, columns=ids).to_numpy(dtype=float)
        minutes = np.nan_to_num(minutes, nan=np.inf, posinf=np.inf)
        np.fill_diagonal(minutes, 0.0)
        derived = minutes * settings.avg_speed_kmh / 60.0
        if drive_km is None:
            km = derived
        else:
            km = drive_km.reindex(index=ids, columns=ids).to_numpy(dtype=float)
            km = np.where(np.isnan(km), derived, km)
        np.fill_diagonal(km, 0.0)
        self.minutes, self.km = shortest_paths(minutes, km)

    def leg(self, a: Hashable, b: Hashable) -> tuple[float, float]:
        """Driving minutes and kilometres from place ``a`` to place ``b``."""
        i, j = self.pos[a], self.pos[b]
        return float(self.minutes[i, j]), float(self.km[i, j])

    def round_trip_min(self, advisor: Advisor, stop_id: Hashable) -> float:
        """Driving minutes base → stop → base."""
        return self.leg(advisor.base_id, stop_id)[0] + self.leg(stop_id, advisor.base_id)[0]

    def add_group(self, group_id: Hashable, members: Sequence[Hashable]) -> None:
        """Add a virtual place whose legs are the longest of its members'."""
        rows = [self.pos[m] for m in members]
        n = len(self.minutes)
        minutes = np.zeros((n + 1, n + 1))
        km = np.zeros((n + 1, n + 1))
        minutes[:n, :n], km[:n, :n] = self.minutes, self.km
        minutes[n, :n] = self.minutes[rows].max(axis=0)
        minutes[:n, n] = self.minutes[:, rows].max(axis=1)
        km[n, :n] = self.km[rows].max(axis=0)
        km[:n, n] = self.km[:, rows].max(axis=1)
        self.minutes, self.km = minutes, km
        self.pos[group_id] = n

    def _start(self, arrive: float, intervals: list[tuple[float, float, str]]) -> tuple | None:
        """Earliest session start (axis) at or after ``arrive``, rounded when possible."""
        c, duration, step = (
            self.clock,
            self.settings.session_min,
            self.settings.session_start_step_min,
        )
        for lo, hi, half in intervals:
            start = max(arrive, lo)
            if start + duration > hi + EPS:
                continue
            real = c.real(start, afternoon_at_break=half != HALF_DAYS[0])
            rounded = c.axis(math.ceil(real / step - EPS) * step)
            return (rounded if rounded + duration <= hi + EPS else start), half
        return None

    def intervals(self, place: Hashable, day: str, members: Sequence[Hashable] = ()) -> list:
        """Session windows ``(lo, hi, half)`` on the axis, common to ``members``."""
        records = [self.stops[m] for m in (members or [place])]
        out = []
        for half in HALF_DAYS:
            common = [(-math.inf, math.inf)]
            for rec in records:
                common = [
                    (max(a, s), min(b, e))
                    for a, b in common
                    for s, e in rec.slots(day, half, self.settings)
                    if max(a, s) < min(b, e)
                ]
            out += [(self.clock.axis(lo), self.clock.axis(hi), half) for lo, hi in common]
        return sorted(out)

    def time_circuit(
        self,
        base: Hashable,
        visits: Sequence[tuple[Hashable, list]],
        mode: str = "journée",
    ) -> Circuit | None:
        """Earliest-start timing of visits in this order, ``None`` when infeasible.

        ``visits`` holds ``(place, intervals)`` with the axis intervals of
        :meth:`intervals`; the circuit must fit the window of ``mode``.
        """
        c = self.clock
        w0, w1 = c.window(mode)
        t, prev = w0, base
        arrivals, starts, halves, legs_min, legs_km = [], [], [], [], []
        for place, intervals in visits:
            minutes, km = self.leg(prev, place)
            if not math.isfinite(minutes):
                return None
            inside = [iv for iv in intervals if iv[0] >= w0 - EPS and iv[1] <= w1 + EPS]
            found = self._start(t + minutes, inside)
            if found is None:
                return None
            arrivals.append(t + minutes)
            starts.append(found[0])
            halves.append(found[1])
            legs_min.append(minutes)
            legs_km.append(km)
            t, prev = found[0] + self.settings.session_min, place
        minutes, km = self.leg(prev, base)
        legs_min.append(minutes)
        legs_km.append(km)
        if t + minutes > w1 + EPS or sum(legs_min) > self.settings.max_drive_min + EPS:
            return None
        return self.circuit(base, visits, starts, halves, legs_min, legs_km)

    def circuit(
        self,
        base: Hashable,
        visits: Sequence[tuple[Hashable, list]],
        starts: Sequence[float],
        halves: Sequence[str],
        legs_min: Sequence[float],
        legs_km: Sequence[float],
    ) -> Circuit:
        """A :class:`Circuit` in real time from axis session starts; departure just in time."""
        c, duration = self.clock, self.settings.session_min
        afternoon = [h != HALF_DAYS[0] for h in halves]
        arrivals = [starts[0]] + [
            starts[i - 1] + duration + legs_min[i] for i in range(1, len(starts))
        ]
        return Circuit(
            base_id=base,
            order=tuple(p for p, _ in visits),
            departure=c.real(starts[0] - legs_min[0], afternoon_at_break=True),
            arrivals=tuple(
                c.real(a, afternoon_at_break=pm) for a, pm in zip(arrivals, afternoon, strict=True)
            ),
            starts=tuple(
                c.real(s, afternoon_at_break=pm) for s, pm in zip(starts, afternoon, strict=True)
            ),
            halves=tuple(halves),
            leg_min=tuple(legs_min),
            leg_km=tuple(legs_km),
            return_time=c.real(starts[-1] + duration + legs_min[-1]),
        )
