"""Class bounds remembered on disk give the same classes, without mapclassify."""

from __future__ import annotations

import sys

import mapclassify
import numpy as np
import pandas as pd
import pytest

from geo import settings
from geo.render import classify
from geo.render.class_memo import MEMO_SUBDIR

SCHEMES = ("quantiles", "equal_interval", "natural_breaks")


@pytest.fixture
def values() -> pd.Series:
    rng = np.random.default_rng(72)
    return pd.Series(np.round(rng.lognormal(7.0, 1.2, 352), 1))


def _memo_files() -> list:
    return sorted((settings.PROCESSED_DIR / MEMO_SUBDIR).glob("*.json"))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_codes_are_mapclassifys(values, scheme):
    result = classify(values, scheme, 5)
    bins = result.bounds[1:]
    # mapclassify's own class of every value for the same bounds.
    assert np.array_equal(result.codes, mapclassify.UserDefined(values.to_numpy(), bins).yb)
    if scheme == "quantiles":
        assert np.allclose(bins, mapclassify.Quantiles(values.to_numpy(), k=5).bins)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_remembered_bounds_need_no_mapclassify(values, scheme, monkeypatch):
    first = classify(values, scheme, 5)
    assert len(_memo_files()) == 1
    # ``import mapclassify`` now fails: the second classing must not need it.
    monkeypatch.setitem(sys.modules, "mapclassify", None)
    second = classify(values, scheme, 5)
    assert np.array_equal(first.codes, second.codes)
    assert np.array_equal(first.bounds, second.bounds)
    assert first.labels == second.labels


@pytest.mark.parametrize(
    "bounds", [(10.0, 20.0, 30.0), (500.0, 1000.0), (5_000.0, 1e9), (1e9, 2e9)]
)
def test_user_defined_classes_are_mapclassifys_without_it(values, bounds, monkeypatch):
    """Travel-time classes (user bounds) used to import mapclassify: 3.4 s on a new server."""
    with_bounds = pd.concat([values, pd.Series(bounds)], ignore_index=True)
    expected = mapclassify.UserDefined(with_bounds.to_numpy(), list(bounds))
    monkeypatch.setitem(sys.modules, "mapclassify", None)
    result = classify(with_bounds, "user_defined", user_bounds=bounds)
    assert np.array_equal(result.bounds[1:], expected.bins)
    assert np.array_equal(result.codes, expected.yb)
    assert result.bounds[0] == min(with_bounds.min(), bounds[0])


@pytest.mark.parametrize(
    "content", ["not json", '{"bins": [3, 2, 1]}', '{"bins": [1, "x"]}', '{"bins": []}', "[]"]
)
def test_a_damaged_memo_is_recomputed(values, content):
    first = classify(values, "quantiles", 5)
    (path,) = _memo_files()
    path.write_text(content, encoding="utf-8")
    again = classify(values, "quantiles", 5)
    assert np.array_equal(first.bounds, again.bounds)
    assert np.array_equal(first.codes, again.codes)


def test_other_values_are_not_served_old_bounds(values):
    classify(values, "quantiles", 5)
    shifted = values * 2
    assert np.allclose(classify(shifted, "quantiles", 5).bounds, 2 * classify(values).bounds)
    assert len(_memo_files()) == 2


def test_an_unwritable_folder_costs_nothing_but_time(values, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(settings, "PROCESSED_DIR", blocker)  # a file, not a folder
    assert classify(values, "natural_breaks", 5).bounds is not None
