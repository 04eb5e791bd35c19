"""French number, percentage and date formatting."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from geo.formatting import format_date_fr, format_datetime_fr, format_number_fr, format_percent_fr

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


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # Winter time, UTC + 1.
        ("2026-12-01T17:58:00+00:00", "1er décembre 2026 à 18:58"),
        # Summer time, UTC + 2: the local day is the next one.
        ("2026-07-01T22:30:00+00:00", "2 juillet 2026 à 00:30"),
        # No offset: read as UTC, as the scenario store writes.
        ("2026-03-15T08:05:00", "15 mars 2026 à 09:05"),
    ],
)
def test_saved_times_shown_in_paris_time(stored, shown):
    # Walk-through: the version history read « … à 17:58 (UTC) ».
    assert format_datetime_fr(stored) == shown
