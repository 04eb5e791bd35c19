"""Balanced: p-median subject to every demand point within a guaranteed time.

The guaranteed time is ``max_time_min`` (default: the threshold). When no placement
achieves it, the smallest achievable worst time is found first (binary search on the
matrix values, each step a set-covering feasibility MILP), then the p-median is solved
under that worst time.
"""

from __future__ import annotations

import time

import numpy as np

from equity.placement.median import cover_rows, solve_median
from equity.placement.milp import instance_model
from equity.placement.problem import Instance

__all__ = ["cover_feasible", "smallest_worst_time", "solve_balanced"]


def cover_feasible(inst: Instance, limit_min: float, deadline: float) -> bool | None:
    """Can ``k`` new sites put every reachable demand within ``limit_min``?

    ``None`` when the solver could not tell in time.
    """
    model = instance_model(inst, np.zeros(0), np.zeros(0))
    cover = cover_rows(inst, limit_min, len(inst.candidates))
    if cover is not None:
        model.rows.append(cover)
    res, _ = model.solve(deadline)
    if res.status == 2:
        return False
    return True if res.x is not None else None


def smallest_worst_time(inst: Instance, worst: float, deadline: float) -> float | None:
    """Smallest matrix value ``>= worst`` achievable as worst time (``None``: none is)."""
    values = np.unique(inst.times[np.isfinite(inst.times)])
    values = values[values >= worst]
    lo, hi = 0, len(values) - 1
    if len(values) == 0 or not cover_feasible(inst, values[hi], deadline):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if cover_feasible(inst, values[mid], deadline):
            hi = mid
        else:
            lo = mid + 1
    return float(values[lo])


def solve_balanced(inst: Instance, deadline: float) -> tuple[np.ndarray | None, float, dict]:
    """Solve the balanced objective: chosen positions, weighted minutes, solver details.

    ``info["max_time"]`` says whether the guaranteed time was ``"respected"``,
    ``"relaxed"`` (to ``info["worst_time_min"]``) or ``"unreachable"``.
    """
    limit = inst.settings.max_time_min
    limit = inst.threshold if limit is None else float(limit)
    t0 = time.perf_counter()
    reach = np.isfinite(inst.times).any(axis=1)
    lower = float(inst.times[reach].min(axis=1).max()) if reach.any() else limit
    worst = max(limit, lower)
    note = "respected"
    if worst > limit or not cover_feasible(inst, worst, deadline):
        worst = smallest_worst_time(inst, worst, deadline)
        note = "unreachable" if worst is None else "relaxed"
    search_s = time.perf_counter() - t0
    chosen, value, info = solve_median(inst, deadline, worst)
    info.update({"max_time_min": limit, "worst_time_min": worst, "max_time": note})
    info["build_s"] += search_s
    return chosen, value, info
