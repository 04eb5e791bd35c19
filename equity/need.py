"""Composite need index: « besoin d'accompagnement numérique » per commune.

Each indicator is normalised to 0–1 (percentile ranks by default, or min–max, or
standard scores squashed to 0–1) in the direction where 1 means *more need*, then
combined by a weighted mean. The default weights are documented in
:data:`DEFAULT_WEIGHTS`; users change them freely (a weight of 0 drops an
indicator) and may add their own indicators (``user_*`` columns of the territory).

The index is also expressed as *persons in need*: ``population × need_weight``,
where ``need_weight = (0.5 + need_index)`` rescaled so that the population-weighted
mean weight is 1. Persons in need therefore add up to the total population, and a
commune with the highest need counts up to three times one with the lowest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler, StandardScaler

__all__ = [
    "DEFAULT_WEIGHTS",
    "OUTDATED_FIBRE_WEIGHT",
    "NeedWeights",
    "default_weights",
    "need_index",
    "normalise",
    "weight_problems",
]

Normalisation = Literal["rank", "minmax", "zscore"]

#: Indicator → (default weight, direction): +1 when a higher value means more need.
DEFAULT_WEIGHTS: dict[str, tuple[float, int]] = {
    "ifn_global": (0.30, +1),
    "median_income_eur": (0.15, -1),
    "poverty_rate_pct": (0.10, +1),
    "unemployment_rate_pct": (0.10, +1),
    "outside_working_age_pct": (0.15, +1),
    "density_level": (0.10, +1),
    "fibre_share": (0.10, -1),
    "ifn_access_information": (0.0, +1),
    "ifn_access_interfaces": (0.0, +1),
    "ifn_skills_administrative": (0.0, +1),
    "ifn_skills_digital": (0.0, +1),
}
#: Weight given to the fibre layer when it is the outdated 2018 file: deciding on
#: coverage that changed completely since would mislead.
OUTDATED_FIBRE_WEIGHT = 0.0


@dataclass(frozen=True)
class NeedWeights:
    """Weights and directions of the need index.

    Attributes
    ----------
    weights : dict
        Indicator column → weight (≥ 0; rescaled to sum to 1).
    directions : dict
        Indicator column → +1 (higher = more need) or −1.
    normalisation : {"rank", "minmax", "zscore"}
        How each indicator is brought to 0–1.
    """

    weights: dict[str, float] = field(
        default_factory=lambda: {k: w for k, (w, _) in DEFAULT_WEIGHTS.items()}
    )
    directions: dict[str, int] = field(
        default_factory=lambda: {k: d for k, (_, d) in DEFAULT_WEIGHTS.items()}
    )
    normalisation: Normalisation = "rank"

    def with_weight(self, column: str, weight: float, direction: int | None = None) -> NeedWeights:
        """A copy with one indicator's weight (and optionally direction) changed."""
        directions = dict(self.directions)
        if direction is not None:
            directions[column] = direction
        directions.setdefault(column, +1)
        return NeedWeights({**self.weights, column: weight}, directions, self.normalisation)


def default_weights(fibre_outdated: bool) -> NeedWeights:
    """Documented defaults; the fibre weight is dropped while the fibre layer is outdated."""
    weights = NeedWeights()
    if fibre_outdated:
        weights = weights.with_weight("fibre_share", OUTDATED_FIBRE_WEIGHT)
    return weights


def weight_problems(weights: NeedWeights, columns: Iterable[str]) -> list[str]:
    """Why ``weights`` cannot build an index from ``columns`` (French; empty when they can)."""
    available = set(columns)
    used = [k for k, w in weights.weights.items() if w > 0]
    problems = [f"poids négatif pour « {k} »" for k, w in weights.weights.items() if w < 0]
    problems += [f"indicateur « {k} » absent" for k in used if k not in available]
    if not used:
        problems.append("tous les poids sont nuls")
    return problems


def normalise(values: pd.Series, direction: int, method: Normalisation = "rank") -> pd.Series:
    """Bring one indicator to 0–1, 1 meaning more need; NaN stays NaN."""
    oriented = values.astype(float) * (1 if direction >= 0 else -1)
    present = oriented.dropna()
    out = pd.Series(np.nan, index=values.index)
    if present.nunique() <= 1:
        out[present.index] = 0.5
        return out
    column = present.to_numpy().reshape(-1, 1)
    if method == "rank":
        scaled = (present.rank(method="average") - 1) / (len(present) - 1)
        out[present.index] = scaled
    elif method == "minmax":
        out[present.index] = MinMaxScaler().fit_transform(column).ravel()
    elif method == "zscore":
        z = StandardScaler().fit_transform(column).ravel()
        # A logistic squash keeps z-scores comparable with the other scales.
        out[present.index] = 1 / (1 + np.exp(-z))
    else:
        raise ValueError(f"Normalisation inconnue : {method!r} (rank, minmax ou zscore).")
    return out


def need_index(
    indicators: pd.DataFrame,
    population: pd.Series,
    weights: NeedWeights | None = None,
) -> pd.DataFrame:
    """Composite need index per commune, aligned to ``indicators.index``.

    Parameters
    ----------
    indicators : pandas.DataFrame
        One column per indicator (the territory's communes table works as is).
    population : pandas.Series
        Inhabitants, same index.
    weights : NeedWeights, optional
        Defaults to :class:`NeedWeights` ().

    Returns
    -------
    pandas.DataFrame
        ``need_index`` (0–1), ``need_rank`` (1 = most in need), ``need_weight``,
        ``persons_in_need``, and one ``score_<indicator>`` column (0–1) per
        indicator used.

    Raises
    ------
    ValueError
        When a weighted indicator is absent, a weight is negative, or all are 0.
    """
    weights = weights or NeedWeights()
    problems = weight_problems(weights, indicators.columns)
    if problems:
        raise ValueError("Indice de besoin impossible : " + " ; ".join(problems) + ".")
    used = {k: w for k, w in weights.weights.items() if w > 0}
    total = sum(used.values())
    out = pd.DataFrame(index=indicators.index)
    weighted = pd.Series(0.0, index=indicators.index)
    weight_present = pd.Series(0.0, index=indicators.index)
    for column, weight in used.items():
        score = normalise(
            indicators[column], weights.directions.get(column, +1), weights.normalisation
        )
        out[f"score_{column}"] = score
        weighted += score.fillna(0) * weight / total
        weight_present += score.notna() * weight / total
    # A commune missing an indicator is scored on the others (re-weighted), not as 0.
    out["need_index"] = weighted / weight_present.replace(0, np.nan)
    out["need_rank"] = out["need_index"].rank(ascending=False, method="min").astype("Int64")
    raw_weight = 0.5 + out["need_index"].fillna(out["need_index"].mean())
    mean_weight = np.average(raw_weight, weights=population)
    out["need_weight"] = raw_weight / mean_weight
    out["persons_in_need"] = population * out["need_weight"]
    return out
