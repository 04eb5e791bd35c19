"""Maillage equity layer: need, accessibility, equity metrics, placement and the CLI."""
