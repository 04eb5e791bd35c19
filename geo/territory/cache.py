"""The processed territory cache: its key, and a write and a read that never trust garbage.

A cached territory is a folder ``<processed>/territory/<key>/`` of GeoParquet files and a
``meta.json`` holding the vintages, warnings and sources, a SHA-256 checksum of every
file and the figures the territory must show (number of communes, population). It is
written aside and renamed, so a reader never sees half of it. A read checks the
checksums, the types of ``meta.json`` and the invariants against the raw population
file (same communes, same population, nothing empty); a cache that fails any of them is
logged, deleted and rebuilt, never used.

The key hashes every raw file, the building code and the user's files. User files are
hashed only once known to be regular files of acceptable size, opened without blocking:
a missing file, a directory, a FIFO or a device gives a French
:class:`~geo.errors.DataValidationError` at once instead of a hang or a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import cog, defaults, national, settings
from geo.errors import DataValidationError, Problem
from geo.jsonio import dumps_strict
from geo.national.store import read_table
from geo.territory.model import Territory, UserFiles

__all__ = [
    "CACHE_KEEP",
    "CACHE_SCHEMA",
    "cache_key",
    "check_user_files",
    "raise_together",
    "read_cache",
    "write_cache",
]

#: Version of the cache layout (2: checksums and invariants in ``meta.json``; 3: the
#: département, whose code also starts the key).
CACHE_SCHEMA = 3
#: Cached territories kept on disk (older ones are pruned).
CACHE_KEEP = defaults.TERRITORY_CACHE_KEEP

#: Modules whose code shapes the territory (a change rebuilds the cache): every
#: ``geo`` module the build imports (a test checks none is missing).
_CODE_MODULES = (
    "boundaries",
    "cog",
    "csvio",
    "defaults",
    "errors",
    "fibre",
    "formatting",
    "jsonio",
    "national",
    "opening_hours",
    "provenance",
    "settings",
    "site_tables",
    "sites",
    "socio",
    "territory",
    "user_indicators",
)
_FRAMES = ("communes", "epci", "departement", "sites", "status")
_READ_CHUNK_BYTES = 1024 * 1024
_log = logging.getLogger(__name__)


def cache_key(user: UserFiles | None = None, departement: str = defaults.DEPARTEMENT_CODE) -> str:
    """Hash of every input (raw data, user files, options and the building code).

    The key starts with the département code (``72-…``), so the caches of each
    département are told apart and pruned separately.

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is missing, not a regular file, too large or unreadable
        (see :func:`check_user_files`).
    """
    user = user or UserFiles()
    contents = check_user_files(user)
    digest = hashlib.sha256(f"schema={CACHE_SCHEMA};dep={departement}".encode())
    for path in _input_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path, content in contents:
        digest.update(path.name.encode())
        digest.update(content)
    options = json.dumps(
        {"replace_sites": user.replace_sites, "fibre_vintage": user.fibre_vintage}
    ).encode()
    return f"{departement}-{digest.hexdigest()[:16]}{hashlib.sha256(options).hexdigest()[:4]}"


def check_user_files(user: UserFiles) -> list[tuple[Path, bytes]]:
    """Read the user's files safely, refusing any that is not a readable regular file.

    Each file is examined with ``os.stat`` before being opened (so a FIFO or a device is
    never opened), opened with ``O_NONBLOCK`` and read no further than
    :data:`geo.defaults.MAX_USER_FILE_BYTES`.

    Returns
    -------
    list of (Path, bytes)
        Each given file and its content, in the order of :meth:`UserFiles.paths`.

    Raises
    ------
    geo.errors.DataValidationError
        One error listing the problems of every refused file.
    """
    contents: list[tuple[Path, bytes]] = []
    failures: list[DataValidationError] = []
    for label, path in user.labelled_paths():
        content, problem = _read_user_file(label, path)
        if problem is not None:
            failures.append(DataValidationError(path.name, [problem]))
        else:
            contents.append((path, content))
    raise_together(failures)
    return contents


def raise_together(failures: list[DataValidationError]) -> None:
    """Raise one error for one file, or one error listing every file's problems."""
    if len(failures) == 1:
        raise failures[0]
    if failures:
        # combine() keeps each file's true count beyond the problems it kept.
        raise DataValidationError.combine(failures, "fichiers fournis")


def write_cache(territory: Territory, directory: Path | None = None) -> None:
    """Write ``territory`` under its key with checksums, then prune the oldest caches."""
    root = _cache_root(directory)
    root.mkdir(parents=True, exist_ok=True)
    target = root / territory.cache_key
    if target.exists():
        return
    # Written aside then renamed, so a reader never sees a half-written cache.
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        checksums = {}
        for name in _FRAMES:
            getattr(territory, name).to_parquet(tmp / f"{name}.parquet")
            checksums[name] = _file_sha256(tmp / f"{name}.parquet")
        meta = {
            "schema": CACHE_SCHEMA,
            "vintages": territory.vintages,
            "warnings": territory.warnings,
            "sources": territory.sources,
            "checksums": checksums,
            "departement_code": territory.departement_code,
            "departement_name": territory.departement_name,
            "n_communes": len(territory.communes),
            "population": int(territory.communes["population"].sum()),
        }
        (tmp / "meta.json").write_text(dumps_strict(meta, indent=1), "utf-8")
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise
    _prune(root)


