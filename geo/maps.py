"""Compatibility module: the interactive maps now live in :mod:`geo.render`.

Kept so that ``from geo.maps import commune_map`` (notebooks, scripts) keeps working;
new code imports from :mod:`geo.render`.
"""

from geo.render.classification import Classification, Scheme, classify
from geo.render.interactive import COORD_DECIMALS, SIMPLIFY_TOLERANCE_M, commune_map
from geo.render.offline_html import map_to_html, remote_references
from geo.render.style import (
    MISSING_COLOR,
    MISSING_LABEL_FR,
    OKABE_ITO,
    OTHER_LABEL_FR,
    SEQUENTIAL_PALETTE,
    SITE_TYPE_COLORS,
    SITE_TYPE_LABELS_FR,
)

__all__ = [
    "COORD_DECIMALS",
    "MISSING_COLOR",
    "MISSING_LABEL_FR",
    "OKABE_ITO",
    "OTHER_LABEL_FR",
    "SEQUENTIAL_PALETTE",
    "SIMPLIFY_TOLERANCE_M",
    "SITE_TYPE_COLORS",
    "SITE_TYPE_LABELS_FR",
    "Classification",
    "Scheme",
    "classify",
    "commune_map",
    "map_to_html",
    "remote_references",
]
