"""Accessibility of a set of open sites from each commune.

All functions take a travel-time matrix in minutes (rows = communes or other
demand points, columns = site ids, ``inf`` = unreachable), as produced by
:func:`geo.travel_time.access_matrix`, and return objects aligned to its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from equity.highs import solve_lp
from geo.defaults import COVERAGE_THRESHOLDS_MIN

__all__ = [
    "DEFAULT_THRESHOLDS_MIN",
    "CapacityAllocation",
    "Decay",
    "add_intra_commune_time",
    "allocate_capacity",
    "coverage",
    "decay_weights",
    "intra_commune_time_min",
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


def intra_commune_time_min(area_km2: pd.Series, circuity: float, speed_kmh: float) -> pd.Series:
    """Mean travel time from a commune's inhabitants to its centre, in minutes.

    The commune is taken as a disc of its area with inhabitants spread evenly: the mean
    distance to the centre of a disc of radius ``R = √(area / π)`` is ``2R / 3``, driven
    with the travel model's ``circuity`` at ``speed_kmh``. A commune point (its town
    hall) otherwise puts everyone 0 min from a site in their own commune.
    """
    radius_km = np.sqrt(area_km2.astype(float).clip(lower=0) / np.pi)
    return (2 * radius_km / 3 * circuity / speed_kmh * 60).rename("intra_access_min")


def add_intra_commune_time(
    times: pd.DataFrame,
    demand_commune: pd.Series,
    site_commune: pd.Series,
    intra_min: pd.Series,
) -> pd.DataFrame:
    """Travel times with the trip inside the commune added to sites of one's own commune.

    Parameters
    ----------
    times : pandas.DataFrame
        Minutes, demand points × sites.
    demand_commune : pandas.Series
        INSEE code of each demand point (a commune, or an IRIS or grid cell of it).
    site_commune : pandas.Series
        INSEE code of each site (column of ``times``).
    intra_min : pandas.Series
        Access time inside the commune for each demand point
        (:func:`intra_commune_time_min` for a commune point; near 0 for a fine cell).

    Returns
    -------
    pandas.DataFrame
        ``times`` where each site of the demand point's own commune takes
        ``intra / √k`` more minutes, ``k`` being the number of such sites: ``k`` sites
        spread over the commune split it into ``k`` discs of its ``1/k``-th area.
    """
    own = (
        site_commune.reindex(times.columns).to_numpy(object)[None, :]
        == (demand_commune.reindex(times.index).to_numpy(object)[:, None])
    )
    k = own.sum(axis=1, keepdims=True)
    extra = intra_min.reindex(times.index).fillna(0).to_numpy(float)[:, None] / np.sqrt(
        np.maximum(k, 1)
    )
    out = pd.DataFrame(
        times.to_numpy(float) + np.where(own, extra, 0.0), index=times.index, columns=times.columns
    )
    out.attrs = dict(times.attrs)
    return out


@dataclass(frozen=True)
class CapacityAllocation:
    """Persons in need served by sites of limited capacity (exact transportation LP).

    Attributes
    ----------
    served : pandas.Series
        Persons served within the threshold, per demand point (by the sites and, when
        given, the extra capacity).
    unserved : pandas.Series
        Persons not served: beyond the threshold of every site, or beyond what the
        sites reaching them (and the extra capacity) can absorb.
    beyond_threshold : pandas.Series
        Persons with no site within the threshold (and not served by extra capacity).
    site_load : pandas.Series
        Persons served by each site (≤ its capacity).
    mean_time_served_min : float
        Mean travel time of the persons served by the sites (the second stage's optimum).
    extra_served : pandas.Series
        Persons served by the extra capacity, per demand point (empty without it).
    extra_load : pandas.Series
        Persons served by each extra site (≤ its capacity; empty without it).
    """

    served: pd.Series
    unserved: pd.Series
    beyond_threshold: pd.Series
    site_load: pd.Series
    mean_time_served_min: float
    extra_served: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    extra_load: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))


def _solve(cost: np.ndarray, a_ub: sparse.csr_array, b_ub: np.ndarray) -> np.ndarray:
    x = solve_lp(cost, a_ub, b_ub)
    if x is None:  # the problem is always feasible (x = 0) and bounded
        raise RuntimeError("Allocation des capacités non résolue par HiGHS.")
    return x


def _transport(
    t: np.ndarray, d: np.ndarray, c: np.ndarray, threshold_min: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-stage transportation LP: most persons served, then the shortest trips.

    Returns the demand rows, site columns and flows of the pairs within the threshold.
    """
    rows, cols = np.nonzero((t <= threshold_min) & (d[:, None] > 0) & (c[None, :] > 0))
    x = np.zeros(len(rows))
    if len(rows):
        n = len(rows)
        a_ub = sparse.vstack(
            [
                sparse.csr_array((np.ones(n), (rows, np.arange(n))), shape=(len(d), n)),
                sparse.csr_array((np.ones(n), (cols, np.arange(n))), shape=(len(c), n)),
            ]
        ).tocsr()
        b_ub = np.concatenate([d, c])
        served_total = float(_solve(-np.ones(n), a_ub, b_ub).sum())
        # Keep the total (less solver tolerance) and spend it on the shortest trips.
        keep = sparse.csr_array(-np.ones((1, n)))
        floor = served_total * (1 - 1e-9) - 1e-6
        x = _solve(t[rows, cols], sparse.vstack([a_ub, keep]).tocsr(), np.r_[b_ub, -floor])
    return rows, cols, x


def allocate_capacity(
    times: pd.DataFrame,
    demand: pd.Series,
    capacity: pd.Series,
    threshold_min: float,
    *,
    extra_times: pd.DataFrame | None = None,
    extra_capacity: pd.Series | None = None,
    extra_threshold_min: float | None = None,
) -> CapacityAllocation:
    """Exact allocation of persons in need to sites within the threshold, under capacity.

    A transportation linear programme solved by HiGHS in two stages: first maximise
    the persons served, ``Σ x_ij`` over pairs with ``t_ij ≤ threshold``, subject to
    ``Σ_j x_ij ≤ demand_i`` and ``Σ_i x_ij ≤ capacity_j``; then, with that total
    kept, minimise their travel time ``Σ t_ij x_ij``.

    Extra capacity (mobile sessions) serves only the persons the sites leave unserved,
    by the same two-stage programme over ``extra_times`` within ``extra_threshold_min``:
    the sites keep the persons they serve, so the extra capacity lowers the unserved
    persons within its reach and nowhere else, and by at most its own amount.

    Parameters
    ----------
    times : pandas.DataFrame
        Minutes, demand points × sites.
    demand : pandas.Series
        Persons in need per demand point.
    capacity : pandas.Series
        Persons each site can serve (advisors × persons per advisor per year).
    threshold_min : float
        Largest travel time at which a person counts as served.
    extra_times : pandas.DataFrame, optional
        Minutes, demand points (the rows of ``times``) × extra sites.
    extra_capacity : pandas.Series, optional
        Persons each extra site can serve (columns of ``extra_times``).
    extra_threshold_min : float, optional
        Reach of the extra sites (default: ``threshold_min``).

    Returns
    -------
    CapacityAllocation
    """
    t = times.to_numpy(float)
    d = demand.reindex(times.index).fillna(0).to_numpy(float)
    c = capacity.reindex(times.columns).fillna(0).to_numpy(float)
    rows, cols, x = _transport(t, d, c, threshold_min)
    reach = (t <= threshold_min).any(axis=1)
    served = np.bincount(rows, weights=x, minlength=len(d))
    load = np.bincount(cols, weights=x, minlength=len(c))
    mean_time = float((t[rows, cols] * x).sum() / x.sum()) if x.sum() > 0 else float("nan")
    extra_served = extra_load = pd.Series(dtype=float)
    if extra_times is not None and extra_capacity is not None:
        te = extra_times.reindex(index=times.index).fillna(np.inf).to_numpy(float)
        ce = extra_capacity.reindex(extra_times.columns).fillna(0).to_numpy(float)
        left = np.maximum(d - served, 0.0)
        reach_e = threshold_min if extra_threshold_min is None else extra_threshold_min
        rows_e, cols_e, x_e = _transport(te, left, ce, reach_e)
        by_point = np.minimum(np.bincount(rows_e, weights=x_e, minlength=len(d)), left)
        served = served + by_point
        extra_served = pd.Series(by_point, index=times.index)
        extra_load = pd.Series(
            np.bincount(cols_e, weights=x_e, minlength=len(ce)), index=extra_times.columns
        )
    unserved = np.maximum(d - served, 0.0)
    return CapacityAllocation(
        served=pd.Series(served, index=times.index),
        unserved=pd.Series(unserved, index=times.index),
        beyond_threshold=pd.Series(np.where(reach, 0.0, unserved), index=times.index),
        site_load=pd.Series(load, index=times.columns),
        mean_time_served_min=mean_time,
        extra_served=extra_served,
        extra_load=extra_load,
    )
