"""Time a département's territory load and the national summary on 1 and 2 Dask workers.

1. ``load_territory`` of 61 and 53 into an empty processed folder (built from the raw
   national files, then cached), then again (read from the cache). Targets: < 10 s
   from raw, < 1 s from cache.
2. ``france_summary`` over the first ``--n`` départements (all 96 by default): in this
   process one after the other (the baseline, same run), then on a local Dask cluster
   of 1 and of 2 worker processes. Ratios are against the baseline.

The last line holds ``key=value`` pairs. Run: ``python benchmarks/france_summary.py [--n 24]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from equity.distributed import dask_client, run_on_dask
from equity.workflows.france import FranceRequest, france_summary
from geo import national
from geo.territory import load_territory


def load_times(code: str) -> tuple[float, float]:
    """Seconds of a first load (raw files, cache written) and of a cached load."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        load_territory(directory=Path(folder), departement=code)
        raw_s = time.perf_counter() - start
        start = time.perf_counter()
        load_territory(directory=Path(folder), departement=code)
        return raw_s, time.perf_counter() - start


def summary_time(codes: list[str], workers: int | None) -> float:
    """Seconds of the national summary, in this process (None) or on ``workers``."""
    start = time.perf_counter()
    if workers is None:
        france_summary(FranceRequest(), codes)
    else:
        with dask_client(workers=workers) as client:
            france_summary(
                FranceRequest(), codes, runner=lambda t, items: run_on_dask(t, items, client)
            )
    return time.perf_counter() - start


def main() -> None:
    """Print the measurements; the last line is ``key=value`` pairs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=96, help="départements summarised")
    n = parser.parse_args().n
    figures: dict[str, float] = {}
    for code in ("61", "53"):
        raw_s, cached_s = load_times(code)
        figures[f"load_{code}_raw_s"], figures[f"load_{code}_cache_s"] = raw_s, cached_s
        print(f"{code}: first load {raw_s:.2f} s, from cache {cached_s:.2f} s")
    codes = list(national.departements()["code"])[:n]
    baseline = summary_time(codes, None)
    print(f"summary of {len(codes)} départements in this process: {baseline:.1f} s")
    figures.update(n_departements=len(codes), sequential_s=baseline)
    for workers in (1, 2):
        seconds = summary_time(codes, workers)
        figures[f"dask_{workers}_s"] = seconds
        figures[f"speedup_{workers}"] = baseline / seconds
        print(f"Dask, {workers} worker(s): {seconds:.1f} s ({baseline / seconds:.2f}× baseline)")
    figures["scaling_2_vs_1"] = figures["dask_1_s"] / figures["dask_2_s"]
    print(
        " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
    )


if __name__ == "__main__":
    main()
