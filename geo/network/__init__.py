"""Drivable road network: build from OpenStreetMap, store as compact arrays, load, describe.

- :mod:`geo.network.osm`: which ways are drivable, their speeds and directions, and the
  readers of a local extract (pyosmium) or of a download (osmnx);
- :mod:`geo.network.graph`: :class:`RoadNetwork` and its assembly (largest strongly
  connected component, coverage of the study area);
- :mod:`geo.network.store`: one checked, atomically replaced file per network;
- :mod:`geo.network.build`: the two build entry points;
- :mod:`geo.network.area`: the study area.
"""

from __future__ import annotations

from geo.defaults import NETWORK_BUFFER_M as DEFAULT_BUFFER_M
from geo.network._common import ProgressCallback
from geo.network.area import read_area, sarthe_outline
from geo.network.build import (
    build_network_from_download,
    build_network_from_pbf,
    check_buffer_m,
)
from geo.network.graph import RoadNetwork, network_from_edges
from geo.network.osm import (
    DEFAULT_SPEEDS_KMH,
    FRENCH_IMPLICIT_SPEEDS_KMH,
    edge_speed_kmh,
    is_drivable,
    oneway_direction,
    parse_maxspeed,
)
from geo.network.store import (
    CACHE_SUBDIR,
    METADATA_FILE,
    NETWORK_FILE,
    load_network,
    network_info,
    save_network,
)

__all__ = [
    "CACHE_SUBDIR",
    "DEFAULT_BUFFER_M",
    "DEFAULT_SPEEDS_KMH",
    "FRENCH_IMPLICIT_SPEEDS_KMH",
    "METADATA_FILE",
    "NETWORK_FILE",
    "ProgressCallback",
    "RoadNetwork",
    "build_network_from_download",
    "build_network_from_pbf",
    "check_buffer_m",
    "edge_speed_kmh",
    "is_drivable",
    "load_network",
    "network_from_edges",
    "network_info",
    "oneway_direction",
    "parse_maxspeed",
    "read_area",
    "sarthe_outline",
    "save_network",
]
