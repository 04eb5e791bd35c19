"""A fresh server draws the Carte without the libraries only printing, classing and solving need.

Nor, once a first server has drawn it, folium: the map's page and the diagnostic are
remembered in the processed-data folder (:mod:`geo.result_memo`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_RUN = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=240)
at.run()
assert not at.exception, [e.value for e in at.exception]
assert at.title[0].value.startswith("Carte")
heavy = (
    "mapclassify", "matplotlib", "sklearn", "equity.reporting", "equity.council_pack",
    "scipy.optimize", "equity.placement.milp", "equity.mobile", "folium",
)
print("LOADED:" + ",".join(m for m in heavy if m in sys.modules))
"""


def _cold_run(processed: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(ROOT / "app.py")],
        env=dict(os.environ, MAILLAGE_PROCESSED_DIR=str(processed)),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_fresh_server_draws_the_carte_without_print_or_classing_libraries(tmp_path):
    # A first server fills the processed-data folder (territory, map classes), as any
    # installed app has; each run is a new process, as a fresh server is.
    _cold_run(tmp_path)
    # They cost 1.1 s of a cold first Carte (matplotlib, scikit-learn, the pack chain),
    # and 0.4 s more for the solvers (scipy.optimize, the placement and mobile models),
    # and folium 0.6 s more.
    assert _cold_run(tmp_path) == "LOADED:"
