"""Outcomes of a placement run and of a robustness check, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from equity.placement.evaluation import by_epci_table, coverage_stats, persons_summary
from equity.placement.explain import (
    DECISION_KINDS_FR,
    EXPLANATION_COLUMNS,
    decided_by,
    explain_sites,
)
from equity.placement.lexicographic import evaluate_allocation
from equity.placement.problem import Instance
from geo.jsonio import to_jsonable

__all__ = ["DECISION_COLUMNS", "PlacementResult", "RobustnessResult", "build_result"]

#: Columns of :attr:`PlacementResult.decisions`.
DECISION_COLUMNS: tuple[str, ...] = (
    "site_id",
    "kind",
    "kind_fr",
    "group",
    "advisors",
    "advisors_after",
    "load_persons",
    "load_persons_new",
    "capacity_persons",
    "near_permanence",
)


@dataclass
class PlacementResult:
    """Outcome of a placement run.

    Attributes
    ----------
    chosen : list of str
        Site ids of the decisions: new sites ordered by decreasing marginal gain, then
        the reinforced permanences by decreasing load (see ``explanation``).
    explanation : pandas.DataFrame
        One row per decision, same order: ``site_id``, ``group``, ``gain_need``,
        ``gain_population`` (newly within the threshold when added in this order; 0
        for a reinforcement), ``newly_covered_count``, ``newly_covered`` (demand ids),
        ``gain_need_time_min`` (reduction of the need-weighted travel minutes),
        ``advisors`` (new advisors), ``load_need_per_advisor`` (need of the demand
        points for which it is the nearest open site, per advisor after placement),
        ``served_need`` (persons accompanied there) and the :data:`DECISION_COLUMNS`.
    coverage_before, coverage_after : dict
        ``population``, ``need``, ``population_share``, ``need_share`` within the
        threshold and the population-weighted ``mean_travel_time_min``.
    assignment : pandas.DataFrame
        Indexed like the demand: nearest open ``site_id``, ``travel_time_min``,
        ``covered``, ``persons_in_need``, ``served_share``, ``served_persons`` and
        ``unserved_persons`` (need beyond every capacity or threshold, by demand point;
        one optimal assignment of the capacity model's stages).
    objective : str
    objective_value : float
        Covered need (coverage), need-weighted minutes (median, balanced) or persons
        served (capacity).
    solver : dict
        ``method`` ("milp" or "greedy"), ``status``, ``message``, ``objective``,
        ``mip_gap``, ``build_s``, ``solve_s`` and per-stage details.
    cost : dict
        ``new_advisors``, ``total_advisors``, ``gross_eur``, ``cofunding_eur``,
        ``net_eur`` (annual, new advisors).
    decided_by : str
        French sentences: what the placement brings, which criterion decided.
    threshold_min : float
    persons : dict
        Persons in need served, unserved, beyond the threshold, before and after (see
        :func:`equity.placement.evaluation.persons_summary`), whatever the objective.
    by_epci : pandas.DataFrame
        Per EPCI of the demand (when known): persons in need, served, capacity per
        person in need and its ratio to the département's, advisors.
    travel_robustness : dict or None
        Set by :func:`equity.placement.travel_robustness`: ``stable_sites``,
        ``sensitive_sites`` and the variants tried.
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
    persons: dict[str, float] = field(default_factory=dict)
    by_epci: pd.DataFrame = field(default_factory=pd.DataFrame)
    travel_robustness: dict[str, Any] | None = None

    @property
    def decisions(self) -> pd.DataFrame:
        """One row per decision: :data:`DECISION_COLUMNS`."""
        return self.explanation[list(DECISION_COLUMNS)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (``inf``/NaN become ``None``)."""
        robust = self.travel_robustness or {}
        return to_jsonable(
            {
                **self.persons,
                "decisions": self.decisions.to_dict(orient="records"),
                "by_epci": self.by_epci.reset_index().to_dict(orient="records"),
                "stable_sites": robust.get("stable_sites"),
                "sensitive_sites": robust.get("sensitive_sites"),
                "travel_robustness": self.travel_robustness,
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


def _assignment(inst: Instance, open_cols: np.ndarray, share: np.ndarray) -> pd.DataFrame:
    """Nearest open site, its time, coverage and persons served per demand point."""
    times = inst.times[:, open_cols] if len(open_cols) else np.full((len(inst.weight), 1), np.inf)
    best = times.min(axis=1)
    nearest = [
        inst.site_ids[open_cols[j]] if np.isfinite(t) else None
        for j, t in zip(times.argmin(axis=1), best, strict=True)
    ]
    return pd.DataFrame(
        {
            "site_id": nearest,
            "travel_time_min": best,
            "covered": best <= inst.threshold,
            "persons_in_need": inst.weight,
            "served_share": share,
            "served_persons": inst.weight * share,
            "unserved_persons": inst.weight * (1.0 - share),
        },
        index=inst.demand_ids,
    )


def _cost(inst: Instance, added: dict[int, int]) -> dict[str, float]:
    s = inst.settings
    new_advisors = sum(added.values())
    return {
        "new_advisors": new_advisors,
        "total_advisors": float(inst.existing_advisors.sum()) + new_advisors,
        "gross_eur": new_advisors * s.cost_per_advisor_eur,
        "cofunding_eur": new_advisors * s.cofunding_per_advisor_eur,
        "net_eur": new_advisors * (s.cost_per_advisor_eur - s.cofunding_per_advisor_eur),
    }


def _reinforcement_rows(
    inst: Instance, reinforced: list[int], load: dict[int, float]
) -> pd.DataFrame:
    """Explanation rows of the reinforced permanences (no coverage change)."""
    rows = [
        {
            "site_id": inst.site_ids[c],
            "group": inst.site_group.get(inst.site_ids[c]),
            "gain_need": 0.0,
            "gain_population": 0.0,
            "newly_covered_count": 0,
            "newly_covered": [],
            "gain_need_time_min": 0.0,
            "served_need": load.get(c, 0.0),
        }
        for c in sorted(reinforced, key=lambda c: -load.get(c, 0.0))
    ]
    return pd.DataFrame(rows)


def _explanation(inst: Instance, added: dict[int, int], load: dict[int, float]) -> pd.DataFrame:
    """One row per decision: marginal gains, kind, advisors, load and capacity."""
    cand_pos = {int(c): j for j, c in enumerate(inst.candidates)}
    new = np.array([cand_pos[c] for c in added if c in cand_pos], dtype=int)
    reinforced = [c for c in added if c not in cand_pos]
    frame = explain_sites(inst, new, load)
    if reinforced:
        rows = _reinforcement_rows(inst, reinforced, load)
        frame = pd.concat([frame, rows], ignore_index=True) if len(frame) else rows
        frame = frame.reindex(columns=list(EXPLANATION_COLUMNS))
    column = {inst.site_ids[c]: c for c in added}
    base = dict(zip(inst.existing.tolist(), inst.existing_advisors.tolist(), strict=True))
    cols = frame["site_id"].map(column)
    frame["kind"] = ["new_site" if c in cand_pos else "reinforce" for c in cols]
    frame["kind_fr"] = frame["kind"].map(DECISION_KINDS_FR)
    frame["advisors"] = [added[c] for c in cols]
    frame["advisors_after"] = [added[c] + base.get(c, 0.0) for c in cols]
    frame["load_persons"] = [load.get(c, 0.0) for c in cols]
    # The new advisors' part of the place's persons, by number of advisors (a
    # reinforcement shares its permanence's persons; the council pack splits the same way).
    frame["load_persons_new"] = frame["load_persons"] * frame["advisors"] / frame["advisors_after"]
    frame["capacity_persons"] = frame["advisors_after"] * inst.capacity_per_advisor()
    frame["load_need_per_advisor"] *= inst.settings.advisors_per_site / frame["advisors_after"]
    frame["near_permanence"] = frame["site_id"].map(inst.near_existing)
    return frame


def build_result(
    inst: Instance,
    added: dict[int, int],
    value: float,
    info: dict[str, Any],
    method: str,
    split: tuple[np.ndarray, dict[int, float]] | None,
) -> PlacementResult:
    """Assemble the result of a run from its allocation.

    Parameters
    ----------
    inst : Instance
    added : dict
        New advisors per site column (new sites and reinforced permanences).
    value : float
        Objective value.
    info : dict
        Solver details.
    method : {"milp", "greedy"}
    split : tuple, optional
        Served share per demand point and load per site column of the allocation
        (computed here when ``None``).
    """
    share_before, _ = evaluate_allocation(inst, {})[1:]
    if split is None:
        split = evaluate_allocation(inst, added)[1:]
    share_after, load = split
    open_cols = np.union1d(inst.existing, np.array(list(added), dtype=int)).astype(int)
    before = coverage_stats(inst, inst.existing)
    after = coverage_stats(inst, open_cols)
    explanation = _explanation(inst, added, load)
    persons = persons_summary(inst, added, share_before, share_after)
    kinds = explanation["kind"].value_counts().to_dict()
    return PlacementResult(
        chosen=explanation["site_id"].tolist(),
        explanation=explanation,
        coverage_before=before,
        coverage_after=after,
        assignment=_assignment(inst, open_cols, share_after),
        objective=inst.settings.objective,
        objective_value=float(value),
        solver={"method": method, **info},
        cost=_cost(inst, added),
        decided_by=decided_by(inst, before, after, info, method, persons, kinds),
        threshold_min=inst.threshold,
        persons=persons,
        by_epci=by_epci_table(inst, added, share_before, share_after, persons),
    )
