"""Shared MILP builder and solve plumbing of the location models (HiGHS).

Every model of the package is a :class:`MilpModel` whose first ``n_y`` variables are
the candidate-site binaries, followed by the model's own continuous variables. The
selection rows (how many sites, per-group limits) are built once, by
:func:`selection_rows`, for every model.

MILPs go to HiGHS through its own Python interface (``highspy``) rather than
:func:`scipy.optimize.milp`: it takes a starting solution (the lexicographic stages
pass the previous stage's optimum, which HiGHS then only has to prove) and ships a
newer HiGHS (on the Sarthe capacity model, before its demand-cover cuts, stage 2 took
4.2 s with the start against 16.4 s through scipy; ``benchmarks/placement.py``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import OptimizeResult

from equity.highs import HIGHS_LOCK, highs_lp, quiet_highs
from equity.placement.problem import Instance
from geo import defaults

__all__ = [
    "HighsSession",
    "MilpModel",
    "Rows",
    "chosen_from",
    "compact",
    "deadline_share",
    "fix_by_reduced_cost",
    "forbid_selection",
    "instance_model",
    "instance_selection_rows",
    "lp_relaxation",
    "rows_block",
    "selection_model",
    "selection_rows",
    "solve_status",
]

#: One block of constraint rows: coefficients, lower and upper bounds.
Rows = tuple[sparse.csr_array, np.ndarray, np.ndarray]

# HiGHS needs a positive time limit even when the run's budget is spent.
_MIN_TIME_LIMIT_S = 0.05
# Row tolerance of MILP solutions: HiGHS' default (1e-6) let a load exceed its capacity
# by 2e-6 persons once cut rows changed the model's scaling.
_MIP_FEASIBILITY_TOL = 1e-8
# HiGHS' default dual feasibility tolerance.
_DUAL_TOL = 1e-7
# HiGHS' simplex_strategy values.
_DUAL_SIMPLEX, _PRIMAL_SIMPLEX = 1, 4
# HiGHS model status -> (scipy-style status, French message).
_STATUS = {
    highspy.HighsModelStatus.kOptimal: (0, "optimum atteint"),
    highspy.HighsModelStatus.kTimeLimit: (1, "limite de temps atteinte"),
    highspy.HighsModelStatus.kIterationLimit: (1, "limite d'itérations atteinte"),
    highspy.HighsModelStatus.kSolutionLimit: (1, "limite de solutions atteinte"),
    highspy.HighsModelStatus.kInterrupt: (1, "calcul interrompu"),
    highspy.HighsModelStatus.kInfeasible: (2, "contraintes incompatibles"),
    highspy.HighsModelStatus.kUnboundedOrInfeasible: (2, "contraintes incompatibles"),
    highspy.HighsModelStatus.kUnbounded: (3, "objectif non borné"),
}


@dataclass
class MilpModel:
    """A MILP whose first ``n_y`` variables are the candidate-site binaries.

    Attributes
    ----------
    c, integrality, lb, ub : numpy.ndarray
        Objective (minimised), integrality flags and bounds of every variable.
    rows : list of Rows
        Constraint blocks, stacked at solve time.
    n_y : int
        Number of candidate-site binaries (the first variables).
    constant : float
        Constant term of the objective left out of ``c``.
    """

    c: np.ndarray
    integrality: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    rows: list[Rows]
    n_y: int
    constant: float = 0.0

    def add_row(self, coef: np.ndarray, lo: float, hi: float) -> None:
        """Append the single constraint ``lo <= coef @ x <= hi``."""
        self.rows.append((sparse.csr_array(coef.reshape(1, -1)), np.array([lo]), np.array([hi])))

    def solve(
        self,
        deadline: float,
        c: np.ndarray | None = None,
        gap: float = defaults.MIP_REL_GAP,
        presolve: bool = True,
        start: np.ndarray | None = None,
        sub_mip_heuristics: bool = True,
    ) -> tuple[OptimizeResult, float]:
        """Solve with HiGHS until ``deadline`` (a :func:`time.perf_counter` value).

        Parameters
        ----------
        deadline : float
            Wall-clock instant at which HiGHS must stop.
        c : numpy.ndarray, optional
            Objective replacing ``self.c`` for this solve (lexicographic stages).
        gap : float
            Relative MIP gap under which HiGHS stops.
        presolve : bool
            Let HiGHS presolve the model (some models solve faster without).
        start : numpy.ndarray, optional
            A feasible solution HiGHS starts from (its incumbent).
        sub_mip_heuristics : bool
            Let HiGHS run its sub-MIP heuristics (RENS, RINS) and its root
            reduced-cost heuristic. On a small model they can cost more than the
            search they shorten.

        Returns
        -------
        tuple
            An :class:`scipy.optimize.OptimizeResult` like :func:`scipy.optimize.milp`'s
            (``x`` is None without a feasible solution; ``status`` 0 optimal, 1 limit
            reached, 2 infeasible, 3 unbounded, 4 other; ``mip_gap``; French
            ``message``) and the solve time in seconds.
        """
        a = sparse.vstack([r[0] for r in self.rows], format="csc")
        lo = np.concatenate([r[1] for r in self.rows])
        hi = np.concatenate([r[2] for r in self.rows])
        objective = self.c if c is None else c
        h = quiet_highs()
        h.passModel(highs_lp(a, lo, hi, objective, self.lb, self.ub, self.integrality))
        h.setOptionValue("presolve", "on" if presolve else "off")
        h.setOptionValue("mip_feasibility_tolerance", _MIP_FEASIBILITY_TOL)
        if not sub_mip_heuristics:
            for option in _SUB_MIP_HEURISTICS:
                h.setOptionValue(option, False)
        elapsed = _run(h, deadline, gap, start)
        return _highs_result(h, bool(np.any(self.integrality > 0))), elapsed


_SUB_MIP_HEURISTICS = (
    "mip_heuristic_run_rens",
    "mip_heuristic_run_rins",
    "mip_heuristic_run_root_reduced_cost",
)


def _run(h: highspy.Highs, deadline: float, gap: float, start: np.ndarray | None) -> float:
    """Run ``h`` until ``deadline`` from ``start`` (if given); the seconds it took."""
    h.setOptionValue("mip_rel_gap", float(gap))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=float).tolist()
        solution.value_valid = True
        h.setSolution(solution)
    with HIGHS_LOCK:
        begin = time.perf_counter()
        h.setOptionValue("time_limit", max(deadline - begin, _MIN_TIME_LIMIT_S))
        h.run()
        return time.perf_counter() - begin


def _highs_result(h: highspy.Highs, has_integers: bool) -> OptimizeResult:
    """What :func:`scipy.optimize.milp` would return for the run of ``h``."""
    model_status = h.getModelStatus()
    status, message = _STATUS.get(model_status, (4, "échec du solveur"))
    info = h.getInfo()
    feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.array(h.getSolution().col_value) if feasible else None
    return OptimizeResult(
        x=x,
        fun=float(info.objective_function_value) if feasible else None,
        status=status,
        success=status == 0,
        message=f"HiGHS : {message}",
        # A model without integers is solved as an LP: its gap is zero.
        mip_gap=(float(info.mip_gap) if has_integers else 0.0) if feasible else None,
        mip_dual_bound=float(info.mip_dual_bound),
        mip_node_count=int(info.mip_node_count),
    )


class HighsSession:
    """An LP kept in HiGHS between solves (rows added, bounds changed).

    For algorithms that re-solve one LP many times (cut loops, branching): HiGHS
    restarts from its last basis instead of from scratch.

    Parameters
    ----------
    model : MilpModel
        Variables, bounds and first rows (integrality is ignored: an LP).
    presolve : bool
        Let HiGHS presolve the first solve (later ones start from the last basis).
    """

    def __init__(self, model: MilpModel, presolve: bool = True) -> None:
        a = sparse.vstack([r[0] for r in model.rows], format="csc")
        lo = np.concatenate([r[1] for r in model.rows])
        hi = np.concatenate([r[2] for r in model.rows])
        self._h = quiet_highs()
        self._h.passModel(highs_lp(a, lo, hi, model.c, model.lb, model.ub, np.zeros(len(model.c))))
        self._h.setOptionValue("presolve", "on" if presolve else "off")

    def add_rows(self, a: sparse.csr_array, lo: np.ndarray, hi: np.ndarray) -> None:
        """Append the rows ``lo <= a @ x <= hi`` (``a`` has one column per variable)."""
        a = sparse.csr_array(a)
        inf = highspy.kHighsInf
        self._h.addRows(
            a.shape[0],
            np.where(np.isfinite(lo), lo, -inf),
            np.where(np.isfinite(hi), hi, inf),
            a.nnz,
            a.indptr.astype(np.int32),
            a.indices.astype(np.int32),
            a.data.astype(float),
        )

    def set_bounds(self, cols: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Change the bounds of the variables ``cols``."""
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            self._h.changeColsBounds(len(cols), cols, np.asarray(lo, float), np.asarray(hi, float))

    def solve(self, deadline: float) -> OptimizeResult:
        """Solve until ``deadline``; like :meth:`MilpModel.solve`'s result (LP)."""
        _run(self._h, deadline, defaults.MIP_REL_GAP, None)
        return _highs_result(self._h, False)

    def relaxation(self, keep: np.ndarray, n: int) -> OptimizeResult:
        """Solve (from the last basis) and answer as :func:`lp_relaxation` does.

        ``keep`` marks the session's variables among the ``n`` of the full model.
        """
        with HIGHS_LOCK:
            self._h.run()
        return _relaxation_result(self._h, keep, n)


