"""iCalendar (RFC 5545) file of the mobile sessions, for any calendar application.

Written by hand: the format needs only a few properties, and a dependency would add
nothing that the tests do not check. One ``VEVENT`` per session of the cycle, repeating
every cycle (``RRULE:FREQ=WEEKLY;INTERVAL=<weeks in cycle>``) for the working weeks of a
year. Times are local *floating* times (RFC 5545 §3.3.5): the sessions happen at the
same clock time wherever the calendar is opened. Lines end with CRLF and are folded at
75 octets; text values are escaped (§3.3.11).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from equity.mobile.result import MobileResult
from equity.mobile.settings import KIND_FR
from geo.formatting import format_number_fr
from geo.holidays import public_holiday_fr
from geo.opening_hours import WEEKDAYS_FR

__all__ = ["ics_text", "next_monday", "write_ics"]

_PRODID = "-//Maillage//Tournées mobiles//FR"


def next_monday(today: dt.date | None = None) -> dt.date:
    """The first Monday strictly after ``today`` (default: the current date)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def _escape(text: object) -> str:
    value = str(text)
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def _fold(line: str) -> list[str]:
    """Split a content line into chunks of at most 75 octets (continuations start with
    a space), never inside a UTF-8 character."""
    chunks, current, size, limit = [], "", 0, 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            chunks.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += n
    chunks.append(current)
    return chunks


def _local(day: dt.date, hhmm: str) -> str:
    hours, minutes = hhmm.split(":")
    return f"{day:%Y%m%d}T{int(hours):02d}{int(minutes):02d}00"


def _event(row: pd.Series, date: dt.date, stamp: str, count: int, interval: int) -> list[str]:
    uid = re.sub(r"[^A-Za-z0-9._-]", "-", f"{row['circuit_id']}-{row['order']}-{row['stop_id']}")
    kind = KIND_FR.get(row["kind"], row["kind"])
    description = "\n".join(
        [
            f"Conseiller : {row['advisor_name']}",
            f"Tournée {row['circuit_id']}, arrêt n° {row['order']} ({kind})",
            f"Départ de la base {row['departure']}, retour {row['return_time']}",
            f"Trajet depuis le lieu précédent : {row['leg_drive_min']:.0f} min, "
            f"{format_number_fr(row['leg_km'], 1)} km",
        ]
    )
    if row["hours_note"]:
        description += f"\nRemarque : {row['hours_note']}"
    # Occurrences on a public holiday do not take place (EXDATE, RFC 5545 3.8.5.1).
    occurrences = (date + dt.timedelta(weeks=interval * k) for k in range(count))
    skipped = [_local(d, row["session_start"]) for d in occurrences if public_holiday_fr(d)]
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}@maillage",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_local(date, row['session_start'])}",
        f"DTEND:{_local(date, row['session_end'])}",
        f"RRULE:FREQ=WEEKLY;INTERVAL={interval};COUNT={count}",
        *([f"EXDATE:{','.join(skipped)}"] if skipped else []),
        f"SUMMARY:{_escape('Séance numérique — ' + str(row['stop_name']))}",
        f"LOCATION:{_escape(row['stop_name'])}",
        f"DESCRIPTION:{_escape(description)}",
        "END:VEVENT",
    ]


def ics_text(
    result: MobileResult,
    cycle_start: dt.date,
    advisor_ids: Iterable[str] | None = None,
    stamp: dt.datetime | None = None,
) -> str:
    """The iCalendar text of the sessions.

    Parameters
    ----------
    result : MobileResult
    cycle_start : datetime.date
        Monday of week 1 of the first cycle.
    advisor_ids : iterable of str, optional
        Only these advisors' sessions (default: every advisor).
    stamp : datetime.datetime, optional
        Creation time written as ``DTSTAMP`` (UTC; default: now).

    Returns
    -------
    str
        The calendar, CRLF line endings.

    Raises
    ------
    ValueError
        ``cycle_start`` is not a Monday.
    """
    if cycle_start.weekday() != 0:
        raise ValueError(f"le cycle doit commencer un lundi (reçu : {cycle_start:%d/%m/%Y}).")
    params = result.parameters
    interval = int(params.get("weeks_in_cycle", 4))
    count = max(1, round(int(params.get("working_weeks_per_year", 47)) / interval))
    utc = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp_text = f"{utc:%Y%m%dT%H%M%SZ}"
    schedule = result.schedule
    if advisor_ids is not None:
        schedule = schedule[schedule["advisor_id"].isin(list(advisor_ids))]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Tournées mobiles des conseillers numériques",
    ]
    for _, row in schedule.iterrows():
        offset = 7 * (int(row["week"]) - 1) + WEEKDAYS_FR.index(row["day"])
        date = cycle_start + dt.timedelta(days=offset)
        lines += _event(row, date, stamp_text, count, interval)
    lines.append("END:VCALENDAR")
    return "".join(chunk + "\r\n" for line in lines for chunk in _fold(line))


def write_ics(
    result: MobileResult,
    path: str | Path,
    cycle_start: dt.date | None = None,
    advisor_ids: Iterable[str] | None = None,
    stamp: dt.datetime | None = None,
) -> Path:
    """Write :func:`ics_text` to ``path`` (UTF-8); the cycle starts next Monday by default."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ics_text(result, cycle_start or next_monday(), advisor_ids, stamp)
    path.write_bytes(text.encode("utf-8"))
    return path
