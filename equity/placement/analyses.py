"""What-if analyses of a placement: trade-off curve, threshold sensitivity, robustness
to closures and to the travel model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from equity.placement.evaluation import coverage_stats, open_sites
from equity.placement.greedy import greedy_blocks, greedy_order
from equity.placement.lexicographic import evaluate_allocation
from equity.placement.problem import Instance, PlacementSettings, prepare_instance
from equity.placement.result import PlacementResult, RobustnessResult
from equity.placement.solve import solve_placement
from geo import defaults
from geo.formatting import plural_fr

__all__ = [
    "lost_table",
    "robustness",
    "threshold_sensitivity",
    "trade_off_curve",
    "travel_robustness",
]


def _served_with(inst: Instance, cols: list[int]) -> float:
    """Persons served with one block of new advisors per entry of ``cols``."""
    places, blocks = np.unique(np.asarray(cols, dtype=int), return_counts=True)
    per_block = inst.settings.advisors_per_site
    added = {int(c): int(b) * per_block for c, b in zip(places, blocks, strict=True)}
    return evaluate_allocation(inst, added, served_only=True)[0]


def _greedy_curve(inst: Instance) -> list[dict[str, Any]]:
    """Rows of the nested greedy curve (sites, or blocks of advisors for capacity)."""
    rows = []
    if inst.settings.objective == "capacity":
        cols, served = greedy_blocks(inst)
        # greedy_blocks counts from the forced blocks on: the first ones and the last
        # block are evaluated here.
        n_forced = min(len(inst.forced), len(cols))
        head = [_served_with(inst, cols[:n]) for n in range(n_forced)]
        served = [*head, *served, *([_served_with(inst, cols)] if cols else [])]
        cand = set(inst.candidates.tolist())
        for n in range(inst.k + 1):
            new = np.array(sorted({c for c in cols[:n] if c in cand}), dtype=int)
            stats = coverage_stats(inst, np.union1d(inst.existing, new).astype(int))
            added = inst.site_ids[cols[n - 1]] if n else None
            persons = served[n] if n < len(served) else np.nan
            rows.append({"n_sites": n, "site_id": added, **stats, "served_persons": persons})
    else:
        order = greedy_order(inst)
        for n in range(inst.k + 1):
            stats = coverage_stats(inst, open_sites(inst, np.array(order[:n], dtype=int)))
            added = inst.site_ids[inst.candidates[order[n - 1]]] if n else None
            rows.append({"n_sites": n, "site_id": added, **stats})
    return [{**row, "method": "greedy"} for row in rows]


def trade_off_curve(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    method: Literal["greedy", "exact"] = "greedy",
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
) -> pd.DataFrame:
    """Coverage and mean travel time for 0..k new sites (diminishing returns).

    Parameters
    ----------
    times, weight, population, existing, candidate_group, settings, demand_group, near_existing
        As in :func:`solve_placement`.
    method : {"greedy", "exact"}
        ``"greedy"``: the nested greedy order (one run; coverage can only grow).
        ``"exact"``: one exact solve per number of sites (placements need not be
        nested); group minimums and forced sites that cannot hold for a small number of
        sites are dropped for that number.

    Returns
    -------
    pandas.DataFrame
        One row per number of new sites (``capacity``: of blocks of advisors)
        ``n_sites``: ``site_id`` added (greedy) or the chosen ids (exact),
        ``population``, ``need``, ``population_share``, ``need_share``,
        ``mean_travel_time_min``, ``method`` and for ``capacity`` the
        ``served_persons`` (persons in need accompanied).
    """
    settings = settings or PlacementSettings()
    extra = {"demand_group": demand_group, "near_existing": near_existing}
    inst = prepare_instance(times, weight, population, existing, candidate_group, settings, **extra)
    if method == "greedy":
        return pd.DataFrame(_greedy_curve(inst))
    rows = []
    for n in range(inst.k + 1):
        sub = replace(settings, k=n, max_net_budget_eur=None)
        if sum(inst.group_min.values()) > n or len(settings.forced) > n:
            sub = replace(sub, min_per_group=0, forced=settings.forced[:n])
        res = solve_placement(times, weight, population, existing, candidate_group, sub, **extra)
        row = {"n_sites": n, "site_id": ",".join(res.chosen), **res.coverage_after}
        if inst.settings.objective == "capacity":
            row["served_persons"] = res.persons["served_persons_after"]
        rows.append({**row, "method": method})
    return pd.DataFrame(rows)


def threshold_sensitivity(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    thresholds: Sequence[float] = defaults.SENSITIVITY_THRESHOLDS_MIN,
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
    reference: PlacementResult | None = None,
) -> pd.DataFrame:
    """Coverage before and after placement when the threshold changes, and which sites change.

    Each threshold gets its own exact placement (same objective and constraints).

    Parameters
    ----------
    reference : PlacementResult, optional
        The placement at ``settings.threshold_min`` already solved (the recommendation):
        reused at that threshold instead of solved again, and the sites of every
        threshold are compared with its sites.

    Returns
    -------
    pandas.DataFrame
        One row per ``threshold_min``: ``population_share_before``,
        ``population_share_after``, ``need_share_before``, ``need_share_after``,
        ``mean_travel_time_min_after``, ``unserved_persons_after``, ``chosen``
        (comma-separated ids), ``decided_by``; with a ``reference``, ``sites_kept``
        (its sites chosen again), ``sites_added`` and ``sites_dropped`` (lists of ids).
    """
    settings = settings or PlacementSettings()
    rows = []
    for thr in thresholds:
        if reference is not None and np.isclose(reference.threshold_min, thr):
            res = reference
        else:
            res = solve_placement(
                times, weight, population, existing, candidate_group,
                replace(settings, threshold_min=float(thr)),
                demand_group=demand_group, near_existing=near_existing,
            )  # fmt: skip
        rows.append(
            {
                "threshold_min": float(thr),
                "population_share_before": res.coverage_before["population_share"],
                "population_share_after": res.coverage_after["population_share"],
                "need_share_before": res.coverage_before["need_share"],
                "need_share_after": res.coverage_after["need_share"],
                "mean_travel_time_min_after": res.coverage_after["mean_travel_time_min"],
                "unserved_persons_after": res.persons["unserved_persons_after"],
                "chosen": ",".join(res.chosen),
                "decided_by": res.decided_by,
                **_site_changes(res.chosen, reference),
            }
        )
    return pd.DataFrame(rows)


def _site_changes(chosen: list[str], reference: PlacementResult | None) -> dict[str, Any]:
    """The reference's sites chosen again, and the sites added and dropped."""
    if reference is None:
        return {}
    ref = list(reference.chosen)
    return {
        "sites_kept": sum(c in chosen for c in ref),
        "sites_added": [c for c in chosen if c not in ref],
        "sites_dropped": [c for c in ref if c not in chosen],
    }


