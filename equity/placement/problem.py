"""A placement problem: its settings, its validated instance and the French checks.

:func:`prepare_instance` turns the user's tables into the arrays every model works on.
Bad data (unknown objective, duplicated ids, negative times, missing weights…) raise
one :class:`ValueError` listing every problem; constraints that cannot all hold (too
many forced sites, group minimums above ``k``, budget…) raise one
:class:`PlacementInfeasible` listing every conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from geo import defaults

__all__ = [
    "LEGACY_OBJECTIVES",
    "OBJECTIVES",
    "Instance",
    "Objective",
    "PlacementInfeasible",
    "PlacementSettings",
    "constraint_set",
    "prepare_instance",
]

Objective = Literal["capacity", "coverage", "median", "balanced"]
OBJECTIVES: tuple[str, ...] = ("capacity", "coverage", "median", "balanced")
#: Objectives of earlier versions, still accepted, and the objective that replaces them.
LEGACY_OBJECTIVES: dict[str, str] = {"residual": "capacity"}


class PlacementInfeasible(ValueError):
    """The placement constraints cannot all be met; the French message names them."""


@dataclass(frozen=True)
class PlacementSettings:
    """Parameters of a placement run.

    Attributes
    ----------
    k : int
        Number of new sites to open (``"capacity"``: of blocks of ``advisors_per_site``
        new advisors, placed at new sites or at existing permanences).
    threshold_min : float
        Coverage threshold in minutes (a demand point is covered when an open site is
        at most this far).
    objective : {"capacity", "coverage", "median", "balanced"}
        Model to solve, see :mod:`equity.placement`; ``"residual"`` (earlier default)
        is read as ``"capacity"``.
    capacity_per_advisor : float or None
        Persons in need one advisor accompanies per year, the same for every advisor,
        existing or new; ``None`` reads
        :data:`geo.defaults.CAPACITY_PERSONS_PER_ADVISOR`.
    advisors_per_site : int
        Advisors staffed at each new site (``"capacity"``: the size of one block).
    allow_reinforce : bool
        ``"capacity"``: new advisors may also join existing permanences.
    max_advisors_per_site : int
        ``"capacity"``: most new advisors one site (new or reinforced) receives.
    min_epci_share : float
        ``"capacity"``: every EPCI of the demand gets at least this share of the
        département's capacity per person in need (0 = no guarantee).
    min_per_group, max_per_group : int or dict
        Minimum / maximum number of new sites (``"capacity"``: of blocks of new
        advisors) per group (EPCI). An int applies to every group of the candidate
        sites; a dict only to the groups it names.
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

    k: int = defaults.NEW_ADVISORS
    threshold_min: float = defaults.THRESHOLD_MIN
    objective: str = "capacity"
    capacity_per_advisor: float | None = defaults.CAPACITY_PERSONS_PER_ADVISOR
    advisors_per_site: int = 1
    allow_reinforce: bool = True
    max_advisors_per_site: int = defaults.MAX_NEW_ADVISORS_PER_SITE
    min_epci_share: float = defaults.MIN_EPCI_SHARE
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
class Instance:
    """Validated arrays of one run (indices into ``site_ids`` unless noted).

    Attributes
    ----------
    demand_ids : pandas.Index
        Demand point ids (rows of ``times``).
    site_ids : list of str
        Site ids (columns of ``times``).
    times : numpy.ndarray
        Minutes, demand × sites, ``inf`` = unreachable.
    weight, population : numpy.ndarray
        Need and inhabitants per demand point.
    existing : numpy.ndarray of int
        Columns of the existing sites (always open).
    existing_advisors : numpy.ndarray
        Advisors per existing site.
    candidates : numpy.ndarray of int
        Columns of the candidate sites.
    cand_group : list
        Group (EPCI) of every candidate, ``None`` for none.
    forced : numpy.ndarray of int
        Positions in ``candidates`` of the forced sites.
    group_min, group_max : dict
        Per-group limits on the new sites.
    settings : PlacementSettings
        The run's settings, a legacy objective replaced by its successor.
    site_group : dict
        Group of every site id.
    demand_group : numpy.ndarray of object or None
        Group (EPCI) of every demand point, ``None`` when not given.
    near_existing : dict
        Host places left out as new sites because they lie next to an existing
        permanence: place id -> permanence id.
    requested_objective : str
        The objective as asked (differs from ``settings.objective`` for a legacy one).
    """

    demand_ids: pd.Index
    site_ids: list[str]
    times: np.ndarray
    weight: np.ndarray
    population: np.ndarray
    existing: np.ndarray
    existing_advisors: np.ndarray
    candidates: np.ndarray
    cand_group: list[str | None]
    forced: np.ndarray
    group_min: dict[str, int]
    group_max: dict[str, int]
    settings: PlacementSettings
    site_group: dict[str, str | None] = field(default_factory=dict)
    demand_group: np.ndarray | None = None
    near_existing: dict[str, str] = field(default_factory=dict)
    requested_objective: str = ""

    @property
    def k(self) -> int:
        """Number of new sites."""
        return self.settings.k

    @property
    def threshold(self) -> float:
        """Coverage threshold in minutes."""
        return self.settings.threshold_min

    @property
    def penalty_min(self) -> float:
        """Time charged to unreachable demand: twice the largest finite time, plus 1."""
        finite = self.times[np.isfinite(self.times)]
        return 2.0 * float(finite.max()) + 1.0 if finite.size else 1.0

    def capacity_per_advisor(self) -> float:
        """Persons in need one advisor accompanies per year (a fixed number)."""
        cap = self.settings.capacity_per_advisor
        return float(defaults.CAPACITY_PERSONS_PER_ADVISOR if cap is None else cap)

    @property
    def new_advisors(self) -> int:
        """Number of new advisors of the run."""
        return self.k * self.settings.advisors_per_site


