"""The capacity model: exact against brute force, loads, reinforcements, EPCI guarantee."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from equity.placement import (
    PlacementInfeasible,
    PlacementSettings,
    greedy_placement,
    solve_placement,
    travel_robustness,
)
from equity.placement.capacity import capacity_model, prune_pairs
from equity.placement.problem import prepare_instance
from geo.jsonio import dumps_strict

THRESHOLD = 15.0
CAP = 150.0


def random_instance(seed: int, n: int = 9, n_cand: int = 4, n_exist: int = 2):
    """Random times (some unreachable), persons in need, existing sites, EPCI of both."""
    rng = np.random.default_rng(seed)
    ids = [f"e{j}" for j in range(n_exist)] + [f"c{j}" for j in range(n_cand)]
    t = rng.uniform(0, 30, (n, len(ids)))
    t[rng.random(t.shape) < 0.1] = np.inf
    times = pd.DataFrame(t, index=[f"d{i}" for i in range(n)], columns=ids)
    weight = pd.Series(rng.integers(20, 200, n).astype(float), index=times.index)
    existing = pd.Series(1, index=ids[:n_exist])
    group = pd.Series([f"g{j % 2}" for j in range(len(ids))], index=ids)
    demand_group = pd.Series([f"g{i % 2}" for i in range(n)], index=times.index)
    return times, weight, existing, group, demand_group


def served_and_time(times, weight, advisors, cap=CAP, threshold=THRESHOLD):
    """Independent LP: most persons served under the capacities, then least person-minutes."""
    t = times[list(advisors)].to_numpy()
    ii, ss = np.nonzero(t <= threshold)
    n_d, n_s, n_p = t.shape[0], t.shape[1], len(ii)
    if n_p == 0:
        return 0.0, 0.0
    a_demand = np.zeros((n_d, n_p))
    a_demand[ii, np.arange(n_p)] = 1.0
    a_site = np.zeros((n_s, n_p))
    a_site[ss, np.arange(n_p)] = 1.0
    a_ub = np.vstack([a_demand, a_site])
    b_ub = np.concatenate([weight.to_numpy(), cap * np.array(list(advisors.values()), float)])
    first = linprog(-np.ones(n_p), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    served = -first.fun
    second = linprog(
        t[ii, ss],
        A_ub=np.vstack([a_ub, -np.ones((1, n_p))]),
        b_ub=np.concatenate([b_ub, [-served * (1 - 1e-9)]]),
        bounds=(0, None),
        method="highs",
    )
    return served, float(second.fun)


def allocations(places, k, most):
    """Every way to give ``k`` advisors to ``places``, at most ``most`` each."""
    for counts in itertools.product(range(most + 1), repeat=len(places)):
        if sum(counts) == k:
            yield {p: c for p, c in zip(places, counts, strict=True) if c}


def brute_force(times, weight, existing, places, k, most):
    """(- persons served, person-minutes) of the best allocation, over every allocation."""
    best = None
    for added in allocations(places, k, most):
        advisors = {
            s: existing.get(s, 0) + added.get(s, 0) for s in set(existing.index) | set(added)
        }
        value = served_and_time(times, weight, advisors)
        key = (-round(value[0], 6), value[1])
        best = key if best is None or key < best else best
    return best


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reinforce", [True, False])
def test_capacity_equals_brute_force(seed, reinforce):
    times, weight, existing, group, _ = random_instance(seed)
    k, most = 3, 2
    settings = PlacementSettings(
        k=k,
        threshold_min=THRESHOLD,
        capacity_per_advisor=CAP,
        allow_reinforce=reinforce,
        max_advisors_per_site=most,
    )
    res = solve_placement(times, weight, weight, existing, group, settings)
    places = list(times.columns) if reinforce else [c for c in times if c not in existing]
    best = brute_force(times, weight, existing, places, k, most)
    assert res.solver["method"] == "milp" and res.solver["proven_optimal"]
    assert res.objective_value == pytest.approx(-best[0], rel=1e-6)
    assert res.solver["stages"][1]["objective"] == pytest.approx(best[1], rel=1e-5, abs=1e-6)
    assert res.explanation["advisors"].sum() == k
    assert (res.explanation["advisors"] <= most).all()
    if not reinforce:
        assert set(res.explanation["kind"]) <= {"new_site"}


def test_served_bound_proves_stage_one_with_a_permanence_short_of_persons():
    # S reaches only r (50 persons for 150 of capacity): the permanences alone serve
    # 50 + 150, every new advisor adds 150, so 500 is the bound. Serving r from E or C1
    # or reinforcing S would leave capacity idle: the bound's cut rules them out.
    inf = np.inf
    times = pd.DataFrame(
        [[5.0, 10.0, 6.0, inf], [inf, 3.0, 2.0, inf], [inf, inf, 4.0, 1.0]],
        index=["r", "a", "b"],
        columns=["S", "E", "C1", "C2"],
    )
    weight = pd.Series([50.0, 400.0, 400.0], index=times.index)
    existing = pd.Series({"S": 1, "E": 1})
    group = pd.Series("g", index=times.columns)
    settings = PlacementSettings(
        k=2, threshold_min=THRESHOLD, capacity_per_advisor=CAP, max_advisors_per_site=2
    )
    res = solve_placement(times, weight, weight, existing, group, settings)
    best = brute_force(times, weight, existing, list(times.columns), 2, 2)
    served, time_stage = res.solver["stages"][:2]
    assert served["method"] == "bound" and served["status"] == 0
    assert res.objective_value == pytest.approx(500.0) == pytest.approx(-best[0])
    assert time_stage["objective"] == pytest.approx(best[1], rel=1e-5)
    assert "S" not in set(res.explanation["site_id"])


@pytest.mark.parametrize("seed", range(6))
def test_stage_one_by_bound_or_by_lp_equals_brute_force(seed):
    # More demand than capacity (the bound is reached) or less (it is not, and stage 1
    # is solved on its own): both give brute force's optimum.
    times, weight, existing, group, _ = random_instance(seed, n=8)
    weight = weight * (4.0 if seed % 2 else 0.4)
    settings = PlacementSettings(
        k=3, threshold_min=THRESHOLD, capacity_per_advisor=CAP, max_advisors_per_site=2
    )
    res = solve_placement(times, weight, weight, existing, group, settings)
    best = brute_force(times, weight, existing, list(times.columns), 3, 2)
    assert res.solver["proven_optimal"]
    assert (res.solver["stages"][0]["method"] == "bound") == (
        -best[0] == pytest.approx(capacity_bound(times, weight, existing, 3))
    )
    assert res.objective_value == pytest.approx(-best[0], rel=1e-6)
    assert res.solver["stages"][1]["objective"] == pytest.approx(best[1], rel=1e-5, abs=1e-6)


def capacity_bound(times, weight, existing, k):
    """Most persons the permanences alone serve, plus ``k`` advisors' capacity."""
    served, _ = served_and_time(times, weight, existing.to_dict())
    return served + k * CAP


