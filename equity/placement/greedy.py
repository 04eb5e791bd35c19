"""Greedy heuristic: add the candidate with the best marginal gain ``k`` times.

The fallback when the solver returns no solution, the nested order of the trade-off
curve and a test oracle. The primary gain depends on the objective (need newly within
the threshold, within the guaranteed time, or served within capacity); the reduction
of need-weighted minutes breaks ties (and decides for ``median`` and ``residual``).
Forced sites are taken first; group minimums and maximums are respected.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from equity.placement.capacity import capacity_served
from equity.placement.evaluation import coverage_stats, median_value, open_sites
from equity.placement.problem import Instance
from equity.placement.residual import residual_instance

__all__ = ["greedy_order", "greedy_solution"]


def _nearest_open(inst: Instance, picked: list[int]) -> np.ndarray:
    open_cols = open_sites(inst, np.array(picked, dtype=int))
    pen = inst.penalty_min
    if not len(open_cols):
        return np.full(len(inst.weight), pen)
    return np.minimum(inst.times[:, open_cols].min(axis=1), pen)


def _allowed(
    inst: Instance, available: np.ndarray, groups: np.ndarray, count: dict, n_picked: int
) -> np.ndarray:
    """Candidates the group maximums and the remaining group minimums still allow."""
    allowed = available.copy()
    for g, v in inst.group_max.items():
        if count.get(g, 0) >= v:
            allowed &= groups != g
    deficit = {g: v - count.get(g, 0) for g, v in inst.group_min.items() if v > count.get(g, 0)}
    if inst.k - n_picked <= sum(deficit.values()):
        allowed &= np.isin(groups, list(deficit))
    return allowed


def _primary_gain(
    inst: Instance, picked: list[int], best: np.ndarray, cap: float | None
) -> np.ndarray:
    """The objective's own marginal gain of every candidate (zeros: time decides)."""
    t_c = inst.times[:, inst.candidates]
    objective = inst.settings.objective
    if objective == "coverage":
        within = t_c <= inst.threshold
        return inst.weight @ (within & (best > inst.threshold)[:, None])
    if objective == "balanced":
        limit = inst.settings.max_time_min
        limit = inst.threshold if limit is None else float(limit)
        return inst.weight @ ((t_c <= limit) & (best > limit)[:, None])
    if objective == "capacity":
        _, share, _ = capacity_served(inst, np.array(picked, dtype=int), cap)
        unserved = inst.weight * (1.0 - share)
        within = t_c <= inst.threshold
        return np.minimum(unserved @ within, cap * inst.settings.advisors_per_site)
    return np.zeros(len(inst.candidates))


def greedy_order(inst: Instance, cap: float | None = None) -> list[int]:
    """Greedy candidate positions in pick order (forced first, group limits respected).

    Parameters
    ----------
    inst : Instance
        A validated run (for ``residual``, the transformed instance of
        :func:`equity.placement.residual.residual_instance`).
    cap : float, optional
        Need per advisor (capacity objective only).
    """
    t_cap = np.minimum(inst.times[:, inst.candidates], inst.penalty_min)
    groups = np.array(inst.cand_group, dtype=object)
    count = dict.fromkeys(set(inst.group_min) | set(inst.group_max), 0)
    picked: list[int] = [int(j) for j in inst.forced]
    for j in picked:
        if groups[j] in count:
            count[groups[j]] += 1
    available = np.ones(len(inst.candidates), bool)
    available[picked] = False
    while len(picked) < inst.k:
        best = _nearest_open(inst, picked)
        allowed = _allowed(inst, available, groups, count, len(picked))
        time_gain = inst.weight @ np.maximum(best[:, None] - t_cap, 0.0)
        primary = _primary_gain(inst, picked, best, cap)
        order = np.lexsort((-time_gain, -primary))
        j = int(next(o for o in order if allowed[o]))
        picked.append(j)
        available[j] = False
        if groups[j] in count:
            count[groups[j]] += 1
    return picked


def greedy_solution(inst: Instance) -> tuple[np.ndarray, float, dict[str, Any], tuple | None]:
    """Greedy placement of a run: positions, objective value, details, served split.

    The served split (share per demand, served need per site column) is given for the
    capacity objective only.
    """
    if inst.settings.objective == "residual":
        inst, _ = residual_instance(inst)
    t0 = time.perf_counter()
    cap = inst.capacity_per_advisor() if inst.settings.objective == "capacity" else None
    order = np.array(greedy_order(inst, cap), dtype=int)
    split = None
    open_cols = open_sites(inst, order)
    if inst.settings.objective == "coverage":
        value = coverage_stats(inst, open_cols)["need"]
    elif inst.settings.objective == "capacity":
        value, share, per_site = capacity_served(inst, order, cap)
        split = (share, per_site)
    else:
        value = median_value(inst, open_cols)
    info = {
        "status": 0,
        "message": "heuristique gloutonne",
        "objective": value,
        "mip_gap": None,
        "build_s": 0.0,
        "solve_s": time.perf_counter() - t0,
    }
    return order, value, info, split
