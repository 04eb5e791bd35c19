"""Shared MILP builder and solve plumbing of the location models (HiGHS via scipy).

Every model of the package is a :class:`MilpModel` whose first ``n_y`` variables are
the candidate-site binaries, followed by the model's own continuous variables. The
selection rows (how many sites, per-group limits) are built once, by
:func:`selection_rows`, for every model.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, linprog, milp

from equity.placement.problem import Instance
from geo import defaults

__all__ = [
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

        Returns
        -------
        tuple
            The :func:`scipy.optimize.milp` result and the solve time in seconds.
        """
        a = sparse.vstack([r[0] for r in self.rows], format="csr")
        lo = np.concatenate([r[1] for r in self.rows])
        hi = np.concatenate([r[2] for r in self.rows])
        start = time.perf_counter()
        res = milp(
            self.c if c is None else c,
            integrality=self.integrality,
            bounds=Bounds(self.lb, self.ub),
            constraints=LinearConstraint(a, lo, hi),
            options={
                "time_limit": max(deadline - time.perf_counter(), _MIN_TIME_LIMIT_S),
                "mip_rel_gap": gap,
                "presolve": presolve,
            },
        )
        return res, time.perf_counter() - start


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


def lp_relaxation(model: MilpModel, c: np.ndarray) -> OptimizeResult:
    """The LP relaxation of ``model`` under objective ``c`` (HiGHS), with its marginals."""
    a = sparse.vstack([r[0] for r in model.rows], format="csr")
    lo = np.concatenate([r[1] for r in model.rows])
    hi = np.concatenate([r[2] for r in model.rows])
    eq = lo == hi
    upper = ~eq & np.isfinite(hi)
    lower = ~eq & np.isfinite(lo)
    return linprog(
        c,
        A_ub=sparse.vstack([a[upper], -a[lower]], format="csr"),
        b_ub=np.concatenate([hi[upper], -lo[lower]]),
        A_eq=a[eq] if eq.any() else None,
        b_eq=lo[eq] if eq.any() else None,
        bounds=np.column_stack([model.lb, model.ub]),
        method="highs-ds",
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
    r_lo, r_hi = lp.lower.marginals, lp.upper.marginals
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
    """``model`` without the variables fixed at 0, and the mask of the kept ones."""
    keep = ~((model.lb == 0) & (model.ub == 0))
    rows = [(r[0][:, keep], r[1], r[2]) for r in model.rows]
    n_y = int(keep[: model.n_y].sum())
    reduced = MilpModel(
        model.c[keep], model.integrality[keep], model.lb[keep], model.ub[keep], rows, n_y
    )
    return reduced, keep
