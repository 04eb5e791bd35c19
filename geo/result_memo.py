"""Results remembered on disk, so that a restarted app shows its first map at once.

A fresh server pays, before its first Carte, the diagnostic (0.2 s) and the map's
HTML (0.2 s, after folium's imports: 0.6 s). Both depend only on their request and on
the code and libraries that compute them, so they are kept in
``PROCESSED_DIR/results``, one pickle per request (like the map classes of
:mod:`geo.render.class_memo` and the territory cache).

The key of a result is its kind, its request parts — plain values only (strings,
numbers, booleans, ``None``, tuples and lists of them, or objects with a ``to_dict()``
of such values) — and the fingerprint of the code and library versions: a change of
either is a new key, never a stale result. A file that cannot be read counts as absent
and is removed; failing to write one only costs the next run the computation. The
oldest files beyond :data:`geo.defaults.RESULT_MEMO_MAX_FILES` are removed.

The files are pickles written by the app itself in its own processed-data folder,
which only the app's user can write (the same trust as the code next to it).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import pickle
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from geo import defaults, settings
from geo.atomic import write_atomic

__all__ = ["code_fingerprint", "memoised", "recall", "remember", "request_digest"]

#: Sub-folder of the processed-data folder.
MEMO_SUBDIR = "results"
_SUFFIX = ".pkl"
# Packages whose versions change what a result holds or how it unpickles.
_LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "folium", "branca")
_PACKAGES = ("geo", "equity", "app_pages")
_log = logging.getLogger(__name__)

T = TypeVar("T")


@functools.cache
def code_fingerprint() -> str:
    """Hash of every file of the app's packages and of the versions of Python and its libraries."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    # Pickles of one Python version need not load in another.
    digest.update(f"python={platform.python_version()}".encode())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    return digest.hexdigest()[:24]


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready plain values; ``TypeError`` for anything else."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        # repr keeps every digit and tells nan and infinities apart.
        return {"float": repr(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not hasattr(value, "columns") and not hasattr(value, "index"):
        described = to_dict()
        if isinstance(described, dict):
            return {"type": type(value).__name__, **{k: _plain(v) for k, v in described.items()}}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    raise TypeError(f"{type(value).__name__} ne sert pas de clé de résultat mémorisé.")


def request_digest(kind: str, parts: tuple) -> str:
    """The file name of a result: its kind and the hash of its parts and of the code.

    Raises
    ------
    TypeError
        A part is not a plain value (a data frame, an arbitrary object…).
    """
    text = json.dumps([kind, _plain(parts), code_fingerprint()], sort_keys=True)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _path(kind: str, parts: tuple) -> Path:
    return Path(settings.PROCESSED_DIR) / MEMO_SUBDIR / f"{request_digest(kind, parts)}{_SUFFIX}"


def recall(kind: str, parts: tuple) -> Any | None:
    """The result remembered for ``parts``, or ``None`` (a damaged file is removed)."""
    return _read(_path(kind, parts))


def _read(path: Path) -> Any | None:
    try:
        if path.stat().st_size > defaults.RESULT_MEMO_MAX_BYTES:
            return None
        value = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # any unreadable file is recomputed, never trusted
        _log.warning("Résultat mémorisé %s illisible (%s) : recalculé.", path.name, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # the most recently used files are kept
    return value


def remember(kind: str, parts: tuple, value: Any) -> None:
    """Keep ``value`` for ``parts``, then remove the oldest files beyond the limit."""
    _write(_path(kind, parts), value)


def _write(path: Path, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > defaults.RESULT_MEMO_MAX_BYTES:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda handle: handle.write(data))
        _prune(path.parent)
    except OSError as exc:
        _log.warning("Résultat %s non mémorisé (%s).", path.name, exc)


def _prune(folder: Path) -> None:
    files = []
    for path in folder.glob(f"*{_SUFFIX}"):
        with contextlib.suppress(OSError):
            files.append((path.stat().st_mtime, path))
    files.sort(reverse=True)
    for _, path in files[defaults.RESULT_MEMO_MAX_FILES :]:
        with contextlib.suppress(OSError):
            path.unlink()


def memoised(kind: str, parts: tuple, compute: Callable[[], T]) -> T:
    """The result remembered for ``parts``, else ``compute()`` (then remembered).

    Parts that are not plain values (see :func:`request_digest`) are computed every
    time: such a request has no key that could be trusted across runs.
    """
    try:
        path = _path(kind, parts)
    except TypeError:
        return compute()
    value = _read(path)
    if value is None:
        value = compute()
        _write(path, value)
    return value
