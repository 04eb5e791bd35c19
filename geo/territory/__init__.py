"""The assembled territory model: communes with indicators, EPCI, sites, vintages, warnings.

:func:`load_territory` validates everything and caches the result in
``data/processed/territory/<key>/`` as GeoParquet, keyed by the hashes of every
input file and of the code that builds it, so a changed input rebuilds it.

- :mod:`geo.territory.model`: :class:`Territory` and :class:`UserFiles`;
- :mod:`geo.territory.build`: :func:`build_territory` from the raw and user files;
- :mod:`geo.territory.cache`: the cache key (safe reading of user files), checked
  cache writes and reads;
- :mod:`geo.territory.load`: :func:`load_territory`;
- :mod:`geo.territory.quality`: value statuses, quality notes, mappable indicators;
- :mod:`geo.territory.sources`: provenance of every embedded layer.
"""

from __future__ import annotations

from geo.territory.build import build_territory
from geo.territory.cache import CACHE_KEEP, CACHE_SCHEMA, cache_key, check_user_files
from geo.territory.load import load_territory
from geo.territory.model import Territory, UserFiles
from geo.territory.quality import (
    STATUS_WORDS,
    STATUSES,
    ifn_scale_fr,
    imputed_counts,
    indicator_label,
    map_indicators,
    quality_notes_fr,
)
from geo.territory.sources import SOURCES

__all__ = [
    "CACHE_KEEP",
    "CACHE_SCHEMA",
    "SOURCES",
    "STATUSES",
    "STATUS_WORDS",
    "Territory",
    "UserFiles",
    "build_territory",
    "cache_key",
    "check_user_files",
    "ifn_scale_fr",
    "imputed_counts",
    "indicator_label",
    "load_territory",
    "map_indicators",
    "quality_notes_fr",
]
