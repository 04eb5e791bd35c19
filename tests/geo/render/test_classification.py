"""Map classes (mapclassify) checked against independent computations on small real data."""

from itertools import combinations, pairwise

import numpy as np
import pandas as pd
import pytest

from geo.render import classify
from geo.settings import RAW_DIR


@pytest.fixture(scope="module")
def le_mans_population() -> pd.Series:
    """Population 2022 of the 20 communes of CU Le Mans Métropole (one very large town)."""
    table = pd.read_csv(
        RAW_DIR / "population" / "communes_72_population_epci.csv", dtype={"code_insee": str}
    ).set_index("code_insee")
    part = table.loc[table["epci_nom"] == "CU Le Mans Métropole", "population_municipale"]
    assert len(part) == 20
    return part.astype(float)


def _within_ssd(values: np.ndarray, codes: np.ndarray) -> float:
    return float(
        sum(((values[codes == c] - values[codes == c].mean()) ** 2).sum() for c in set(codes))
    )


def _exhaustive_optimum(values: np.ndarray, k: int) -> tuple[float, list[float]]:
    """Minimal within-class sum of squares over every split of the sorted values in k runs."""
    x = np.sort(values)
    best = (np.inf, [])
    for cuts in combinations(range(1, len(x)), k - 1):
        runs = np.split(x, cuts)
        if any(run[-1] == nxt[0] for run, nxt in pairwise(runs)):
            continue  # equal values always share a class
        ssd = sum(((run - run.mean()) ** 2).sum() for run in runs)
        if ssd < best[0] - 1e-9:
            best = (float(ssd), [float(run[-1]) for run in runs])
    return best


def test_quantile_bounds_are_numpy_quantiles(le_mans_population):
    values = le_mans_population.to_numpy()
    classes = classify(le_mans_population, "quantiles", 5)
    expected = np.quantile(values, np.linspace(0, 1, 6))
    np.testing.assert_allclose(classes.bounds, expected, rtol=1e-12)
    # (lower, upper] classes, the minimum in the first one.
    assert classes.codes.tolist() == np.searchsorted(expected[1:-1], values, "left").tolist()
    assert np.bincount(classes.codes).tolist() == [4, 4, 4, 4, 4]
    assert classes.labels[-1].endswith("146\u202f249")  # Le Mans


def test_equal_interval_bounds_are_a_linspace(le_mans_population):
    values = le_mans_population.to_numpy()
    classes = classify(le_mans_population, "equal_interval", 4)
    expected = np.linspace(values.min(), values.max(), 5)
    np.testing.assert_allclose(classes.bounds, expected, rtol=1e-12)
    # Equal intervals keep their empty classes: the scale is fixed, the data is not.
    assert np.bincount(classes.codes, minlength=4).tolist() == [19, 0, 0, 1]


@pytest.mark.parametrize("k", [2, 3, 4])
def test_natural_breaks_are_the_exhaustive_optimum(le_mans_population, k):
    values = le_mans_population.to_numpy()
    best_ssd, best_uppers = _exhaustive_optimum(values, k)
    classes = classify(le_mans_population, "natural_breaks", k)
    assert classes.bounds[1:].tolist() == best_uppers
    assert classes.bounds[0] == values.min()
    assert _within_ssd(values, classes.codes) == pytest.approx(best_ssd, rel=1e-12)


def test_natural_breaks_keep_a_class_of_tied_minima():
    # As in the Sarthe IFN "accès aux interfaces" column: 13 communes at 0.
    values = np.array([0.0] * 13 + [90.5, 93.2, 95.3, 99.0, 101.7, 102.3, 110.4, 112.5, 131.9])
    classes = classify(pd.Series(values), "natural_breaks", 3)
    best_ssd, best_uppers = _exhaustive_optimum(values, 3)
    assert classes.bounds.tolist() == [0.0, *best_uppers]
    assert classes.bounds[:2].tolist() == [0.0, 0.0]  # the zeros alone: a class "0 – 0"
    assert (classes.codes[:13] == 0).all() and (classes.codes[13:] > 0).all()
    assert classes.labels[0] == "0 – 0"
    assert _within_ssd(values, classes.codes) == pytest.approx(best_ssd, rel=1e-12)