def read_cache(key: str, directory: Path | None = None) -> Territory | None:
    """The cached territory of ``key``, or None when absent or failing any check."""
    folder = _cache_root(directory) / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        problem = _meta_problem(meta) or _checksum_problem(folder, meta["checksums"])
        if problem is None:
            frames = {name: _read_frame(folder, name) for name in _FRAMES}
            problem = _invariant_problem(frames, meta)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem = f"fichier illisible ({exc.__class__.__name__})"
    if problem is not None:
        # A damaged cache is rebuilt from the raw files rather than trusted.
        _log.warning("Cache du territoire %s reconstruit : %s.", key, problem)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return Territory(
        **frames,
        vintages=meta["vintages"],
        warnings=meta["warnings"],
        cache_key=key,
        sources=meta["sources"],
        departement_code=meta["departement_code"],
        departement_name=meta["departement_name"],
    )


def _input_files() -> list[Path]:
    """Raw files and building code, in a fixed order."""
    raw = sorted(p for p in settings.RAW_DIR.rglob("*") if p.is_file())
    geo_dir = Path(__file__).resolve().parent.parent
    code: list[Path] = []
    for name in _CODE_MODULES:
        module = geo_dir / f"{name}.py"
        code += [module] if module.is_file() else sorted((geo_dir / name).glob("*.py"))
    return raw + code


def _read_user_file(label: str, path: Path) -> tuple[bytes, Problem | None]:
    """Content of one user file, or the French problem that makes it unusable."""
    name = path.name
    limit = defaults.MAX_USER_FILE_BYTES
    too_large = Problem(
        "file_too_large",
        f"le {label} « {name} » dépasse la limite de {limit // (1024 * 1024)} Mo.",
    )
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return b"", Problem("not_found", f"le {label} « {name} » n'existe pas.")
    except OSError:
        # The OS message is English and quotes the full server path: neither is shown.
        return b"", Problem(
            "unreadable_file",
            f"le {label} « {name} » est inaccessible (chemin invalide, trop long ou droits "
            "insuffisants).",
        )
    if not stat.S_ISREG(info.st_mode):
        return b"", Problem(
            "not_a_file",
            f"« {name} » n'est pas un fichier ordinaire (dossier, tube ou périphérique) : "
            f"indiquez un {label} CSV.",
        )
    if info.st_size > limit:
        return b"", too_large
    try:
        # O_NONBLOCK: should the path become a FIFO after the check, opening it won't hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return b"", Problem("unreadable_file", f"le {label} « {name} » ne peut pas être lu.")
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return b"", Problem("not_a_file", f"« {name} » n'est pas un fichier ordinaire.")
        chunks, size = [], 0
        while chunk := handle.read(_READ_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                return b"", too_large
            chunks.append(chunk)
    return b"".join(chunks), None


def _cache_root(directory: Path | None) -> Path:
    return Path(directory or settings.PROCESSED_DIR) / "territory"


def _prune(root: Path) -> None:
    """Keep the :data:`CACHE_KEEP` most recent caches of each département."""
    by_departement: dict[str, list[Path]] = {}
    for path in root.iterdir():
        if path.is_dir() and not path.name.startswith("."):
            by_departement.setdefault(path.name.split("-")[0], []).append(path)
    for entries in by_departement.values():
        entries.sort(key=lambda p: p.stat().st_mtime)
        for old in entries[:-CACHE_KEEP]:
            shutil.rmtree(old, ignore_errors=True)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _read_frame(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    return pd.read_parquet(path) if name == "status" else gpd.read_parquet(path)


def _is_str_dict(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _meta_problem(meta: object) -> str | None:
    """What is wrong with the types of ``meta.json``, or None."""
    if not isinstance(meta, dict) or meta.get("schema") != CACHE_SCHEMA:
        return "meta.json d'un autre format"
    if not _is_str_dict(meta.get("vintages")):
        return "millésimes mal formés"
    warnings = meta.get("warnings")
    if not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
        return "avertissements mal formés"
    sources = meta.get("sources")
    if not (isinstance(sources, dict) and all(_is_str_dict(v) for v in sources.values())):
        return "sources mal formées"
    checksums = meta.get("checksums")
    if not (_is_str_dict(checksums) and set(checksums) == set(_FRAMES)):
        return "sommes de contrôle mal formées"
    for key in ("departement_code", "departement_name"):
        if not isinstance(meta.get(key), str):
            return f"« {key} » mal formé"
    for key in ("n_communes", "population"):
        if type(meta.get(key)) is not int:
            return f"« {key} » mal formé"
    return None


def _checksum_problem(folder: Path, checksums: dict[str, str]) -> str | None:
    for name, expected in checksums.items():
        if _file_sha256(folder / f"{name}.parquet") != expected:
            return f"somme de contrôle de {name}.parquet incorrecte"
    return None


def _invariant_problem(frames: dict[str, pd.DataFrame], meta: dict) -> str | None:
    """What makes the cached frames disagree with the raw population file, or None."""
    communes, status = frames["communes"], frames["status"]
    if communes.empty or frames["sites"].empty or frames["departement"].empty:
        return "table vide"
    expected = _raw_population(meta["departement_code"])
    if len(communes) != meta["n_communes"] or set(communes.index) != set(expected.index):
        return f"{len(communes)} communes au lieu de {len(expected)}"
    population = communes["population"].reindex(expected.index).to_numpy(float)
    if int(population.sum()) != meta["population"] or not np.array_equal(
        population, expected.to_numpy(float)
    ):
        return f"population {population.sum():.0f} au lieu de {expected.sum()}"
    if not status.index.equals(communes.index):
        return "statuts des valeurs non alignés sur les communes"
    return None


def _raw_population(departement: str) -> pd.Series:
    """Population légale of each commune, from the vendored population file."""
    if departement != settings.DEPARTMENT_CODE:
        code = national.check_departement(departement)
        frame = read_table("population", code, ["code_insee", "population_municipale"])
    else:
        frame = pd.read_csv(cog.POPULATION_FILE, dtype={"code_insee": str})
    return frame.set_index("code_insee")["population_municipale"]
