"""The EPCI guarantee: which EPCI cannot get its share of capacity, and why (French).

Every EPCI must get at least ``min_epci_share`` of the département's capacity per
person in need (see :func:`equity.placement.capacity.required_by_group`). As that ratio
is the same for every EPCI, the guarantee holds exactly when the smallest share of
persons in need accompanied in an EPCI, maximised over the placements, reaches
``min_epci_share × ratio``. When it does not, the EPCI left at that best smallest share
are named, with the reason: too few of their persons in need within the threshold of
any possible place, or too few new advisors.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from equity.placement.capacity import capacity_model, required_by_group
from equity.placement.milp import deadline_share
from equity.placement.problem import Instance

__all__ = ["guarantee_reach_problems", "guarantee_shortfall"]

# Shares within this of the best smallest share count as "at the bound".
_AT_BOUND = 1e-6


def _thousands(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def _codes(inst: Instance) -> tuple[np.ndarray, list[str]]:
    names = sorted({g for g in inst.demand_group if g is not None})
    index = {g: i + 1 for i, g in enumerate(names)}
    return np.array([index.get(g, 0) for g in inst.demand_group], dtype=int), names


def _reachable(inst: Instance, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Persons in need of every EPCI within the threshold of an existing or possible place."""
    sites = np.concatenate([inst.existing, inst.candidates]).astype(int)
    near = (inst.times[:, sites] <= inst.threshold).any(axis=1) if len(sites) else False
    weights = np.where(near, inst.weight, 0.0)
    return np.bincount(codes, weights=weights, minlength=n_groups + 1)[1:]


def _header(inst: Instance, target: float) -> str:
    share = f"{inst.settings.min_epci_share:g}".replace(".", ",")
    return (
        f"Garantie d'équité impossible : chaque EPCI devrait recevoir au moins {share} × la "
        "capacité par personne en besoin du département, soit "
        f"{_pct(target)} de ses personnes en besoin accompagnées"
    )


def guarantee_reach_problems(inst: Instance) -> list[str]:
    """EPCI whose persons in need within reach are fewer than the guarantee asks.

    No placement can help them: the threshold, not the number of advisors, is the
    limit. Empty when the guarantee is off or every EPCI can reach it.
    """
    if inst.settings.min_epci_share <= 0 or inst.demand_group is None:
        return []
    codes, names = _codes(inst)
    required = required_by_group(inst, names, codes)
    need = np.bincount(codes, weights=inst.weight, minlength=len(names) + 1)[1:]
    reachable = _reachable(inst, codes, len(names))
    return [
        f"EPCI « {g} » : il faudrait accompagner {_thousands(required[i])} de ses "
        f"{_thousands(need[i])} personnes en besoin, mais seules {_thousands(reachable[i])} "
        f"sont à moins de {inst.threshold:g} min d'un lieu existant ou possible"
        for i, g in enumerate(names)
        if reachable[i] < required[i] * (1 - _AT_BOUND)
    ]


def guarantee_shortfall(inst: Instance, deadline: float) -> str:
    """French explanation of an infeasible EPCI guarantee (the solver said so).

    Solves the placement that maximises the smallest share of persons in need
    accompanied in an EPCI, without the guarantee, and names the EPCI at that bound.
    """
    codes, names = _codes(inst)
    need = np.bincount(codes, weights=inst.weight, minlength=len(names) + 1)[1:]
    required = required_by_group(inst, names, codes)
    target = float(required.sum() / need.sum()) if need.sum() else 0.0
    relaxed = replace(inst, settings=replace(inst.settings, min_epci_share=0.0))
    cm = capacity_model(relaxed)
    c = np.zeros(len(cm.milp.c))
    c[cm.balance_col] = -1.0
    res, _ = cm.milp.solve(deadline_share(deadline, 1.0), c=c)
    reach = guarantee_reach_problems(inst)
    if res.x is None:
        detail = " ; ".join(reach) or "le solveur n'a pas trouvé de placement dans le temps imparti"
        return _header(inst, target) + " : " + detail + "."
    best = -float(res.fun)
    share, _ = cm.split(res.x)
    served = np.bincount(codes, weights=inst.weight * share, minlength=len(names) + 1)[1:]
    reachable = _reachable(inst, codes, len(names))
    parts = []
    for i, g in enumerate(names):
        if need[i] <= 0 or served[i] / need[i] > best + _AT_BOUND:
            continue
        why = (
            f"seules {_thousands(reachable[i])} de ses {_thousands(need[i])} personnes en "
            f"besoin sont à moins de {inst.threshold:g} min d'un lieu existant ou possible"
            if reachable[i] < required[i] * (1 - _AT_BOUND)
            else f"les {inst.new_advisors} nouveaux conseillers ne suffisent pas à y porter la "
            f"capacité à moins de {inst.threshold:g} min sans en priver un autre EPCI"
        )
        parts.append(f"EPCI « {g} » : {_pct(served[i] / need[i])} ({why})")
    return _header(inst, target) + " ; au mieux, " + " ; ".join(parts) + "."
