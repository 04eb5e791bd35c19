"""Capacity: need served within the threshold, advisors' capacity as the binding limit.

Demand ``i`` is assigned fractionally (``f_is`` in [0, 1]) to open sites ``s`` reachable
within the threshold, and the need assigned to a site is at most
``capacity_per_advisor × advisors_s``. The model stays meaningful when plain coverage
saturates, because advisor capacity, not distance, is then the binding constraint. The
lexicographic solve (served need, then time, then load balance) is in
:mod:`equity.placement.lexicographic`.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from equity.placement.milp import MilpModel, instance_model, rows_block
from equity.placement.problem import Instance
from geo import defaults

__all__ = ["CAPACITY_REL_GAP", "capacity_model", "capacity_served", "served_split"]

#: Relative gap of every capacity stage (see ``geo.defaults.CAPACITY_MIP_REL_GAP``).
CAPACITY_REL_GAP = defaults.CAPACITY_MIP_REL_GAP
# A fixed placement leaves an LP: it gets its own budget, outside the run's deadline.
_SERVED_LP_LIMIT_S = 60.0


def _load_rows(
    kk: np.ndarray, wf: np.ndarray, site_cap: np.ndarray, n_e: int, f_col: np.ndarray, n_vars: int
) -> tuple:
    """Load of site s <= capacity (existing) or capacity × y_s (candidate)."""
    rows_s, inv_s = np.unique(kk, return_inverse=True)
    is_cand = rows_s >= n_e
    a2 = sparse.coo_array(
        (
            np.concatenate([wf, -site_cap[rows_s[is_cand]]]),
            (
                np.concatenate([inv_s, np.flatnonzero(is_cand)]),
                np.concatenate([f_col, rows_s[is_cand] - n_e]),
            ),
        ),
        shape=(len(rows_s), n_vars),
    )
    hi = np.where(is_cand, 0.0, site_cap[rows_s])
    return rows_block(a2, np.full(len(rows_s), -np.inf), hi)


def capacity_model(inst: Instance, cap: float) -> tuple[MilpModel, dict[str, np.ndarray]]:
    """The served-need MILP and its assignment pairs.

    Returns
    -------
    tuple
        The model (minimises minus the served need) and ``info``: pair demand ``ii``
        and site position ``kk`` (into ``sites``: existing then candidates),
        ``sites``, ``site_cap``, pair ``time`` and pair weight ``wf``.
    """
    sites = np.concatenate([inst.existing, inst.candidates])
    n_e, n_c = len(inst.existing), len(inst.candidates)
    site_cap = cap * np.concatenate(
        [inst.existing_advisors, np.full(n_c, float(inst.settings.advisors_per_site))]
    )
    t = inst.times[:, sites]
    ii, kk = np.nonzero((t <= inst.threshold) & (inst.weight[:, None] > 0))
    n_f = len(ii)
    wf = inst.weight[ii]
    model = instance_model(inst, -wf, np.ones(n_f))
    f_col = n_c + np.arange(n_f)
    n_vars = n_c + n_f
    rows_i, inv_i = np.unique(ii, return_inverse=True)
    a1 = sparse.coo_array((np.ones(n_f), (inv_i, f_col)), shape=(len(rows_i), n_vars))
    model.rows.append(rows_block(a1, np.full(len(rows_i), -np.inf), np.ones(len(rows_i))))
    model.rows.append(_load_rows(kk, wf, site_cap, n_e, f_col, n_vars))
    # f_is <= y_s for candidates: tightens the LP relaxation.
    cand_pairs = np.flatnonzero(kk >= n_e)
    n_p = len(cand_pairs)
    a3 = sparse.coo_array(
        (
            np.concatenate([np.ones(n_p), -np.ones(n_p)]),
            (np.tile(np.arange(n_p), 2), np.concatenate([f_col[cand_pairs], kk[cand_pairs] - n_e])),
        ),
        shape=(n_p, n_vars),
    )
    model.rows.append(rows_block(a3, np.full(n_p, -np.inf), np.zeros(n_p)))
    info = {"ii": ii, "kk": kk, "sites": sites, "site_cap": site_cap, "time": t[ii, kk], "wf": wf}
    return model, info


def served_split(
    inst: Instance, info: dict[str, np.ndarray], f: np.ndarray
) -> tuple[np.ndarray, dict[int, float]]:
    """Served share per demand and served need per site column from assignment ``f``."""
    share = np.bincount(info["ii"], weights=f, minlength=len(inst.weight))
    per_site = np.bincount(info["kk"], weights=info["wf"] * f, minlength=len(info["sites"]))
    return share, {int(c): float(v) for c, v in zip(info["sites"], per_site, strict=True)}


def capacity_served(
    inst: Instance, chosen: np.ndarray, cap: float
) -> tuple[float, np.ndarray, dict[int, float]]:
    """Served need, served share per demand and per site for a fixed placement (an LP)."""
    model, info = capacity_model(inst, cap)
    model.lb[: model.n_y] = 0.0
    model.lb[chosen] = 1.0
    model.ub[: model.n_y] = 0.0
    model.ub[chosen] = 1.0
    # The fixed bounds replace the cardinality and group rows (a partial greedy set
    # would violate them).
    n_site_rows = 1 + len(set(inst.group_min) | set(inst.group_max))
    model.rows = [r for r in model.rows[n_site_rows:] if r[0].shape[0]]
    res, _ = model.solve(time.perf_counter() + _SERVED_LP_LIMIT_S)
    share, per_site = served_split(inst, info, res.x[model.n_y :])
    return float(inst.weight @ share), share, per_site
