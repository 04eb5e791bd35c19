"""Rendering of Maillage results: map classes, interactive and print maps, pack, exports.

One module per concern:

- :mod:`~geo.render.classification`: map classes with mapclassify, French legend labels;
- :mod:`~geo.render.style`: colours and labels shared by every map;
- :mod:`~geo.render.interactive`: the folium commune map;
- :mod:`~geo.render.offline_html`: standalone HTML with Leaflet inlined;
- :mod:`~geo.render.print_layout`: page canvas, text wrap, legend layout, scale, north;
- :mod:`~geo.render.print_layers`: the map layers and labels of a print map;
- :mod:`~geo.render.print_map`: :class:`PrintMapSpec` and :func:`render_print_map`;
- :mod:`~geo.render.pack`: the council pack engine;
- :mod:`~geo.render.exports`: GeoPackage, French CSV and offline HTML files.
"""

from __future__ import annotations

from geo.lazy import lazy_attributes

# Attributes load their module on first use: the print maps and the pack pull in
# matplotlib, which the interactive pages do not need (a quarter of a second at the
# app's cold start).
_MODULE_OF = {
    "APPROXIMATE_TRAVEL_NOTE_FR": "print_map",
    "CATCHMENT_COLORS": "style",
    "Classification": "classification",
    "Cover": "pack",
    "KeyFigures": "pack",
    "MISSING_COLOR": "style",
    "MISSING_LABEL_FR": "style",
    "MapPage": "pack",
    "MarkerLayer": "print_map",
    "OKABE_ITO": "style",
    "PrintMapSpec": "print_map",
    "SCHEMES": "classification",
    "SITE_TYPE_COLORS": "style",
    "SITE_TYPE_LABELS_FR": "style",
    "Scheme": "classification",
    "Section": "pack",
    "SummaryPage": "pack",
    "TablePage": "pack",
    "TextSection": "pack",
    "approximate_travel_note_fr": "print_map",
    "build_pack": "pack",
    "classify": "classification",
    "commune_map": "interactive",
    "draw_map": "print_map",
    "export_csv_fr": "exports",
    "export_geopackage": "exports",
    "export_html": "exports",
    "format_source_line": "print_map",
    "format_table_fr": "table_text",
    "map_source_line": "print_map",
    "map_to_html": "offline_html",
    "neutralise_formula": "exports",
    "read_csv_fr": "exports",
    "remote_references": "offline_html",
    "render_print_map": "print_map",
    "restore_formula": "exports",
    "sanitize_layer_name": "exports",
    "travel_note_fr": "print_map",
    "travel_time_bounds": "classification",
    "validate_spec": "print_map",
}

__all__ = [
    "APPROXIMATE_TRAVEL_NOTE_FR",
    "CATCHMENT_COLORS",
    "MISSING_COLOR",
    "MISSING_LABEL_FR",
    "OKABE_ITO",
    "SCHEMES",
    "SITE_TYPE_COLORS",
    "SITE_TYPE_LABELS_FR",
    "Classification",
    "Cover",
    "KeyFigures",
    "MapPage",
    "MarkerLayer",
    "PrintMapSpec",
    "Scheme",
    "Section",
    "SummaryPage",
    "TablePage",
    "TextSection",
    "approximate_travel_note_fr",
    "build_pack",
    "classify",
    "commune_map",
    "draw_map",
    "export_csv_fr",
    "export_geopackage",
    "export_html",
    "format_source_line",
    "format_table_fr",
    "map_source_line",
    "map_to_html",
    "neutralise_formula",
    "read_csv_fr",
    "remote_references",
    "render_print_map",
    "restore_formula",
    "sanitize_layer_name",
    "travel_note_fr",
    "travel_time_bounds",
    "validate_spec",
]


__getattr__, __dir__ = lazy_attributes(__name__, _MODULE_OF)
