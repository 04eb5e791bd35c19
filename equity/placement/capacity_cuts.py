"""Demand-cover cuts: valid rows that tighten the capacity model's LP relaxation.

For a set ``T`` of serving sites and a set ``D`` of demand points, the persons of ``D``
accompanied at the sites of ``T`` never exceed the persons in need of ``D`` nor the
capacity of ``T``'s advisors, which depends on the blocks the places of ``T`` receive::

    sum_{i in D, s in T} p_is  <=  g(m) = min(W_D, B_T + sum_{j in T} cap_j(m_j))

for every allocation ``m`` (``W_D`` the persons in need of ``D``, ``B_T`` the capacity
of ``T``'s current advisors, ``cap_j(m)`` that of ``m`` blocks). The LP relaxation
knows both terms only apart, and a place opened by a fraction then serves ``D`` as if
its whole capacity were there. The row ``alpha + sum delta_jm x_jm`` of least value at
the LP point among those above ``g`` at every allocation of ``T``'s places (an LP over
those allocations, a few dozen) is the strongest such cut: a lifted flow cover of the
flow into ``D``. Each row holds for every allocation within ``cm.milp``'s bounds (its
binaries fixed at 0 are left out), whatever the objective.

Separation, from the places the LP opens by a fraction (a cut needs one: at integral
blocks ``g`` is met exactly) and the sites serving the same points: ``T`` grows one site
at a time by the one that most raises the violation of a cheaper row (each place's blocks
rounded to a reference size: the LP's major one, or none); ``D`` is the prefix of ``T``'s
points, by share served, that violates it most; the strongest row of that ``(T, D)``
is then computed.

On Sarthe (20 new advisors; stage 2, travel time at the persons-served bound) three
rounds add 30 rows in 0.4 s and raise the LP bound from 152,783 to 153,684.07
person-minutes, the optimum, at an integral LP solution: the stage needs no MILP. HiGHS
found rows of this kind in its own root cut rounds (its 42-row cut pool closes the gap
too), but only after 2.2 s of separation over the whole model.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import OptimizeResult

from equity.highs import HIGHS_LOCK, highs_lp, quiet_highs
from equity.placement.capacity import CapacityModel
from equity.placement.milp import HighsSession, Rows, compact, rows_block
from geo import defaults

__all__ = ["demand_cover_cuts", "tighten_relaxation"]

# Values this close to 0 or 1 count as integral.
_EPS = 1e-6
# Allocations of T's places above which the exact row is not computed (the cheaper
# reference row is kept): 4 places of 3 block sizes.
_MAX_ALLOCATIONS = 256
# Sites T grows to at most.
_MAX_SITES = 5
# The separation reads the LP point as dense (sites × demand points) arrays: beyond this
# many cells (160 MB) it is skipped (Sarthe: 185,000; the 10,000-point scale instance 4.4 M).
_MAX_DENSE_CELLS = 20_000_000


class _Point:
    """The LP point and the model's layout, in the arrays the separation reads."""

    def __init__(self, cm: CapacityModel, x: np.ndarray) -> None:
        m = cm.milp
        n_s, n_d = len(cm.sites), len(cm.demand_weight)
        self.cm = cm
        self.w = cm.demand_weight
        self.base = cm.base_capacity
        # Served persons of every (site, demand point) pair, dense: 527 × 352 on Sarthe.
        self.served = np.zeros((n_s, n_d))
        self.served[cm.kk, cm.ii] = x[cm.f_slice]
        open_pair = m.ub[cm.f_slice] > 0
        self.reach = np.zeros((n_s, n_d), dtype=bool)
        self.reach[cm.kk[open_pair], cm.ii[open_pair]] = True
        bins = np.flatnonzero(m.ub[: cm.n_x] > 0.5)
        place_site = cm.place_sites()
        self.bin_col = bins
        self.bin_site = place_site[bins // cm.blocks]
        self.bin_level = bins % cm.blocks + 1
        self.bin_cap = cm.block_capacity * self.bin_level
        self.bin_x = x[bins]
        # Reference block size of every site: the one its LP blocks mostly hold.
        self.ref_cap = np.zeros(n_s)
        major = self.bin_x >= 0.5
        self.ref_cap[self.bin_site[major]] = self.bin_cap[major]
        self.ref_level = np.zeros(n_s, dtype=int)
        self.ref_level[self.bin_site[major]] = self.bin_level[major]
        fractional = (self.bin_x > _EPS) & (self.bin_x < 1.0 - _EPS)
        self.fractional = np.unique(self.bin_site[fractional])
        # Blocks of every site as (site, block size) matrices (-1: no such binary).
        self.site_bins = np.full((n_s, cm.blocks), -1)
        self.site_bins[self.bin_site, self.bin_level - 1] = np.arange(len(bins))
        has = self.site_bins >= 0
        self.site_bin_x = np.zeros(has.shape)
        self.site_bin_x[has] = self.bin_x[self.site_bins[has]]
        self.site_bin_cap = cm.block_capacity * np.arange(1, cm.blocks + 1)[None, :] * has
        # Seeds: the fractional places and the sites serving the same points.
        touched = self.served[self.fractional].sum(axis=0) > _EPS
        self.seeds = np.union1d(
            self.fractional, np.flatnonzero(self.served[:, touched].sum(axis=1) > _EPS)
        )

    def proxy(self, sites: list[int], extra: np.ndarray, ref: bool) -> tuple[np.ndarray, list]:
        """Violation of the reference row of ``sites + [s]`` for every ``s`` of ``extra``,
        and the best demand set of each.

        ``ref``: the blocks are rounded to the LP's major block size (else to none)."""
        ref_cap = self.ref_cap if ref else np.zeros_like(self.ref_cap)
        levels = np.arange(1, self.site_bins.shape[1] + 1)
        ref_level = self.ref_level if ref else np.zeros_like(self.ref_level)
        q = self.served[sites].sum(axis=0)[None, :] + self.served[extra]
        cols = np.flatnonzero((q > _EPS).any(axis=0))
        q = q[:, cols]
        key = np.where(q > _EPS, q / self.w[cols], -1.0)
        order = np.argsort(-key, axis=1, kind="stable")
        lhs = np.cumsum(np.take_along_axis(q, order, axis=1), axis=1)
        need = np.cumsum(self.w[cols][order], axis=1)
        counted = np.arange(len(cols))[None, :] < (q > _EPS).sum(axis=1)[:, None]
        c0 = self.base[sites].sum() + ref_cap[sites].sum() + self.base[extra] + ref_cap[extra]
        # Blocks of the common sites, then of each extra site.
        common = self.site_bins[sites].ravel()
        common = common[common >= 0]
        c_site = self.bin_site[common]
        rhs = np.minimum(need, c0[:, None])
        rhs = rhs + _gain(
            need,
            c0,
            np.broadcast_to(self.bin_x[common], (len(extra), len(common))),
            self.bin_cap[common][None, :],
            ref_cap[c_site][None, :],
            np.broadcast_to(self.bin_level[common] > ref_level[c_site], (len(extra), len(common))),
        )
        rhs = rhs + _gain(
            need,
            c0,
            self.site_bin_x[extra],
            self.site_bin_cap[extra],
            ref_cap[extra][:, None],
            levels[None, :] > ref_level[extra][:, None],
        )
        violation = np.where(counted & (need > c0[:, None] + _EPS), lhs - rhs, -np.inf)
        best = np.argmax(violation, axis=1)
        values = violation[np.arange(len(extra)), best]
        return values, [cols[order[k, : b + 1]] for k, b in enumerate(best)]

    def grow(self, seed: int, ref: bool) -> tuple[float, list[int], np.ndarray]:
        """``T`` grown from ``seed`` by the site raising the reference violation most."""
        values, points = self.proxy([], np.array([seed]), ref)
        sites, best, points = [seed], float(values[0]), points[0]
        while len(sites) < _MAX_SITES:
            reachable = self.reach[sites].any(axis=0)
            around = np.flatnonzero(self.served[:, reachable].sum(axis=1) > _EPS)
            around = np.setdiff1d(around, sites)
            if len(around) == 0:
                break
            values, candidates = self.proxy(sites, around, ref)
            k = int(np.argmax(values))
            if values[k] <= best + _EPS:
                break
            best, points = float(values[k]), candidates[k]
            sites.append(int(around[k]))
        return best, sites, points

    def row(
        self, sites: list[int], points: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float, float]:
        """The row of ``(T, D)``: columns, coefficients, right-hand side and violation.

        The strongest over the allocations of ``T``'s places (an LP over them); the
        reference row when they are more than :data:`_MAX_ALLOCATIONS`.
        """
        cm = self.cm
        need = float(self.w[points].sum())
        mine = np.flatnonzero(np.isin(self.bin_site, sites))
        alpha_delta = self._strongest(sites, mine, need)
        alpha, delta = alpha_delta or self._reference(sites, mine, need)
        pair = np.isin(cm.kk, sites) & np.isin(cm.ii, points)
        lhs = float(self.served[np.ix_(sites, points)].sum())
        violation = lhs - alpha - float(delta @ self.bin_x[mine])
        cols = np.concatenate([cm.n_x + np.flatnonzero(pair), self.bin_col[mine]])
        coefs = np.concatenate([np.ones(int(pair.sum())), -delta])
        return cols, coefs, alpha, violation

    def _strongest(
        self, sites: list[int], mine: np.ndarray, need: float
    ) -> tuple[float, np.ndarray] | None:
        """``(alpha, delta)`` least at the LP point with ``alpha + delta @ x >= g`` at
        every allocation ``x`` of the binaries ``mine`` (one block size per place)."""
        places = np.unique(self.bin_site[mine])
        choices = [[-1, *np.flatnonzero(self.bin_site[mine] == s)] for s in places]
        if np.prod([len(c) for c in choices]) > _MAX_ALLOCATIONS:
            return None
        base = float(self.base[sites].sum())
        allocations = list(itertools.product(*choices))
        a = np.zeros((len(allocations), len(mine) + 1))
        a[:, 0] = 1.0
        g = np.zeros(len(allocations))
        for r, allocation in enumerate(allocations):
            on = [b for b in allocation if b >= 0]
            a[r, 1 + np.array(on, dtype=int)] = 1.0
            g[r] = min(need, base + float(self.bin_cap[mine[on]].sum()))
        n = a.shape[1]
        h = quiet_highs()
        free = np.full(n, np.inf)
        c = np.concatenate([[1.0], self.bin_x[mine]])
        no_upper = np.full(len(g), np.inf)
        h.passModel(highs_lp(sparse.csc_array(a), g, no_upper, c, -free, free, np.zeros(n)))
        with HIGHS_LOCK:
            h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = np.array(h.getSolution().col_value)
        return float(solution[0]), solution[1:]

    def _reference(
        self, sites: list[int], mine: np.ndarray, need: float
    ) -> tuple[float, np.ndarray]:
        """The reference row's ``(alpha, delta)``: valid, weaker than the strongest."""
        c0 = self.base[sites].sum() + self.ref_cap[sites].sum()
        at = self.bin_site[mine]
        up = self.bin_level[mine] > self.ref_level[at]
        raised = np.minimum(need, c0 - self.ref_cap[at] + self.bin_cap[mine])
        delta = np.where(up, np.maximum(raised - min(need, c0), 0.0), 0.0)
        return float(min(need, c0)), delta


def _gain(
    need: np.ndarray,
    c0: np.ndarray,
    x: np.ndarray,
    cap: np.ndarray,
    ref_cap_site: np.ndarray,
    up: np.ndarray,
) -> np.ndarray:
    """Persons the reference row grants blocks above their reference size (per extra
    site and demand-set prefix)."""
    raised = np.minimum(need[..., None], (c0[:, None] - ref_cap_site + cap)[:, None, :])
    gain = raised - np.minimum(need, c0[:, None])[..., None]
    return (np.maximum(gain, 0.0) * np.where(up, x, 0.0)[:, None, :]).sum(axis=-1)


def demand_cover_cuts(cm: CapacityModel, x: np.ndarray, seen: set | None = None) -> Rows | None:
    """The demand-cover rows violated at the LP point ``x`` (one separation round).

    Parameters
    ----------
    cm : CapacityModel
        The model; binaries with an upper bound of 0 are left out of the allocations
        (the rows then hold for every solution within ``cm.milp``'s bounds).
    x : numpy.ndarray
        LP solution over ``cm.milp``'s variables.
    seen : set, optional
        Keys of the ``(T, D)`` already cut (updated): none is cut twice.

    Returns
    -------
    Rows or None
        ``sum p - sum delta x <= alpha`` rows, ``None`` when none is violated.
    """
    point = _Point(cm, x)
    seen = set() if seen is None else seen
    tol = defaults.CAPACITY_CUT_MIN_VIOLATION * cm.block_capacity
    rows, cols, vals, rhs = [], [], [], []
    for seed, ref in itertools.product(point.seeds, (True, False)):
        violation, sites, points = point.grow(int(seed), ref)
        key = (frozenset(sites), frozenset(points.tolist()))
        if violation <= tol or key in seen or not np.isin(sites, point.fractional).any():
            continue
        seen.add(key)
        c, v, alpha, exact_violation = point.row(sites, points)
        if exact_violation <= tol:
            continue
        rows.append(np.full(len(c), len(rhs)))
        cols.append(c)
        vals.append(v)
        rhs.append(alpha)
    if not rhs:
        return None
    a = sparse.coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(rhs), len(cm.milp.c)),
    )
    return rows_block(a, np.full(len(rhs), -np.inf), np.array(rhs))


