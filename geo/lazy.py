"""Package attributes that load their module on first use (PEP 562).

A package whose ``__init__`` imports every submodule makes any import of it pay for
all of them: the app's pages would load matplotlib (print maps, the council pack)
and the pack's whole chain before drawing the first map.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, module_of: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package exporting ``module_of``'s names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    module_of : Mapping
        Exported name -> submodule (relative to ``package``) that defines it.

    Returns
    -------
    tuple
        Functions to bind as the package's ``__getattr__`` and ``__dir__``; a name is
        imported on its first use and then kept in the package's namespace.
    """

    def __getattr__(name: str) -> Any:
        if name not in module_of:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module_of[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(module_of)

    return __getattr__, __dir__
