"""Helpers shared by the modules of :mod:`geo.network`: progress callbacks and errors."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from geo.errors import DataValidationError, Problem

__all__ = ["ProgressCallback", "check_regular_file", "error", "no_progress"]

#: Signature of progress callbacks: ``progress(step, fraction)`` with ``fraction`` in [0, 1].
ProgressCallback = Callable[[str, float], None]


def error(source: str, code: str, message: str) -> DataValidationError:
    """One-problem validation error (French ``message``)."""
    return DataValidationError(source, [Problem(code, message)])


def no_progress(*_: object) -> None:
    """Default progress callback (``progress(step, fraction)``): report nothing."""


def check_regular_file(path: Path, what: str) -> None:
    """Refuse, before anything opens it, a path that is not a regular file.

    A FIFO would block the reader forever and ``/dev/zero`` never ends; messages name
    the file by its last part only (the path may be typed in the app by any user).

    Raises
    ------
    DataValidationError
        Missing file, folder, special file or inaccessible path (French).
    """
    name = path.name or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(name, "missing_file", f"{what} « {name} » introuvable.") from None
    except OSError as exc:
        raise error(
            name, "unreadable_file", f"{what} « {name} » inaccessible (chemin ou droits)."
        ) from exc
    if stat.S_ISDIR(mode):
        raise error(name, "not_a_file", f"« {name} » est un dossier : indiquez un fichier.")
    if not stat.S_ISREG(mode):
        raise error(
            name, "not_a_file", f"« {name} » n'est pas un fichier ordinaire (tube ou périphérique)."
        )