def rows_block(a: sparse.coo_array, lo: np.ndarray, hi: np.ndarray) -> Rows:
    """A constraint block ``lo <= a @ x <= hi`` in the form :class:`MilpModel` stacks."""
    return (a.tocsr(), lo, hi)


def selection_rows(
    n_y: int,
    n_vars: int,
    n_min: float,
    n_max: float,
    groups: np.ndarray | None = None,
    group_min: Mapping[str, int] | None = None,
    group_max: Mapping[str, int] | None = None,
) -> list[Rows]:
    """Rows on the candidate binaries: between ``n_min`` and ``n_max`` sites, group limits.

    Parameters
    ----------
    n_y, n_vars : int
        Number of candidate binaries (the first variables) and of variables.
    n_min, n_max : float
        Bounds of the number of chosen candidates.
    groups : numpy.ndarray of object, optional
        Group of every candidate (``None`` for none).
    group_min, group_max : mapping, optional
        Minimum / maximum number of chosen candidates per group.

    Returns
    -------
    list of Rows
        The cardinality row, then one row per limited group (sorted by name).
    """
    group_min = group_min or {}
    group_max = group_max or {}
    coef = np.zeros(n_vars)
    coef[:n_y] = 1.0
    rows = [(sparse.csr_array(coef.reshape(1, -1)), np.array([n_min]), np.array([n_max]))]
    for g in sorted(set(group_min) | set(group_max)):
        coef = np.zeros(n_vars)
        coef[:n_y] = groups == g
        lo = group_min.get(g, 0)
        hi = group_max.get(g, n_y)
        rows.append((sparse.csr_array(coef.reshape(1, -1)), np.array([lo]), np.array([hi])))
    return rows


