"""Capacity: persons accompanied within the threshold under every advisor's capacity.

Every advisor, existing or new, accompanies at most ``capacity_per_advisor`` persons in
need per year. New advisors come in blocks of ``advisors_per_site``; a *place* receives
``m`` blocks (``m = 1..M``, ``M × advisors_per_site <= max_advisors_per_site``): a
candidate host place (a new site) or, when reinforcement is allowed, an existing
permanence. A binary ``x_jm`` says that place ``j`` receives ``m`` blocks (at most one
``m`` per place), so the binaries describe an allocation exactly and a no-good cut can
forbid it.

The persons ``p_is`` in [0, w_i] of demand point ``i`` (``w_i`` persons in need)
accompanied by site ``s`` exist only for ``s`` within the threshold of ``i``. Counting
persons rather than shares keeps every coefficient near the capacity (a commune of
150,000 persons would otherwise put 150,000 next to 1 in the load rows). The rows are

* ``Σ_s p_is <= w_i`` (a person is accompanied once);
* ``Σ_i p_is <= cap × (a_s + Σ_m m × advisors_per_site × x_sm)`` for every site
  (no load above capacity);
* ``p_is <= Σ_m min(w_i, cap × m × advisors_per_site) x_sm`` for a candidate ``s``
  (nothing at a closed site; this also tightens the LP relaxation);
* ``Σ_jm m x_jm = k`` blocks, the group limits on blocks, forced places opened;
* optionally the EPCI guarantee ``Σ_{i in g} p_is >= share × ratio × need_g`` and
  the balance variable ``u <= served_g / need_g`` of every EPCI ``g``.

Exact pruning of pairs. In an allocation, an assignment that minimises travel time
among those serving the most persons never lets site ``s`` serve ``i`` while a person of
the same EPCI strictly closer to ``s`` goes unserved (moving the capacity to that person
keeps every served total and shortens the time). So when the persons of ``i``'s EPCI
strictly closer to ``s`` than ``i`` are at least the total capacity of every advisor,
the pair ``(i, s)`` is never used by such an assignment and is left out: the served,
time and balance optima are those of the full model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from equity.placement.milp import MilpModel, Rows, lp_relaxation, rows_block
from equity.placement.problem import Instance

__all__ = [
    "CapacityModel",
    "allocation_places",
    "capacity_model",
    "prune_pairs",
    "required_by_group",
]

# Position of the load rows (one per serving site) among the model's row blocks.
_LOAD_ROWS = 1


@dataclass
class CapacityModel:
    """The capacity MILP and the layout of its variables.

    Attributes
    ----------
    milp : MilpModel
        Variables: ``x`` (places × blocks), then ``p`` (persons per pair), then, when
        demand groups are known, ``u`` (balance) and the integer blocks per EPCI of
        the places.
    places : numpy.ndarray of int
        Site columns of the places that can receive new advisors.
    place_is_existing : numpy.ndarray of bool
        The place is an existing permanence (a reinforcement).
    blocks : int
        Most blocks one place receives (``M``).
    sites, site_base_advisors : numpy.ndarray
        Serving site columns (existing, then candidates) and their current advisors.
    ii, kk : numpy.ndarray of int
        Pair demand point and position in ``sites``.
    pair_time, pair_weight : numpy.ndarray
        Minutes and persons in need of every pair.
    groups : numpy.ndarray of object
        EPCI of every demand point (``None`` for none).
    demand_weight : numpy.ndarray
        Persons in need of every demand point.
    group_rows : list of str
        EPCI with persons in need, in the order of the balance and guarantee rows.
    n_pairs_full : int
        Pairs within the threshold before pruning.
    pair_candidate_place : numpy.ndarray of int
        Place (row of ``places``) of every pair whose site is a candidate, -1 for a
        pair at a permanence (its advisors serve it whatever the allocation).
    base_capacity : numpy.ndarray
        Persons every serving site's current advisors accompany.
    block_capacity : float
        Persons one block of new advisors accompanies.
    total_blocks : int
        Blocks of new advisors the run places.
    n_assignment_rows : int
        The first blocks of ``milp.rows`` that hold the assignment and load rows
        only (no selection, group or stage rows).
    stage_bounds : list of tuple
        Variable bounds once each lexicographic stage was solved (filled by
        :func:`equity.placement.lexicographic.lexicographic_solve`).
    stage_solutions : list of numpy.ndarray
        Solution of every solved stage and the feasible starts found on the way
        (same filler).
    served_rows : list of Rows, optional
        The rows of the persons-served stage when ``milp.rows`` also holds rows valid
        only at its optimum (:meth:`restrict_to_served_bound`).
    """

    milp: MilpModel
    places: np.ndarray
    place_is_existing: np.ndarray
    blocks: int
    sites: np.ndarray
    site_base_advisors: np.ndarray
    ii: np.ndarray
    kk: np.ndarray
    pair_time: np.ndarray
    pair_weight: np.ndarray
    groups: np.ndarray
    demand_weight: np.ndarray
    group_rows: list[str]
    n_pairs_full: int
    pair_candidate_place: np.ndarray
    base_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    block_capacity: float = 0.0
    total_blocks: int = 0
    n_assignment_rows: int = 0
    stage_bounds: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    stage_solutions: list[np.ndarray] = field(default_factory=list)
    served_rows: list[Rows] | None = None

    @property
    def n_x(self) -> int:
        """Number of allocation binaries."""
        return len(self.places) * self.blocks

    @property
    def f_slice(self) -> slice:
        """Positions of the assignment variables."""
        return slice(self.n_x, self.n_x + len(self.ii))

    @property
    def balance_col(self) -> int | None:
        """Position of the balance variable ``u`` (``None`` without demand groups)."""
        return self.n_x + len(self.ii) if self.group_rows else None

    def close_unopened(self, ub: np.ndarray) -> None:
        """Fix at 0 (in ``ub``) the persons of candidate places that cannot open.

        A place whose every block is fixed at 0 serves nobody; its pairs are already
        held at 0 by their rows, but fixing them lets :func:`~equity.placement.milp.
        compact` drop them: HiGHS' presolve would, and the stages run without it. On
        Sarthe the MILP over the places the LP opens falls from 19,614 to 2,362 columns.
        """
        place = self.pair_candidate_place
        at_candidate = place >= 0
        can_open = ub[: self.n_x].reshape(-1, self.blocks).max(axis=1) > 0
        closed = np.zeros(len(place), dtype=bool)
        closed[at_candidate] = ~can_open[place[at_candidate]]
        ub[self.f_slice][closed] = 0.0

    def restrict_to_served_bound(self) -> float | None:
        """Bound the persons served; keep in ``milp`` only what can reach that bound.

        The bound: adding ``C`` persons of capacity raises a maximum flow by at most
        ``C``, so the most the permanences alone accompany (an LP over their pairs)
        plus the new advisors' capacity bounds every allocation, whatever its
        guarantee rows. An allocation reaching it makes a minimum cut of the
        permanences' flow, with every new block on the sink side, a minimum cut of
        its own: the pairs crossing that cut backwards carry nobody, the permanences
        on its source side receive no block (they fill no more) and every site on its
        sink side is full. A full site's person-minutes are then at least those of
        its capacity's nearest persons (:meth:`_fill_time_rows`): on Sarthe these rows
        raise the travel-time LP bound from 152,231 to 152,783 (optimum 153,684).

        Returns
        -------
        float or None
            The bound (``None`` when the LP fails; nothing is changed then). Bounds of
            ``milp`` are tightened in place: valid for solutions serving the bound.
        """
        m = self.milp
        lb, ub = m.lb.copy(), m.ub.copy()
        lb[: self.n_x] = ub[: self.n_x] = 0.0
        self.close_unopened(ub)
        existing_only = MilpModel(
            m.c, np.zeros(len(m.c)), lb, ub, m.rows[: self.n_assignment_rows], m.n_y
        )
        lp = lp_relaxation(existing_only, -self.served_c(), primal=True)
        if lp.status != 0:
            return None
        bound = -float(lp.fun) + self.block_capacity * self.total_blocks
        source_side = self._source_side(lp.x[self.f_slice])
        if source_side is not None:
            n_s = len(self.sites)
            site_s, demand_s = source_side[:n_s], source_side[n_s:]
            backwards = demand_s[self.ii] & ~(site_s[self.kk] & (self.pair_candidate_place < 0))
            m.ub[self.f_slice][backwards] = m.lb[self.f_slice][backwards]
            place_s = np.zeros(len(self.places), dtype=bool)
            place_s[self.place_is_existing] = site_s[self.place_sites()[self.place_is_existing]]
            m.ub[: self.n_x][np.repeat(place_s, self.blocks) & (m.lb[: self.n_x] == 0)] = 0.0
            a, lo, hi = m.rows[_LOAD_ROWS]
            full = ~site_s
            lo = lo.copy()
            lo[full] = hi[full] - 1e-6 * np.maximum(hi[full], 1.0)
            m.rows[_LOAD_ROWS] = (a, lo, hi)
            m.rows.append(self._fill_time_rows(full))
        return bound

    def _fill_time_rows(self, full: np.ndarray) -> Rows:
        """``time_s >= F_s(capacity_s)`` for every full place ``s``.

        ``F_s(L)``, the least person-minutes of ``L`` persons at ``s`` (its nearest
        first), is convex: with the place's capacity set by its blocks, the row is
        exact for integer blocks and cuts the LP's fractional openings, which serve
        only a place's nearest persons.
        """
        ub = self.milp.ub[self.f_slice]
        order = np.lexsort((self.pair_time, self.kk))
        k_o, t_o, u_o = self.kk[order], self.pair_time[order], ub[order]
        starts = np.searchsorted(k_o, np.arange(len(self.sites) + 1))
        at = self.place_sites()
        sizes = np.arange(0, self.blocks + 1)
        rows, cols, vals, lo = [], [], [], []
        n_vars = len(self.milp.c)
        for j, site in enumerate(at):
            if not full[site]:
                continue
            seg = slice(starts[site], starts[site + 1])
            cum_u = np.concatenate([[0.0], np.cumsum(u_o[seg])])
            cum_c = np.concatenate([[0.0], np.cumsum(u_o[seg] * t_o[seg])])
            load = self.base_capacity[site] + self.block_capacity * sizes
            f = np.interp(load, cum_u, cum_c, right=np.inf)
            if not np.all(np.isfinite(f)):
                continue
            r = len(lo)
            pair_cols = self.n_x + order[seg]
            rows += [r] * (len(pair_cols) + self.blocks)
            cols += [*pair_cols, *range(j * self.blocks, (j + 1) * self.blocks)]
            vals += [*t_o[seg], *-(f[1:] - f[0])]
            lo.append(f[0])
        a = sparse.coo_array((vals, (rows, cols)), shape=(len(lo), n_vars))
        return rows_block(a, np.array(lo), np.full(len(lo), np.inf))

    def place_sites(self) -> np.ndarray:
        """Position in ``sites`` of every place."""
        position = {int(c): j for j, c in enumerate(self.sites)}
        return np.array([position[int(c)] for c in self.places], dtype=int)

    def _source_side(self, persons: np.ndarray) -> np.ndarray | None:
        """Source side of the minimum cut of the permanences' flow ``persons``.

        Nodes: sites then demand points; reachable from the source in the residual
        graph (a site with capacity left, a pair forwards, a pair with persons
        backwards). ``None`` when the sink is reachable too (not a maximum flow).
        """
        tol = 1e-6 * max(float(self.demand_weight.max(initial=0.0)), 1.0)
        n_s, n_d = len(self.sites), len(self.demand_weight)
        at_permanence = self.pair_candidate_place < 0
        load = np.bincount(self.kk, weights=persons, minlength=n_s)
        served = np.bincount(self.ii, weights=persons, minlength=n_d)
        starts = np.flatnonzero((self.site_base_advisors > 0) & (load < self.base_capacity - tol))
        back = at_permanence & (persons > tol)
        # Node n_s + n_d is the source.
        n = n_s + n_d + 1
        rows = np.concatenate(
            [np.full(len(starts), n - 1), self.kk[at_permanence], n_s + self.ii[back]]
        )
        cols = np.concatenate([starts, n_s + self.ii[at_permanence], self.kk[back]])
        graph = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        reached = csgraph.breadth_first_order(
            graph, n - 1, directed=True, return_predecessors=False
        )
        side = np.zeros(n, dtype=bool)
        side[reached] = True
        side = side[:-1]
        if np.any(side[n_s:] & (served < self.demand_weight - tol)):
            return None
        return side

    def served_c(self) -> np.ndarray:
        """Objective coefficients of the persons served (to be maximised)."""
        c = np.zeros(len(self.milp.c))
        c[self.f_slice] = 1.0
        return c

    def time_c(self) -> np.ndarray:
        """Objective coefficients of the person-minutes of the persons served."""
        c = np.zeros(len(self.milp.c))
        c[self.f_slice] = self.pair_time
        return c

    def added_advisors(self, x: np.ndarray, per_block: int) -> dict[int, int]:
        """New advisors per place site column from a solution vector."""
        chosen = np.flatnonzero(x[: self.n_x] > 0.5)
        return {
            int(self.places[j // self.blocks]): int((j % self.blocks + 1) * per_block)
            for j in chosen
        }

    def split(self, x: np.ndarray) -> tuple[np.ndarray, dict[int, float]]:
        """Served share per demand point and load (persons) per site column."""
        persons = x[self.f_slice]
        w = self.demand_weight
        served = np.bincount(self.ii, weights=persons, minlength=len(w))
        share = np.minimum(np.divide(served, w, out=np.zeros(len(w)), where=w > 0), 1.0)
        load = np.bincount(self.kk, weights=persons, minlength=len(self.sites))
        return share, {int(c): float(v) for c, v in zip(self.sites, load, strict=True)}


def prune_pairs(
    ii: np.ndarray,
    kk: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    total_capacity: float,
) -> np.ndarray:
    """Mask of the pairs to keep (see the module notes for the proof).

    Parameters
    ----------
    ii, kk : numpy.ndarray of int
        Demand point and site of every pair.
    t : numpy.ndarray
        Minutes of every pair.
    w : numpy.ndarray
        Persons in need of every demand point.
    groups : numpy.ndarray
        Group code (int) of every demand point.
    total_capacity : float
        Persons all advisors together accompany.

    Returns
    -------
    numpy.ndarray of bool
        ``True`` for the pairs whose same-group demand strictly closer to the site
        weighs less than ``total_capacity``.
    """
    g = groups[ii]
    # Sort by site, group, then time: one stable argsort of a composite key (ties in
    # time stay ties; two times closer than the key's rounding merge into a tie, which
    # keeps more pairs, never fewer).
    span = float(np.max(t)) + 1.0 if len(t) else 1.0
    key = (kk.astype(float) * (int(g.max(initial=0)) + 1) + g) * span + t
    order = np.argsort(key, kind="stable")
    s_o, g_o, t_o, w_o = kk[order], g[order], t[order], w[ii][order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (s_o[1:] != s_o[:-1]) | (g_o[1:] != g_o[:-1])
    new_tie = new_group.copy()
    new_tie[1:] |= t_o[1:] != t_o[:-1]
    before = np.cumsum(w_o) - w_o
    positions = np.arange(len(order))
    group_start = np.maximum.accumulate(np.where(new_group, positions, 0))
    tie_start = np.maximum.accumulate(np.where(new_tie, positions, 0))
    # Ties are not "strictly closer": a tie group shares its first member's count.
    closer = before[tie_start] - before[group_start]
    keep = np.zeros(len(kk), dtype=bool)
    keep[order] = closer < total_capacity
    return keep


def required_by_group(inst: Instance, groups: list[str], codes: np.ndarray) -> np.ndarray:
    """Persons each EPCI must have accompanied under the EPCI guarantee.

    The département's capacity per person in need is the capacity of every advisor
    after placement over the persons in need, at most 1 (nobody is accompanied twice);
    each EPCI gets ``min_epci_share`` of it times its own persons in need.
    """
    need = np.bincount(codes, weights=inst.weight, minlength=len(groups) + 1)[1:]
    total = float(inst.weight.sum())
    capacity = inst.capacity_per_advisor() * (inst.existing_advisors.sum() + inst.new_advisors)
    ratio = min(capacity / total, 1.0) if total else 0.0
    return inst.settings.min_epci_share * ratio * need


def _group_codes(inst: Instance) -> tuple[np.ndarray, list[str]]:
    """Int code per demand point (0 = no group) and the group names (code - 1)."""
    if inst.demand_group is None:
        return np.zeros(len(inst.weight), dtype=int), []
    names = sorted({g for g in inst.demand_group if g is not None})
    index = {g: i + 1 for i, g in enumerate(names)}
    return np.array([index.get(g, 0) for g in inst.demand_group], dtype=int), names


def allocation_places(inst: Instance) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Site columns that can receive new advisors, whether each is a permanence, groups."""
    reinforce = inst.settings.allow_reinforce
    existing = inst.existing if reinforce else np.zeros(0, dtype=int)
    places = np.concatenate([existing, inst.candidates]).astype(int)
    is_existing = np.concatenate(
        [np.ones(len(existing), bool), np.zeros(len(inst.candidates), bool)]
    )
    groups = [inst.site_group.get(inst.site_ids[c]) for c in existing] + list(inst.cand_group)
    return places, is_existing, groups


