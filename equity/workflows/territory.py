"""Load territory: embedded data plus the user's validated files."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.territory import Territory, UserFiles, load_territory

__all__ = ["TerritoryRequest", "ValueStatus", "open_territory", "value_status"]


@dataclass(frozen=True)
class TerritoryRequest:
    """Which territory to load.

    Attributes
    ----------
    user_files : UserFiles
        Validated user files that complement or replace embedded layers.
    use_cache : bool
        Read and write the processed cache (``data/processed/territory``).
    """

    user_files: UserFiles = field(default_factory=UserFiles)
    use_cache: bool = True


def open_territory(request: TerritoryRequest | None = None) -> Territory:
    """The validated territory of ``request``.

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is invalid (every problem listed).
    """
    request = request or TerritoryRequest()
    return load_territory(request.user_files, use_cache=request.use_cache)


#: Statuses counted in a layer's quality note, with their French word.
_STATUS_WORDS: dict[str, str] = {
    "imputed": "imputée",
    "estimated": "estimée",
    "missing": "manquante",
}


@dataclass(frozen=True)
class ValueStatus:
    """How many values of one indicator are imputed, estimated or missing.

    Attributes
    ----------
    counts : dict
        Status (``imputed``, ``estimated``, ``missing``) → number of communes.
    total : int
        Communes with a status for the indicator.
    """

    counts: dict[str, int]
    total: int

    @property
    def mostly_imputed(self) -> bool:
        """More than half the values are imputed: a map shows mostly estimates."""
        return self.counts.get("imputed", 0) > self.total / 2

    def notes_fr(self) -> list[str]:
        """« 315 valeurs imputées », … for the statuses present."""
        notes = []
        for state, word in _STATUS_WORDS.items():
            n = self.counts.get(state, 0)
            if n:
                plural = "s" if n > 1 else ""
                notes.append(f"{n} valeur{plural} {word}{plural}")
        return notes


def value_status(territory: Territory, column: str) -> ValueStatus | None:
    """Quality counts of one indicator, or None when the territory tracks no status for it."""
    status: pd.Series | None = territory.status.get(column)
    if status is None:
        return None
    counts = {state: int((status == state).sum()) for state in _STATUS_WORDS}
    return ValueStatus(counts, len(status))