def selection_model(
    forced: np.ndarray,
    c_extra: np.ndarray,
    ub_extra: np.ndarray,
    rows: list[Rows],
    n_y: int,
) -> MilpModel:
    """Site binaries (``forced`` positions fixed to 1) followed by continuous variables.

    Parameters
    ----------
    forced : numpy.ndarray of int
        Positions of the candidates that must be chosen.
    c_extra, ub_extra : numpy.ndarray
        Objective coefficients and upper bounds of the continuous variables (lower
        bounds are 0).
    rows : list of Rows
        Selection rows (see :func:`selection_rows`), sized for every variable.
    n_y : int
        Number of candidate binaries.
    """
    n_extra = len(c_extra)
    lb = np.zeros(n_y + n_extra)
    lb[forced] = 1.0
    ub = np.concatenate([np.ones(n_y), ub_extra])
    integrality = np.concatenate([np.ones(n_y), np.zeros(n_extra)])
    c = np.concatenate([np.zeros(n_y), c_extra])
    return MilpModel(c, integrality, lb, ub, rows, n_y)


def instance_selection_rows(inst: Instance, n_vars: int) -> list[Rows]:
    """Selection rows of a placement run: exactly ``k`` new sites and the group limits."""
    groups = np.array(inst.cand_group, dtype=object)
    return selection_rows(
        len(inst.candidates), n_vars, inst.k, inst.k, groups, inst.group_min, inst.group_max
    )


