"""The Benders p-median gives the pair model's optimum (and brute force's)."""

import itertools
import time

import numpy as np
import pandas as pd
import pytest

from equity.placement import PlacementSettings
from equity.placement.evaluation import median_value
from equity.placement.median import cover_rows, solve_median
from equity.placement.median_benders import solve_median_benders
from equity.placement.problem import prepare_instance


def instance(seed, n=60, n_cand=8, n_exist=2, **settings):
    rng = np.random.default_rng(seed)
    ids = [f"e{j}" for j in range(n_exist)] + [f"c{j}" for j in range(n_cand)]
    points = rng.uniform(0, 40, (n, 2))
    sites = rng.uniform(0, 40, (len(ids), 2))
    minutes = np.hypot(*(points[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) * 1.3
    times = pd.DataFrame(minutes, index=[f"d{i}" for i in range(n)], columns=ids)
    weight = pd.Series(rng.integers(10, 500, n).astype(float), index=times.index)
    existing = pd.Series(1, index=ids[:n_exist])
    group = pd.Series([f"g{j % 2}" for j in range(len(ids))], index=ids)
    config = PlacementSettings(objective="median", threshold_min=20.0, **settings)
    return prepare_instance(times, weight, weight, existing, group, config)


def brute_force(inst, allowed=None):
    best = None
    for chosen in itertools.combinations(range(len(inst.candidates)), inst.k):
        if allowed is not None and not allowed(chosen):
            continue
        opened = np.concatenate([inst.existing, inst.candidates[list(chosen)]])
        value = median_value(inst, opened)
        best = value if best is None or value < best else best
    return best


@pytest.mark.parametrize("seed", range(4))
def test_benders_equals_pairs_and_brute_force(seed):
    inst = instance(seed, k=3)
    chosen, value, info = solve_median_benders(inst, time.perf_counter() + 60)
    _, pairs_value, _ = solve_median(inst, time.perf_counter() + 60)
    assert info["algorithm"] == "benders" and info["status"] == 0
    assert len(chosen) == 3
    assert value == pytest.approx(pairs_value, rel=1e-9)
    assert value == pytest.approx(brute_force(inst), rel=1e-9)
    assert info["lp_bound"] <= value + 1e-6


def test_benders_keeps_forced_sites_and_group_limits():
    inst = instance(7, k=3, forced=("c5",), max_per_group={"g0": 1})
    chosen, value, _ = solve_median_benders(inst, time.perf_counter() + 60)
    groups = np.array(inst.cand_group, dtype=object)
    forced = int(inst.forced[0])

    def allowed(combo):
        return forced in combo and sum(groups[j] == "g0" for j in combo) <= 1

    assert forced in chosen and (groups[chosen] == "g0").sum() <= 1
    assert value == pytest.approx(brute_force(inst, allowed), rel=1e-9)


def test_benders_under_a_worst_time():
    inst = instance(3, n=80, k=5)
    rows = cover_rows(inst, 16.0, len(inst.candidates))
    assert rows is not None
    chosen, value, _ = solve_median_benders(inst, time.perf_counter() + 60, rows)
    _, pairs_value, _ = solve_median(inst, time.perf_counter() + 60, cover_limit_min=16.0)
    _, free_value, _ = solve_median_benders(inst, time.perf_counter() + 60)
    assert value == pytest.approx(pairs_value, rel=1e-9)
    assert value > free_value + 1.0  # the guarantee binds
    # Every demand a candidate reaches within 16 min is within 16 min of an open site.
    opened = np.concatenate([inst.existing, inst.candidates[chosen]])
    best = inst.times[:, opened].min(axis=1)
    reachable = (inst.times[:, inst.candidates] <= 16.0).any(axis=1)
    assert (best[reachable] <= 16.0 + 1e-9).all()
    # Three sites cannot bring every such demand within 16 min.
    short = instance(3, n=80, k=3)
    rows = cover_rows(short, 16.0, len(short.candidates))
    chosen, value, info = solve_median_benders(short, time.perf_counter() + 60, rows)
    assert chosen is None and np.isnan(value) and info["status"] == 2


def test_large_instances_go_to_benders(monkeypatch):
    from geo import defaults

    monkeypatch.setattr(defaults, "MEDIAN_BENDERS_MIN_PAIRS", 10)
    inst = instance(1, k=2)
    _, value, info = solve_median(inst, time.perf_counter() + 60)
    assert info["algorithm"] == "benders"
    assert value == pytest.approx(brute_force(inst), rel=1e-9)


def test_branching_and_the_time_limit():
    # This instance's root LP is fractional: the search branches and still finds the
    # brute-force optimum; out of time, it says so (the engine then falls back to greedy).
    inst = instance(5, n=150, n_cand=20, n_exist=1, k=4)
    _, value, info = solve_median_benders(inst, time.perf_counter() + 60)
    assert info["nodes"] > 1 and info["status"] == 0
    assert value == pytest.approx(brute_force(inst), rel=1e-9)
    _, _, info = solve_median_benders(inst, time.perf_counter() - 1.0)
    assert info["status"] == 1