@pytest.mark.parametrize("seed", range(4))
def test_no_load_above_capacity_and_served_within_threshold(seed):
    times, weight, existing, group, demand_group = random_instance(seed, n=12, n_cand=6)
    settings = PlacementSettings(k=4, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
    res = solve_placement(
        times, weight, weight, existing, group, settings, demand_group=demand_group
    )
    decisions = res.decisions
    assert (decisions["load_persons"] <= decisions["capacity_persons"] + 1e-6).all()
    assert (decisions["capacity_persons"] == CAP * decisions["advisors_after"]).all()
    served = res.assignment["served_persons"]
    assert (served[~res.assignment["covered"]] <= 1e-9).all()
    assert (served <= res.assignment["persons_in_need"] + 1e-9).all()
    persons = res.persons
    assert persons["served_persons_after"] <= CAP * persons["advisors_after"] + 1e-6
    assert persons["unserved_persons_after"] == pytest.approx(
        weight.sum() - persons["served_persons_after"]
    )
    assert persons["unserved_persons_after"] == pytest.approx(
        res.assignment["unserved_persons"].sum()
    )
    # The EPCI table adds up to the département.
    assert res.by_epci["served_persons_after"].sum() == pytest.approx(
        persons["served_persons_after"]
    )
    greedy = greedy_placement(times, weight, weight, existing, group, settings)
    assert greedy.objective_value <= res.objective_value + 1e-6
    assert (greedy.decisions["load_persons"] <= greedy.decisions["capacity_persons"] + 1e-6).all()


def permanence_next_door():
    """E1 (1 advisor, capacity 100) serves a town of 300 persons in need; C1 is its town hall
    50 m away (the same times), C2 a village 12 min away with 40 persons in need."""
    times = pd.DataFrame(
        [[1.0, 1.0, 12.0], [2.0, 2.0, 13.0], [12.0, 12.0, 1.0]],
        index=["town", "suburb", "village"],
        columns=["E1", "C1", "C2"],
    )
    weight = pd.Series([200.0, 100.0, 40.0], index=times.index)
    existing = pd.Series({"E1": 1})
    group = pd.Series({"E1": "x", "C1": "x", "C2": "x"})
    near = pd.Series({"C1": "E1"})
    return times, weight, existing, group, near


def test_reinforcement_chosen_when_the_best_place_is_next_to_a_permanence():
    times, weight, existing, group, near = permanence_next_door()
    settings = PlacementSettings(k=1, threshold_min=20.0, capacity_per_advisor=100.0)
    res = solve_placement(times, weight, weight, existing, group, settings, near_existing=near)
    assert res.chosen == ["E1"]
    row = res.decisions.iloc[0]
    assert row["kind"] == "reinforce"
    assert row["kind_fr"] == "renfort d'une permanence"
    # The later stages keep the served persons up to a 1e-6 relative slack.
    assert row["advisors_after"] == 2 and row["load_persons"] == pytest.approx(200.0, rel=1e-5)
    assert "(0 nouveau lieu, 1 renfort de permanence)" in res.decided_by
    # Without the radius rule C1 would be shown as a new site doing the same.
    plain = solve_placement(times, weight, weight, existing, group, settings)
    assert plain.objective_value == pytest.approx(res.objective_value)
    # No reinforcement: the place next door is still no new site, the village gets it.
    no = solve_placement(
        times,
        weight,
        weight,
        existing,
        group,
        PlacementSettings(
            k=1, threshold_min=20.0, capacity_per_advisor=100.0, allow_reinforce=False
        ),
        near_existing=near,
    )
    assert no.chosen == ["C2"] and list(no.decisions["kind"]) == ["new_site"]


def test_headline_is_a_finding_not_set_by_the_number_of_new_advisors():
    times, weight, existing, group, demand_group = random_instance(7, n=12, n_cand=6)
    before = []
    after = []
    for k in (0, 2, 4):
        settings = PlacementSettings(k=k, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
        res = solve_placement(
            times, weight, weight, existing, group, settings, demand_group=demand_group
        )
        before.append(res.persons["unserved_persons_before"])
        after.append(res.persons["unserved_persons_after"])
        assert res.persons["capacity_per_advisor"] == CAP
    assert before[0] == pytest.approx(before[1]) == pytest.approx(before[2])
    assert after[0] == pytest.approx(before[0])
    assert after[0] >= after[1] >= after[2]


def two_epci():
    """EPCI a holds the existing site; EPCI b's only candidate is far from a's demand."""
    times = pd.DataFrame(
        [[2.0, 30.0, 1.0], [4.0, 30.0, 2.0], [30.0, 3.0, 30.0], [30.0, 40.0, 30.0]],
        index=["a1", "a2", "b1", "b2"],
        columns=["E", "Cb", "Ca"],
    )
    weight = pd.Series([300.0, 300.0, 200.0, 100.0], index=times.index)
    existing = pd.Series({"E": 1})
    group = pd.Series({"E": "a", "Ca": "a", "Cb": "b"})
    demand_group = pd.Series({"a1": "a", "a2": "a", "b1": "b", "b2": "b"})
    return times, weight, existing, group, demand_group


def test_epci_guarantee_met_or_refused_with_the_epci_named():
    times, weight, existing, group, demand_group = two_epci()
    base = {"k": 1, "threshold_min": 20.0, "capacity_per_advisor": 100.0}
    free = solve_placement(
        times, weight, weight, existing, group, PlacementSettings(**base), demand_group=demand_group
    )
    # Served persons tie (100 more either way): a is closer, b then gets nothing.
    assert free.chosen == ["Ca"]
    assert free.by_epci.loc["b", "capacity_per_person_in_need_after"] == 0.0
    guaranteed = solve_placement(
        times,
        weight,
        weight,
        existing,
        group,
        PlacementSettings(**base, min_epci_share=0.7),
        demand_group=demand_group,
    )
    ratio_g = guaranteed.by_epci["ratio_to_departement_after"]
    assert (ratio_g >= 0.7 - 1e-9).all()
    assert guaranteed.chosen == ["Cb"]
    # b2 is beyond the threshold of every place: at 0.95 b cannot reach its share.
    with pytest.raises(PlacementInfeasible) as err:
        solve_placement(
            times,
            weight,
            weight,
            existing,
            group,
            PlacementSettings(**base, min_epci_share=0.95),
            demand_group=demand_group,
        )
    assert "EPCI « b »" in str(err.value) and "à moins de 20 min" in str(err.value)


def test_epci_guarantee_short_of_advisors_names_the_epci():
    times, weight, existing, group, demand_group = two_epci()
    times.loc["b2", "Cb"] = 3.0
    # One new advisor cannot lift b (300 persons, nothing before) to 0.9 of 2 × 100 / 900.
    times["E"] = [2.0, 4.0, 30.0, 30.0]
    settings = PlacementSettings(
        k=1, threshold_min=20.0, capacity_per_advisor=100.0, min_epci_share=0.9,
        allow_reinforce=False, max_advisors_per_site=1, excluded=("Cb",),
    )  # fmt: skip
    with pytest.raises(PlacementInfeasible) as err:
        solve_placement(times, weight, weight, existing, group, settings, demand_group=demand_group)
    message = str(err.value)
    assert message.startswith("Garantie d'équité impossible")
    assert "EPCI « b »" in message


def test_balance_stage_spreads_ties_across_epci():
    # Two identical towns in two EPCI; the existing advisor sits in a. With one new
    # advisor the served persons and travel time tie; the balance stage gives it to b.
    times = pd.DataFrame(
        [[0.0, 30.0, 0.0], [30.0, 0.0, 30.0]], index=["ta", "tb"], columns=["E", "Cb", "Ca"]
    )
    weight = pd.Series([1000.0, 1000.0], index=times.index)
    existing = pd.Series({"E": 1})
    group = pd.Series({"E": "a", "Ca": "a", "Cb": "b"})
    demand_group = pd.Series({"ta": "a", "tb": "b"})
    settings = PlacementSettings(k=1, threshold_min=20.0, capacity_per_advisor=100.0)
    res = solve_placement(
        times, weight, weight, existing, group, settings, demand_group=demand_group
    )
    assert res.chosen == ["Cb"]
    assert res.solver["decisive_stage"] == "balance"
    assert [s["stage"] for s in res.solver["stages"]] == [
        "personnes accompagnées",
        "temps de trajet",
        "équilibre entre EPCI",
    ]
    assert "équilibre entre EPCI" in res.decided_by


def test_legacy_residual_objective_is_read_as_capacity():
    times, weight, existing, group, _ = random_instance(1)
    res = solve_placement(
        times, weight, weight, existing, group, PlacementSettings(k=2, objective="residual")
    )
    assert res.objective == "capacity"
    assert "« residual » est remplacé par « capacity »" in res.decided_by


def test_pruned_pairs_are_never_needed():
    rng = np.random.default_rng(3)
    n, m = 30, 5
    t = rng.uniform(0, 10, (n, m))
    w = rng.uniform(50, 500, n)
    groups = rng.integers(0, 3, n)
    ii, kk = np.nonzero(t <= 8)
    keep = prune_pairs(ii, kk, t[ii, kk], w, groups, 400.0)
    assert 0 < keep.sum() < len(ii)
    for i, k, kept in zip(ii, kk, keep, strict=True):
        closer = (groups == groups[i]) & (t[:, k] < t[i, k]) & (t[:, k] <= 8)
        assert kept == (w[closer].sum() < 400.0)


def random_model(seed: int, k: int, n_cand: int):
    """A random instance (12 demand points), its settings, instance and capacity model."""
    times, weight, existing, group, demand_group = random_instance(seed, n=12, n_cand=n_cand)
    settings = PlacementSettings(k=k, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
    inst = prepare_instance(
        times, weight, weight, existing, group, settings, demand_group=demand_group
    )
    return (times, weight, existing, group, demand_group), settings, inst, capacity_model(inst)


def test_model_sizes_and_strict_json():
    data, settings, _, cm = random_model(2, k=3, n_cand=6)
    times, weight, existing, group, demand_group = data
    assert cm.n_x == (6 + 2) * 3 and cm.blocks == 3
    res = solve_placement(
        times, weight, weight, existing, group, settings, demand_group=demand_group
    )
    payload = res.to_dict()
    dumps_strict(payload)
    for key in (
        "persons_in_need_estimated",
        "unserved_persons_before",
        "unserved_persons_after",
        "beyond_threshold_persons_before",
        "beyond_threshold_persons_after",
        "by_epci",
        "stable_sites",
        "decisions",
    ):
        assert key in payload
    assert {"kind", "advisors", "load_persons", "capacity_persons"} <= set(payload["decisions"][0])
    assert {"capacity_per_person_in_need_after", "ratio_to_departement_after"} <= set(
        payload["by_epci"][0]
    )


def test_travel_robustness_tells_stable_from_sensitive_sites():
    times, weight, existing, group, _ = random_instance(4, n=12, n_cand=6)
    settings = PlacementSettings(k=2, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
    res = solve_placement(times, weight, weight, existing, group, settings)
    same = travel_robustness(
        times, weight, weight, existing, group, settings,
        placement=res, circuities=(1.3,), speeds_kmh=(60.0,),
    )  # fmt: skip
    assert same["stable_sites"] == res.chosen and same["sensitive_sites"] == []
    assert res.to_dict()["stable_sites"] == res.chosen
    varied = travel_robustness(times, weight, weight, existing, group, settings, placement=res)
    assert len(varied["variants"]) == 4
    factors = sorted(round(v["factor"], 4) for v in varied["variants"])
    assert factors == sorted(round(c / 1.3 * 60 / s, 4) for c in (1.2, 1.4) for s in (50, 70))
    counted = set(varied["stable_sites"]) | {s["site_id"] for s in varied["sensitive_sites"]}
    assert counted == set(res.chosen)
    n_stable, n_sensitive = len(varied["stable_sites"]), len(varied["sensitive_sites"])
    assert varied["summary"].startswith(
        f"{n_stable} {'site stable' if n_stable < 2 else 'sites stables'} sur {len(res.chosen)} :"
    )
    assert varied["summary"].endswith(
        f"{n_sensitive} {'site sensible' if n_sensitive < 2 else 'sites sensibles'}."
    )


def test_capacity_trade_off_curve_counts_every_block():
    # The last block's persons were missing (NaN): the chart stopped one advisor short.
    from equity.placement import trade_off_curve

    times, weight, existing, group, _ = random_instance(2)
    settings = PlacementSettings(k=3, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
    curve = trade_off_curve(times, weight, weight, existing, group, settings)
    served = curve["served_persons"].to_numpy()
    assert len(served) == 4 and np.isfinite(served).all()
    assert (np.diff(served) >= -1e-9).all()
    # Each block adds at most one advisor's capacity.
    assert (np.diff(served) <= CAP + 1e-6).all()


@pytest.mark.parametrize(("seed", "n", "n_exist"), [(2, 9, 2), (27, 20, 1), (29, 30, 1)])
def test_capacity_trade_off_curve_equals_independent_lps(seed, n, n_exist):
    # The curve's steps share one LP whose bounds change: its pairs must be those of
    # the largest allocation (pruned for the current advisors alone, seeds 27 and 29
    # lose persons), and its EPCI counts must not be held at zero (infeasible).
    from equity.placement import trade_off_curve

    times, weight, existing, group, demand_group = random_instance(
        seed, n=n, n_cand=4, n_exist=n_exist
    )
    settings = PlacementSettings(k=4, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
    curve = trade_off_curve(
        times, weight, weight, existing, group, settings, demand_group=demand_group
    )
    advisors = existing.to_dict()
    for row in curve.itertuples():
        if isinstance(row.site_id, str):
            advisors[row.site_id] = advisors.get(row.site_id, 0) + 1
        served, _ = served_and_time(times, weight, advisors)
        assert row.served_persons == pytest.approx(served, rel=1e-7)


def test_capacity_trade_off_curve_with_a_forced_site():
    # With a forced site the persons were read one row late (row n showed n + 1 blocks).
    from equity.placement import trade_off_curve

    times, weight, existing, group, _ = random_instance(2)
    base = PlacementSettings(k=3, threshold_min=THRESHOLD, capacity_per_advisor=CAP)
    free = trade_off_curve(times, weight, weight, existing, group, base)
    with_c3 = replace(base, forced=("c3",))
    forced = trade_off_curve(times, weight, weight, existing, group, with_c3)
    # No new advisor: the current situation, forced or not.
    assert forced["served_persons"].iloc[0] == pytest.approx(free["served_persons"].iloc[0])
    assert forced["site_id"].iloc[1] == "c3"
    assert np.isfinite(forced["served_persons"]).all()
    assert (np.diff(forced["served_persons"]) <= CAP + 1e-6).all()


def test_closing_a_place_drops_only_its_persons():
    _, _, inst, cm = random_model(4, k=2, n_cand=4)
    ub = cm.milp.ub.copy()
    site_ids = np.array(inst.site_ids)
    closed_site = "c1"
    j = list(site_ids[cm.places]).index(closed_site)
    ub[j * cm.blocks : (j + 1) * cm.blocks] = 0.0
    cm.close_unopened(ub)
    pair_site = site_ids[cm.sites[cm.kk]]
    pair_ub = ub[cm.f_slice]
    assert (pair_site == closed_site).any()
    assert np.all(pair_ub[pair_site == closed_site] == 0.0)
    # Other places keep their persons, reinforced permanences (their advisors serve) too.
    assert np.all(pair_ub[pair_site != closed_site] == cm.pair_weight[pair_site != closed_site])
    # A permanence that cannot receive advisors keeps serving.
    e0 = list(site_ids[cm.places]).index("e0")
    ub[e0 * cm.blocks : (e0 + 1) * cm.blocks] = 0.0
    cm.close_unopened(ub)
    assert np.all(pair_ub[pair_site == "e0"] > 0)
