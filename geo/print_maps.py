"""Compatibility module: the print maps now live in :mod:`geo.render`.

Kept so that ``from geo.print_maps import PrintMapSpec`` keeps working; new code
imports from :mod:`geo.render` (or its modules ``print_map``, ``print_layout``). Every
public name of the modules the former ``geo.print_maps`` became is given here as the
same object.
"""

# The compatibility names are each module's own __all__, listed there once.
from geo.render import classification as _classification
from geo.render import print_layers as _print_layers
from geo.render import print_layout as _print_layout
from geo.render import print_map as _print_map
from geo.render import style as _style
from geo.render.classification import *  # noqa: F403
from geo.render.print_layers import *  # noqa: F403
from geo.render.print_layout import *  # noqa: F403
from geo.render.print_map import *  # noqa: F403
from geo.render.style import *  # noqa: F403

__all__ = [
    *_classification.__all__,
    *_print_layers.__all__,
    *_print_layout.__all__,
    *_print_map.__all__,
    *_style.__all__,
]
