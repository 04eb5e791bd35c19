"""The scenario store: immutable scenario versions in one SQLite file.

Saving adds a version, nothing is updated in place, so sessions saving at once all
keep their work. Each operation opens its own connection and always closes it (a
``with`` on a sqlite3 connection only commits); the file is only ever opened through
SQLite, since any other ``open``/``close`` of it drops the locks SQLite holds for
this process. Writes run in ``BEGIN IMMEDIATE`` transactions in WAL mode with a busy
timeout; reads open the file read-only and never create it. A file is adopted only
when it is empty or carries Maillage's own ``application_id`` and tables; anything
else, and any failure (read-only file or folder, full disk, damage), is reported in
French with :class:`ScenarioStoreError` and leaves the file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from equity.scenarios.model import Scenario
from equity.scenarios.validation import scenario_from_json
from geo import defaults, settings
from geo.jsonio import dumps_strict

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "ScenarioStore",
    "ScenarioStoreError",
    "default_store_path",
]

#: ``PRAGMA user_version`` of the database tables.
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of Maillage databases ("MLLG").
APPLICATION_ID = 0x4D4C4C47

_LISTING_COLUMNS = ["name", "versions", "created_at", "updated_at", "author", "note"]
_READ_ONLY_CODES = {
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PERM,
    sqlite3.SQLITE_AUTH,
}
_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


class ScenarioStoreError(RuntimeError):
    """The scenario database cannot be used (foreign, damaged, read-only, full); French."""


def default_store_path() -> Path:
    """Scenario database under the processed-data folder."""
    return settings.PROCESSED_DIR / "scenarios.sqlite"


class ScenarioStore:
    """Scenario versions in SQLite (one file, safe for concurrent sessions).

    Parameters
    ----------
    path : Path, optional
        Database file; :func:`default_store_path` by default. Created by the first
        save; refused with :class:`ScenarioStoreError` when it is not a Maillage
        database or is damaged. Creating the store never writes.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._check_existing()

    # --- connections ------------------------------------------------------------------------

    def _exists(self) -> bool:
        if self.path.is_dir():
            raise ScenarioStoreError(
                f"« {self.path.name} » est un dossier, pas une base de scénarios ; "
                "choisissez un fichier."
            )
        if self.path.exists() and not self.path.is_file():
            # /dev/null or a FIFO would swallow saves that are then reported as made.
            raise ScenarioStoreError(
                f"« {self.path.name} » n'est pas un fichier ordinaire (tube ou périphérique), "
                "pas une base de scénarios ; choisissez un fichier."
            )
        return self.path.exists() and self.path.stat().st_size > 0

    def _connect(self, read_only: bool) -> sqlite3.Connection:
        """A new connection; read-only ones cannot create or change the file."""
        timeout = defaults.SCENARIO_STORE_BUSY_TIMEOUT_S
        if not read_only:
            return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        try:
            db.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError as exc:
            db.close()
            # Reading a WAL database needs its -shm file: in a read-only folder where it
            # cannot be created, nobody can write either, so the file is read as it is.
            if exc.sqlite_errorcode & 0xFF not in _READ_ONLY_CODES or os.access(
                self.path.parent, os.W_OK
            ):
                raise
            db = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
        return db

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection, or ``None`` while the database does not exist."""
        if not self._exists():
            yield None
            return
        db = None
        try:
            db = self._connect(read_only=True)
            yield db
        except sqlite3.Error as exc:
            raise self._error(exc, writing=False) from exc
        finally:
            if db is not None:
                db.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """An ``IMMEDIATE`` transaction on an adopted database, committed or rolled back."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._os_error(exc) from exc
        db = None
        try:
            db = self._connect(read_only=False)
            if _is_maillage(db):
                _switch_to_wal(db)
            db.execute("BEGIN IMMEDIATE")
            self._adopt(db)
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(db)
            raise self._error(exc, writing=True) from exc
        except BaseException:
            _rollback(db)
            raise
        finally:
            if db is not None:
                db.close()

    # --- checks -----------------------------------------------------------------------------

    def _check_existing(self) -> None:
        """Refuse an existing file that is not a sound Maillage database (read-only)."""
        if not self._exists():
            return
        with self._reading() as db:
            if not _is_maillage(db):
                raise self._foreign()
            check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ScenarioStoreError(
                f"La base de scénarios « {self.path.name} » est endommagée ({check}). Elle "
                "n'a pas été modifiée : restaurez une sauvegarde."
            )

    def _adopt(self, db: sqlite3.Connection) -> None:
        """Create the tables in an empty file; refuse any other foreign file.

        Runs under the write lock, so two sessions creating the same file cannot both
        create it, and a file created by another program in the meantime is refused.
        """
        if _is_maillage(db):
            return
        # An empty file is what SQLite leaves when it creates one (stat opens nothing,
        # so SQLite's locks are kept); any SQLite content not ours is refused.
        if self.path.stat().st_size > 0:
            raise self._foreign()
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute(
            "CREATE TABLE versions ("
            " name TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL,"
            " author TEXT NOT NULL, note TEXT NOT NULL, payload TEXT NOT NULL,"
            " PRIMARY KEY (name, version))"
        )
        # Versions are history: the database itself refuses to rewrite them.
        db.execute(
            "CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions "
            "BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END"
        )

    def _foreign(self) -> ScenarioStoreError:
        return ScenarioStoreError(
            f"« {self.path.name} » est une base SQLite d'une autre application (ou vide), pas "
            "une base de scénarios Maillage. Elle n'a pas été modifiée ; choisissez un autre "
            "chemin pour les scénarios."
        )

    def _error(self, exc: sqlite3.Error, writing: bool) -> ScenarioStoreError:
        """The French message of a SQLite failure; nothing was written by the operation."""
        name = self.path.name
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        kept = (
            " Le scénario n'a pas été enregistré ; les versions déjà enregistrées sont intactes."
            if writing
            else " Les versions enregistrées sont intactes."
        )
        if code == sqlite3.SQLITE_NOTADB:
            return ScenarioStoreError(
                f"« {name} » n'est pas une base de scénarios Maillage (ce n'est pas un fichier "
                "SQLite). Il n'a pas été modifié ; choisissez un autre chemin."
            )
        if code == sqlite3.SQLITE_CORRUPT:
            return ScenarioStoreError(
                f"La base de scénarios « {name} » est endommagée ({exc}). Elle n'a pas été "
                "modifiée : restaurez une sauvegarde."
            )
        if code in _READ_ONLY_CODES:
            return ScenarioStoreError(
                f"La base de scénarios « {name} » ou son dossier est en lecture seule ou "
                f"inaccessible.{kept} Demandez les droits d'écriture ou choisissez un autre "
                "chemin."
            )
        if code == sqlite3.SQLITE_FULL:
            return ScenarioStoreError(f"Le disque de la base « {name} » est plein.{kept}")
        if code in _BUSY_CODES:
            return ScenarioStoreError(
                f"La base « {name} » est occupée par un autre enregistrement depuis plus de "
                f"{defaults.SCENARIO_STORE_BUSY_TIMEOUT_S:g} s.{kept} Réessayez."
            )
        return ScenarioStoreError(f"La base « {name} » est inutilisable ({exc}).{kept}")

    def _os_error(self, exc: OSError) -> ScenarioStoreError:
        if exc.errno == errno.ENOSPC:
            return ScenarioStoreError(
                f"Le disque du dossier « {self.path.parent.name} » est plein : le scénario "
                "n'a pas été enregistré."
            )
        if exc.errno in _READ_ONLY_ERRNOS:
            return ScenarioStoreError(
                f"Le dossier « {self.path.parent.name} » est en lecture seule : le scénario "
                "n'a pas été enregistré. Demandez les droits d'écriture ou choisissez un "
                "autre chemin."
            )
        return ScenarioStoreError(
            f"Le dossier de la base « {self.path.name} » est inutilisable ({exc.strerror}) : "
            "le scénario n'a pas été enregistré."
        )

    # --- operations -------------------------------------------------------------------------

    def save(self, scenario: Scenario) -> Scenario:
        """Store a new version of ``scenario`` and return it with its version number.

        A scenario identical to its latest version (same parameters, site changes,
        author and note) is not stored again: that version is returned, so saving or
        importing twice makes no empty version. The payload is checked by the same
        validator as imports before anything is written
        (:class:`geo.errors.DataValidationError` when it is refused).
        """
        if not scenario.name.strip():
            raise ValueError("Un scénario doit avoir un nom.")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._writing() as db:
            row = _latest(db, scenario.name)
            if row is not None and _same_content(json.loads(row[1]), scenario):
                return scenario_from_json(row[1], scenario.name)
            saved = replace(scenario, version=(row[0] if row else 0) + 1, created_at=now)
            payload = dumps_strict(saved.to_dict(), indent=None)
            scenario_from_json(payload, saved.name)
            db.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)",
                (saved.name, saved.version, now, saved.author, saved.note, payload),
            )
        return saved

    def unchanged_version(self, scenario: Scenario) -> int | None:
        """The latest version of ``scenario.name`` when it holds the same content, else None."""
        with self._reading() as db:
            row = None if db is None or not _is_maillage(db) else _latest(db, scenario.name)
        if row is None or not _same_content(json.loads(row[1]), scenario):
            return None
        return int(row[0])

    def list(self) -> pd.DataFrame:
        """One row per scenario: latest version, first and last save, author, note."""
        with self._reading() as db:
            rows = (
                []
                if db is None
                else db.execute(
                    "SELECT v.name, v.version, f.first, f.last, v.author, v.note FROM versions v "
                    "JOIN (SELECT name, MAX(version) AS latest, MIN(created_at) AS first,"
                    " MAX(created_at) AS last FROM versions GROUP BY name) f"
                    " ON v.name = f.name AND v.version = f.latest "
                    "ORDER BY f.last DESC, v.name"
                ).fetchall()
            )
        return pd.DataFrame(rows, columns=_LISTING_COLUMNS)

    def load(self, name: str, version: int | None = None) -> Scenario:
        """A stored version (the latest by default).

        Raises
        ------
        KeyError
            No such scenario or version (French message listing the scenarios).
        geo.errors.DataValidationError
            The stored payload does not pass the scenario validator (tampered).
        """
        with self._reading() as db:
            row = None
            if db is not None:
                row = db.execute(
                    "SELECT version, created_at, payload FROM versions WHERE name = ?"
                    " AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
                    (name, version, version),
                ).fetchone()
        if row is None:
            known = ", ".join(self.list()["name"]) or "aucun"
            which = f" (version {version})" if version is not None else ""
            raise KeyError(f"Scénario « {name} »{which} introuvable ; scénarios : {known}.")
        stored_version, created_at, payload = row
        label = f"base de scénarios, « {name} » version {stored_version}"
        scenario = scenario_from_json(payload, label)
        # The table's columns, not the payload, say which version this is.
        return replace(scenario, name=name, version=stored_version, created_at=created_at)

    def history(self, name: str) -> pd.DataFrame:
        """Every version of one scenario, oldest first."""
        with self._reading() as db:
            rows = (
                []
                if db is None
                else db.execute(
                    "SELECT version, created_at, author, note FROM versions WHERE name = ? "
                    "ORDER BY version",
                    (name,),
                ).fetchall()
            )
        return pd.DataFrame(rows, columns=["version", "created_at", "author", "note"])


