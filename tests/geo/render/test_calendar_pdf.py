"""The printable calendar of the mobile sessions: pages, rows, French dates, pack sections."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from geo.render.calendar import calendar_sections, calendar_weeks, write_calendar_pdf
from geo.render.pack import build_pack

MONDAY = dt.date(2026, 9, 7)
TIMES = re.compile(r"\d\d:\d\d–\d\d:\d\d")


def _session(advisor: str, week: int, day: str, half_day: str, order: int, **kw) -> dict:
    return {
        "advisor_id": advisor,
        "advisor_name": f"Itinérant — {advisor}",
        "week": week,
        "day": day,
        "half_day": half_day,
        "order": order,
        "stop_name": kw.get("stop", "Mairie — Rouez"),
        "commune": kw.get("commune", "Rouez"),
        "session_start": kw.get("start", "09:30"),
        "session_end": kw.get("end", "11:30"),
        "leg_drive_min": kw.get("minutes", 14.0),
        "leg_km": kw.get("km", 11.7),
        "departure": "09:10",
        "return_time": kw.get("back", "12:20"),
        "circuit_drive_min": 38.0,
        "circuit_km": 31.6,
    }


@pytest.fixture
def sessions() -> pd.DataFrame:
    rows = [
        _session("Sillé", 1, "mardi", "matin", 1),
        _session("Sillé", 1, "mardi", "matin", 2, stop="Bibliothèque de Crissé",
                 commune="Crissé", start="11:45", end="12:30", minutes=6.0, km=4.9),
        _session("Sillé", 1, "jeudi", "après-midi", 1, start="14:00", end="16:00"),
        _session("Sillé", 3, "mardi", "matin", 1),
        _session("Vibraye", 2, "samedi", "matin", 1, stop="Marché de Montmirail",
                 commune="Montmirail", start="09:00", end="11:00"),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_one_page_per_advisor_and_week_with_a_row_per_session(sessions, tmp_path):
    path = write_calendar_pdf(sessions, tmp_path / "calendrier.pdf", MONDAY)
    pages = _pages(path)
    # Two advisors × a 4-week cycle, weeks without sessions included.
    assert len(pages) == 8
    assert [len(TIMES.findall(p)) for p in pages] == [3, 0, 1, 0, 0, 1, 0, 0]
    first = pages[0]
    assert "Tournées mobiles — Itinérant — Sillé" in first
    assert "Semaine 1 du cycle de 4 semaines : du lundi 7 septembre au samedi 12 septembre" in first
    assert "mardi 8 septembre" in first and "jeudi 10 septembre" in first
    for text in ("09:30–11:30", "Mairie — Rouez", "Rouez", "11:45–12:30", "Bibliothèque de Crissé"):
        assert text in first
    assert "4,9" in first and "11,7" in first  # km from the previous place, French decimals
    assert "départ de la base 09:10, retour 12:20 — 38 min de conduite, 31,6 km" in first
    # Week 3 is dated from the cycle's Monday; week 2 has no session for this advisor.
    assert "du lundi 21 septembre au samedi 26 septembre" in pages[2]
    assert "Aucune séance cette semaine." in pages[1]
    saturday = pages[5]
    assert "Itinérant — Vibraye" in saturday and "samedi 19 septembre" in saturday
    assert "Marché de Montmirail" in saturday and "Page 6 / 8" in saturday


def test_weeks_lay_out_every_half_day(sessions):
    weeks = calendar_weeks(sessions, MONDAY)
    week = weeks[0]
    # Monday to Saturday (a Saturday session exists) × 2 half-days, one more session in
    # Tuesday morning: 12 slots + 1.
    assert len(week.table) == 13 and week.n_sessions == 3
    assert list(week.table.columns)[:4] == ["Jour", "Demi-journée", "Séance", "Lieu"]
    empty = week.table[week.table["Séance"] == ""]
    assert len(empty) == 10 and (empty["Lieu"] == "—").all()
    without_saturday = calendar_weeks(sessions[sessions["day"] != "samedi"], MONDAY)
    assert len(without_saturday) == 4 and len(without_saturday[0].table) == 11


def test_bad_input_lists_every_problem(sessions, tmp_path):
    with pytest.raises(ValueError, match="lundi") as error:
        calendar_weeks(sessions.assign(week=7), dt.date(2026, 9, 8))
    assert "semaines hors du cycle" in str(error.value)
    with pytest.raises(ValueError, match="colonnes manquantes : commune"):
        calendar_weeks(sessions.drop(columns="commune"), MONDAY)
    with pytest.raises(ValueError, match="aucune séance"):
        write_calendar_pdf(sessions.iloc[0:0], tmp_path / "vide.pdf", MONDAY)


def test_pack_sections_render_in_the_council_pack(sessions, tmp_path):
    sections = calendar_sections(sessions, MONDAY)
    assert len(sections) == 8
    assert sections[0].title == "Tournées mobiles — Itinérant — Sillé, semaine 1"
    path = build_pack(sections[:2], tmp_path / "dossier.pdf", date=MONDAY)
    text = " ".join(_pages(path))
    assert "Bibliothèque de Crissé" in text and "11:45–12:30" in text
    assert "départ de la base 09:10" in text


def test_sessions_on_a_public_holiday_are_shown_as_not_held():
    # Walk-through: the pack's calendar booked sessions on 25 December and 1 January.
    rows = [
        _session("Sillé", 3, "vendredi", "matin", 1),
        _session("Sillé", 4, "vendredi", "après-midi", 1, start="14:00", end="16:00"),
        _session("Sillé", 4, "jeudi", "matin", 1),
    ]
    weeks = calendar_weeks(pd.DataFrame(rows), dt.date(2026, 12, 7))
    week3, week4 = (w for w in weeks if w.week in (3, 4))
    christmas = week3.table[week3.table["Jour"].str.contains("25 décembre")]
    assert christmas["Lieu"].tolist() == ["Jour férié (Noël) : pas de séance"]
    assert not christmas["Séance"].str.contains(TIMES).any()
    assert any("jour férié (Noël)" in c for c in week3.circuits)
    new_year = week4.table[week4.table["Jour"].str.contains("1er janvier")]
    assert new_year["Lieu"].tolist() == ["Jour férié (jour de l'an) : pas de séance"]
    # The working day of the same week keeps its session.
    assert week4.table["Séance"].str.contains(TIMES).sum() == 1
