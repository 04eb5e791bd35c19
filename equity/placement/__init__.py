"""Where to place new digital-inclusion advisors: exact location models on a cost matrix.

The package works on plain arrays, like spopt: a travel-time matrix in minutes
(:class:`pandas.DataFrame`, rows = demand points such as communes, columns = site ids,
``inf`` or NaN = unreachable), the persons in need of every demand point (an estimated
head count), populations, the existing sites (advisors per site, kept open; they may
lie outside the territory), the group (EPCI) of every site and, optionally, of every
demand point and the host places that lie next to an existing permanence.

Objectives (``PlacementSettings.objective``):

``"capacity"`` (default)
    Every advisor, existing or new, accompanies at most ``capacity_per_advisor``
    persons a year (:data:`geo.defaults.CAPACITY_PERSONS_PER_ADVISOR`). New advisors go
    to new sites or reinforce existing permanences (a host place next to a permanence
    is no new site), up to ``max_advisors_per_site`` per place. Lexicographic MILP:
    maximise the persons in need accompanied within the threshold (no site's load above
    its capacity), then minimise their travel time, then maximise the smallest share of
    persons in need accompanied in an EPCI; each stage has its own status and gap. An
    optional guarantee gives every EPCI at least ``min_epci_share`` of the
    département's capacity per person in need, or says which EPCI cannot and why. Need
    beyond every capacity is reported as unserved, by demand point. ``"residual"``, the
    earlier default, is read as ``"capacity"``.
``"coverage"``
    Maximal covering (MCLP): maximise the need within the threshold of an open site.
    Demand already covered by an existing site is a constant and dropped from the model;
    only (demand, candidate) pairs within the threshold become matrix entries.
``"median"``
    p-median: minimise the need-weighted time to the nearest open site. Exact reduction:
    no demand is ever assigned farther than its nearest existing site (always open), so
    only the pairs with a candidate strictly closer than that site are modelled.
``"balanced"``
    p-median subject to every demand point within ``max_time_min`` (default: the
    threshold) of an open site, relaxed to the smallest achievable worst time.

Every model is a sparse MILP built over one shared builder (:mod:`.milp`) and solved by
HiGHS (highspy) with a time limit. A greedy heuristic is the
fallback when the solver returns no solution, and a test oracle. Whatever the
objective, the result reports the persons served, unserved and beyond the threshold
before and after (the capacity model's stages on the allocation), by EPCI when the
demand groups are given. :func:`max_covering` and :func:`greedy_covering` expose the
maximal-covering model on a plain coverage matrix for other callers.

Modules: :mod:`.problem` (settings, validation), :mod:`.milp` (builder, solve),
:mod:`.covering`, :mod:`.median`, :mod:`.balanced`, :mod:`.capacity` and
:mod:`.lexicographic` (the models), :mod:`.guarantee` (the EPCI guarantee's French
reasons), :mod:`.greedy`, :mod:`.evaluation` (coverage and persons figures),
:mod:`.explain` (French explanations), :mod:`.result`, :mod:`.solve` (entry points)
and :mod:`.analyses` (trade-off curve, threshold sensitivity, robustness to closures
and to the travel model).
"""

from __future__ import annotations

from geo.lazy import lazy_attributes

# Attributes load their module on first use: the scenarios and the first map need the
# objective names, not the solvers (HiGHS, scipy, 0.15 s of imports).
_MODULE_OF = {
    "CAPACITY_REL_GAP": "lexicographic",
    "DECISION_COLUMNS": "result",
    "DECISION_KINDS_FR": "explain",
    "LEGACY_OBJECTIVES": "problem",
    "LEXICO_REL_TOL": "lexicographic",
    "OBJECTIVES": "problem",
    "OBJECTIVE_LABELS_FR": "explain",
    "Objective": "problem",
    "PlacementInfeasible": "problem",
    "PlacementResult": "result",
    "PlacementSettings": "problem",
    "RobustnessResult": "result",
    "greedy_covering": "covering",
    "greedy_placement": "solve",
    "max_covering": "covering",
    "robustness": "analyses",
    "solve_placement": "solve",
    "solver_summary_fr": "explain",
    "threshold_sensitivity": "analyses",
    "trade_off_curve": "analyses",
    "travel_robustness": "analyses",
}

__all__ = [
    "CAPACITY_REL_GAP",
    "DECISION_COLUMNS",
    "DECISION_KINDS_FR",
    "LEGACY_OBJECTIVES",
    "LEXICO_REL_TOL",
    "OBJECTIVES",
    "OBJECTIVE_LABELS_FR",
    "Objective",
    "PlacementInfeasible",
    "PlacementResult",
    "PlacementSettings",
    "RobustnessResult",
    "greedy_covering",
    "greedy_placement",
    "max_covering",
    "robustness",
    "solve_placement",
    "solver_summary_fr",
    "threshold_sensitivity",
    "trade_off_curve",
    "travel_robustness",
]


__getattr__, __dir__ = lazy_attributes(__name__, _MODULE_OF)
