"""The scenario store survives a writer killed in the middle of its saves (issue 16 #2)."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from equity.scenarios import Scenario, ScenarioStore, SiteChanges

ROOT = Path(__file__).parents[2]

# Saves as fast as it can, printing each version once save() has returned (acknowledged).
_WRITER = """
import sys
from equity.scenarios import Scenario, ScenarioStore, SiteChanges
path, who = sys.argv[1], sys.argv[2]
for i in range(10_000):
    saved = ScenarioStore(path).save(
        Scenario("Plan", {"threshold_min": 20}, SiteChanges(), author=who, note=str(i) * 500)
    )
    print(saved.version, flush=True)
"""


def _killed_writer(path: Path, who: str, acks: int, rng: random.Random) -> list[int]:
    """Versions acknowledged by a writer killed with SIGKILL after ``acks`` saves."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), who],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged = []
    try:
        for line in proc.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) == acks:
                # Lands at a random point of the next save (they take about a millisecond).
                time.sleep(rng.uniform(0, 0.003))
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        rest, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    # Lines printed before the kill landed were acknowledged too.
    return acknowledged + [int(v) for v in rest.split()]


@pytest.mark.slow
def test_writer_killed_mid_save_loses_no_acknowledged_version(tmp_path):
    rng = random.Random(16)
    path = tmp_path / "scenarios.sqlite"
    acknowledged: dict[str, list[int]] = {}
    for who in "abcdef":
        acknowledged[who] = _killed_writer(path, who, rng.randint(3, 30), rng)
        # A fresh store opens the file left by the crash, read-only first, as a page does.
        listing = ScenarioStore(path).list()
        assert listing["name"].tolist() == ["Plan"]
    store = ScenarioStore(path)
    history = store.history("Plan").set_index("version")
    for who, versions in acknowledged.items():
        assert len(versions) >= 3
        assert history.loc[versions, "author"].eq(who).all(), who
    # Versions are numbered without gaps: a killed save left nothing half-written.
    assert history.index.tolist() == list(range(1, len(history) + 1))
    assert store.load("Plan").version == len(history)
    assert store.save(Scenario("Plan", {"threshold_min": 30}, SiteChanges())).version == (
        len(history) + 1
    )
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