def tighten_relaxation(
    cm: CapacityModel, c: np.ndarray, deadline: float
) -> tuple[Rows | None, OptimizeResult]:
    """The LP relaxation of ``cm.milp`` under ``c``, with rounds of demand-cover cuts.

    Rounds stop when none is violated, the bound rises by less than
    :data:`geo.defaults.CAPACITY_CUT_MIN_GAIN` (relative),
    :data:`geo.defaults.CAPACITY_CUT_ROUNDS` were made or ``deadline`` passed; there is
    none on models of more than :data:`_MAX_DENSE_CELLS` sites × demand points.

    Returns
    -------
    tuple
        All the rows found as one block (``None`` for none; not added to ``cm.milp``)
        and the LP relaxation with them, as :func:`~equity.placement.milp.lp_relaxation`
        returns it.
    """
    reduced, keep = compact(cm.milp)
    # Without presolve: on Sarthe the first LP takes 0.38 s against 0.51 s.
    session = HighsSession(replace(reduced, c=c[keep]), presolve=False)
    lp = session.relaxation(keep, len(c))
    found: list[Rows] = []
    seen: set = set()
    dense = len(cm.sites) * len(cm.demand_weight) <= _MAX_DENSE_CELLS
    for _ in range(defaults.CAPACITY_CUT_ROUNDS if dense else 0):
        if lp.status != 0 or time.perf_counter() > deadline:
            break
        block = demand_cover_cuts(cm, lp.x, seen)
        if block is None:
            break
        found.append(block)
        a, lo, hi = block
        session.add_rows(a[:, keep], lo, hi)
        res = session.relaxation(keep, len(c))
        if res.status != 0:
            break
        gain = res.fun - lp.fun
        lp = res
        if gain <= defaults.CAPACITY_CUT_MIN_GAIN * max(1.0, abs(lp.fun)):
            break
    if not found:
        return None, lp
    a = sparse.vstack([b[0] for b in found], format="csr")
    return (a, np.concatenate([b[1] for b in found]), np.concatenate([b[2] for b in found])), lp
