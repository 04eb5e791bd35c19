"""Compatibility module: the council pack engine now lives in :mod:`geo.render.pack`.

Kept so that ``from geo.report import build_pack`` keeps working; new code imports
from :mod:`geo.render`.
"""

from geo.render.pack import (
    Cover,
    KeyFigures,
    MapPage,
    Section,
    TablePage,
    TextSection,
    build_pack,
    format_table_fr,
)

__all__ = [
    "Cover",
    "KeyFigures",
    "MapPage",
    "Section",
    "TablePage",
    "TextSection",
    "build_pack",
    "format_table_fr",
]
