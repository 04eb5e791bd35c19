"""Weekly opening hours: parsing the published formats, French display, open-at checks.

Hours are held as ``{"lundi": [("09:00", "12:00"), ("14:00", "17:30")], ...}``
(French weekday names, 24 h ``HH:MM`` strings), serialised as JSON in site tables.
"""

from __future__ import annotations

import ast
import json
import re

__all__ = [
    "WEEKDAYS_FR",
    "WeeklyHours",
    "format_fr",
    "from_json",
    "is_open",
    "parse_datafrance",
    "parse_day_columns",
    "parse_slots",
    "to_json",
]

WEEKDAYS_FR: tuple[str, ...] = (
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
)
WeeklyHours = dict[str, list[tuple[str, str]]]

_SLOT = re.compile(r"(\d{1,2})[:hH](\d{2})\s*[-–à]\s*(\d{1,2})[:hH](\d{2})")


def _hhmm(hours: str, minutes: str) -> str:
    return f"{int(hours):02d}:{minutes}"


def parse_slots(text: str) -> list[tuple[str, str]]:
    """Parse ``"09:00 - 12:30 / 13:45 - 17:00"`` (or ``9h00-12h00``) into slots."""
    return [(_hhmm(a, b), _hhmm(c, d)) for a, b, c, d in _SLOT.findall(text or "")]


def parse_datafrance(raw: str) -> WeeklyHours:
    """Parse the Annuaire de l'administration ``horaires_json`` field.

    The field is a Python literal list of ``[first_day, last_day, [[start, end], ...]]``
    where a day range such as ``lundi``–``vendredi`` covers every day in between.
    """
    hours: WeeklyHours = {}
    if not raw or not isinstance(raw, str):
        return hours
    for first, last, slots in ast.literal_eval(raw):
        i, j = WEEKDAYS_FR.index(first), WEEKDAYS_FR.index(last)
        for day in WEEKDAYS_FR[i : j + 1]:
            hours.setdefault(day, []).extend((s[:5], e[:5]) for s, e in slots)
    return {day: sorted(hours[day]) for day in WEEKDAYS_FR if day in hours}


def parse_day_columns(row: dict[str, object], prefix: str = "h_") -> WeeklyHours:
    """Parse one column per weekday (``h_lundi`` … ``h_samedi``), as in the France services list."""
    hours: WeeklyHours = {}
    for day in WEEKDAYS_FR:
        value = row.get(prefix + day)
        slots = parse_slots(value) if isinstance(value, str) else []
        if slots:
            hours[day] = slots
    return hours


def to_json(hours: WeeklyHours) -> str | None:
    """Compact JSON form for tables, ``None`` when hours are unknown."""
    return json.dumps(hours, ensure_ascii=False, separators=(",", ":")) if hours else None


def from_json(text: str | None) -> WeeklyHours:
    """Inverse of :func:`to_json`; unknown hours give an empty dict."""
    if not text:
        return {}
    return {day: [tuple(slot) for slot in slots] for day, slots in json.loads(text).items()}


def format_fr(hours: WeeklyHours) -> str:
    """French one-line display: ``lundi 9h00–12h00, 14h00–17h30 ; mardi …``."""

    def slot(s: tuple[str, str]) -> str:
        return f"{s[0].replace(':', 'h')}–{s[1].replace(':', 'h')}"

    return " ; ".join(f"{day} {', '.join(slot(s) for s in slots)}" for day, slots in hours.items())


def is_open(hours: WeeklyHours, day: str, start: str, end: str) -> bool:
    """Whether one published slot of ``day`` contains the whole interval ``start``–``end``."""
    return any(s <= start and end <= e for s, e in hours.get(day, []))
