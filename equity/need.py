"""Composite need index: « besoin d'accompagnement numérique » per commune.

Each indicator is normalised to 0–1 (percentile ranks by default, or min–max, or
standard scores squashed to 0–1) in the direction where 1 means *more need*, then
combined by a weighted mean. The default weights are documented in
:data:`DEFAULT_WEIGHTS`; users change them freely (a weight of 0 drops an
indicator) and may add their own indicators (``user_*`` columns of the territory).

The index ranks places; it does not count people. :func:`estimate_persons_in_need`
turns it into an *estimated number of persons who need help* per commune, which sizes
capacity (see :data:`PERSONS_IN_NEED_METHOD_FR`):

* base: people aged 15 or more × the INSEE 2021 illectronism rate (15.4 %). The embedded
  census has no age table per commune (only the share outside 15–64), so the 15+
  population is the population × (1 − the national share of under-15s). A user
  indicator file with ``pop_15_59``, ``pop_60_74`` and ``pop_75_plus`` gives the finer
  formula: each band × its own rate (4.5 %, 24 %, 62 %);
* modulation by the need index: × ``1 + m (2 × need_index − 1)`` with ``m = 0.5`` (so
  between × 0.5 and × 1.5), then rescaled so that the total stays the rate's total —
  the index moves persons between communes, it does not add any;
* observed demand: where a user indicator file gives requests or accompaniments per
  commune (``demandes``, ``accompagnements``…), that count replaces the estimate
  (status « observé »; « estimation » elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from geo.defaults import (
    ILLECTRONISM_RATE_15_59,
    ILLECTRONISM_RATE_15_PLUS,
    ILLECTRONISM_RATE_60_74,
    ILLECTRONISM_RATE_75_PLUS,
    ILLECTRONISM_SOURCE,
    NEED_INDEX_MODULATION,
    UNDER_15_SHARE,
    UNDER_15_SOURCE,
)

__all__ = [
    "AGE_BAND_COLUMNS",
    "DEFAULT_WEIGHTS",
    "OBSERVED_DEMAND_COLUMNS",
    "OUTDATED_FIBRE_WEIGHT",
    "PERSONS_IN_NEED_METHOD_FR",
    "STATUS_ESTIMATED",
    "STATUS_OBSERVED",
    "NeedWeights",
    "default_weights",
    "estimate_persons_in_need",
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
#: User indicator columns of a finer age structure (persons per band) → illectronism rate.
AGE_BAND_COLUMNS: dict[str, float] = {
    "user_pop_15_59": ILLECTRONISM_RATE_15_59,
    "user_pop_60_74": ILLECTRONISM_RATE_60_74,
    "user_pop_75_plus": ILLECTRONISM_RATE_75_PLUS,
}
#: User indicator columns of observed demand (requests or accompaniments per commune and
#: year), the first one present wins.
OBSERVED_DEMAND_COLUMNS: tuple[str, ...] = (
    "user_demandes",
    "user_demandes_observees",
    "user_accompagnements",
    "user_personnes_accompagnees",
)
#: Status of a commune's persons in need.
STATUS_ESTIMATED = "estimation"
STATUS_OBSERVED = "observé"
_PCT = f"{100 * ILLECTRONISM_RATE_15_PLUS:.1f}".replace(".", ",")
#: How persons in need are counted (French, shown with the diagnosis and in the JSON).
PERSONS_IN_NEED_METHOD_FR = (
    "Personnes en besoin (estimation) : habitants de 15 ans ou plus × taux d'illectronisme "
    f"de {_PCT} % ({ILLECTRONISM_SOURCE}), modulé par l'indice de besoin (× 0,5 à × 1,5, "
    "total inchangé). Faute de table d'âges par commune dans les données embarquées, les "
    f"15 ans ou plus sont la population moins la part nationale des moins de 15 ans "
    f"({UNDER_15_SOURCE}) ; un fichier d'indicateurs avec pop_15_59, pop_60_74 et "
    "pop_75_plus applique les taux par âge (4,5 %, 24 %, 62 %). Les demandes observées "
    "(colonne demandes ou accompagnements) remplacent l'estimation (« observé »)."
)


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
        # scikit-learn costs a third of a second at the app's cold start: only the
        # non-default scales load it.
        from sklearn.preprocessing import MinMaxScaler

        out[present.index] = MinMaxScaler().fit_transform(column).ravel()
    elif method == "zscore":
        from sklearn.preprocessing import StandardScaler

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
        ``need_index`` (0–1), ``need_rank`` (1 = most in need), ``need_weight`` (the
        modulation of the estimate), ``persons_in_need`` (an estimated head count, see
        :func:`estimate_persons_in_need`), ``persons_in_need_status`` and one
        ``score_<indicator>`` column (0–1) per indicator used.

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
    persons = estimate_persons_in_need(indicators, population, out["need_index"])
    return out.join(persons)


def _base_persons(indicators: pd.DataFrame, population: pd.Series) -> pd.Series:
    """People in illectronism before modulation: by age band where the user gives them."""
    base = population.astype(float) * (1 - UNDER_15_SHARE) * ILLECTRONISM_RATE_15_PLUS
    if all(c in indicators for c in AGE_BAND_COLUMNS):
        bands = indicators[list(AGE_BAND_COLUMNS)].astype(float)
        by_age = bands.mul(pd.Series(AGE_BAND_COLUMNS)).sum(axis=1, min_count=len(bands.columns))
        # A commune missing one band keeps the national formula rather than a partial sum.
        base = by_age.where(bands.notna().all(axis=1), base)
    return base


def estimate_persons_in_need(
    indicators: pd.DataFrame,
    population: pd.Series,
    need: pd.Series,
    modulation: float = NEED_INDEX_MODULATION,
) -> pd.DataFrame:
    """Estimated number of persons who need help with digital tools, per commune.

    Parameters
    ----------
    indicators : pandas.DataFrame
        The communes table; ``user_pop_15_59``, ``user_pop_60_74`` and
        ``user_pop_75_plus`` (persons) give the age-band formula, and the first of
        :data:`OBSERVED_DEMAND_COLUMNS` present gives observed demand.
    population : pandas.Series
        Inhabitants, same index.
    need : pandas.Series
        Need index (0–1); NaN counts as the mean.
    modulation : float
        Largest relative move given by the need index (0 ≤ m < 1).

    Returns
    -------
    pandas.DataFrame
        ``persons_in_need`` (persons), ``need_weight`` (the factor applied to the base
        estimate, mean 1 over the base) and ``persons_in_need_status``
        (:data:`STATUS_ESTIMATED` or :data:`STATUS_OBSERVED`), aligned to ``population``.
    """
    if not 0 <= modulation < 1:
        raise ValueError(f"Modulation de l'indice hors de [0, 1[ : {modulation:g}.")
    base = _base_persons(indicators.reindex(population.index), population)
    index = need.reindex(population.index).astype(float)
    factor = 1 + modulation * (2 * index.fillna(index.mean()) - 1)
    # The index redistributes the rate's total between communes; it does not add persons.
    factor = factor * base.sum() / (base * factor).sum() if (base * factor).sum() > 0 else factor
    persons = base * factor
    status = pd.Series(STATUS_ESTIMATED, index=population.index, dtype=object)
    observed_column = next((c for c in OBSERVED_DEMAND_COLUMNS if c in indicators), None)
    if observed_column is not None:
        observed = indicators[observed_column].reindex(population.index).astype(float)
        given = observed.notna() & (observed >= 0)
        persons = persons.where(~given, observed)
        status[given] = STATUS_OBSERVED
    return pd.DataFrame(
        {"need_weight": factor, "persons_in_need": persons, "persons_in_need_status": status},
        index=population.index,
    )
