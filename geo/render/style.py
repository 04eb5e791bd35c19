"""Colours and legend labels shared by the interactive and the print maps.

One definition of each palette, so that a catchment or a site type has the same colour
on screen, in the offline HTML and on paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from geo.formatting import format_number_fr
from geo.sites import SITE_TYPES

__all__ = [
    "CATCHMENT_COLORS",
    "CATCHMENT_DASHES",
    "MISSING_COLOR",
    "MISSING_LABEL_FR",
    "OKABE_ITO",
    "OTHER_LABEL_FR",
    "SEQUENTIAL_PALETTE",
    "SITE_TYPE_COLORS",
    "SITE_TYPE_LABELS_FR",
    "catchment_colors",
    "catchment_dashes",
    "catchment_label_fr",
    "circuit_label_fr",
]

#: Map legend labels: the site types of :data:`geo.sites.SITE_TYPES`, shorter where
#: the legend is narrow, plus the mobile-session stops drawn by the tours pages.
SITE_TYPE_LABELS_FR: dict[str, str] = {
    **SITE_TYPES,
    "data_inclusion": "Structure d'inclusion (data·inclusion)",
    "user": "Site ajouté",
    "mobile_stop": "Arrêt de tournée mobile",
    "mobile_base": "Base d'une tournée",
}

#: Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

SITE_TYPE_COLORS: dict[str, str] = {
    "cnfs_permanence": "#D55E00",
    "france_services": "#0072B2",
    "library": "#009E73",
    "town_hall": "#000000",
    "data_inclusion": "#CC79A7",
    "user": "#E69F00",
    "mobile_stop": "#F0E442",
    "mobile_base": "#56B4E9",
}

#: Catchment outline colours, by increasing threshold: black, Paul Tol's vibrant red, then
#: Okabe–Ito's reddish purple and orange, Tol's wine and a grey. No blue, green or yellow,
#: the hues of :data:`SEQUENTIAL_PALETTE` (the former blue 10 min line vanished on it),
#: and the first three stay apart under protanopia, deuteranopia and tritanopia (the
#: former 20 and 30 min oranges read as one).
CATCHMENT_COLORS: tuple[str, ...] = (
    "#000000",
    "#CC3311",
    "#CC79A7",
    "#E69F00",
    "#882255",
    "#777777",
)

#: Dash pattern of each catchment outline (SVG ``stroke-dasharray``, pixels), by
#: increasing threshold: the lines differ by their pattern as well as their colour.
CATCHMENT_DASHES: tuple[str, ...] = ("2 5", "10 5", "16 4 3 4", "6 3", "1 3", "12 3 3 3 3 3")

#: ColorBrewer sequential palette (colour-blind safe) for numeric choropleths.
SEQUENTIAL_PALETTE: str = "YlGnBu"
MISSING_COLOR: str = "#c8c8c8"
MISSING_LABEL_FR: str = "Donnée manquante"
OTHER_LABEL_FR: str = "Autres"


def catchment_colors(thresholds_min: Iterable[float]) -> dict[float, str]:
    """Colour of each catchment threshold, in increasing order of threshold.

    Parameters
    ----------
    thresholds_min : iterable of float
        Thresholds in minutes (duplicates and NaN are ignored).

    Returns
    -------
    dict of float to str
        Hex colour of each distinct threshold, smallest first.
    """
    return _by_threshold(thresholds_min, CATCHMENT_COLORS)


def catchment_dashes(thresholds_min: Iterable[float]) -> dict[float, str]:
    """SVG ``stroke-dasharray`` of each threshold, keyed as :func:`catchment_colors`.

    Parameters
    ----------
    thresholds_min : iterable of float
        The same thresholds as given to :func:`catchment_colors`.

    Returns
    -------
    dict of float to str
        The dash pattern drawn with each threshold's colour.
    """
    return _by_threshold(thresholds_min, CATCHMENT_DASHES)


def _by_threshold(thresholds_min: Iterable[float], styles: Sequence[str]) -> dict[float, str]:
    """The styles in turn, one per distinct threshold (NaN ignored), smallest first."""
    distinct = sorted({float(t) for t in thresholds_min if t == t})
    return {t: styles[i % len(styles)] for i, t in enumerate(distinct)}


def catchment_label_fr(threshold_min: float) -> str:
    """Legend label of a catchment, e.g. ``"Zone d'accès ≤ 20 min"``."""
    return f"Zone d'accès ≤ {format_number_fr(threshold_min)} min"


def circuit_label_fr(advisor: object) -> str:
    """Legend label of a mobile advisor's circuit, e.g. « Tournée au départ de Mamers ».

    The advisor's name (« Itinérant — Mairie — Mamers ») names its base; the label says
    where the tour starts, in correct French whatever the name.
    """
    base = str(advisor).removeprefix("Itinérant — ").strip()
    return f"Tournée au départ de {base}" if base else "Tournée"
