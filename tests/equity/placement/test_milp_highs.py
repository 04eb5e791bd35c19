"""The HiGHS plumbing of the location models: results, starts, reduced-cost fixing."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import OptimizeResult

from equity.placement.milp import MilpModel, fix_by_reduced_cost, lp_relaxation, rows_block


def knapsack() -> MilpModel:
    """max 5a + 4b + 3c with 2a + 3b + c <= 4, binaries: optimum a = c = 1 (value 8)."""
    a = sparse.coo_array(np.array([[2.0, 3.0, 1.0]]))
    rows = [rows_block(a, np.array([-np.inf]), np.array([4.0]))]
    return MilpModel(np.array([-5.0, -4.0, -3.0]), np.ones(3), np.zeros(3), np.ones(3), rows, 3)


def test_milp_result_like_scipy():
    model = knapsack()
    res, seconds = model.solve(deadline=float("inf"))
    assert res.status == 0 and res.success and res.mip_gap == 0.0
    assert res.fun == pytest.approx(-8.0)
    assert np.allclose(res.x, [1.0, 0.0, 1.0])
    assert res.message == "HiGHS : optimum atteint" and seconds >= 0.0


def test_infeasible_has_no_solution():
    model = knapsack()
    model.add_row(np.ones(3), 4.0, 4.0)  # four binaries out of three
    res, _ = model.solve(deadline=float("inf"))
    assert res.status == 2 and res.x is None and res.fun is None


def test_start_is_used_when_time_is_short():
    model = knapsack()
    res, _ = model.solve(deadline=0.0, start=np.array([1.0, 0.0, 1.0]))
    assert res.x is not None and res.fun == pytest.approx(-8.0)


def test_lp_marginals_match_the_relaxation():
    model = knapsack()
    for primal in (False, True):
        lp = lp_relaxation(model, model.c, primal)
        # LP optimum: a = 1, c = 1, b = 1/3 (ratio order 5/2 > 3/1 > 4/3 by weight).
        assert lp.fun == pytest.approx(-8.0 - 4.0 / 3.0)
        assert (lp.lower.marginals >= 0).all() and (lp.upper.marginals <= 0).all()


def test_reduced_cost_noise_fixes_nothing():
    """Reduced costs of 1e-13 (simplex round-off) once fixed binaries of an optimum."""
    model = MilpModel(np.zeros(2), np.ones(2), np.zeros(2), np.ones(2), [], 2)
    lp = OptimizeResult(
        x=np.array([0.0, 1.0]),
        fun=-1.0,
        status=0,
        lower=OptimizeResult(marginals=np.array([6e-13, 0.0])),
        upper=OptimizeResult(marginals=np.array([0.0, -8e-13])),
    )
    assert fix_by_reduced_cost(model, lp, limit=-1.0) == 0
    assert model.lb.tolist() == [0.0, 0.0] and model.ub.tolist() == [1.0, 1.0]
    # A real reduced cost still fixes.
    lp.lower.marginals[0] = 2.0
    assert fix_by_reduced_cost(model, lp, limit=-0.5) == 1 and model.ub[0] == 0.0


def test_no_banner_on_standard_output():
    """highspy prints a banner on first use: it would break ``recommend --json -``."""
    code = (
        "import numpy as np\n"
        "from equity.placement.milp import MilpModel\n"
        "model = MilpModel(np.array([-1.0]), np.ones(1), np.zeros(1), np.ones(1), [], 1)\n"
        "model.add_row(np.ones(1), 0.0, 1.0)\n"
        "print(model.solve(float('inf'))[0].status)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "0\n"
