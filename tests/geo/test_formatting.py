"""French number, percentage and date formatting."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from geo.formatting import format_date_fr, format_number_fr, format_percent_fr

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (566733, 0, f"566{NNBSP}733"),
        (1.5, 1, "1,5"),
        (1234567.891, 2, f"1{NNBSP}234{NNBSP}567,89"),
        (999.6, 0, f"1{NNBSP}000"),
        (12, 0, "12"),
        (-4321.5, 1, f"-4{NNBSP}321,5"),
        (-0.2, 0, "0"),
        (np.int64(146249), 0, f"146{NNBSP}249"),
    ],
)
def test_format_number_fr(value, decimals, expected):
    assert format_number_fr(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
def test_missing_values_are_not_available(missing):
    assert format_number_fr(missing) == "n.d."
    assert format_percent_fr(missing) == "n.d."


def test_format_percent_fr():
    assert format_percent_fr(0.734) == f"73{NNBSP}%"
    assert format_percent_fr(0.7345, decimals=1) == f"73,5{NNBSP}%"
    assert format_percent_fr(1) == f"100{NNBSP}%"


def test_format_date_fr():
    assert format_date_fr(dt.date(2026, 11, 28)) == "28 novembre 2026"
    assert format_date_fr(dt.datetime(2024, 8, 1, 15, 30)) == "1er août 2024"
    assert format_date_fr(pd.Timestamp("2025-02-14")) == "14 février 2025"
    assert format_date_fr("2023-12-05") == "5 décembre 2023"
