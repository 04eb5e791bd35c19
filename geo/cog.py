"""Commune codes (COG 2025): current codes, former codes and their successors."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from geo import settings

POPULATION_FILE = settings.RAW_DIR / "population" / "communes_72_population_epci.csv"

#: The two commune mergers of 1 January 2025 in Sarthe (COG 2024 → COG 2025).
MERGERS_2025: dict[str, str] = {"72287": "72155", "72298": "72382"}


@dataclass(frozen=True)
class CommuneCodes:
    """Lookup of current commune codes and names, and of former codes.

    Attributes
    ----------
    names : dict
        Current INSEE code → commune name (352 entries for COG 2025).
    successors : dict
        Former INSEE code → current code that absorbed it.
    """

    names: dict[str, str]
    successors: dict[str, str]

    def is_current(self, code: str) -> bool:
        return code in self.names

    def explain_unknown(self, code: str) -> str:
        """French explanation for a code that is not a current Sarthe commune."""
        if code in self.successors:
            new = self.successors[code]
            return (
                f"le code INSEE {code} n'existe plus : la commune a été fusionnée dans "
                f"{new} ({self.names[new]}) ; utilisez le code {new}."
            )
        if not code.startswith(settings.DEPARTMENT_CODE):
            return f"le code INSEE {code} n'est pas un code de la Sarthe (72xxx)."
        close = difflib.get_close_matches(code, list(self.names), n=2, cutoff=0.8)
        hint = (
            " ; codes proches : " + ", ".join(f"{c} ({self.names[c]})" for c in close)
            if close
            else ""
        )
        return f"le code INSEE {code} ne correspond à aucune commune de la Sarthe{hint}."


def normalise_code(value: object) -> str:
    """Return a 5-character INSEE code from ``72001``, ``"72001"`` or ``"72001.0"``."""
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text.zfill(5) if text.isdigit() else text


def load_commune_codes() -> CommuneCodes:
    """Read current codes and former codes from the vendored population file."""
    frame = pd.read_csv(POPULATION_FILE, dtype=str, keep_default_na=False)
    names = dict(zip(frame["code_insee"], frame["nom"], strict=True))
    successors: dict[str, str] = {}
    for code, former in zip(frame["code_insee"], frame["anciens_codes"], strict=True):
        for old in filter(None, former.split(";")):
            if old != code:
                successors[old] = code
    successors.update(MERGERS_2025)
    return CommuneCodes(names=names, successors=successors)


def to_cog2025(codes: pd.Series, lookup: CommuneCodes) -> pd.Series:
    """Map former codes to their current commune; current codes are unchanged."""
    return codes.map(lambda c: lookup.successors.get(c, c))
