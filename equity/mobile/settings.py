"""Settings of a mobile-session plan: the advisors who go out and the plan parameters.

Defaults come from :mod:`geo.defaults` (``MOBILE_*``, ``SOLVER_TIME_LIMIT_S``) so the CLI,
the app and the exports plan with the same values.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from equity.mobile._clock import EPS, duration_fr, to_minutes, window_valid
from geo.defaults import (
    ADVISOR_HOURS_PER_YEAR,
    CAPACITY_PERSONS_PER_ADVISOR,
    MOBILE_AFTERNOON,
    MOBILE_AVG_SPEED_KMH,
    MOBILE_BUNDLE_MAX_MIN,
    MOBILE_CO2_KG_PER_KM,
    MOBILE_COST_PER_KM_EUR,
    MOBILE_FIXED_SITE_EXCLUSION_MIN,
    MOBILE_HALF_DAYS_PER_WEEK,
    MOBILE_MAX_DRIVE_MIN,
    MOBILE_MAX_STOPS_PER_HALF_DAY,
    MOBILE_MORNING,
    MOBILE_N_STOPS,
    MOBILE_SESSION_HOURS,
    MOBILE_SHORT_DRIVE_MIN,
    MOBILE_VRP_NO_IMPROVEMENT,
    MOBILE_WEEKS_IN_CYCLE,
    MOBILE_WORKING_WEEKS_PER_YEAR,
    SOLVER_TIME_LIMIT_S,
)
from geo.opening_hours import WEEKDAYS_FR

__all__ = [
    "DEFAULT_N_STOPS",
    "FREQUENCY_FR",
    "FREQUENCY_PERIOD_WEEKS",
    "HALF_DAYS",
    "HOURS_UNKNOWN_FR",
    "KIND_FR",
    "Advisor",
    "MobileSettings",
]

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
#: Default number of mobile-session stops (kept for callers of the former module).
DEFAULT_N_STOPS: int = MOBILE_N_STOPS


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
    half_days_per_week: int = MOBILE_HALF_DAYS_PER_WEEK
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
        Maximum total driving time of one circuit (one day out: base → stops → base).
    max_stops_per_half_day : int
        Maximum number of sessions in one half-day of a circuit (1–8).
    default_frequency : {"weekly", "fortnightly", "monthly"}
        Frequency of stops without their own ``frequency``.
    weeks_in_cycle : int
        Length of the planning cycle, a multiple of 4 weeks.
    working_weeks_per_year : int
        Weeks with mobile sessions per year (yearly km = cycle km × this / cycle weeks).
    cost_per_km_eur : float
        Vehicle cost per kilometre.
    co2_kg_per_km : float
        Emission factor of the vehicle (kg CO2e per km).
    avg_speed_kmh : float
        Average speed turning minutes into kilometres when no distance matrix is given.
    morning, afternoon : tuple of str
        Half-day windows ``("HH:MM", "HH:MM")``: the working day runs from the start of
        the morning to the end of the afternoon, and the gap between them is the lunch
        break (no session and no driving).
    days : tuple of str
        Weekdays with mobile sessions.
    session_start_step_min : int
        Session start times are rounded up to a multiple of this many minutes when the
        circuit stays feasible.
    fixed_site_exclusion_min : float
        No stop in a commune hosting a fixed site nor within this driving time of one,
        unless forced.
    bundle_max_min : float
        Fortnightly or monthly stops at most this far apart may share one weekly slot
        in alternate weeks.
    capacity_persons_per_advisor, advisor_hours_per_year : float
        Capacity of a session hour = ``capacity_persons_per_advisor /
        advisor_hours_per_year`` persons accompanied per year.
    time_limit_s : float
        Wall-clock limit of the selection MILP and of each routing search.
    vrp_no_improvement : int
        The routing search stops after this many iterations without improvement.
    seed : int
        Seed of the routing search (the plan is deterministic for a seed).
    """

    n_stops: int = MOBILE_N_STOPS
    short_drive_min: float = MOBILE_SHORT_DRIVE_MIN
    session_hours: float = MOBILE_SESSION_HOURS
    max_drive_min: float = MOBILE_MAX_DRIVE_MIN
    max_stops_per_half_day: int = MOBILE_MAX_STOPS_PER_HALF_DAY
    default_frequency: str = "weekly"
    weeks_in_cycle: int = MOBILE_WEEKS_IN_CYCLE
    working_weeks_per_year: int = MOBILE_WORKING_WEEKS_PER_YEAR
    cost_per_km_eur: float = MOBILE_COST_PER_KM_EUR
    co2_kg_per_km: float = MOBILE_CO2_KG_PER_KM
    avg_speed_kmh: float = MOBILE_AVG_SPEED_KMH
    morning: tuple[str, str] = MOBILE_MORNING
    afternoon: tuple[str, str] = MOBILE_AFTERNOON
    days: tuple[str, ...] = WEEKDAYS_FR[:6]
    session_start_step_min: int = 15
    fixed_site_exclusion_min: float = MOBILE_FIXED_SITE_EXCLUSION_MIN
    bundle_max_min: float = MOBILE_BUNDLE_MAX_MIN
    capacity_persons_per_advisor: float = CAPACITY_PERSONS_PER_ADVISOR
    advisor_hours_per_year: float = ADVISOR_HOURS_PER_YEAR
    time_limit_s: float = SOLVER_TIME_LIMIT_S
    vrp_no_improvement: int = MOBILE_VRP_NO_IMPROVEMENT
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
            "l'arrêt de la recherche sans amélioration": self.vrp_no_improvement,
            "la capacité par conseiller": self.capacity_persons_per_advisor,
            "le temps de travail annuel d'un conseiller": self.advisor_hours_per_year,
        }
        problems += [
            f"{label} doit être positif (reçu : {v})" for label, v in positive.items() if not v > 0
        ]
        non_negative = {
            "le coût au kilomètre": self.cost_per_km_eur,
            "le facteur d'émission": self.co2_kg_per_km,
            "la distance aux sites fixes": self.fixed_site_exclusion_min,
            "l'écart entre arrêts d'un même créneau": self.bundle_max_min,
        }
        problems += [
            f"{label} ne peut pas être négatif (reçu : {v})"
            for label, v in non_negative.items()
            if not v >= 0
        ]
        if not 1 <= self.max_stops_per_half_day <= 8:
            problems.append("le nombre de séances par demi-journée doit être entre 1 et 8")
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
        bad = [name for name, w in windows.items() if not window_valid(w)]
        problems += [f"horaires de la demi-journée « {n} » invalides" for n in bad]
        if not bad:
            lengths = {n: to_minutes(w[1]) - to_minutes(w[0]) for n, w in windows.items()}
            if self.session_hours * 60 > max(lengths.values()) + EPS:
                problems.append(
                    f"la séance ({duration_fr(self.session_hours * 60)}) est plus longue "
                    f"qu'une demi-journée ({duration_fr(lengths['matin'])} le matin, "
                    f"{duration_fr(lengths['après-midi'])} l'après-midi)"
                )
            if to_minutes(self.morning[1]) > to_minutes(self.afternoon[0]):
                problems.append("la matinée doit finir avant le début de l'après-midi")
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
        return to_minutes(start), to_minutes(end)

    @property
    def persons_per_session_hour(self) -> float:
        """Persons accompanied per year for one hour of session a year."""
        return self.capacity_persons_per_advisor / self.advisor_hours_per_year
