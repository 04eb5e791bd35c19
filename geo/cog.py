"""Commune codes (COG 2025): current codes, former codes and their successors."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from geo import settings

__all__ = [
    "MERGERS_2025",
    "POPULATION_FILE",
    "CommuneCodes",
    "code_problem",
    "load_commune_codes",
    "normalise_code",
    "strips_leading_zeros",
    "to_cog2025",
]

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
        """Whether ``code`` is a current commune of the territory."""
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


#: A written INSEE code: 5 digits (4 when a spreadsheet dropped the leading zero) or Corsica's.
_WRITTEN_CODE = re.compile(r"^(\d{4,5}|2[AB]\d{3})$")
_SHOWN_CHARS = 20


def _written(value: object) -> str:
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def strips_leading_zeros(values: pd.Series) -> bool:
    """Whether a column of written codes lost its leading zeros (codes 01xxx–09xxx as 4 digits).

    A 4-digit code outside the territory's département shows that a spreadsheet
    dropped the zeros; otherwise a 4-digit code starting like the territory's is a
    truncated code, not one of département 01–09.
    """
    written = values.map(_written)
    four = written[written.str.fullmatch(r"\d{4}")]
    return bool((~four.str.startswith(settings.DEPARTMENT_CODE)).any())


def code_problem(value: object, zeros_stripped: bool = False) -> str | None:
    """French explanation when a written INSEE code is malformed or truncated, else ``None``.

    Empty cells are not a problem here (each reader decides whether a code is
    required). ``zeros_stripped`` comes from :func:`strips_leading_zeros` on the column.
    """
    text = _written(value)
    if not text:
        return None
    if not _WRITTEN_CODE.match(text.upper()):
        shown = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
        return (
            f"« {shown} » n'est pas un code INSEE de commune (5 caractères, par exemple "
            f"{settings.DEPARTMENT_CODE}181 ; 2A004 en Corse)."
        )
    if len(text) == 4 and text.startswith(settings.DEPARTMENT_CODE) and not zeros_stripped:
        return (
            f"le code INSEE « {text} » n'a que 4 chiffres : code tronqué ? Un code INSEE en a "
            f"5 ({settings.DEPARTMENT_CODE}xxx ici)."
        )
    return None


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