def instance_model(inst: Instance, c_extra: np.ndarray, ub_extra: np.ndarray) -> MilpModel:
    """A placement run's candidate binaries and selection rows, then continuous variables."""
    n_c = len(inst.candidates)
    rows = instance_selection_rows(inst, n_c + len(c_extra))
    return selection_model(inst.forced, c_extra, ub_extra, rows, n_c)


def forbid_selection(model: MilpModel, chosen: np.ndarray, forced: np.ndarray) -> None:
    """Forbid the exact candidate set ``chosen`` (forced sites are in every solution)."""
    free = np.setdiff1d(chosen, forced)
    coef = np.zeros(len(model.c))
    coef[free] = 1.0
    model.add_row(coef, -np.inf, len(free) - 1)


def solve_status(res: OptimizeResult) -> dict[str, Any]:
    """``status``, ``message``, raw ``objective`` and ``mip_gap`` of a HiGHS result."""
    return {
        "status": int(res.status),
        "message": str(res.message),
        "objective": None if res.x is None else float(res.fun),
        "mip_gap": getattr(res, "mip_gap", None),
    }


def chosen_from(res: OptimizeResult, n_y: int) -> np.ndarray:
    """Positions of the candidate binaries set to 1 in ``res``."""
    return np.flatnonzero(res.x[:n_y] > 0.5)


def deadline_share(deadline: float, fraction: float) -> float:
    """A deadline ``fraction`` of the way from now to ``deadline``."""
    now = time.perf_counter()
    return now + fraction * max(deadline - now, 0.0)


def lp_relaxation(model: MilpModel, c: np.ndarray, primal: bool = False) -> OptimizeResult:
    """The LP relaxation of ``model`` under objective ``c`` (HiGHS simplex), with marginals.

    Parameters
    ----------
    model : MilpModel
    c : numpy.ndarray
        Objective (minimised).
    primal : bool
        Primal rather than dual simplex: far faster when the objective only pushes
        flows up against capacities (the capacity model's persons served: 0.16 s
        against 2.1 s on Sarthe), slower for costs (its travel time: 1.5 s against 0.6 s).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun``, ``status`` (0 optimal, 2 infeasible, 4 other) and, like
        :func:`scipy.optimize.linprog`, ``lower.marginals`` (>= 0) and
        ``upper.marginals`` (<= 0): the reduced costs at the variable bounds.
    """
    # Variables fixed at 0 (reduced-cost fixing, closed places) are left out.
    reduced, keep = compact(model)
    a = sparse.vstack([r[0] for r in reduced.rows], format="csc")
    lo = np.concatenate([r[1] for r in reduced.rows])
    hi = np.concatenate([r[2] for r in reduced.rows])
    h = quiet_highs()
    h.passModel(highs_lp(a, lo, hi, c[keep], reduced.lb, reduced.ub, np.zeros(a.shape[1])))
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX if primal else _DUAL_SIMPLEX)
    with HIGHS_LOCK:
        h.run()
    return _relaxation_result(h, keep, len(c))


