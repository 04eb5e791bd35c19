"""Validation problems and the single exception that carries all of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    code : str
        Machine-readable kind of problem (``missing_column``, ``outside_area``...).
    message : str
        Human-readable explanation, in French (shown as is to users).
    row : int or None
        1-based data row (header excluded) when the problem is tied to one row; shown
        to users as the spreadsheet line (``row + 1``, the header being line 1).
    column : str or None
        Column concerned, when there is one.
    """

    code: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"ligne {self.row + 1}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        prefix = f"[{', '.join(where)}] " if where else ""
        return prefix + self.message


class DataValidationError(ValueError):
    """Raised once per file with every problem found in it.

    Parameters
    ----------
    source : str
        Name of the file or layer being validated.
    problems : list of Problem
        Every problem found; never empty.
    """

    def __init__(self, source: str, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("DataValidationError needs at least one problem")
        self.source = source
        self.problems = list(problems)
        super().__init__(self.format())

    def ordered(self) -> list[Problem]:
        """Problems of the whole file first, then by line."""
        return sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0))

    def format(self, limit: int = 50) -> str:
        """Return a French multi-line message listing the problems (at most ``limit``)."""
        n = len(self.problems)
        plural = "s" if n > 1 else ""
        head = f"Fichier « {self.source} » : {n} problème{plural} trouvé{plural}."
        lines = [head, *(f"  - {p}" for p in self.ordered()[:limit])]
        if n > limit:
            lines.append(f"  … et {n - limit} autre(s) problème(s).")
        return "\n".join(lines)


class ProblemCollector:
    """Collect problems while validating, then raise them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(
        self, code: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.problems.append(Problem(code, message, row, column))

    def raise_if_any(self) -> None:
        if self.problems:
            raise DataValidationError(self.source, self.problems)
