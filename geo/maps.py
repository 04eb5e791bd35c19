"""Compatibility module: the interactive maps now live in :mod:`geo.render`.

Kept so that ``from geo.maps import commune_map`` (notebooks, scripts) keeps working;
new code imports from :mod:`geo.render`. Every public name of the modules the former
``geo.maps`` became is given here as the same object.
"""

# The compatibility names are each module's own __all__, listed there once.
from geo.render import classification as _classification
from geo.render import interactive as _interactive
from geo.render import offline_html as _offline_html
from geo.render import style as _style
from geo.render.classification import *  # noqa: F403
from geo.render.interactive import *  # noqa: F403
from geo.render.offline_html import *  # noqa: F403
from geo.render.style import *  # noqa: F403

__all__ = [
    *_classification.__all__,
    *_interactive.__all__,
    *_offline_html.__all__,
    *_style.__all__,
]