def travel_robustness(
    times: pd.DataFrame,
    weight: pd.Series,
    population: pd.Series,
    existing: pd.Series,
    candidate_group: pd.Series,
    settings: PlacementSettings | None = None,
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
    placement: PlacementResult | None = None,
    base_circuity: float = defaults.CIRCUITY,
    base_speed_kmh: float = defaults.SPEED_KMH,
    circuities: Sequence[float] = defaults.ROBUSTNESS_CIRCUITIES,
    speeds_kmh: Sequence[float] = defaults.ROBUSTNESS_SPEEDS_KMH,
) -> dict[str, Any]:
    """Which chosen sites stay chosen when the travel model's circuity and speed vary.

    Every variant scales the matrix by ``(circuity / base_circuity) × (base_speed_kmh /
    speed_kmh)`` and is solved again with the same settings. For the straight-line
    model (time = distance × circuity ÷ speed) this is exactly the matrix of the
    varied model; for a road network it is a uniform change of speed.

    Parameters
    ----------
    times, weight, population, existing, candidate_group, settings, demand_group, near_existing
        As in :func:`solve_placement`.
    placement : PlacementResult, optional
        The placement to check; solved with ``settings`` when omitted. Its
        ``travel_robustness`` is set to the returned dict.
    base_circuity, base_speed_kmh : float
        Parameters of the travel model that produced ``times``.
    circuities, speeds_kmh : sequence of float
        Values tried (every pair is one variant).

    Returns
    -------
    dict
        ``stable_sites`` (chosen in every variant), ``sensitive_sites`` (``site_id``,
        ``chosen_in`` variants out of ``variants_count``), ``variants`` (``circuity``,
        ``speed_kmh``, ``factor``, ``chosen``) and a French ``summary``.
    """
    settings = settings or PlacementSettings()
    extra = {"demand_group": demand_group, "near_existing": near_existing}
    if placement is None:
        placement = solve_placement(
            times, weight, population, existing, candidate_group, settings, **extra
        )
    variants = []
    for circuity in circuities:
        for speed in speeds_kmh:
            factor = (circuity / base_circuity) * (base_speed_kmh / speed)
            res = solve_placement(
                times * factor, weight, population, existing, candidate_group, settings, **extra
            )
            variants.append(
                {"circuity": circuity, "speed_kmh": speed, "factor": factor, "chosen": res.chosen}
            )
    counts = {s: sum(s in v["chosen"] for v in variants) for s in placement.chosen}
    stable = [s for s, n in counts.items() if n == len(variants)]
    sensitive = [
        {"site_id": s, "chosen_in": n, "variants_count": len(variants)}
        for s, n in counts.items()
        if n < len(variants)
    ]
    report = {
        "stable_sites": stable,
        "sensitive_sites": sensitive,
        "variants": variants,
        "summary": (
            f"{len(stable)} {plural_fr(len(stable), 'site stable', 'sites stables')} sur "
            f"{len(placement.chosen)} : choisis quel que soit le modèle de trajet (détour "
            f"{_fr_values(circuities)}, vitesse {_fr_values(speeds_kmh)} km/h) ; "
            f"{len(sensitive)} {plural_fr(len(sensitive), 'site sensible', 'sites sensibles')}."
        ),
    }
    placement.travel_robustness = report
    return report


