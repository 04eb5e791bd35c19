"""Every default threshold, cost, limit and model parameter of Maillage, in one place.

The CLI, the app, the workflow layer and the engines read their defaults from here so
that a request gives the same result whichever way it is made. Units are in the names.
"""

from __future__ import annotations

__all__ = [  # noqa: RUF022 (new names go at the end, to ease merges)
    "ACCESS_SPEED_KMH",
    "ADVISOR_COST_EUR",
    "BORDER_KM",
    "CAPACITY_MIP_REL_GAP",
    "CATCHMENT_THRESHOLDS_MIN",
    "CIRCUITY",
    "COFUNDING_PER_ADVISOR_EUR",
    "COVERAGE_THRESHOLDS_MIN",
    "DEPARTEMENT_CODE",
    "LOW_RATIO_FACTOR",
    "MAX_USER_FILE_BYTES",
    "MIP_REL_GAP",
    "MOBILE_AFTERNOON",
    "MOBILE_AVG_SPEED_KMH",
    "MOBILE_COST_PER_KM_EUR",
    "MOBILE_HALF_DAYS_PER_WEEK",
    "MOBILE_MAX_DRIVE_MIN",
    "MOBILE_MAX_STOPS_PER_HALF_DAY",
    "MOBILE_MORNING",
    "MOBILE_N_STOPS",
    "MOBILE_SESSION_HOURS",
    "MOBILE_SHORT_DRIVE_MIN",
    "MOBILE_WEEKS_IN_CYCLE",
    "MOBILE_WORKING_WEEKS_PER_YEAR",
    "NETWORK_BUFFER_M",
    "NEW_SITES",
    "OFFER_TYPES",
    "SENSITIVITY_THRESHOLDS_MIN",
    "SOLVER_TIME_LIMIT_S",
    "SPEED_KMH",
    "THRESHOLD_MIN",
    "ZONE_DIAMETER_KM",
    "CAPACITY_PERSONS_PER_ADVISOR",
    "REINFORCE_RADIUS_KM",
    "MAX_ADVISORS_PER_SITE",
    "MIN_EPCI_SHARE",
    "ROBUSTNESS_CIRCUITIES",
    "ROBUSTNESS_SPEEDS_KMH",
]

#: Code of the département loaded when none is chosen.
DEPARTEMENT_CODE: str = "72"

#: Travel-time threshold (minutes) under which a place counts as within reach of help.
THRESHOLD_MIN: float = 20.0
#: Thresholds reported side by side in diagnostics.
COVERAGE_THRESHOLDS_MIN: tuple[int, ...] = (10, 15, 20, 30)
#: Catchment rings drawn on maps.
CATCHMENT_THRESHOLDS_MIN: tuple[float, ...] = (10, 20, 30, 45)
#: Site types that make up the existing offer by default.
OFFER_TYPES: tuple[str, ...] = ("cnfs_permanence",)

#: Straight-line approximation: road distance = circuity × straight-line distance.
CIRCUITY: float = 1.3
#: Straight-line approximation: average driving speed.
SPEED_KMH: float = 60.0
#: Speed from a point to the nearest road node (walking/driving on small roads).
ACCESS_SPEED_KMH: float = 15.0
#: Road network extracts are clipped to the territory plus this buffer.
NETWORK_BUFFER_M: float = 15_000.0
#: Services of neighbouring départements within this distance of the border count.
BORDER_KM: float = 20.0

#: Full annual cost of one advisor (salary, charges, equipment).
ADVISOR_COST_EUR: float = 50_000.0
#: State co-funding per advisor per year.
COFUNDING_PER_ADVISOR_EUR: float = 25_000.0

#: Time budget of one exact placement or stop-selection solve.
SOLVER_TIME_LIMIT_S: float = 30.0
#: Relative MIP gap under which a solution counts as optimal.
MIP_REL_GAP: float = 1e-7

#: Under-served: 2SFCA ratio below this share of the territory's ratio.
LOW_RATIO_FACTOR: float = 0.5
#: Under-served zones are not grown beyond this diameter.
ZONE_DIAMETER_KM: float = 30.0

#: Mobile sessions: number of stops requested.
MOBILE_N_STOPS: int = 12
#: Mobile sessions: half-days per advisor per week.
MOBILE_HALF_DAYS_PER_WEEK: int = 2
#: Mobile sessions: length of one session.
MOBILE_SESSION_HOURS: float = 2.0
#: Mobile sessions: maximum driving time per half-day.
MOBILE_MAX_DRIVE_MIN: float = 60.0

#: User files larger than this are refused before parsing.
MAX_USER_FILE_BYTES: int = 50 * 1024 * 1024

#: Placement: number of new sites asked for by default (one advisor each unless set).
NEW_SITES: int = 20
#: Placement: thresholds compared by the threshold-sensitivity analysis.
SENSITIVITY_THRESHOLDS_MIN: tuple[float, ...] = (15.0, 20.0, 30.0)
#: Placement: relative MIP gap of the capacity model's stages (massive near-ties make
#: MIP_REL_GAP take minutes on Sarthe; this is HiGHS' own default).
CAPACITY_MIP_REL_GAP: float = 1e-4
#: Mobile sessions: a commune is reached by a stop within this driving time.
MOBILE_SHORT_DRIVE_MIN: float = 10.0
#: Mobile sessions: most sessions in one half-day (visiting orders are enumerated).
MOBILE_MAX_STOPS_PER_HALF_DAY: int = 3
#: Mobile sessions: length of the planning cycle (a multiple of 4 weeks).
MOBILE_WEEKS_IN_CYCLE: int = 4
#: Mobile sessions: weeks with sessions per year (yearly km = cycle km × this / cycle weeks).
MOBILE_WORKING_WEEKS_PER_YEAR: int = 47
#: Mobile sessions: vehicle cost per kilometre.
MOBILE_COST_PER_KM_EUR: float = 0.35
#: Mobile sessions: speed turning driving minutes into km when no distance matrix is given.
MOBILE_AVG_SPEED_KMH: float = 50.0
#: Mobile sessions: morning window ("HH:MM", "HH:MM"), driving included.
MOBILE_MORNING: tuple[str, str] = ("09:00", "12:30")
#: Mobile sessions: afternoon window ("HH:MM", "HH:MM"), driving included.
MOBILE_AFTERNOON: tuple[str, str] = ("13:30", "17:30")
#: Placement: persons accompanied per advisor per year (ANCT annual report 2022: 3,614
#: advisors in post accompanied more than 2.2 million people, about 600 each).
CAPACITY_PERSONS_PER_ADVISOR: float = 600.0
#: Placement: a host place this close to an existing permanence reinforces it.
REINFORCE_RADIUS_KM: float = 1.0
#: Placement: most new advisors one decision (new site or reinforcement) receives.
MAX_ADVISORS_PER_SITE: int = 3
#: Placement: guaranteed share of the département's capacity per person in need for
#: every EPCI (0 = no guarantee).
MIN_EPCI_SHARE: float = 0.0
#: Placement robustness: circuity factors tried around the travel model's own.
ROBUSTNESS_CIRCUITIES: tuple[float, ...] = (1.2, 1.4)
#: Placement robustness: average speeds tried around the travel model's own.
ROBUSTNESS_SPEEDS_KMH: tuple[float, ...] = (50.0, 70.0)
