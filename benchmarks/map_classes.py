"""Compare Maillage's map classes (mapclassify) with independent computations on Sarthe.

For every numeric indicator the app maps (352 communes: population, density, income,
poverty, unemployment, ages, the eight IFN scores, fibre, and the diagnosis' travel
time, need index, persons in need and 2SFCA ratio), classes of 5 are computed with
:func:`geo.render.classify` and with an independent reference:

- quantiles: the same partition of the communes as the bounds of ``numpy.quantile``
  (tied bounds merged; Maillage also merges a class that ties leave empty);
- equal intervals: the same bounds as ``numpy.linspace``;
- natural breaks: within-class sum of squares not above the exact optimum found by a
  float64 O(k n²) dynamic programme written here (Fisher 1958).

It prints the goodness of variance fit (GVF, 1 − within ÷ total sum of squares) of each
scheme per indicator, which tells which scheme separates the values best, and the time
of each classification. The last line holds ``key=value`` pairs.

Run: ``python benchmarks/map_classes.py``.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from equity.diagnostics import diagnose  # noqa: E402
from geo import settings  # noqa: E402
from geo.render import classify  # noqa: E402
from geo.territory import load_territory, map_indicators  # noqa: E402

K = 5
DIAGNOSIS_COLUMNS = ["travel_time_min", "need_index", "persons_in_need", "fca_ratio"]


def optimal_ssd(values: np.ndarray, k: int) -> float:
    """Minimal within-class sum of squares of k contiguous classes (float64 DP)."""
    x = np.sort(values)
    n = x.size
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    start, end = np.arange(n + 1)[:, None], np.arange(n + 1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ssd = (s2[end] - s2[start]) - (s1[end] - s1[start]) ** 2 / (end - start)
    ssd = np.where(end > start, np.maximum(ssd, 0.0), np.inf)
    cost = ssd[0].copy()
    for _ in range(2, min(k, np.unique(x).size) + 1):
        cost = np.min(cost[:, None] + ssd, axis=0)
    return float(cost[n])


def within_ssd(values: np.ndarray, codes: np.ndarray) -> float:
    return float(
        sum(((values[codes == c] - values[codes == c].mean()) ** 2).sum() for c in set(codes))
    )


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Both code arrays group the values the same way (class numbers may differ)."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def indicators() -> pd.DataFrame:
    territory = load_territory()
    diagnosis = diagnose(territory)
    communes = territory.communes.join(diagnosis.communes[DIAGNOSIS_COLUMNS])
    columns = [k for k, v in map_indicators(territory).items() if not v["categorical"]]
    columns += DIAGNOSIS_COLUMNS
    return pd.DataFrame(
        {
            c: communes[c].astype(float)
            for c in columns
            if pd.api.types.is_numeric_dtype(communes[c])
        }
    )


def compare(column: str, values: pd.Series) -> dict[str, object]:
    x = values.dropna().to_numpy()
    total = float(((x - x.mean()) ** 2).sum())
    row: dict[str, object] = {"indicateur": column}
    for scheme in ("quantiles", "equal_interval", "natural_breaks"):
        start = time.perf_counter()
        classes = classify(values, scheme, K)
        row[f"{scheme}_s"] = time.perf_counter() - start
        start = time.perf_counter()
        classify(values, scheme, K)  # the bounds are now remembered on disk
        row[f"{scheme}_remembered_s"] = time.perf_counter() - start
        codes = classes.codes[classes.codes >= 0]
        row[f"{scheme}_gvf"] = 1 - within_ssd(x, codes) / total
        row[f"{scheme}_k"] = len(classes.labels)
    quantiles = classify(values, "quantiles", K).codes
    reference = np.unique(np.quantile(x, np.linspace(0, 1, K + 1)))
    row["quantiles_ok"] = same_partition(
        quantiles[quantiles >= 0], np.searchsorted(reference[1:-1], x, "left")
    )
    equal = classify(values, "equal_interval", K).bounds
    row["equal_ok"] = bool(np.allclose(equal, np.linspace(x.min(), x.max(), K + 1), rtol=1e-12))
    jenks = classify(values, "natural_breaks", K).codes
    row["jenks_ok"] = within_ssd(x, jenks[jenks >= 0]) <= optimal_ssd(x, K) * (1 + 1e-9)
    return row


def main() -> None:
    columns = indicators()
    # Class bounds are remembered in the processed-data folder: an empty one makes the
    # first classing of each column compute them, as on a fresh install.
    settings.PROCESSED_DIR = Path(tempfile.mkdtemp(prefix="maillage-classes-"))
    importlib.import_module("mapclassify")  # loaded once (0.7 s), outside the timings
    table = pd.DataFrame([compare(c, v) for c, v in columns.items()]).set_index("indicateur")
    gvf = table[["quantiles_gvf", "equal_interval_gvf", "natural_breaks_gvf"]]
    with pd.option_context("display.width", 200, "display.max_columns", 10, "display.precision", 3):
        print(table[[*gvf.columns, "natural_breaks_k", "quantiles_ok", "equal_ok", "jenks_ok"]])
    figures = {
        "indicators": len(table),
        "quantiles_same": int(table["quantiles_ok"].sum()),
        "equal_interval_same": int(table["equal_ok"].sum()),
        "jenks_optimal": int(table["jenks_ok"].sum()),
        "best_gvf_jenks": int((gvf.idxmax(axis=1) == "natural_breaks_gvf").sum()),
        "mean_gvf_quantiles": round(float(gvf["quantiles_gvf"].mean()), 3),
        "mean_gvf_equal": round(float(gvf["equal_interval_gvf"].mean()), 3),
        "mean_gvf_jenks": round(float(gvf["natural_breaks_gvf"].mean()), 3),
        "quantiles_ms": round(1000 * float(table["quantiles_s"].mean()), 2),
        "jenks_ms": round(1000 * float(table["natural_breaks_s"].mean()), 1),
        "remembered_ms": round(1000 * float(table["quantiles_remembered_s"].mean()), 2),
    }
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