def _selection_rows(
    inst: Instance, place_groups: list[str | None], blocks: int, n_vars: int, total: int
) -> list[Rows]:
    """One ``m`` per place, ``total`` blocks in all, group limits on blocks."""
    n_places = len(place_groups)
    n_x = n_places * blocks
    cols = np.arange(n_x)
    size = cols % blocks + 1.0
    place = cols // blocks
    one = sparse.coo_array((np.ones(n_x), (place, cols)), shape=(n_places, n_vars))
    rows = [rows_block(one, np.zeros(n_places), np.ones(n_places))]
    count = sparse.coo_array((size, (np.zeros(n_x, int), cols)), shape=(1, n_vars))
    rows.append(rows_block(count, np.array([float(total)]), np.array([float(total)])))
    groups = np.array(place_groups, dtype=object)[place]
    for g in sorted(set(inst.group_min) | set(inst.group_max)):
        member = groups == g
        coef = sparse.coo_array(
            (size[member], (np.zeros(int(member.sum()), int), cols[member])), shape=(1, n_vars)
        )
        lo, hi = inst.group_min.get(g, 0), inst.group_max.get(g, n_x)
        rows.append(rows_block(coef, np.array([float(lo)]), np.array([float(hi)])))
    return rows


def _pairs(inst: Instance, sites: np.ndarray, codes: np.ndarray, total_capacity: float) -> tuple:
    t = inst.times[:, sites]
    ii, kk = np.nonzero((t <= inst.threshold) & (inst.weight[:, None] > 0))
    keep = prune_pairs(ii, kk, t[ii, kk], inst.weight, codes, total_capacity)
    return ii[keep], kk[keep], t[ii, kk][keep], len(ii)


