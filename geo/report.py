"""Compatibility module: the council pack engine now lives in :mod:`geo.render.pack`.

Kept so that ``from geo.report import build_pack`` keeps working; new code imports
from :mod:`geo.render`. Every public name of the new home is given here as the same
object.
"""

# The compatibility names are the new home's own __all__, listed there once.
from geo.render import pack as _pack
from geo.render.pack import *  # noqa: F403

__all__ = list(_pack.__all__)
