"""Why these sites: the marginal gain of every chosen site and the French verdict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from equity.placement.evaluation import nearest_existing, open_sites
from equity.placement.problem import Instance
from geo.formatting import plural_fr

__all__ = [
    "DECISION_KINDS_FR",
    "EXPLANATION_COLUMNS",
    "OBJECTIVE_LABELS_FR",
    "decided_by",
    "explain_sites",
    "solver_summary_fr",
]

OBJECTIVE_LABELS_FR: dict[str, str] = {
    "capacity": "personnes accompagnées compte tenu de la capacité de chaque conseiller",
    "coverage": "couverture maximale (besoin à moins du seuil)",
    "median": "temps de trajet moyen minimal (p-médian)",
    "balanced": "temps de trajet minimal sous temps maximal garanti",
}

#: What a decision is, in French.
DECISION_KINDS_FR: dict[str, str] = {
    "new_site": "nouveau lieu",
    "reinforce": "renfort d'une permanence",
}

#: Columns of :func:`explain_sites` (the result adds the decision columns).
EXPLANATION_COLUMNS: tuple[str, ...] = (
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
)

# Shares this close to 1 count as a complete coverage.
_COMPLETE_TOL = 1e-12


def _pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f} %".replace(".", ",")


def _thousands(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def explain_sites(
    inst: Instance, chosen: np.ndarray, served_by_col: dict[int, float] | None
) -> pd.DataFrame:
    """Order the chosen sites by marginal gain and explain each one.

    Parameters
    ----------
    inst : Instance
    chosen : numpy.ndarray of int
        Chosen candidate positions.
    served_by_col : dict, optional
        Served need per site column (capacity objective).

    Returns
    -------
    pandas.DataFrame
        One row per chosen site with :data:`EXPLANATION_COLUMNS`.
    """
    pen = inst.penalty_min
    best = nearest_existing(inst)
    covered = best <= inst.threshold
    remaining = list(chosen)
    rows = []
    open_cols = open_sites(inst, chosen)
    nearest = open_cols[np.argmin(inst.times[:, open_cols], axis=1)] if len(open_cols) else None
    reach = np.isfinite(inst.times[:, open_cols]).any(axis=1) if len(open_cols) else None
    advisors = inst.settings.advisors_per_site
    while remaining:
        t = inst.times[:, inst.candidates[remaining]]
        new = (t <= inst.threshold) & ~covered[:, None]
        gain_need = inst.weight @ new
        gain_time = inst.weight @ np.maximum(best[:, None] - np.minimum(t, pen), 0.0)
        pick = int(np.lexsort((-gain_time, -gain_need))[0])
        j = remaining.pop(pick)
        col = inst.candidates[j]
        newly = new[:, pick]
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
    return pd.DataFrame(rows, columns=list(EXPLANATION_COLUMNS))


def _head(thr: str, before: dict[str, float], after: dict[str, float]) -> tuple[str, bool]:
    """The coverage sentence, and whether coverage is complete before or after."""
    complete_before = before["population_share"] >= 1.0 - _COMPLETE_TOL
    complete_after = after["population_share"] >= 1.0 - _COMPLETE_TOL
    if complete_before:
        head = f"La couverture à {thr} min est déjà complète ({_pct(1.0)}) avant placement"
    elif complete_after:
        head = (
            f"La couverture à {thr} min est déjà complète ({_pct(1.0)}) avec les nouveaux "
            f"sites (elle était de {_pct(before['population_share'])})"
        )
    else:
        # One decimal when whole percents would read « de 99 % à 99 % » for a real gain.
        shares = (before["population_share"], after["population_share"])
        digits = 0 if round(100 * shares[0]) != round(100 * shares[1]) else 1
        head = (
            f"La couverture à {thr} min passe de {_pct(shares[0], digits)} à "
            f"{_pct(shares[1], digits)} de la population"
        )
    return head, complete_before or complete_after


def _capacity_reason(info: dict[str, Any]) -> str:
    stage = info.get("decisive_stage", "unknown")
    return {
        "served": "le besoin servi (personnes accompagnées dans la limite de la capacité de "
        "chaque conseiller) a décidé du placement",
        "time": "à besoin servi égal, le temps de trajet des personnes accompagnées a "
        "départagé les placements",
        "balance": "à besoin servi et temps de trajet égaux, l'équilibre entre EPCI (part "
        "des personnes en besoin accompagnées dans l'EPCI le moins bien doté) a départagé",
        "tie": "plusieurs placements sont équivalents sur le besoin servi, le temps de trajet "
        "et l'équilibre entre EPCI ; l'ordre du solveur a départagé",
        "constraints": "les contraintes imposées déterminent entièrement le placement",
        "unknown": "le placement maximise le besoin servi (capacité de chaque conseiller), "
        "puis minimise le temps de trajet des personnes accompagnées, puis équilibre les "
        "EPCI ; il n'a pas été vérifié qu'aucun autre placement n'est aussi bon",
    }[stage]


def _unproven_sentence(info: dict[str, Any]) -> str:
    """What the capacity model proved when a stage stopped at its time limit."""
    if info.get("proven_stages", 0) >= 2:
        return (
            "Besoin servi et temps de trajet : optimum prouvé ; équilibre entre EPCI "
            "(départage entre placements équivalents) : meilleure répartition trouvée dans "
            "le temps imparti, sans garantie qu'il n'y en a pas de meilleure."
        )
    if info.get("proven_stages", 0) == 1 and len(info.get("stages", ())) > 1:
        gap = _gap_fr(info["stages"][1].get("mip_gap"))
        return (
            "Besoin servi : optimum prouvé ; temps de trajet : meilleure solution trouvée "
            f"dans le temps imparti (écart relatif au plus {gap} %)."
        )
    return (
        "Optimum non prouvé dans le temps imparti (écart relatif sur le besoin servi au "
        f"plus {_gap_fr(info.get('mip_gap'))} %) : meilleure solution trouvée."
    )


def _gap_fr(gap: float | None) -> str:
    if gap is None:
        return "inconnu"
    return f"{100 * gap:.2f}".replace(".", ",")


def _persons_sentence(persons: dict[str, float], threshold: float, kinds: dict[str, int]) -> str:
    """The persons served before and after, in French (a finding, not a parameter)."""
    need = persons["persons_in_need_estimated"]
    unserved = persons["unserved_persons_before"]
    new = persons["advisors_after"] - persons["advisors_before"]
    text = (
        f"Avec {_thousands(persons['capacity_per_advisor'])} personnes accompagnées par "
        # Counted advisors: a border permanence's shared part included, hence « équivalent ».
        f"conseiller et par an, les conseillers existants "
        f"({_thousands(persons['advisors_before'])} en équivalent temps plein au service "
        f"du territoire) accompagnent {_thousands(persons['served_persons_before'])} des "
        f"{_thousands(need)} personnes en besoin estimées : {_thousands(unserved)} "
        f"({_pct(unserved / need if need else 0.0)}) restent sans accompagnement, dont "
        f"{_thousands(persons['beyond_threshold_persons_before'])} à plus de {threshold:g} "
        "min de tout lieu"
    )
    if new:
        gained = persons["served_persons_after"] - persons["served_persons_before"]
        n_new, n_reinforce = kinds.get("new_site", 0), kinds.get("reinforce", 0)
        text += (
            f". Les {_thousands(new)} nouveaux conseillers ({n_new} "
            f"{plural_fr(n_new, 'nouveau lieu', 'nouveaux lieux')}, {n_reinforce} "
            f"{plural_fr(n_reinforce, 'renfort')} de permanence) en "
            f"accompagnent {_thousands(gained)} de plus ; "
            f"{_thousands(persons['unserved_persons_after'])} restent sans accompagnement"
        )
    return text


def _coverage_reason(saturated: bool) -> str:
    if saturated:
        return (
            "de nombreux placements sont équivalents pour la couverture maximale et le "
            "choix du solveur entre eux est arbitraire (préférer l'objectif « capacity »)"
        )
    return "le placement maximise le besoin couvert (couverture maximale)"


def _balanced_reason(info: dict[str, Any]) -> str:
    status = info.get("max_time")
    if status == "respected":
        return (
            f"tous les points de demande sont à moins de {info['max_time_min']:g} min ; "
            "le placement minimise ensuite le temps de trajet pondéré par le besoin"
        )
    if status == "relaxed":
        return (
            f"le temps maximal de {info['max_time_min']:g} min est inatteignable : le "
            f"placement garantit le plus petit temps maximal possible "
            f"({info.get('worst_time_min'):g} min) "
            "puis minimise le temps de trajet pondéré par le besoin"
        )
    return (
        "aucun temps maximal n'est garantissable (points injoignables) : le "
        "placement minimise le temps de trajet pondéré par le besoin"
    )


def _reason(objective: str, info: dict[str, Any], saturated: bool) -> str:
    if objective == "capacity":
        return _capacity_reason(info)
    if objective == "coverage":
        return _coverage_reason(saturated)
    if objective == "median":
        return "le placement minimise le temps de trajet pondéré par le besoin (p-médian)"
    return _balanced_reason(info)


def decided_by(
    inst: Instance,
    before: dict[str, float],
    after: dict[str, float],
    info: dict[str, Any],
    method: str,
    persons: dict[str, float],
    kinds: dict[str, int],
) -> str:
    """French sentences saying what the placement brings and which criterion decided.

    Parameters
    ----------
    inst : Instance
    before, after : dict
        Coverage figures before and after placement.
    info : dict
        Solver details of the run.
    method : {"milp", "greedy"}
    persons : dict
        :func:`equity.placement.evaluation.persons_summary` of the run.
    kinds : dict
        Number of decisions of each kind (``new_site``, ``reinforce``).
    """
    objective = inst.settings.objective
    head, saturated = _head(f"{inst.threshold:g}", before, after)
    text = f"{head} : {_reason(objective, info, saturated)}."
    text += " " + _persons_sentence(persons, inst.threshold, kinds) + "."
    if inst.requested_objective != objective:
        text += (
            f" L'objectif « {inst.requested_objective} » est remplacé par « {objective} » "
            f"({OBJECTIVE_LABELS_FR[objective]})."
        )
    if objective == "capacity" and not info.get("proven_optimal", True) and method == "milp":
        text += " " + _unproven_sentence(info)
    if method == "greedy":
        text += " Solution heuristique gloutonne (pas d'optimum garanti)."
    return text


_METHODS_FR = {
    "milp": "optimisation exacte (la meilleure combinaison de lieux, prouvée par le calcul)",
    "greedy": "méthode gloutonne (ajout du meilleur site, un par un)",
}
_STATUS_FR = {
    0: "solution optimale",
    1: "limite de temps atteinte : meilleure solution trouvée, pas forcément optimale",
}


def solver_summary_fr(solver: dict[str, Any]) -> str:
    """How the placement was computed and what is proven, in one French sentence.

    Parameters
    ----------
    solver : dict
        ``PlacementResult.solver``.
    """
    method = _METHODS_FR.get(solver.get("method"), "méthode de calcul non précisée")
    status = _STATUS_FR.get(solver.get("status"), "résultat à vérifier")
    if solver.get("status") == 1 and solver.get("proven_stages", 0) >= 2:
        status = (
            "solution optimale pour le besoin servi et le temps de trajet ; équilibre entre "
            "EPCI : meilleure répartition trouvée dans le temps imparti"
        )
    return f"Calcul : {method} ; {status}."
