"""The capacity model solved lexicographically, and which criterion decided.

Stage 1 maximises the persons in need accompanied within the threshold
(:mod:`equity.placement.capacity`). Stage 2 keeps the stage-1 optimum and minimises
their travel time (person-minutes). Stage 3, when the EPCI of the demand points are
known, keeps both and maximises the smallest share of persons in need accompanied in
an EPCI. Each stage reports its own status and gap. ``decisive_stage`` says which stage
decided, checked by re-solving with the chosen allocation forbidden (a no-good cut).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from equity.placement.capacity import CapacityModel, capacity_model
from equity.placement.milp import (
    MilpModel,
    compact,
    deadline_share,
    fix_by_reduced_cost,
    lp_relaxation,
    solve_status,
)
from equity.placement.problem import Instance
from geo import defaults

__all__ = [
    "CAPACITY_REL_GAP",
    "LEXICO_REL_TOL",
    "evaluate_allocation",
    "lexicographic_solve",
    "solve_capacity",
]

#: Relative gap of every capacity stage (see ``geo.defaults.CAPACITY_MIP_REL_GAP``).
CAPACITY_REL_GAP = defaults.CAPACITY_MIP_REL_GAP
#: Slack kept when a stage's optimum becomes a constraint of the next stage.
LEXICO_REL_TOL = 1e-6
# Uniqueness checks are skipped when less than this is left of the run's budget, and
# take at most this share of what is left.
_CHECK_MIN_S = 1.0
_CHECK_SHARE = 0.5
# A fixed allocation leaves LPs: they get their own budget, outside the run's deadline.
_FIXED_LP_LIMIT_S = 60.0

# Binaries this close to an integer count as integral in an LP solution.
_INTEGRAL_TOL = 1e-6

_STAGE_NAMES = ("personnes accompagnées", "temps de trajet", "équilibre entre EPCI")


def _slack(value: float) -> float:
    return LEXICO_REL_TOL * max(1.0, abs(value))


def _balance_c(cm: CapacityModel) -> np.ndarray:
    c = np.zeros(len(cm.milp.c))
    c[cm.balance_col] = -1.0
    return c


def _objectives(cm: CapacityModel) -> list[np.ndarray]:
    """Minimised objective of every stage."""
    stages = [-cm.served_c(), cm.time_c()]
    if cm.balance_col is not None:
        stages.append(_balance_c(cm))
    return stages


def _integral(x: np.ndarray, model: MilpModel) -> bool:
    ints = model.integrality > 0
    return bool(np.all(np.abs(x[ints] - np.round(x[ints])) <= _INTEGRAL_TOL))


def _rounded(cm: CapacityModel, x_lp: np.ndarray, c: np.ndarray) -> np.ndarray | None:
    """A feasible solution near the LP one: advisors rounded, then the stage's LP.

    The fractional blocks of every place are rounded by largest remainder to the
    same total; ``None`` when that allocation breaks a constraint of the stage.
    """
    m = cm.milp
    x = x_lp[: cm.n_x].reshape(-1, cm.blocks)
    blocks = x @ np.arange(1, cm.blocks + 1)
    total = round(float(blocks.sum()))
    rounded = np.minimum(np.floor(blocks + _INTEGRAL_TOL), cm.blocks).astype(int)
    order = np.argsort(-(blocks - rounded), kind="stable")
    for j in order[: max(total - rounded.sum(), 0)]:
        rounded[j] += rounded[j] < cm.blocks
    fixed = np.zeros(cm.n_x)
    on = np.flatnonzero(rounded)
    fixed[on * cm.blocks + rounded[on] - 1] = 1.0
    trial = MilpModel(m.c, m.integrality, m.lb.copy(), m.ub.copy(), m.rows, m.n_y)
    if np.any(fixed < m.lb[: cm.n_x]) or np.any(fixed > m.ub[: cm.n_x]):
        return None
    trial.lb[: cm.n_x] = trial.ub[: cm.n_x] = fixed
    lp = lp_relaxation(trial, c)
    return lp.x if lp.status == 0 else None


def _keep_optimum(model: MilpModel, lp: Any, value: float) -> None:
    """Every later stage keeps this optimum: fix what its LP says cannot move.

    The limit is the optimum itself, not the slack above it that guards the next
    stages against round-off: every solution at the optimum keeps the variables whose
    reduced cost is positive at their bound, and dropping them makes the next stages
    far smaller.
    """
    fix_by_reduced_cost(model, lp, value)


def _proven(value: float, start: float, how: str) -> dict[str, Any]:
    return {
        "status": 0,
        "message": f"{how} : optimum prouvé par la borne linéaire",
        "objective": value,
        "mip_gap": 0.0,
        "method": "lp",
        "solve_s": time.perf_counter() - start,
    }


def _solve_stage(
    cm: CapacityModel,
    c: np.ndarray,
    deadline: float,
    gap: float,
    incumbent: np.ndarray | None,
) -> tuple[dict[str, Any], np.ndarray | None]:
    """One stage: its LP relaxation first, the MILP only when the LP is fractional.

    An LP optimum with integral binaries is optimal for the MILP; so is a rounded
    LP solution that reaches the LP bound. Otherwise the variables that cannot beat
    the best feasible solution known (the rounded one or ``incumbent``, the previous
    stage's optimum) are fixed by their reduced costs, the fixed-at-0 variables are
    dropped and the smaller MILP is solved.
    """
    model = cm.milp
    start = time.perf_counter()
    lp = lp_relaxation(model, c)
    if lp.status == 0 and _integral(lp.x, model):
        _keep_optimum(model, lp, float(lp.fun))
        return _proven(float(lp.fun), start, "relaxation linéaire entière"), lp.x
    candidates = [x for x in (incumbent, _rounded(cm, lp.x, c) if lp.status == 0 else None)]
    known = [x for x in candidates if x is not None]
    best = min(known, key=lambda x: float(c @ x)) if known else None
    if best is not None and lp.status == 0 and c @ best <= lp.fun + _slack(lp.fun):
        _keep_optimum(model, lp, float(c @ best))
        return _proven(float(c @ best), start, "arrondi de la relaxation linéaire"), best
    fixed = 0
    if best is not None:
        limit = float(c @ best)
        fixed = fix_by_reduced_cost(model, lp, limit + _slack(limit))
    reduced, keep = compact(model)
    res, _ = reduced.solve(deadline, c=c[keep], gap=gap, presolve=False)
    if res.x is None and best is not None:
        # The time ran out: the best known solution stands, without proof.
        return {
            **solve_status(res),
            "objective": float(c @ best),
            "method": "incumbent",
            "solve_s": time.perf_counter() - start,
        }, best
    info = {**solve_status(res), "method": "milp", "fixed_by_reduced_cost": fixed}
    info["solve_s"] = time.perf_counter() - start
    if res.x is None:
        return info, None
    x = np.zeros(len(c))
    x[keep] = res.x
    return info, x


def lexicographic_solve(
    cm: CapacityModel, deadline: float, stages: list[dict[str, Any]], gap: float
) -> tuple[np.ndarray | None, list[float]]:
    """Solve the stages in turn; each optimum is kept (with a slack) by the next.

    Stage ``i`` gets ``1 / (n - i)`` of the time left. Rows fixing the optima are
    appended to ``cm.milp``, and its bounds are tightened by reduced-cost fixing
    (valid for every later stage, whose solutions keep the earlier optima).

    Returns
    -------
    tuple
        The best solution vector (``None`` when stage 1 found nothing) and the
        minimised value of every solved stage.
    """
    best, values = None, []
    objectives = _objectives(cm)
    for i, c in enumerate(objectives):
        if values:
            previous = objectives[i - 1]
            cm.milp.add_row(previous, -np.inf, values[-1] + _slack(values[-1]))
        share = 1.0 / (len(objectives) - i)
        info, x = _solve_stage(cm, c, deadline_share(deadline, share), gap, best)
        stages.append({"stage": _STAGE_NAMES[i], **info})
        if x is None:
            break
        best = x
        values.append(float(c @ x))
        # Bounds valid for every solution keeping the optima so far (uniqueness checks).
        cm.stage_bounds.append((cm.milp.lb.copy(), cm.milp.ub.copy()))
    return best, values


def _worse(res: Any, value: float) -> bool | None:
    """The re-solve with the allocation forbidden is worse (None: could not tell)."""
    if res.status == 2:
        return True
    if res.x is None or res.status != 0:
        return None
    return float(res.fun) > value + _slack(value)


def _decisive_stage(cm: CapacityModel, x: np.ndarray, values: list[float], deadline: float) -> str:
    """Which stage singled out the allocation ``x`` (re-solve with it forbidden).

    ``cm.milp`` holds the base rows and one row per stage optimum but the last; check
    ``i`` keeps the optima before ``i`` and the bounds fixed once stage ``i`` was solved.
    """
    chosen = np.flatnonzero(x[: cm.n_x] > 0.5)
    n_fixing = len(values) - 1
    base_rows = cm.milp.rows[: len(cm.milp.rows) - n_fixing]
    m = cm.milp
    cut = np.zeros(len(m.c))
    cut[chosen] = 1.0
    objectives = _objectives(cm)
    for i, value in enumerate(values):
        rows = [*base_rows, *m.rows[len(base_rows) : len(base_rows) + i]]
        lb, ub = cm.stage_bounds[i]
        trial = MilpModel(m.c, m.integrality, lb.copy(), ub.copy(), rows, m.n_y)
        trial.add_row(cut, -np.inf, len(chosen) - 1)
        reduced, keep = compact(trial)
        res, _ = reduced.solve(deadline, c=objectives[i][keep], gap=CAPACITY_REL_GAP)
        if res.status == 2 and i == 0:
            return "constraints"
        worse = _worse(res, value)
        if worse is None:
            return "unknown"
        if worse:
            return ("served", "time", "balance")[i]
    return "tie"


def _stage_info(stages: list[dict[str, Any]], build_s: float) -> dict[str, Any]:
    return {
        "status": stages[-1]["status"],
        "message": stages[-1]["message"],
        # The gap that matters is the served persons'; later stages' bounds are tighter.
        "mip_gap": stages[0]["mip_gap"],
        "build_s": build_s,
        "solve_s": sum(s["solve_s"] for s in stages),
        "stages": stages,
        "proven_optimal": all(s["status"] == 0 for s in stages),
    }


def solve_capacity(
    inst: Instance, deadline: float
) -> tuple[dict[int, int] | None, float, dict[str, Any], tuple | None]:
    """Solve the capacity objective lexicographically.

    Returns
    -------
    tuple
        New advisors per site column (``None`` without solution), persons served,
        solver details (``stages``, ``proven_optimal``, ``decisive_stage``, model
        sizes…) and the split (served share per demand point, load per site column).
    """
    t0 = time.perf_counter()
    cm = capacity_model(inst)
    build = time.perf_counter() - t0
    stages: list[dict[str, Any]] = []
    x, values = lexicographic_solve(cm, deadline, stages, CAPACITY_REL_GAP)
    info = _stage_info(stages, build)
    info.update(
        capacity_per_advisor=inst.capacity_per_advisor(),
        pairs=len(cm.ii),
        pairs_before_pruning=cm.n_pairs_full,
        binaries=cm.n_x,
    )
    if x is None:
        return None, float("nan"), info, None
    served = -values[0]
    info["objective"] = served
    left = deadline - time.perf_counter()
    info["decisive_stage"] = (
        _decisive_stage(cm, x, values, time.perf_counter() + _CHECK_SHARE * left)
        if info["proven_optimal"] and left > _CHECK_MIN_S
        else "unknown"
    )
    return cm.added_advisors(x, inst.settings.advisors_per_site), served, info, cm.split(x)


def evaluate_allocation(
    inst: Instance, added: dict[int, int]
) -> tuple[float, np.ndarray, dict[int, float]]:
    """Persons served by a fixed allocation, with the same stages (LPs).

    Parameters
    ----------
    inst : Instance
    added : dict
        New advisors per site column (``{}``: the current situation).

    Returns
    -------
    tuple
        Persons served, served share per demand point and load per site column.
    """
    cm = capacity_model(inst, fixed=added)
    stages: list[dict[str, Any]] = []
    x, values = lexicographic_solve(
        cm, time.perf_counter() + _FIXED_LP_LIMIT_S, stages, defaults.MIP_REL_GAP
    )
    if x is None:
        raise RuntimeError("Le calcul des personnes accompagnées a échoué : " + str(stages))
    share, load = cm.split(x)
    return -values[0], share, load