def _assignment_rows(
    model: CapacityModel, base_cap: np.ndarray, cap_block: float, n_vars: int
) -> list[Rows]:
    """Each person accompanied once; loads within capacity; nothing at a closed place."""
    ii, kk, wf = model.ii, model.kk, model.pair_weight
    n_f, blocks = len(ii), model.blocks
    f_col = model.n_x + np.arange(n_f)
    rows_i, first, inv_i = np.unique(ii, return_index=True, return_inverse=True)
    once = sparse.coo_array((np.ones(n_f), (inv_i, f_col)), shape=(len(rows_i), n_vars))
    rows = [rows_block(once, np.full(len(rows_i), -np.inf), wf[first])]
    # Place of every serving site (-1: a permanence that cannot be reinforced).
    place_of = _site_places(model.places, model.sites)
    n_s = len(model.sites)
    sizes = np.arange(1, blocks + 1, dtype=float)
    x_site = np.repeat(np.arange(n_s), blocks)
    x_col = np.repeat(place_of, blocks) * blocks + np.tile(np.arange(blocks), n_s)
    has = np.repeat(place_of >= 0, blocks)
    load = sparse.coo_array(
        (
            np.concatenate([np.ones(n_f), -cap_block * np.tile(sizes, n_s)[has]]),
            (np.concatenate([kk, x_site[has]]), np.concatenate([f_col, x_col[has]])),
        ),
        shape=(n_s, n_vars),
    )
    rows.append(rows_block(load, np.full(n_s, -np.inf), base_cap))
    # Candidates are the serving sites without advisors yet.
    cand = np.flatnonzero(model.pair_candidate_place >= 0)
    n_p = len(cand)
    if n_p:
        x_cols = model.pair_candidate_place[cand][:, None] * blocks + np.arange(blocks)
        limit = np.minimum(wf[cand][:, None], cap_block * sizes[None, :])
        closed = sparse.coo_array(
            (
                np.concatenate([np.ones(n_p), -limit.ravel()]),
                (
                    np.concatenate([np.arange(n_p), np.repeat(np.arange(n_p), blocks)]),
                    np.concatenate([f_col[cand], x_cols.ravel()]),
                ),
            ),
            shape=(n_p, n_vars),
        )
        rows.append(rows_block(closed, np.full(n_p, -np.inf), np.zeros(n_p)))
    return rows


