"""Clock arithmetic shared by the mobile-session modules (minutes since midnight)."""

from __future__ import annotations

__all__ = ["EPS", "duration_fr", "hhmm", "to_minutes", "window_valid"]

#: Tolerance of time and driving comparisons (floating-point minutes).
EPS = 1e-9


def to_minutes(hhmm_text: str) -> int:
    """``"09:30"`` → 570."""
    hours, minutes = str(hhmm_text).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def hhmm(minutes: float) -> str:
    """570 → ``"09:30"`` (rounded to the minute)."""
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


def duration_fr(minutes: float) -> str:
    """120 → ``"2 h"``, 90 → ``"1 h 30"``, 45 → ``"45 min"``."""
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if hours == 0:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest:02d}" if rest else "")


def window_valid(window: tuple[str, str]) -> bool:
    """Whether ``("HH:MM", "HH:MM")`` is a non-empty window inside one day."""
    try:
        start, end = to_minutes(window[0]), to_minutes(window[1])
    except (ValueError, IndexError, TypeError):
        return False
    return 0 <= start < end <= 24 * 60
