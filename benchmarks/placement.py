"""Benchmark the placement engine (:mod:`equity.placement`) against spopt.

1. The real Sarthe instance, built by the product itself (:func:`equity.recommend.
   placement_inputs`): 352 communes at their town hall weighted by persons in need,
   existing = the 2022 advisor permanences with their advisors, candidates = town halls,
   libraries, France services and other structures (one per commune and type), straight
   line × 1.3 at 60 km/h. Times k = 20 for every objective (``sarthe_<objective>_s``).
2. Scale instance (SYNTHETIC): 10,000 demand points × 400 candidates + 40 existing sites
   uniformly spread over a 90 km square, k = 20, threshold 20 min. Our build + solve
   time against spopt's ``MCLP.from_cost_matrix`` (PuLP + CBC, build + solve timed,
   existing sites passed as predefined facilities), same objective value checked.
   spopt's ``PMedian`` builds a dense model (one variable per pair: 4.4 million here,
   > 7 GB and many minutes), so the p-median comparison runs on the first
   :data:`MEDIAN_DEMAND` demand points of the same instance; ours is also timed on the
   full instance.

spopt and PuLP are benchmark-only dependencies (``pip install spopt pulp``); without
them part 2 is skipped with a message. The last line printed is ``key=value`` pairs.

Run: ``python benchmarks/placement.py``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from equity.diagnostics import diagnose  # noqa: E402
from equity.placement import OBJECTIVES, PlacementSettings, solve_placement  # noqa: E402
from equity.recommend import PlacementInputs, placement_inputs  # noqa: E402
from geo import defaults  # noqa: E402
from geo.territory import load_territory  # noqa: E402

DETOUR = defaults.CIRCUITY
SPEED_KMH = defaults.SPEED_KMH
K = defaults.NEW_ADVISORS
THRESHOLD_MIN = defaults.THRESHOLD_MIN
SCALE_DEMAND, SCALE_CANDIDATES, SCALE_EXISTING = 10_000, 400, 40
MEDIAN_DEMAND = 1_500
SEED = 72


def sarthe_instance() -> PlacementInputs:
    """The real instance, exactly as the product builds it (need-weighted communes)."""
    territory = load_territory()
    return placement_inputs(territory, diagnose(territory))


def scale_instance() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Synthetic times (10,000 × 440), demand weights, 40 existing sites."""
    rng = np.random.default_rng(SEED)
    side_km = 90.0
    demand = rng.uniform(0, side_km, (SCALE_DEMAND, 2))
    sites = rng.uniform(0, side_km, (SCALE_CANDIDATES + SCALE_EXISTING, 2))
    dist_km = np.hypot(
        demand[:, 0, None] - sites[None, :, 0], demand[:, 1, None] - sites[None, :, 1]
    )
    ids = [f"e{j}" for j in range(SCALE_EXISTING)] + [f"c{j}" for j in range(SCALE_CANDIDATES)]
    times = pd.DataFrame(
        np.round(dist_km * DETOUR / SPEED_KMH * 60.0, 3),
        index=[f"d{i}" for i in range(SCALE_DEMAND)],
        columns=ids,
    )
    weight = pd.Series(rng.integers(10, 2_000, SCALE_DEMAND).astype(float), index=times.index)
    existing = pd.Series(1, index=ids[:SCALE_EXISTING])
    return times, weight, existing


def run_spopt(times: pd.DataFrame, weight: pd.Series, existing: pd.Series, model: str) -> tuple:
    """Build + solve time and objective value of spopt's model (CBC through PuLP)."""
    import pulp
    from spopt.locate import MCLP, PMedian

    cost = times.to_numpy()
    predefined = times.columns.isin(existing.index).astype(int)
    p = int(predefined.sum()) + K
    start = time.perf_counter()
    if model == "coverage":
        problem = MCLP.from_cost_matrix(
            cost,
            weight.to_numpy(),
            service_radius=THRESHOLD_MIN,
            p_facilities=p,
            predefined_facilities_arr=predefined,
        )
    else:
        problem = PMedian.from_cost_matrix(
            cost, weight.to_numpy(), p_facilities=p, predefined_facilities_arr=predefined
        )
    problem = problem.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds = time.perf_counter() - start
    return seconds, float(problem.problem.objective.value())


def main() -> None:
    inputs = sarthe_instance()
    times = inputs.times
    print(
        f"Sarthe : {times.shape[0]} communes × {times.shape[1]} sites "
        f"({len(inputs.existing)} permanences existantes, {int(inputs.existing.sum())} "
        f"conseillers), k = {K}, {inputs.travel_model.label}"
    )
    figures: dict[str, object] = {}
    for objective in OBJECTIVES:
        settings = PlacementSettings(k=K, threshold_min=THRESHOLD_MIN, objective=objective)
        start = time.perf_counter()
        res = solve_placement(
            times,
            inputs.weight,
            inputs.population,
            inputs.existing,
            inputs.candidate_group,
            settings,
        )
        seconds = time.perf_counter() - start
        figures[f"sarthe_{objective}_s"] = round(seconds, 3)
        print(
            f"  {objective:9s} {seconds:6.2f} s  statut {res.solver['status']}  "
            f"couverture {res.coverage_before['population_share']:.1%} → "
            f"{res.coverage_after['population_share']:.1%}  "
            f"temps moyen {res.coverage_after['mean_travel_time_min']:.1f} min"
        )
        print(f"            {res.decided_by}")
    figures["sarthe_s"] = figures["sarthe_residual_s"]

    if importlib.util.find_spec("spopt") is None or importlib.util.find_spec("pulp") is None:
        print("spopt/pulp non installés : comparaison ignorée (pip install spopt pulp).")
        print(" ".join(f"{k}={v}" for k, v in figures.items()))
        return

    s_times, s_weight, s_existing = scale_instance()
    no_group = pd.Series(dtype=object)
    print(f"Échelle : {s_times.shape[0]} points × {s_times.shape[1]} sites, k = {K}")
    same = True
    settings = PlacementSettings(
        k=K, threshold_min=THRESHOLD_MIN, objective="median", time_limit_s=600
    )
    start = time.perf_counter()
    solve_placement(s_times, s_weight, s_weight, s_existing, no_group, settings)
    figures["scale_med_full_s"] = round(time.perf_counter() - start, 3)
    print(f"  p-médian sur les {SCALE_DEMAND} points : {figures['scale_med_full_s']} s (nous)")
    for objective, key, rows in (
        ("coverage", "cov", SCALE_DEMAND),
        ("median", "med", MEDIAN_DEMAND),
    ):
        t, w = s_times.iloc[:rows], s_weight.iloc[:rows]
        settings = PlacementSettings(
            k=K, threshold_min=THRESHOLD_MIN, objective=objective, time_limit_s=600
        )
        start = time.perf_counter()
        res = solve_placement(t, w, w, s_existing, no_group, settings)
        ours_s = time.perf_counter() - start
        spopt_s, spopt_value = run_spopt(t, w, s_existing, objective)
        agree = bool(np.isclose(res.objective_value, spopt_value, rtol=1e-6))
        same &= agree
        figures[f"scale_{key}_s"] = round(ours_s, 3)
        figures[f"spopt_{key}_s"] = round(spopt_s, 3)
        figures[f"{key}_speedup"] = round(spopt_s / ours_s, 1)
        print(
            f"  {objective:9s} ({rows} points) nous {ours_s:7.2f} s "
            f"(construction {res.solver['build_s']:.2f} s)"
            f"  spopt {spopt_s:7.2f} s  objectif {res.objective_value:.6g} / {spopt_value:.6g}"
        )
    figures["same_objective"] = same
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
