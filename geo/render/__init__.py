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

from geo.render.classification import SCHEMES, Classification, Scheme, classify
from geo.render.exports import (
    export_csv_fr,
    export_geopackage,
    export_html,
    neutralise_formula,
    read_csv_fr,
    restore_formula,
    sanitize_layer_name,
)
from geo.render.interactive import commune_map
from geo.render.offline_html import map_to_html, remote_references
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
from geo.render.print_map import (
    APPROXIMATE_TRAVEL_NOTE_FR,
    PrintMapSpec,
    approximate_travel_note_fr,
    draw_map,
    format_source_line,
    render_print_map,
    travel_note_fr,
    validate_spec,
)
from geo.render.style import (
    CATCHMENT_COLORS,
    MISSING_COLOR,
    MISSING_LABEL_FR,
    OKABE_ITO,
    SITE_TYPE_COLORS,
    SITE_TYPE_LABELS_FR,
)

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
    "PrintMapSpec",
    "Scheme",
    "Section",
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
    "map_to_html",
    "neutralise_formula",
    "read_csv_fr",
    "remote_references",
    "render_print_map",
    "restore_formula",
    "sanitize_layer_name",
    "travel_note_fr",
    "validate_spec",
]
