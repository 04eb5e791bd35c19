"""Project paths and constants, all resolved from this file (never the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
PROCESSED_DIR: Path = Path(os.environ.get("MAILLAGE_PROCESSED_DIR", DATA_DIR / "processed"))
ASSETS_DIR: Path = Path(__file__).resolve().parent / "assets"

#: Working CRS for distances and areas (RGF93 / Lambert-93).
WORK_CRS: str = "EPSG:2154"
#: CRS of every vendored GeoJSON and of user longitude/latitude columns.
LONLAT_CRS: str = "EPSG:4326"

#: The département whose richer files are embedded (``data/raw/*_72_*``: libraries,
#: data·inclusion, census RP 2021, fibre 2018). Any other département is read from the
#: national files; the chosen one is the territory's ``departement_code`` (default
#: :data:`geo.defaults.DEPARTEMENT_CODE`), never these constants.
DEPARTMENT_CODE: str = "72"
DEPARTMENT_NAME: str = "Sarthe"
