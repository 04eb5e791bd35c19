"""Mobile sessions: where the service vehicles stop, who goes, and the weekly circuits.

For communes still poorly served after a placement scenario, *conseillers numériques*
with a service vehicle hold sessions at host sites (town halls, libraries, France
services, markets, user-added places). The module works on travel matrices computed by
the product's travel engine (:class:`pandas.DataFrame` in minutes, ``inf`` or NaN =
unreachable); it never computes travel times itself.

Three steps:

1. **Stop selection** (:func:`select_stops`): maximal covering (MCLP). Choose at most
   ``n_stops`` candidate sites maximising the need (persons in need) of the communes
   within ``short_drive_min`` of a chosen stop that are *not already covered* by the
   fixed sites. Exact MILP solved by HiGHS (:func:`scipy.optimize.milp`); a greedy
   heuristic (best marginal gain first) is the fallback when the solver returns no
   solution. Stops adding no need are dropped, so fewer than ``n_stops`` may come back.
2. **Scheduling** (:func:`plan_circuits`): over a cycle of ``weeks_in_cycle`` weeks,
   every stop gets one recurring half-day slot ``(advisor, weekday, morning/afternoon)``
   and a week phase: a weekly stop is visited every week, a fortnightly one every other
   week (weeks 1 and 3, or 2 and 4), a monthly one once per 4 weeks. A half-day starts
   and ends at the advisor's base, lies inside the half-day window (driving included),
   holds at most ``max_stops_per_half_day`` sessions, drives at most ``max_drive_min``
   in total, and a session only takes place while the host site is open (published
   hours), on the market's day (morning) for a market, or anywhere in the window when
   the hours are unknown (flagged « horaires inconnus »).

   The assignment is a deterministic greedy: stops are taken most constrained first
   (fewest feasible advisor half-days, then most visits, then largest need gain, then
   a seeded random rank); each is placed where it adds the least driving per visit,
   preferring among placements within ``balance_tolerance_min`` of that minimum the
   least loaded advisor (balancing), then joining an existing half-day over opening a
   new one, then the least used weeks and weekdays. A stop is placed for all its visits
   or not at all; a stop that cannot be placed is reported with a French reason.
3. **Routing** of each half-day is exact: with at most 3–4 stops, every visiting
   order (at most 4! = 24) is enumerated and timed; for a fixed order, starting every
   session as early as allowed (rounded up to ``session_start_step_min``) is optimal for
   feasibility, so the enumeration returns the feasible order of least driving time
   (ties: earliest return, then stop ids). Departure is postponed so the advisor
   reaches the first stop just in time.

Kilometres come from a distance matrix when given, else from minutes at
``avg_speed_kmh``. Yearly kilometres = kilometres of the cycle × ``working_weeks_per_year``
/ ``weeks_in_cycle``; vehicle cost = yearly kilometres × ``cost_per_km_eur``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from shapely.geometry import LineString

from geo.opening_hours import WEEKDAYS_FR, WeeklyHours, format_fr, from_json

HALF_DAYS: tuple[str, str] = ("matin", "après-midi")
#: Frequency of a stop → period in weeks.
FREQUENCY_PERIOD_WEEKS: dict[str, int] = {"weekly": 1, "fortnightly": 2, "monthly": 4}
#: Display names of the host kinds (the kinds themselves are plain ASCII keys).
KIND_FR: dict[str, str] = {
    "mairie": "mairie",
    "bibliotheque": "bibliothèque",
    "france_services": "France services",
    "marche": "marché",
    "structure": "structure d'inclusion",
    "autre": "autre lieu",
}
FREQUENCY_FR: dict[str, str] = {
    "weekly": "chaque semaine",
    "fortnightly": "une semaine sur deux",
    "monthly": "une fois toutes les 4 semaines",
}
HOURS_UNKNOWN_FR = "horaires inconnus"
L93 = "EPSG:2154"
# HiGHS' default relative gap (1e-4) is not "exact" for totals of ~10^5 persons.
MIP_REL_GAP = 1e-7
_EPS = 1e-9

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


def _minutes(hhmm: str) -> int:
    """``"09:30"`` → 570."""
    hours, minutes = str(hhmm).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: float) -> str:
    """570 → ``"09:30"`` (rounded to the minute)."""
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


def _duration_fr(minutes: float) -> str:
    """120 → ``"2 h"``, 90 → ``"1 h 30"``, 45 → ``"45 min"``."""
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if hours == 0:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest:02d}" if rest else "")


def _window_valid(window: tuple[str, str]) -> bool:
    try:
        start, end = _minutes(window[0]), _minutes(window[1])
    except (ValueError, IndexError, TypeError):
        return False
    return 0 <= start < end <= 24 * 60


@dataclass(frozen=True)
class Advisor:
    """An advisor doing mobile sessions from a base.

    Attributes
    ----------
    advisor_id : str
        Identifier, unique among the advisors of a run.
    name : str
        Display name.
    base_id : hashable
        Place id of the base (a site); every half-day starts and ends there.
    half_days_per_week : int
        Half-days per week devoted to mobile sessions (≥ 1).
    available_days : tuple of str
        French weekday names on which the advisor can go out.
    """

    advisor_id: str
    name: str
    base_id: Hashable
    half_days_per_week: int = 2
    available_days: tuple[str, ...] = WEEKDAYS_FR[:5]

    def __post_init__(self) -> None:
        if self.half_days_per_week < 1:
            raise ValueError(
                f"le conseiller « {self.name} » doit avoir au moins une demi-journée par "
                f"semaine pour les séances mobiles (reçu : {self.half_days_per_week})."
            )
        unknown = [d for d in self.available_days if d not in WEEKDAYS_FR]
        if unknown or not self.available_days:
            raise ValueError(
                f"jours de disponibilité invalides pour le conseiller « {self.name} » : "
                f"{', '.join(map(str, unknown)) or 'aucun jour'} (attendu : lundi … samedi)."
            )


#: Default number of mobile-session stops (CLI, app and exports share it).
DEFAULT_N_STOPS = 12


@dataclass(frozen=True)
class MobileSettings:
    """Parameters of a mobile-session plan.

    Attributes
    ----------
    n_stops : int
        Maximum number of stops to select.
    short_drive_min : float
        A commune is covered by a stop within this driving time.
    session_hours : float
        Duration of one session.
    max_drive_min : float
        Maximum total driving time of one half-day (base → stops → base).
    max_stops_per_half_day : int
        Maximum number of sessions in one half-day (1–4: orders are enumerated).
    default_frequency : {"weekly", "fortnightly", "monthly"}
        Frequency of stops without their own ``frequency``.
    weeks_in_cycle : int
        Length of the planning cycle, a multiple of 4 weeks.
    working_weeks_per_year : int
        Weeks with mobile sessions per year (yearly km = cycle km × this / cycle weeks).
    cost_per_km_eur : float
        Vehicle cost per kilometre.
    avg_speed_kmh : float
        Average speed turning minutes into kilometres when no distance matrix is given.
    morning, afternoon : tuple of str
        Half-day windows ``("HH:MM", "HH:MM")``; driving happens inside them.
    days : tuple of str
        Weekdays with mobile sessions.
    session_start_step_min : int
        Session start times are rounded up to a multiple of this many minutes.
    balance_tolerance_min : float
        Placements adding at most this many more minutes of driving per visit than the
        best one are considered equivalent, and the least loaded advisor is chosen.
    time_limit_s : float
        Wall-clock limit of the selection MILP.
    seed : int
        Seed of the random tie-break ranks (the plan is deterministic for a seed).
    """

    n_stops: int = DEFAULT_N_STOPS
    short_drive_min: float = 10.0
    session_hours: float = 2.0
    max_drive_min: float = 60.0
    max_stops_per_half_day: int = 3
    default_frequency: str = "weekly"
    weeks_in_cycle: int = 4
    working_weeks_per_year: int = 47
    cost_per_km_eur: float = 0.35
    avg_speed_kmh: float = 50.0
    morning: tuple[str, str] = ("09:00", "12:30")
    afternoon: tuple[str, str] = ("13:30", "17:30")
    days: tuple[str, ...] = WEEKDAYS_FR[:6]
    session_start_step_min: int = 15
    balance_tolerance_min: float = 5.0
    time_limit_s: float = 30.0
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.n_stops < 1:
            problems.append(f"le nombre d'arrêts doit être au moins 1 (reçu : {self.n_stops})")
        positive = {
            "le temps de trajet court": self.short_drive_min,
            "la durée de séance": self.session_hours,
            "le temps de conduite maximal": self.max_drive_min,
            "la vitesse moyenne": self.avg_speed_kmh,
            "le pas des horaires de séance": self.session_start_step_min,
            "le temps limite du solveur": self.time_limit_s,
        }
        problems += [
            f"{label} doit être positif (reçu : {v})" for label, v in positive.items() if not v > 0
        ]
        non_negative = {
            "le coût au kilomètre": self.cost_per_km_eur,
            "la tolérance d'équilibrage": self.balance_tolerance_min,
        }
        problems += [
            f"{label} ne peut pas être négatif (reçu : {v})"
            for label, v in non_negative.items()
            if not v >= 0
        ]
        if not 1 <= self.max_stops_per_half_day <= 4:
            problems.append("le nombre de séances par demi-journée doit être entre 1 et 4")
        if self.default_frequency not in FREQUENCY_PERIOD_WEEKS:
            problems.append(
                f"fréquence par défaut « {self.default_frequency} » inconnue "
                "(weekly, fortnightly ou monthly)"
            )
        if self.weeks_in_cycle < 4 or self.weeks_in_cycle % 4:
            problems.append(
                f"le cycle doit compter un multiple de 4 semaines (reçu : {self.weeks_in_cycle})"
            )
        if not 1 <= self.working_weeks_per_year <= 53:
            problems.append(
                f"le nombre de semaines travaillées par an doit être entre 1 et 53 "
                f"(reçu : {self.working_weeks_per_year})"
            )
        windows = {"matin": self.morning, "après-midi": self.afternoon}
        bad = [name for name, w in windows.items() if not _window_valid(w)]
        problems += [f"horaires de la demi-journée « {n} » invalides" for n in bad]
        if not bad:
            lengths = {n: _minutes(w[1]) - _minutes(w[0]) for n, w in windows.items()}
            if self.session_hours * 60 > max(lengths.values()) + _EPS:
                problems.append(
                    f"la séance ({_duration_fr(self.session_hours * 60)}) est plus longue "
                    f"qu'une demi-journée ({_duration_fr(lengths['matin'])} le matin, "
                    f"{_duration_fr(lengths['après-midi'])} l'après-midi)"
                )
        if not self.days or any(d not in WEEKDAYS_FR for d in self.days):
            problems.append("jours des séances mobiles invalides (attendu : lundi … samedi)")
        if problems:
            raise ValueError(
                "Paramètres des séances mobiles invalides : " + " ; ".join(problems) + "."
            )

    @property
    def session_min(self) -> float:
        """Session duration in minutes."""
        return self.session_hours * 60

    def window(self, half_day: str) -> tuple[int, int]:
        """Start and end of a half-day window, in minutes since midnight."""
        start, end = self.morning if half_day == "matin" else self.afternoon
        return _minutes(start), _minutes(end)


def _jsonable(obj: Any) -> Any:
    """Recursively turn numpy/pandas scalars, tuples and non-finite floats into JSON."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def _aligned(series: pd.Series, index: pd.Index, name: str) -> np.ndarray:
    missing = index.difference(series.index)
    if len(missing):
        raise ValueError(
            f"{name} manquant(e) pour {len(missing)} commune(s), par exemple « {missing[0]} »."
        )
    return series.reindex(index).to_numpy(dtype=float)


