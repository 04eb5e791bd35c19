"""p-median by Benders decomposition, for instances too large for the pair formulation.

Given the open sites ``y``, demand ``i`` goes to its nearest open site; with its
candidates sorted by time ``d_i1 <= d_i2 <= …`` (only those closer than its nearest
existing site ``b_i``, which is always open), its time ``θ_i`` obeys, for every level
``D`` among ``d_i1, …, b_i``, the optimality cut of the assignment subproblem

    θ_i >= D − Σ_{s : d_is < D} (D − d_is) y_s.

All these cuts together are the classical LP relaxation projected on ``(y, θ)``. The
master (``y``, ``θ``, selection rows) starts without cuts; each round adds, for every
demand whose ``θ_i`` is below its time at the current ``y``, the cut at its critical
level (the first candidate at which the open share reaches 1): a few rounds reach the
LP bound, far faster than the ~100,000-row pair LP. Then the MILP restricted to the sites
the LP opens gives an incumbent, reduced costs fix the sites that cannot beat it, and the
master MILP is re-solved, adding the cuts its integer solutions violate, until none is
violated: that solution is optimal for the p-median (its cuts are exact at integer
``y``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy import sparse

from equity.placement.evaluation import median_value, nearest_existing
from equity.placement.milp import HighsSession, MilpModel, Rows, instance_selection_rows
from equity.placement.problem import Instance
from geo import defaults

__all__ = ["solve_median_benders"]

# A cut is added when θ_i is this far (relative) below the demand's time at y.
_CUT_TOL = 1e-9
# Open share at which a candidate level is reached (LP round-off).
_REACH_TOL = 1e-9
# Rounds of cuts at most (each round adds at most one cut per demand).
_MAX_ROUNDS = 200


class _Cuts:
    """The per-demand candidate lists, sorted by time, and the cuts they give."""

    def __init__(self, inst: Instance) -> None:
        base = nearest_existing(inst)
        t_c = inst.times[:, inst.candidates]
        ii, ss = np.nonzero((t_c < base[:, None]) & (inst.weight[:, None] > 0))
        dd = t_c[ii, ss]
        order = np.lexsort((dd, ii))
        self.ss, self.dd = ss[order], dd[order]
        self.demand, self.first = np.unique(ii[order], return_index=True)
        self.pos = np.searchsorted(self.demand, ii[order])
        self.ends = np.r_[self.first[1:], len(order)]
        self.base = base[self.demand]
        self.n_c, self.n_t = len(inst.candidates), len(self.demand)
        # Demand beyond every candidate's reach keeps its existing site's time.
        self.constant = float(
            (inst.weight * base).sum() - (inst.weight[self.demand] * self.base).sum()
        )

    def violated(self, x: np.ndarray) -> tuple[sparse.csr_array, np.ndarray] | None:
        """Rows ``θ_i + Σ (D − d_is) y_s >= D`` of the demands whose ``θ_i`` is too low."""
        y, theta = x[: self.n_c], x[self.n_c :]
        y_pair = y[self.ss]
        cum = np.cumsum(y_pair)
        before = np.repeat(np.r_[0.0, cum][self.first], self.ends - self.first)
        reached = cum - before >= 1.0 - _REACH_TOL
        index = np.where(reached, np.arange(len(self.ss)), len(self.ss))
        critical = np.minimum.reduceat(index, self.first)
        level = np.where(
            critical < self.ends, self.dd[np.minimum(critical, len(self.dd) - 1)], self.base
        )
        coef = np.maximum(level[self.pos] - self.dd, 0.0)
        value = level - np.bincount(self.pos, weights=coef * y_pair, minlength=self.n_t)
        low = np.flatnonzero(theta < value - _CUT_TOL * np.maximum(1.0, np.abs(value)))
        if len(low) == 0:
            return None
        row_of = np.full(self.n_t, -1)
        row_of[low] = np.arange(len(low))
        pairs = np.flatnonzero((row_of[self.pos] >= 0) & (coef > 0))
        a = sparse.csr_array(
            (
                np.concatenate([coef[pairs], np.ones(len(low))]),
                (
                    np.concatenate([row_of[self.pos[pairs]], np.arange(len(low))]),
                    np.concatenate([self.ss[pairs], self.n_c + low]),
                ),
            ),
            shape=(len(low), self.n_c + self.n_t),
        )
        return a, level[low]


def _master(inst: Instance, cuts: _Cuts, extra_rows: list[Rows]) -> MilpModel:
    """``y`` (candidates) and ``θ`` (demands with a closer candidate), selection rows."""
    n_c, n_t = cuts.n_c, cuts.n_t
    w = inst.weight[cuts.demand]
    lb = np.concatenate([np.zeros(n_c), cuts.dd[cuts.first]])
    lb[inst.forced] = 1.0
    ub = np.concatenate([np.ones(n_c), cuts.base])
    rows = instance_selection_rows(inst, n_c + n_t)
    rows += [
        (sparse.hstack([r[0], sparse.csr_array((r[0].shape[0], n_t))]), r[1], r[2])
        for r in extra_rows
    ]
    c = np.concatenate([np.zeros(n_c), w])
    return MilpModel(c, np.zeros(n_c + n_t), lb, ub, rows, n_c)


def _cut_loop(
    session: HighsSession, cuts: _Cuts, deadline: float, start: np.ndarray | None = None
) -> tuple[Any, bool]:
    """Solve, add the violated cuts, until none is violated (or the time is out).

    Returns the last result and whether its solution violates no cut (``θ`` exact).
    """
    res = None
    for _ in range(_MAX_ROUNDS):
        res = session.solve(deadline, defaults.MIP_REL_GAP, start=start)
        start = None
        if res.x is None:
            return res, False
        x = res.x.copy()
        if session.is_integer:
            x[: cuts.n_c] = np.round(x[: cuts.n_c])
        found = cuts.violated(x)
        if found is None:
            return res, True
        a, rhs = found
        session.add_rows(a, rhs, np.full(a.shape[0], np.inf))
        if time.perf_counter() >= deadline:
            break
    return res, False


def _failure(t0: float, status: int) -> tuple[None, float, dict[str, Any]]:
    info = {"algorithm": "benders", "status": status, "objective": None, "mip_gap": None}
    info.update(message="HiGHS : pas de solution", build_s=0.0, solve_s=time.perf_counter() - t0)
    return None, float("nan"), info


def solve_median_benders(
    inst: Instance, deadline: float, cover_rows: Rows | None = None
) -> tuple[np.ndarray | None, float, dict[str, Any]]:
    """Solve the p-median by Benders decomposition (same optimum as the pair model).

    Parameters
    ----------
    inst : Instance
    deadline : float
        :func:`time.perf_counter` instant at which to stop.
    cover_rows : Rows, optional
        Rows over the candidate binaries only (the worst-time guarantee of the
        ``"balanced"`` objective).

    Returns
    -------
    tuple
        Chosen candidate positions (``None`` without solution), need-weighted minutes
        (of the chosen sites, computed directly) and solver details (``algorithm``
        ``"benders"``, ``lp_bound``, ``sites_fixed_by_reduced_cost``).
    """
    t0 = time.perf_counter()
    cuts = _Cuts(inst)
    model = _master(inst, cuts, [cover_rows] if cover_rows is not None else [])
    session = HighsSession(model)
    lp, _ = _cut_loop(session, cuts, deadline)
    if lp.x is None:
        return _failure(t0, int(lp.status))
    n_c = cuts.n_c
    session.make_integer(np.arange(n_c))
    # The MILP over the sites the LP opens: an incumbent close to the optimum.
    closed = np.flatnonzero((lp.x[:n_c] < _REACH_TOL) & (model.lb[:n_c] == 0))
    session.set_bounds(closed, np.zeros(len(closed)), np.zeros(len(closed)))
    sub, sub_exact = _cut_loop(session, cuts, deadline)
    reopen, start = closed, None
    if sub.x is not None and sub_exact:
        # Sites whose reduced cost exceeds the incumbent's gap to the LP bound stay shut.
        room = float(sub.fun - lp.fun)
        reopen = closed[lp.reduced_costs[closed] <= room * (1 + 1e-9) + 1e-9]
        start = sub.x
    session.set_bounds(reopen, np.zeros(len(reopen)), np.ones(len(reopen)))
    res, exact = _cut_loop(session, cuts, deadline, start)
    if res.x is None:
        return _failure(t0, int(res.status))
    chosen = np.flatnonzero(res.x[:n_c] > 0.5)
    opened = np.concatenate([inst.existing, inst.candidates[chosen]])
    info = {
        "algorithm": "benders",
        # Cuts still violated at the time limit: the solution stands, unproven.
        "status": int(res.status) if exact else 1,
        "message": str(res.message),
        "objective": float(res.fun) + cuts.constant,
        "mip_gap": res.mip_gap if exact else None,
        "build_s": 0.0,
        "solve_s": time.perf_counter() - t0,
        "lp_bound": float(lp.fun) + cuts.constant,
        "sites_fixed_by_reduced_cost": int(len(closed) - len(reopen)),
    }
    return chosen, median_value(inst, opened), info
