"""The calendar's descriptions write numbers the French way (« 11,5 km »)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from equity.mobile.ics import _event


def test_leg_distance_has_a_decimal_comma():
    row = pd.Series(
        {
            "circuit_id": "C1",
            "order": 2,
            "stop_id": "mairie-72264",
            "kind": "host",
            "advisor_name": "Itinérant — Sablé",
            "departure": "08:30",
            "return_time": "12:30",
            "leg_drive_min": 14.2,
            "leg_km": 11.54,
            "hours_note": "",
            "session_start": "09:00",
            "session_end": "11:00",
            "stop_name": "Mairie — Sablé-sur-Sarthe",
        }
    )
    lines = _event(row, dt.date(2026, 9, 7), "20260901T000000Z", 12, 4)
    unfolded = "".join(lines)
    # RFC 5545 escapes the comma in text values: « 11\\,5 km » reads « 11,5 km ».
    assert "14 min\\, 11\\,5 km" in unfolded
    assert "11.5" not in unfolded
    assert "DTSTART:20260907T090000" in lines


def test_occurrences_on_public_holidays_are_excluded():
    # Walk-through: a Friday tour was booked on 25 December and 1 January.
    row = pd.Series(
        {
            "circuit_id": "C2",
            "order": 1,
            "stop_id": "mairie-72336",
            "kind": "host",
            "advisor_name": "Itinérant — Sillé",
            "departure": "08:30",
            "return_time": "12:30",
            "leg_drive_min": 10.0,
            "leg_km": 8.0,
            "hours_note": "",
            "session_start": "09:30",
            "session_end": "11:30",
            "stop_name": "Mairie — Sillé-le-Guillaume",
        }
    )
    # Fridays every week from 4 December 2026: 25 December and 1 January are holidays.
    lines = _event(row, dt.date(2026, 12, 4), "20261201T000000Z", 6, 1)
    assert "EXDATE:20261225T093000,20270101T093000" in lines
    # A September cycle with no holiday writes no EXDATE.
    assert not any(
        line.startswith("EXDATE")
        for line in _event(row, dt.date(2026, 9, 11), "20260901T000000Z", 4, 1)
    )