def _eur(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f") + " €"


# --------------------------------------------------------------------------- data checks


def _aligned(series: pd.Series, index: pd.Index, name: str, problems: list[str]) -> np.ndarray:
    missing = index.difference(series.index)
    if len(missing):
        problems.append(f"{name} : valeur absente pour {len(missing)} point(s) de demande.")
        return np.zeros(len(index))
    values = pd.to_numeric(series.reindex(index), errors="coerce").to_numpy(float)
    if np.isnan(values).any() or (values < 0).any():
        problems.append(f"{name} : valeurs manquantes ou négatives.")
    return values


def _settings_problems(settings: PlacementSettings) -> list[str]:
    problems = []
    known = (*OBJECTIVES, *LEGACY_OBJECTIVES)
    if settings.objective not in known:
        problems.append(
            f"Objectif inconnu « {settings.objective} » (attendu : {', '.join(OBJECTIVES)})."
        )
    if settings.k < 0 or settings.advisors_per_site < 1:
        problems.append("k doit être ≥ 0 et advisors_per_site ≥ 1.")
    cap = settings.capacity_per_advisor
    if cap is not None and not (np.isfinite(cap) and cap > 0):
        problems.append("La capacité par conseiller doit être un nombre de personnes > 0.")
    if settings.max_advisors_per_site < 1:
        problems.append("Le nombre maximal de conseillers par lieu doit être ≥ 1.")
    if not 0.0 <= settings.min_epci_share <= 1.0:
        problems.append("La part minimale par EPCI doit être comprise entre 0 et 1.")
    return problems


def _demand_groups(
    demand_group: pd.Series | None, index: pd.Index, needed: bool, problems: list[str]
) -> np.ndarray | None:
    if demand_group is None:
        if needed:
            problems.append("La garantie par EPCI demande l'EPCI de chaque point de demande.")
        return None
    groups = demand_group.reindex(index)
    if needed and groups.isna().any():
        problems.append(f"EPCI absent pour {int(groups.isna().sum())} point(s) de demande.")
    return np.array([None if pd.isna(g) else str(g) for g in groups], dtype=object)


def _near_existing(
    near_existing: pd.Series | None, site_ids: list[str], existing: set[str], problems: list[str]
) -> dict[str, str]:
    if near_existing is None:
        return {}
    pairs = {str(k): str(v) for k, v in near_existing.dropna().items()}
    unknown = sorted(set(pairs.values()) - existing) + sorted(set(pairs) - set(site_ids))
    if unknown:
        problems.append(
            "Lieux proches d'une permanence : identifiants inconnus " + ", ".join(unknown[:5]) + "."
        )
    return {k: v for k, v in pairs.items() if k not in existing}


def _matrix(times: pd.DataFrame, problems: list[str]) -> tuple[list[str], np.ndarray]:
    site_ids = [str(c) for c in times.columns]
    if len(set(site_ids)) != len(site_ids):
        problems.append("Les identifiants de sites (colonnes de la matrice) sont en double.")
    matrix = times.to_numpy(dtype=float, copy=True)
    matrix[np.isnan(matrix)] = np.inf
    if (matrix < 0).any():
        problems.append("La matrice des temps de trajet contient des valeurs négatives.")
    return site_ids, matrix


def _existing_sites(
    existing: pd.Series, position: dict[str, int], problems: list[str]
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    existing = existing.copy()
    existing.index = existing.index.map(str)
    unknown = [s for s in existing.index if s not in position]
    if unknown:
        problems.append(f"Sites existants absents de la matrice : {', '.join(unknown[:5])}.")
    adv = pd.to_numeric(existing, errors="coerce").to_numpy(float)
    if np.isnan(adv).any() or (adv <= 0).any():
        problems.append("Le nombre de conseillers des sites existants doit être > 0.")
    existing_idx = np.array([position.get(s, -1) for s in existing.index], dtype=int)
    return existing, existing_idx, adv


# --------------------------------------------------------------------------- feasibility


def _group_limits(limit: int | dict[str, int] | None, groups: Iterable[str]) -> dict[str, int]:
    if limit is None:
        return {}
    if isinstance(limit, dict):
        return {str(g): int(v) for g, v in limit.items()}
    return {g: int(limit) for g in groups}


def _site_problems(
    settings: PlacementSettings,
    potential: list[str],
    candidates: list[str],
    forced: list[str],
    n_existing: int,
) -> list[str]:
    """Forced and excluded sites against ``k`` and the candidates."""
    k = settings.k
    problems = []
    both = sorted(set(forced) & {str(s) for s in settings.excluded})
    if both:
        problems.append(f"site(s) à la fois imposé(s) et exclu(s) : {', '.join(both)}")
    bad_forced = [s for s in forced if s not in potential]
    if bad_forced:
        problems.append(
            "site(s) imposé(s) inconnu(s) ou déjà existant(s) : " + ", ".join(bad_forced)
        )
    if len(set(forced)) > k:
        problems.append(f"{len(set(forced))} sites imposés pour {k} nouveaux sites demandés")
    if settings.objective == "capacity":
        per_site = max(settings.max_advisors_per_site // settings.advisors_per_site, 1)
        places = len(candidates) + (n_existing if settings.allow_reinforce else 0)
        if k > places * per_site:
            problems.append(
                f"{k * settings.advisors_per_site} nouveaux conseillers demandés pour "
                f"{places} lieux possibles d'au plus {per_site * settings.advisors_per_site} "
                "nouveaux conseillers chacun"
            )
    elif k > len(candidates):
        problems.append(
            f"{k} nouveaux sites demandés pour {len(candidates)} sites candidats disponibles"
        )
    return problems


def _slot_groups(
    settings: PlacementSettings, cand_group: list[str | None], existing_group: list[str | None]
) -> list[str | None]:
    """Group of every unit a group limit counts: a candidate site, or for ``"capacity"``
    each block of new advisors a candidate or (reinforcement) a permanence can take."""
    if settings.objective != "capacity":
        return cand_group
    per_site = max(settings.max_advisors_per_site // settings.advisors_per_site, 1)
    places = cand_group + (existing_group if settings.allow_reinforce else [])
    return places * per_site


def _group_min_problems(
    settings: PlacementSettings, group_min: dict[str, int], available: dict
) -> list[str]:
    k = settings.k
    problems = []
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
    return problems


def _group_max_problems(
    k: int,
    group_min: dict[str, int],
    group_max: dict[str, int],
    forced_groups: pd.Series,
    cand_group: list[str | None],
) -> list[str]:
    problems = []
    for g, v in group_max.items():
        if v < group_min.get(g, 0):
            problems.append(f"EPCI « {g} » : minimum {group_min[g]} > maximum {v}")
        n_forced = int((forced_groups == g).sum())
        if n_forced > v:
            problems.append(f"EPCI « {g} » : {n_forced} sites imposés > maximum {v}")
    if group_max:
        available = pd.Series(cand_group, dtype=object).value_counts().to_dict()
        reachable = sum(
            min(n, group_max.get(g, n)) if g is not None else n for g, n in available.items()
        ) + sum(1 for g in cand_group if g is None)
        if reachable < k:
            problems.append(
                f"les maximums par EPCI ne permettent que {reachable} sites sur les {k} demandés"
            )
    return problems


def _budget_problems(settings: PlacementSettings) -> list[str]:
    if settings.max_net_budget_eur is None:
        return []
    k = settings.k
    net_per_site = settings.advisors_per_site * (
        settings.cost_per_advisor_eur - settings.cofunding_per_advisor_eur
    )
    if k * net_per_site <= settings.max_net_budget_eur + 1e-9:
        return []
    allowed = int(settings.max_net_budget_eur // net_per_site) if net_per_site > 0 else k
    return [
        f"le budget net annuel maximal de {_eur(settings.max_net_budget_eur)} permet au "
        f"plus {allowed} nouveau(x) site(s) ({_eur(net_per_site)} nets par site), "
        f"moins que les {k} demandés"
    ]


# --------------------------------------------------------------------------- instance


def prepare_instance(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings,
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
) -> Instance:
    """Validate the inputs and run the cheap feasibility pre-checks (French messages).

    Parameters
    ----------
    times, weight, population, existing, candidate_group, settings, demand_group, near_existing
        As in :func:`equity.placement.solve_placement`.

    Returns
    -------
    Instance

    Raises
    ------
    ValueError
        Bad data; the message lists every problem found.
    PlacementInfeasible
        Constraints that cannot all hold; the message lists every conflict.
    """
    requested = settings.objective
    if requested in LEGACY_OBJECTIVES:
        settings = replace(settings, objective=LEGACY_OBJECTIVES[requested])
    problems = _settings_problems(settings)
    site_ids, matrix = _matrix(times, problems)
    w = _aligned(weight, times.index, "Poids (besoin)", problems)
    pop = _aligned(population, times.index, "Population", problems)
    position = {s: j for j, s in enumerate(site_ids)}
    existing, existing_idx, adv = _existing_sites(existing, position, problems)
    groups_d = _demand_groups(demand_group, times.index, settings.min_epci_share > 0, problems)
    near = _near_existing(near_existing, site_ids, set(existing.index), problems)
    if problems:
        raise ValueError(" ".join(problems))

    groups_map = {str(k): (None if pd.isna(v) else str(v)) for k, v in candidate_group.items()}
    is_existing = set(existing.index)
    potential = [s for s in site_ids if s not in is_existing]
    forced = [str(s) for s in settings.forced]
    # A place next to a permanence would reinforce it, not open a new site (unless forced).
    left_out = {str(s) for s in settings.excluded} | (set(near) - set(forced))
    candidates = [s for s in potential if s not in left_out]
    infeasible = _site_problems(settings, potential, candidates, forced, len(existing_idx))

    all_groups = sorted({g for s in potential if (g := groups_map.get(s)) is not None})
    group_min = {g: v for g, v in _group_limits(settings.min_per_group, all_groups).items() if v}
    group_max = _group_limits(settings.max_per_group, all_groups)
    cand_group = [groups_map.get(s) for s in candidates]
    slots = _slot_groups(settings, cand_group, [groups_map.get(s) for s in existing.index])
    if group_min:
        available = pd.Series(slots, dtype=object).value_counts().to_dict()
        infeasible += _group_min_problems(settings, group_min, available)
    forced_groups = pd.Series([groups_map.get(s) for s in forced], dtype=object)
    infeasible += _group_max_problems(settings.k, group_min, group_max, forced_groups, slots)
    infeasible += _budget_problems(settings)
    if infeasible:
        raise PlacementInfeasible("Placement impossible : " + " ; ".join(infeasible) + ".")

    cand_pos = {s: i for i, s in enumerate(candidates)}
    return Instance(
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
        demand_group=groups_d,
        near_existing=near,
        requested_objective=requested,
    )


def constraint_set(inst: Instance) -> str:
    """The run's constraints in French, for the solver's infeasibility message."""
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
