"""p-median: minimise the need-weighted time to the nearest open site.

Exact reduction: no demand is ever assigned farther than its nearest existing site
(always open), so only the pairs with a candidate strictly closer than that site are
modelled; the variable ``x_is`` moves demand ``i`` from its nearest existing site to
candidate ``s``. Demand reachable by no existing site is charged a penalty time (twice
the largest finite time of the matrix) until a candidate reaches it. Optional
set-covering rows guarantee a worst time (used by the ``"balanced"`` objective).
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from equity.placement.evaluation import nearest_existing
from equity.placement.median_benders import solve_median_benders
from equity.placement.milp import (
    MilpModel,
    Rows,
    chosen_from,
    instance_model,
    rows_block,
    solve_status,
)
from equity.placement.problem import Instance
from geo import defaults

__all__ = ["cover_rows", "median_model", "solve_median"]


def _n_pairs(inst: Instance) -> int:
    """Demand-candidate pairs of the pair model (candidates closer than existing sites)."""
    base = nearest_existing(inst)
    closer = (inst.times[:, inst.candidates] < base[:, None]) & (inst.weight[:, None] > 0)
    return int(closer.sum())


def median_model(inst: Instance) -> MilpModel:
    """The reduced, disaggregated p-median MILP (``model.constant`` + objective)."""
    base = nearest_existing(inst)
    t_c = inst.times[:, inst.candidates]
    # Only candidates strictly closer than the nearest existing site can take demand.
    ii, ss = np.nonzero((t_c < base[:, None]) & (inst.weight[:, None] > 0))
    n_c, n_x = len(inst.candidates), len(ii)
    saving = (t_c[ii, ss] - base[ii]) * inst.weight[ii]
    model = instance_model(inst, saving, np.ones(n_x))
    model.constant = float((inst.weight * base).sum())
    x_col = n_c + np.arange(n_x)
    rows_i, inv = np.unique(ii, return_inverse=True)
    # Each demand is moved at most once: sum_s x_is <= 1.
    a1 = sparse.coo_array((np.ones(n_x), (inv, x_col)), shape=(len(rows_i), n_c + n_x))
    model.rows.append(rows_block(a1, np.full(len(rows_i), -np.inf), np.ones(len(rows_i))))
    # x_is <= y_s (the strong, disaggregated p-median formulation).
    a2 = sparse.coo_array(
        (
            np.concatenate([np.ones(n_x), -np.ones(n_x)]),
            (np.tile(np.arange(n_x), 2), np.concatenate([x_col, ss])),
        ),
        shape=(n_x, n_c + n_x),
    )
    model.rows.append(rows_block(a2, np.full(n_x, -np.inf), np.zeros(n_x)))
    return model


def cover_rows(inst: Instance, limit_min: float, n_vars: int) -> Rows | None:
    """Set-covering rows: every demand beyond ``limit_min`` of existing sites gets a site.

    Only demand that some candidate reaches within ``limit_min`` gets a row; ``None``
    when there is none.
    """
    base = nearest_existing(inst)
    within = inst.times[:, inst.candidates] <= limit_min
    need = np.flatnonzero((base > limit_min) & within.any(axis=1))
    if len(need) == 0:
        return None
    ii, ss = np.nonzero(within[need])
    a = sparse.coo_array((np.ones(len(ii)), (ii, ss)), shape=(len(need), n_vars))
    return rows_block(a, np.ones(len(need)), np.full(len(need), np.inf))


def solve_median(
    inst: Instance, deadline: float, cover_limit_min: float | None = None
) -> tuple[np.ndarray | None, float, dict]:
    """Solve the p-median (under a worst time ``cover_limit_min`` if given).

    Large instances (:data:`geo.defaults.MEDIAN_BENDERS_MIN_PAIRS` pairs or more) go to
    :func:`equity.placement.median_benders.solve_median_benders` (same optimum, 7 s
    instead of 84 s on 10,000 points × 440 sites).

    Returns
    -------
    tuple
        Chosen candidate positions (``None`` without solution), need-weighted minutes
        and solver details.
    """
    t0 = time.perf_counter()
    if _n_pairs(inst) >= defaults.MEDIAN_BENDERS_MIN_PAIRS:
        n_c = len(inst.candidates)
        rows = None if cover_limit_min is None else cover_rows(inst, cover_limit_min, n_c)
        return solve_median_benders(inst, deadline, rows)
    model = median_model(inst)
    if cover_limit_min is not None:
        rows = cover_rows(inst, cover_limit_min, len(model.c))
        if rows is not None:
            model.rows.append(rows)
    build = time.perf_counter() - t0
    res, solve_s = model.solve(deadline)
    info = {**solve_status(res), "build_s": build, "solve_s": solve_s}
    if res.x is None:
        return None, float("nan"), info
    return chosen_from(res, model.n_y), model.constant + float(res.fun), info
