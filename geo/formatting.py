"""French formatting of numbers, shares and dates for user-facing text (maps, tables, reports)."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from numbers import Real
from zoneinfo import ZoneInfo

import pandas as pd

from geo import defaults

#: Narrow no-break space: French thousands separator and space before "%".
NNBSP: str = "\u202f"
#: Text shown in place of a missing value ("non disponible").
MISSING_TEXT_FR: str = "n.d."

_MONTHS_FR: tuple[str, ...] = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _is_missing(x: object) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, Real) and math.isnan(x))


def format_number_fr(x: float | int | None, decimals: int = 0) -> str:
    """Format a number the French way.

    Parameters
    ----------
    x : float, int or None
        Value to format. ``None``, NaN and ``pd.NA`` are missing.
    decimals : int, default 0
        Number of digits after the decimal comma.

    Returns
    -------
    str
        For instance ``"566 733"`` or ``"1,5"`` (thousands separated by U+202F, decimal
        comma), or ``"n.d."`` for a missing value.

    Examples
    --------
    >>> format_number_fr(1234567.891, decimals=2) == "1\\u202f234\\u202f567,89"
    True
    """
    if _is_missing(x):
        return MISSING_TEXT_FR
    value = round(float(x), decimals)
    if value == 0:
        # Avoid "-0" for small negative values rounded to zero.
        value = 0.0
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def format_percent_fr(x: float | None, decimals: int = 0) -> str:
    """Format a share between 0 and 1 as a French percentage.

    Parameters
    ----------
    x : float or None
        Share, e.g. ``0.734``. Missing values give ``"n.d."``.
    decimals : int, default 0
        Number of digits after the decimal comma of the percentage.

    Returns
    -------
    str
        For instance ``"73 %"`` with a narrow no-break space (U+202F) before ``%``.
    """
    if _is_missing(x):
        return MISSING_TEXT_FR
    return f"{format_number_fr(float(x) * 100, decimals)}{NNBSP}%"


def format_date_fr(date: dt.date | str) -> str:
    """Format a date in long French form.

    Parameters
    ----------
    date : datetime.date, datetime.datetime, pandas.Timestamp or ISO 8601 str
        Date to format; a time part is ignored.

    Returns
    -------
    str
        For instance ``"28 novembre 2026"``; the first day of a month is written
        ``"1er"`` as French typography requires.
    """
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10])
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {_MONTHS_FR[date.month - 1]} {date.year}"


#: An ISO date (« 2024-08-01 ») or month (« 2024-06 ») inside a text; « 2022-2023 » is a
#: range of years, not a month. A date inside a name (« lieux-2024-06.csv », a user's
#: file) touches a letter, digit, dot, dash or slash: it is kept as written.
_ISO_DATE = re.compile(r"(?<![\w./-])(\d{4})-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?(?![\w./-])")


def format_iso_dates_fr(text: str) -> str:
    """Rewrite the ISO dates and months inside a text the French way.

    Parameters
    ----------
    text : str
        For instance a source's vintage, « COG 2025 (édition 2025-04-02) ».

    Returns
    -------
    str
        The same text with « 2025-04-02 » as « 2 avril 2025 », « 2024-08-01 » as
        « 1er août 2024 » and « 2024-06 » as « juin 2024 »; ranges of years such as
        « 2022-2023 » are kept.
    """

    def french(match: re.Match[str]) -> str:
        year, month, day = match.groups()
        if day is None:
            return f"{_MONTHS_FR[int(month) - 1]} {year}"
        try:
            return format_date_fr(match.group(0))
        except ValueError:  # « 2023-02-30 » is no date: keep it as written.
            return match.group(0)

    return _ISO_DATE.sub(french, text)


def plural_fr(n: float, singular: str, plural: str | None = None) -> str:
    """The French form of a word or phrase for a count: « 1 lieu », « 12 lieux ».

    Parameters
    ----------
    n : float
        The count; French takes the singular below 2 (« 0 lieu », « 1,5 conseiller »).
    singular : str
        Singular form, e.g. « lieu » or « nouveau lieu ».
    plural : str, optional
        Plural form; by default one word takes « x » after « au » or « eu » (« lieux »),
        nothing after « s », « x » or « z », else « s ». Give it for a phrase, whose
        words need not all agree (« valeur non publiée » / « valeurs non publiées »).

    Returns
    -------
    str
        Only the word or phrase, so the number keeps its own format.

    Raises
    ------
    ValueError
        For a phrase of several words without its ``plural``.

    Examples
    --------
    >>> f"{12} {plural_fr(12, 'lieu')}, {1} {plural_fr(1, 'permanence')}"
    '12 lieux, 1 permanence'
    """
    if abs(n) < 2:
        return singular
    if plural is not None:
        return plural
    if " " in singular.strip():
        raise ValueError(f"Donnez le pluriel de « {singular} » (plusieurs mots).")
    if singular.endswith(("au", "eu")):
        return singular + "x"
    return singular if singular.endswith(("s", "x", "z")) else singular + "s"


def format_datetime_fr(timestamp: str, timezone: str = defaults.LOCAL_TIMEZONE) -> str:
    """Format an ISO 8601 instant in the users' local time, in long French form.

    Parameters
    ----------
    timestamp : str
        Instant as stored (``"2026-12-01T17:58:00+00:00"``); without an offset it is
        read as UTC, as the scenario store writes.
    timezone : str
        IANA time zone of the readers.

    Returns
    -------
    str
        For instance ``"1er décembre 2026 à 18:58"`` (Paris, winter time).
    """
    instant = dt.datetime.fromisoformat(timestamp)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{format_date_fr(local.date())} à {local:%H:%M}"


def french_sort_key(text: str) -> str:
    """Key that sorts names as a French reader expects: case and accents ignored.

    Python sorts by code point, so « CC Sud Sarthe » came before « CC de la Champagne
    Conlinoise » and « CU Le Mans » before « CU d'Alençon ».
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
