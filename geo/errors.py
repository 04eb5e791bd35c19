"""Validation problems and the single exception that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from geo import defaults

__all__ = ["DataValidationError", "Problem", "ProblemCollector"]


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
        Spreadsheet line minus one (the header being line 1, the first data line is
        row 1), when the problem is tied to one line; shown to users as « ligne
        ``row + 1`` », which is the line of the file even when blank lines precede it.
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
        Name of the file or layer being validated (a name, never a server path).
    problems : list of Problem
        The problems kept; never empty.
    total : int, optional
        Number of problems found, when more were found than kept (defaults to
        ``len(problems)``). Messages always give this true count.
    """

    def __init__(self, source: str, problems: list[Problem], total: int | None = None) -> None:
        if not problems:
            raise ValueError("DataValidationError needs at least one problem")
        self.source = source
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        super().__init__(self.format())

    @classmethod
    def combine(cls, failures: Iterable[DataValidationError], source: str) -> DataValidationError:
        """One error listing the problems of several files, each prefixed by its file name."""
        failures = list(failures)
        problems = [
            Problem(p.code, f"{exc.source} : {p.message}", p.row, p.column)
            for exc in failures
            for p in exc.problems
        ]
        return cls(source, problems, total=sum(exc.total for exc in failures))

    def ordered(self) -> list[Problem]:
        """Problems of the whole file first, then by line."""
        return sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0))

    def format(self, limit: int = defaults.MAX_PROBLEMS_SHOWN) -> str:
        """Return a French multi-line message listing the problems (at most ``limit``).

        The head line gives the true number of problems found, including those not
        listed (« 120 problèmes, les 80 premiers ci-dessous »).
        """
        n = self.total
        shown = self.ordered()[:limit]
        plural = "s" if n > 1 else ""
        if len(shown) == n:
            head = f"Fichier « {self.source} » : {n} problème{plural} trouvé{plural}."
        else:
            first = "le premier" if len(shown) == 1 else f"les {len(shown)} premiers"
            head = f"Fichier « {self.source} » : {n} problèmes, {first} ci-dessous."
        return "\n".join([head, *(f"  - {p}" for p in shown)])


class ProblemCollector:
    """Collect problems while validating, then raise them together.

    Every problem is counted; the first :data:`geo.defaults.MAX_PROBLEMS_KEPT` are
    kept, so a file with millions of bad cells cannot exhaust memory while the count
    shown stays true.
    """

    def __init__(self, source: str, max_kept: int = defaults.MAX_PROBLEMS_KEPT) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.total = 0
        self.max_kept = max_kept
        self.cause: BaseException | None = None

    def add(
        self,
        code: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        """Record one problem; ``cause`` (a library's own exception) is chained, never shown."""
        self.total += 1
        if len(self.problems) < self.max_kept:
            self.problems.append(Problem(code, message, row, column))
        if cause is not None and self.cause is None:
            self.cause = cause

    def raise_if_any(self) -> None:
        """Raise one :class:`DataValidationError` with every problem recorded so far."""
        if self.problems:
            raise DataValidationError(self.source, self.problems, self.total) from self.cause
