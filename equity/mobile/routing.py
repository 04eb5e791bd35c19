"""Half-day routes: travel data between bases and stops, and the best visiting order.

Routing of each half-day is exact: with at most 3–4 stops, every visiting order (at most
4! = 24) is enumerated and timed; for a fixed order, starting every session as early as
allowed (rounded up to ``session_start_step_min``) is optimal for feasibility, so the
enumeration returns the feasible order of least driving time (ties: earliest return, then
stop ids). Departure is postponed so the advisor reaches the first stop just in time.
A session only takes place while the host site is open (published hours), on the
market's day (morning) for a market, or anywhere in the window when the hours are
unknown.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equity.mobile._clock import EPS, to_minutes
from equity.mobile.settings import FREQUENCY_PERIOD_WEEKS, Advisor, MobileSettings
from geo.opening_hours import WEEKDAYS_FR, WeeklyHours, from_json

__all__ = ["Route", "Router", "StopRecord", "read_stops"]


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

    def slots(self, day: str, half_day: str, settings: MobileSettings) -> list[tuple[int, int]]:
        """Opening intervals of ``day``/``half_day``, clipped to the half-day window."""
        w0, w1 = settings.window(half_day)
        if self.market_day is not None and (day != self.market_day or half_day != "matin"):
            return []
        if not self.hours:
            return [(w0, w1)]
        clipped = [
            (max(to_minutes(s), w0), min(to_minutes(e), w1)) for s, e in self.hours.get(day, [])
        ]
        return [(s, e) for s, e in clipped if s < e]


@dataclass(frozen=True)
class Route:
    """Timing of one half-day: visiting order, session starts and legs (minutes, km)."""

    order: tuple[Hashable, ...]
    departure: float
    arrivals: tuple[float, ...]
    starts: tuple[int, ...]
    leg_min: tuple[float, ...]  # one per stop, then the return leg
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


class Router:
    """Travel data between bases and stops and exact half-day routing (memoised)."""

    def __init__(
        self,
        stops: list[StopRecord],
        advisors: Sequence[Advisor],
        drive_min: pd.DataFrame,
        drive_km: pd.DataFrame | None,
        settings: MobileSettings,
    ) -> None:
        self.settings = settings
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
        self.minutes = np.nan_to_num(minutes, nan=np.inf, posinf=np.inf)
        derived = self.minutes * settings.avg_speed_kmh / 60.0
        if drive_km is None:
            self.km = derived
        else:
            km = drive_km.reindex(index=ids, columns=ids).to_numpy(dtype=float)
            self.km = np.where(np.isnan(km), derived, km)
        self._routes: dict[tuple, Route | None] = {}

    def leg(self, a: Hashable, b: Hashable) -> tuple[float, float]:
        """Driving minutes and kilometres from place ``a`` to place ``b``."""
        i, j = self.pos[a], self.pos[b]
        return float(self.minutes[i, j]), float(self.km[i, j])

    def round_trip_min(self, advisor: Advisor, stop_id: Hashable) -> float:
        """Driving minutes base → stop → base."""
        return self.leg(advisor.base_id, stop_id)[0] + self.leg(stop_id, advisor.base_id)[0]

    def _timed(self, base: Hashable, order: tuple, day: str, half_day: str) -> Route | None:
        """Earliest-start timing of one visiting order, ``None`` when infeasible."""
        s = self.settings
        w0, w1 = s.window(half_day)
        step, duration = s.session_start_step_min, s.session_min
        t, prev = float(w0), base
        arrivals, starts, legs_min, legs_km = [], [], [], []
        for stop_id in order:
            minutes, km = self.leg(prev, stop_id)
            if not math.isfinite(minutes):
                return None
            t += minutes
            feasible = [
                start
                for lo, hi in self.stops[stop_id].slots(day, half_day, s)
                if (start := math.ceil(max(t, lo) / step - EPS) * step) + duration <= hi + EPS
            ]
            if not feasible:
                return None
            arrivals.append(t)
            starts.append(min(feasible))
            legs_min.append(minutes)
            legs_km.append(km)
            t, prev = starts[-1] + duration, stop_id
        minutes, km = self.leg(prev, base)
        legs_min.append(minutes)
        legs_km.append(km)
        if t + minutes > w1 + EPS or sum(legs_min) > s.max_drive_min + EPS:
            return None
        # Leave the base just in time for the first session.
        departure = starts[0] - legs_min[0]
        arrivals[0] = float(starts[0])
        return Route(
            order,
            departure,
            tuple(arrivals),
            tuple(starts),
            tuple(legs_min),
            tuple(legs_km),
            t + minutes,
        )

    def route(self, advisor: Advisor, stop_ids: Iterable, day: str, half_day: str) -> Route | None:
        """Best visiting order (least driving, then earliest return) by enumeration."""
        members = tuple(sorted(stop_ids, key=str))
        key = (advisor.base_id, members, day, half_day)
        if key not in self._routes:
            best = None
            for order in itertools.permutations(members):
                timed = self._timed(advisor.base_id, order, day, half_day)
                # Orders come in lexicographic order of stop ids: the first wins exact ties.
                if timed is not None and (
                    best is None
                    or timed.drive_min < best.drive_min - EPS
                    or (
                        timed.drive_min <= best.drive_min + EPS
                        and timed.return_time < best.return_time - EPS
                    )
                ):
                    best = timed
            self._routes[key] = best
        return self._routes[key]
