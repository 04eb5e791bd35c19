"""Every default threshold, cost, limit and model parameter of Maillage, in one place.

The CLI, the app, the workflow layer and the engines read their defaults from here so
that a request gives the same result whichever way it is made. Units are in the names.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_SPEED_KMH",
    "ADVISOR_COST_EUR",
    "BORDER_KM",
    "CATCHMENT_THRESHOLDS_MIN",
    "CIRCUITY",
    "COFUNDING_PER_ADVISOR_EUR",
    "COVERAGE_THRESHOLDS_MIN",
    "DEPARTEMENT_CODE",
    "LOW_RATIO_FACTOR",
    "MAX_USER_FILE_BYTES",
    "MIP_REL_GAP",
    "MOBILE_HALF_DAYS_PER_WEEK",
    "MOBILE_MAX_DRIVE_MIN",
    "MOBILE_N_STOPS",
    "MOBILE_SESSION_HOURS",
    "NETWORK_BUFFER_M",
    "OFFER_TYPES",
    "SOLVER_TIME_LIMIT_S",
    "SPEED_KMH",
    "THRESHOLD_MIN",
    "ZONE_DIAMETER_KM",
    "SCENARIO_MAX_JSON_BYTES",
    "SCENARIO_MAX_DEPTH",
    "SCENARIO_MAX_NAME_CHARS",
    "SCENARIO_MAX_NOTE_CHARS",
    "SCENARIO_MAX_SITES",
    "SCENARIO_STORE_BUSY_TIMEOUT_S",
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

#: Scenario JSON (file, upload or stored payload) larger than this is refused unread.
SCENARIO_MAX_JSON_BYTES: int = 5 * 1024 * 1024
#: Deepest nesting of arrays/objects accepted in scenario JSON.
SCENARIO_MAX_DEPTH: int = 32
#: Longest scenario name, author, site id or site name (characters).
SCENARIO_MAX_NAME_CHARS: int = 200
#: Longest scenario note (characters).
SCENARIO_MAX_NOTE_CHARS: int = 10_000
#: Most sites in one list of a scenario's changes (added, moved, removed...).
SCENARIO_MAX_SITES: int = 10_000
#: How long a scenario save waits for another session's save before giving up.
SCENARIO_STORE_BUSY_TIMEOUT_S: float = 30.0
