"""French public holidays (jours fériés), for calendars of sessions.

The eleven national holidays of the Code du travail (art. L3133-1): eight on fixed dates
and three set by Easter (Easter Monday, Ascension, Whit Monday). Alsace-Moselle's two
extra days (Good Friday, 26 December) are not included.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

__all__ = ["public_holiday_fr", "public_holidays_fr"]

_FIXED = {
    (1, 1): "jour de l'an",
    (5, 1): "fête du Travail",
    (5, 8): "Victoire 1945",
    (7, 14): "fête nationale",
    (8, 15): "Assomption",
    (11, 1): "Toussaint",
    (11, 11): "Armistice 1918",
    (12, 25): "Noël",
}
_AFTER_EASTER_DAYS = {1: "lundi de Pâques", 39: "Ascension", 50: "lundi de Pentecôte"}


def _easter(year: int) -> dt.date:
    """Easter Sunday of ``year`` (Gregorian calendar; anonymous « Meeus » algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return dt.date(year, month, day)


@cache
def public_holidays_fr(year: int) -> dict[dt.date, str]:
    """The national public holidays of ``year`` and their French names.

    Parameters
    ----------
    year : int

    Returns
    -------
    dict
        Date → name, e.g. ``{date(2026, 12, 25): "Noël", ...}`` (11 entries).
    """
    holidays = {dt.date(year, m, d): name for (m, d), name in _FIXED.items()}
    easter = _easter(year)
    for days, name in _AFTER_EASTER_DAYS.items():
        holidays[easter + dt.timedelta(days=days)] = name
    return holidays


def public_holiday_fr(date: dt.date) -> str | None:
    """The name of the public holiday on ``date``, ``None`` on a working day."""
    return public_holidays_fr(date.year).get(date)
