"""The capacity objective solved lexicographically, and which criterion decided.

Stage 1 maximises the need *served* (:mod:`equity.placement.capacity`). Stage 2 keeps
the stage-1 optimum and minimises the need-weighted travel time of the served need.
Stage 3 keeps both and minimises the maximum load ratio (assigned need / capacity).
``decisive_stage`` says which stage decided, checked by re-solving with the chosen
placement forbidden (a "no-good" cut).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy import sparse

from equity.placement.capacity import (
    CAPACITY_REL_GAP,
    capacity_model,
    capacity_served,
    served_split,
)
from equity.placement.greedy import greedy_order
from equity.placement.milp import (
    MilpModel,
    chosen_from,
    deadline_share,
    forbid_selection,
    rows_block,
    solve_status,
)
from equity.placement.problem import Instance

__all__ = ["LEXICO_REL_TOL", "solve_capacity"]

#: Slack kept when a stage's optimum becomes a constraint of the next stage.
LEXICO_REL_TOL = 1e-6
# Uniqueness checks are skipped when less than this is left of the run's budget.
_CHECK_MIN_S = 0.5


def _slack(value: float) -> float:
    return LEXICO_REL_TOL * max(1.0, value)


def _balance_stage(
    model: MilpModel,
    pinfo: dict[str, np.ndarray],
    time_c: np.ndarray,
    minutes: float,
    deadline: float,
) -> tuple[Any, float]:
    """Stage 3: minimise the maximum load ratio L, served need and minutes kept."""
    n_y, wf = model.n_y, pinfo["wf"]
    n_f = len(wf)
    m3 = MilpModel(
        np.concatenate([np.zeros(len(model.c)), [1.0]]),
        np.concatenate([model.integrality, [0]]),
        np.concatenate([model.lb, [0.0]]),
        np.concatenate([model.ub, [np.inf]]),
        [
            (sparse.hstack([r[0], sparse.csr_array((r[0].shape[0], 1))]).tocsr(), r[1], r[2])
            for r in model.rows
        ],
        n_y,
    )
    m3.add_row(np.concatenate([time_c, [0.0]]), -np.inf, minutes + _slack(minutes))
    rows_s, inv_s = np.unique(pinfo["kk"], return_inverse=True)
    a = sparse.coo_array(
        (
            np.concatenate([wf, -pinfo["site_cap"][rows_s]]),
            (
                np.concatenate([inv_s, np.arange(len(rows_s))]),
                np.concatenate([n_y + np.arange(n_f), np.full(len(rows_s), n_y + n_f)]),
            ),
        ),
        shape=(len(rows_s), n_y + n_f + 1),
    )
    m3.rows.append(rows_block(a, np.full(len(rows_s), -np.inf), np.zeros(len(rows_s))))
    return m3.solve(deadline, gap=CAPACITY_REL_GAP)


def _decisive_stage(
    inst: Instance,
    model: MilpModel,
    chosen: np.ndarray,
    served: float,
    time_c: np.ndarray,
    minutes: float,
    deadline: float,
) -> str:
    """Which lexicographic stage singled out ``chosen`` (re-solve with it forbidden).

    ``model`` holds the stage-1 rows plus the row fixing the served need.
    """
    if len(np.setdiff1d(chosen, inst.forced)) == 0:
        return "constraints"
    stage1 = MilpModel(model.c, model.integrality, model.lb, model.ub, model.rows[:-1], model.n_y)
    forbid_selection(stage1, chosen, inst.forced)
    res, _ = stage1.solve(deadline, gap=CAPACITY_REL_GAP)
    if res.status == 2 or (
        res.x is not None and res.status == 0 and -float(res.fun) < served - _slack(served)
    ):
        return "served"
    if res.x is None or res.status != 0:
        return "unknown"
    stage2 = MilpModel(model.c, model.integrality, model.lb, model.ub, list(model.rows), model.n_y)
    forbid_selection(stage2, chosen, inst.forced)
    res2, _ = stage2.solve(deadline, c=time_c, gap=CAPACITY_REL_GAP)
    if res2.status == 2 or (res2.status == 0 and float(res2.fun) > minutes + _slack(minutes)):
        return "time"
    if res2.x is None or res2.status != 0:
        return "unknown"
    return "time_or_balance"


def _served_stage(
    inst: Instance, model: MilpModel, cap: float, deadline: float, stages: list[dict]
) -> tuple[float, np.ndarray, np.ndarray | None] | None:
    """Stage 1 (40 % of the remaining time): served need, placement and assignment.

    ``None`` when the solver found nothing. A placement not proven optimal is compared
    with the greedy one, which may serve more (its assignment is then ``None``).
    """
    n_y = model.n_y
    res1, s1 = model.solve(deadline_share(deadline, 0.4), gap=CAPACITY_REL_GAP)
    stages.append({"stage": "besoin servi", **solve_status(res1), "solve_s": s1})
    if res1.x is None:
        return None
    served = -float(res1.fun)
    best_chosen, best_f = chosen_from(res1, n_y), res1.x[n_y:]
    if res1.status != 0:
        order = np.array(greedy_order(inst, cap), dtype=int)
        greedy_served, _, _ = capacity_served(inst, order, cap)
        stages[0]["greedy_served"] = greedy_served
        if greedy_served > served:
            served, best_chosen, best_f = greedy_served, order, None
            stages[0]["incumbent"] = "greedy"
    return served, best_chosen, best_f


def _time_and_balance_stages(
    model: MilpModel,
    pinfo: dict[str, np.ndarray],
    served: float,
    incumbent: tuple[np.ndarray, np.ndarray | None],
    deadline: float,
    stages: list[dict],
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, Any]:
    """Stages 2 (half the remaining time) and 3 on top of the served need.

    Returns the placement, its assignment (``None``: recompute), the stage-2 objective
    and the stage-2 result.
    """
    n_y, wf = model.n_y, pinfo["wf"]
    best_chosen, best_f = incumbent
    time_c = np.concatenate([np.zeros(n_y), wf * pinfo["time"]])
    model.add_row(np.concatenate([np.zeros(n_y), wf]), served - _slack(served), np.inf)
    res2, s2 = model.solve(deadline_share(deadline, 0.5), c=time_c, gap=CAPACITY_REL_GAP)
    stages.append({"stage": "temps pondéré", **solve_status(res2), "solve_s": s2})
    if res2.x is not None:
        best_chosen, best_f = chosen_from(res2, n_y), res2.x[n_y:]
    if res2.x is not None and res2.status == 0:
        res3, s3 = _balance_stage(model, pinfo, time_c, float(res2.fun), deadline)
        stages.append({"stage": "équilibre de charge", **solve_status(res3), "solve_s": s3})
        if res3.x is not None:
            best_chosen, best_f = chosen_from(res3, n_y), res3.x[n_y : n_y + len(wf)]
    return best_chosen, best_f, time_c, res2


def solve_capacity(
    inst: Instance, deadline: float
) -> tuple[np.ndarray | None, float, dict, tuple | None]:
    """Solve the capacity objective lexicographically.

    Returns
    -------
    tuple
        Chosen candidate positions (``None`` without solution), served need, solver
        details (``stages``, ``proven_optimal``, ``decisive_stage``…) and the served
        split (share per demand, served need per site column).
    """
    cap = inst.capacity_per_advisor()
    t0 = time.perf_counter()
    model, pinfo = capacity_model(inst, cap)
    build = time.perf_counter() - t0
    stages: list[dict[str, Any]] = []
    stage1 = _served_stage(inst, model, cap, deadline, stages)
    if stage1 is None:
        info = {**stages[0], "build_s": build, "solve_s": stages[0]["solve_s"]}
        return None, float("nan"), info, None
    served, best_chosen, best_f = stage1
    best_chosen, best_f, time_c, res2 = _time_and_balance_stages(
        model, pinfo, served, (best_chosen, best_f), deadline, stages
    )
    if best_f is None:
        _, share, per_site = capacity_served(inst, best_chosen, cap)
        split = (share, per_site)
    else:
        split = served_split(inst, pinfo, best_f[: len(pinfo["wf"])])
    info = {
        "status": stages[-1]["status"],
        "message": stages[-1]["message"],
        "objective": served,
        # The gap that matters is the served need's; later stages' bounds are near 0.
        "mip_gap": stages[0]["mip_gap"],
        "build_s": build,
        "solve_s": sum(s["solve_s"] for s in stages),
        "stages": stages,
        "capacity_per_advisor": cap,
        "served_need": served,
        "proven_optimal": all(s["status"] == 0 for s in stages),
    }
    info["decisive_stage"] = (
        _decisive_stage(inst, model, best_chosen, served, time_c, float(res2.fun), deadline)
        if info["proven_optimal"] and deadline - time.perf_counter() > _CHECK_MIN_S
        else "unknown"
    )
    return best_chosen, served, info, split
