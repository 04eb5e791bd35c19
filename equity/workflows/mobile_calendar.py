"""The printable calendar of a mobile programme: a PDF, or council-pack sections.

Apart from :mod:`equity.workflows.mobile_sessions`: printing loads matplotlib, which
planning does not need.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from equity.council_pack import calendar_pages, calendar_table, cycle_weeks
from equity.mobile import MobileResult
from equity.workflows.errors import InvalidRequest
from geo.render.calendar import write_calendar_pdf
from geo.render.pack import TablePage
from geo.territory import Territory

__all__ = ["mobile_calendar_pdf", "mobile_calendar_sections"]


def mobile_calendar_pdf(
    territory: Territory, result: MobileResult, path: str | Path, cycle_start: dt.date
) -> Path:
    """Write the printable calendar (A4 landscape, one page per advisor and week).

    Raises
    ------
    InvalidRequest
        ``cycle_start`` is not a Monday, or no session is scheduled.
    """
    try:
        return write_calendar_pdf(
            calendar_table(territory, result), path, cycle_start, cycle_weeks(result)
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc


def mobile_calendar_sections(
    territory: Territory, result: MobileResult, cycle_start: dt.date
) -> list[TablePage]:
    """The calendar as council-pack sections (one table per advisor and week)."""
    return calendar_pages(territory, result, cycle_start)
