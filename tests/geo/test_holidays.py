"""French public holidays, checked against the published dates of 2024–2027."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.holidays import public_holiday_fr, public_holidays_fr


@pytest.mark.parametrize(
    ("year", "easter_monday", "ascension", "whit_monday"),
    [
        (2024, dt.date(2024, 4, 1), dt.date(2024, 5, 9), dt.date(2024, 5, 20)),
        (2025, dt.date(2025, 4, 21), dt.date(2025, 5, 29), dt.date(2025, 6, 9)),
        (2026, dt.date(2026, 4, 6), dt.date(2026, 5, 14), dt.date(2026, 5, 25)),
        (2027, dt.date(2027, 3, 29), dt.date(2027, 5, 6), dt.date(2027, 5, 17)),
    ],
)
def test_holidays_set_by_easter(year, easter_monday, ascension, whit_monday):
    days = public_holidays_fr(year)
    assert len(days) == 11
    assert days[easter_monday] == "lundi de Pâques"
    assert days[ascension] == "Ascension"
    assert days[whit_monday] == "lundi de Pentecôte"


def test_fixed_holidays_and_working_days():
    assert public_holiday_fr(dt.date(2026, 12, 25)) == "Noël"
    assert public_holiday_fr(dt.date(2027, 1, 1)) == "jour de l'an"
    assert public_holiday_fr(dt.date(2026, 7, 14)) == "fête nationale"
    assert public_holiday_fr(dt.date(2026, 12, 24)) is None
    assert public_holiday_fr(dt.date(2026, 12, 26)) is None  # Alsace-Moselle only
