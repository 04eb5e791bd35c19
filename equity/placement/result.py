"""Outcomes of a placement run and of a robustness check, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equity.placement.evaluation import coverage_stats, open_sites
from equity.placement.explain import decided_by, explain_sites
from equity.placement.problem import Instance
from equity.placement.residual import residual_need
from geo.jsonio import to_jsonable

__all__ = ["PlacementResult", "RobustnessResult", "build_result"]


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


def _assignment(inst: Instance, open_cols: np.ndarray, served_split: tuple | None) -> pd.DataFrame:
    """Nearest open site, its time and coverage per demand point."""
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
    return assignment


def _add_residual_taken(inst: Instance, chosen: np.ndarray, explanation: pd.DataFrame) -> None:
    """The need each new site takes: residual need for which it is the nearest new site."""
    residual = residual_need(inst, inst.capacity_per_advisor())
    nearest_new = inst.times[:, inst.candidates[chosen]].argmin(axis=1)
    taken = np.bincount(nearest_new, weights=residual, minlength=len(chosen))
    ids = [inst.site_ids[c] for c in inst.candidates[chosen]]
    explanation["residual_need"] = explanation["site_id"].map(dict(zip(ids, taken, strict=True)))


def _cost(inst: Instance) -> dict[str, float]:
    s = inst.settings
    new_advisors = inst.k * s.advisors_per_site
    return {
        "new_advisors": new_advisors,
        "total_advisors": float(inst.existing_advisors.sum()) + new_advisors,
        "gross_eur": new_advisors * s.cost_per_advisor_eur,
        "cofunding_eur": new_advisors * s.cofunding_per_advisor_eur,
        "net_eur": new_advisors * (s.cost_per_advisor_eur - s.cofunding_per_advisor_eur),
    }


def build_result(
    inst: Instance,
    chosen: np.ndarray,
    value: float,
    info: dict[str, Any],
    method: str,
    served_split: tuple[np.ndarray, dict[int, float]] | None,
) -> PlacementResult:
    """Assemble the result of a run from the chosen candidate positions.

    Parameters
    ----------
    inst : Instance
    chosen : numpy.ndarray of int
        Chosen candidate positions.
    value : float
        Objective value.
    info : dict
        Solver details.
    method : {"milp", "greedy"}
    served_split : tuple, optional
        Served share per demand and served need per site column (capacity objective).
    """
    open_cols = open_sites(inst, chosen)
    before = coverage_stats(inst, inst.existing)
    after = coverage_stats(inst, open_cols)
    explanation = explain_sites(inst, chosen, None if served_split is None else served_split[1])
    if inst.settings.objective == "residual" and len(chosen):
        _add_residual_taken(inst, chosen, explanation)
    return PlacementResult(
        chosen=explanation["site_id"].tolist(),
        explanation=explanation,
        coverage_before=before,
        coverage_after=after,
        assignment=_assignment(inst, open_cols, served_split),
        objective=inst.settings.objective,
        objective_value=float(value),
        solver={"method": method, **info},
        cost=_cost(inst),
        decided_by=decided_by(inst, before, after, info, method),
        threshold_min=inst.threshold,
    )
