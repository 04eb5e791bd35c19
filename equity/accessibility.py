"""Accessibility of a set of open sites from each commune.

All functions take a travel-time matrix in minutes (rows = communes or other
demand points, columns = site ids, ``inf`` = unreachable), as produced by
:func:`geo.travel_time.access_matrix`, and return objects aligned to its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from geo.defaults import COVERAGE_THRESHOLDS_MIN

__all__ = [
    "DEFAULT_THRESHOLDS_MIN",
    "Decay",
    "coverage",
    "decay_weights",
    "nearest_site",
    "sites_within",
    "two_step_fca",
    "weighted_quantile",
]

Decay = Literal["step", "gaussian", "gravity"]
#: Thresholds reported side by side.
DEFAULT_THRESHOLDS_MIN: tuple[int, ...] = COVERAGE_THRESHOLDS_MIN


def nearest_site(times: pd.DataFrame) -> pd.DataFrame:
    """Nearest open site and its travel time for each row.

    Returns
    -------
    pandas.DataFrame
        ``nearest_site_id`` (None when nothing is reachable) and
        ``travel_time_min`` (``inf`` then).
    """
    values = times.to_numpy(dtype=float)
    if values.shape[1] == 0:
        return pd.DataFrame({"nearest_site_id": None, "travel_time_min": np.inf}, index=times.index)
    best = np.argmin(values, axis=1)
    best_time = values[np.arange(len(values)), best]
    ids = np.asarray(times.columns, dtype=object)[best]
    ids = np.where(np.isfinite(best_time), ids, None)
    return pd.DataFrame({"nearest_site_id": ids, "travel_time_min": best_time}, index=times.index)


def sites_within(times: pd.DataFrame, threshold_min: float) -> pd.Series:
    """Number of open sites reachable within ``threshold_min`` minutes."""
    return (times <= threshold_min).sum(axis=1).rename("n_sites_within")


def decay_weights(
    times_min: np.ndarray, threshold_min: float, decay: Decay = "step", beta: float = 1.0
) -> np.ndarray:
    """Distance-decay weight f(t) in [0, 1], zero beyond the threshold.

    ``step``: 1 within the threshold. ``gaussian``: the Gaussian 2SFCA kernel
    ``(exp(-½(t/d)²) − exp(-½)) / (1 − exp(-½))`` (1 at t = 0, 0 at t = d).
    ``gravity``: ``(max(t, 1) / 1 min)^-β`` within the threshold.
    """
    t = np.asarray(times_min, dtype=float)
    inside = t <= threshold_min
    if decay == "step":
        f = np.ones_like(t)
    elif decay == "gaussian":
        edge = np.exp(-0.5)
        f = (np.exp(-0.5 * (np.minimum(t, threshold_min) / threshold_min) ** 2) - edge) / (1 - edge)
    elif decay == "gravity":
        f = np.maximum(np.where(np.isfinite(t), t, 1.0), 1.0) ** -beta
    else:
        raise ValueError(f"Fonction de décroissance inconnue : {decay!r}.")
    return np.where(inside, f, 0.0)


def two_step_fca(
    times: pd.DataFrame,
    population: pd.Series,
    supply: pd.Series,
    threshold_min: float,
    decay: Decay = "step",
    beta: float = 1.0,
    per: float = 10_000.0,
) -> pd.DataFrame:
    """Two-step floating catchment area ratio (Luo & Wang 2003; Gaussian: Dai 2010).

    Step 1, for each site j: ``R_j = S_j / Σ_i P_i f(t_ij)`` (advisors per
    inhabitant of its catchment). Step 2, for each commune i:
    ``A_i = per × Σ_j R_j f(t_ij)`` (advisors per ``per`` inhabitants reachable).

    Parameters
    ----------
    times : pandas.DataFrame
        Minutes, communes × sites.
    population : pandas.Series
        Inhabitants per row of ``times``.
    supply : pandas.Series
        Advisors per column of ``times``.
    threshold_min : float
        Catchment size d.
    decay : {"step", "gaussian", "gravity"}
        Distance decay within the catchment.

    Returns
    -------
    pandas.DataFrame
        ``fca_ratio`` per row (advisors per ``per`` inhabitants), and in
        ``attrs["site_ratio"]`` the step-1 ratio per site (× ``per``).
    """
    f = decay_weights(times.to_numpy(dtype=float), threshold_min, decay, beta)
    pop = population.reindex(times.index).to_numpy(dtype=float)
    sup = supply.reindex(times.columns).to_numpy(dtype=float)
    demand_j = f.T @ pop
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_j = np.where(demand_j > 0, sup / demand_j, 0.0)
    access = per * (f @ ratio_j)
    out = pd.DataFrame({"fca_ratio": access}, index=times.index)
    out.attrs["site_ratio"] = pd.Series(per * ratio_j, index=times.columns)
    return out


def coverage(
    travel_time_min: pd.Series,
    population: pd.Series,
    persons_in_need: pd.Series | None = None,
    thresholds_min: Sequence[float] = DEFAULT_THRESHOLDS_MIN,
) -> pd.DataFrame:
    """Population (and persons in need) within each threshold of their nearest site.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``threshold_min``: ``population_within``, ``share_within``,
        and, with ``persons_in_need``, ``need_within`` and ``need_share_within``.
    """
    rows = []
    total = float(population.sum())
    need_total = float(persons_in_need.sum()) if persons_in_need is not None else None
    for threshold in thresholds_min:
        within = travel_time_min <= threshold
        row = {
            "threshold_min": threshold,
            "population_within": float(population[within].sum()),
            "share_within": float(population[within].sum()) / total if total else np.nan,
        }
        if persons_in_need is not None:
            need = float(persons_in_need[within].sum())
            row["need_within"] = need
            row["need_share_within"] = need / need_total if need_total else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("threshold_min")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of ``values`` where each value counts ``weights`` times (inf allowed)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    if len(values) == 0:
        return float("nan")
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    position = np.searchsorted(cumulative, q * cumulative[-1], side="left")
    return float(values[order][min(position, len(values) - 1)])