def test_natural_breaks_find_the_optimum_of_large_values_exactly():
    # Values of about 10⁶ with small gaps: float32 sums of squares would pick another break.
    rng = np.random.default_rng(7)
    values = 1e6 + np.round(np.concatenate([rng.normal(0, 30, 12), rng.normal(400, 30, 10)]), 1)
    best_ssd, best_uppers = _exhaustive_optimum(values, 3)
    classes = classify(pd.Series(values), "natural_breaks", 3)
    assert classes.bounds[1:].tolist() == best_uppers
    assert _within_ssd(values, classes.codes) == pytest.approx(best_ssd, rel=1e-12)


def test_quantiles_with_ties_never_show_an_empty_class():
    # As the 2018 fibre shares: most communes at 0 %, a few at 100 %.
    values = pd.Series([0.0] * 14 + [0.3, 0.8, 1.0, 1.0, 1.0, 1.0])
    classes = classify(values, "quantiles", 5, percent=True)
    counts = np.bincount(classes.codes)
    assert (counts > 0).all()
    uppers = np.unique(np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0]))  # 0, 0.84, 1
    np.testing.assert_allclose(classes.bounds, [0.0, *uppers], rtol=1e-12)
    assert counts.tolist() == [14, 2, 4]
    assert classes.labels == [
        "0\u202f% – 0\u202f%",
        "0\u202f% – 84\u202f%",
        "84\u202f% – 100\u202f%",
    ]


def test_natural_breaks_on_many_values_are_deterministic():
    values = pd.Series(np.random.default_rng(3).lognormal(3, 1, 5000))
    first = classify(values, "natural_breaks", 5)
    second = classify(values.sample(frac=1, random_state=1), "natural_breaks", 5)
    np.testing.assert_array_equal(first.bounds, second.bounds)
    quantiles = classify(values, "quantiles", 5)
    x = values.to_numpy()
    assert _within_ssd(x, first.codes) < 0.5 * _within_ssd(x, quantiles.codes)


def test_user_defined_bounds():
    minutes = pd.Series([0.4, 9.9, 10.0, 10.1, 19.0, 25.0, 31.0, 44.0, np.nan])
    classes = classify(minutes, "user_defined", user_bounds=[10, 20, 30])
    assert classes.bounds.tolist() == [0.4, 10, 20, 30, 44.0]
    expected = np.digitize(minutes.dropna(), [10, 20, 30], right=True)
    assert classes.codes[:-1].tolist() == expected.tolist()
    assert classes.codes[-1] == -1 and classes.n_missing == 1
    assert classes.labels == ["0,4 – 10,0", "10,0 – 20,0", "20,0 – 30,0", "30,0 – 44,0"]
    # Bounds beyond the data keep their classes, so that two maps compare.
    wide = classify(minutes, "user_defined", user_bounds=[10, 20, 30, 45, 60])
    assert wide.bounds.tolist() == [0.4, 10, 20, 30, 45, 60]
    assert len(wide.labels) == len(wide.colors) == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "jenks"}, "méthode de classification inconnue : « jenks »"),
        ({"scheme": "quantiles", "n_classes": 0}, "au moins 1"),
        ({"scheme": "user_defined"}, "au moins une borne"),
        ({"scheme": "user_defined", "user_bounds": [20, 10]}, "finies et croissantes"),
        ({"scheme": "user_defined", "user_bounds": [10, np.inf]}, "finies et croissantes"),
    ],
)
def test_bad_requests_are_refused_in_french(kwargs, message):
    with pytest.raises(ValueError, match=message):
        classify(pd.Series([1.0, 2.0, 3.0]), **kwargs)


def test_natural_breaks_finds_obvious_groups():
    values = pd.Series([1, 2, 3, 10, 11, 12, 20, 21, 22, np.nan])
    classes = classify(values, "natural_breaks", 3)
    assert list(classes.bounds) == [1, 3, 12, 22]
    assert list(classes.codes) == [0, 0, 0, 1, 1, 1, 2, 2, 2, -1]
    assert classes.labels == ["1 – 3", "3 – 12", "12 – 22"]
    assert classes.n_missing == 1


def test_constant_column_gives_one_class():
    classes = classify(pd.Series([5.0, 5.0, 5.0]), "quantiles", 5)
    assert classes.labels == ["5 – 5"]
    assert list(classes.codes) == [0, 0, 0]
