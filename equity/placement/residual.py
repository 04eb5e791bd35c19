"""Residual need: a capacity- and need-aware p-median (the default objective).

Each demand point's need is first reduced by what the *existing* advisors can absorb:
every existing site offers ``capacity_per_advisor × advisors`` and shares it over the
need within the threshold of it (the two-step floating catchment logic), so a commune
keeps ``need × (1 − absorbed share)`` as residual need. Existing sites being full, the
residual need must travel to a *new* site: the placement is the p-median of the residual
need (plus :data:`RESIDUAL_FLOOR` × the full need, so that every resident still counts a
little) over the new sites, each demand point using its :data:`RESIDUAL_NEAREST` nearest
candidates.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from equity.placement.median import solve_median
from equity.placement.problem import Instance

__all__ = [
    "RESIDUAL_FLOOR",
    "RESIDUAL_NEAREST",
    "residual_instance",
    "residual_need",
    "solve_residual",
]

#: Share of the full need that still weighs in the residual objective.
RESIDUAL_FLOOR = 0.05
#: Candidates considered for each demand point's residual need (nearest first).
RESIDUAL_NEAREST = 40


def residual_need(inst: Instance, cap: float) -> np.ndarray:
    """Need left once existing advisors absorb what they can (floating catchments).

    Site ``s`` offers ``cap × advisors_s`` and serves the need within the threshold in
    proportion; a demand point's absorbed share is the sum over its sites, capped at 1.

    Parameters
    ----------
    inst : Instance
        A validated run (see :func:`equity.placement.problem.prepare_instance`).
    cap : float
        Need one advisor absorbs.

    Returns
    -------
    numpy.ndarray
        Residual need per demand point.
    """
    t = inst.times[:, inst.existing]
    reach = t <= inst.threshold
    demand = inst.weight @ reach
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand > 0, cap * inst.existing_advisors / demand, 0.0)
    absorbed = np.minimum(reach @ ratio, 1.0)
    return inst.weight * (1.0 - absorbed)


def residual_instance(inst: Instance) -> tuple[Instance, np.ndarray]:
    """The instance whose p-median is the residual objective, and the residual need.

    Existing sites are full: the residual need travels to the *new* sites. Each demand
    point may use its :data:`RESIDUAL_NEAREST` nearest candidates; if none of them opens
    it is charged the time of the farthest of them (a lower bound of its true time). A
    virtual always-open site at that time replaces the existing sites, so the exact
    reduced p-median model (:func:`equity.placement.median.median_model`) and the
    greedy apply unchanged.
    """
    residual = residual_need(inst, inst.capacity_per_advisor())
    t_c = inst.times[:, inst.candidates]
    nearest = min(RESIDUAL_NEAREST, t_c.shape[1])
    fallback = np.sort(t_c, axis=1)[:, nearest - 1]
    virtual = inst.times.shape[1]
    transformed = replace(
        inst,
        times=np.column_stack([inst.times, fallback]),
        weight=residual + RESIDUAL_FLOOR * inst.weight,
        existing=np.array([virtual]),
        existing_advisors=np.zeros(1),
        site_ids=[*inst.site_ids, "__residual_fallback__"],
    )
    return transformed, residual


def solve_residual(inst: Instance, deadline: float) -> tuple[np.ndarray | None, float, dict]:
    """Solve the residual objective: chosen positions, objective value, solver details."""
    transformed, residual = residual_instance(inst)
    chosen, value, info = solve_median(transformed, deadline)
    info.update(
        capacity_per_advisor=inst.capacity_per_advisor(),
        residual_need=float(residual.sum()),
        residual_share=float(residual.sum() / inst.weight.sum()) if inst.weight.sum() else 0.0,
    )
    return chosen, value, info
