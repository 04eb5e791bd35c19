"""Tests of the placement engine: exact models against brute force, constraints, reports."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from equity.placement import (
    PlacementInfeasible,
    PlacementSettings,
    greedy_placement,
    robustness,
    solve_placement,
    threshold_sensitivity,
    trade_off_curve,
)

THRESHOLD = 15.0


def random_instance(seed: int, n: int = 12, n_cand: int = 8, n_exist: int = 2):
    """Random times (some unreachable), weights, populations, existing sites, groups."""
    rng = np.random.default_rng(seed)
    ids = [f"e{j}" for j in range(n_exist)] + [f"c{j}" for j in range(n_cand)]
    t = rng.uniform(0, 40, (n, len(ids)))
    t[rng.random(t.shape) < 0.1] = np.inf
    times = pd.DataFrame(t, index=[f"d{i}" for i in range(n)], columns=ids)
    population = pd.Series(rng.integers(50, 1000, n).astype(float), index=times.index)
    weight = population * rng.uniform(0.5, 2.0, n)
    existing = pd.Series(1, index=ids[:n_exist])
    group = pd.Series([f"g{j % 3}" for j in range(len(ids))], index=ids)
    return times, weight, population, existing, group


def brute_force(times, existing, candidates, k, value):
    """Best value of ``value(open_columns)`` over all k-subsets of candidates."""
    results = []
    for combo in itertools.combinations(candidates, k):
        cols = list(existing.index) + list(combo)
        results.append((value(times[cols].to_numpy()), combo))
    return results


def covered_need(weight):
    return lambda t: float(weight.to_numpy() @ (t.min(axis=1) <= THRESHOLD))


def median_cost(weight):
    # Same convention as the module: unreachable demand costs the penalty time.
    def cost(t, penalty):
        return float(weight.to_numpy() @ np.minimum(t.min(axis=1), penalty))

    return cost


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3])
def test_coverage_exact_equals_brute_force(seed, k):
    times, weight, population, existing, group = random_instance(seed)
    settings = PlacementSettings(k=k, threshold_min=THRESHOLD, objective="coverage")
    res = solve_placement(times, weight, population, existing, group, settings)
    cands = [c for c in times.columns if c not in existing.index]
    best = max(v for v, _ in brute_force(times, existing, cands, k, covered_need(weight)))
    assert res.solver["method"] == "milp"
    assert res.objective_value == pytest.approx(best)
    assert res.coverage_after["need"] == pytest.approx(best)
    greedy = greedy_placement(times, weight, population, existing, group, settings)
    assert greedy.objective_value <= best + 1e-9


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3])
def test_median_exact_equals_brute_force(seed, k):
    times, weight, population, existing, group = random_instance(seed)
    settings = PlacementSettings(k=k, threshold_min=THRESHOLD, objective="median")
    res = solve_placement(times, weight, population, existing, group, settings)
    finite = times.to_numpy()[np.isfinite(times.to_numpy())]
    penalty = 2 * finite.max() + 1
    cost = median_cost(weight)
    cands = [c for c in times.columns if c not in existing.index]
    best = min(v for v, _ in brute_force(times, existing, cands, k, lambda t: cost(t, penalty)))
    assert res.objective_value == pytest.approx(best, rel=1e-9)
    greedy = greedy_placement(times, weight, population, existing, group, settings)
    assert greedy.objective_value >= best - 1e-6


def _check_constraints(res, existing, group, settings):
    assert len(res.chosen) == settings.k
    assert not set(res.chosen) & set(existing.index)
    assert set(settings.forced) <= set(res.chosen)
    assert not set(settings.excluded) & set(res.chosen)
    counts = group[res.chosen].value_counts()
    for g, v in (settings.min_per_group or {}).items():
        assert counts.get(g, 0) >= v
    for g, v in (settings.max_per_group or {}).items():
        assert counts.get(g, 0) <= v
    open_sites = set(existing.index) | set(res.chosen)
    assert set(res.assignment["site_id"].dropna()) <= open_sites


@pytest.mark.parametrize("objective", ["coverage", "median", "balanced", "capacity"])
def test_constraints_respected(objective):
    times, weight, population, existing, group = random_instance(3, n=15, n_cand=10)
    # One new advisor per new site: the capacity model then chooses sites like the others
    # (its reinforcements and multi-advisor sites are tested in test_placement_capacity).
    one_per_site = {"allow_reinforce": False, "max_advisors_per_site": 1}
    settings = PlacementSettings(
        **(one_per_site if objective == "capacity" else {}),
        k=4,
        threshold_min=THRESHOLD,
        objective=objective,
        min_per_group={"g1": 2},
        max_per_group={"g0": 1},
        forced=("c5",),
        excluded=("c0", "c2"),
        max_net_budget_eur=100_000,
    )
    res = solve_placement(times, weight, population, existing, group, settings)
    _check_constraints(res, existing, group, settings)
    assert res.cost == {
        "new_advisors": 4,
        "total_advisors": 6.0,
        "gross_eur": 200_000.0,
        "cofunding_eur": 100_000.0,
        "net_eur": 100_000.0,
    }
    greedy = greedy_placement(times, weight, population, existing, group, settings)
    _check_constraints(greedy, existing, group, settings)


def test_constrained_coverage_equals_brute_force():
    times, weight, population, existing, group = random_instance(5, n=15, n_cand=10)
    settings = PlacementSettings(
        k=3,
        threshold_min=THRESHOLD,
        objective="coverage",
        min_per_group={"g2": 2},
        forced=("c1",),
        excluded=("c4",),
    )
    res = solve_placement(times, weight, population, existing, group, settings)
    cands = [c for c in times.columns if c not in existing.index and c != "c4"]
    feasible = [
        (v, combo)
        for v, combo in brute_force(times, existing, cands, 3, covered_need(weight))
        if "c1" in combo and (group[list(combo)] == "g2").sum() >= 2
    ]
    assert res.objective_value == pytest.approx(max(v for v, _ in feasible))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"k": 2, "min_per_group": 1},
            "au moins 1 nouveau(x) site(s) par EPCI × 3 EPCI = 3 sites, plus que les 2",
        ),
        ({"k": 1, "forced": ("c1", "c2")}, "2 sites imposés pour 1 nouveaux sites demandés"),
        ({"forced": ("c1",), "excluded": ("c1",)}, "à la fois imposé(s) et exclu(s) : c1"),
        ({"min_per_group": {"g9": 1}}, "EPCI « g9 »"),
        ({"excluded": ("c0", "c3", "c6"), "min_per_group": {"g2": 1}}, "EPCI « g2 »"),
        ({"k": 3, "max_net_budget_eur": 50_000}, "permet au plus 2 nouveau(x) site(s)"),
        ({"k": 20, "objective": "coverage"}, "20 nouveaux sites demandés pour 8 sites candidats"),
        ({"k": 40}, "40 nouveaux conseillers demandés pour 10 lieux possibles d'au plus 3"),
        ({"forced": ("e0",)}, "déjà existant(s) : e0"),
        ({"k": 3, "max_per_group": 0, "min_per_group": 0}, "ne permettent que 0 sites"),
        ({"k": 2, "max_per_group": {"g0": 0}, "forced": ("c1",)}, "EPCI « g0 » : 1 sites imposés"),
    ],
)
def test_infeasible_constraints_are_named(changes, expected):
    times, weight, population, existing, group = random_instance(0)
    settings = PlacementSettings(**{"k": 2, "threshold_min": THRESHOLD, **changes})
    with pytest.raises(PlacementInfeasible) as err:
        solve_placement(times, weight, population, existing, group, settings)
    assert expected in str(err.value)
    assert isinstance(err.value, ValueError)


def crafted_saturated():
    """Everyone is within 20 min of E1 already; E1's single advisor is overloaded.

    C1 sits in the overloaded cluster (a, b: need 200, E1 serves 100 of it); C2 only
    reaches c (need 30). With 100 of need per advisor, C1 serves 100 more, C2 30 more.
    The p-median prefers C2 (saves 30 × 12 = 360 min against 100 × 3 = 300).
    """
    times = pd.DataFrame(
        [[2.0, 5.0, 30.0], [5.0, 2.0, 30.0], [15.0, 25.0, 3.0]],
        index=["a", "b", "c"],
        columns=["E1", "C1", "C2"],
    )
    weight = pd.Series([100.0, 100.0, 30.0], index=times.index)
    existing = pd.Series({"E1": 1})
    group = pd.Series({"E1": "x", "C1": "x", "C2": "y"})
    return times, weight, weight, existing, group


def test_capacity_relieves_overloaded_site_when_coverage_saturates():
    times, weight, population, existing, group = crafted_saturated()
    base = {"k": 1, "threshold_min": 20.0, "capacity_per_advisor": 100.0}
    # New sites only: reinforcing E1 would serve as many (see test_placement_capacity).
    res = solve_placement(
        times,
        weight,
        population,
        existing,
        group,
        PlacementSettings(**base, objective="capacity", allow_reinforce=False),
    )
    assert res.chosen == ["C1"]
    assert res.objective_value == pytest.approx(200.0)
    assert res.coverage_before["population_share"] == 1.0
    assert "déjà complète (100 %)" in res.decided_by
    assert "besoin servi" in res.decided_by
    assert res.solver["decisive_stage"] == "served"
    # Later stages keep the served need up to a 1e-6 relative slack.
    assert res.explanation.loc[0, "served_need"] == pytest.approx(100.0, rel=1e-5)
    served = res.assignment["served_share"].to_numpy() @ weight.to_numpy()
    assert served == pytest.approx(200.0, rel=1e-5)
    median = solve_placement(
        times, weight, population, existing, group, PlacementSettings(**base, objective="median")
    )
    assert median.chosen == ["C2"]
    coverage = solve_placement(
        times, weight, population, existing, group, PlacementSettings(**base, objective="coverage")
    )
    assert "arbitraire" in coverage.decided_by


def test_capacity_tie_broken_by_travel_time():
    # C1 and C3 serve the same need; C3 is closer to the cluster.
    times, weight, population, existing, group = crafted_saturated()
    times["C3"] = [1.0, 1.0, 30.0]
    settings = PlacementSettings(
        k=1, threshold_min=20.0, capacity_per_advisor=100.0, objective="capacity"
    )
    res = solve_placement(times, weight, population, existing, group, settings)
    assert res.chosen == ["C3"]
    assert res.solver["decisive_stage"] == "time"
    assert "temps de trajet" in res.decided_by


def test_decisive_check_longer_than_its_budget_is_not_started(monkeypatch):
    # On Sarthe the travel-time check used its whole budget to answer « unknown »: a
    # check whose stage took longer than the time left now says so at once.
    from equity.placement import lexicographic
    from equity.placement.milp import MilpModel

    times, weight, population, existing, group = crafted_saturated()
    times["C3"] = [1.0, 1.0, 30.0]
    settings = PlacementSettings(
        k=1, threshold_min=20.0, capacity_per_advisor=100.0, objective="capacity"
    )
    real_stage = lexicographic._solve_stage

    real_both = lexicographic._served_by_bound

    # Stages whose MILP took long (a stage proven by its LP relaxation is re-checked).
    slow = {"solve_s": 1e6, "method": "milp"}
    stage_milps = []

    def slow_stage(*args, **kwargs):
        info, x = real_stage(*args, **kwargs)
        stage_milps.append(info.get("method") == "milp")
        return {**info, **slow}, x

    def slow_both(*args, **kwargs):
        # Its travel-time stage went through slow_stage (counted there).
        both = real_both(*args, **kwargs)
        return both and ([{**info, **slow} for info in both[0]], both[1])

    monkeypatch.setattr(lexicographic, "_solve_stage", slow_stage)
    # Stages 1 and 2 solved together when every advisor's capacity is used.
    monkeypatch.setattr(lexicographic, "_served_by_bound", slow_both)
    solved = []
    real_solve = MilpModel.solve
    monkeypatch.setattr(
        MilpModel, "solve", lambda self, *a, **k: solved.append(1) or real_solve(self, *a, **k)
    )
    res = solve_placement(times, weight, population, existing, group, settings)
    assert res.chosen == ["C3"]
    assert res.solver["decisive_stage"] == "unknown"
    # The stages' own MILPs ran; no re-solve with the allocation forbidden did.
    assert len(solved) == sum(stage_milps)


def test_balanced_guarantees_max_time_or_relaxes_it():
    # C1 saves b 5 × 38 = 190 min but leaves c at 40 min; C2 saves 5 × 10 + 42 = 92 min
    # and keeps everyone within 30 min.
    times = pd.DataFrame(
        [[1.0, 50.0, 9.0], [40.0, 2.0, 30.0], [45.0, 40.0, 3.0]],
        index=["a", "b", "c"],
        columns=["E", "C1", "C2"],
    )
    weight = pd.Series([1000.0, 5.0, 1.0], index=times.index)
    existing = pd.Series({"E": 1})
    group = pd.Series(dtype=object)
    median = solve_placement(
        times, weight, weight, existing, group, PlacementSettings(k=1, objective="median")
    )
    assert median.chosen == ["C1"]
    settings = PlacementSettings(k=1, objective="balanced", max_time_min=35.0)
    res = solve_placement(times, weight, weight, existing, group, settings)
    assert res.chosen == ["C2"]
    assert res.solver["max_time"] == "respected"
    relaxed = solve_placement(
        times,
        weight,
        weight,
        existing,
        group,
        PlacementSettings(k=1, objective="balanced", max_time_min=10.0),
    )
    assert relaxed.chosen == ["C2"]
    assert relaxed.solver["max_time"] == "relaxed"
    assert relaxed.solver["worst_time_min"] == 30.0
    assert "inatteignable" in relaxed.decided_by


def test_trade_off_curve_monotone_and_sensitivity():
    times, weight, population, existing, group = random_instance(1, n=20, n_cand=10)
    settings = PlacementSettings(k=4, threshold_min=THRESHOLD, objective="coverage")
    curve = trade_off_curve(times, weight, population, existing, group, settings)
    assert list(curve["n_sites"]) == [0, 1, 2, 3, 4]
    assert (np.diff(curve["need_share"]) >= -1e-12).all()
    assert (np.diff(curve["population_share"]) >= -1e-12).all()
    assert (np.diff(curve["mean_travel_time_min"]) <= 1e-9).all()
    exact = trade_off_curve(times, weight, population, existing, group, settings, method="exact")
    assert (exact["need_share"].to_numpy() >= curve["need_share"].to_numpy() - 1e-12).all()
    sens = threshold_sensitivity(
        times, weight, population, existing, group, settings, thresholds=(10, 15, 30)
    )
    assert list(sens["threshold_min"]) == [10.0, 15.0, 30.0]
    assert (np.diff(sens["population_share_before"]) >= 0).all()
    assert (sens["population_share_after"] >= sens["population_share_before"]).all()


def test_sensitivity_reuses_the_reference_and_says_which_sites_change():
    times, weight, population, existing, group = random_instance(1, n=20, n_cand=10)
    settings = PlacementSettings(k=3, threshold_min=15.0, objective="coverage")
    reference = solve_placement(times, weight, population, existing, group, settings)
    # A reference the engine could not have found: reused, not solved again, at 15 min.
    marked = replace(reference, chosen=[*reference.chosen[:2], "C-marque"])
    sens = threshold_sensitivity(
        times, weight, population, existing, group, settings, (10, 15, 30), reference=marked
    ).set_index("threshold_min")
    assert sens.loc[15.0, "chosen"] == ",".join(marked.chosen)
    assert sens.loc[15.0, "sites_kept"] == 3
    assert sens.loc[15.0, "sites_added"] == [] and sens.loc[15.0, "sites_dropped"] == []
    for thr in (10.0, 30.0):
        chosen = sens.loc[thr, "chosen"].split(",")
        assert "C-marque" in sens.loc[thr, "sites_dropped"]
        assert sens.loc[thr, "sites_kept"] == sum(c in chosen for c in marked.chosen)
        assert sens.loc[thr, "sites_added"] == [c for c in chosen if c not in marked.chosen]


def test_robustness_tiny():
    times = pd.DataFrame(
        [[1.0, 30.0, 30.0, 2.0], [30.0, 1.0, 30.0, 30.0], [30.0, 5.0, 30.0, 30.0]],
        index=["a", "b", "c"],
        columns=["E1", "E2", "C1", "C2"],
    )
    population = pd.Series([1000.0, 10.0, 20.0], index=times.index)
    existing = pd.Series({"E1": 1, "E2": 1})
    group = pd.Series(dtype=object)
    settings = PlacementSettings(k=1, threshold_min=10.0, objective="coverage")
    rob = robustness(times, population, population, existing, group, settings, n_lost=1)
    assert rob.lost_sites == ["E2"]  # serves 30 inhabitants against 1000
    assert list(rob.lost_coverage.index) == ["b", "c"]
    assert (rob.lost_coverage["site_id"] == "E2").all()
    assert rob.resolved.coverage_after["population_share"] < 1.0
    assert "E2" not in rob.resolved.chosen
    listed = robustness(times, population, population, existing, group, settings, n_lost=["E1"])
    assert list(listed.lost_coverage.index) == ["a"]
    assert listed.resolved.chosen == ["C2"]
    json.dumps(listed.to_dict())


def test_result_report_is_json_ready_and_explained():
    times, weight, population, existing, group = random_instance(2, n=15, n_cand=10)
    res = solve_placement(
        times, weight, population, existing, group, PlacementSettings(k=3, threshold_min=15)
    )
    payload = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert payload["objective"] == "capacity"
    assert len(payload["assignment"]) == len(times)
    assert list(res.assignment.index) == list(times.index)
    gains = res.explanation["gain_need"].to_numpy()
    assert (np.diff(gains) <= 1e-9).all()
    assert res.explanation["newly_covered_count"].sum() == (
        res.assignment["covered"].sum() - (times[existing.index].min(axis=1) <= 15).sum()
    )
    assert {"status", "mip_gap", "build_s", "solve_s", "method"} <= set(res.solver)


@pytest.mark.slow
def test_real_size_synthetic_instance():
    rng = np.random.default_rng(72)
    n, m = 352, 600
    demand, sites = rng.uniform(0, 90, (n, 2)), rng.uniform(0, 90, (m, 2))
    dist = np.hypot(demand[:, 0, None] - sites[None, :, 0], demand[:, 1, None] - sites[None, :, 1])
    ids = [f"s{j}" for j in range(m)]
    times = pd.DataFrame(dist * 1.3, index=[f"d{i}" for i in range(n)], columns=ids)
    population = pd.Series(rng.integers(100, 5000, n).astype(float), index=times.index)
    existing = pd.Series(1, index=ids[:36])
    group = pd.Series([f"g{j % 17}" for j in range(m)], index=ids)
    for objective in ("coverage", "median", "balanced"):
        settings = PlacementSettings(k=20, threshold_min=10.0, objective=objective)
        res = solve_placement(times, population, population, existing, group, settings)
        assert res.solver["method"] == "milp" and res.solver["status"] == 0
        greedy = greedy_placement(times, population, population, existing, group, settings)
        # The balanced greedy ignores the worst-time guarantee, so it is no bound.
        if objective == "coverage":
            assert greedy.objective_value <= res.objective_value + 1e-6
        elif objective == "median":
            assert greedy.objective_value >= res.objective_value - 1e-6
    settings = PlacementSettings(k=20, threshold_min=10.0, time_limit_s=20)
    res = solve_placement(times, population, population, existing, group, settings)
    assert res.explanation["advisors"].sum() == res.cost["new_advisors"] == 20
