"""Compatibility module: the print maps now live in :mod:`geo.render`.

Kept so that ``from geo.print_maps import PrintMapSpec`` keeps working; new code
imports from :mod:`geo.render` (or its modules ``print_map``, ``print_layout``).
"""

from geo.render.classification import SCHEMES
from geo.render.print_layers import (
    CIRCUIT_COLORS,
    EPCI_COLOR,
    HIGHLIGHT_COLOR,
    SITE_MARKERS,
    ZONE_COLOR,
)
from geo.render.print_layout import (
    FONT_FAMILY,
    MM_PER_INCH,
    MM_PER_PT,
    MUTED_COLOR,
    ORIENTATIONS,
    PAPER_SIZES_MM,
    RC_PARAMS,
    TEXT_COLOR,
    Box,
    Orientation,
    PageCanvas,
    Paper,
    check_page_options,
    line_height_mm,
    new_figure,
    print_style,
    text_width_mm,
    wrap_text,
)
from geo.render.print_map import (
    APPROXIMATE_TRAVEL_NOTE_FR,
    FORMATS,
    Format,
    PrintMapSpec,
    approximate_travel_note_fr,
    draw_map,
    format_source_line,
    render_print_map,
    travel_note_fr,
    validate_spec,
)
from geo.render.style import CATCHMENT_COLORS

__all__ = [
    "APPROXIMATE_TRAVEL_NOTE_FR",
    "CATCHMENT_COLORS",
    "CIRCUIT_COLORS",
    "EPCI_COLOR",
    "FONT_FAMILY",
    "FORMATS",
    "HIGHLIGHT_COLOR",
    "MM_PER_INCH",
    "MM_PER_PT",
    "MUTED_COLOR",
    "ORIENTATIONS",
    "PAPER_SIZES_MM",
    "RC_PARAMS",
    "SCHEMES",
    "SITE_MARKERS",
    "TEXT_COLOR",
    "ZONE_COLOR",
    "Box",
    "Format",
    "Orientation",
    "PageCanvas",
    "Paper",
    "PrintMapSpec",
    "approximate_travel_note_fr",
    "check_page_options",
    "draw_map",
    "format_source_line",
    "line_height_mm",
    "new_figure",
    "print_style",
    "render_print_map",
    "text_width_mm",
    "travel_note_fr",
    "validate_spec",
    "wrap_text",
]
