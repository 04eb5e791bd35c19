"""Leaflet for the clickable maps, published from ``geo/assets`` into the folder Streamlit serves.

The repository holds Leaflet once, in ``geo/assets`` (the offline HTML export inlines it
from there). Streamlit serves only ``static/`` next to ``app.py``, at ``/app/static/``
(``server.enableStaticServing``), and refuses a file that resolves outside that folder,
so a symbolic link does not do: the app copies the files there at start. ``static/`` is
generated and git-ignored (only its README is committed).
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from pathlib import Path

import streamlit as st

from geo import settings

__all__ = ["SERVED_FILES", "STATIC_DIR", "publish_static_files", "serve_static_files"]

#: The folder Streamlit serves at ``/app/static/``: ``static/`` next to the main script.
STATIC_DIR: Path = Path(settings.PROJECT_ROOT) / "static"

#: Each vendored file → where it is served, relative to ``static/``. The images sit in
#: ``images/`` because ``leaflet.css`` looks for them there (``url(images/layers.png)``).
SERVED_FILES: dict[str, str] = {
    "leaflet.js": "leaflet.js",
    "leaflet.css": "leaflet.css",
    "LICENSE-leaflet.txt": "LICENSE-leaflet.txt",
    "layers.png": "images/layers.png",
    "layers-2x.png": "images/layers-2x.png",
    "marker-icon.png": "images/marker-icon.png",
}


def publish_static_files(
    target: Path | None = None, source: Path = settings.ASSETS_DIR
) -> list[Path]:
    """Copy the vendored Leaflet files into the served folder, where they differ.

    Idempotent and safe when several sessions start at once: a file already identical
    is left alone (a stat when its copy kept the source's times), any other is written
    to a temporary file in the same folder and moved into place atomically, so a reader
    never sees a half-written file.

    Parameters
    ----------
    target : Path, optional
        The served folder; :data:`STATIC_DIR` (read at call time) when omitted.
    source : Path
        The vendored files (``geo/assets``).

    Returns
    -------
    list of Path
        The files written (empty when every served file was already up to date).

    Raises
    ------
    OSError
        When the folder cannot be written.
    """
    target = STATIC_DIR if target is None else target
    written = []
    for name, served in SERVED_FILES.items():
        src, dst = source / name, target / served
        # shallow=True: equal stat signatures say equal, else the bytes are compared.
        if dst.is_file() and filecmp.cmp(src, dst, shallow=True):
            continue
        _replace_atomically(src, dst)
        written.append(dst)
    return written


def _replace_atomically(src: Path, dst: Path) -> None:
    """Write a copy of ``src`` next to ``dst``, then rename it over ``dst``."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(src.read_bytes())
        # The source's mode and times: readable by the server, and the next start's
        # comparison is a stat.
        shutil.copystat(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def serve_static_files() -> None:
    """Publish Leaflet for the clickable maps; a French warning if it cannot be written."""
    try:
        publish_static_files()
    except OSError:
        st.warning(
            f"Les cartes cliquables (Recommandation, Scénarios) ne pourront pas s'afficher : "
            f"le dossier {STATIC_DIR} n'a pas pu être écrit. Vérifiez les droits d'accès "
            "du dossier de l'application ; les autres cartes ne sont pas concernées."
        )
