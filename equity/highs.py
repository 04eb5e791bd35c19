"""HiGHS through its own Python interface (highspy): quiet instances, one solve at a time.

Shared by the placement models (:mod:`equity.placement.milp`) and the capacity
allocation of the diagnostic (:mod:`equity.accessibility`). highspy loads in about
0.01 s where :func:`scipy.optimize.linprog` costs 0.2 s of imports on the first map.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy
import numpy as np
from scipy import sparse

__all__ = ["HIGHS_LOCK", "highs_lp", "quiet_highs", "solve_lp"]

#: HiGHS' task scheduler is per process: one solve at a time (Streamlit serves every
#: session from threads of one process).
HIGHS_LOCK = threading.Lock()
_BANNER_SHOWN = False


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing.

    highspy writes a copyright banner on the process's standard output the first time
    one is built, before any option can be set; that line would break the CLI's JSON
    output, so the first construction runs with file descriptor 1 on ``/dev/null``.
    """
    global _BANNER_SHOWN
    with HIGHS_LOCK:
        if not _BANNER_SHOWN:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _BANNER_SHOWN = True
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def highs_lp(
    a: sparse.csc_array,
    lo: np.ndarray,
    hi: np.ndarray,
    c: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integrality: np.ndarray,
) -> highspy.HighsLp:
    """The model in HiGHS' column-wise form (infinite bounds as HiGHS' infinity)."""
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.asarray(lb, dtype=float)
    lp.col_upper_ = np.asarray(ub, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(lo), lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(hi), hi, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    if np.any(integrality > 0):
        # Indexing an object array: a Python loop took 0.1 s per recommendation on Sarthe.
        kinds = np.array(
            [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger], dtype=object
        )
        lp.integrality_ = kinds[(np.asarray(integrality) > 0).astype(int)].tolist()
    return lp


def solve_lp(c: np.ndarray, a_ub: sparse.csr_array, b_ub: np.ndarray) -> np.ndarray | None:
    """``argmin c x`` subject to ``a_ub x <= b_ub`` and ``x >= 0`` (``None`` unless optimal)."""
    a = sparse.csc_array(a_ub)
    n_rows, n_cols = a.shape
    h = quiet_highs()
    h.passModel(
        highs_lp(
            a, np.full(n_rows, -np.inf), np.asarray(b_ub, float), np.asarray(c, float),
            np.zeros(n_cols), np.full(n_cols, np.inf), np.zeros(n_cols),
        )
    )  # fmt: skip
    with HIGHS_LOCK:
        h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(h.getSolution().col_value)
