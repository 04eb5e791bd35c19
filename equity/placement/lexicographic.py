"""The capacity model solved lexicographically, and which criterion decided.

Stage 1 maximises the persons in need accompanied within the threshold
(:mod:`equity.placement.capacity`). Stage 2 keeps the stage-1 optimum and minimises
their travel time (person-minutes). Stage 3, when the EPCI of the demand points are
known, keeps both and maximises the smallest share of persons in need accompanied in
an EPCI. Each stage reports its own status and gap. ``decisive_stage`` says which stage
decided, checked by re-solving with the chosen allocation forbidden (a no-good cut).

When every advisor's capacity can be used (need exceeds capacity, as on Sarthe), stage 1's
optimum is a bound known beforehand: stages 1 and 2 are then solved as one MILP, with
the rows that bound implies (:meth:`~equity.placement.capacity.CapacityModel.
restrict_to_served_bound`) and demand-cover cuts (:mod:`equity.placement.capacity_cuts`),
and stage 1 reports the method ``bound``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from equity.placement.capacity import CapacityModel, capacity_model
from equity.placement.capacity_cuts import tighten_relaxation
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
    "FIXED_LP_LIMIT_S",
    "LEXICO_REL_TOL",
    "evaluate_allocation",
    "lexicographic_solve",
    "solve_capacity",
]

#: Relative gap of every capacity stage (see ``geo.defaults.CAPACITY_MIP_REL_GAP``).
CAPACITY_REL_GAP = defaults.CAPACITY_MIP_REL_GAP
#: Slack kept when a stage's optimum becomes a constraint of the next stage.
LEXICO_REL_TOL = 1e-6
# Uniqueness checks are skipped when less than this is left of the run's budget.
_CHECK_MIN_S = 0.1
#: A fixed allocation leaves LPs: they get their own budget, outside the run's deadline.
FIXED_LP_LIMIT_S = 60.0

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


def _rounded(cm: CapacityModel, x_lp: np.ndarray, c: np.ndarray, primal: bool) -> np.ndarray | None:
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
    cm.close_unopened(trial.ub)
    lp = lp_relaxation(trial, c, primal)
    return lp.x if lp.status == 0 else None


def _best(candidates: list[np.ndarray | None], c: np.ndarray) -> np.ndarray | None:
    """The candidate of least objective ``c`` (``None`` when there is none)."""
    known = [x for x in candidates if x is not None]
    return min(known, key=lambda x: float(c @ x)) if known else None


def _support_solution(
    cm: CapacityModel, x_lp: np.ndarray, c: np.ndarray, deadline: float
) -> np.ndarray | None:
    """The stage's MILP restricted to the places its LP relaxation opens (a heuristic).

    The LP spreads the new advisors over few places (20 for 20 advisors on Sarthe, 13
    of them fractional): restricted to them (2,362 columns once the other places'
    persons are dropped) the MILP solves in about 0.3 s and lands within 0.05 % of the
    optimum, an incumbent that lets reduced costs fix most binaries before the full
    MILP. HiGHS' sub-MIP heuristics are off here: on this small model they took 0.55 of
    0.9 s and found nothing its search does not.
    """
    m = cm.milp
    opened = x_lp[: cm.n_x].reshape(-1, cm.blocks).sum(axis=1) > _INTEGRAL_TOL
    sub = MilpModel(m.c, m.integrality, m.lb.copy(), m.ub.copy(), m.rows, m.n_y)
    sub.ub[: cm.n_x][np.repeat(~opened, cm.blocks)] = 0.0
    if np.any(sub.lb > sub.ub):
        return None
    cm.close_unopened(sub.ub)
    reduced, keep = compact(sub)
    res, _ = reduced.solve(deadline, c=c[keep], gap=CAPACITY_REL_GAP, sub_mip_heuristics=False)
    if res.x is None:
        return None
    x = np.zeros(len(c))
    x[keep] = res.x
    return x


def _keep_optimum(cm: CapacityModel, lp: Any, value: float) -> None:
    """Every later stage keeps this optimum: fix what its LP says cannot move.

    The limit is the optimum itself, not the slack above it that guards the next
    stages against round-off: every solution at the optimum keeps the variables whose
    reduced cost is positive at their bound, and dropping them makes the next stages
    far smaller.
    """
    fix_by_reduced_cost(cm.milp, lp, value)
    cm.close_unopened(cm.milp.ub)


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
    primal: bool = False,
    relax: bool = True,
    lp: Any = None,
) -> tuple[dict[str, Any], np.ndarray | None]:
    """One stage: its LP relaxation first, the MILP only when the LP is fractional.

    ``relax=False`` (with an ``incumbent``) goes straight to the MILP from it: for a
    stage whose short budget its LP relaxation would use up. ``lp``: the stage's LP
    relaxation when already solved.

    An LP optimum with integral binaries is optimal for the MILP; so is a rounded
    LP solution that reaches the LP bound. Otherwise the best feasible solution known
    (the rounded one, ``incumbent`` — the previous stage's optimum — or the MILP over
    the places the LP opens) bounds the stage: the variables that cannot beat it are
    fixed by their reduced costs, the fixed-at-0 variables are dropped and the smaller
    MILP is solved from it.
    """
    model = cm.milp
    start = time.perf_counter()
    if not relax and incumbent is not None:
        return _milp_stage(cm, c, deadline, gap, incumbent, 0, start)
    if lp is None:
        lp = lp_relaxation(model, c, primal)
    if lp.status == 0 and _integral(lp.x, model):
        _keep_optimum(cm, lp, float(lp.fun))
        return _proven(float(lp.fun), start, "relaxation linéaire entière"), lp.x
    candidates = [incumbent]
    if lp.status == 0:
        candidates.append(_rounded(cm, lp.x, c, primal))
    best = _best(candidates, c)
    if best is not None and lp.status == 0 and c @ best <= lp.fun + _slack(lp.fun):
        _keep_optimum(cm, lp, float(c @ best))
        return _proven(float(c @ best), start, "arrondi de la relaxation linéaire"), best
    if lp.status == 0:
        support = _support_solution(cm, lp.x, c, deadline_share(deadline, 0.3))
        if support is not None:
            cm.stage_solutions.append(support)
        best = _best([best, support], c)
    fixed = 0
    if best is not None:
        limit = float(c @ best)
        fixed = fix_by_reduced_cost(model, lp, limit + _slack(limit))
    return _milp_stage(cm, c, deadline, gap, best, fixed, start)


def _milp_stage(
    cm: CapacityModel,
    c: np.ndarray,
    deadline: float,
    gap: float,
    best: np.ndarray | None,
    fixed: int,
    start: float,
) -> tuple[dict[str, Any], np.ndarray | None]:
    """The stage's MILP without the variables fixed at 0, from ``best`` if known."""
    model = cm.milp
    cm.close_unopened(model.ub)
    reduced, keep = compact(model)
    start_x = None if best is None else best[keep]
    res, _ = reduced.solve(deadline, c=c[keep], gap=gap, presolve=False, start=start_x)
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


