"""Maximal covering against brute force, dense and sparse inputs, forced sites, greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from equity.placement import greedy_covering, max_covering


def random_cover(seed: int, n: int = 14, m: int = 9, density: float = 0.25):
    rng = np.random.default_rng(seed)
    within = rng.random((n, m)) < density
    weights = rng.integers(0, 500, n).astype(float)
    return within, weights


def brute_force(within, weights, n_select, forced):
    """Best covered weight over every set of at most ``n_select`` columns with ``forced``."""
    m = within.shape[1]
    best = -1.0
    for size in range(n_select + 1):
        for combo in itertools.combinations(range(m), size):
            if not set(np.flatnonzero(forced)) <= set(combo):
                continue
            covered = within[:, list(combo)].any(axis=1) if combo else np.zeros(len(weights), bool)
            best = max(best, float(weights[covered].sum()))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_select", [1, 3])
def test_max_covering_matches_brute_force(seed, n_select):
    within, weights = random_cover(seed)
    forced = np.zeros(within.shape[1], bool)
    if seed % 2:
        forced[seed % within.shape[1]] = True
    chosen, status = max_covering(within, weights, n_select, forced)
    assert status["status"] == 0
    assert chosen.sum() <= n_select
    assert chosen[forced].all()
    covered = float(weights[within[:, chosen].any(axis=1)].sum())
    assert covered == pytest.approx(brute_force(within, weights, n_select, forced))
    assert status["objective"] == pytest.approx(covered)
    assert set(status) == {"status", "message", "objective", "mip_gap", "seconds"}


def test_sparse_input_gives_the_same_selection():
    within, weights = random_cover(3, n=30, m=12)
    dense, _ = max_covering(within, weights, 4)
    sparse_chosen, _ = max_covering(sparse.csr_array(within), weights, 4)
    legacy_chosen, _ = max_covering(sparse.csr_matrix(within), weights, 4)
    covered = [float(weights[within[:, c].any(axis=1)].sum()) for c in (dense, sparse_chosen)]
    assert covered[0] == pytest.approx(covered[1])
    assert np.array_equal(sparse_chosen, legacy_chosen)
    assert np.array_equal(
        greedy_covering(within, weights, 4), greedy_covering(sparse.csc_array(within), weights, 4)
    )


def test_greedy_takes_forced_then_best_gain_and_stops_when_nothing_is_left():
    within = np.array(
        [
            [1, 0, 0, 0],
            [1, 1, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
        ],
        dtype=bool,
    )
    weights = np.array([10.0, 5.0, 40.0, 1.0])
    # Forced column 0 covers rows 0-1; then column 1 adds 40, column 2 adds 1, column 3 nothing.
    chosen = greedy_covering(within, weights, 4, np.array([True, False, False, False]))
    assert chosen.tolist() == [True, True, True, False]
    assert greedy_covering(within, weights, 1).tolist() == [False, True, False, False]


def test_zero_weights_and_uncoverable_rows_count_for_nothing():
    within = np.array([[1, 0], [0, 0], [0, 1]], dtype=bool)
    weights = np.array([0.0, 100.0, 3.0])
    chosen, status = max_covering(within, weights, 1)
    assert chosen.tolist() == [False, True]
    assert status["objective"] == pytest.approx(3.0)


def test_inconsistent_inputs_list_every_problem():
    within = np.ones((3, 2), bool)
    with pytest.raises(ValueError) as err:
        max_covering(within, np.array([1.0, -1.0]), 1, np.array([True, True]))
    message = str(err.value)
    assert "ne correspond pas aux 2 poids" in message
    assert "positifs ou nuls" in message
    assert "2 sites imposés pour au plus 1 sites" in message