# --------------------------------------------------------------------------- selection


def _greedy_cover(a: np.ndarray, w: np.ndarray, k: int, forced: np.ndarray) -> np.ndarray:
    """Greedy MCLP: forced columns first, then the best marginal gain (lowest index on ties)."""
    chosen = np.zeros(a.shape[1], dtype=bool)
    covered = np.zeros(a.shape[0], dtype=bool)
    for j in np.flatnonzero(forced):
        chosen[j] = True
        covered |= a[:, j]
    while chosen.sum() < k:
        gains = (a & ~covered[:, None]).T.astype(float) @ w
        gains[chosen] = -1.0
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        chosen[j] = True
        covered |= a[:, j]
    return chosen


def _milp_cover(
    a: np.ndarray, w: np.ndarray, k: int, forced: np.ndarray, time_limit_s: float
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Exact MCLP: max Σ w_i z_i, z_i ≤ Σ_j a_ij x_j, Σ x_j ≤ k, x binary, z in [0, 1]."""
    n_rows, n_cols = a.shape
    rows, cols = np.nonzero(a)
    # Variables: x (columns) then z (rows). Row i: z_i - Σ_j a_ij x_j ≤ 0.
    cover = sparse.coo_array(
        (
            np.concatenate([-np.ones(len(rows)), np.ones(n_rows)]),
            (
                np.concatenate([rows, np.arange(n_rows)]),
                np.concatenate([cols, n_cols + np.arange(n_rows)]),
            ),
        ),
        shape=(n_rows, n_cols + n_rows),
    ).tocsr()
    count = sparse.csr_array(
        (np.ones(n_cols), (np.zeros(n_cols, dtype=int), np.arange(n_cols))),
        shape=(1, n_cols + n_rows),
    )
    res = milp(
        c=np.concatenate([np.zeros(n_cols), -w]),
        integrality=np.concatenate([np.ones(n_cols), np.zeros(n_rows)]),
        bounds=Bounds(np.concatenate([forced.astype(float), np.zeros(n_rows)]), 1.0),
        constraints=[
            LinearConstraint(cover, -np.inf, 0.0),
            LinearConstraint(count, -np.inf, float(k)),
        ],
        options={"time_limit": time_limit_s, "mip_rel_gap": MIP_REL_GAP, "disp": False},
    )
    status = {"status": int(res.status), "message": str(res.message)}
    if res.x is None:
        return None, status
    return res.x[:n_cols] > 0.5, status


def select_stops(
    coverage_min: pd.DataFrame,
    need: pd.Series,
    population: pd.Series,
    already_covered: pd.Series,
    n_stops: int,
    short_drive_min: float,
    candidates: Iterable[Hashable] | None = None,
    forced: Iterable[Hashable] = (),
    communes: Iterable[Hashable] | None = None,
    method: Literal["milp", "greedy"] = "milp",
    time_limit_s: float = 30.0,
) -> pd.DataFrame:
    """Choose mobile-session stops maximising the newly covered need (MCLP).

    Parameters
    ----------
    coverage_min : pandas.DataFrame
        Driving minutes, communes (rows) × candidate stops (columns); ``inf``/NaN =
        unreachable.
    need : pandas.Series
        Persons in need per commune (objective weights).
    population : pandas.Series
        Population per commune (reported).
    already_covered : pandas.Series of bool
        Communes within the fixed-site threshold; they count for nothing.
    n_stops : int
        Maximum number of stops (forced stops included).
    short_drive_min : float
        A commune is covered by a stop within this many minutes.
    candidates : iterable, optional
        Candidate stop ids (default: every column of ``coverage_min``).
    forced : iterable
        Stops that must be chosen (user-selected places).
    communes : iterable, optional
        Communes to serve (default: every row); the others count for nothing.
    method : {"milp", "greedy"}
        Exact MILP (greedy fallback when the solver finds nothing) or greedy only.
    time_limit_s : float
        Solver time limit.

    Returns
    -------
    pandas.DataFrame
        One row per chosen stop (index ``stop_id``), ordered by decreasing marginal
        gain: ``rank``, ``gain_need``, ``gain_population``, ``newly_covered_count``,
        ``newly_covered`` (commune ids), ``forced``. ``attrs["solver"]`` holds
        ``method``, ``status``, ``message``, ``covered_need`` and ``covered_population``.
        Stops adding nothing are left out (unless forced).
    """
    if n_stops < 1 or not short_drive_min > 0:
        raise ValueError(
            "le nombre d'arrêts doit être au moins 1 et le temps de trajet court positif."
        )
    cols = pd.Index(list(coverage_min.columns) if candidates is None else list(candidates))
    unknown = cols.difference(coverage_min.columns)
    if len(unknown):
        raise ValueError(f"lieux candidats absents de la matrice de couverture : {list(unknown)}.")
    forced_ids = list(dict.fromkeys(forced))
    if any(f not in cols for f in forced_ids):
        raise ValueError("un arrêt imposé ne fait pas partie des lieux candidats.")
    if len(forced_ids) > n_stops:
        raise ValueError(
            f"{len(forced_ids)} arrêts imposés pour au plus {n_stops} arrêts : "
            "augmentez le nombre d'arrêts."
        )
    rows = coverage_min.index if communes is None else pd.Index(list(communes))
    w = _aligned(need, rows, "besoin")
    pop = _aligned(population, rows, "population")
    covered = _aligned(already_covered.astype(float), rows, "couverture existante") > 0.5
    if not (np.all(w >= 0) and np.all(pop >= 0)):
        raise ValueError("le besoin et la population doivent être renseignés et positifs ou nuls.")
    times = coverage_min.reindex(index=rows, columns=cols).to_numpy(dtype=float)
    a = (np.nan_to_num(times, nan=np.inf, posinf=np.inf) <= short_drive_min) & ~covered[:, None]
    forced_mask = cols.isin(forced_ids)
    solver: dict[str, Any] = {"method": method, "status": 0, "message": ""}
    chosen = None
    if method == "milp":
        chosen, status = _milp_cover(a, w, n_stops, forced_mask, time_limit_s)
        solver.update(status)
    if chosen is None:
        chosen = _greedy_cover(a, w, n_stops, forced_mask)
        solver["method"] = "greedy"

    # Order the chosen stops by marginal gain (ties by need-covered population, then id).
    records = []
    covered_now = np.zeros(len(rows), dtype=bool)
    remaining = list(np.flatnonzero(chosen))
    while remaining:
        gains = [
            (float(w[a[:, j] & ~covered_now].sum()), float(pop[a[:, j] & ~covered_now].sum()), -j)
            for j in remaining
        ]
        best = max(range(len(remaining)), key=lambda i: gains[i])
        j = remaining.pop(best)
        new = a[:, j] & ~covered_now
        if new.any() or forced_mask[j]:
            records.append(
                {
                    "stop_id": cols[j],
                    "gain_need": float(w[new].sum()),
                    "gain_population": float(pop[new].sum()),
                    "newly_covered_count": int(new.sum()),
                    "newly_covered": list(rows[new]),
                    "forced": bool(forced_mask[j]),
                }
            )
        covered_now |= new
    result = pd.DataFrame(
        records,
        columns=[
            "stop_id",
            "gain_need",
            "gain_population",
            "newly_covered_count",
            "newly_covered",
            "forced",
        ],
    ).set_index("stop_id")
    result.insert(0, "rank", np.arange(1, len(result) + 1))
    solver["covered_need"] = float(w[covered_now].sum())
    solver["covered_population"] = float(pop[covered_now].sum())
    result.attrs["solver"] = solver
    return result


# --------------------------------------------------------------------------- scheduling


@dataclass(frozen=True)
class _Stop:
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
        clipped = [(max(_minutes(s), w0), min(_minutes(e), w1)) for s, e in self.hours.get(day, [])]
        return [(s, e) for s, e in clipped if s < e]


@dataclass(frozen=True)
class _Route:
    order: tuple[Hashable, ...]
    departure: float
    arrivals: tuple[float, ...]
    starts: tuple[int, ...]
    leg_min: tuple[float, ...]  # one per stop, then the return leg
    leg_km: tuple[float, ...]
    return_time: float

    @property
    def drive_min(self) -> float:
        return float(sum(self.leg_min))

    @property
    def km(self) -> float:
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


def _read_stops(stops: pd.DataFrame, settings: MobileSettings) -> tuple[list[_Stop], dict]:
    """Stop records and the per-stop data problems (French reasons)."""
    records, problems = [], {}
    for stop_id, row in stops.iterrows():
        market = _text(row.get("market_day")).strip().lower() or None
        frequency = _text(row.get("frequency")).strip() or settings.default_frequency
        gain = row.get("gain_need")
        stop = _Stop(
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


class _Planner:
    """Travel data, exact half-day routing (memoised) and the greedy state."""

    def __init__(
        self,
        stops: list[_Stop],
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
        self._routes: dict[tuple, _Route | None] = {}

    def leg(self, a: Hashable, b: Hashable) -> tuple[float, float]:
        i, j = self.pos[a], self.pos[b]
        return float(self.minutes[i, j]), float(self.km[i, j])

    def round_trip_min(self, advisor: Advisor, stop_id: Hashable) -> float:
        return self.leg(advisor.base_id, stop_id)[0] + self.leg(stop_id, advisor.base_id)[0]

    def _timed(self, base: Hashable, order: tuple, day: str, half_day: str) -> _Route | None:
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
                if (start := math.ceil(max(t, lo) / step - _EPS) * step) + duration <= hi + _EPS
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
        if t + minutes > w1 + _EPS or sum(legs_min) > s.max_drive_min + _EPS:
            return None
        # Leave the base just in time for the first session.
        departure = starts[0] - legs_min[0]
        arrivals[0] = float(starts[0])
        return _Route(
            order,
            departure,
            tuple(arrivals),
            tuple(starts),
            tuple(legs_min),
            tuple(legs_km),
            t + minutes,
        )

    def route(self, advisor: Advisor, stop_ids: Iterable, day: str, half_day: str) -> _Route | None:
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
                    or timed.drive_min < best.drive_min - _EPS
                    or (
                        timed.drive_min <= best.drive_min + _EPS
                        and timed.return_time < best.return_time - _EPS
                    )
                ):
                    best = timed
            self._routes[key] = best
        return self._routes[key]


def _stop_options(planner: _Planner, stop: _Stop) -> tuple[dict[int, list], str]:
    """Half-days where the stop fits alone, per advisor index, or the French reason why none."""
    s = planner.settings
    trips = [planner.round_trip_min(adv, stop.stop_id) for adv in planner.advisors]
    if not any(math.isfinite(t) for t in trips):
        return {}, "aucun temps de trajet connu depuis les bases des conseillers"
    if min(trips) > s.max_drive_min + _EPS:
        return {}, (
            f"trajet aller-retour de {min(trips):.0f} min depuis la base, au-delà de la "
            f"limite de {s.max_drive_min:.0f} min"
        )
    options = {}
    for k, adv in enumerate(planner.advisors):
        fits = [
            (day, half)
            for day in s.days
            if day in adv.available_days
            for half in HALF_DAYS
            if trips[k] <= s.max_drive_min + _EPS
            and planner.route(adv, [stop.stop_id], day, half) is not None
        ]
        if fits:
            options[k] = fits
    if options:
        return options, ""
    reason = (
        f"aucun créneau d'ouverture compatible avec une séance de {_duration_fr(s.session_min)}"
    )
    if stop.market_day is not None:
        detail = f"marché le {stop.market_day} matin"
    elif stop.hours:
        detail = f"ouvert : {format_fr(stop.hours) or 'jamais'}"
    else:
        detail = "trajet et séance ne tiennent pas dans la demi-journée"
    return {}, f"{reason} ({detail})"


def _check_advisors(advisors: Sequence[Advisor]) -> None:
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
    _check_advisors(advisors)
    records, problems = _read_stops(stops, settings)
    planner = _Planner(records, advisors, drive_min, None, settings)
    return pd.Series(
        [problems.get(st.stop_id) or _stop_options(planner, st)[1] for st in records],
        index=stops.index,
        dtype=object,
    )


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
    _check_advisors(advisors)
    s = settings
    records, problems = _read_stops(stops, s)
    planner = _Planner(records, advisors, drive_min, drive_km, s)
    rng = np.random.default_rng(s.seed)
    stop_rank = dict(
        zip([st.stop_id for st in records], rng.permutation(len(records)), strict=True)
    )
    advisor_rank = rng.permutation(len(advisors))
    n_weeks = s.weeks_in_cycle

    reasons: dict[Hashable, str] = {}
    options: dict[Hashable, dict[int, list]] = {}
    for st in records:
        reason = problems.get(st.stop_id) or ""
        if not reason:
            options[st.stop_id], reason = _stop_options(planner, st)
        if reason:
            reasons[st.stop_id] = reason

    def period(st: _Stop) -> int:
        return FREQUENCY_PERIOD_WEEKS[st.frequency]

    # Greedy state: stops of each (advisor, week, day, half-day).
    members: dict[tuple[int, int, str, str], list] = {}
    used = np.zeros((len(advisors), n_weeks), dtype=int)
    day_use: dict[tuple[int, str], int] = {}
    todo = sorted(
        (st for st in records if st.stop_id not in reasons),
        key=lambda st: (
            sum(len(v) for v in options[st.stop_id].values()),
            period(st),
            -st.gain_need,
            stop_rank[st.stop_id],
        ),
    )

    def added_drive(k: int, stop_id: Hashable, day: str, half: str, weeks: range) -> tuple | None:
        """Extra driving minutes and new half-days of a placement, ``None`` if infeasible."""
        adv = advisors[k]
        extra_min, new_half_days = 0.0, 0
        for w in weeks:
            current = members.get((k, w, day, half), [])
            if len(current) >= s.max_stops_per_half_day or (
                not current and used[k, w] >= adv.half_days_per_week
            ):
                return None
            route = planner.route(adv, [*current, stop_id], day, half)
            if route is None:
                return None
            old_min = planner.route(adv, current, day, half).drive_min if current else 0.0
            extra_min += route.drive_min - old_min
            new_half_days += not current
        return extra_min, new_half_days

    for st in todo:
        p = period(st)
        evaluated = []
        for k, fits in options[st.stop_id].items():
            for (day, half), phase in itertools.product(fits, range(p)):
                weeks = range(phase, n_weeks, p)
                added = added_drive(k, st.stop_id, day, half, weeks)
                if added is None:
                    continue
                extra_min, new_half_days = added
                capacity = advisors[k].half_days_per_week * n_weeks
                per_visit_min = extra_min / len(weeks)
                tie_break = (
                    (used[k].sum() + new_half_days) / capacity,
                    new_half_days,
                    per_visit_min,
                    int(used[k, list(weeks)].sum()),
                    day_use.get((k, day), 0),
                    WEEKDAYS_FR.index(day),
                    HALF_DAYS.index(half),
                    phase,
                    int(advisor_rank[k]),
                )
                evaluated.append((per_visit_min, tie_break, (k, day, half, weeks)))
        if not evaluated:
            reachable = sorted({advisors[k].name for k in options[st.stop_id]})
            reasons[st.stop_id] = (
                f"plus de demi-journée disponible (conseillers à portée : {', '.join(reachable)})"
            )
            continue
        best_cost = min(e[0] for e in evaluated)
        _, _, (k, day, half, weeks) = min(
            (e for e in evaluated if e[0] <= best_cost + s.balance_tolerance_min + _EPS),
            key=lambda e: e[1],
        )
        for w in weeks:
            current = members.setdefault((k, w, day, half), [])
            if not current:
                used[k, w] += 1
                day_use[(k, day)] = day_use.get((k, day), 0) + 1
            current.append(st.stop_id)

    rows = []
    for (k, w, day, half), ids in members.items():
        adv = advisors[k]
        route = planner.route(adv, ids, day, half)
        for i, stop_id in enumerate(route.order):
            st = planner.stops[stop_id]
            last = i == len(route.order) - 1
            rows.append(
                {
                    "advisor_id": adv.advisor_id,
                    "advisor_name": adv.name,
                    "base_id": adv.base_id,
                    "week": w + 1,
                    "day": day,
                    "half_day": half,
                    "departure": _hhmm(route.departure),
                    "order": i + 1,
                    "stop_id": stop_id,
                    "stop_name": st.name,
                    "kind": st.kind,
                    "frequency": st.frequency,
                    "arrival": _hhmm(route.arrivals[i]),
                    "session_start": _hhmm(route.starts[i]),
                    "session_end": _hhmm(route.starts[i] + s.session_min),
                    "leg_drive_min": route.leg_min[i],
                    "leg_km": route.leg_km[i],
                    "return_drive_min": route.leg_min[-1] if last else np.nan,
                    "return_km": route.leg_km[-1] if last else np.nan,
                    "return_time": _hhmm(route.return_time),
                    "half_day_drive_min": route.drive_min,
                    "half_day_km": route.km,
                    "hours_note": HOURS_UNKNOWN_FR
                    if not st.hours and st.market_day is None
                    else "",
                    "_advisor": k,
                    "_day": WEEKDAYS_FR.index(day),
                    "_half": HALF_DAYS.index(half),
                }
            )
    sort_keys = ["_advisor", "week", "_day", "_half", "order"]
    schedule = pd.DataFrame(rows, columns=[*SCHEDULE_COLUMNS_FR, "_advisor", "_day", "_half"])
    schedule = schedule.sort_values(sort_keys).drop(columns=["_advisor", "_day", "_half"])
    schedule = schedule.reset_index(drop=True)
    unschedulable = pd.DataFrame(
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
    return schedule, unschedulable


# --------------------------------------------------------------------------- full plan


@dataclass
class MobileResult:
    """Outcome of :func:`plan_mobile_sessions`.

    Attributes
    ----------
    selection : pandas.DataFrame
        Output of :func:`select_stops` (``attrs["solver"]`` included).
    stops : geopandas.GeoDataFrame
        One point per selected stop (EPSG:2154): ``name``, ``kind``, ``frequency``,
        ``visits_per_cycle``, ``scheduled``, ``advisor_id``, ``advisor_name``, ``day``,
        ``half_day``, ``weeks``, ``session_start``, ``session_end`` (first visit),
        ``hours_note``, ``reason`` (unschedulable), ``gain_need``, ``gain_population``.
    schedule : pandas.DataFrame
        See :func:`plan_circuits`.
    unschedulable : pandas.DataFrame
        See :func:`plan_circuits`.
    circuits : geopandas.GeoDataFrame
        One LineString per half-day circuit (base → stops → base, straight segments,
        EPSG:2154): ``advisor_id``, ``advisor_name``, ``week``, ``day``, ``half_day``,
        ``departure``, ``return_time``, ``n_stops``, ``stop_ids``, ``drive_min``, ``km``.
    coverage_gain : dict
        Communes newly within ``short_drive_min`` of a *scheduled* stop and not within the
        fixed-site threshold: ``population``, ``need``, ``communes``, ``commune_ids``,
        and the same if every selected stop were scheduled (``*_if_all_scheduled``).
    km_per_cycle, km_per_year, drive_hours_per_year, cost_eur_per_year : float
        Vehicle use; yearly = cycle × ``working_weeks_per_year`` / ``weeks_in_cycle``.
    travel_model : dict
        Caller's description of the travel engine, passed through.
    parameters : dict
        Settings, advisors, rules used (kilometres source, yearly rule).
    """

    selection: pd.DataFrame
    stops: gpd.GeoDataFrame
    schedule: pd.DataFrame
    unschedulable: pd.DataFrame
    circuits: gpd.GeoDataFrame
    coverage_gain: dict[str, Any]
    km_per_cycle: float
    km_per_year: float
    drive_hours_per_year: float
    cost_eur_per_year: float
    travel_model: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (``inf``/NaN become ``None``; circuits as coordinates)."""
        stops = pd.DataFrame(self.stops.drop(columns="geometry"))
        stops["x_l93"] = self.stops.geometry.x
        stops["y_l93"] = self.stops.geometry.y
        circuits = pd.DataFrame(self.circuits.drop(columns="geometry"))
        circuits["coordinates_l93"] = [list(g.coords) for g in self.circuits.geometry]
        return _jsonable(
            {
                "stops": stops.reset_index(names="stop_id").to_dict(orient="records"),
                "circuits": circuits.to_dict(orient="records"),
                "schedule": self.schedule.to_dict(orient="records"),
                "coverage_gain": self.coverage_gain,
                "km_per_cycle": self.km_per_cycle,
                "km_per_year": self.km_per_year,
                "drive_hours_per_year": self.drive_hours_per_year,
                "cost_eur_per_year": self.cost_eur_per_year,
                "travel_model": self.travel_model,
                "unschedulable": self.unschedulable.to_dict(orient="records"),
                "selection_solver": self.selection.attrs.get("solver", {}),
                "parameters": self.parameters,
            }
        )

    def schedule_csv(self, path: str | Path) -> Path:
        """Write the schedule for French Excel: ``;`` separator, decimal comma, UTF-8 BOM.

        Column headers are French (:data:`SCHEDULE_COLUMNS_FR`); minutes and kilometres
        are rounded to one decimal.
        """
        path = Path(path)
        table = self.schedule.copy()
        numeric = table.select_dtypes("number").columns.difference(["week", "order"])
        table[numeric] = table[numeric].round(1)
        table["frequency"] = table["frequency"].map(FREQUENCY_FR)
        table["kind"] = table["kind"].map(KIND_FR).fillna(table["kind"])
        table.rename(columns=SCHEDULE_COLUMNS_FR).to_csv(
            path, sep=";", decimal=",", encoding="utf-8-sig", index=False
        )
        return path


def _points_l93(geometry: gpd.GeoSeries, ids: Iterable[Hashable]) -> gpd.GeoSeries:
    if geometry.crs is None:
        raise ValueError("les géométries des lieux n'ont pas de système de coordonnées.")
    ids = list(dict.fromkeys(ids))
    missing = [i for i in ids if i not in geometry.index]
    if missing:
        raise ValueError(f"géométrie manquante pour les lieux : {missing[:5]}.")
    return geometry.loc[ids].to_crs(L93)


def _circuits_layer(schedule: pd.DataFrame, points: gpd.GeoSeries) -> gpd.GeoDataFrame:
    records, lines = [], []
    keys = ["advisor_id", "week", "day", "half_day"]
    for _, group in schedule.groupby(keys, sort=False):
        first, last = group.iloc[0], group.iloc[-1]
        places = [first["base_id"], *group["stop_id"], first["base_id"]]
        lines.append(LineString([(points[p].x, points[p].y) for p in places]))
        records.append(
            {
                "advisor_id": first["advisor_id"],
                "advisor_name": first["advisor_name"],
                "week": int(first["week"]),
                "day": first["day"],
                "half_day": first["half_day"],
                "departure": first["departure"],
                "return_time": last["return_time"],
                "n_stops": len(group),
                "stop_ids": " → ".join(map(str, group["stop_id"])),
                "drive_min": float(first["half_day_drive_min"]),
                "km": float(first["half_day_km"]),
            }
        )
    columns = [
        "advisor_id",
        "advisor_name",
        "week",
        "day",
        "half_day",
        "departure",
        "return_time",
        "n_stops",
        "stop_ids",
        "drive_min",
        "km",
    ]
    return gpd.GeoDataFrame(pd.DataFrame(records, columns=columns), geometry=lines, crs=L93)


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
    _check_advisors(advisors)
    points = _points_l93(geometry, [*(a.base_id for a in advisors), *candidates.index])
    forced = list(dict.fromkeys(forced))
    alone = schedulable_alone(candidates, advisors, drive_min, s)
    eligible = [c for c in candidates.index if alone[c] == "" or c in forced]
    selection = select_stops(
        coverage_min,
        need,
        population,
        already_covered,
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

    first = schedule.drop_duplicates("stop_id").set_index("stop_id")
    weeks = schedule.groupby("stop_id")["week"].agg(lambda w: ", ".join(map(str, sorted(w))))
    records, _ = _read_stops(stops, s)
    table = pd.DataFrame(
        {
            "name": [st.name for st in records],
            "kind": [st.kind for st in records],
            "frequency": [st.frequency for st in records],
            "visits_per_cycle": [
                s.weeks_in_cycle // FREQUENCY_PERIOD_WEEKS[st.frequency]
                if st.frequency in FREQUENCY_PERIOD_WEEKS
                else 0
                for st in records
            ],
        },
        index=pd.Index(stops.index, name="stop_id"),
    )
    table["scheduled"] = table.index.isin(first.index)
    for col in (
        "advisor_id",
        "advisor_name",
        "day",
        "half_day",
        "session_start",
        "session_end",
        "hours_note",
    ):
        table[col] = first[col].reindex(table.index)
    table["weeks"] = weeks.reindex(table.index)
    table["reason"] = unschedulable.set_index("stop_id")["reason"].reindex(table.index)
    table["gain_need"] = selection["gain_need"]
    table["gain_population"] = selection["gain_population"]
    stops_layer = gpd.GeoDataFrame(table, geometry=points.reindex(table.index).values, crs=L93)

    rows = coverage_min.index if communes is None else pd.Index(list(communes))
    near = coverage_min.reindex(index=rows).fillna(np.inf) <= s.short_drive_min
    fresh = ~already_covered.reindex(rows).astype(bool)

    def gain(stop_ids: pd.Index) -> tuple[pd.Index, float, float]:
        hit = near.reindex(columns=stop_ids, fill_value=False).any(axis=1) & fresh
        ids = rows[hit.to_numpy()]
        return ids, float(need.reindex(ids).sum()), float(population.reindex(ids).sum())

    ids, need_gain, pop_gain = gain(pd.Index(first.index))
    _, need_all, pop_all = gain(selection.index)
    coverage_gain = {
        "short_drive_min": s.short_drive_min,
        "population": pop_gain,
        "need": need_gain,
        "communes": len(ids),
        "commune_ids": list(ids),
        "population_if_all_scheduled": pop_all,
        "need_if_all_scheduled": need_all,
    }

    halves = schedule.drop_duplicates(["advisor_id", "week", "day", "half_day"])
    km_per_cycle = float(halves["half_day_km"].sum())
    yearly = s.working_weeks_per_year / s.weeks_in_cycle
    km_per_year = km_per_cycle * yearly
    parameters = {
        **asdict(s),
        "advisors": [asdict(a) for a in advisors],
        "km_source": "matrice des distances"
        if drive_km is not None
        else f"temps de trajet × vitesse moyenne de {s.avg_speed_kmh:g} km/h",
        "yearly_rule": (
            f"km du cycle × {s.working_weeks_per_year} semaines travaillées / "
            f"{s.weeks_in_cycle} semaines du cycle"
        ),
    }
    return MobileResult(
        selection=selection,
        stops=stops_layer,
        schedule=schedule,
        unschedulable=unschedulable,
        circuits=_circuits_layer(schedule, points),
        coverage_gain=coverage_gain,
        km_per_cycle=km_per_cycle,
        km_per_year=km_per_year,
        drive_hours_per_year=float(halves["half_day_drive_min"].sum()) * yearly / 60.0,
        cost_eur_per_year=km_per_year * s.cost_per_km_eur,
        travel_model=dict(travel_model or {}),
        parameters=parameters,
    )