def _free_allocation(cm: CapacityModel) -> bool:
    """Some allocation binary is still free (not fixed by an evaluation or the stages)."""
    return bool(np.any(cm.milp.lb[: cm.n_x] < cm.milp.ub[: cm.n_x]))


def _stage_deadline(deadline: float, i: int, n_stages: int) -> float:
    """Stage ``i`` gets ``1 / (n - i)`` of the time left; the balance stage at most its cap."""
    end = deadline_share(deadline, 1.0 / (n_stages - i))
    if i == 2:
        end = min(end, time.perf_counter() + defaults.BALANCE_STAGE_LIMIT_S)
    return end


def _served_by_bound(
    cm: CapacityModel, objectives: list[np.ndarray], deadline: float, gap: float
) -> tuple[list[dict[str, Any]], np.ndarray] | None:
    """Stages 1 and 2 at once when the persons served reach their upper bound.

    When need exceeds capacity, every advisor's capacity is usually used: the
    allocation serving the most persons then serves the bound of
    :meth:`CapacityModel.restrict_to_served_bound`, and stage 1 needs no solve of its
    own. Stage 2 is solved with that bound as its row, its LP relaxation tightened by
    demand-cover cuts (on Sarthe up to its optimum); a solution proves stage 1's
    optimum. ``None`` (the model as it was) when the bound is not reached — stage 2's
    LP is infeasible — or stage 2 finds nothing.
    """
    start = time.perf_counter()
    m = cm.milp
    lb, ub, rows = m.lb.copy(), m.ub.copy(), list(m.rows)
    bound = cm.restrict_to_served_bound()
    bound_s = time.perf_counter() - start
    if bound is None:
        return None
    m.add_row(objectives[0], -np.inf, -bound + _slack(bound))
    lp_start = time.perf_counter()
    cuts, lp = tighten_relaxation(cm, objectives[1], deadline_share(deadline, 0.3))
    if cuts is not None:
        # Before the bound's row: the stages' fixing rows stay last (see _decisive_stage).
        m.rows.insert(len(m.rows) - 1, cuts)
    lp_s = time.perf_counter() - lp_start
    info, x = (
        (None, None)
        if lp.status != 0
        else _solve_stage(cm, objectives[1], deadline, gap, None, lp=lp)
    )
    if x is None:
        m.lb[:], m.ub[:] = lb, ub
        m.rows[:] = rows
        return None
    served = {
        "stage": _STAGE_NAMES[0],
        **_proven(-bound, start, "borne atteinte : toute la capacité est utilisée"),
        "method": "bound",
        "solve_s": bound_s,
    }
    info = {"stage": _STAGE_NAMES[1], **info, "solve_s": info["solve_s"] + lp_s}
    cm.stage_solutions.append(x)
    cm.stage_bounds.extend([(lb, ub), (m.lb.copy(), m.ub.copy())])
    cm.served_rows = rows
    return [served, info], x


