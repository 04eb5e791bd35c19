"""Provenance of every embedded layer: French label, publisher, licence, vintage, status.

The table lives in :mod:`geo.provenance`, next to the national one derived from it;
``geo.territory.sources.SOURCES`` stays importable.
"""

from __future__ import annotations

from geo.provenance import SOURCES

__all__ = ["SOURCES"]