def _count_rows(
    model: CapacityModel, place_groups: list[str | None], names: list[str], n_vars: int
) -> Rows:
    """``n_h = Σ_{j in h} Σ_m m x_jm``: integer blocks per EPCI of the places.

    Redundant, but branching on these counts settles the EPCI balance far faster than
    branching on the many equivalent places of one EPCI.
    """
    index = {g: i for i, g in enumerate(names)}
    cols = np.arange(model.n_x)
    place = cols // model.blocks
    group = np.array([index.get(place_groups[j], -1) for j in place], dtype=int)
    member = group >= 0
    n_h = len(names)
    first = n_vars - n_h
    a = sparse.coo_array(
        (
            np.concatenate([(cols[member] % model.blocks + 1).astype(float), -np.ones(n_h)]),
            (
                np.concatenate([group[member], np.arange(n_h)]),
                np.concatenate([cols[member], first + np.arange(n_h)]),
            ),
        ),
        shape=(n_h, n_vars),
    )
    return rows_block(a, np.zeros(n_h), np.zeros(n_h))


def _group_rows(
    model: CapacityModel, inst: Instance, codes: np.ndarray, n_vars: int, guarantee: bool
) -> list[Rows]:
    """Balance rows ``u × need_g - served_g <= 0`` and the EPCI guarantee rows."""
    n_g = len(model.group_rows)
    g_of_pair = codes[model.ii] - 1
    member = g_of_pair >= 0
    f_col = model.n_x + np.arange(len(model.ii))
    need = np.bincount(codes, weights=inst.weight, minlength=n_g + 1)[1:]
    served = sparse.coo_array(
        (-np.ones(int(member.sum())), (g_of_pair[member], f_col[member])), shape=(n_g, n_vars)
    )
    u = sparse.coo_array((need, (np.arange(n_g), np.full(n_g, model.balance_col))), (n_g, n_vars))
    rows = [rows_block(served + u, np.full(n_g, -np.inf), np.zeros(n_g))]
    if guarantee and inst.settings.min_epci_share > 0:
        required = required_by_group(inst, model.group_rows, codes)
        rows.append(rows_block(served, np.full(n_g, -np.inf), -required))
    return rows


