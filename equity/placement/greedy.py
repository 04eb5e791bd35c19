"""Greedy heuristics: add the best marginal site (or block of advisors) ``k`` times.

The fallback when the solver returns no solution, the nested order of the trade-off
curve and a test oracle. For the site models the primary gain is the need newly within
the threshold (``coverage``) or within the guaranteed time (``balanced``); the
reduction of need-weighted minutes breaks ties (and decides for ``median``). For
``capacity``, :func:`greedy_allocation` gives each block of new advisors to the place
(new site or permanence) whose reach holds the most persons still unserved, capped at
the block's capacity (one LP per step says who is served). Forced sites are taken
first; group minimums and maximums are respected.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from equity.placement.capacity import allocation_places, capacity_model
from equity.placement.evaluation import coverage_stats, median_value, open_sites
from equity.placement.lexicographic import FIXED_LP_LIMIT_S, evaluate_allocation
from equity.placement.milp import HighsSession
from equity.placement.problem import Instance

__all__ = [
    "greedy_allocation",
    "greedy_blocks",
    "greedy_capacity",
    "greedy_order",
    "greedy_solution",
]


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


def _primary_gain(inst: Instance, best: np.ndarray) -> np.ndarray:
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
    return np.zeros(len(inst.candidates))


def greedy_order(inst: Instance) -> list[int]:
    """Greedy candidate positions in pick order (forced first, group limits respected).

    Parameters
    ----------
    inst : Instance
        A validated run of a site model (``coverage``, ``median``, ``balanced``).
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
        primary = _primary_gain(inst, best)
        order = np.lexsort((-time_gain, -primary))
        j = int(next(o for o in order if allowed[o]))
        picked.append(j)
        available[j] = False
        if groups[j] in count:
            count[groups[j]] += 1
    return picked


def _allowed_blocks(
    inst: Instance, blocks: np.ndarray, groups: np.ndarray, n_blocks: int, max_blocks: int
) -> np.ndarray:
    """Places that may take one more block (site size, group maximums and minimums)."""
    allowed = blocks < max_blocks
    for g, v in inst.group_max.items():
        if blocks[groups == g].sum() >= v:
            allowed &= groups != g
    deficit = {
        g: v - blocks[groups == g].sum() for g, v in inst.group_min.items()
        if v > blocks[groups == g].sum()
    }  # fmt: skip
    if inst.k - n_blocks <= sum(deficit.values()):
        allowed &= np.isin(groups, list(deficit))
    return allowed


class _ServedBy:
    """Persons served by allocations of blocks: one LP kept warm across the steps.

    The allocation only changes the bounds of its binaries, so HiGHS restarts from
    the last basis (a few milliseconds a step, instead of a model built and solved
    anew: 1 s for the 20 steps of Sarthe).
    """

    def __init__(self, inst: Instance) -> None:
        # Pairs kept for the capacity of all k blocks: exact for every step.
        self._cm = capacity_model(inst, fixed={}, pruning_blocks=inst.k)
        self._session = HighsSession(replace(self._cm.milp, c=-self._cm.served_c()))
        self._cols = np.arange(self._cm.n_x)

    def __call__(self, blocks: np.ndarray) -> tuple[float, np.ndarray]:
        """Persons served and served share per demand point, ``blocks`` per place."""
        cm = self._cm
        fixed = np.zeros(cm.n_x)
        on = np.flatnonzero(blocks)
        fixed[on * cm.blocks + blocks[on] - 1] = 1.0
        self._session.set_bounds(self._cols, fixed, fixed)
        res = self._session.solve(time.perf_counter() + FIXED_LP_LIMIT_S)
        if res.status != 0:
            raise RuntimeError(f"Le calcul des personnes accompagnées a échoué : {res.message}")
        return -float(res.fun), cm.split(res.x)[0]


def greedy_blocks(inst: Instance) -> tuple[list[int], list[float]]:
    """Greedy order of the capacity model's blocks of new advisors.

    Forced places take the first blocks. Each further step gives one block of
    ``advisors_per_site`` advisors to the allowed place whose reach (within the
    threshold) holds the most persons still unserved, capped at the block's capacity;
    ties go to the place nearest to them.

    Returns
    -------
    tuple
        The site column of every block in order, and the persons served after each
        of the first ``0..k - 1`` blocks (one LP per step).
    """
    per_block = inst.settings.advisors_per_site
    block_cap = inst.capacity_per_advisor() * per_block
    max_blocks = max(inst.settings.max_advisors_per_site // per_block, 1)
    places, _, place_groups = allocation_places(inst)
    groups = np.array(place_groups, dtype=object)
    t = inst.times[:, places]
    within = t <= inst.threshold
    position = {int(c): j for j, c in enumerate(places)}
    order = [position[int(inst.candidates[f])] for f in inst.forced]
    blocks = np.bincount(np.array(order, dtype=int), minlength=len(places))
    served = []
    served_by = _ServedBy(inst)
    while blocks.sum() < inst.k:
        # The persons served need one LP; which ones are left is then approximate.
        value, share = served_by(blocks)
        served.append(value)
        unserved = inst.weight * (1.0 - share)
        gain = np.minimum(unserved @ within, block_cap)
        closeness = unserved @ np.where(within, inst.threshold - t, 0.0)
        allowed = _allowed_blocks(inst, blocks, groups, int(blocks.sum()), max_blocks)
        ranked = np.lexsort((-closeness, -gain))
        pick = int(next(o for o in ranked if allowed[o]))
        blocks[pick] += 1
        order.append(pick)
    return [int(places[j]) for j in order], served


def greedy_allocation(inst: Instance) -> dict[int, int]:
    """Greedy allocation of the capacity model: new advisors per site column."""
    cols, _ = greedy_blocks(inst)
    per_block = inst.settings.advisors_per_site
    counts = zip(*np.unique(cols, return_counts=True), strict=True)
    return {int(c): int(n) * per_block for c, n in counts}


def greedy_solution(inst: Instance) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Greedy placement of a site model: positions, objective value, details."""
    t0 = time.perf_counter()
    order = np.array(greedy_order(inst), dtype=int)
    open_cols = open_sites(inst, order)
    if inst.settings.objective == "coverage":
        value = coverage_stats(inst, open_cols)["need"]
    else:
        value = median_value(inst, open_cols)
    return order, value, _greedy_info(value, t0)


def _greedy_info(value: float, t0: float) -> dict[str, Any]:
    return {
        "status": 0,
        "message": "heuristique gloutonne",
        "objective": value,
        "mip_gap": None,
        "build_s": 0.0,
        "solve_s": time.perf_counter() - t0,
    }


def greedy_capacity(inst: Instance) -> tuple[dict[int, int], float, dict[str, Any], tuple]:
    """Greedy allocation of the capacity model, persons served, details and split."""
    t0 = time.perf_counter()
    added = greedy_allocation(inst)
    value, share, load = evaluate_allocation(inst, added)
    return added, value, _greedy_info(value, t0), (share, load)
