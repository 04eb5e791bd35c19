"""Start the app's server with the first page's libraries loading in the background.

``python app.py`` runs :func:`launch`: the same server as ``streamlit run app.py`` (every
argument is passed on), plus a thread that imports the libraries and modules of the
first Carte while the server starts and the browser loads Streamlit's page. Streamlit
runs a page only once a browser is connected, so without it the first Carte waits for
these imports (1.4 s in the server, as the browser loads the page).

Only modules the first Carte imports anyway are loaded, nothing that needs Streamlit's
runtime (its caches bind to the runtime at import) and no solver or print library
(``tests/app/test_cold_start.py``). A module that fails to import here fails again,
with its message, when the page imports it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from pathlib import Path

__all__ = ["FIRST_PAGE_MODULES", "launch", "preload"]

#: What the first Carte imports, heaviest first (pandas, geopandas, pyarrow: 0.6 s).
FIRST_PAGE_MODULES = (
    "pandas",
    "geopandas",
    "pyarrow.parquet",
    "scipy.sparse",
    "geo.territory",
    "geo.travel_time",
    "geo.national",
    "geo.render.classification",
    "geo.result_memo",
    "equity.diagnostics",
    "equity.underserved",
    "equity.scenarios",
    "equity.workflows",
)


def preload() -> None:
    """Import :data:`FIRST_PAGE_MODULES` and hash the code the results are keyed by."""
    for name in FIRST_PAGE_MODULES:
        # The page's own import reports any failure to the user.
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    with contextlib.suppress(Exception):
        importlib.import_module("geo.result_memo").code_fingerprint()


def launch(app: Path, args: list[str]) -> None:
    """``streamlit run app *args``, with :func:`preload` in a background thread."""
    from streamlit.web import cli

    # Streamlit reads .streamlit/config.toml from the working folder: the app's own
    # settings (static files for the maps, upload limit) hold wherever it is started.
    app = app.resolve()
    os.chdir(app.parent)
    threading.Thread(target=preload, name="maillage-preload", daemon=True).start()
    sys.argv = ["streamlit", "run", str(app), *args]
    cli.main()
