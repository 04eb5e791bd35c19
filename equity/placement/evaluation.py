"""Figures of a given set of open sites: coverage, mean time, need-weighted minutes, persons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equity.placement.problem import Instance

__all__ = [
    "beyond_threshold",
    "by_epci_table",
    "coverage_stats",
    "median_value",
    "nearest_existing",
    "open_sites",
    "persons_summary",
]


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


def beyond_threshold(inst: Instance, open_cols: np.ndarray) -> np.ndarray:
    """Demand points beyond the threshold of every open site."""
    if not len(open_cols):
        return np.ones(len(inst.weight), dtype=bool)
    return ~(inst.times[:, open_cols] <= inst.threshold).any(axis=1)


def persons_summary(
    inst: Instance,
    added: dict[int, int],
    share_before: np.ndarray,
    share_after: np.ndarray,
) -> dict[str, float]:
    """Persons in need served, unserved and beyond the threshold, before and after.

    Parameters
    ----------
    inst : Instance
    added : dict
        New advisors per site column.
    share_before, share_after : numpy.ndarray
        Served share of every demand point's persons in need.

    Returns
    -------
    dict
        ``capacity_per_advisor``, ``persons_in_need_estimated`` and, with suffixes
        ``_before`` / ``_after``: ``advisors``, ``capacity_persons``,
        ``served_persons``, ``unserved_persons``, ``beyond_threshold_persons`` and
        ``departement_capacity_per_person_in_need`` (capacity over persons in need,
        at most 1: the reference of the EPCI guarantee).
    """
    cap = inst.capacity_per_advisor()
    need = float(inst.weight.sum())
    advisors = {
        "before": float(inst.existing_advisors.sum()),
        "after": float(inst.existing_advisors.sum() + sum(added.values())),
    }
    open_cols = {
        "before": inst.existing,
        "after": np.union1d(inst.existing, np.array(list(added), dtype=int)),
    }
    out = {"capacity_per_advisor": cap, "persons_in_need_estimated": need}
    for when, share in (("before", share_before), ("after", share_after)):
        served = float(inst.weight @ share)
        out[f"advisors_{when}"] = advisors[when]
        out[f"capacity_persons_{when}"] = cap * advisors[when]
        out[f"served_persons_{when}"] = served
        out[f"unserved_persons_{when}"] = need - served
        out[f"beyond_threshold_persons_{when}"] = float(
            inst.weight[beyond_threshold(inst, open_cols[when])].sum()
        )
        out[f"departement_capacity_per_person_in_need_{when}"] = (
            min(cap * advisors[when] / need, 1.0) if need else 0.0
        )
    return out


def _located_advisors(inst: Instance, added: dict[int, int]) -> tuple[pd.Series, pd.Series]:
    """Advisors before and new advisors per group of the sites they work at."""
    before = pd.Series(
        inst.existing_advisors, index=[inst.site_group.get(inst.site_ids[c]) for c in inst.existing]
    )
    new = pd.Series(
        list(added.values()),
        index=[inst.site_group.get(inst.site_ids[c]) for c in added],
        dtype=float,
    )
    return before.groupby(level=0).sum(), new.groupby(level=0).sum()


def by_epci_table(
    inst: Instance,
    added: dict[int, int],
    share_before: np.ndarray,
    share_after: np.ndarray,
    persons: dict[str, float],
) -> pd.DataFrame:
    """Persons in need, served and capacity per person in need for every EPCI.

    The capacity per person in need of an EPCI is the share of its persons in need
    accompanied (by any site, inside the EPCI or not); ``ratio_to_departement_*``
    divides it by the département's capacity per person in need.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``epci`` (empty without demand groups).
    """
    if inst.demand_group is None:
        return pd.DataFrame(index=pd.Index([], name="epci"))
    frame = pd.DataFrame(
        {
            "epci": inst.demand_group,
            "persons_in_need": inst.weight,
            "served_persons_before": inst.weight * share_before,
            "served_persons_after": inst.weight * share_after,
            "beyond_threshold_persons_before": inst.weight * beyond_threshold(inst, inst.existing),
            "beyond_threshold_persons_after": inst.weight
            * beyond_threshold(inst, np.union1d(inst.existing, np.array(list(added), dtype=int))),
        }
    )
    table = frame.dropna(subset=["epci"]).groupby("epci").sum()
    before, new = _located_advisors(inst, added)
    table["advisors_before"] = before.reindex(table.index).fillna(0.0)
    table["new_advisors"] = new.reindex(table.index).fillna(0.0)
    table["advisors_after"] = table["advisors_before"] + table["new_advisors"]
    for when in ("before", "after"):
        table[f"unserved_persons_{when}"] = (
            table["persons_in_need"] - table[f"served_persons_{when}"]
        )
        ratio = table[f"served_persons_{when}"] / table["persons_in_need"].where(
            table["persons_in_need"] > 0
        )
        table[f"capacity_per_person_in_need_{when}"] = ratio
        dept = persons[f"departement_capacity_per_person_in_need_{when}"]
        table[f"ratio_to_departement_{when}"] = ratio / dept if dept else np.nan
    return table
