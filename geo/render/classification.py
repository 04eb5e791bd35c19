"""Classes of a choropleth: PySAL's mapclassify schemes, French legend labels, colours.

Numeric columns are classed with :mod:`mapclassify` (quantiles, exact Fisher–Jenks
natural breaks, equal intervals or bounds given by the user); any column can be shown
by category. Classes are ``(lower, upper]`` intervals, the first one also holding the
minimum, as in mapclassify. The same :class:`Classification` feeds the interactive map,
the print map and the council pack, so every output shows the same classes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from geo import defaults
from geo.formatting import MISSING_TEXT_FR, format_number_fr, format_percent_fr
from geo.render.class_memo import recall_bins, remember_bins
from geo.render.style import OKABE_ITO, OTHER_LABEL_FR, SEQUENTIAL_PALETTE

if TYPE_CHECKING:
    import mapclassify

__all__ = [
    "SCHEMES",
    "Classification",
    "Scheme",
    "classify",
    "format_column_fr",
    "travel_time_bounds",
]

Scheme = Literal["quantiles", "equal_interval", "natural_breaks", "user_defined", "categorical"]
SCHEMES: tuple[str, ...] = (
    "quantiles",
    "natural_breaks",
    "equal_interval",
    "user_defined",
    "categorical",
)

#: Travel-time bounds closer than this (minutes) to the longest time are dropped.
_SLIVER_MIN = 1.0
_MAX_CATEGORIES = len(OKABE_ITO) - 1  # black is kept out of the fill colours
#: Fisher–Jenks runs on at most this many values (mapclassify's own sampling cap):
#: without numba mapclassify's exact algorithm is pure Python, O(n² k).
_JENKS_MAX_VALUES = 1000


@dataclass(frozen=True)
class Classification:
    """Result of classing one column for a choropleth.

    Attributes
    ----------
    codes : numpy.ndarray
        Class index of each value (aligned with the input), ``-1`` when missing.
    labels : list of str
        French legend label of each class (e.g. ``"1 234 – 5 678"``).
    colors : list of str
        Hex fill colour of each class.
    bounds : numpy.ndarray or None
        Class bounds (``len(labels) + 1`` non-decreasing values: the minimum, then the
        upper bound of each class), ``None`` for the categorical scheme.
    n_missing : int
        Number of missing values.
    """

    codes: np.ndarray
    labels: list[str]
    colors: list[str]
    bounds: np.ndarray | None
    n_missing: int


def classify(
    values: pd.Series,
    scheme: Scheme = defaults.MAP_CLASS_SCHEME,
    n_classes: int = defaults.MAP_N_CLASSES,
    *,
    user_bounds: Sequence[float] | None = None,
    decimals: int | None = None,
    percent: bool = False,
    category_colors: Mapping[object, str] | None = None,
) -> Classification:
    """Class a column into coloured legend classes.

    Parameters
    ----------
    values : pandas.Series
        Numeric values (or any values for ``"categorical"``); NaN/None are missing.
    scheme : {"quantiles", "equal_interval", "natural_breaks", "user_defined", "categorical"}
        Classification method: mapclassify's ``Quantiles``, ``EqualInterval``,
        ``FisherJenks`` (the exact optimum: minimal within-class variance) or
        ``UserDefined`` (with ``user_bounds``), or one class per category. Quantiles
        and natural breaks never show an empty class (ties merge them); quantiles
        that ties merge below :data:`geo.defaults.MAP_MIN_CLASSES` classes give way to
        natural breaks.
    n_classes : int, default :data:`geo.defaults.MAP_N_CLASSES`
        Wanted number of classes; fewer are made when the data has fewer distinct
        values. Ignored by ``"user_defined"`` and ``"categorical"``.
    user_bounds : sequence of float, optional
        Upper bounds of the classes, increasing (``"user_defined"`` only). A class up
        to the maximum is added when the data goes beyond the last bound; the first
        class starts at the smaller of the minimum and the first bound.
    decimals : int, optional
        Decimals of the legend bounds; chosen from the value range when omitted.
    percent : bool, default False
        Values are 0–1 shares and bounds are shown as percentages.
    category_colors : mapping, optional
        Fixed colour of some categories (e.g. a neutral grey for "no problem"); the
        others take the Okabe–Ito palette. A categorical dtype keeps its order.

    Returns
    -------
    Classification

    Raises
    ------
    ValueError
        On an unknown scheme, fewer than one class, or missing or unordered user bounds
        (French message).
    """
    _check_request(scheme, n_classes, user_bounds)
    missing = values.isna().to_numpy()
    if scheme == "categorical":
        return _classify_categorical(values, missing, percent, category_colors or {})
    numeric = pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    present = numeric[~missing]
    codes = np.full(len(values), -1, dtype=int)
    if present.size == 0:
        return Classification(codes, [], [], None, int(missing.sum()))
    bounds, codes[~missing] = _class_bounds(present, scheme, n_classes, user_bounds)
    fewest = min(n_classes, defaults.MAP_MIN_CLASSES, np.unique(present).size)
    if scheme == "quantiles" and len(bounds) - 1 < fewest:
        # Ties (e.g. most communes at 0 %) merge quantiles into one or two classes,
        # which reads as no information: natural breaks still separate the values.
        bounds, codes[~missing] = _class_bounds(present, "natural_breaks", n_classes, None)
    labels = _bound_labels(bounds, present, decimals, percent)
    return Classification(
        codes, labels, _sequential_colors(len(labels)), bounds, int(missing.sum())
    )


def _check_request(scheme: str, n_classes: int, user_bounds: Sequence[float] | None) -> None:
    problems = []
    if scheme not in SCHEMES:
        problems.append(
            f"méthode de classification inconnue : « {scheme} » "
            f"(valeurs possibles : {', '.join(SCHEMES)})"
        )
    if n_classes < 1:
        problems.append("le nombre de classes doit être au moins 1")
    if scheme == "user_defined":
        bounds = np.asarray(user_bounds if user_bounds is not None else [], dtype=float)
        if bounds.size == 0:
            problems.append("des classes choisies demandent au moins une borne")
        elif not np.isfinite(bounds).all() or (np.diff(bounds) <= 0).any():
            problems.append("les bornes des classes doivent être finies et croissantes")
    if problems:
        raise ValueError("Classes de carte impossibles : " + " ; ".join(problems) + ".")


def _class_bounds(
    present: np.ndarray, scheme: str, n_classes: int, user_bounds: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (minimum then upper bounds) and class codes of the present values."""
    lo, hi = float(present.min()), float(present.max())
    if scheme == "user_defined":
        # mapclassify's ``UserDefined`` without importing mapclassify (with SciPy's stats,
        # scikit-learn and matplotlib: 2.5–3.4 s on a fresh server before the first
        # travel-time map): a class up to the maximum when the data goes beyond the
        # last bound, then the same (lower, upper] codes as below.
        bins = np.asarray(user_bounds, dtype=float)
        if hi > bins[-1]:
            bins = np.append(bins, hi)
        codes = np.searchsorted(bins, present, side="left")
        return np.concatenate([[min(lo, bins[0])], bins]), codes
    if lo == hi:
        return np.array([lo, hi]), np.zeros(present.size, dtype=int)
    bins = recall_bins(present, scheme, n_classes)
    if bins is None:
        bins = _data_bins(present, scheme, n_classes)
        remember_bins(present, scheme, n_classes, bins)
    # Classes are (lower, upper], as mapclassify's: a value takes the first bound not
    # below it.
    return np.concatenate([[lo], bins]), np.searchsorted(bins, present, side="left")


