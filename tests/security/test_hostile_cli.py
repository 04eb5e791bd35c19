"""Hostile command lines: exit 2, a French message, no traceback, no server path (issue 16)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from equity import cli


@pytest.fixture
def hostile(tmp_path) -> dict[str, Path]:
    """Files an attacker hands to the CLI, in a folder whose path must never be echoed."""
    files = {
        "folder": tmp_path / "dossier",
        "fifo": tmp_path / "tube",
        "garbage": tmp_path / "garbage.bin",
        "db": tmp_path / "base" / "scenarios.sqlite",
    }
    files["folder"].mkdir()
    os.mkfifo(files["fifo"])
    files["garbage"].write_bytes(bytes(range(256)) * 8)
    texts = {
        "surrogate": '{"format_version": 2, "name": "\\ud800"}',
        "nul": json.dumps({"format_version": 2, "name": "a\u0000b"}),
        "truncated": '{"format_version": 2, "name": ',
        "long_integer": '{"format_version": 2, "name": "x", "version": 1' + "0" * 5000 + "}",
    }
    for name, text in texts.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(text, encoding="utf-8")
    return files


def _refused(argv: list[str], capsys, tmp_path: Path) -> str:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "Errno" not in err
    assert str(tmp_path) not in err, err
    return err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["diagnose", "--json", "{folder}"], "« dossier » : c'est un dossier"),
        (["diagnose", "--json", "{folder}/absent/x.json"], "« x.json » : son dossier n'existe pas"),
        (["mobile", "--db", "{db}", "--csv", "{folder}"], "« dossier » : c'est un dossier"),
        (["export", "--db", "{db}", "--what", "csv", "--out", "{garbage}"], "existe déjà"),
        (["diagnose", "--threshold", "inf"], "« threshold_min » invalide : inf"),
        (["diagnose", "--threshold", "1e308"], "« threshold_min » invalide"),
        (["diagnose", "--weight", "poverty_rate_pct=nan"], "« need_weights »"),
        (["recommend", "--db", "{db}", "--capacity", "0"], "« capacity_per_advisor » invalide"),
        (["recommend", "--db", "{db}", "--time-limit", "nan"], "« solver_time_limit_s »"),
        (["recommend", "--db", "{db}", "--cost-per-advisor", "inf"], "« cost_per_advisor_eur »"),
        (["data", "--sites", "{garbage}/x.csv"], "« x.csv » est inaccessible"),
    ],
)
def test_outputs_and_parameters_refused_in_french(hostile, capsys, tmp_path, argv, expected):
    err = _refused([a.format(**hostile) for a in argv], capsys, tmp_path)
    assert expected in err


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("surrogate", "demi-caractère Unicode isolé"),
        ("nul", "« name » contient un caractère invisible ou de contrôle (U+0000)"),
        ("truncated", "JSON illisible à la ligne 1, colonne 31"),
        ("long_integer", "nombre trop long"),
    ],
)
def test_hostile_scenario_json_is_refused_in_french(hostile, capsys, tmp_path, case, expected):
    argv = ["scenario", "--db", str(hostile["db"]), "import", str(hostile[case])]
    err = _refused(argv, capsys, tmp_path)
    assert expected in err
    assert "Expecting" not in err and "Exceeds" not in err
    assert not hostile["db"].exists()


@pytest.mark.parametrize("db", ["/dev/null", "{fifo}"])
def test_special_file_is_not_a_scenario_store(hostile, capsys, tmp_path, db):
    for action in (["list"], ["show", "x"]):
        err = _refused(["scenario", "--db", db.format(**hostile), *action], capsys, tmp_path)
        assert "n'est pas un fichier ordinaire" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--pbf", "{fifo}"], "« tube » n'est pas un fichier ordinaire"),
        (["--pbf", "/dev/zero"], "« zero » n'est pas un fichier ordinaire"),
        (["--pbf", "{folder}"], "« dossier » est un dossier"),
        (["--pbf", "{folder}/absent.osm.pbf"], "« absent.osm.pbf » introuvable"),
        (["--pbf", "{garbage}", "--area", "{fifo}"], "« tube » n'est pas un fichier ordinaire"),
        (["--pbf", "{garbage}"], "Fichier OSM illisible ou corrompu"),
        (["--pbf", "{garbage}", "--area", "{garbage}"], "Fichier de zone illisible"),
    ],
)
def test_network_build_files_refused_at_once(hostile, capsys, tmp_path, argv, expected):
    def blocked(*_):
        raise TimeoutError("the build blocked on a special file")

    # A FIFO used to block the build forever: fail instead of hanging the suite.
    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)
    start = time.monotonic()
    try:
        err = _refused(
            [
                "network",
                "build",
                *[a.format(**hostile) for a in argv],
                "--output-dir",
                str(tmp_path),
            ],
            capsys,
            tmp_path,
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < 1.0
    assert expected in err and "Could not" not in err and "codec" not in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["diagnose", "--threshold", "abc"], "option --threshold : valeur 'abc' illisible"),
        (["export", "--what", "nope"], "option --what : 'nope' inconnu (choix possibles :"),
        (["scenario", "show"], "arguments obligatoires manquants : name"),
        (["diagnose", "--bogus"], "arguments non reconnus : --bogus"),
        (["network", "build"], "une des options --pbf --download est obligatoire"),
    ],
)
def test_usage_errors_are_french(capsys, argv, expected):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert expected in err.splitlines()[-1] and "error:" not in err
