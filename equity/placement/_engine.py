"""Where to place new digital-inclusion advisors: exact location models on a cost matrix.

The module works on plain arrays, like spopt: a travel-time matrix in minutes
(:class:`pandas.DataFrame`, rows = demand points such as communes, columns = site ids,
``inf`` or NaN = unreachable), demand weights (need), populations, the existing sites
(advisors per site, kept open) and the group (EPCI) of every site.

Objectives (``PlacementSettings.objective``):

``"residual"`` (default)
    Capacity- and need-aware p-median, exact and fast. Each demand point's need is first
    reduced by what the *existing* advisors can absorb: every existing site offers
    ``capacity_per_advisor × advisors`` and shares it over the need within the threshold
    of it (the two-step floating catchment logic), so a commune keeps
    ``need × (1 − absorbed share)`` as residual need. Existing sites being full, the
    residual need must travel to a *new* site: the placement is the p-median of the
    residual need (plus :data:`RESIDUAL_FLOOR` × the full need, so that every resident
    still counts a little) over the new sites, each demand point using its
    :data:`RESIDUAL_NEAREST` nearest candidates. New advisors therefore go where need is
    large *and* beyond the reach or the capacity of the existing advisors; the
    continuous time objective keeps the choice from being arbitrary when plain coverage
    saturates.
``"capacity"``
    Lexicographic, capacity- and need-aware model. Stage 1 maximises the need *served*
    within the threshold: demand ``i`` is assigned fractionally (``f_is`` in [0, 1]) to
    open sites ``s`` reachable within the threshold, and the need assigned to a site is
    at most ``capacity_per_advisor * advisors_s``. Stage 2 keeps the stage-1 optimum and
    minimises the need-weighted travel time of the served need. Stage 3 keeps both and
    minimises the maximum load ratio (assigned need / capacity). The placement stays
    meaningful when plain coverage saturates, because advisor capacity, not distance,
    is then the binding constraint. ``decided_by`` says (in French) which stage decided,
    checked by re-solving with the chosen placement forbidden (a "no-good" cut).
``"coverage"``
    Maximal covering (MCLP): maximise the need within the threshold of an open site.
    Demand already covered by an existing site is a constant and dropped from the model;
    only (demand, candidate) pairs within the threshold become matrix entries.
``"median"``
    p-median: minimise the need-weighted time to the nearest open site. Exact reduction:
    no demand is ever assigned farther than its nearest existing site (always open), so
    only the pairs with a candidate strictly closer than that site are modelled; the
    variable ``x_is`` moves demand ``i`` from its nearest existing site to candidate
    ``s``. Demand reachable by no existing site is charged a penalty time (twice the
    largest finite time of the matrix) until a candidate reaches it.
``"balanced"``
    p-median subject to every demand point within ``max_time_min`` (default: the
    threshold) of an open site. When no placement achieves it, the smallest achievable
    worst time is found first (binary search on the matrix values, each step a
    set-covering feasibility MILP), then the p-median is solved under that worst time.

Every model is a sparse MILP solved by HiGHS through :func:`scipy.optimize.milp` with a
time limit. A greedy heuristic (add the best marginal site ``k`` times) is the fallback
when the solver returns no solution, and a test oracle.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from equity.placement.covering import covering_model
from equity.placement.milp import (
    MilpModel,
    Rows,
    chosen_from,
    deadline_share,
    forbid_selection,
    rows_block,
    selection_model,
    selection_rows,
    solve_status,
)
from geo import defaults
from geo.jsonio import to_jsonable

Objective = Literal["residual", "capacity", "coverage", "median", "balanced"]
OBJECTIVES: tuple[str, ...] = ("residual", "capacity", "coverage", "median", "balanced")
#: Share of the full need that still weighs in the residual objective.
RESIDUAL_FLOOR = 0.05
#: Candidates considered for each demand point's residual need (nearest first).
RESIDUAL_NEAREST = 40

# The capacity model is a capacitated location problem with massive near-ties; proving
# 1e-7 takes minutes on Sarthe, so its stages stop at HiGHS' default relative gap.
CAPACITY_REL_GAP = 1e-4
# Slack kept when a stage's optimum becomes a constraint of the next stage.
LEXICO_REL_TOL = 1e-6

OBJECTIVE_LABELS_FR: dict[str, str] = {
    "residual": "besoin non absorbé par les conseillers existants (capacité et besoin)",
    "capacity": "besoin servi compte tenu de la capacité des conseillers",
    "coverage": "couverture maximale (besoin à moins du seuil)",
    "median": "temps de trajet moyen minimal (p-médian)",
    "balanced": "temps de trajet minimal sous temps maximal garanti",
}


class PlacementInfeasible(ValueError):
    """The placement constraints cannot all be met; the French message names them."""


@dataclass(frozen=True)
class PlacementSettings:
    """Parameters of a placement run.

    Attributes
    ----------
    k : int
        Number of new sites to open.
    threshold_min : float
        Coverage threshold in minutes (a demand point is covered when an open site is
        at most this far).
    objective : {"residual", "capacity", "coverage", "median", "balanced"}
        Model to solve, see the module docstring.
    capacity_per_advisor : float or None
        Need (weight units) one advisor can serve. ``None``: total need divided by the
        total number of advisors after placement (existing + new).
    advisors_per_site : int
        Advisors staffed at each new site.
    min_per_group, max_per_group : int or dict
        Minimum / maximum number of new sites per group (EPCI). An int applies to every
        group of the candidate sites; a dict only to the groups it names.
    forced, excluded : tuple of str
        Candidate sites that must / must not be opened.
    cost_per_advisor_eur, cofunding_per_advisor_eur : float
        Annual gross cost of an advisor and the State co-funding per advisor.
    max_net_budget_eur : float or None
        Maximum annual net cost (gross - co-funding) of the new advisors.
    max_time_min : float or None
        Guaranteed maximum time for ``"balanced"`` (default ``threshold_min``).
    time_limit_s : float
        Wall-clock limit for all solver calls of one run.
    """

    k: int = 20
    threshold_min: float = defaults.THRESHOLD_MIN
    objective: Objective = "residual"
    capacity_per_advisor: float | None = None
    advisors_per_site: int = 1
    min_per_group: int | dict[str, int] = 0
    max_per_group: int | dict[str, int] | None = None
    forced: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    cost_per_advisor_eur: float = defaults.ADVISOR_COST_EUR
    cofunding_per_advisor_eur: float = defaults.COFUNDING_PER_ADVISOR_EUR
    max_net_budget_eur: float | None = None
    max_time_min: float | None = None
    time_limit_s: float = defaults.SOLVER_TIME_LIMIT_S


@dataclass
class PlacementResult:
    """Outcome of a placement run.

    Attributes
    ----------
    chosen : list of str
        New site ids, ordered by decreasing marginal gain (see ``explanation``).
    explanation : pandas.DataFrame
        One row per chosen site, same order: ``site_id``, ``group``, ``gain_need``,
        ``gain_population`` (newly within the threshold when added in this order),
        ``newly_covered_count``, ``newly_covered`` (demand ids), ``gain_need_time_min``
        (reduction of the need-weighted travel minutes), ``advisors``,
        ``load_need_per_advisor`` (need of the demand points for which it is the nearest
        open site, per advisor), ``served_need`` (capacity model only, else NaN) and
        ``residual_need`` (residual objective: the need not absorbed by existing advisors
        for which the site is the nearest new site).
    coverage_before, coverage_after : dict
        ``population``, ``need``, ``population_share``, ``need_share`` within the
        threshold and the population-weighted ``mean_travel_time_min``.
    assignment : pandas.DataFrame
        Indexed like the demand: nearest open ``site_id``, ``travel_time_min``,
        ``covered`` and, for the capacity model, ``served_share``.
    objective : str
    objective_value : float
        Covered need (coverage), need-weighted minutes (median, balanced) or served need
        (capacity).
    solver : dict
        ``method`` ("milp" or "greedy"), ``status``, ``message``, ``objective``,
        ``mip_gap``, ``build_s``, ``solve_s`` and per-stage details.
    cost : dict
        ``new_advisors``, ``total_advisors``, ``gross_eur``, ``cofunding_eur``,
        ``net_eur`` (annual, new advisors).
    decided_by : str
        French sentence saying which criterion decided the placement.
    threshold_min : float
    """

    chosen: list[str]
    explanation: pd.DataFrame
    coverage_before: dict[str, float]
    coverage_after: dict[str, float]
    assignment: pd.DataFrame
    objective: str
    objective_value: float
    solver: dict[str, Any]
    cost: dict[str, float]
    decided_by: str
    threshold_min: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (``inf``/NaN become ``None``)."""
        return to_jsonable(
            {
                "chosen": self.chosen,
                "explanation": self.explanation.to_dict(orient="records"),
                "coverage_before": self.coverage_before,
                "coverage_after": self.coverage_after,
                "assignment": self.assignment.reset_index(names="demand_id").to_dict(
                    orient="records"
                ),
                "objective": self.objective,
                "objective_value": self.objective_value,
                "solver": self.solver,
                "cost": self.cost,
                "decided_by": self.decided_by,
                "threshold_min": self.threshold_min,
            }
        )


