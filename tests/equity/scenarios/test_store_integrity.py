"""The scenario store under concurrent sessions, faults and hostile files (issue 16)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from equity import cli
from equity.scenarios import Scenario, ScenarioStore, ScenarioStoreError, SiteChanges
from geo.errors import DataValidationError

DATA = Path(__file__).parents[2] / "data"
ROOT = Path(__file__).parents[3]

_WRITER = """
import sys
from equity.scenarios import Scenario, ScenarioStore, SiteChanges
path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    saved = ScenarioStore(path).save(
        Scenario("Partagé", {"threshold_min": 20}, SiteChanges(), author=who, note=str(i))
    )
    print(saved.version, flush=True)
"""

_READER = """
import json, sys
from pathlib import Path
from equity.scenarios import ScenarioStore
path, stop = sys.argv[1], Path(sys.argv[2])
reads = 0
while not stop.exists() or reads < 5:
    store = ScenarioStore(path)
    listing = store.list()
    for name in listing["name"]:
        json.dumps(store.load(name).to_dict())
        store.history(name)
    reads += 1
print(reads)
"""


def _python(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _four_writers(path: Path, n: int = 25) -> dict[str, list[int]]:
    writers = {who: _python(_WRITER, str(path), who, str(n)) for who in "abcd"}
    acknowledged = {}
    for who, proc in writers.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and not err.strip(), err
        acknowledged[who] = [int(v) for v in out.split()]
    return acknowledged


def _check_nothing_lost(path: Path, acknowledged: dict[str, list[int]], n: int = 25) -> None:
    history = ScenarioStore(path).history("Partagé")
    assert history["version"].tolist() == list(range(1, 4 * n + 1))
    assert history["author"].value_counts().to_dict() == dict.fromkeys("abcd", n)
    versions = history.set_index("version")
    for who, saved in acknowledged.items():
        assert len(saved) == n
        assert versions.loc[saved, "author"].eq(who).all()
        assert versions.loc[saved, "note"].tolist() == [str(i) for i in range(n)]
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.parametrize("run", range(5))
def test_four_processes_saving_with_fresh_stores_lose_nothing(tmp_path, run):
    path = tmp_path / f"run{run}" / "scenarios.sqlite"  # created by the racing writers
    _check_nothing_lost(path, _four_writers(path))


@pytest.mark.slow
@pytest.mark.parametrize("run", range(5))
def test_saves_lose_nothing_while_another_process_lists_and_exports(tmp_path, run):
    path = tmp_path / f"run{run}" / "scenarios.sqlite"
    stop = tmp_path / "stop"
    ScenarioStore(path).save(Scenario("Autre", {"threshold_min": 30}, SiteChanges()))
    reader = _python(_READER, str(path), str(stop))
    acknowledged = _four_writers(path)
    stop.touch()
    out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0 and not err.strip(), err
    assert int(out) >= 5
    _check_nothing_lost(path, acknowledged)
    assert ScenarioStore(path).load("Autre").parameters.threshold_min == 30


def _v1_copy(tmp_path) -> Path:
    copy = tmp_path / "v1" / "scenarios.sqlite"
    copy.parent.mkdir()
    shutil.copyfile(DATA / "scenarios_v1.sqlite", copy)
    return copy


def test_read_only_operations_never_write(tmp_path):
    absent = tmp_path / "absent" / "scenarios.sqlite"
    store = ScenarioStore(absent)
    assert store.list().empty and store.history("x").empty
    with pytest.raises(KeyError, match="introuvable"):
        store.load("x")
    assert not absent.parent.exists()

    path = _v1_copy(tmp_path)
    before = path.read_bytes()
    store = ScenarioStore(path)
    for name in store.list()["name"]:
        store.load(name)
        store.history(name)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["scenarios.sqlite"]


def test_store_keeps_the_locks_another_connection_of_this_process_holds(tmp_path):
    path = _v1_copy(tmp_path)  # rollback-journal mode: locks are on the database file
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        store = ScenarioStore(path)
        store.list()
        store.load("Plan commission")
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys; db = sqlite3.connect(sys.argv[1], timeout=0);"
                "db.execute('BEGIN IMMEDIATE')",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert probe.returncode != 0 and "database is locked" in probe.stderr


def test_foreign_empty_sqlite_file_is_refused_untouched(tmp_path):
    empty = tmp_path / "empty.sqlite"
    db = sqlite3.connect(empty)
    db.execute("PRAGMA user_version = 3")  # a valid SQLite file with no table
    db.close()
    before = empty.read_bytes()
    with pytest.raises(ScenarioStoreError, match="autre application"):
        ScenarioStore(empty)
    assert empty.read_bytes() == before

    later = tmp_path / "later.sqlite"
    store = ScenarioStore(later)
    shutil.copyfile(empty, later)  # another program creates the file in the meantime
    with pytest.raises(ScenarioStoreError, match="autre application"):
        store.save(Scenario("Plan", {"threshold_min": 20}, SiteChanges()))
    assert later.read_bytes() == before


def test_zero_byte_file_is_adopted(tmp_path):
    path = tmp_path / "new.sqlite"
    path.touch()
    saved = ScenarioStore(path).save(Scenario("Plan", {"threshold_min": 20}, SiteChanges()))
    assert saved.version == 1 and ScenarioStore(path).load("Plan").version == 1


_READ_ONLY_SCRIPT = """
import json, sys
from equity.scenarios import Scenario, ScenarioStore, ScenarioStoreError, SiteChanges
store = ScenarioStore(sys.argv[1])
out = {"names": store.list()["name"].tolist(), "version": store.load("Plan").version}
try:
    store.save(Scenario("Plan", {"threshold_min": 20}, SiteChanges()))