def _data_bins(present: np.ndarray, scheme: str, n_classes: int) -> np.ndarray:
    """Upper bounds of a data-driven scheme, computed by mapclassify."""
    # mapclassify loads scikit-learn and matplotlib (0.7 s): imported only when the
    # bounds are not remembered, so a fresh app draws its first map without it.
    import mapclassify

    with warnings.catch_warnings():
        # Ties that collapse quantiles are expected (handled below), not worth a warning.
        warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
        if scheme == "quantiles":
            classifier = mapclassify.Quantiles(present, k=n_classes)
        elif scheme == "equal_interval":
            classifier = mapclassify.EqualInterval(present, k=n_classes)
        else:
            classifier = _fisher_jenks(present, n_classes)
    if scheme != "equal_interval" and (classifier.counts == 0).any():
        # Data-driven classes never stay empty: merge an empty class into the next one.
        return classifier.bins[classifier.counts > 0]
    return classifier.bins


def _fisher_jenks(present: np.ndarray, n_classes: int) -> mapclassify.MapClassifier:
    """Exact Fisher–Jenks breaks of the values (of evenly spaced quantiles when many)."""
    import mapclassify

    x = np.sort(present)
    if x.size > _JENKS_MAX_VALUES:
        # Deterministic sample that keeps the minimum, the maximum and the shape.
        x = np.quantile(x, np.linspace(0, 1, _JENKS_MAX_VALUES))
    k = min(n_classes, np.unique(x).size)
    # mapclassify's pure-Python version sums squares in float32: centred values keep
    # those sums small enough for the optimum to be found exactly.
    centred = x - x.mean()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Numba not installed", UserWarning)
        breaks = mapclassify.FisherJenks(centred, k=k).bins
    bins = x[np.searchsorted(centred, breaks)]
    return mapclassify.UserDefined(present, bins)


