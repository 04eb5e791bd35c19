"""Helpers shared by the modules of :mod:`geo.network`: progress callbacks and errors."""

from __future__ import annotations

from collections.abc import Callable

from geo.errors import DataValidationError, Problem

__all__ = ["ProgressCallback", "error", "no_progress"]

#: Signature of progress callbacks: ``progress(step, fraction)`` with ``fraction`` in [0, 1].
ProgressCallback = Callable[[str, float], None]


def error(source: str, code: str, message: str) -> DataValidationError:
    """One-problem validation error (French ``message``)."""
    return DataValidationError(source, [Problem(code, message)])


def no_progress(*_: object) -> None:
    """Default progress callback (``progress(step, fraction)``): report nothing."""