except ScenarioStoreError as exc:
    out["error"] = str(exc)
print(json.dumps(out))
"""


def _without_root_override() -> list[str]:
    """Command prefix under which file permissions bind (root bypasses them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: permissions cannot be enforced")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_database_reads_and_refuses_saves_in_french(what):
    prefix = _without_root_override()
    base = Path(tempfile.mkdtemp())
    folder = base / "db"
    folder.mkdir()
    path = folder / "scenarios.sqlite"
    store = ScenarioStore(path)
    for threshold in (20, 25):
        store.save(Scenario("Plan", {"threshold_min": threshold}, SiteChanges()))
    before = path.read_bytes()
    path.chmod(0o444)
    if what == "folder":
        folder.chmod(0o555)
    try:
        run = subprocess.run(
            [*prefix, sys.executable, "-c", _READ_ONLY_SCRIPT, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["names"] == ["Plan"] and out["version"] == 2
    assert "lecture seule" in out["error"] and "endommagée" not in out["error"]
    assert path.read_bytes() == before
    shutil.rmtree(base)


def test_full_disk_is_reported_and_loses_nothing(tmp_path, monkeypatch):
    path = tmp_path / "scenarios.sqlite"
    store = ScenarioStore(path)
    store.save(Scenario("Plan", {"threshold_min": 20}, SiteChanges(), note="première"))
    connect = ScenarioStore._connect

    def full_disk(self, read_only):
        db = connect(self, read_only)
        if not read_only:  # the file may not grow by a single page: SQLITE_FULL
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(ScenarioStore, "_connect", full_disk)
    with pytest.raises(ScenarioStoreError, match="plein") as info:
        store.save(Scenario("Plan", {"threshold_min": 20}, SiteChanges(), note="x" * 9_000))
    assert "endommagée" not in str(info.value)
    monkeypatch.undo()
    assert store.history("Plan")["note"].tolist() == ["première"]
    assert store.save(Scenario("Plan", {"threshold_min": 20}, SiteChanges())).version == 2


def test_invalid_scenario_is_refused_before_anything_is_written(tmp_path):
    store = ScenarioStore(tmp_path / "scenarios.sqlite")
    store.save(Scenario("Plan", {"threshold_min": 20}, SiteChanges()))
    huge = Scenario("Plan", {"threshold_min": 20}, SiteChanges(), note="n" * 12_000_000)
    with pytest.raises(DataValidationError, match="trop volumineux"):
        store.save(huge)
    long_note = Scenario("Plan", {"threshold_min": 20}, SiteChanges(), note="n" * 20_000)
    with pytest.raises(DataValidationError, match="trop long"):
        store.save(long_note)
    assert store.history("Plan")["version"].tolist() == [1]


_TAMPERED = {
    "not JSON": "{'name': ",
    "deep": '{"name": "T", "results": {"x": ' + "[" * 5_000 + "]" * 5_000 + "}}",
    "types": json.dumps({"name": "T", "parameters": {"offer_types": 3}}),
    "results": json.dumps({"name": "T", "results": {"headline": {"advisors": "beaucoup"}}}),
    "infinite": '{"name": "T", "parameters": {"threshold_min": Infinity}}',
}


@pytest.mark.parametrize("kind", list(_TAMPERED))
def test_tampered_payload_gives_a_french_error_not_a_traceback(tmp_path, capsys, kind):
    path = tmp_path / "scenarios.sqlite"
    ScenarioStore(path).save(Scenario("T", {"threshold_min": 20}, SiteChanges()))
    db = sqlite3.connect(path)
    db.execute("INSERT INTO versions VALUES ('T', 2, '2026-01-01', '', '', ?)", (_TAMPERED[kind],))
    db.commit()
    db.close()
    with pytest.raises(DataValidationError, match="« T » version 2"):
        ScenarioStore(path).load("T")
    assert ScenarioStore(path).load("T", 1).version == 1
    assert cli.main(["scenario", "--db", str(path), "show", "T"]) == 2
    err = capsys.readouterr().err
    assert "Données invalides" in err and "Traceback" not in err
