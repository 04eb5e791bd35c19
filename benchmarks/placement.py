"""Benchmark the placement engine (:mod:`equity.placement`).

1. The real Sarthe instance, built by the product itself (:func:`equity.recommend.
   placement_inputs`): 352 communes at their town hall with their persons in need and
   EPCI, existing = the 2022 advisor permanences with their advisors, candidates = town
   halls, libraries, France services and other structures (one per commune and type),
   places within 1 km of a permanence as reinforcements, straight line × 1.3 at 60 km/h.
   Times k = 20 for every objective (``sarthe_<objective>_s``); ``sarthe_s`` is the
   default capacity model (target: < 2 s to optimal; its travel-time stage is proven
   by its LP relaxation once demand-cover cuts tighten it, ``equity.placement.
   capacity_cuts``: 1.6 s in all, against 4.1 s for HiGHS' own root cuts).
2. Scale instance (SYNTHETIC): 10,000 demand points × 400 candidates + 40 existing sites
   uniformly spread over a 90 km square, k = 20, threshold 20 min. The capacity model
   (build + its first two lexicographic stages: persons served, then their travel time)
   against the same formulation — the very matrix our builder makes — handed to CBC
   through PuLP (build + solve timed), same objective values checked (target: ≥ 10×).
3. The p-median on the full scale instance (target < 15 s): solved by Benders
   decomposition with a branch-and-cut of our own (``equity.placement.median_benders``),
   ≈ 7 s; the pair model took ≈ 84 s (its LP alone ≈ 29 s with HiGHS' interior point).
   Tried and dropped: adding the x ≤ y rows lazily (336 s), the radius formulation
   (234 s), HiGHS' own tree on the Benders master (29 s: it cannot add the cuts inside
   its tree). When spopt is installed, the MCLP and the p-median on
   :data:`MEDIAN_DEMAND` points against spopt.

PuLP (and spopt) are benchmark-only dependencies; without them the comparisons are
skipped with a message. The last line printed is ``key=value`` pairs.

Run: ``python benchmarks/placement.py``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from equity.diagnostics import diagnose  # noqa: E402
from equity.placement import OBJECTIVES, PlacementSettings, solve_placement  # noqa: E402
from equity.placement.capacity import capacity_model  # noqa: E402
from equity.placement.lexicographic import CAPACITY_REL_GAP, LEXICO_REL_TOL  # noqa: E402
from equity.placement.milp import MilpModel  # noqa: E402
from equity.placement.problem import prepare_instance  # noqa: E402
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
CBC_TIME_LIMIT_S = 600


def sarthe_instance() -> PlacementInputs:
    """The real instance, exactly as the product builds it."""
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


def cbc_solve(model: MilpModel, c: np.ndarray) -> tuple[float, float | None]:
    """Seconds (PuLP build + CBC solve) and optimum of ``min c x`` over ``model``."""
    import pulp

    start = time.perf_counter()
    problem = pulp.LpProblem("placement", pulp.LpMinimize)
    x = [
        pulp.LpVariable(
            f"x{j}",
            lowBound=float(model.lb[j]),
            upBound=float(model.ub[j]),
            cat="Integer" if model.integrality[j] else "Continuous",
        )
        for j in range(len(c))
    ]
    a = sparse.vstack([r[0] for r in model.rows], format="csr")
    lo = np.concatenate([r[1] for r in model.rows])
    hi = np.concatenate([r[2] for r in model.rows])
    for row in range(a.shape[0]):
        cols = a.indices[a.indptr[row] : a.indptr[row + 1]]
        vals = a.data[a.indptr[row] : a.indptr[row + 1]]
        expr = pulp.LpAffineExpression([(x[j], float(v)) for j, v in zip(cols, vals, strict=True)])
        if lo[row] == hi[row]:
            problem += expr == float(lo[row])
            continue
        if np.isfinite(hi[row]):
            problem += expr <= float(hi[row])
        if np.isfinite(lo[row]):
            problem += expr >= float(lo[row])
    problem += pulp.LpAffineExpression([(x[j], float(v)) for j, v in enumerate(c) if v])
    problem.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=CAPACITY_REL_GAP, timeLimit=CBC_TIME_LIMIT_S))
    value = pulp.value(problem.objective)
    return time.perf_counter() - start, None if value is None else float(value)


def cbc_capacity(times: pd.DataFrame, weight: pd.Series, existing: pd.Series) -> dict:
    """The capacity model's first two stages on CBC (same matrix as ours)."""
    no_group = pd.Series(dtype=object)
    settings = PlacementSettings(k=K, threshold_min=THRESHOLD_MIN)
    inst = prepare_instance(times, weight, weight, existing, no_group, settings)
    cm = capacity_model(inst)
    served_s, served = cbc_solve(cm.milp, -cm.served_c())
    # Same slack as our stage 2 keeps (served ≥ optimum × (1 - tolerance)).
    cm.milp.add_row(cm.served_c(), -served * (1 - LEXICO_REL_TOL), np.inf)
    time_s, minutes = cbc_solve(cm.milp, cm.time_c())
    return {"seconds": served_s + time_s, "served": -served, "minutes": minutes}


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
    return time.perf_counter() - start, float(problem.problem.objective.value())


