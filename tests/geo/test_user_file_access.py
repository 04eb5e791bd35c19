"""User files that cannot be read safely are refused before anything reads them (issue 16 #3)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo import defaults
from geo.errors import DataValidationError
from geo.territory import UserFiles, build_territory, cache_key, load_territory

ROOT = Path(__file__).resolve().parents[2]


def refused(user: UserFiles) -> DataValidationError:
    """The error of ``cache_key(user)``, which must come at once."""
    start = time.monotonic()
    with pytest.raises(DataValidationError) as excinfo:
        cache_key(user)
    assert time.monotonic() - start < 1.0
    return excinfo.value


def codes(error: DataValidationError) -> list[str]:
    return [problem.code for problem in error.problems]


def test_missing_file(tmp_path):
    error = refused(UserFiles(sites=tmp_path / "absent.csv"))
    assert codes(error) == ["not_found"]
    assert error.source == "absent.csv"
    assert "le fichier de lieux « absent.csv » n'existe pas." in str(error)


def test_directory(tmp_path):
    folder = tmp_path / "dossier.csv"
    folder.mkdir()
    error = refused(UserFiles(fibre=folder))
    assert codes(error) == ["not_a_file"]
    assert "n'est pas un fichier ordinaire" in str(error)


def test_fifo_is_never_opened(tmp_path):
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    error = refused(UserFiles(indicators=fifo))
    assert codes(error) == ["not_a_file"]


def test_device():
    error = refused(UserFiles(indicators=Path("/dev/zero")))
    assert codes(error) == ["not_a_file"]
    assert "zero" in str(error)


def test_oversized_file(tmp_path):
    big = tmp_path / "gros.csv"
    with big.open("wb") as handle:
        handle.truncate(defaults.MAX_USER_FILE_BYTES + 1)  # sparse: no 50 MB written
    error = refused(UserFiles(sites=big))
    assert codes(error) == ["file_too_large"]
    assert "50 Mo" in str(error)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    locked = tmp_path / "verrou.csv"
    locked.write_text("code_insee;x\n72181;1\n", encoding="utf-8")
    locked.chmod(0)
    try:
        error = refused(UserFiles(sites=locked))
    finally:
        locked.chmod(0o600)
    assert codes(error) == ["unreadable_file"]


def test_every_refused_file_is_listed_once(tmp_path):
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    user = UserFiles(sites=tmp_path / "absent.csv", fibre=tmp_path, indicators=fifo)
    error = refused(user)
    assert error.source == "fichiers fournis"
    assert codes(error) == ["not_found", "not_a_file", "not_a_file"]
    assert str(error.problems[0]).startswith("absent.csv : ")
    # The loader and the builder refuse them the same way, before reading anything.
    for load in (load_territory, build_territory):
        with pytest.raises(DataValidationError) as excinfo:
            load(user)
        assert codes(excinfo.value) == codes(error)


def test_regular_files_are_hashed_by_content(tmp_path):
    table = tmp_path / "demandes.csv"
    table.write_text("code_insee;demandes\n72181;120\n", encoding="utf-8")
    first = cache_key(UserFiles(indicators=table))
    assert cache_key(UserFiles(indicators=table)) == first
    table.write_text("code_insee;demandes\n72181;121\n", encoding="utf-8")
    assert cache_key(UserFiles(indicators=table)) != first


def test_cli_refuses_them_in_french_without_traceback(tmp_path):
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    argv = ["--sites", str(fifo), "--fibre", str(tmp_path), "--indicators", "/dev/zero"]
    result = subprocess.run(
        [sys.executable, "-m", "equity.cli", "data", *argv],
        cwd=ROOT,
        env={**os.environ, "MAILLAGE_PROCESSED_DIR": str(tmp_path / "processed")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "3 problèmes" in result.stderr
    assert result.stderr.count("n'est pas un fichier ordinaire") == 3
    assert "Traceback" not in result.stderr
