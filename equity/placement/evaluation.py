"""Figures of a given set of open sites: coverage, mean time, need-weighted minutes."""

from __future__ import annotations

import numpy as np

from equity.placement.problem import Instance

__all__ = ["coverage_stats", "median_value", "nearest_existing", "open_sites"]


def open_sites(inst: Instance, chosen: np.ndarray) -> np.ndarray:
    """Columns of the existing sites and of the chosen candidates (positions)."""
    return np.concatenate([inst.existing, inst.candidates[chosen]]).astype(int)


def coverage_stats(inst: Instance, open_cols: np.ndarray) -> dict[str, float]:
    """Population and need within the threshold of ``open_cols``, and the mean time.

    Returns
    -------
    dict
        ``population``, ``need``, ``population_share``, ``need_share`` and the
        population-weighted ``mean_travel_time_min`` of the reachable demand (NaN when
        none is reachable).
    """
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


def nearest_existing(inst: Instance) -> np.ndarray:
    """Time to the nearest existing site, capped at the penalty time."""
    if len(inst.existing) == 0:
        return np.full(len(inst.weight), inst.penalty_min)
    return np.minimum(inst.times[:, inst.existing].min(axis=1), inst.penalty_min)


def median_value(inst: Instance, open_cols: np.ndarray) -> float:
    """Need-weighted minutes to the nearest open site (unreachable: penalty time)."""
    best = nearest_existing(inst)
    extra = np.setdiff1d(open_cols, inst.existing)
    if len(extra):
        best = np.minimum(best, inst.times[:, extra].min(axis=1))
    return float((inst.weight * best).sum())
