"""Hand-checkable micro cases for accessibility, inequality and the need index."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from equity.accessibility import (
    coverage,
    decay_weights,
    nearest_site,
    sites_within,
    two_step_fca,
    weighted_quantile,
)
from equity.inequality import gini, theil
from equity.need import NeedWeights, need_index, normalise

TIMES = pd.DataFrame(
    [[5, 15, 8], [12, 4, 20], [9, 9, 30]],
    index=["a", "b", "c"],
    columns=["s0", "s1", "s2"],
    dtype=float,
)
POP = pd.Series([1000, 2000, 3000], index=["a", "b", "c"], dtype=float)
SUPPLY = pd.Series([1, 1, 2], index=["s0", "s1", "s2"], dtype=float)


def test_two_step_fca_three_by_three():
    # Step 1: R = [1/4000, 1/5000, 2/1000]; step 2: A = R reachable, × 10,000.
    out = two_step_fca(TIMES, POP, SUPPLY, threshold_min=10)
    assert out["fca_ratio"].tolist() == pytest.approx([22.5, 2.0, 4.5])
    assert out.attrs["site_ratio"].tolist() == pytest.approx([2.5, 2.0, 20.0])
    # Every advisor is allocated exactly once over the population.
    assert (out["fca_ratio"] * POP).sum() / 10_000 == pytest.approx(SUPPLY.sum())


def test_gaussian_decay_bounds():
    f = decay_weights(np.array([0.0, 5.0, 10.0, 11.0, np.inf]), 10, "gaussian")
    assert f[0] == pytest.approx(1.0)
    assert f[2] == pytest.approx(0.0)
    assert 0 < f[1] < 1 and f[3] == 0 and f[4] == 0
    gravity = decay_weights(np.array([0.5, 2.0, 30.0]), 20, "gravity", beta=1.0)
    assert gravity.tolist() == pytest.approx([1.0, 0.5, 0.0])


def test_nearest_and_within():
    nearest = nearest_site(TIMES)
    assert nearest["nearest_site_id"].tolist() == ["s0", "s1", "s0"]
    assert nearest["travel_time_min"].tolist() == [5, 4, 9]
    assert sites_within(TIMES, 10).tolist() == [2, 1, 2]
    unreachable = nearest_site(pd.DataFrame([[np.inf]], index=["x"], columns=["s"]))
    assert unreachable["nearest_site_id"].iloc[0] is None


def test_coverage_shares():
    table = coverage(pd.Series([5.0, 12.0, 25.0], index=list("abc")), POP, POP * 2, (10, 20))
    assert table.loc[10, "population_within"] == 1000
    assert table.loc[20, "share_within"] == pytest.approx(0.5)
    assert table.loc[20, "need_share_within"] == pytest.approx(0.5)


def test_weighted_quantile_matches_replication():
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([1, 2, 1])
    replicated = np.repeat(values, weights)
    assert weighted_quantile(values, weights, 0.5) == np.sort(replicated)[1]
    assert weighted_quantile(values, weights, 0.9) == 3.0


def _gini_direct(x, w):
    x, w = np.asarray(x, float), np.asarray(w, float)
    mean = np.sum(w * x) / np.sum(w)
    total = sum(
        wi * wj * abs(xi - xj)
        for (xi, wi), (xj, wj) in itertools.product(zip(x, w, strict=True), repeat=2)
    )
    return total / (2 * np.sum(w) ** 2 * mean)


def test_gini_against_direct_formula():
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([5, 5, 5]) == 0.0
    rng = np.random.default_rng(7)
    x, w = rng.exponential(10, 40), rng.integers(1, 500, 40)
    assert gini(x, w) == pytest.approx(_gini_direct(x, w))
    # Integer weights are the same as repeating values.
    assert gini([1, 3], [2, 1]) == pytest.approx(gini([1, 1, 3]))


def test_theil_direct_and_decomposition():
    rng = np.random.default_rng(11)
    x, w = rng.exponential(10, 60), rng.integers(1, 1000, 60).astype(float)
    groups = rng.choice(["A", "B", "C"], 60)
    result = theil(x, w, groups)
    p = w / w.sum()
    mean = np.sum(p * x)
    direct = np.sum(p * (x / mean) * np.log(x / mean))
    assert result.total == pytest.approx(direct)
    assert result.between + result.within == pytest.approx(result.total)
    assert result.by_group["weight_share"].sum() == pytest.approx(1.0)
    equal_groups = theil([1, 2, 1, 2], [1, 1, 1, 1], ["A", "A", "B", "B"])
    assert equal_groups.between == pytest.approx(0.0)


def test_normalise_directions_and_methods():
    values = pd.Series([10.0, 20.0, np.nan, 40.0])
    assert normalise(values, +1).tolist()[:2] == [0.0, 0.5]
    assert np.isnan(normalise(values, +1).iloc[2])
    assert normalise(values, -1).iloc[3] == 0.0
    assert normalise(values, +1, "minmax").iloc[3] == 1.0
    assert 0 < normalise(values, +1, "zscore").iloc[1] < 1
    with pytest.raises(ValueError, match="Normalisation inconnue"):
        normalise(values, 1, "log")


def test_need_index_weights_and_persons_in_need():
    frame = pd.DataFrame(
        {"fragility": [100.0, 120.0, 80.0], "income": [20_000.0, 18_000.0, 25_000.0]},
        index=list("abc"),
    )
    pop = pd.Series([100.0, 300.0, 600.0], index=list("abc"))
    weights = NeedWeights({"fragility": 1.0, "income": 1.0}, {"fragility": 1, "income": -1})
    need = need_index(frame, pop, weights)
    assert need["need_rank"].tolist() == [2, 1, 3]
    assert need.loc["b", "need_index"] == 1.0
    # Persons, not a rescaled population: 15+ (national share) × 15.4 %, redistributed.
    assert need["persons_in_need"].sum() == pytest.approx(pop.sum() * 0.823 * 0.154)
    only_income = need_index(frame, pop, NeedWeights({"income": 1.0}, {"income": 1}))
    assert only_income["need_rank"].tolist() == [2, 3, 1]
    with pytest.raises(ValueError, match="absent"):
        need_index(frame, pop, NeedWeights({"missing": 1.0}, {}))
    with pytest.raises(ValueError, match="nuls"):
        need_index(frame, pop, NeedWeights({"income": 0.0}, {}))


def test_epci_are_listed_in_french_order(territory):
    # Code-point order put « CC Sud Sarthe » before « CC de la Champagne… » and
    # « CU Le Mans Métropole » before « CU d'Alençon ».
    from equity.diagnostics import diagnose
    from geo.formatting import french_sort_key

    names = list(diagnose(territory).by_epci.index)
    assert names == sorted(names, key=french_sort_key)
    assert names.index("CU d'Alençon") < names.index("CU Le Mans Métropole")
    assert french_sort_key("Écommoy") == "ecommoy"
