"""Solve a placement: the exact models with a greedy fallback, or the greedy alone."""

from __future__ import annotations

import time

import pandas as pd

from equity.placement.balanced import solve_balanced
from equity.placement.covering import solve_coverage
from equity.placement.greedy import greedy_solution
from equity.placement.lexicographic import solve_capacity
from equity.placement.median import solve_median
from equity.placement.problem import (
    PlacementInfeasible,
    PlacementSettings,
    constraint_set,
    prepare_instance,
)
from equity.placement.residual import solve_residual
from equity.placement.result import PlacementResult, build_result

__all__ = ["greedy_placement", "solve_placement"]


def solve_placement(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
) -> PlacementResult:
    """Choose ``settings.k`` new sites exactly (sparse MILP, HiGHS).

    Parameters
    ----------
    times : pandas.DataFrame
        Travel times in minutes, rows = demand points, columns = site ids (existing and
        candidate sites); ``inf`` or NaN = unreachable.
    weight : pandas.Series
        Need per demand point (e.g. population × need index), indexed like ``times``.
    population : pandas.Series
        Inhabitants per demand point, indexed like ``times``.
    existing : pandas.Series
        Advisors per existing site, indexed by site id (columns of ``times``). These
        sites stay open; every other column not in ``settings.excluded`` is a candidate.
    candidate_group : pandas.Series
        Group (EPCI) per site id; sites missing from it have no group.
    settings : PlacementSettings, optional

    Returns
    -------
    PlacementResult

    Raises
    ------
    ValueError
        Bad data (unknown objective, duplicated ids, negative times, missing weights…);
        the French message lists every problem.
    PlacementInfeasible
        When the constraints conflict; the French message names them.

    Notes
    -----
    When the solver returns no solution within ``settings.time_limit_s`` the greedy
    heuristic is used and ``result.solver["method"]`` is ``"greedy"``.
    """
    settings = settings or PlacementSettings()
    inst = prepare_instance(times, weight, population, existing, candidate_group, settings)
    deadline = time.perf_counter() + settings.time_limit_s
    split = None
    if settings.objective == "coverage":
        chosen, value, info = solve_coverage(inst, deadline)
    elif settings.objective == "median":
        chosen, value, info = solve_median(inst, deadline)
    elif settings.objective == "balanced":
        chosen, value, info = solve_balanced(inst, deadline)
    elif settings.objective == "residual":
        chosen, value, info = solve_residual(inst, deadline)
    else:
        chosen, value, info, split = solve_capacity(inst, deadline)
    if info["status"] == 2:
        raise PlacementInfeasible(
            "Placement impossible d'après le solveur ; contraintes : " + constraint_set(inst) + "."
        )
    if chosen is None:
        chosen, value, greedy_info, split = greedy_solution(inst)
        greedy_info["milp"] = info
        return build_result(inst, chosen, value, greedy_info, "greedy", split)
    return build_result(inst, chosen, value, info, "milp", split)


def greedy_placement(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
) -> PlacementResult:
    """Greedy heuristic: add the site with the best marginal gain ``k`` times.

    Same parameters and result as :func:`solve_placement`. The marginal gain is the
    need newly within the threshold (``coverage``), within ``max_time_min``
    (``balanced``), the reduction of need-weighted travel minutes (``median``, and the
    tie-break of every objective), or for ``capacity`` the unserved need within the
    threshold capped at the site capacity (one LP per step gives the unserved need).
    Forced sites are taken first; group minimums and maximums are respected.
    """
    settings = settings or PlacementSettings()
    inst = prepare_instance(times, weight, population, existing, candidate_group, settings)
    chosen, value, info, split = greedy_solution(inst)
    return build_result(inst, chosen, value, info, "greedy", split)
