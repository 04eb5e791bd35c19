"""Solve a placement: the exact models with a greedy fallback, or the greedy alone."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from equity.placement.balanced import solve_balanced
from equity.placement.covering import solve_coverage
from equity.placement.greedy import greedy_capacity, greedy_solution
from equity.placement.guarantee import guarantee_reach_problems, guarantee_shortfall
from equity.placement.lexicographic import solve_capacity
from equity.placement.median import solve_median
from equity.placement.problem import (
    Instance,
    PlacementInfeasible,
    PlacementSettings,
    constraint_set,
    prepare_instance,
)
from equity.placement.result import PlacementResult, build_result

__all__ = ["greedy_placement", "solve_placement"]


def _site_allocation(inst: Instance, chosen: np.ndarray) -> dict[int, int]:
    """New advisors per site column of a site model's chosen candidate positions."""
    return {int(inst.candidates[j]): inst.settings.advisors_per_site for j in chosen}


def _solve_sites(inst: Instance, deadline: float) -> tuple:
    objective = inst.settings.objective
    if objective == "coverage":
        chosen, value, info = solve_coverage(inst, deadline)
    elif objective == "median":
        chosen, value, info = solve_median(inst, deadline)
    else:
        chosen, value, info = solve_balanced(inst, deadline)
    if info["status"] == 2:
        raise PlacementInfeasible(
            "Placement impossible d'après le solveur ; contraintes : " + constraint_set(inst) + "."
        )
    if chosen is None:
        chosen, value, greedy_info = greedy_solution(inst)
        greedy_info["milp"] = info
        return _site_allocation(inst, chosen), value, greedy_info, "greedy", None
    return _site_allocation(inst, chosen), value, info, "milp", None


def _solve_capacity(inst: Instance, deadline: float) -> tuple:
    reach = guarantee_reach_problems(inst)
    if reach:
        raise PlacementInfeasible(
            "Garantie d'équité impossible quel que soit le placement : " + " ; ".join(reach) + "."
        )
    added, value, info, split = solve_capacity(inst, deadline)
    if info["status"] == 2:
        if inst.settings.min_epci_share > 0:
            raise PlacementInfeasible(guarantee_shortfall(inst, deadline))
        raise PlacementInfeasible(
            "Placement impossible d'après le solveur ; contraintes : " + constraint_set(inst) + "."
        )
    if added is None:
        added, value, greedy_info, split = greedy_capacity(inst)
        greedy_info["milp"] = info
        return added, value, greedy_info, "greedy", split
    return added, value, info, "milp", split


def solve_placement(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
) -> PlacementResult:
    """Place ``settings.k`` new sites (or blocks of new advisors) exactly (sparse MILP, HiGHS).

    Parameters
    ----------
    times : pandas.DataFrame
        Travel times in minutes, rows = demand points, columns = site ids (existing and
        candidate sites); ``inf`` or NaN = unreachable.
    weight : pandas.Series
        Persons in need per demand point (an estimated head count), indexed like
        ``times``.
    population : pandas.Series
        Inhabitants per demand point, indexed like ``times``.
    existing : pandas.Series
        Advisors per existing site, indexed by site id (columns of ``times``). These
        sites stay open (wherever they are, inside the territory or not); every other
        column not in ``settings.excluded`` is a candidate.
    candidate_group : pandas.Series
        Group (EPCI) per site id; sites missing from it have no group.
    settings : PlacementSettings, optional
    demand_group : pandas.Series, optional
        Group (EPCI) per demand point: the capacity model then balances the EPCI and can
        guarantee each a share of capacity; the result has ``by_epci``.
    near_existing : pandas.Series, optional
        Candidate id -> id of the existing permanence it lies next to (e.g. within
        :data:`geo.defaults.REINFORCE_RADIUS_KM`): such a place is no new site (unless
        forced); the capacity model reinforces the permanence instead.

    Returns
    -------
    PlacementResult

    Raises
    ------
    ValueError
        Bad data (unknown objective, duplicated ids, negative times, missing weights…);
        the French message lists every problem.
    PlacementInfeasible
        When the constraints conflict or the EPCI guarantee cannot hold; the French
        message names them.

    Notes
    -----
    When the solver returns no solution within ``settings.time_limit_s`` the greedy
    heuristic is used and ``result.solver["method"]`` is ``"greedy"``.
    """
    settings = settings or PlacementSettings()
    inst = prepare_instance(
        times, weight, population, existing, candidate_group, settings,
        demand_group=demand_group, near_existing=near_existing,
    )  # fmt: skip
    deadline = time.perf_counter() + settings.time_limit_s
    if inst.settings.objective == "capacity":
        added, value, info, method, split = _solve_capacity(inst, deadline)
    else:
        added, value, info, method, split = _solve_sites(inst, deadline)
    return build_result(inst, added, value, info, method, split)


def greedy_placement(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
) -> PlacementResult:
    """Greedy heuristic: add the site (or block of advisors) with the best gain ``k`` times.

    Same parameters and result as :func:`solve_placement`. The marginal gain is the
    need newly within the threshold (``coverage``), within ``max_time_min``
    (``balanced``), the reduction of need-weighted travel minutes (``median``, and the
    tie-break of the site models), or for ``capacity`` the persons still unserved within
    the threshold of a place, capped at a block's capacity (one LP per step). Forced
    sites are taken first; group minimums and maximums are respected; the EPCI
    guarantee is not.
    """
    settings = settings or PlacementSettings()
    inst = prepare_instance(
        times, weight, population, existing, candidate_group, settings,
        demand_group=demand_group, near_existing=near_existing,
    )  # fmt: skip
    if inst.settings.objective == "capacity":
        added, value, info, split = greedy_capacity(inst)
    else:
        chosen, value, info = greedy_solution(inst)
        added, split = _site_allocation(inst, chosen), None
    return build_result(inst, added, value, info, "greedy", split)
