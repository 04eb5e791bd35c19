"""Speed of the app as a user feels it, in Chromium, against a baseline in the same run.

Three measurements, each from the user's action to the result on screen:

- ``cold_carte_s``: a fresh server, started as the README starts it (``python app.py``),
  first load of the Carte page until every commune is drawn (352 Leaflet paths in the
  map frame); the time from start to the server's health answer is printed too
  (``server_start_s``);
- ``indicator_switch_s``: on Carte, switching the indicator to one already shown in the
  session (warm) until the map's legend shows it — median of several switches;
- ``recommend_s``: on Recommandation, « Calculer la recommandation » (20 advisors,
  default settings) until « Pourquoi ces sites » and the map of the result are shown.

Each app is run ``--repeats`` times, alternating, and medians are reported. The
baseline is another commit of the repository (default: the merge base with
``main``, i.e. the app before this branch), exported with ``git archive`` into a
temporary folder and run the same way on its own port with its own processed-data
folder. The machine's load moves both alike; ratios are baseline ÷ current.

Targets: warm indicator switch < 1 s, cold first Carte < 4 s, recommendation < 3 s.
Needs Debian's Chromium (``/usr/bin/chromium``) and Playwright.

Run: ``python benchmarks/app_speed.py [--baseline REV] [--switches N]``; the last line
holds ``key=value`` pairs.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
N_COMMUNES = 352
#: Indicators switched on Carte (labels as the selectbox shows them).
SWITCH_LABELS = ("Population municipale 2022", "Taux de pauvreté (%)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _server(root: Path, processed: Path):
    """A Streamlit server of the app in ``root``; yields its URL and its start time (s)."""
    port = _free_port()
    env = dict(os.environ, MAILLAGE_PROCESSED_DIR=str(processed), PYTHONPATH=str(root))
    # Started as the README starts it: ``python app.py`` (a commit before the launcher
    # existed: ``streamlit run app.py``).
    start = [] if (root / "app_pages" / "launch.py").is_file() else ["-m", "streamlit", "run"]
    proc = subprocess.Popen(
        [
            sys.executable,
            *start,
            str(root / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        deadline = started + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        yield url, time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _map_drawn(page, legend: str | None) -> bool:
    """Whether a frame of the page draws every commune (with ``legend`` when given)."""
    for frame in page.frames:
        if frame is page.main_frame:
            continue
        try:
            drawn = frame.locator("path.leaflet-interactive").count() >= N_COMMUNES
            shown = (
                legend is None or legend in frame.locator(".maillage-legend h4").all_inner_texts()
            )
        except PlaywrightError:  # a frame replaced while it is read: look again
            continue
        if drawn and shown:
            return True
    return False


def _wait_map(page, legend: str | None = None, timeout_s: float = 120.0) -> None:
    """Until a map frame draws every commune (and its legend says ``legend``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _map_drawn(page, legend):
            return
        page.wait_for_timeout(50)
    raise TimeoutError(f"map not drawn within {timeout_s:g} s (legend {legend!r})")


def _choose_indicator(page, label: str) -> None:
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text="Indicateur"
    )
    box.locator("input").first.click()
    page.get_by_role("option", name=label, exact=True).click()


def _measure(browser, url: str, switches: int) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    start = time.perf_counter()
    page.goto(url)
    _wait_map(page)
    cold = time.perf_counter() - start
    legends = {
        "Population municipale 2022": "Habitants",
        "Taux de pauvreté (%)": "Taux de pauvreté",
    }
    for label in SWITCH_LABELS:  # first visit of each indicator: not timed (cold)
        _choose_indicator(page, label)
        _wait_map(page, legends[label])
    times = []
    for i in range(switches):
        label = SWITCH_LABELS[i % 2]
        start = time.perf_counter()
        _choose_indicator(page, label)
        _wait_map(page, legends[label])
        times.append(time.perf_counter() - start)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Recommandation", exact=True).click()
    button = page.get_by_role("button", name="Calculer la recommandation")
    button.wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    start = time.perf_counter()
    button.click()
    page.get_by_text("Pourquoi ces sites").wait_for(timeout=600_000)
    _wait_map(page)
    recommend = time.perf_counter() - start
    page.close()
    return {
        "cold_carte_s": cold,
        "indicator_switch_s": statistics.median(times),
        "recommend_s": recommend,
    }


def _baseline_tree(rev: str, folder: Path) -> Path:
    archive = folder / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev], stdout=out, check=True)
    tree = folder / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _run(browser, root: Path, processed: Path, switches: int) -> dict[str, float]:
    # A first server fills the processed-data cache (territory), as any installed app has.
    with _server(root, processed) as (url, _):
        page = browser.new_page()
        page.goto(url)
        _wait_map(page)
        page.close()
    with _server(root, processed) as (url, start_s):
        return {"server_start_s": start_s, **_measure(browser, url, switches)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = (
        subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        or "HEAD~1"
    )
    parser.add_argument("--baseline", default=default, help="commit to compare with")
    parser.add_argument("--switches", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each, alternated")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        roots = {"baseline": _baseline_tree(args.baseline, folder), "current": ROOT}
        # Alternated, so that a change in the machine's load touches both alike.
        for i in range(args.repeats):
            for name, root in roots.items():
                processed = folder / f"processed_{name}_{i}"
                processed.mkdir()
                runs[name].append(_run(browser, root, processed, args.switches))
        browser.close()
    baseline, current = (
        {k: statistics.median(r[k] for r in runs[name]) for k in runs[name][0]}
        for name in ("baseline", "current")
    )
    print(f"baseline: {args.baseline[:12]}")
    figures: dict[str, object] = {}
    for key in ("server_start_s", "cold_carte_s", "indicator_switch_s", "recommend_s"):
        ratio = baseline[key] / current[key]
        print(
            f"{key:20s} baseline {baseline[key]:7.2f} s   now {current[key]:7.2f} s   x{ratio:5.2f}"
        )
        figures[key] = round(current[key], 2)
        figures[f"baseline_{key}"] = round(baseline[key], 2)
        figures[f"ratio_{key.removesuffix('_s')}"] = round(ratio, 2)
    targets = {"cold_carte_s": 4.0, "indicator_switch_s": 1.0, "recommend_s": 3.0}
    figures["targets_met"] = sum(current[k] < v for k, v in targets.items())
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
