"""Where to place new digital-inclusion advisors: exact location models on a cost matrix.

The package works on plain arrays, like spopt: a travel-time matrix in minutes
(:class:`pandas.DataFrame`, rows = demand points such as communes, columns = site ids,
``inf`` or NaN = unreachable), demand weights (need), populations, the existing sites
(advisors per site, kept open) and the group (EPCI) of every site.

Objectives (``PlacementSettings.objective``):

``"residual"`` (default)
    Capacity- and need-aware p-median, exact and fast. Each demand point's need is first
    reduced by what the *existing* advisors can absorb: every existing site offers
    ``capacity_per_advisor × advisors`` and shares it over the need within the threshold
    of it (the two-step floating catchment logic), so a commune keeps
    ``need × (1 − absorbed share)`` as residual need. Existing sites being full, the
    residual need must travel to a *new* site: the placement is the p-median of the
    residual need (plus :data:`RESIDUAL_FLOOR` × the full need, so that every resident
    still counts a little) over the new sites, each demand point using its
    :data:`RESIDUAL_NEAREST` nearest candidates. New advisors therefore go where need is
    large *and* beyond the reach or the capacity of the existing advisors; the
    continuous time objective keeps the choice from being arbitrary when plain coverage
    saturates.
``"capacity"``
    Lexicographic, capacity- and need-aware model. Stage 1 maximises the need *served*
    within the threshold: demand ``i`` is assigned fractionally (``f_is`` in [0, 1]) to
    open sites ``s`` reachable within the threshold, and the need assigned to a site is
    at most ``capacity_per_advisor * advisors_s``. Stage 2 keeps the stage-1 optimum and
    minimises the need-weighted travel time of the served need. Stage 3 keeps both and
    minimises the maximum load ratio (assigned need / capacity). The placement stays
    meaningful when plain coverage saturates, because advisor capacity, not distance,
    is then the binding constraint. ``decided_by`` says (in French) which stage decided,
    checked by re-solving with the chosen placement forbidden (a "no-good" cut).
``"coverage"``
    Maximal covering (MCLP): maximise the need within the threshold of an open site.
    Demand already covered by an existing site is a constant and dropped from the model;
    only (demand, candidate) pairs within the threshold become matrix entries.
``"median"``
    p-median: minimise the need-weighted time to the nearest open site. Exact reduction:
    no demand is ever assigned farther than its nearest existing site (always open), so
    only the pairs with a candidate strictly closer than that site are modelled; the
    variable ``x_is`` moves demand ``i`` from its nearest existing site to candidate
    ``s``. Demand reachable by no existing site is charged a penalty time (twice the
    largest finite time of the matrix) until a candidate reaches it.
``"balanced"``
    p-median subject to every demand point within ``max_time_min`` (default: the
    threshold) of an open site. When no placement achieves it, the smallest achievable
    worst time is found first (binary search on the matrix values, each step a
    set-covering feasibility MILP), then the p-median is solved under that worst time.

Every model is a sparse MILP built over one shared builder (:mod:`.milp`) and solved by
HiGHS through :func:`scipy.optimize.milp` with a time limit. A greedy heuristic (add the
best marginal site ``k`` times, :mod:`.greedy`) is the fallback when the solver returns
no solution, and a test oracle. :func:`max_covering` and :func:`greedy_covering` expose
the maximal-covering model on a plain coverage matrix for other callers.

Modules: :mod:`.problem` (settings, validation), :mod:`.milp` (builder, solve),
:mod:`.covering`, :mod:`.median`, :mod:`.residual`, :mod:`.balanced`, :mod:`.capacity`
and :mod:`.lexicographic` (the models), :mod:`.greedy`, :mod:`.explain` (French
explanations), :mod:`.result`, :mod:`.solve` (entry points) and :mod:`.analyses`
(trade-off curve, threshold sensitivity, robustness).
"""

from __future__ import annotations

from equity.placement.analyses import robustness, threshold_sensitivity, trade_off_curve
from equity.placement.capacity import CAPACITY_REL_GAP
from equity.placement.covering import greedy_covering, max_covering
from equity.placement.explain import OBJECTIVE_LABELS_FR
from equity.placement.lexicographic import LEXICO_REL_TOL
from equity.placement.problem import (
    OBJECTIVES,
    Objective,
    PlacementInfeasible,
    PlacementSettings,
)
from equity.placement.residual import RESIDUAL_FLOOR, RESIDUAL_NEAREST, residual_need
from equity.placement.result import PlacementResult, RobustnessResult
from equity.placement.solve import greedy_placement, solve_placement

__all__ = [
    "CAPACITY_REL_GAP",
    "LEXICO_REL_TOL",
    "OBJECTIVES",
    "OBJECTIVE_LABELS_FR",
    "RESIDUAL_FLOOR",
    "RESIDUAL_NEAREST",
    "Objective",
    "PlacementInfeasible",
    "PlacementResult",
    "PlacementSettings",
    "RobustnessResult",
    "greedy_covering",
    "greedy_placement",
    "max_covering",
    "residual_need",
    "robustness",
    "solve_placement",
    "threshold_sensitivity",
    "trade_off_curve",
]