def _relaxation_result(h: highspy.Highs, keep: np.ndarray, n: int) -> OptimizeResult:
    """The LP solved by ``h`` over the variables ``keep`` of ``n``, with marginals."""
    status = {
        highspy.HighsModelStatus.kOptimal: 0,
        highspy.HighsModelStatus.kInfeasible: 2,
    }.get(h.getModelStatus(), 4)
    if status != 0:
        return OptimizeResult(x=None, fun=None, status=status)
    solution = h.getSolution()
    x, reduced_cost = np.zeros(n), np.zeros(n)
    x[keep] = solution.col_value
    reduced_cost[keep] = solution.col_dual
    return OptimizeResult(
        x=x,
        fun=float(h.getInfo().objective_function_value),
        status=0,
        lower=OptimizeResult(marginals=np.maximum(reduced_cost, 0.0)),
        upper=OptimizeResult(marginals=np.minimum(reduced_cost, 0.0)),
    )


def fix_by_reduced_cost(
    model: MilpModel, lp: OptimizeResult, limit: float, tol: float = 1e-6
) -> int:
    """Tighten the bounds that no solution with objective ``<= limit`` can exceed.

    Reduced-cost fixing, an exact reduction: with the LP relaxation's value ``z`` and a
    variable's reduced cost ``r > 0`` at its lower bound, every solution that raises it
    by ``d`` costs at least ``z + r × d``, so ``d <= (limit - z) / r``. A binary whose
    move to 1 (or, at 1 with ``r < 0``, to 0) would exceed ``limit`` is fixed; a
    continuous variable gets the tighter upper bound, and is fixed at its lower bound
    when that leaves it less than ``tol`` (the tolerance of the lexicographic stages).
    The bounds of ``model`` are tightened in place.

    Parameters
    ----------
    model : MilpModel
    lp : scipy.optimize.OptimizeResult
        :func:`lp_relaxation` of ``model`` under the objective of interest.
    limit : float
        Objective value no solution of interest exceeds (e.g. an incumbent's).
    tol : float
        Room below which a continuous variable is fixed.

    Returns
    -------
    int
        Number of variables fixed.
    """
    if lp.status != 0:
        return 0
    room = max(limit - float(lp.fun), 0.0)
    free = model.lb < model.ub
    integer = model.integrality > 0
    # Reduced costs within HiGHS' dual feasibility tolerance are zero, not a proof.
    r_lo = np.where(lp.lower.marginals > _DUAL_TOL, lp.lower.marginals, 0.0)
    r_hi = np.where(lp.upper.marginals < -_DUAL_TOL, lp.upper.marginals, 0.0)
    with np.errstate(divide="ignore"):
        reach = np.where(r_lo > 0, room / np.where(r_lo > 0, r_lo, 1.0), np.inf)
    at_lower = free & (lp.x <= model.lb + 1e-9)
    to_lower = at_lower & np.where(integer, reach < 1.0, reach < tol)
    shrink = at_lower & ~integer & ~to_lower & (model.lb + reach < model.ub)
    to_upper = free & integer & (lp.x >= model.ub - 1e-9) & (-r_hi > room)
    model.ub[shrink] = model.lb[shrink] + reach[shrink]
    model.ub[to_lower] = model.lb[to_lower]
    model.lb[to_upper] = model.ub[to_upper]
    return int(to_lower.sum() + to_upper.sum())


def compact(model: MilpModel) -> tuple[MilpModel, np.ndarray]:
    """``model`` without the variables fixed at 0, and the mask of the kept ones.

    Rows left without a variable go too when 0 satisfies them (the others stay, for
    HiGHS to report the model infeasible): HiGHS runs these models without presolve,
    and the capacity model's rows for closed places would otherwise stay by thousands.
    """
    keep = ~((model.lb == 0) & (model.ub == 0))
    rows = [_nonempty_rows(r[0][:, keep], r[1], r[2]) for r in model.rows]
    n_y = int(keep[: model.n_y].sum())
    reduced = MilpModel(
        model.c[keep], model.integrality[keep], model.lb[keep], model.ub[keep], rows, n_y
    )
    return reduced, keep


def _nonempty_rows(a: sparse.csr_array, lo: np.ndarray, hi: np.ndarray) -> Rows:
    keep = (np.diff(a.indptr) > 0) | (lo > 0) | (hi < 0)
    if keep.all():
        return a, lo, hi
    return a[keep], lo[keep], hi[keep]
