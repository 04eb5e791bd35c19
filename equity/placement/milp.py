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
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from geo import defaults

__all__ = [
    "MilpModel",
    "Rows",
    "chosen_from",
    "deadline_share",
    "forbid_selection",
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
