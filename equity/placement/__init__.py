"""Where to place new digital-inclusion advisors: exact location models on a cost matrix."""

from __future__ import annotations

from equity.placement._engine import (
    CAPACITY_REL_GAP,
    LEXICO_REL_TOL,
    OBJECTIVE_LABELS_FR,
    OBJECTIVES,
    RESIDUAL_FLOOR,
    RESIDUAL_NEAREST,
    Objective,
    PlacementInfeasible,
    PlacementResult,
    PlacementSettings,
    RobustnessResult,
    _prepare,
    greedy_placement,
    residual_need,
    robustness,
    solve_placement,
    threshold_sensitivity,
    trade_off_curve,
)
from equity.placement.covering import greedy_covering, max_covering

__all__ = [
    "CAPACITY_REL_GAP",
    "LEXICO_REL_TOL",
    "OBJECTIVES",
    "OBJECTIVE_LABELS_FR",
    "RESIDUAL_FLOOR",
    "RESIDUAL_NEAREST",
    "Objective",
    "PlacementInfeasible",
    "PlacementResult",
    "PlacementSettings",
    "RobustnessResult",
    "_prepare",
    "greedy_covering",
    "greedy_placement",
    "max_covering",
    "residual_need",
    "robustness",
    "solve_placement",
    "threshold_sensitivity",
    "trade_off_curve",
]