def _is_maillage(db: sqlite3.Connection) -> bool:
    """Whether the database carries Maillage's application id and its versions table."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return app_id == APPLICATION_ID and "versions" in tables


#: What makes two versions the same scenario (results follow from them; the name is
#: the key; version and date are the store's).
_CONTENT_KEYS = ("parameters", "changes", "author", "note")


def _latest(db: sqlite3.Connection, name: str) -> tuple[int, str] | None:
    """Version number and payload of the latest version of ``name``."""
    return db.execute(
        "SELECT version, payload FROM versions WHERE name = ? ORDER BY version DESC LIMIT 1",
        (name,),
    ).fetchone()


def _same_content(stored: dict, scenario: Scenario) -> bool:
    current = json.loads(dumps_strict(scenario.to_dict(), indent=None))
    return all(stored.get(k) == current.get(k) for k in _CONTENT_KEYS)


def _switch_to_wal(db: sqlite3.Connection) -> None:
    """Put an adopted database in WAL mode, so that readers work during a save.

    Switched before the transaction (the mode cannot change inside one). While another
    session holds the write lock SQLite refuses the switch at once, without waiting: the
    save then goes on in the current mode and a later one switches.
    """
    if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    try:
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in _BUSY_CODES:
            raise


def _rollback(db: sqlite3.Connection | None) -> None:
    """Roll back an open transaction; a failure here must not hide the first error."""
    if db is not None and db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
