"""Maillage geospatial layer: territory data, coordinate systems, travel times, maps."""
