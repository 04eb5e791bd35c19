"""Why these sites: the marginal gain of every chosen site and the French verdict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from equity.placement.evaluation import nearest_existing, open_sites
from equity.placement.problem import Instance

__all__ = ["EXPLANATION_COLUMNS", "OBJECTIVE_LABELS_FR", "decided_by", "explain_sites"]

OBJECTIVE_LABELS_FR: dict[str, str] = {
    "residual": "besoin non absorbé par les conseillers existants (capacité et besoin)",
    "capacity": "besoin servi compte tenu de la capacité des conseillers",
    "coverage": "couverture maximale (besoin à moins du seuil)",
    "median": "temps de trajet moyen minimal (p-médian)",
    "balanced": "temps de trajet minimal sous temps maximal garanti",
}

#: Columns of :attr:`equity.placement.PlacementResult.explanation` (before
#: ``residual_need``, added for the residual objective).
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


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


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
        head = (
            f"La couverture à {thr} min passe de {_pct(before['population_share'])} à "
            f"{_pct(after['population_share'])} de la population"
        )
    return head, complete_before or complete_after


def _capacity_reason(info: dict[str, Any], saturated: bool) -> str:
    cap = _thousands(info.get("capacity_per_advisor", float("nan")))
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
    return reason


def _coverage_reason(saturated: bool) -> str:
    if saturated:
        return (
            "de nombreux placements sont équivalents pour la couverture maximale et le "
            "choix du solveur entre eux est arbitraire (préférer l'objectif « residual »)"
        )
    return "le placement maximise le besoin couvert (couverture maximale)"


def _residual_reason(info: dict[str, Any], saturated: bool) -> str:
    cap = _thousands(info.get("capacity_per_advisor", float("nan")))
    share = _pct(info.get("residual_share", float("nan")))
    reason = (
        f"{share} du besoin n'est pas absorbé par les conseillers existants (capacité "
        f"de {cap} personnes en besoin par conseiller) ; le placement minimise le temps "
        "de trajet de ce besoin restant jusqu'au nouveau lieu le plus proche"
    )
    if saturated:
        reason = "le choix est départagé par la capacité et le besoin : " + reason
    return reason


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
        return _capacity_reason(info, saturated)
    if objective == "coverage":
        return _coverage_reason(saturated)
    if objective == "median":
        return "le placement minimise le temps de trajet pondéré par le besoin (p-médian)"
    if objective == "residual":
        return _residual_reason(info, saturated)
    return _balanced_reason(info)


def decided_by(
    inst: Instance,
    before: dict[str, float],
    after: dict[str, float],
    info: dict[str, Any],
    method: str,
) -> str:
    """French sentence saying which criterion decided the placement.

    Parameters
    ----------
    inst : Instance
    before, after : dict
        Coverage figures before and after placement.
    info : dict
        Solver details of the run.
    method : {"milp", "greedy"}
    """
    objective = inst.settings.objective
    head, saturated = _head(f"{inst.threshold:g}", before, after)
    text = f"{head} : {_reason(objective, info, saturated)}."
    if objective == "capacity" and not info.get("proven_optimal", True) and method == "milp":
        text += (
            " Optimum non prouvé dans le temps imparti (écart relatif sur le besoin servi au plus "
            f"{100 * (info.get('mip_gap') or 0.0):.2f} %)".replace(".", ",")
            + " : meilleure solution trouvée."
        )
    if method == "greedy":
        text += " Solution heuristique gloutonne (pas d'optimum garanti)."
    return text