def capacity_model(
    inst: Instance, fixed: dict[int, int] | None = None, *, pruning_blocks: int | None = None
) -> CapacityModel:
    """The capacity MILP of a run, or the LP of a fixed allocation.

    Parameters
    ----------
    inst : Instance
    fixed : dict, optional
        New advisors per site column: the allocation is fixed (``{}``: none, the
        current situation), the selection rows and the EPCI guarantee are left out.
    pruning_blocks : int, optional
        Blocks of new advisors whose capacity the exact pruning of pairs allows for
        (default: the run's ``k``, or the fixed allocation's). More keeps more pairs:
        the model stays exact for every allocation of at most that many blocks once
        its binaries' bounds are changed.

    Returns
    -------
    CapacityModel
        Its objective is zero: the lexicographic solve sets one per stage
        (:mod:`equity.placement.lexicographic`).
    """
    s = inst.settings
    total = inst.k if fixed is None else sum(fixed.values()) // s.advisors_per_site
    pruning_blocks = total if pruning_blocks is None else pruning_blocks
    cap = inst.capacity_per_advisor()
    blocks = max(s.max_advisors_per_site // s.advisors_per_site, 1)
    places, is_existing, place_groups = allocation_places(inst)
    sites = np.concatenate([inst.existing, inst.candidates]).astype(int)
    base = np.concatenate([inst.existing_advisors, np.zeros(len(inst.candidates))])
    codes, names = _group_codes(inst)
    total_capacity = cap * (inst.existing_advisors.sum() + pruning_blocks * s.advisors_per_site)
    ii, kk, pair_t, n_full = _pairs(inst, sites, codes, total_capacity)
    n_x, n_f = len(places) * blocks, len(ii)
    place_names = sorted({g for g in place_groups if g is not None}) if names else []
    n_u = 1 if names else 0
    n_vars = n_x + n_f + n_u + len(place_names)
    lb = np.zeros(n_vars)
    ub = np.ones(n_vars)
    ub[n_x : n_x + n_f] = inst.weight[ii]
    ub[n_x + n_f + n_u :] = max(total, pruning_blocks)
    integrality = np.concatenate([np.ones(n_x), np.zeros(n_f + n_u), np.ones(len(place_names))])
    milp = MilpModel(np.zeros(n_vars), integrality, lb, ub, [], n_x)
    model = CapacityModel(
        milp, places, is_existing, blocks, sites, base, ii, kk, pair_t, inst.weight[ii],
        inst.demand_group if inst.demand_group is not None else np.full(len(inst.weight), None),
        inst.weight, names, n_full, _pair_candidate_place(places, sites, base, kk),
    )  # fmt: skip
    milp.rows.extend(_assignment_rows(model, cap * base, cap * s.advisors_per_site, n_vars))
    model.n_assignment_rows = len(milp.rows)
    model.base_capacity = cap * base
    model.block_capacity = cap * s.advisors_per_site
    model.total_blocks = total
    if names:
        milp.rows.extend(_group_rows(model, inst, codes, n_vars, guarantee=fixed is None))
        milp.rows.append(_count_rows(model, place_groups, place_names, n_vars))
    if fixed is None:
        milp.rows.extend(_selection_rows(inst, place_groups, blocks, n_vars, total))
        _force_places(model, inst)
    else:
        _fix_allocation(model, fixed, s.advisors_per_site)
    return model


def _site_places(places: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Place (row of ``places``) of every serving site, -1 when it receives no advisor."""
    where = {int(c): j for j, c in enumerate(places)}
    return np.array([where.get(int(c), -1) for c in sites], dtype=int)


def _pair_candidate_place(
    places: np.ndarray, sites: np.ndarray, base: np.ndarray, kk: np.ndarray
) -> np.ndarray:
    place_of = _site_places(places, sites)
    place_of[base > 0] = -1
    return place_of[kk]


def _force_places(model: CapacityModel, inst: Instance) -> None:
    """Forced candidates receive at least one block."""
    if not len(inst.forced):
        return
    n_vars = len(model.milp.c)
    position = {int(c): j for j, c in enumerate(model.places)}
    for f in inst.forced:
        j = position[int(inst.candidates[f])]
        coef = np.zeros(n_vars)
        coef[j * model.blocks : (j + 1) * model.blocks] = 1.0
        model.milp.add_row(coef, 1.0, 1.0)


def _fix_allocation(model: CapacityModel, added: dict[int, int], per_block: int) -> None:
    """Fix the binaries to the allocation ``added`` (site column -> new advisors).

    Raises
    ------
    ValueError
        An allocation the model cannot represent (unknown place, too many advisors).
    """
    model.milp.lb[: model.n_x] = 0.0
    model.milp.ub[: model.n_x] = 0.0
    position = {int(c): j for j, c in enumerate(model.places)}
    for col, advisors in added.items():
        m = advisors // per_block
        if col not in position or not 1 <= m <= model.blocks:
            raise ValueError(f"Répartition impossible à évaluer : colonne {col}, {advisors}.")
        j = position[col] * model.blocks + m - 1
        model.milp.lb[j] = model.milp.ub[j] = 1.0
