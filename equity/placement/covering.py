"""Maximal covering (MCLP): choose sites that bring the most weight within reach.

One formulation serves the placement's ``"coverage"`` objective and every other caller
(e.g. the selection of mobile-session stops): binaries ``y_s`` per candidate, a
continuous ``z_i`` in [0, 1] per demand point, ``z_i <= Σ_{s covers i} y_s``, maximise
``Σ w_i z_i``. Only demand points with a positive weight and at least one covering
candidate become variables; the others cannot change the objective.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse

from equity.placement.milp import MilpModel, selection_model, selection_rows, solve_status
from geo import defaults

__all__ = ["covering_model", "greedy_covering", "max_covering"]


def _as_csr(within: np.ndarray | sparse.sparray | sparse.spmatrix) -> sparse.csr_array:
    a = sparse.csr_array(within, dtype=bool)
    a.eliminate_zeros()
    return a


def _covering_rows(a: sparse.csr_array, n_y: int) -> tuple:
    """Rows ``z_i - Σ_s a_is y_s <= 0``: ``z_i`` can be 1 only if a chosen site covers i."""
    coo = a.tocoo()
    n_z = a.shape[0]
    block = sparse.coo_array(
        (
            np.concatenate([-np.ones(coo.nnz), np.ones(n_z)]),
            (
                np.concatenate([coo.row, np.arange(n_z)]),
                np.concatenate([coo.col, n_y + np.arange(n_z)]),
            ),
        ),
        shape=(n_z, n_y + n_z),
    )
    return (block.tocsr(), np.full(n_z, -np.inf), np.zeros(n_z))


def covering_model(
    within: np.ndarray | sparse.sparray | sparse.spmatrix,
    weights: np.ndarray,
    n_min: float,
    n_max: float,
    forced: np.ndarray,
    groups: np.ndarray | None = None,
    group_min: Mapping[str, int] | None = None,
    group_max: Mapping[str, int] | None = None,
) -> MilpModel:
    """The MCLP as a :class:`~equity.placement.milp.MilpModel` (objective minimised).

    Parameters
    ----------
    within : array-like of bool, shape (n_demand, n_candidates)
        ``within[i, s]``: candidate ``s`` covers demand point ``i`` (dense or sparse).
    weights : numpy.ndarray
        Weight of every demand point.
    n_min, n_max : float
        Bounds of the number of chosen candidates.
    forced : numpy.ndarray of int
        Positions of the candidates that must be chosen.
    groups, group_min, group_max
        Per-group limits, see :func:`~equity.placement.milp.selection_rows`.

    Returns
    -------
    MilpModel
        Variables: the candidate binaries, then one ``z`` per modelled demand point;
        ``-objective`` is the covered weight.
    """
    a = _as_csr(within)
    w = np.asarray(weights, dtype=float)
    keep = np.flatnonzero((w > 0) & (np.diff(a.indptr) > 0))
    a = a[keep]
    n_y, n_z = a.shape[1], len(keep)
    rows = selection_rows(n_y, n_y + n_z, n_min, n_max, groups, group_min, group_max)
    model = selection_model(np.asarray(forced, dtype=int), -w[keep], np.ones(n_z), rows, n_y)
    model.rows.append(_covering_rows(a, n_y))
    return model


def _check(within: Any, weights: np.ndarray, n_select: int, forced: np.ndarray) -> None:
    problems = []
    if within.ndim != 2 or within.shape[0] != len(weights):
        problems.append(
            f"la matrice de couverture ({within.shape}) ne correspond pas aux {len(weights)} poids"
        )
    if not np.all(np.isfinite(weights)) or (weights < 0).any():
        problems.append("les poids doivent être finis et positifs ou nuls")
    if n_select < 0:
        problems.append("le nombre de sites à choisir doit être positif ou nul")
    if within.ndim == 2 and len(forced) != within.shape[1]:
        problems.append(
            f"le masque des sites imposés a {len(forced)} valeurs au lieu de {within.shape[1]}"
        )
    elif forced.sum() > n_select:
        problems.append(f"{int(forced.sum())} sites imposés pour au plus {n_select} sites")
    if problems:
        raise ValueError("Couverture maximale impossible : " + " ; ".join(problems) + ".")


def _forced_mask(forced: np.ndarray | None, n_cols: int) -> np.ndarray:
    return np.zeros(n_cols, dtype=bool) if forced is None else np.asarray(forced, dtype=bool)


def max_covering(
    within: np.ndarray | sparse.sparray | sparse.spmatrix,
    weights: np.ndarray,
    n_select: int,
    forced: np.ndarray | None = None,
    time_limit_s: float = defaults.SOLVER_TIME_LIMIT_S,
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Exact maximal covering: at most ``n_select`` candidates covering the most weight.

    Parameters
    ----------
    within : array-like of bool, shape (n_demand, n_candidates)
        ``within[i, s]``: candidate ``s`` covers demand point ``i`` (dense or scipy
        sparse).
    weights : numpy.ndarray
        Non-negative weight of every demand point.
    n_select : int
        Maximum number of candidates chosen (forced ones included).
    forced : numpy.ndarray of bool, optional
        Candidates that must be chosen.
    time_limit_s : float
        Wall-clock limit of the solve.

    Returns
    -------
    chosen : numpy.ndarray of bool or None
        Chosen candidates, ``None`` when the solver found no solution in time.
    status : dict
        ``status`` (HiGHS code, 0 = optimal), ``message``, ``objective`` (covered
        weight, ``None`` without solution), ``mip_gap`` and ``seconds`` (build and
        solve).

    Raises
    ------
    ValueError
        Inconsistent shapes, negative weights or more forced sites than ``n_select``
        (one French message listing every problem).
    """
    start = time.perf_counter()
    w = np.asarray(weights, dtype=float)
    n_cols = within.shape[1] if within.ndim == 2 else 0
    forced_mask = _forced_mask(forced, n_cols)
    _check(within, w, n_select, forced_mask)
    if n_cols == 0:
        status = {"status": 0, "message": "aucun candidat", "objective": 0.0, "mip_gap": 0.0}
        return np.zeros(0, dtype=bool), {**status, "seconds": time.perf_counter() - start}
    model = covering_model(within, w, -np.inf, n_select, np.flatnonzero(forced_mask))
    res, _ = model.solve(start + time_limit_s)
    status = solve_status(res)
    status["seconds"] = time.perf_counter() - start
    if res.x is None:
        return None, status
    status["objective"] = -float(res.fun)
    return res.x[:n_cols] > 0.5, status


def greedy_covering(
    within: np.ndarray | sparse.sparray | sparse.spmatrix,
    weights: np.ndarray,
    n_select: int,
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy maximal covering: forced candidates, then the best marginal gain.

    Same inputs as :func:`max_covering`. Ties go to the lowest index; the selection
    stops early when no candidate adds weight.

    Returns
    -------
    numpy.ndarray of bool
        Chosen candidates.
    """
    w = np.asarray(weights, dtype=float)
    n_cols = within.shape[1] if within.ndim == 2 else 0
    forced_mask = _forced_mask(forced, n_cols)
    _check(within, w, n_select, forced_mask)
    a = _as_csr(within).tocsc()
    chosen = np.zeros(n_cols, dtype=bool)
    covered = np.zeros(a.shape[0], dtype=bool)

    def take(j: int) -> None:
        chosen[j] = True
        covered[a.indices[a.indptr[j] : a.indptr[j + 1]]] = True

    for j in np.flatnonzero(forced_mask):
        take(int(j))
    while chosen.sum() < n_select:
        gains = a.T @ (w * ~covered)
        gains[chosen] = -1.0
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        take(j)
    return chosen
