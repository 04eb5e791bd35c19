"""Département names in French sentences: « la Sarthe », « de l'Orne », « du Calvados ».

INSEE's COG gives each name a type of article (TNCC); the vendored national files do
not carry it, so the article of the 96 metropolitan départements is listed here.
"""

from __future__ import annotations

from geo.national.store import check_departement, departement_name

__all__ = ["departement_article", "in_departement", "of_departement", "the_departement"]

#: Codes whose name takes « le » (masculine singular).
_LE = frozenset(
    {
        "14",
        "15",
        "18",
        "25",
        "29",
        "30",
        "32",
        "39",
        "41",
        "45",
        "46",
        "47",
        "49",
        "56",
        "59",
        "62",
        "63",
        "67",
        "68",
        "69",
        "81",
        "82",
        "83",
        "84",
        "90",
        "94",
        "95",
    }
)
#: Codes whose name takes « les » (plural).
_LES = frozenset(
    {"04", "05", "06", "08", "13", "22", "40", "64", "65", "66", "78", "79", "88", "92"}
)
#: Codes whose name takes « l' » (starts with a vowel sound).
_L = frozenset(
    {
        "01",
        "02",
        "03",
        "07",
        "09",
        "10",
        "11",
        "12",
        "27",
        "28",
        "34",
        "35",
        "36",
        "37",
        "38",
        "60",
        "61",
        "89",
        "91",
    }
)
#: Codes whose name takes no article (Paris).
_NONE = frozenset({"75"})


def departement_article(code: str) -> str:
    """Article of a département's name: ``"la"``, ``"le"``, ``"les"``, ``"l'"`` or ``""``."""
    code = check_departement(code)
    if code in _LE:
        return "le"
    if code in _LES:
        return "les"
    if code in _L:
        return "l'"
    return "" if code in _NONE else "la"


def the_departement(code: str) -> str:
    """Name with its article: « la Sarthe », « l'Orne », « les Vosges », « Paris »."""
    article = departement_article(code)
    name = departement_name(code)
    if article == "l'":
        return f"l'{name}"
    return f"{article} {name}".strip()


def of_departement(code: str) -> str:
    """« de la Sarthe », « de l'Orne », « du Calvados », « des Vosges », « de Paris »."""
    article = departement_article(code)
    name = departement_name(code)
    contracted = {"le": "du ", "les": "des ", "l'": "de l'", "la": "de la ", "": "de "}
    return contracted[article] + name


def in_departement(code: str) -> str:
    """« dans la Sarthe », « dans l'Orne », « dans le Calvados », « à Paris »."""
    return "à Paris" if departement_article(code) == "" else f"dans {the_departement(code)}"
