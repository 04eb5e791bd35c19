"""Time the national loaders of one département against the Sarthe loaders.

Baseline (same run): the Sarthe loaders of ``geo.boundaries``, ``geo.sites``,
``geo.socio`` and ``geo.cog`` reading ``data/raw/`` (GeoJSON and CSV) for the layers the
national files also have. Then :func:`geo.national.load_layers` (every layer, border
services included) for 72, 61, 53 and 2A, each timed per layer for 72. Best of
``REPEATS`` runs in this process (the first run of each also reads the files from disk).
The last line holds ``key=value`` pairs; target ``national_72_s`` ≤ 2 s so that a whole
territory build stays under 10 s.

Run: ``python benchmarks/national_load.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import boundaries, cog, national, sites, socio

REPEATS = 3
CODES = ("72", "61", "53", "2A")


def best_of(step: Callable[[], object]) -> float:
    """Shortest wall time of :data:`REPEATS` runs of ``step``."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def sarthe_loaders() -> None:
    communes = boundaries.load_communes()
    boundaries.load_epci(communes)
    boundaries.load_departement()
    cog.load_commune_codes()
    sites.load_town_halls()
    sites.load_france_services()
    sites.load_cnfs_permanences()
    socio.load_filosofi()
    socio.load_ifn()
    socio.load_zoning()


def per_layer(code: str) -> dict[str, float]:
    communes = national.load_communes(code)
    steps: dict[str, Callable[[], object]] = {
        "communes": lambda: national.load_communes(code),
        "epci": lambda: national.load_epci(code, communes),
        "departement": lambda: national.load_departement(code),
        "codes": lambda: national.load_commune_codes(code),
        "town_halls": lambda: national.load_town_halls(code),
        "france_services": lambda: national.load_france_services(code),
        "cnfs": lambda: national.load_cnfs_permanences(code),
        "border": lambda: national.border_services(code),
        "filosofi": lambda: national.load_filosofi(code),
        "ifn": lambda: national.load_ifn(code),
        "zoning": lambda: national.load_zoning(code),
    }
    return {name: best_of(step) for name, step in steps.items()}


def main() -> None:
    baseline_s = best_of(sarthe_loaders)
    print(f"Sarthe loaders (data/raw GeoJSON/CSV, without border services): {baseline_s:.2f} s")
    results = {}
    for code in CODES:
        results[code] = best_of(lambda code=code: national.load_layers(code))
        print(
            f"national.load_layers({code!r}) (every layer + border services): {results[code]:.2f} s"
        )
    for name, seconds in per_layer("72").items():
        print(f"  72 {name}: {seconds * 1000:.0f} ms")
    pairs = {"sarthe_loaders_s": baseline_s}
    pairs |= {f"national_{code}_s": seconds for code, seconds in results.items()}
    pairs["ratio_72"] = results["72"] / baseline_s
    print(" ".join(f"{key}={value:.3f}" for key, value in pairs.items()))


if __name__ == "__main__":
    main()
