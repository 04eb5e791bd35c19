"""What-if analyses of a placement: trade-off curve, threshold sensitivity, robustness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from equity.placement.evaluation import coverage_stats, open_sites
from equity.placement.greedy import greedy_order
from equity.placement.problem import Instance, PlacementSettings, prepare_instance
from equity.placement.residual import residual_instance
from equity.placement.result import PlacementResult, RobustnessResult
from equity.placement.solve import solve_placement
from geo import defaults

__all__ = ["lost_table", "robustness", "threshold_sensitivity", "trade_off_curve"]


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
    inst = prepare_instance(times, weight, population, existing, candidate_group, settings)
    rows = []
    if method == "greedy":
        cap = inst.capacity_per_advisor() if settings.objective == "capacity" else None
        ranked = residual_instance(inst)[0] if settings.objective == "residual" else inst
        order = greedy_order(ranked, cap)
        for n in range(inst.k + 1):
            stats = coverage_stats(inst, open_sites(inst, np.array(order[:n], dtype=int)))
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
    thresholds: Sequence[float] = defaults.SENSITIVITY_THRESHOLDS_MIN,
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


def lost_table(inst: Instance, before_cols: np.ndarray, after_cols: np.ndarray) -> pd.DataFrame:
    """Demand within the threshold of ``before_cols`` but not of ``after_cols``.

    Returns
    -------
    pandas.DataFrame
        Indexed by demand id: ``population``, ``need``, ``site_id`` (nearest site
        before), ``travel_time_before_min``, ``travel_time_after_min``.
    """
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


def _lost_sites(inst: Instance, n_lost: int | Sequence[str]) -> list[str]:
    """The closed sites: given ids, or the ``n_lost`` serving the fewest inhabitants."""
    ex_ids = [inst.site_ids[c] for c in inst.existing]
    if not isinstance(n_lost, int):
        lost = [str(s) for s in n_lost]
        unknown = sorted(set(lost) - set(ex_ids))
        if unknown:
            raise ValueError(
                f"Sites perdus inconnus parmi les sites existants : {', '.join(unknown)}."
            )
        return lost
    if len(inst.existing) == 0:
        return []
    t_ex = inst.times[:, inst.existing]
    reach = np.isfinite(t_ex).any(axis=1)
    served = np.bincount(
        t_ex[reach].argmin(axis=1),
        weights=inst.population[reach],
        minlength=len(inst.existing),
    )
    order = np.lexsort((np.arange(len(served)), served))[:n_lost]
    return [ex_ids[i] for i in order]


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
    inst = prepare_instance(times, weight, population, existing, candidate_group, settings)
    lost = _lost_sites(inst, n_lost)
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
        lost_coverage=lost_table(inst, inst.existing, remaining),
        lost_with_placement=lost_table(inst, all_before, all_after),
        coverage_with_placement=coverage_stats(inst, all_after),
        resolved=resolved,
    )
