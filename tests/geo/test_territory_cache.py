"""A damaged or implausible territory cache is rebuilt, never used (issue 16 #5)."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from geo.territory import cache_key, load_territory
from geo.territory.cache import read_cache, write_cache

POPULATION = 566_733


@pytest.fixture
def cached(territory, tmp_path):
    """The real territory written in a fresh cache folder, and that folder."""
    assert territory.cache_key == cache_key()
    write_cache(territory, tmp_path)
    return tmp_path / "territory" / territory.cache_key


def assert_rebuilt(directory, folder, caplog, reason: str) -> None:
    """The cache is refused for ``reason``, then load_territory rebuilds a sound one."""
    with caplog.at_level(logging.WARNING, logger="geo.territory.cache"):
        assert read_cache(folder.name, directory) is None
    assert reason in caplog.text
    assert not folder.exists()
    rebuilt = load_territory(directory=directory)
    assert len(rebuilt.communes) == 352
    assert rebuilt.communes["population"].sum() == POPULATION
    assert read_cache(folder.name, directory) is not None


def rewrite_meta(folder, **changes) -> None:
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    (folder / "meta.json").write_text(json.dumps({**meta, **changes}), "utf-8")


def test_sound_cache_is_used(territory, cached, tmp_path):
    meta = json.loads((cached / "meta.json").read_text("utf-8"))
    assert meta["n_communes"] == 352 and meta["population"] == POPULATION
    assert set(meta["checksums"]) == {"communes", "epci", "departement", "sites", "status"}
    loaded = read_cache(territory.cache_key, tmp_path)
    assert loaded.communes.equals(territory.communes)
    assert loaded.warnings == territory.warnings


def test_ten_row_territory_is_rebuilt(territory, tmp_path, caplog):
    # Written by the cache writer itself: checksums and counts agree, the raw file does not.
    truncated = dataclasses.replace(
        territory,
        communes=territory.communes.head(10),
        status=territory.status.head(10),
    )
    write_cache(truncated, tmp_path)
    folder = tmp_path / "territory" / territory.cache_key
    assert_rebuilt(tmp_path, folder, caplog, "10 communes au lieu de 352")


def test_zero_population_is_rebuilt(territory, tmp_path, caplog):
    communes = territory.communes.copy()
    communes["population"] = 0
    write_cache(dataclasses.replace(territory, communes=communes), tmp_path)
    folder = tmp_path / "territory" / territory.cache_key
    assert_rebuilt(tmp_path, folder, caplog, "population 0 au lieu de 566733")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"warnings": "une seule chaîne"}, "avertissements mal formés"),
        ({"vintages": {"fibre": 2018}}, "millésimes mal formés"),
        ({"sources": ["communes"]}, "sources mal formées"),
        ({"population": "566733"}, "« population » mal formé"),
        ({"n_communes": True}, "« n_communes » mal formé"),
        ({"checksums": {}}, "sommes de contrôle mal formées"),
        ({"schema": 1}, "meta.json d'un autre format"),
    ],
)
def test_wrong_meta_types_are_rebuilt(cached, tmp_path, caplog, changes, reason):
    rewrite_meta(cached, **changes)
    assert_rebuilt(tmp_path, cached, caplog, reason)


def test_meta_json_that_is_not_json_is_rebuilt(cached, tmp_path, caplog):
    (cached / "meta.json").write_text("{ pas du json", "utf-8")
    assert_rebuilt(tmp_path, cached, caplog, "fichier illisible")


def test_replaced_table_fails_its_checksum(territory, cached, tmp_path, caplog):
    # A valid parquet file, but not the one the checksums describe.
    territory.sites.head(3).to_parquet(cached / "sites.parquet")
    assert_rebuilt(tmp_path, cached, caplog, "somme de contrôle de sites.parquet incorrecte")


def test_cache_key_covers_every_module_the_build_imports():
    # Review: the site-name code moved to geo/site_tables.py, which the key did not read,
    # so a change to how names are written kept serving the old names from the cache.
    import subprocess
    import sys

    from geo.territory.cache import _input_files

    listed = {str(p) for p in _input_files()}
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, geo.territory.build\n"
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if n.startswith('geo.') and getattr(m, '__file__', None)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    missing = sorted(f for f in loaded if f not in listed)
    assert loaded and not missing
