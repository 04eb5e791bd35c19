"""Every default threshold, cost, limit and model parameter of Maillage, in one place.

The CLI, the app, the workflow layer and the engines read their defaults from here so
that a request gives the same result whichever way it is made. Units are in the names.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_SPEED_KMH",
    "ADVISOR_COST_EUR",
    "BORDER_KM",
    "CAPACITY_MIP_REL_GAP",
    "CATCHMENT_THRESHOLDS_MIN",
    "CIRCUITY",
    "COFUNDING_PER_ADVISOR_EUR",
    "COVERAGE_THRESHOLDS_MIN",
    "DEPARTEMENT_CODE",
    "EXPORT_STEM_MAX_CHARS",
    "LOW_RATIO_FACTOR",
    "MAP_CLASS_SCHEME",
    "MAP_N_CLASSES",
    "MAX_NETWORK_BUFFER_M",
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
    "NETWORK_MIN_COVERAGE",
    "NEW_ADVISORS",
    "OFFER_TYPES",
    "PRINT_DPI",
    "PRINT_ORIENTATION",
    "PRINT_PAPER",
    "SCENARIO_MAX_DEPTH",
    "SCENARIO_MAX_JSON_BYTES",
    "SCENARIO_MAX_NAME_CHARS",
    "SCENARIO_MAX_NOTE_CHARS",
    "SCENARIO_MAX_SITES",
    "SCENARIO_STORE_BUSY_TIMEOUT_S",
    "SENSITIVITY_THRESHOLDS_MIN",
    "SOLVER_TIME_LIMIT_S",
    "SPEED_KMH",
    "TERRITORY_CACHE_KEEP",
    "THRESHOLD_MIN",
    "ZONE_DIAMETER_KM",
]

#: Code of the département loaded when none is chosen.
DEPARTEMENT_CODE: str = "72"

# Readers' time zone (own block so parallel additions merge cleanly).
__all__ += ["LOCAL_TIMEZONE"]
#: Time zone in which saved times are shown (metropolitan France; an overseas
#: département's users would set theirs).
LOCAL_TIMEZONE: str = "Europe/Paris"

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
#: Mobile sessions: maximum driving time of one circuit (one day out, base to base).
MOBILE_MAX_DRIVE_MIN: float = 60.0

#: User files larger than this are refused before parsing.
MAX_USER_FILE_BYTES: int = 50 * 1024 * 1024

#: Placement: number of new sites asked for by default (one advisor each unless set).
NEW_ADVISORS: int = 20
#: Placement: thresholds compared by the threshold-sensitivity analysis.
SENSITIVITY_THRESHOLDS_MIN: tuple[float, ...] = (15.0, 20.0, 30.0)
#: Placement: relative MIP gap of the capacity model's stages (massive near-ties make
#: MIP_REL_GAP take minutes on Sarthe; this is HiGHS' own default).
CAPACITY_MIP_REL_GAP: float = 1e-4
#: Mobile sessions: a commune is reached by a stop within this driving time.
MOBILE_SHORT_DRIVE_MIN: float = 10.0
#: Mobile sessions: most sessions in one half-day of a circuit.
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
# User-file validation bounds (their own block so parallel additions merge cleanly).
__all__ += [
    "MAX_ABS_USER_NUMBER",
    "MAX_ADVISORS_PER_SITE",
    "MAX_FIBRE_PREMISES_PER_COMMUNE",
    "MAX_FIBRE_SHARE_INSEE_BASE",
    "MAX_PROBLEMS_KEPT",
    "MAX_PROBLEMS_SHOWN",
    "MAX_SITE_NAME_CHARS",
    "MAX_USER_CELL_CHARS",
    "MAX_USER_COLUMNS",
]

#: User tables with more columns are refused on their header line, before parsing.
MAX_USER_COLUMNS: int = 500
#: Longest cell accepted in a user table (characters).
MAX_USER_CELL_CHARS: int = 2_000
#: Longest site name accepted in a user file (characters).
MAX_SITE_NAME_CHARS: int = 200
#: Any number read from a user file beyond this magnitude is refused as garbage.
MAX_ABS_USER_NUMBER: float = 1e12
#: Plausible advisors at one site in a user file (0 to this).
MAX_ADVISORS_PER_SITE: float = 50.0
#: Plausible premises (or connectable premises) of one commune (Paris has about 1.5 million).
MAX_FIBRE_PREMISES_PER_COMMUNE: float = 5_000_000.0
#: Connectable ÷ premises accepted when premises are INSEE housing + business counts (older
#: ARCEP files, whose estimates fell short of the operators' counts); the share is capped at 1.
MAX_FIBRE_SHARE_INSEE_BASE: float = 2.0
#: Problems kept per file; the count stays exact beyond it.
MAX_PROBLEMS_KEPT: int = 1_000
#: Problems listed in one validation message.
MAX_PROBLEMS_SHOWN: int = 80
#: Cached territories kept on disk (older ones are pruned).
TERRITORY_CACHE_KEEP: int = 6
#: Largest buffer accepted around the study area of a road network build.
MAX_NETWORK_BUFFER_M: float = 100_000.0
#: Minimum share of the (unbuffered) study area that a road network must span.
NETWORK_MIN_COVERAGE: float = 0.9
#: Maps: classification scheme of numeric choropleths (see geo.render.classification).
MAP_CLASS_SCHEME: str = "quantiles"
#: Maps: number of classes of numeric choropleths.
MAP_N_CLASSES: int = 5
#: Print maps: paper size.
PRINT_PAPER: str = "A4"
#: Print maps: page orientation.
PRINT_ORIENTATION: str = "landscape"
#: Print maps: resolution of PNG files (PDF and SVG are vector).
PRINT_DPI: int = 300
#: Export file names: the readable part of a scenario's name is cut to this length.
EXPORT_STEM_MAX_CHARS: int = 60
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

# Mobile circuits and session capacity (issue 13; own block so parallel additions merge).
__all__ += [
    "ADVISOR_HOURS_PER_YEAR",
    "CAPACITY_PERSONS_PER_ADVISOR",
    "MOBILE_BUNDLE_MAX_MIN",
    "MOBILE_CO2_KG_PER_KM",
    "MOBILE_FIXED_SITE_EXCLUSION_MIN",
    "MOBILE_VRP_NO_IMPROVEMENT",
]

#: Capacity: persons accompanied per advisor per year (ANCT annual report 2022: the 3,614
#: advisors in post accompanied more than 2.2 million people, ≈ 600 each).
CAPACITY_PERSONS_PER_ADVISOR: float = 600.0
#: Capacity: an advisor's annual working hours (French legal annual working time, 1,607 h);
#: one hour of session adds CAPACITY_PERSONS_PER_ADVISOR / ADVISOR_HOURS_PER_YEAR persons.
ADVISOR_HOURS_PER_YEAR: float = 1607.0
#: Mobile sessions: no stop within this driving time of a fixed site unless forced.
MOBILE_FIXED_SITE_EXCLUSION_MIN: float = 10.0
#: Mobile sessions: kg CO2e per km of a petrol car (ADEME Base Empreinte, « voiture
#: particulière, motorisation essence », about 0.218 kg CO2e/km with its manufacture;
#: check the current version of the base before quoting it).
MOBILE_CO2_KG_PER_KM: float = 0.218
#: Mobile sessions: fortnightly or monthly stops at most this many minutes apart may share
#: one weekly slot in alternate weeks.
MOBILE_BUNDLE_MAX_MIN: float = 15.0
#: Mobile sessions: the routing search stops after this many iterations without improvement.
MOBILE_VRP_NO_IMPROVEMENT: int = 2000

# Need in persons, capacity diagnosis, border offer and site checks (own block so parallel
# additions merge cleanly).
__all__ += [
    "BORDER_SHARE_RADIUS_KM",
    "ILLECTRONISM_RATE_15_59",
    "ILLECTRONISM_RATE_15_PLUS",
    "ILLECTRONISM_RATE_60_74",
    "ILLECTRONISM_RATE_75_PLUS",
    "ILLECTRONISM_SOURCE",
    "NEED_INDEX_MODULATION",
    "SITE_MAX_OFFSET_KM",
    "UNDER_15_SHARE",
    "UNDER_15_SOURCE",
]

#: Share of people aged 15 or more in illectronism in France in 2021.
ILLECTRONISM_RATE_15_PLUS: float = 0.154
#: Illectronism among people aged 60 to 74 (same survey).
ILLECTRONISM_RATE_60_74: float = 0.24
#: Illectronism among people aged 75 or more (same survey).
ILLECTRONISM_RATE_75_PLUS: float = 0.62
#: Illectronism among people aged 15 to 59, derived (not published): the national rate
#: minus the two older bands, weighted by the 2021 age pyramid of France (about 55.5 M
#: people aged 15+, 11.8 M aged 60–74, 6.5 M aged 75+), is about 4.5 %.
ILLECTRONISM_RATE_15_59: float = 0.045
#: Source of the illectronism rates, shown with every estimate of persons in need.
ILLECTRONISM_SOURCE: str = "Insee Première n° 1953, juin 2023, enquête TIC ménages 2021"
#: Share of under-15s in the population of France (INSEE, 1 January 2021), used while no
#: age table per commune is given: the embedded census only has the share outside 15–64.
UNDER_15_SHARE: float = 0.177
#: Source of :data:`UNDER_15_SHARE`.
UNDER_15_SOURCE: str = "INSEE, bilan démographique 2021"
#: The need index moves the estimate of persons in need by at most ± this share (before
#: the total is brought back to the rate's total): index 0 → × 0.5, index 1 → × 1.5.
NEED_INDEX_MODULATION: float = 0.5
#: A site whose point lies farther than this outside the commune of its address is moved
#: to that commune's town hall and flagged.
SITE_MAX_OFFSET_KM: float = 2.0
#: A site across the border counts for the territory in proportion to the inhabitants of
#: the territory among all those living within this distance of it.
BORDER_SHARE_RADIUS_KM: float = 20.0
# National summary and any département (own block so parallel additions merge cleanly).
__all__ += ["FRANCE_SERVED_SHARE"]

#: National summary: share of the estimated persons in need each département should serve.
FRANCE_SERVED_SHARE: float = 0.9

# Placement decision model (issue 12; own block so parallel additions merge).
__all__ += [
    "MAX_NEW_ADVISORS_PER_SITE",
    "MIN_EPCI_SHARE",
    "REINFORCE_RADIUS_KM",
    "ROBUSTNESS_CIRCUITIES",
    "ROBUSTNESS_SPEEDS_KMH",
]

#: Placement: a host place this close to an existing permanence reinforces it.
REINFORCE_RADIUS_KM: float = 1.0
#: Placement: most new advisors one decision (new site or reinforcement) receives.
MAX_NEW_ADVISORS_PER_SITE: int = 3
#: Placement: guaranteed share of the département's capacity per person in need for every
#: EPCI (0 = no guarantee).
MIN_EPCI_SHARE: float = 0.0
#: Placement robustness: circuity factors tried around the travel model's own.
ROBUSTNESS_CIRCUITIES: tuple[float, ...] = (1.2, 1.4)
#: Placement robustness: average speeds tried around the travel model's own.
ROBUSTNESS_SPEEDS_KMH: tuple[float, ...] = (50.0, 70.0)

# App and council documents (own block so parallel additions merge cleanly).
__all__ += [
    "MAP_CLASS_MEMO_MAX_FILES",
    "MAP_MIN_CLASSES",
    "RESULT_MEMO_MAX_BYTES",
    "RESULT_MEMO_MAX_FILES",
    "TRAVEL_TIME_CLASS_BOUNDS_MIN",
]
#: Most class-bound files kept in ``data/processed/map_classes`` (about 200 bytes each).
MAP_CLASS_MEMO_MAX_FILES: int = 5_000
#: Most results (diagnostics, map pages) kept in ``data/processed/results``; the oldest go.
RESULT_MEMO_MAX_FILES: int = 48
#: Largest result file kept or read there (a Sarthe diagnostic: 0.3 MB, its map: 1.5 MB).
RESULT_MEMO_MAX_BYTES: int = 16_000_000
#: Fewest classes a numeric choropleth shows when the data has more distinct values.
MAP_MIN_CLASSES: int = 4
#: Class bounds (minutes) of travel-time maps; the threshold is always added as a bound.
TRAVEL_TIME_CLASS_BOUNDS_MIN: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0)

# Capacity model solve budgets (own block so parallel additions merge cleanly).
__all__ += ["BALANCE_STAGE_LIMIT_S", "DECISIVE_CHECK_LIMIT_S"]
#: Placement: most seconds the capacity model's last stage (EPCI balance, a tie-break
#: among placements already optimal for persons served and travel time) may take; its
#: status and gap are reported when it stops there. Ties are settled at once on small
#: instances; on Sarthe a whole second did not finish the stage's root LP, and its
#: start (the time optimum re-balanced at the same allocation) stood.
BALANCE_STAGE_LIMIT_S: float = 0.3
#: Placement: most seconds spent checking which stage singled out the placement
#: (re-solves with the placement forbidden); beyond it the check says « non vérifié ».
DECISIVE_CHECK_LIMIT_S: float = 0.5

# p-median solve method (own block so parallel additions merge cleanly).
__all__ += ["MEDIAN_BENDERS_MIN_PAIRS"]
#: Placement: p-median instances with at least this many demand-candidate pairs (candidates
#: closer than the nearest existing site) are solved by Benders decomposition rather than
#: by the pair model (whose LP alone takes ~30 s at 100,000 pairs).
MEDIAN_BENDERS_MIN_PAIRS: int = 20_000

# Demand-cover cuts of the capacity model (equity.placement.capacity_cuts).
__all__ += ["CAPACITY_CUT_MIN_GAIN", "CAPACITY_CUT_MIN_VIOLATION", "CAPACITY_CUT_ROUNDS"]
#: Placement: most separation rounds of demand-cover cuts before the MILP (Sarthe: 4).
CAPACITY_CUT_ROUNDS: int = 8
#: Placement: a round raising the LP bound by less than this (relative) is the last.
CAPACITY_CUT_MIN_GAIN: float = 1e-5
#: Placement: a cut is kept when violated by more than this share of one block's
#: capacity (0.6 persons for 600 per advisor).
CAPACITY_CUT_MIN_VIOLATION: float = 1e-3
