"""Compatibility module: the exports now live in :mod:`geo.render.exports`.

Kept so that ``from geo import exports`` and ``from geo.exports import read_csv_fr``
keep working; new code imports from :mod:`geo.render`.
"""

from geo.render.exports import (
    CSV_DECIMAL,
    CSV_ENCODING,
    CSV_SEPARATOR,
    FORMULA_PREFIXES,
    export_csv_fr,
    export_geopackage,
    export_html,
    neutralise_formula,
    read_csv_fr,
    restore_formula,
    sanitize_layer_name,
)

__all__ = [
    "CSV_DECIMAL",
    "CSV_ENCODING",
    "CSV_SEPARATOR",
    "FORMULA_PREFIXES",
    "export_csv_fr",
    "export_geopackage",
    "export_html",
    "neutralise_formula",
    "read_csv_fr",
    "restore_formula",
    "sanitize_layer_name",
]
