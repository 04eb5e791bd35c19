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
