"""Where the service vehicles stop: maximal covering of the need left by the fixed sites.

Choose at most ``n_stops`` candidate sites maximising the need (persons in need) of the
communes within ``short_drive_min`` of a chosen stop that are *not already covered* by
the fixed sites (MCLP). The model is the placement package's maximal covering
(:func:`equity.placement.covering.max_covering`, exact MILP solved by HiGHS); its greedy
heuristic (best marginal gain first) is the fallback when the solver returns no
solution. Stops adding no need are dropped, so fewer than ``n_stops`` may come back.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from equity.placement.covering import greedy_covering, max_covering
from geo.defaults import SOLVER_TIME_LIMIT_S

__all__ = ["select_stops"]

_SELECTION_COLUMNS = [
    "stop_id",
    "gain_need",
    "gain_population",
    "newly_covered_count",
    "newly_covered",
    "forced",
]


def _aligned(series: pd.Series, index: pd.Index, name: str) -> np.ndarray:
    missing = index.difference(series.index)
    if len(missing):
        raise ValueError(
            f"{name} manquant(e) pour {len(missing)} commune(s), par exemple « {missing[0]} »."
        )
    return series.reindex(index).to_numpy(dtype=float)


def _candidate_columns(
    coverage_min: pd.DataFrame,
    candidates: Iterable[Hashable] | None,
    forced: Iterable[Hashable],
    n_stops: int,
    short_drive_min: float,
) -> tuple[pd.Index, list[Hashable]]:
    """Candidate ids and forced ids, checked against the matrix and the stop count."""
    if n_stops < 1 or not short_drive_min > 0:
        raise ValueError(
            "le nombre d'arrêts doit être au moins 1 et le temps de trajet court positif."
        )
    cols = pd.Index(list(coverage_min.columns) if candidates is None else list(candidates))
    unknown = cols.difference(coverage_min.columns)
    if len(unknown):
        raise ValueError(f"lieux candidats absents de la matrice de couverture : {list(unknown)}.")
    forced_ids = list(dict.fromkeys(forced))
    if any(f not in cols for f in forced_ids):
        raise ValueError("un arrêt imposé ne fait pas partie des lieux candidats.")
    if len(forced_ids) > n_stops:
        raise ValueError(
            f"{len(forced_ids)} arrêts imposés pour au plus {n_stops} arrêts : "
            "augmentez le nombre d'arrêts."
        )
    return cols, forced_ids


def _ranked(
    chosen: np.ndarray,
    a: np.ndarray,
    w: np.ndarray,
    pop: np.ndarray,
    forced_mask: np.ndarray,
    rows: pd.Index,
    cols: pd.Index,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Chosen stops by decreasing marginal gain (ties: gained population, then column).

    Returns the table (stops adding nothing dropped unless forced) and the covered rows.
    """
    records = []
    covered_now = np.zeros(len(rows), dtype=bool)
    remaining = list(np.flatnonzero(chosen))
    while remaining:
        gains = [
            (float(w[a[:, j] & ~covered_now].sum()), float(pop[a[:, j] & ~covered_now].sum()), -j)
            for j in remaining
        ]
        best = max(range(len(remaining)), key=lambda i: gains[i])
        j = remaining.pop(best)
        new = a[:, j] & ~covered_now
        if new.any() or forced_mask[j]:
            records.append(
                {
                    "stop_id": cols[j],
                    "gain_need": float(w[new].sum()),
                    "gain_population": float(pop[new].sum()),
                    "newly_covered_count": int(new.sum()),
                    "newly_covered": list(rows[new]),
                    "forced": bool(forced_mask[j]),
                }
            )
        covered_now |= new
    result = pd.DataFrame(records, columns=_SELECTION_COLUMNS).set_index("stop_id")
    result.insert(0, "rank", np.arange(1, len(result) + 1))
    return result, covered_now


def select_stops(
    coverage_min: pd.DataFrame,
    need: pd.Series,
    population: pd.Series,
    already_covered: pd.Series,
    n_stops: int,
    short_drive_min: float,
    candidates: Iterable[Hashable] | None = None,
    forced: Iterable[Hashable] = (),
    communes: Iterable[Hashable] | None = None,
    method: Literal["milp", "greedy"] = "milp",
    time_limit_s: float = SOLVER_TIME_LIMIT_S,
) -> pd.DataFrame:
    """Choose mobile-session stops maximising the newly covered need (MCLP).

    Parameters
    ----------
    coverage_min : pandas.DataFrame
        Driving minutes, communes (rows) × candidate stops (columns); ``inf``/NaN =
        unreachable.
    need : pandas.Series
        Persons in need per commune (objective weights).
    population : pandas.Series
        Population per commune (reported).
    already_covered : pandas.Series of bool
        Communes within the fixed-site threshold; they count for nothing.
    n_stops : int
        Maximum number of stops (forced stops included).
    short_drive_min : float
        A commune is covered by a stop within this many minutes.
    candidates : iterable, optional
        Candidate stop ids (default: every column of ``coverage_min``).
    forced : iterable
        Stops that must be chosen (user-selected places).
    communes : iterable, optional
        Communes to serve (default: every row); the others count for nothing.
    method : {"milp", "greedy"}
        Exact MILP (greedy fallback when the solver finds nothing) or greedy only.
    time_limit_s : float
        Solver time limit.

    Returns
    -------
    pandas.DataFrame
        One row per chosen stop (index ``stop_id``), ordered by decreasing marginal
        gain: ``rank``, ``gain_need``, ``gain_population``, ``newly_covered_count``,
        ``newly_covered`` (commune ids), ``forced``. ``attrs["solver"]`` holds
        ``method``, ``status``, ``message``, ``covered_need`` and ``covered_population``.
        Stops adding nothing are left out (unless forced).
    """
    cols, forced_ids = _candidate_columns(
        coverage_min, candidates, forced, n_stops, short_drive_min
    )
    rows = coverage_min.index if communes is None else pd.Index(list(communes))
    w = _aligned(need, rows, "besoin")
    pop = _aligned(population, rows, "population")
    covered = _aligned(already_covered.astype(float), rows, "couverture existante") > 0.5
    if not (np.all(w >= 0) and np.all(pop >= 0)):
        raise ValueError("le besoin et la population doivent être renseignés et positifs ou nuls.")
    times = coverage_min.reindex(index=rows, columns=cols).to_numpy(dtype=float)
    a = (np.nan_to_num(times, nan=np.inf, posinf=np.inf) <= short_drive_min) & ~covered[:, None]
    forced_mask = cols.isin(forced_ids)
    solver: dict[str, Any] = {"method": method, "status": 0, "message": ""}
    chosen = None
    if method == "milp":
        chosen, status = max_covering(a, w, n_stops, forced_mask, time_limit_s=time_limit_s)
        # Solve seconds stay out: the selection's record must not vary between runs.
        solver.update(status=status["status"], message=status["message"])
    if chosen is None:
        chosen = greedy_covering(a, w, n_stops, forced_mask)
        solver["method"] = "greedy"
    result, covered_now = _ranked(chosen, a, w, pop, forced_mask, rows, cols)
    solver["covered_need"] = float(w[covered_now].sum())
    solver["covered_population"] = float(pop[covered_now].sum())
    result.attrs["solver"] = solver
    return result
