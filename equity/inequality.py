"""Inequality of travel times: weighted Gini and Theil index with group decomposition.

Both measure *relative* dispersion: they can rise when every travel time falls (a plan
that brings the near even nearer). They are secondary measures; the diagnosis' headline
figures are persons unserved and minutes (:meth:`equity.diagnostics.Diagnosis.findings`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["RELATIVE_DISPERSION_NOTE_FR", "TheilDecomposition", "gini", "theil"]

#: What Gini and Theil measure, in one French sentence shown next to them.
RELATIVE_DISPERSION_NOTE_FR = (
    "Les indices de Gini et de Theil mesurent la dispersion relative des temps de trajet "
    "(l'écart entre habitants rapporté au temps moyen) : ils peuvent augmenter quand tous "
    "les temps baissent, et ne disent pas à eux seuls si l'accès s'améliore."
)


def gini(values: np.ndarray | pd.Series, weights: np.ndarray | pd.Series | None = None) -> float:
    """Weighted Gini coefficient of non-negative values (0 = equal, → 1 = concentrated).

    With weights w_i (e.g. inhabitants) and mean μ = Σ w x / Σ w:
    ``G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 (Σ w)² μ)``, computed in O(n log n)
    from the sorted cumulative sums.
    """
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    if len(x) == 0 or np.all(x == 0):
        return 0.0
    if np.any(x < 0):
        raise ValueError("Le coefficient de Gini demande des valeurs positives ou nulles.")
    order = np.argsort(x)
    x, w = x[order], w[order]
    total_w = w.sum()
    mean = np.sum(w * x) / total_w
    cum_w = np.cumsum(w)
    cum_wx = np.cumsum(w * x)
    # Σ_i w_i Σ_{j<i} w_j (x_i − x_j), doubled for both orders of each pair.
    pair_sum = np.sum(w * (x * (cum_w - w) - (cum_wx - w * x)))
    return float(2 * pair_sum / (2 * total_w**2 * mean))


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T index split into between-group and within-group parts.

    ``total == between + within`` (up to rounding); ``by_group`` has each group's
    weight share, mean, own Theil index and contribution to ``within``.
    """

    total: float
    between: float
    within: float
    by_group: pd.DataFrame

    def to_dict(self) -> dict[str, float]:
        return {"total": self.total, "between": self.between, "within": self.within}


def _theil(x: np.ndarray, w: np.ndarray) -> float:
    mean = np.sum(w * x) / np.sum(w)
    if mean <= 0:
        return 0.0
    ratio = x / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ratio > 0, ratio * np.log(ratio), 0.0)
    return float(np.sum(w * terms) / np.sum(w))


def theil(
    values: np.ndarray | pd.Series,
    weights: np.ndarray | pd.Series,
    groups: np.ndarray | pd.Series,
) -> TheilDecomposition:
    """Population-weighted Theil T index and its between/within decomposition.

    ``T = Σ_i p_i (x_i/μ) ln(x_i/μ)`` with population shares p_i (0·ln 0 = 0);
    ``T = Σ_g s_g T_g + Σ_g s_g ln(μ_g/μ)`` where ``s_g = P_g μ_g / (P μ)`` is the
    group's share of the total (population × value).
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    g = np.asarray(groups)
    keep = np.isfinite(x) & (w > 0)
    x, w, g = x[keep], w[keep], g[keep]
    if np.any(x < 0):
        raise ValueError("L'indice de Theil demande des valeurs positives ou nulles.")
    total = _theil(x, w)
    mean = np.sum(w * x) / np.sum(w)
    rows = []
    for group in pd.unique(g):
        sel = g == group
        w_g, x_g = w[sel], x[sel]
        mean_g = np.sum(w_g * x_g) / np.sum(w_g)
        share = np.sum(w_g) * mean_g / (np.sum(w) * mean) if mean > 0 else 0.0
        t_g = _theil(x_g, w_g)
        rows.append(
            {
                "group": group,
                "weight_share": float(np.sum(w_g) / np.sum(w)),
                "mean": float(mean_g),
                "theil": t_g,
                "value_share": float(share),
                "within_contribution": float(share * t_g),
                "between_term": float(share * np.log(mean_g / mean)) if mean_g > 0 else 0.0,
            }
        )
    by_group = pd.DataFrame(rows).set_index("group")
    within = float(by_group["within_contribution"].sum())
    between = float(by_group["between_term"].sum())
    return TheilDecomposition(total=total, between=between, within=within, by_group=by_group)
