"""Under-served communes and the contiguous zones they form."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from geo.defaults import LOW_RATIO_FACTOR, ZONE_DIAMETER_KM

__all__ = [
    "DEFAULT_LOW_RATIO_FACTOR",
    "DEFAULT_ZONE_DIAMETER_KM",
    "UNDERSERVED_CATEGORIES",
    "UNDERSERVED_COLORS",
    "adjacency",
    "group_zones",
    "summarise_zones",
    "underserved_category",
    "underserved_communes",
]

#: A commune is under-served by capacity when its 2SFCA ratio is below this share of
#: the territory-wide ratio (advisors per inhabitant over the whole département).
DEFAULT_LOW_RATIO_FACTOR = LOW_RATIO_FACTOR
#: Largest distance (km) between two commune centres of one zone.
DEFAULT_ZONE_DIAMETER_KM = ZONE_DIAMETER_KM
#: Map categories of :func:`underserved_category`, most serious first.
UNDERSERVED_CATEGORIES: tuple[str, ...] = (
    "éloignement et capacité insuffisante",
    "éloignement",
    "capacité insuffisante",
    "bien desservie",
)
#: Well-served communes stay in a neutral grey so the problems stand out.
UNDERSERVED_COLORS: dict[str, str] = {"bien desservie": "#e8e8e8"}


def underserved_category(reason: pd.Series) -> pd.Series:
    """Ordered categorical for maps: the reason, or « bien desservie »."""
    return pd.Series(
        pd.Categorical(reason.fillna("bien desservie"), categories=UNDERSERVED_CATEGORIES),
        index=reason.index,
        name="underserved_category",
    )


def underserved_communes(
    travel_time_min: pd.Series,
    fca_ratio: pd.Series,
    persons_in_need: pd.Series,
    threshold_min: float,
    reference_ratio: float,
    low_ratio_factor: float = DEFAULT_LOW_RATIO_FACTOR,
) -> pd.DataFrame:
    """Flag communes beyond the threshold, or with a low floating-catchment ratio.

    Parameters
    ----------
    travel_time_min, fca_ratio, persons_in_need : pandas.Series
        Per commune, same index.
    threshold_min : float
        Travel-time threshold.
    reference_ratio : float
        Territory-wide advisors per 10,000 inhabitants.
    low_ratio_factor : float
        Share of ``reference_ratio`` under which the ratio counts as low.

    Returns
    -------
    pandas.DataFrame
        ``underserved`` (bool), ``underserved_reason`` (``"éloignement"``,
        ``"capacité insuffisante"``, ``"éloignement et capacité insuffisante"`` or None) and
        ``underserved_score``: persons in need × (time excess ratio + ratio
        shortfall), the priority used to rank communes and zones.
    """
    far = travel_time_min > threshold_min
    low = fca_ratio < low_ratio_factor * reference_ratio
    reason = np.select(
        [far & low, far, low],
        ["éloignement et capacité insuffisante", "éloignement", "capacité insuffisante"],
        None,
    )
    excess = (travel_time_min / threshold_min - 1).clip(lower=0)
    finite = excess[np.isfinite(excess)]
    # Unreachable communes are the worst served: at least as urgent as the farthest one.
    excess = excess.replace(np.inf, max(1.0, float(finite.max()) if len(finite) else 1.0))
    shortfall = (1 - fca_ratio / reference_ratio).clip(lower=0) if reference_ratio > 0 else 0
    score = persons_in_need * (excess + shortfall) * (far | low)
    return pd.DataFrame(
        {"underserved": far | low, "underserved_reason": reason, "underserved_score": score},
        index=travel_time_min.index,
    )


def adjacency(polygons: gpd.GeoDataFrame, tolerance_m: float = 1.0) -> sparse.csr_array:
    """Symmetric 0/1 matrix of polygons that touch (within ``tolerance_m``)."""
    geoms = polygons.geometry.reset_index(drop=True)
    left, right = geoms.sindex.query(geoms.buffer(tolerance_m), predicate="intersects")
    keep = left != right
    n = len(geoms)
    data = np.ones(int(keep.sum()), dtype=np.int8)
    matrix = sparse.coo_array((data, (left[keep], right[keep])), shape=(n, n)).tocsr()
    return ((matrix + matrix.T) > 0).astype(np.int8)


def _bounded_clusters(xy: np.ndarray, adj: sparse.csr_array, diameter_m: float) -> np.ndarray:
    """Contiguous clusters whose points are all within ``diameter_m`` of each other.

    Complete-linkage agglomeration restricted to touching clusters: at each step the two
    touching clusters whose union has the smallest diameter merge, while that diameter
    stays within the bound. The linkage distance is the true largest distance between
    members (scikit-learn's connectivity-constrained complete linkage only looks at
    connected pairs, which let zones grow to 32.9 and 36.8 km for a 30 km bound).
    """
    n = len(xy)
    linkage = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    touching = adj.toarray().astype(bool)
    alive = np.ones(n, dtype=bool)
    labels = np.arange(n)
    while True:
        candidate = np.where(touching & alive[:, None] & alive[None, :], linkage, np.inf)
        np.fill_diagonal(candidate, np.inf)
        a, b = np.unravel_index(np.argmin(candidate), candidate.shape)
        if not candidate[a, b] <= diameter_m:
            break
        # Lance–Williams update for complete linkage: the farthest pair decides.
        linkage[a] = linkage[:, a] = np.maximum(linkage[a], linkage[b])
        touching[a] = touching[:, a] = touching[a] | touching[b]
        alive[b] = False
        labels[labels == b] = a
    return np.unique(labels, return_inverse=True)[1]


def group_zones(
    communes: gpd.GeoDataFrame,
    flags: pd.Series,
    diameter_km: float = DEFAULT_ZONE_DIAMETER_KM,
) -> pd.Series:
    """Group flagged communes into contiguous zones of bounded size.

    Flagged communes that touch form connected groups; each group is split by
    complete-linkage agglomeration of touching clusters (:func:`_bounded_clusters`), so
    every zone is contiguous and no two of its commune centres (representative points)
    are farther apart than ``diameter_km``.

    Returns
    -------
    pandas.Series
        Zone number (1, 2, …) per flagged commune, ``<NA>`` elsewhere.
    """
    selected = communes[flags.reindex(communes.index).fillna(False).astype(bool)]
    zone = pd.Series(pd.NA, index=communes.index, dtype="Int64")
    if selected.empty:
        return zone
    adj = adjacency(selected)
    # Loaded here: a diagnostic remembered on disk needs no zones (0.07 s of imports).
    from scipy.sparse.csgraph import connected_components

    n_parts, part = connected_components(adj, directed=False)
    centres = selected.geometry.representative_point()
    xy = np.column_stack([centres.x, centres.y])
    labels = np.empty(len(selected), dtype=int)
    next_label = 0
    for p in range(n_parts):
        members = np.flatnonzero(part == p)
        clusters = _bounded_clusters(xy[members], adj[members][:, members], diameter_km * 1000)
        labels[members] = clusters + next_label
        next_label += int(clusters.max()) + 1
    zone[selected.index] = labels + 1
    return zone


def summarise_zones(
    communes: gpd.GeoDataFrame,
    zone: pd.Series,
    score: pd.Series,
) -> gpd.GeoDataFrame:
    """One row per zone, ranked by total priority score (rank 1 = most urgent).

    ``communes`` needs ``name``, ``population``, ``persons_in_need``,
    ``travel_time_min``, ``density_label``, ``epci_name``.
    """
    columns = [
        "rank",
        "zone_id",
        "n_communes",
        "population",
        "persons_in_need",
        "priority_score",
        "mean_travel_time_min",
        "dominant_density",
        "epci",
        "communes",
        "code_insee",
        "geometry",
    ]
    frame = communes.assign(zone_id=zone, priority_score=score)[zone.notna()]
    if frame.empty:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=communes.crs)
    rows = []
    for zone_id, members in frame.groupby("zone_id"):
        pop = members["population"]
        finite = np.isfinite(members["travel_time_min"])
        density = pop.groupby(members["density_label"]).sum()
        rows.append(
            {
                "zone_id": int(zone_id),
                "n_communes": len(members),
                "population": int(pop.sum()),
                "persons_in_need": float(members["persons_in_need"].sum()),
                "priority_score": float(members["priority_score"].sum()),
                "mean_travel_time_min": float(
                    np.average(members.loc[finite, "travel_time_min"], weights=pop[finite])
                )
                if finite.any() and pop[finite].sum() > 0
                else float("nan"),
                "dominant_density": density.idxmax() if len(density) else None,
                "epci": ", ".join(sorted(members["epci_name"].unique())),
                "communes": ", ".join(
                    members.sort_values("population", ascending=False)["name"].tolist()
                ),
                "code_insee": members.index.tolist(),
                "geometry": members.geometry.union_all(),
            }
        )
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=communes.crs)
    zones = zones.sort_values("priority_score", ascending=False).reset_index(drop=True)
    zones.insert(0, "rank", np.arange(1, len(zones) + 1))
    return zones[columns]
