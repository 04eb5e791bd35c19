"""Class bounds remembered on disk, so that a fresh app draws its first map at once.

mapclassify loads scikit-learn and matplotlib (0.7 s on the reference machine): a
fresh server would pay it before its first map. The bounds of a data-driven scheme
depend only on the values, the scheme and the number of classes, so they are kept,
one small JSON file per request, in ``PROCESSED_DIR/map_classes`` (like the travel-time
matrices). A file that cannot be read, or bounds that are not finite and increasing,
count as absent; failing to write one only costs the next run the computation.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

import numpy as np

from geo import defaults, settings
from geo.atomic import write_atomic

__all__ = ["recall_bins", "remember_bins"]

#: Sub-folder of the processed-data folder.
MEMO_SUBDIR = "map_classes"
# Bumped when the classing code changes what it returns for the same request.
_VERSION = 1
_MAX_BYTES = 64_000


@functools.cache
def _mapclassify_version() -> str:
    # Read once: it opens the installed package's metadata, on every map otherwise.
    return metadata.version("mapclassify")


def _path(present: np.ndarray, scheme: str, n_classes: int) -> Path:
    values = np.ascontiguousarray(present, dtype=float)
    digest = hashlib.sha256(
        f"{_VERSION}:{_mapclassify_version()}:{scheme}:{n_classes}:{values.size}".encode()
    )
    digest.update(values.tobytes())
    return Path(settings.PROCESSED_DIR) / MEMO_SUBDIR / f"{digest.hexdigest()}.json"


def recall_bins(present: np.ndarray, scheme: str, n_classes: int) -> np.ndarray | None:
    """Upper class bounds remembered for this request, or ``None``."""
    path = _path(present, scheme, n_classes)
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        bins = np.asarray(json.loads(path.read_text(encoding="utf-8"))["bins"], dtype=float)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    sound = (
        bins.ndim == 1
        and 1 <= bins.size <= n_classes
        and np.isfinite(bins).all()
        and (np.diff(bins) > 0).all()
        and bins[-1] >= present.max()
    )
    return bins if sound else None


def remember_bins(present: np.ndarray, scheme: str, n_classes: int, bins: np.ndarray) -> None:
    """Keep the upper class bounds of this request (at most ``MAP_CLASS_MEMO_MAX_FILES``)."""
    path = _path(present, scheme, n_classes)
    text = json.dumps({"scheme": scheme, "n_classes": n_classes, "bins": bins.tolist()})
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        if sum(1 for _ in path.parent.glob("*.json")) >= defaults.MAP_CLASS_MEMO_MAX_FILES:
            return
        write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))