def lexicographic_solve(
    cm: CapacityModel,
    deadline: float,
    stages: list[dict[str, Any]],
    gap: float,
    n_stages: int | None = None,
) -> tuple[np.ndarray | None, list[float]]:
    """Solve the stages in turn; each optimum is kept (with a slack) by the next.

    Stage ``i`` gets ``1 / (n - i)`` of the time left, the balance stage at most
    :data:`geo.defaults.BALANCE_STAGE_LIMIT_S`. Each stage starts from the previous
    stage's solution (for the balance stage, its assignment re-balanced by an LP at the
    same allocation). Rows fixing the optima are appended to ``cm.milp``, and its bounds are
    tightened by reduced-cost fixing (valid for every later stage, whose solutions keep
    the earlier optima). ``cm.stage_solutions`` keeps every stage's solution and the
    heuristic solutions found on the way.

    ``n_stages`` stops after that many stages (all by default).

    Returns
    -------
    tuple
        The best solution vector (``None`` when stage 1 found nothing) and the
        minimised value of every solved stage.
    """
    best, values = None, []
    objectives = _objectives(cm)[:n_stages]
    both = None
    if len(objectives) > 1 and _free_allocation(cm):
        both = _served_by_bound(cm, objectives, _stage_deadline(deadline, 1, len(objectives)), gap)
    if both is not None:
        stages.extend(both[0])
        best = both[1]
        # Stage 1's optimum is the bound itself (the solution keeps it up to the slack).
        values = [both[0][0]["objective"], float(objectives[1] @ best)]
    for i, c in enumerate(objectives[len(values) :], start=len(values)):
        if values:
            previous = objectives[i - 1]
            cm.milp.add_row(previous, -np.inf, values[-1] + _slack(values[-1]))
            if i == 2 and best is not None and _free_allocation(cm):
                # The balance stage rarely proves within its cap: its start, the time
                # optimum with its assignment re-balanced (an LP), is then the result.
                # (Re-optimising the time stage's start costs more than it saves.)
                best = _rounded(cm, best, c, primal=False)
        end = _stage_deadline(deadline, i, len(objectives))
        # Persons served only push flows up against capacities: primal simplex. The
        # balance stage's LP relaxation is weak and slow: its MILP starts at once.
        info, x = _solve_stage(cm, c, end, gap, best, primal=i == 0, relax=i != 2)
        stages.append({"stage": _STAGE_NAMES[i], **info})
        if x is None:
            break
        best = x
        values.append(float(c @ x))
        cm.stage_solutions.append(x)
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


def _allocation(cm: CapacityModel, x: np.ndarray) -> frozenset[int]:
    return frozenset(np.flatnonzero(x[: cm.n_x] > 0.5).tolist())


def _alternative_known(cm: CapacityModel, x: np.ndarray, values: list[float], i: int) -> bool:
    """A stage solution with another allocation reaches the optima of stages ``0..i``."""
    objectives = _objectives(cm)
    chosen = _allocation(cm, x)
    return any(
        _allocation(cm, other) != chosen
        and all(objectives[j] @ other <= values[j] + _slack(values[j]) for j in range(i + 1))
        for other in cm.stage_solutions
    )


