"""Printable calendar of the mobile sessions: one A4 landscape page per advisor and week.

Each page is the advisor's week of the cycle as a table, day by day and half-day by
half-day: session time, place, commune, driving time and kilometres from the previous
place, with each day's departure from the base and return under the table. A half-day
without a session shows a dash, so the page reads as a week. Dates are French and the
cycle's first Monday is given by the caller. The same weeks are offered to the council
pack as plain :class:`geo.render.pack.TablePage` sections (:func:`calendar_sections`).

The input is a plain table (one row per session, :data:`CALENDAR_COLUMNS`), so this
module knows nothing of how the sessions were planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.patches import Rectangle

from geo.formatting import format_date_fr, format_number_fr
from geo.holidays import public_holiday_fr
from geo.opening_hours import WEEKDAYS_FR
from geo.render.pack import TablePage
from geo.render.print_layout import (
    MM_PER_PT,
    MUTED_COLOR,
    Box,
    PageCanvas,
    check_page_options,
    line_height_mm,
    new_figure,
    print_style,
    text_width_mm,
    wrap_text,
)

__all__ = [
    "CALENDAR_COLUMNS",
    "CALENDAR_HEADERS_FR",
    "CalendarWeek",
    "calendar_sections",
    "calendar_weeks",
    "write_calendar_pdf",
]

#: Columns of the sessions table (one row per session of the cycle).
CALENDAR_COLUMNS: tuple[str, ...] = (
    "advisor_id",
    "advisor_name",
    "week",
    "day",
    "half_day",
    "order",
    "stop_name",
    "commune",
    "session_start",
    "session_end",
    "leg_drive_min",
    "leg_km",
    "departure",
    "return_time",
    "circuit_drive_min",
    "circuit_km",
)
#: Column headers of a calendar table.
CALENDAR_HEADERS_FR: tuple[str, ...] = (
    "Jour",
    "Demi-journée",
    "Séance",
    "Lieu",
    "Commune",
    "Trajet (min)",
    "Trajet (km)",
)
_HALF_DAYS = ("matin", "après-midi")
_EMPTY = "—"
_TRAVEL_NOTE_FR = "Trajet : temps de conduite et kilomètres depuis la base ou le lieu précédent."
#: Relative widths of the columns on the page.
_WIDTHS = (44.0, 26.0, 26.0, 82.0, 46.0, 20.0, 20.0)
_ACCENT = "#0b4f6c"
_HEADER_FILL = "#e6ecef"
_DAY_FILL = "#f4f6f7"
_MARGIN_MM = 12.0


@dataclass(frozen=True)
class CalendarWeek:
    """One advisor's week of the cycle, ready to print.

    Attributes
    ----------
    advisor_id, advisor_name : str
    week : int
        Week of the cycle (1 …).
    title, subtitle : str
        French heading of the page (advisor; week and its dates).
    table : pandas.DataFrame
        Rows day × half-day × session, columns :data:`CALENDAR_HEADERS_FR`; a half-day
        without a session is one row with a dash for the place.
    days : list of str
        Day label of every row (the table shows it on a day's first row only).
    circuits : list of str
        One French line per day out: departure, return, driving time and km.
    n_sessions : int
        Sessions of the week.
    """

    advisor_id: str
    advisor_name: str
    week: int
    title: str
    subtitle: str
    table: pd.DataFrame
    days: list[str]
    circuits: list[str]
    n_sessions: int


def _check(sessions: pd.DataFrame, cycle_start: dt.date, weeks_in_cycle: int) -> None:
    problems = []
    missing = [c for c in CALENDAR_COLUMNS if c not in sessions.columns]
    if missing:
        problems.append(f"colonnes manquantes : {', '.join(missing)}")
    if cycle_start.weekday() != 0:
        problems.append(f"le cycle doit commencer un lundi (reçu : {format_date_fr(cycle_start)})")
    if weeks_in_cycle < 1:
        problems.append(f"le cycle doit compter au moins une semaine (reçu : {weeks_in_cycle})")
    elif not missing and len(sessions):
        weeks = sessions["week"].astype(int)
        if weeks.min() < 1 or weeks.max() > weeks_in_cycle:
            problems.append(f"semaines hors du cycle de {weeks_in_cycle} semaines")
        unknown = sorted(set(sessions["day"]) - set(WEEKDAYS_FR))
        if unknown:
            problems.append(f"jours inconnus : {', '.join(map(str, unknown))}")
    if problems:
        raise ValueError("Calendrier des tournées impossible : " + " ; ".join(problems) + ".")


def _day_date(cycle_start: dt.date, week: int, day: str) -> dt.date:
    return cycle_start + dt.timedelta(days=7 * (week - 1) + WEEKDAYS_FR.index(day))


def _short_date(date: dt.date) -> str:
    """« lundi 7 septembre » (the year is in the page's subtitle)."""
    return f"{WEEKDAYS_FR[date.weekday()]} {format_date_fr(date).rsplit(' ', 1)[0]}"


def _week_rows(mine: pd.DataFrame, days: Sequence[str], dates: dict[str, dt.date]) -> tuple:
    """Display rows, the day label of each row and the circuit lines of one week."""
    rows, row_days, circuits = [], [], []
    for day in days:
        label = _short_date(dates[day])
        today = mine[mine["day"] == day].sort_values("order")
        holiday = public_holiday_fr(dates[day])
        if holiday is not None:
            # The cycle repeats by weekday: a holiday's sessions do not take place.
            rows.append([label, "", "", f"Jour férié ({holiday}) : pas de séance", "", "", ""])
            row_days.append(label)
            if len(today):
                circuits.append(f"{label} : jour férié ({holiday}), tournée non assurée")
            continue
        for half_day in _HALF_DAYS:
            part = today[today["half_day"] == half_day]
            if part.empty:
                rows.append([label, half_day, "", _EMPTY, "", "", ""])
                row_days.append(label)
            for r in part.itertuples():
                rows.append(
                    [
                        label,
                        half_day,
                        f"{r.session_start}–{r.session_end}",
                        str(r.stop_name),
                        str(r.commune or ""),
                        format_number_fr(r.leg_drive_min),
                        format_number_fr(r.leg_km, 1),
                    ]
                )
                row_days.append(label)
        if len(today):
            first = today.iloc[0]
            circuits.append(
                f"{label} : départ de la base {first['departure']}, retour "
                f"{first['return_time']} — {format_number_fr(first['circuit_drive_min'])} min "
                f"de conduite, {format_number_fr(first['circuit_km'], 1)} km"
            )
    return pd.DataFrame(rows, columns=list(CALENDAR_HEADERS_FR)), row_days, circuits


def calendar_weeks(
    sessions: pd.DataFrame, cycle_start: dt.date, weeks_in_cycle: int = 4
) -> list[CalendarWeek]:
    """Every advisor's weeks of the cycle, advisor by advisor, week by week.

    Parameters
    ----------
    sessions : pandas.DataFrame
        One row per session of the cycle, columns :data:`CALENDAR_COLUMNS`; times as
        ``"HH:MM"``, days as French weekday names, half-days ``"matin"`` or
        ``"après-midi"``.
    cycle_start : datetime.date
        Monday of week 1.
    weeks_in_cycle : int
        Weeks of the cycle: each advisor with sessions gets that many weeks (a week
        without a session is printed too, so the cycle reads in full).

    Returns
    -------
    list of CalendarWeek

    Raises
    ------
    ValueError
        A column is missing, ``cycle_start`` is not a Monday, or a week or day is
        outside the cycle (one French message listing every problem).
    """
    _check(sessions, cycle_start, weeks_in_cycle)
    days = list(WEEKDAYS_FR[:5]) + (["samedi"] if (sessions["day"] == "samedi").any() else [])
    weeks = []
    for advisor_id, mine in sessions.groupby("advisor_id", sort=False):
        name = str(mine["advisor_name"].iloc[0])
        for week in range(1, weeks_in_cycle + 1):
            dates = {d: _day_date(cycle_start, week, d) for d in days}
            this = mine[mine["week"].astype(int) == week]
            table, row_days, circuits = _week_rows(this, days, dates)
            first, last = dates[days[0]], dates[days[-1]]
            weeks.append(
                CalendarWeek(
                    advisor_id=str(advisor_id),
                    advisor_name=name,
                    week=week,
                    title=f"Tournées mobiles — {name}",
                    subtitle=(
                        f"Semaine {week} du cycle de {weeks_in_cycle} semaines : du "
                        f"{_short_date(first)} au {_short_date(last)} {last.year}"
                    ),
                    table=table,
                    days=row_days,
                    circuits=circuits or ["Aucune séance cette semaine."],
                    n_sessions=len(this),
                )
            )
    return weeks


def calendar_sections(
    sessions: pd.DataFrame, cycle_start: dt.date, weeks_in_cycle: int = 4
) -> list[TablePage]:
    """The calendar as council-pack sections: one table per advisor and week.

    Same arguments as :func:`calendar_weeks`; each section's note lists the days out.
    """
    return [
        TablePage(
            title=f"{w.title}, semaine {w.week}",
            table=w.table,
            note=w.subtitle + ". " + " ; ".join(w.circuits),
        )
        for w in calendar_weeks(sessions, cycle_start, weeks_in_cycle)
    ]


def _fit(text: str, width: float, size: float) -> str:
    """Shorten a text with an ellipsis so that it fits a width (mm)."""
    if text_width_mm(text, size) <= width:
        return text
    while text and text_width_mm(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_table(canvas: PageCanvas, week: CalendarWeek, box: Box) -> float:
    """Draw the week's table in ``box``; return the y below it."""
    widths = [w * box.w / sum(_WIDTHS) for w in _WIDTHS]
    right = [False] * 5 + [True, True]
    n = len(week.table) + 1
    row_h = min(7.0, box.h / n)
    size = max(5.5, min(9.0, row_h / (MM_PER_PT * 1.7)))
    pad = 1.8
    y = box.y
    canvas.ax.add_patch(Rectangle((box.x, y), box.w, row_h, facecolor=_HEADER_FILL, lw=0))
    x = box.x
    for header, w, r in zip(CALENDAR_HEADERS_FR, widths, right, strict=True):
        canvas.text(
            x + w - pad if r else x + pad,
            y + row_h / 2,
            header,
            size,
            weight="bold",
            ha="right" if r else "left",
            va="center",
        )
        x += w
    y += row_h
    previous_day, shade = None, False
    for (_, row), day in zip(week.table.iterrows(), week.days, strict=True):
        new_day = day != previous_day
        if new_day:
            shade = not shade
            canvas.ax.plot([box.x, box.x + box.w], [y, y], color="#999999", lw=0.5)
        if shade:
            canvas.ax.add_patch(Rectangle((box.x, y), box.w, row_h, facecolor=_DAY_FILL, lw=0))
        x = box.x
        color = MUTED_COLOR if row.iloc[3] == _EMPTY else None
        for k, (value, w, r) in enumerate(zip(row, widths, right, strict=True)):
            # The day is written on its first row only; empty cells draw nothing.
            if value and (k > 0 or new_day):
                canvas.text(
                    x + w - pad if r else x + pad,
                    y + row_h / 2,
                    _fit(value, w - 2 * pad, size),
                    size,
                    ha="right" if r else "left",
                    va="center",
                    **({"color": color} if color else {}),
                )
            x += w
        previous_day = day
        y += row_h
    canvas.ax.plot([box.x, box.x + box.w], [y, y], color="#999999", lw=0.5)
    return y


def _draw_page(canvas: PageCanvas, week: CalendarWeek, size_mm: tuple, number: str) -> None:
    width, height = size_mm
    m = _MARGIN_MM
    canvas.text(m, m, week.title, 15, weight="bold", color=_ACCENT)
    canvas.text(m, m + 8, week.subtitle, 10)
    texts = [*week.circuits, _TRAVEL_NOTE_FR]
    notes = [line for c in texts for line in wrap_text(c, width - 2 * m, 8)]
    notes_h = len(notes) * line_height_mm(8) + 3
    table_box = Box(m, m + 16, width - 2 * m, height - 2 * m - 16 - notes_h - 6)
    y = _draw_table(canvas, week, table_box) + 3
    for line in notes:
        canvas.text(m, y, line, 8)
        y += line_height_mm(8)
    canvas.text(
        m,
        height - m / 2,
        "Maillage — tournées mobiles des conseillers numériques",
        7,
        color=MUTED_COLOR,
        va="bottom",
    )
    canvas.text(width - m, height - m / 2, number, 7, color=MUTED_COLOR, ha="right", va="bottom")


def write_calendar_pdf(
    sessions: pd.DataFrame,
    path: str | Path,
    cycle_start: dt.date,
    weeks_in_cycle: int = 4,
    paper: str = "A4",
) -> Path:
    """Write the printable calendar: one landscape page per advisor and week of the cycle.

    Parameters
    ----------
    sessions, cycle_start, weeks_in_cycle
        See :func:`calendar_weeks`.
    path : str or pathlib.Path
        Output PDF (parent folders are created).
    paper : {"A4", "A3"}
        Paper size (landscape).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        See :func:`calendar_weeks`; also when there is no session at all.
    """
    size = check_page_options(paper, "landscape")
    weeks = calendar_weeks(sessions, cycle_start, weeks_in_cycle)
    if not weeks:
        raise ValueError("Calendrier des tournées impossible : aucune séance programmée.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Title": "Tournées mobiles — calendrier", "Author": "Maillage"}
    with print_style(), PdfPages(path, metadata=metadata) as pdf:
        for i, week in enumerate(weeks, start=1):
            fig = new_figure(*size)
            canvas = PageCanvas(fig, Box(0, 0, *size), 1.0)
            _draw_page(canvas, week, size, f"Page {i} / {len(weeks)}")
            pdf.savefig(fig)
    return path