def _fr_values(values: Sequence[float]) -> str:
    return " à ".join(f"{v:g}".replace(".", ",") for v in (min(values), max(values)))


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
    *,
    demand_group: pd.Series | None = None,
    near_existing: pd.Series | None = None,
) -> RobustnessResult:
    """Coverage lost if existing sites close, and the placement that keeps the most.

    Parameters
    ----------
    times, weight, population, existing, candidate_group, settings, demand_group, near_existing
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
    extra = {"demand_group": demand_group, "near_existing": near_existing}
    inst = prepare_instance(times, weight, population, existing, candidate_group, settings, **extra)
    lost = _lost_sites(inst, n_lost)
    if placement is None:
        placement = solve_placement(
            times, weight, population, existing, candidate_group, settings, **extra
        )
    position = {s: j for j, s in enumerate(inst.site_ids)}
    remaining = np.array([c for c in inst.existing if inst.site_ids[c] not in lost], dtype=int)
    # A reinforced permanence that closes takes its new advisors with it.
    placed = np.array([position[s] for s in placement.chosen if s not in lost], dtype=int)
    all_before = np.concatenate([inst.existing, placed])
    all_after = np.concatenate([remaining, placed])
    kept_existing = existing[[str(s) not in lost for s in existing.index]]
    # Closed sites are no candidates: re-opening them would dodge the scenario.
    resolved_settings = replace(settings, excluded=(*settings.excluded, *lost))
    if near_existing is not None:
        # Places next to a closed permanence become new sites again.
        extra["near_existing"] = near_existing[~near_existing.astype(str).isin(lost)]
    resolved = solve_placement(
        times, weight, population, kept_existing, candidate_group, resolved_settings, **extra
    )
    return RobustnessResult(
        lost_sites=lost,
        lost_coverage=lost_table(inst, inst.existing, remaining),
        lost_with_placement=lost_table(inst, all_before, all_after),
        coverage_with_placement=coverage_stats(inst, all_after),
        resolved=resolved,
    )