def _decisive_stage(
    cm: CapacityModel,
    x: np.ndarray,
    values: list[float],
    stages: list[dict[str, Any]],
    n_proven: int,
    deadline: float,
) -> str:
    """Which stage singled out the allocation ``x`` (re-solve with it forbidden).

    ``cm.milp`` holds the base rows and one row per stage optimum but the last; check
    ``i`` keeps the optima before ``i`` and the bounds fixed once stage ``i`` was solved.
    Only the first ``n_proven`` stages (proven optimal) are checked; a check is skipped
    when a stage solution already shows another allocation with the same optima. A
    check re-solves its stage without the incumbent that stage had: when the stage's
    MILP took longer than the time left, the answer is « unknown » at once (a stage its
    LP relaxation proved is re-solved from a relaxation as tight).

    When stage 1 was settled by its bound, the travel-time check runs first: its
    solution, another allocation at that bound, answers the persons-served check,
    whose own MILP did not end in 0.5 s on Sarthe (the travel-time one takes 0.04 s).
    """
    chosen = np.flatnonzero(x[: cm.n_x] > 0.5)
    n_fixing = len(values) - 1
    base_rows = cm.milp.rows[: len(cm.milp.rows) - n_fixing]
    m = cm.milp
    cut = np.zeros(len(m.c))
    cut[chosen] = 1.0
    objectives = _objectives(cm)
    checks: dict[int, Any] = {}

    def recheck(i: int) -> Any:
        rows = [*base_rows, *m.rows[len(base_rows) : len(base_rows) + i]]
        if i == 0 and cm.served_rows is not None:
            rows = cm.served_rows
        lb, ub = cm.stage_bounds[i]
        trial = MilpModel(m.c, m.integrality, lb.copy(), ub.copy(), rows, m.n_y)
        trial.add_row(cut, -np.inf, len(chosen) - 1)
        cm.close_unopened(trial.ub)
        reduced, keep = compact(trial)
        res, _ = reduced.solve(deadline, c=objectives[i][keep], gap=CAPACITY_REL_GAP)
        if res.x is not None:
            other = np.zeros(len(m.c))
            other[keep] = res.x
            cm.stage_solutions.append(other)
        checks[i] = res
        return res

    def too_long(i: int) -> bool:
        slow = stages[i]["solve_s"] > deadline - time.perf_counter()
        return slow and stages[i].get("method") != "lp"

    if n_proven >= 2 and stages[0].get("method") == "bound" and not too_long(1):
        recheck(1)
    for i, value in enumerate(values[:n_proven]):
        if _alternative_known(cm, x, values, i):
            continue
        if i not in checks and too_long(i):
            return "unknown"
        res = checks[i] if i in checks else recheck(i)
        if res.status == 2 and i == 0:
            return "constraints"
        worse = _worse(res, value)
        if worse is None:
            return "unknown"
        if worse:
            return ("served", "time", "balance")[i]
    return "tie" if n_proven == len(values) else "unknown"


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
        # Leading stages proven optimal (the balance stage, a tie-break, has a capped time).
        "proven_stages": next((i for i, s in enumerate(stages) if s["status"] != 0), len(stages)),
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
    left = min(deadline - time.perf_counter(), defaults.DECISIVE_CHECK_LIMIT_S)
    info["decisive_stage"] = (
        _decisive_stage(cm, x, values, stages, info["proven_stages"], time.perf_counter() + left)
        if info["proven_stages"] >= min(2, len(values)) and left > _CHECK_MIN_S
        else "unknown"
    )
    return cm.added_advisors(x, inst.settings.advisors_per_site), served, info, cm.split(x)


def evaluate_allocation(
    inst: Instance, added: dict[int, int], served_only: bool = False
) -> tuple[float, np.ndarray, dict[int, float]]:
    """Persons served by a fixed allocation, with the same stages (LPs).

    Parameters
    ----------
    inst : Instance
    added : dict
        New advisors per site column (``{}``: the current situation).
    served_only : bool
        Solve the first stage only (one LP): the persons served are the same, the
        split is one of the assignments serving them, not the nearest.

    Returns
    -------
    tuple
        Persons served, served share per demand point and load per site column.
    """
    cm = capacity_model(inst, fixed=added)
    stages: list[dict[str, Any]] = []
    x, values = lexicographic_solve(
        cm,
        time.perf_counter() + FIXED_LP_LIMIT_S,
        stages,
        defaults.MIP_REL_GAP,
        n_stages=1 if served_only else None,
    )
    if x is None:
        raise RuntimeError("Le calcul des personnes accompagnées a échoué : " + str(stages))
    share, load = cm.split(x)
    return -values[0], share, load