@dataclass
class RobustnessResult:
    """What happens if some existing sites close.

    Attributes
    ----------
    lost_sites : list of str
        Existing sites assumed closed.
    lost_coverage : pandas.DataFrame
        Demand points within the threshold of the full existing network but not of the
        remaining one (no new site): ``population``, ``need``, ``site_id`` (nearest
        existing site before), ``travel_time_before_min``, ``travel_time_after_min``.
    lost_with_placement : pandas.DataFrame
        Same, when the original placement is kept on top of the remaining sites.
    coverage_with_placement : dict
        Coverage of remaining existing sites + original placement.
    resolved : PlacementResult
        Placement re-solved with the remaining existing sites.
    """

    lost_sites: list[str]
    lost_coverage: pd.DataFrame
    lost_with_placement: pd.DataFrame
    coverage_with_placement: dict[str, float]
    resolved: PlacementResult

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return to_jsonable(
            {
                "lost_sites": self.lost_sites,
                "lost_coverage": self.lost_coverage.reset_index(names="demand_id").to_dict(
                    orient="records"
                ),
                "lost_with_placement": self.lost_with_placement.reset_index(
                    names="demand_id"
                ).to_dict(orient="records"),
                "coverage_with_placement": self.coverage_with_placement,
                "resolved": self.resolved.to_dict(),
            }
        )


