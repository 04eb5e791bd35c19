"""National data for any metropolitan département (vendored in ``data/raw/france/``).

Per-département loaders with the columns and types of the Sarthe loaders
(:mod:`geo.boundaries`, :mod:`geo.sites`, :mod:`geo.socio`, :mod:`geo.cog`), the
services just across the border, and :func:`load_layers` for everything at once with
the coverage of each layer.
"""

from geo.national.boundaries import (
    load_commune_codes,
    load_communes,
    load_departement,
    load_epci,
)
from geo.national.layers import NATIONAL_SOURCES, DepartementLayers, LayerStatus, load_layers
from geo.national.sites import (
    border_services,
    cnfs_permanences_with_warnings,
    load_cnfs_permanences,
    load_france_services,
    load_town_halls,
    town_hall_warnings,
)
from geo.national.socio import load_census, load_filosofi, load_ifn, load_zoning
from geo.national.store import FRANCE_DIR, check_departement, departement_name, departements

__all__ = [
    "FRANCE_DIR",
    "NATIONAL_SOURCES",
    "DepartementLayers",
    "LayerStatus",
    "border_services",
    "check_departement",
    "cnfs_permanences_with_warnings",
    "departement_name",
    "departements",
    "load_census",
    "load_cnfs_permanences",
    "load_commune_codes",
    "load_communes",
    "load_departement",
    "load_epci",
    "load_filosofi",
    "load_france_services",
    "load_ifn",
    "load_layers",
    "load_town_halls",
    "load_zoning",
    "town_hall_warnings",
]