def _bound_labels(
    bounds: np.ndarray, present: np.ndarray, decimals: int | None, percent: bool
) -> list[str]:
    if decimals is None:
        decimals = _auto_decimals(present * 100 if percent else present)
        # Skewed data (many zeros) gives close bounds: add decimals until they read apart.
        distinct = np.unique(bounds)
        while decimals < 3 and len({_format_value(b, decimals, percent) for b in distinct}) < len(
            distinct
        ):
            decimals += 1
    return [
        f"{_format_value(lo, decimals, percent)} – {_format_value(hi, decimals, percent)}"
        for lo, hi in pairwise(bounds)
    ]


def _classify_categorical(
    values: pd.Series, missing: np.ndarray, percent: bool, fixed: Mapping[object, str]
) -> Classification:
    counts = values[~missing].value_counts(sort=True)
    categories = list(counts.index)
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = [c for c in values.cat.categories if counts.get(c, 0) > 0]
        labels = [_category_label(c, percent) for c in categories]
    elif len(categories) > _MAX_CATEGORIES:
        # Keep the most frequent categories; the rest share the last colour.
        categories = categories[: _MAX_CATEGORIES - 1]
        labels = [_category_label(c, percent) for c in categories] + [OTHER_LABEL_FR]
    else:
        categories.sort(key=lambda c: (str(type(c)), c))
        labels = [_category_label(c, percent) for c in categories]
    index = {c: i for i, c in enumerate(categories)}
    other = len(labels) - 1
    codes = np.array(
        [-1 if m else index.get(v, other) for v, m in zip(values, missing, strict=True)],
        dtype=int,
    )
    palette = iter(c for c in OKABE_ITO if c not in fixed.values())
    colors = [fixed.get(c) or next(palette) for c in categories]
    colors += [next(palette) for _ in range(len(labels) - len(colors))]
    return Classification(codes, labels, colors, None, int(missing.sum()))


def _sequential_colors(n: int) -> list[str]:
    # branca loads jinja2 (0.14 s): a map remembered on disk needs neither.
    from branca.utilities import color_brewer

    # ColorBrewer has no 1- or 2-class scheme: take them from the 3-class one.
    if n < 3:
        return color_brewer(SEQUENTIAL_PALETTE, 3)[3 - n :]
    return color_brewer(SEQUENTIAL_PALETTE, n)


def _auto_decimals(values: np.ndarray) -> int:
    if np.allclose(values, np.round(values)):
        return 0
    span = float(values.max() - values.min())
    if span >= 50:
        return 0
    return 1 if span >= 5 else 2


def _format_value(x: object, decimals: int, percent: bool) -> str:
    return format_percent_fr(x, decimals) if percent else format_number_fr(x, decimals)


def _category_label(value: object, percent: bool) -> str:
    if isinstance(value, bool | np.bool_):
        return "Oui" if value else "Non"
    if isinstance(value, int | float | np.number):
        return _format_value(value, 0 if float(value).is_integer() else 2, percent)
    return str(value)


def format_column_fr(values: pd.Series, percent: bool = False) -> list[str]:
    """Format a column as French text, with the decimals a legend of it would use.

    Parameters
    ----------
    values : pandas.Series
        Numbers, booleans or any other values; missing values give ``"n.d."``.
    percent : bool, default False
        Numbers are 0–1 shares, shown as percentages.

    Returns
    -------
    list of str
        One text per value, in order (not HTML-escaped).
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return [MISSING_TEXT_FR if pd.isna(v) else _category_label(v, percent) for v in values]
    numeric = values.astype(float).to_numpy()
    present = numeric[~np.isnan(numeric)]
    decimals = _auto_decimals(present * 100 if percent else present) if present.size else 0
    return [_format_value(v, decimals, percent) for v in numeric]


def travel_time_bounds(
    threshold_min: float, max_min: float | None = None, bounds_min: Sequence[float] = ()
) -> list[float]:
    """Upper class bounds of a travel-time map, with the threshold as one of them.

    A class never straddles the threshold, so the legend tells who is within it.

    Parameters
    ----------
    threshold_min : float
        The diagnostic's threshold (minutes).
    max_min : float, optional
        Longest travel time shown; bounds at or beyond it are dropped (the last class
        then ends at the maximum, see :func:`classify`).
    bounds_min : sequence of float, optional
        Other bounds; :data:`geo.defaults.TRAVEL_TIME_CLASS_BOUNDS_MIN` by default.

    Returns
    -------
    list of float
        Increasing bounds for ``classify(..., "user_defined", user_bounds=...)``.
    """
    chosen = set(bounds_min or defaults.TRAVEL_TIME_CLASS_BOUNDS_MIN) | {float(threshold_min)}
    bounds = sorted(b for b in chosen if b > 0)
    if max_min is not None and math.isfinite(max_min):
        # A bound just under the maximum would leave a sliver class (« 30 – 30,05 »).
        kept = [b for b in bounds if b < max_min - _SLIVER_MIN]
        bounds = kept or bounds[:1]
    if float(threshold_min) not in bounds:
        bounds.append(float(threshold_min))
    return sorted(bounds)