def _eur(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f") + " €"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


# --------------------------------------------------------------------------- instance


@dataclass
class _Instance:
    """Validated arrays of one run (indices into ``site_ids`` unless noted)."""

    demand_ids: pd.Index
    site_ids: list[str]
    times: np.ndarray  # n x m minutes, inf = unreachable
    weight: np.ndarray
    population: np.ndarray
    existing: np.ndarray  # site column indices
    existing_advisors: np.ndarray
    candidates: np.ndarray  # site column indices
    cand_group: list[str | None]
    forced: np.ndarray  # positions in ``candidates``
    group_min: dict[str, int]
    group_max: dict[str, int]
    settings: PlacementSettings
    site_group: dict[str, str | None] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return self.settings.k

    @property
    def threshold(self) -> float:
        return self.settings.threshold_min

    @property
    def penalty_min(self) -> float:
        finite = self.times[np.isfinite(self.times)]
        return 2.0 * float(finite.max()) + 1.0 if finite.size else 1.0

    def capacity_per_advisor(self) -> float:
        if self.settings.capacity_per_advisor is not None:
            return float(self.settings.capacity_per_advisor)
        advisors = self.existing_advisors.sum() + self.k * self.settings.advisors_per_site
        return float(self.weight.sum()) / max(float(advisors), 1.0)


def _aligned(series: pd.Series, index: pd.Index, name: str) -> np.ndarray:
    missing = index.difference(series.index)
    if len(missing):
        raise ValueError(f"{name} : valeur absente pour {len(missing)} point(s) de demande.")
    values = pd.to_numeric(series.reindex(index), errors="coerce").to_numpy(float)
    if np.isnan(values).any() or (values < 0).any():
        raise ValueError(f"{name} : valeurs manquantes ou négatives.")
    return values


def _group_limits(limit: int | dict[str, int] | None, groups: Iterable[str]) -> dict[str, int]:
    if limit is None:
        return {}
    if isinstance(limit, dict):
        return {str(g): int(v) for g, v in limit.items()}
    return {g: int(limit) for g in groups}


def _prepare(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings,
) -> _Instance:
    """Validate the inputs and run the cheap feasibility pre-checks (French messages)."""
    if settings.objective not in OBJECTIVES:
        raise ValueError(
            f"Objectif inconnu « {settings.objective} » (attendu : {', '.join(OBJECTIVES)})."
        )
    if settings.k < 0 or settings.advisors_per_site < 1:
        raise ValueError("k doit être ≥ 0 et advisors_per_site ≥ 1.")
    site_ids = [str(c) for c in times.columns]
    if len(set(site_ids)) != len(site_ids):
        raise ValueError("Les identifiants de sites (colonnes de la matrice) sont en double.")
    position = {s: j for j, s in enumerate(site_ids)}
    matrix = times.to_numpy(dtype=float, copy=True)
    matrix[np.isnan(matrix)] = np.inf
    if (matrix < 0).any():
        raise ValueError("La matrice des temps de trajet contient des valeurs négatives.")
    w = _aligned(weight, times.index, "Poids (besoin)")
    pop = _aligned(population, times.index, "Population")

    existing = existing.copy()
    existing.index = existing.index.map(str)
    unknown = [s for s in existing.index if s not in position]
    if unknown:
        raise ValueError(f"Sites existants absents de la matrice : {', '.join(unknown[:5])}.")
    adv = pd.to_numeric(existing, errors="coerce").to_numpy(float)
    if np.isnan(adv).any() or (adv <= 0).any():
        raise ValueError("Le nombre de conseillers des sites existants doit être > 0.")
    existing_idx = np.array([position[s] for s in existing.index], dtype=int)

    groups_map = {str(k): (None if pd.isna(v) else str(v)) for k, v in candidate_group.items()}
    is_existing = set(existing.index)
    potential = [s for s in site_ids if s not in is_existing]
    forced = [str(s) for s in settings.forced]
    excluded = {str(s) for s in settings.excluded}
    k = settings.k
    problems: list[str] = []

    both = sorted(set(forced) & excluded)
    if both:
        problems.append(f"site(s) à la fois imposé(s) et exclu(s) : {', '.join(both)}")
    bad_forced = [s for s in forced if s not in potential]
    if bad_forced:
        problems.append(
            "site(s) imposé(s) inconnu(s) ou déjà existant(s) : " + ", ".join(bad_forced)
        )
    if len(set(forced)) > k:
        problems.append(f"{len(set(forced))} sites imposés pour {k} nouveaux sites demandés")
    candidates = [s for s in potential if s not in excluded]
    if k > len(candidates):
        problems.append(
            f"{k} nouveaux sites demandés pour {len(candidates)} sites candidats disponibles"
        )

    all_groups = sorted({g for s in potential if (g := groups_map.get(s)) is not None})
    group_min = {g: v for g, v in _group_limits(settings.min_per_group, all_groups).items() if v}
    group_max = _group_limits(settings.max_per_group, all_groups)
    cand_group = [groups_map.get(s) for s in candidates]
    available = pd.Series(cand_group, dtype=object).value_counts().to_dict()
    if group_min:
        total_min = sum(group_min.values())
        if total_min > k:
            if isinstance(settings.min_per_group, int):
                problems.append(
                    f"au moins {settings.min_per_group} nouveau(x) site(s) par EPCI × "
                    f"{len(group_min)} EPCI = {total_min} sites, plus que les {k} nouveaux "
                    "sites demandés"
                )
            else:
                problems.append(
                    f"la somme des minimums par EPCI ({total_min}) dépasse les {k} nouveaux "
                    "sites demandés"
                )
        for g, v in group_min.items():
            if available.get(g, 0) < v:
                problems.append(
                    f"minimum de {v} site(s) dans l'EPCI « {g} » mais seulement "
                    f"{available.get(g, 0)} candidat(s) disponible(s)"
                )
    forced_per_group = pd.Series([groups_map.get(s) for s in forced], dtype=object)
    for g, v in group_max.items():
        if v < group_min.get(g, 0):
            problems.append(f"EPCI « {g} » : minimum {group_min[g]} > maximum {v}")
        n_forced = int((forced_per_group == g).sum())
        if n_forced > v:
            problems.append(f"EPCI « {g} » : {n_forced} sites imposés > maximum {v}")
    if group_max:
        reachable = sum(
            min(n, group_max.get(g, n)) if g is not None else n for g, n in available.items()
        ) + sum(1 for g in cand_group if g is None)
        if reachable < k:
            problems.append(
                f"les maximums par EPCI ne permettent que {reachable} sites sur les {k} demandés"
            )
    if settings.max_net_budget_eur is not None:
        net_per_site = settings.advisors_per_site * (
            settings.cost_per_advisor_eur - settings.cofunding_per_advisor_eur
        )
        if k * net_per_site > settings.max_net_budget_eur + 1e-9:
            allowed = int(settings.max_net_budget_eur // net_per_site) if net_per_site > 0 else k
            problems.append(
                f"le budget net annuel maximal de {_eur(settings.max_net_budget_eur)} permet au "
                f"plus {allowed} nouveau(x) site(s) ({_eur(net_per_site)} nets par site), "
                f"moins que les {k} demandés"
            )
    if problems:
        raise PlacementInfeasible("Placement impossible : " + " ; ".join(problems) + ".")

    cand_pos = {s: i for i, s in enumerate(candidates)}
    return _Instance(
        demand_ids=times.index,
        site_ids=site_ids,
        times=matrix,
        weight=w,
        population=pop,
        existing=existing_idx,
        existing_advisors=adv,
        candidates=np.array([position[s] for s in candidates], dtype=int),
        cand_group=cand_group,
        forced=np.array(sorted(cand_pos[s] for s in set(forced)), dtype=int),
        group_min=group_min,
        group_max=group_max,
        settings=settings,
        site_group={s: groups_map.get(s) for s in site_ids},
    )


# --------------------------------------------------------------------------- MILP plumbing


def _site_rows(inst: _Instance, n_vars: int) -> list[Rows]:
    """Rows on the candidate binaries: exactly ``k`` sites and the group limits."""
    groups = np.array(inst.cand_group, dtype=object)
    return selection_rows(
        len(inst.candidates), n_vars, inst.k, inst.k, groups, inst.group_min, inst.group_max
    )


def _base_model(
    inst: _Instance, n_extra: int, c_extra: np.ndarray, ub_extra: np.ndarray
) -> MilpModel:
    n_c = len(inst.candidates)
    return selection_model(inst.forced, c_extra, ub_extra, _site_rows(inst, n_c + n_extra), n_c)


# --------------------------------------------------------------------------- models


def _coverage_model(inst: _Instance) -> MilpModel:
    t_ex = inst.times[:, inst.existing]
    covered0 = (
        (t_ex <= inst.threshold).any(axis=1) if t_ex.size else np.zeros(len(inst.weight), bool)
    )
    # Demand already covered by an existing site is a constant, not a variable.
    open_rows = np.flatnonzero(~covered0)
    model = covering_model(
        inst.times[np.ix_(open_rows, inst.candidates)] <= inst.threshold,
        inst.weight[open_rows],
        inst.k,
        inst.k,
        inst.forced,
        np.array(inst.cand_group, dtype=object),
        inst.group_min,
        inst.group_max,
    )
    model.constant = float(inst.weight[covered0].sum())
    return model


def _nearest_existing(inst: _Instance) -> np.ndarray:
    """Time to the nearest existing site, capped at the penalty time."""
    if len(inst.existing) == 0:
        return np.full(len(inst.weight), inst.penalty_min)
    return np.minimum(inst.times[:, inst.existing].min(axis=1), inst.penalty_min)


def _median_model(inst: _Instance) -> MilpModel:
    base = _nearest_existing(inst)
    t_c = inst.times[:, inst.candidates]
    # Only candidates strictly closer than the nearest existing site can take demand.
    ii, ss = np.nonzero((t_c < base[:, None]) & (inst.weight[:, None] > 0))
    n_c, n_x = len(inst.candidates), len(ii)
    saving = (t_c[ii, ss] - base[ii]) * inst.weight[ii]
    model = _base_model(inst, n_x, saving, np.ones(n_x))
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


def _cover_rows(inst: _Instance, limit_min: float, n_vars: int) -> tuple | None:
    """Set-covering rows: every demand beyond ``limit_min`` of existing sites gets a site."""
    base = _nearest_existing(inst)
    within = inst.times[:, inst.candidates] <= limit_min
    need = np.flatnonzero((base > limit_min) & within.any(axis=1))
    if len(need) == 0:
        return None
    ii, ss = np.nonzero(within[need])
    a = sparse.coo_array((np.ones(len(ii)), (ii, ss)), shape=(len(need), n_vars))
    return rows_block(a, np.ones(len(need)), np.full(len(need), np.inf))


def _capacity_model(inst: _Instance, cap: float) -> tuple[_Model, dict[str, np.ndarray]]:
    sites = np.concatenate([inst.existing, inst.candidates])
    n_e, n_c = len(inst.existing), len(inst.candidates)
    site_cap = cap * np.concatenate(
        [inst.existing_advisors, np.full(n_c, float(inst.settings.advisors_per_site))]
    )
    t = inst.times[:, sites]
    ii, kk = np.nonzero((t <= inst.threshold) & (inst.weight[:, None] > 0))
    n_f = len(ii)
    wf = inst.weight[ii]
    model = _base_model(inst, n_f, -wf, np.ones(n_f))
    f_col = n_c + np.arange(n_f)
    n_vars = n_c + n_f
    rows_i, inv_i = np.unique(ii, return_inverse=True)
    a1 = sparse.coo_array((np.ones(n_f), (inv_i, f_col)), shape=(len(rows_i), n_vars))
    model.rows.append(rows_block(a1, np.full(len(rows_i), -np.inf), np.ones(len(rows_i))))
    # Load of site s <= capacity (existing) or capacity * y_s (candidate).
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
    model.rows.append(rows_block(a2, np.full(len(rows_s), -np.inf), hi))
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


# --------------------------------------------------------------------------- evaluation


def _open_sites(inst: _Instance, chosen: np.ndarray) -> np.ndarray:
    return np.concatenate([inst.existing, inst.candidates[chosen]]).astype(int)


def _coverage_stats(inst: _Instance, open_cols: np.ndarray) -> dict[str, float]:
    if len(open_cols):
        best = inst.times[:, open_cols].min(axis=1)
    else:
        best = np.full(len(inst.weight), np.inf)
    covered = best <= inst.threshold
    pop_total, need_total = inst.population.sum(), inst.weight.sum()
    reach = np.isfinite(best)
    pop_reach = inst.population[reach].sum()
    return {
        "population": float(inst.population[covered].sum()),
        "need": float(inst.weight[covered].sum()),
        "population_share": float(inst.population[covered].sum() / pop_total) if pop_total else 1.0,
        "need_share": float(inst.weight[covered].sum() / need_total) if need_total else 1.0,
        "mean_travel_time_min": float((inst.population[reach] * best[reach]).sum() / pop_reach)
        if pop_reach
        else float("nan"),
    }


def _median_value(inst: _Instance, open_cols: np.ndarray) -> float:
    best = _nearest_existing(inst)
    extra = np.setdiff1d(open_cols, inst.existing)
    if len(extra):
        best = np.minimum(best, inst.times[:, extra].min(axis=1))
    return float((inst.weight * best).sum())


def _served_split(
    inst: _Instance, info: dict[str, np.ndarray], f: np.ndarray
) -> tuple[np.ndarray, dict[int, float]]:
    """Served share per demand and served need per site column from assignment ``f``."""
    share = np.bincount(info["ii"], weights=f, minlength=len(inst.weight))
    per_site = np.bincount(info["kk"], weights=info["wf"] * f, minlength=len(info["sites"]))
    return share, {int(c): float(v) for c, v in zip(info["sites"], per_site, strict=True)}


def _capacity_served(
    inst: _Instance, chosen: np.ndarray, cap: float
) -> tuple[float, np.ndarray, dict[int, float]]:
    """Served need, served share per demand and per site for a fixed placement (an LP)."""
    model, info = _capacity_model(inst, cap)
    model.lb[: model.n_y] = 0.0
    model.lb[chosen] = 1.0
    model.ub[: model.n_y] = 0.0
    model.ub[chosen] = 1.0
    # The fixed bounds replace the cardinality and group rows (a partial greedy set
    # would violate them).
    n_site_rows = 1 + len(set(inst.group_min) | set(inst.group_max))
    model.rows = [r for r in model.rows[n_site_rows:] if r[0].shape[0]]
    res, _ = model.solve(time.perf_counter() + 60.0)
    share, per_site = _served_split(inst, info, res.x[model.n_y :])
    return float(inst.weight @ share), share, per_site


# --------------------------------------------------------------------------- solvers


def _solve_coverage(inst: _Instance, deadline: float) -> tuple[np.ndarray | None, float, dict]:
    t0 = time.perf_counter()
    model = _coverage_model(inst)
    build = time.perf_counter() - t0
    res, solve_s = model.solve(deadline)
    info = {**solve_status(res), "build_s": build, "solve_s": solve_s}
    if res.x is None:
        return None, float("nan"), info
    return chosen_from(res, model.n_y), model.constant - float(res.fun), info


def residual_need(inst: _Instance, cap: float) -> np.ndarray:
    """Need left once existing advisors absorb what they can (floating catchments).

    Site ``s`` offers ``cap × advisors_s`` and serves the need within the threshold in
    proportion; a demand point's absorbed share is the sum over its sites, capped at 1.
    """
    t = inst.times[:, inst.existing]
    reach = t <= inst.threshold
    demand = inst.weight @ reach
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand > 0, cap * inst.existing_advisors / demand, 0.0)
    absorbed = np.minimum(reach @ ratio, 1.0)
    return inst.weight * (1.0 - absorbed)


def _residual_instance(inst: _Instance) -> tuple[_Instance, np.ndarray]:
    """The instance whose p-median is the residual objective, and the residual need.

    Existing sites are full: the residual need travels to the *new* sites. Each demand
    point may use its :data:`RESIDUAL_NEAREST` nearest candidates; if none of them opens
    it is charged the time of the farthest of them (a lower bound of its true time). A
    virtual always-open site at that time replaces the existing sites, so the exact
    reduced p-median model of :func:`_median_model` (and the greedy) apply unchanged.
    """
    residual = residual_need(inst, inst.capacity_per_advisor())
    t_c = inst.times[:, inst.candidates]
    nearest = min(RESIDUAL_NEAREST, t_c.shape[1])
    fallback = np.sort(t_c, axis=1)[:, nearest - 1]
    virtual = inst.times.shape[1]
    transformed = replace(
        inst,
        times=np.column_stack([inst.times, fallback]),
        weight=residual + RESIDUAL_FLOOR * inst.weight,
        existing=np.array([virtual]),
        existing_advisors=np.zeros(1),
        site_ids=[*inst.site_ids, "__residual_fallback__"],
    )
    return transformed, residual


def _solve_residual(inst: _Instance, deadline: float) -> tuple[np.ndarray | None, float, dict]:
    transformed, residual = _residual_instance(inst)
    chosen, value, info = _solve_median(transformed, deadline)
    info.update(
        capacity_per_advisor=inst.capacity_per_advisor(),
        residual_need=float(residual.sum()),
        residual_share=float(residual.sum() / inst.weight.sum()) if inst.weight.sum() else 0.0,
    )
    return chosen, value, info


def _solve_median(
    inst: _Instance, deadline: float, cover_limit_min: float | None = None
) -> tuple[np.ndarray | None, float, dict]:
    t0 = time.perf_counter()
    model = _median_model(inst)
    if cover_limit_min is not None:
        rows = _cover_rows(inst, cover_limit_min, len(model.c))
        if rows is not None:
            model.rows.append(rows)
    build = time.perf_counter() - t0
    res, solve_s = model.solve(deadline)
    info = {**solve_status(res), "build_s": build, "solve_s": solve_s}
    if res.x is None:
        return None, float("nan"), info
    return chosen_from(res, model.n_y), model.constant + float(res.fun), info


def _cover_feasible(inst: _Instance, limit_min: float, deadline: float) -> bool | None:
    n_c = len(inst.candidates)
    rows = _site_rows(inst, n_c)
    cover = _cover_rows(inst, limit_min, n_c)
    if cover is not None:
        rows.append(cover)
    lb = np.zeros(n_c)
    lb[inst.forced] = 1.0
    model = MilpModel(np.zeros(n_c), np.ones(n_c), lb, np.ones(n_c), rows, n_c)
    res, _ = model.solve(deadline)
    if res.status == 2:
        return False
    return True if res.x is not None else None


def _solve_balanced(inst: _Instance, deadline: float) -> tuple[np.ndarray | None, float, dict]:
    limit = inst.settings.max_time_min
    limit = inst.threshold if limit is None else float(limit)
    t0 = time.perf_counter()
    reach = np.isfinite(inst.times).any(axis=1)
    lower = float(inst.times[reach].min(axis=1).max()) if reach.any() else limit
    worst = max(limit, lower)
    note = "respected"
    if worst > limit or not _cover_feasible(inst, worst, deadline):
        values = np.unique(inst.times[np.isfinite(inst.times)])
        values = values[values >= worst]
        lo, hi = 0, len(values) - 1
        if len(values) == 0 or not _cover_feasible(inst, values[hi], deadline):
            note = "unreachable"
            worst = None
        else:
            while lo < hi:
                mid = (lo + hi) // 2
                if _cover_feasible(inst, values[mid], deadline):
                    hi = mid
                else:
                    lo = mid + 1
            worst = float(values[lo])
            note = "relaxed"
    search_s = time.perf_counter() - t0
    chosen, value, info = _solve_median(inst, deadline, worst)
    info.update({"max_time_min": limit, "worst_time_min": worst, "max_time": note})
    info["build_s"] += search_s
    return chosen, value, info


def _solve_capacity(
    inst: _Instance, deadline: float
) -> tuple[np.ndarray | None, float, dict, tuple | None]:
    cap = inst.capacity_per_advisor()
    t0 = time.perf_counter()
    model, pinfo = _capacity_model(inst, cap)
    build = time.perf_counter() - t0
    wf, tf = pinfo["wf"], pinfo["time"]
    n_y = model.n_y
    stages: list[dict[str, Any]] = []

    # Stage 1 gets 40 % of the remaining time and stage 2 half of what is left, so that
    # stage 3 and the uniqueness checks still have time.
    res1, s1 = model.solve(deadline_share(deadline, 0.4), gap=CAPACITY_REL_GAP)
    stages.append({"stage": "besoin servi", **solve_status(res1), "solve_s": s1})
    if res1.x is None:
        return None, float("nan"), {**stages[0], "build_s": build, "solve_s": s1}, None
    served = -float(res1.fun)
    best_chosen, best_f = chosen_from(res1, n_y), res1.x[n_y:]
    if res1.status != 0:
        # Not proven optimal: the greedy placement may serve more; keep the better one.
        order = np.array(_greedy_order(inst, cap), dtype=int)
        greedy_served, _, _ = _capacity_served(inst, order, cap)
        stages[0]["greedy_served"] = greedy_served
        if greedy_served > served:
            served, best_chosen, best_f = greedy_served, order, None
            stages[0]["incumbent"] = "greedy"
    time_c = np.concatenate([np.zeros(n_y), wf * tf])
    wf_full = np.concatenate([np.zeros(n_y), wf])
    model.add_row(wf_full, served - LEXICO_REL_TOL * max(1.0, served), np.inf)
    res2, s2 = model.solve(deadline_share(deadline, 0.5), c=time_c, gap=CAPACITY_REL_GAP)
    stages.append({"stage": "temps pondéré", **solve_status(res2), "solve_s": s2})
    if res2.x is not None:
        best_chosen, best_f = chosen_from(res2, n_y), res2.x[n_y:]
    if res2.x is not None and res2.status == 0:
        res3, s3 = _balance_stage(model, pinfo, time_c, float(res2.fun), deadline)
        stages.append({"stage": "équilibre de charge", **solve_status(res3), "solve_s": s3})
        if res3.x is not None:
            best_chosen, best_f = chosen_from(res3, n_y), res3.x[n_y : n_y + len(wf)]
    if best_f is None:
        _, share, per_site = _capacity_served(inst, best_chosen, cap)
        served_split = (share, per_site)
    else:
        served_split = _served_split(inst, pinfo, best_f[: len(wf)])
    info = {
        "status": stages[-1]["status"],
        "message": stages[-1]["message"],
        "objective": served,
        # The gap that matters is the served need's; later stages' bounds are near 0.
        "mip_gap": stages[0]["mip_gap"],
        "build_s": build,
        "solve_s": sum(s["solve_s"] for s in stages),
        "stages": stages,
        "capacity_per_advisor": cap,
        "served_need": served,
        "proven_optimal": all(s["status"] == 0 for s in stages),
    }
    info["decisive_stage"] = (
        _decisive_stage(inst, model, best_chosen, served, time_c, float(res2.fun), deadline)
        if info["proven_optimal"] and deadline - time.perf_counter() > 0.5
        else "unknown"
    )
    return best_chosen, served, info, served_split


def _balance_stage(
    model: MilpModel,
    pinfo: dict[str, np.ndarray],
    time_c: np.ndarray,
    minutes: float,
    deadline: float,
) -> tuple[Any, float]:
    """Stage 3: minimise the maximum load ratio L, served need and minutes kept."""
    n_y, wf = model.n_y, pinfo["wf"]
    n_f = len(wf)
    m3 = MilpModel(
        np.concatenate([np.zeros(len(model.c)), [1.0]]),
        np.concatenate([model.integrality, [0]]),
        np.concatenate([model.lb, [0.0]]),
        np.concatenate([model.ub, [np.inf]]),
        [
            (sparse.hstack([r[0], sparse.csr_array((r[0].shape[0], 1))]).tocsr(), r[1], r[2])
            for r in model.rows
        ],
        n_y,
    )
    m3.add_row(
        np.concatenate([time_c, [0.0]]), -np.inf, minutes + LEXICO_REL_TOL * max(1.0, minutes)
    )
    rows_s, inv_s = np.unique(pinfo["kk"], return_inverse=True)
    a = sparse.coo_array(
        (
            np.concatenate([wf, -pinfo["site_cap"][rows_s]]),
            (
                np.concatenate([inv_s, np.arange(len(rows_s))]),
                np.concatenate([n_y + np.arange(n_f), np.full(len(rows_s), n_y + n_f)]),
            ),
        ),
        shape=(len(rows_s), n_y + n_f + 1),
    )
    m3.rows.append(rows_block(a, np.full(len(rows_s), -np.inf), np.zeros(len(rows_s))))
    return m3.solve(deadline, gap=CAPACITY_REL_GAP)


def _decisive_stage(
    inst: _Instance,
    model: MilpModel,
    chosen: np.ndarray,
    served: float,
    time_c: np.ndarray,
    minutes: float,
    deadline: float,
) -> str:
    """Which lexicographic stage singled out ``chosen`` (re-solve with it forbidden).

    ``model`` holds the stage-1 rows plus the row fixing the served need.
    """
    if len(np.setdiff1d(chosen, inst.forced)) == 0:
        return "constraints"
    stage1 = MilpModel(model.c, model.integrality, model.lb, model.ub, model.rows[:-1], model.n_y)
    forbid_selection(stage1, chosen, inst.forced)
    res, _ = stage1.solve(deadline, gap=CAPACITY_REL_GAP)
    if res.status == 2 or (
        res.x is not None
        and res.status == 0
        and -float(res.fun) < served - LEXICO_REL_TOL * max(1.0, served)
    ):
        return "served"
    if res.x is None or res.status != 0:
        return "unknown"
    stage2 = MilpModel(model.c, model.integrality, model.lb, model.ub, list(model.rows), model.n_y)
    forbid_selection(stage2, chosen, inst.forced)
    res2, _ = stage2.solve(deadline, c=time_c, gap=CAPACITY_REL_GAP)
    if res2.status == 2 or (
        res2.status == 0 and float(res2.fun) > minutes + LEXICO_REL_TOL * max(1.0, minutes)
    ):
        return "time"
    if res2.x is None or res2.status != 0:
        return "unknown"
    return "time_or_balance"


# --------------------------------------------------------------------------- greedy


def _greedy_order(inst: _Instance, cap: float | None = None) -> list[int]:
    """Greedy candidate positions in pick order (forced first, group limits respected)."""
    n_c = len(inst.candidates)
    t_c = inst.times[:, inst.candidates]
    pen = inst.penalty_min
    t_cap = np.minimum(t_c, pen)
    within = t_c <= inst.threshold
    objective = inst.settings.objective
    limit = inst.settings.max_time_min
    limit = inst.threshold if limit is None else float(limit)
    within_limit = t_c <= limit
    groups = np.array(inst.cand_group, dtype=object)
    count = dict.fromkeys(set(inst.group_min) | set(inst.group_max), 0)
    picked: list[int] = [int(j) for j in inst.forced]
    for j in picked:
        if groups[j] in count:
            count[groups[j]] += 1
    available = np.ones(n_c, bool)
    available[picked] = False
    while len(picked) < inst.k:
        open_cols = _open_sites(inst, np.array(picked, dtype=int))
        best = (
            np.minimum(inst.times[:, open_cols].min(axis=1), pen)
            if len(open_cols)
            else np.full(len(inst.weight), pen)
        )
        allowed = available.copy()
        for g, v in inst.group_max.items():
            if count.get(g, 0) >= v:
                allowed &= groups != g
        deficit = {g: v - count.get(g, 0) for g, v in inst.group_min.items() if v > count.get(g, 0)}
        if inst.k - len(picked) <= sum(deficit.values()):
            allowed &= np.isin(groups, list(deficit))
        time_gain = inst.weight @ np.maximum(best[:, None] - t_cap, 0.0)
        if objective == "coverage":
            primary = inst.weight @ (within & (best > inst.threshold)[:, None])
        elif objective == "balanced":
            primary = inst.weight @ (within_limit & (best > limit)[:, None])
        elif objective == "capacity":
            _, share, _ = _capacity_served(inst, np.array(picked, dtype=int), cap)
            unserved = inst.weight * (1.0 - share)
            primary = np.minimum(unserved @ within, cap * inst.settings.advisors_per_site)
        else:
            primary = np.zeros(n_c)
        order = np.lexsort((-time_gain, -primary))
        j = int(next(o for o in order if allowed[o]))
        picked.append(j)
        available[j] = False
        if groups[j] in count:
            count[groups[j]] += 1
    return picked


def _greedy(inst: _Instance) -> tuple[np.ndarray, float, dict, tuple | None]:
    if inst.settings.objective == "residual":
        inst, _ = _residual_instance(inst)
    t0 = time.perf_counter()
    cap = inst.capacity_per_advisor() if inst.settings.objective == "capacity" else None
    order = np.array(_greedy_order(inst, cap), dtype=int)
    split = None
    open_cols = _open_sites(inst, order)
    if inst.settings.objective == "coverage":
        value = _coverage_stats(inst, open_cols)["need"]
    elif inst.settings.objective == "capacity":
        value, share, per_site = _capacity_served(inst, order, cap)
        split = (share, per_site)
    else:
        value = _median_value(inst, open_cols)
    info = {
        "status": 0,
        "message": "heuristique gloutonne",
        "objective": value,
        "mip_gap": None,
        "build_s": 0.0,
        "solve_s": time.perf_counter() - t0,
    }
    return order, value, info, split


# --------------------------------------------------------------------------- results


def _explain(
    inst: _Instance, chosen: np.ndarray, served_by_col: dict[int, float] | None
) -> pd.DataFrame:
    """Order the chosen sites by marginal gain and explain each one."""
    pen = inst.penalty_min
    best = _nearest_existing(inst)
    covered = best <= inst.threshold
    remaining = list(chosen)
    rows = []
    open_cols = _open_sites(inst, chosen)
    nearest = open_cols[np.argmin(inst.times[:, open_cols], axis=1)] if len(open_cols) else None
    reach = np.isfinite(inst.times[:, open_cols]).any(axis=1) if len(open_cols) else None
    while remaining:
        cols = inst.candidates[remaining]
        t = inst.times[:, cols]
        new = (t <= inst.threshold) & ~covered[:, None]
        gain_need = inst.weight @ new
        gain_time = inst.weight @ np.maximum(best[:, None] - np.minimum(t, pen), 0.0)
        pick = int(np.lexsort((-gain_time, -gain_need))[0])
        j = remaining.pop(pick)
        col = inst.candidates[j]
        newly = new[:, pick]
        advisors = inst.settings.advisors_per_site
        catchment = (nearest == col) & reach
        served = float("nan") if served_by_col is None else served_by_col.get(int(col), 0.0)
        rows.append(
            {
                "site_id": inst.site_ids[col],
                "group": inst.cand_group[j],
                "gain_need": float(gain_need[pick]),
                "gain_population": float(inst.population @ newly),
                "newly_covered_count": int(newly.sum()),
                "newly_covered": [str(d) for d in inst.demand_ids[newly]],
                "gain_need_time_min": float(gain_time[pick]),
                "advisors": advisors,
                "load_need_per_advisor": float(inst.weight[catchment].sum() / advisors),
                "served_need": served,
            }
        )
        covered |= newly
        best = np.minimum(best, np.minimum(inst.times[:, col], pen))
    columns = [
        "site_id",
        "group",
        "gain_need",
        "gain_population",
        "newly_covered_count",
        "newly_covered",
        "gain_need_time_min",
        "advisors",
        "load_need_per_advisor",
        "served_need",
    ]
    return pd.DataFrame(rows, columns=columns)


def _decided_by(
    inst: _Instance,
    before: dict[str, float],
    after: dict[str, float],
    info: dict[str, Any],
    method: str,
) -> str:
    thr = f"{inst.threshold:g}"
    objective = inst.settings.objective
    complete_before = before["population_share"] >= 1.0 - 1e-12
    complete_after = after["population_share"] >= 1.0 - 1e-12
    if complete_before:
        head = f"La couverture à {thr} min est déjà complète ({_pct(1.0)}) avant placement"
    elif complete_after:
        head = (
            f"La couverture à {thr} min est déjà complète ({_pct(1.0)}) avec les nouveaux "
            f"sites (elle était de {_pct(before['population_share'])})"
        )
    else:
        head = (
            f"La couverture à {thr} min passe de {_pct(before['population_share'])} à "
            f"{_pct(after['population_share'])} de la population"
        )
    saturated = complete_before or complete_after
    if objective == "capacity":
        cap = f"{info.get('capacity_per_advisor', float('nan')):,.0f}".replace(",", "\u202f")
        stage = info.get("decisive_stage", "unknown")
        reason = {
            "served": f"le besoin servi compte tenu de la capacité des conseillers ({cap} de "
            "besoin par conseiller) a décidé du placement",
            "time": "à besoin servi égal (capacité des conseillers), le temps de trajet "
            "pondéré par le besoin a départagé les placements",
            "time_or_balance": "plusieurs placements sont équivalents sur le besoin servi et "
            "le temps de trajet pondéré par le besoin ; l'équilibre de la charge par "
            "conseiller puis l'ordre du solveur ont départagé",
            "constraints": "les sites imposés déterminent entièrement le placement",
            "unknown": "le choix maximise le besoin servi (capacité des conseillers), puis "
            "minimise le temps de trajet pondéré par le besoin et la charge maximale par "
            "conseiller ; l'unicité n'a pas été vérifiée",
        }[stage]
        if saturated and stage in ("served", "time", "time_or_balance"):
            reason = "le choix est départagé ainsi : " + reason
    elif objective == "coverage":
        if saturated:
            reason = (
                "de nombreux placements sont équivalents pour la couverture maximale et le "
                "choix du solveur entre eux est arbitraire (préférer l'objectif « residual »)"
            )
        else:
            reason = "le placement maximise le besoin couvert (couverture maximale)"
    elif objective == "median":
        reason = "le placement minimise le temps de trajet pondéré par le besoin (p-médian)"
    elif objective == "residual":
        cap = f"{info.get('capacity_per_advisor', float('nan')):,.0f}".replace(",", "\u202f")
        share = _pct(info.get("residual_share", float("nan")))
        reason = (
            f"{share} du besoin n'est pas absorbé par les conseillers existants (capacité "
            f"de {cap} personnes en besoin par conseiller) ; le placement minimise le temps "
            "de trajet de ce besoin restant jusqu'au nouveau lieu le plus proche"
        )
        if saturated:
            reason = "le choix est départagé par la capacité et le besoin : " + reason
    else:
        worst = info.get("worst_time_min")
        status = info.get("max_time")
        if status == "respected":
            reason = (
                f"tous les points de demande sont à moins de {info['max_time_min']:g} min ; "
                "le placement minimise ensuite le temps de trajet pondéré par le besoin"
            )
        elif status == "relaxed":
            reason = (
                f"le temps maximal de {info['max_time_min']:g} min est inatteignable : le "
                f"placement garantit le plus petit temps maximal possible ({worst:g} min) "
                "puis minimise le temps de trajet pondéré par le besoin"
            )
        else:
            reason = (
                "aucun temps maximal n'est garantissable (points injoignables) : le "
                "placement minimise le temps de trajet pondéré par le besoin"
            )
    text = f"{head} : {reason}."
    if objective == "capacity" and not info.get("proven_optimal", True) and method == "milp":
        text += (
            " Optimum non prouvé dans le temps imparti (écart relatif sur le besoin servi au plus "
            f"{100 * (info.get('mip_gap') or 0.0):.2f} %)".replace(".", ",")
            + " : meilleure solution trouvée."
        )
    if method == "greedy":
        text += " Solution heuristique gloutonne (pas d'optimum garanti)."
    return text


def _build_result(
    inst: _Instance,
    chosen: np.ndarray,
    value: float,
    info: dict[str, Any],
    method: str,
    served_split: tuple[np.ndarray, dict[int, float]] | None,
) -> PlacementResult:
    open_cols = _open_sites(inst, chosen)
    before = _coverage_stats(inst, inst.existing)
    after = _coverage_stats(inst, open_cols)
    times = inst.times[:, open_cols] if len(open_cols) else np.full((len(inst.weight), 1), np.inf)
    best = times.min(axis=1)
    nearest = [
        inst.site_ids[open_cols[j]] if np.isfinite(t) else None
        for j, t in zip(times.argmin(axis=1), best, strict=True)
    ]
    assignment = pd.DataFrame(
        {"site_id": nearest, "travel_time_min": best, "covered": best <= inst.threshold},
        index=inst.demand_ids,
    )
    if served_split is not None:
        assignment["served_share"] = served_split[0]
    explanation = _explain(inst, chosen, None if served_split is None else served_split[1])
    if inst.settings.objective == "residual" and len(chosen):
        # The need each new site takes: residual need for which it is the nearest new site.
        residual = residual_need(inst, inst.capacity_per_advisor())
        nearest_new = inst.times[:, inst.candidates[chosen]].argmin(axis=1)
        taken = np.bincount(nearest_new, weights=residual, minlength=len(chosen))
        ids = [inst.site_ids[c] for c in inst.candidates[chosen]]
        explanation["residual_need"] = explanation["site_id"].map(
            dict(zip(ids, taken, strict=True))
        )
    s = inst.settings
    new_advisors = inst.k * s.advisors_per_site
    cost = {
        "new_advisors": new_advisors,
        "total_advisors": float(inst.existing_advisors.sum()) + new_advisors,
        "gross_eur": new_advisors * s.cost_per_advisor_eur,
        "cofunding_eur": new_advisors * s.cofunding_per_advisor_eur,
        "net_eur": new_advisors * (s.cost_per_advisor_eur - s.cofunding_per_advisor_eur),
    }
    solver = {"method": method, **info}
    return PlacementResult(
        chosen=explanation["site_id"].tolist(),
        explanation=explanation,
        coverage_before=before,
        coverage_after=after,
        assignment=assignment,
        objective=s.objective,
        objective_value=float(value),
        solver=solver,
        cost=cost,
        decided_by=_decided_by(inst, before, after, info, method),
        threshold_min=inst.threshold,
    )


# --------------------------------------------------------------------------- public API


def solve_placement(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
) -> PlacementResult:
    """Choose ``settings.k`` new sites exactly (sparse MILP, HiGHS).

    Parameters
    ----------
    times : pandas.DataFrame
        Travel times in minutes, rows = demand points, columns = site ids (existing and
        candidate sites); ``inf`` or NaN = unreachable.
    weight : pandas.Series
        Need per demand point (e.g. population × need index), indexed like ``times``.
    population : pandas.Series
        Inhabitants per demand point, indexed like ``times``.
    existing : pandas.Series
        Advisors per existing site, indexed by site id (columns of ``times``). These
        sites stay open; every other column not in ``settings.excluded`` is a candidate.
    candidate_group : pandas.Series
        Group (EPCI) per site id; sites missing from it have no group.
    settings : PlacementSettings, optional

    Returns
    -------
    PlacementResult

    Raises
    ------
    PlacementInfeasible
        When the constraints conflict; the French message names them.

    Notes
    -----
    When the solver returns no solution within ``settings.time_limit_s`` the greedy
    heuristic is used and ``result.solver["method"]`` is ``"greedy"``.
    """
    settings = settings or PlacementSettings()
    inst = _prepare(times, weight, population, existing, candidate_group, settings)
    deadline = time.perf_counter() + settings.time_limit_s
    split = None
    if settings.objective == "coverage":
        chosen, value, info = _solve_coverage(inst, deadline)
    elif settings.objective == "median":
        chosen, value, info = _solve_median(inst, deadline)
    elif settings.objective == "balanced":
        chosen, value, info = _solve_balanced(inst, deadline)
    elif settings.objective == "residual":
        chosen, value, info = _solve_residual(inst, deadline)
    else:
        chosen, value, info, split = _solve_capacity(inst, deadline)
    if info["status"] == 2:
        raise PlacementInfeasible(
            "Placement impossible d'après le solveur ; contraintes : " + _constraint_set(inst) + "."
        )
    if chosen is None:
        chosen, value, greedy_info, split = _greedy(inst)
        greedy_info["milp"] = info
        return _build_result(inst, chosen, value, greedy_info, "greedy", split)
    return _build_result(inst, chosen, value, info, "milp", split)


def _constraint_set(inst: _Instance) -> str:
    s = inst.settings
    parts = [f"k = {inst.k} nouveaux sites parmi {len(inst.candidates)} candidats"]
    if inst.group_min:
        parts.append(f"minimums par EPCI {inst.group_min}")
    if inst.group_max:
        parts.append(f"maximums par EPCI {inst.group_max}")
    if s.forced:
        parts.append(f"sites imposés {', '.join(s.forced)}")
    if s.excluded:
        parts.append(f"sites exclus {', '.join(s.excluded)}")
    return " ; ".join(parts)


def greedy_placement(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
) -> PlacementResult:
    """Greedy heuristic: add the site with the best marginal gain ``k`` times.

    Same parameters and result as :func:`solve_placement`. The marginal gain is the
    need newly within the threshold (``coverage``), within ``max_time_min``
    (``balanced``), the reduction of need-weighted travel minutes (``median``, and the
    tie-break of every objective), or for ``capacity`` the unserved need within the
    threshold capped at the site capacity (one LP per step gives the unserved need).
    Forced sites are taken first; group minimums and maximums are respected.
    """
    settings = settings or PlacementSettings()
    inst = _prepare(times, weight, population, existing, candidate_group, settings)
    chosen, value, info, split = _greedy(inst)
    return _build_result(inst, chosen, value, info, "greedy", split)


def trade_off_curve(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    method: Literal["greedy", "exact"] = "greedy",
) -> pd.DataFrame:
    """Coverage and mean travel time for 0..k new sites (diminishing returns).

    Parameters
    ----------
    times, weight, population, existing, candidate_group, settings
        As in :func:`solve_placement`.
    method : {"greedy", "exact"}
        ``"greedy"``: the nested greedy order (one run; coverage can only grow).
        ``"exact"``: one exact solve per number of sites (placements need not be
        nested); group minimums and forced sites that cannot hold for a small number of
        sites are dropped for that number.

    Returns
    -------
    pandas.DataFrame
        One row per number of new sites ``n_sites``: ``site_id`` added (greedy) or the
        chosen ids (exact), ``population``, ``need``, ``population_share``,
        ``need_share``, ``mean_travel_time_min``, ``method``.
    """
    settings = settings or PlacementSettings()
    inst = _prepare(times, weight, population, existing, candidate_group, settings)
    rows = []
    if method == "greedy":
        cap = inst.capacity_per_advisor() if settings.objective == "capacity" else None
        ranked = _residual_instance(inst)[0] if settings.objective == "residual" else inst
        order = _greedy_order(ranked, cap)
        for n in range(inst.k + 1):
            stats = _coverage_stats(inst, _open_sites(inst, np.array(order[:n], dtype=int)))
            added = inst.site_ids[inst.candidates[order[n - 1]]] if n else None
            rows.append({"n_sites": n, "site_id": added, **stats, "method": method})
    else:
        for n in range(inst.k + 1):
            sub = replace(settings, k=n, max_net_budget_eur=None)
            if sum(inst.group_min.values()) > n or len(settings.forced) > n:
                sub = replace(sub, min_per_group=0, forced=settings.forced[:n])
            res = solve_placement(times, weight, population, existing, candidate_group, sub)
            rows.append(
                {
                    "n_sites": n,
                    "site_id": ",".join(res.chosen),
                    **res.coverage_after,
                    "method": method,
                }
            )
    return pd.DataFrame(rows)


def threshold_sensitivity(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    thresholds: Sequence[float] = (15.0, 20.0, 30.0),
) -> pd.DataFrame:
    """Coverage before and after placement when the threshold changes.

    Each threshold gets its own exact placement (same objective and constraints).

    Returns
    -------
    pandas.DataFrame
        One row per ``threshold_min``: ``population_share_before``,
        ``population_share_after``, ``need_share_before``, ``need_share_after``,
        ``mean_travel_time_min_after``, ``chosen`` (comma-separated ids),
        ``decided_by``.
    """
    settings = settings or PlacementSettings()
    rows = []
    for thr in thresholds:
        res = solve_placement(
            times,
            weight,
            population,
            existing,
            candidate_group,
            replace(settings, threshold_min=float(thr)),
        )
        rows.append(
            {
                "threshold_min": float(thr),
                "population_share_before": res.coverage_before["population_share"],
                "population_share_after": res.coverage_after["population_share"],
                "need_share_before": res.coverage_before["need_share"],
                "need_share_after": res.coverage_after["need_share"],
                "mean_travel_time_min_after": res.coverage_after["mean_travel_time_min"],
                "chosen": ",".join(res.chosen),
                "decided_by": res.decided_by,
            }
        )
    return pd.DataFrame(rows)


def _lost_table(inst: _Instance, before_cols: np.ndarray, after_cols: np.ndarray) -> pd.DataFrame:
    t_before = (
        inst.times[:, before_cols].min(axis=1)
        if len(before_cols)
        else np.full(len(inst.weight), np.inf)
    )
    t_after = (
        inst.times[:, after_cols].min(axis=1)
        if len(after_cols)
        else np.full(len(inst.weight), np.inf)
    )
    lost = (t_before <= inst.threshold) & (t_after > inst.threshold)
    nearest = (
        np.array(inst.site_ids, dtype=object)[
            before_cols[inst.times[:, before_cols].argmin(axis=1)]
        ]
        if len(before_cols)
        else np.full(len(inst.weight), None)
    )
    return pd.DataFrame(
        {
            "population": inst.population[lost],
            "need": inst.weight[lost],
            "site_id": nearest[lost],
            "travel_time_before_min": t_before[lost],
            "travel_time_after_min": t_after[lost],
        },
        index=inst.demand_ids[lost],
    )


def robustness(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    n_lost: int | Sequence[str] = 1,
    placement: PlacementResult | None = None,
) -> RobustnessResult:
    """Coverage lost if existing sites close, and the placement that keeps the most.

    Parameters
    ----------
    times, weight, population, existing, candidate_group, settings
        As in :func:`solve_placement`.
    n_lost : int or sequence of str
        Either the number of existing sites to close (those whose catchment, the demand
        points for which they are the nearest existing site, holds the fewest
        inhabitants) or the list of their ids.
    placement : PlacementResult, optional
        The placement to stress; solved with ``settings`` when omitted.

    Returns
    -------
    RobustnessResult
    """
    settings = settings or PlacementSettings()
    inst = _prepare(times, weight, population, existing, candidate_group, settings)
    ex_ids = [inst.site_ids[c] for c in inst.existing]
    if isinstance(n_lost, int):
        if len(inst.existing) == 0:
            lost: list[str] = []
        else:
            t_ex = inst.times[:, inst.existing]
            reach = np.isfinite(t_ex).any(axis=1)
            served = np.bincount(
                t_ex[reach].argmin(axis=1),
                weights=inst.population[reach],
                minlength=len(inst.existing),
            )
            order = np.lexsort((np.arange(len(served)), served))[:n_lost]
            lost = [ex_ids[i] for i in order]
    else:
        lost = [str(s) for s in n_lost]
        unknown = sorted(set(lost) - set(ex_ids))
        if unknown:
            raise ValueError(
                f"Sites perdus inconnus parmi les sites existants : {', '.join(unknown)}."
            )
    if placement is None:
        placement = solve_placement(times, weight, population, existing, candidate_group, settings)
    position = {s: j for j, s in enumerate(inst.site_ids)}
    remaining = np.array([c for c in inst.existing if inst.site_ids[c] not in lost], dtype=int)
    placed = np.array([position[s] for s in placement.chosen], dtype=int)
    all_before = np.concatenate([inst.existing, placed])
    all_after = np.concatenate([remaining, placed])
    kept_existing = existing[[str(s) not in lost for s in existing.index]]
    # Closed sites are no candidates: re-opening them would dodge the scenario.
    resolved_settings = replace(settings, excluded=(*settings.excluded, *lost))
    resolved = solve_placement(
        times, weight, population, kept_existing, candidate_group, resolved_settings
    )
    return RobustnessResult(
        lost_sites=lost,
        lost_coverage=_lost_table(inst, inst.existing, remaining),
        lost_with_placement=_lost_table(inst, all_before, all_after),
        coverage_with_placement=_coverage_stats(inst, all_after),
        resolved=resolved,
    )