def sarthe(figures: dict[str, object]) -> None:
    """Part 1: every objective on Sarthe."""
    inputs = sarthe_instance()
    times = inputs.times
    print(
        f"Sarthe : {times.shape[0]} communes × {times.shape[1]} sites "
        f"({len(inputs.existing)} permanences existantes, {int(inputs.existing.sum())} "
        f"conseillers, {len(inputs.near_existing)} lieux à moins d'1 km d'une permanence), "
        f"k = {K}, {inputs.travel_model.label}"
    )
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
            **inputs.engine_options(),
        )
        seconds = time.perf_counter() - start
        figures[f"sarthe_{objective}_s"] = round(seconds, 3)
        stages = res.solver.get("stages", [])
        detail = " ; ".join(
            f"{s['stage']} {s.get('method')} statut {s['status']} écart {s['mip_gap']}"
            f" {s['solve_s']:.2f} s"
            for s in stages
        )
        print(
            f"  {objective:9s} {seconds:6.2f} s  statut {res.solver['status']}  "
            f"non accompagnées {res.persons['unserved_persons_after']:,.0f}  "
            f"couverture {res.coverage_after['population_share']:.1%}  {detail}"
        )
        if objective == "capacity":
            figures["sarthe_capacity_proven"] = bool(res.solver.get("proven_optimal"))
            # Persons served and travel time proven (2); the balance tie-break has 0.3 s.
            figures["sarthe_capacity_proven_stages"] = int(res.solver.get("proven_stages", 0))
    figures["sarthe_s"] = figures["sarthe_capacity_s"]


def scale(figures: dict[str, object]) -> None:
    """Parts 2 and 3 on the synthetic scale instance."""
    s_times, s_weight, s_existing = scale_instance()
    no_group = pd.Series(dtype=object)
    print(f"Échelle : {s_times.shape[0]} points × {s_times.shape[1]} sites, k = {K}")
    settings = PlacementSettings(k=K, threshold_min=THRESHOLD_MIN, time_limit_s=600)
    start = time.perf_counter()
    ours = solve_placement(s_times, s_weight, s_weight, s_existing, no_group, settings)
    figures["scale_capacity_s"] = round(time.perf_counter() - start, 3)
    stage_s = sum(s["solve_s"] for s in ours.solver["stages"][:2]) + ours.solver["build_s"]
    print(
        f"  capacité : {figures['scale_capacity_s']} s en tout, {stage_s:.2f} s pour "
        f"construire et résoudre les deux étapes ({ours.solver['pairs']} couples sur "
        f"{ours.solver['pairs_before_pruning']} après élagage exact)"
    )
    median = PlacementSettings(
        k=K, threshold_min=THRESHOLD_MIN, objective="median", time_limit_s=600
    )
    start = time.perf_counter()
    med = solve_placement(s_times, s_weight, s_weight, s_existing, no_group, median)
    figures["scale_med_full_s"] = round(time.perf_counter() - start, 3)
    print(
        f"  p-médian sur les {SCALE_DEMAND} points : {figures['scale_med_full_s']} s "
        f"(statut {med.solver['status']})"
    )
    if importlib.util.find_spec("pulp") is None:
        print("pulp non installé : comparaison CBC ignorée (pip install pulp).")
        return
    cbc = cbc_capacity(s_times, s_weight, s_existing)
    figures["cbc_capacity_s"] = round(cbc["seconds"], 3)
    figures["capacity_speedup"] = round(cbc["seconds"] / stage_s, 1)
    minutes = ours.solver["stages"][1]["objective"]
    figures["same_capacity_objective"] = bool(
        np.isclose(ours.objective_value, cbc["served"], rtol=1e-6)
        and cbc["minutes"] is not None
        and np.isclose(minutes, cbc["minutes"], rtol=CAPACITY_REL_GAP * 2)
    )
    print(
        f"  capacité, même formulation sur CBC (PuLP) : {cbc['seconds']:.2f} s ; "
        f"servies {ours.objective_value:.6g} / {cbc['served']:.6g}, "
        f"minutes {minutes:.6g} / {cbc['minutes']}"
    )
    if importlib.util.find_spec("spopt") is not None:
        spopt_comparison(s_times, s_weight, s_existing, figures)
    else:
        print("spopt non installé : comparaison MCLP / p-médian avec spopt ignorée.")


def spopt_comparison(
    s_times: pd.DataFrame, s_weight: pd.Series, s_existing: pd.Series, figures: dict
) -> None:
    """MCLP and p-median against spopt (CBC through PuLP)."""
    no_group = pd.Series(dtype=object)
    same = True
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
        same &= bool(np.isclose(res.objective_value, spopt_value, rtol=1e-6))
        figures[f"scale_{key}_s"] = round(ours_s, 3)
        figures[f"spopt_{key}_s"] = round(spopt_s, 3)
        figures[f"{key}_speedup"] = round(spopt_s / ours_s, 1)
        print(f"  {objective:9s} ({rows} points) nous {ours_s:7.2f} s  spopt {spopt_s:7.2f} s")
    figures["same_objective"] = same


def main() -> None:
    figures: dict[str, object] = {}
    sarthe(figures)
    scale(figures)
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
