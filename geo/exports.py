"""Compatibility module: the exports now live in :mod:`geo.render.exports`.

Kept so that ``from geo import exports`` and ``from geo.exports import read_csv_fr``
keep working; new code imports from :mod:`geo.render`. Every public name of the new
home is given here as the same object.
"""

# The compatibility names are the new home's own __all__, listed there once.
from geo.render import exports as _exports
from geo.render.exports import *  # noqa: F403

__all__ = list(_exports.__all__)
