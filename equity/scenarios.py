"""Scenarios: named site changes and parameters, their results, versions and comparison.

A scenario is stored as immutable versions in an embedded SQLite database: saving
adds a version, nothing is ever updated in place, so two sessions saving at once
both keep their work (each gets its own version number inside an ``IMMEDIATE``
transaction). A file that is not a Maillage scenario database, or a damaged one,
is reported and never overwritten.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from equity.diagnostics import Diagnosis, DiagnosisSettings, diagnose
from equity.offer import Offer, select_offer
from geo import settings
from geo.errors import ProblemCollector
from geo.sites import SITE_COLUMNS, SITE_TYPES, assign_communes
from geo.territory import Territory
from geo.travel_time import TravelModel

SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of Maillage databases ("MLLG").
APPLICATION_ID = 0x4D4C4C47
_SQLITE_HEADER = b"SQLite format 3\x00"
#: Bounding box of Sarthe with a small margin (degrees), for a first check of points.
_SARTHE_LON = (-0.5, 0.97)
_SARTHE_LAT = (47.5, 48.55)
_TO_WORK = pyproj.Transformer.from_crs(settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True)


class ScenarioStoreError(RuntimeError):
    """The scenario database cannot be used (foreign, damaged, locked); French message."""


def default_store_path() -> Path:
    """Scenario database under the processed-data folder."""
    return settings.PROCESSED_DIR / "scenarios.sqlite"


@dataclass(frozen=True)
class SiteChanges:
    """Changes to the existing offer.

    Attributes
    ----------
    added : list of dict
        New sites: ``site_id``, ``name``, ``site_type``, ``code_insee``, ``lon``,
        ``lat``, ``n_advisors``.
    removed : list of str
        Existing site ids taken out.
    moved : list of dict
        ``site_id`` with new ``lon``/``lat``.
    forced, excluded : list of str
        Candidate site ids forced into or kept out of recommendations.
    """

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[dict[str, Any]] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "moved": self.moved,
            "forced": self.forced,
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class Scenario:
    """One version of a scenario.

    ``parameters`` holds the diagnostic/recommendation settings (threshold, offer
    types...), ``results`` the figures computed when it was saved.
    """

    name: str
    parameters: dict[str, Any]
    changes: SiteChanges
    results: dict[str, Any] = field(default_factory=dict)
    author: str = ""
    note: str = ""
    version: int | None = None
    created_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "author": self.author,
            "note": self.note,
            "version": self.version,
            "created_at": self.created_at,
            "parameters": self.parameters,
            "changes": self.changes.to_dict(),
            "results": self.results,
        }


# --- building and evaluating ----------------------------------------------------------------


def diagnosis_settings(parameters: dict[str, Any]) -> DiagnosisSettings:
    """Diagnostic settings stored in a scenario's parameters."""
    return DiagnosisSettings(
        threshold_min=float(parameters.get("threshold_min", 20.0)),
        offer_types=tuple(parameters.get("offer_types", ("cnfs_permanence",))),
        libraries_with_internet_only=bool(parameters.get("libraries_with_internet_only", True)),
    )


def scenario_offer(territory: Territory, scenario: Scenario) -> Offer:
    """The offer of open sites after the scenario's changes."""
    params = diagnosis_settings(scenario.parameters)
    base = select_offer(
        territory.sites,
        params.offer_types,
        params.libraries_with_internet_only,
        removed=tuple(scenario.changes.removed),
    )
    sites = base.sites.drop(columns="advisors")
    for move in scenario.changes.moved:
        if move["site_id"] in sites.index:
            x, y = _TO_WORK.transform(float(move["lon"]), float(move["lat"]))
            sites.loc[move["site_id"], ["lon", "lat"]] = [float(move["lon"]), float(move["lat"])]
            sites.loc[move["site_id"], "geometry"] = gpd.points_from_xy([x], [y])[0]
    if scenario.changes.added:
        added = pd.DataFrame(scenario.changes.added)
        x, y = _TO_WORK.transform(added["lon"].to_numpy(float), added["lat"].to_numpy(float))
        for col in SITE_COLUMNS:
            if col not in added:
                added[col] = None
        added["source"] = added["source"].fillna(f"scénario « {scenario.name} »")
        added_gdf = gpd.GeoDataFrame(
            added[SITE_COLUMNS], geometry=gpd.points_from_xy(x, y), crs=settings.WORK_CRS
        )
        added_gdf.index = added_gdf["site_id"].to_numpy()
        sites = pd.concat([sites, added_gdf])
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=settings.WORK_CRS)
    # Moved and added sites belong to the commune (and EPCI) their point falls in.
    sites["code_insee"] = assign_communes(sites, territory.communes, fallback=sites["code_insee"])
    types = tuple(dict.fromkeys([*params.offer_types, *sites["site_type"]]))
    return select_offer(sites.reset_index(drop=True), types, params.libraries_with_internet_only)


def evaluate(
    territory: Territory, scenario: Scenario, model: TravelModel | None = None
) -> tuple[Scenario, Diagnosis]:
    """Compute the scenario's diagnostic and return it with its ``results`` filled."""
    settings = diagnosis_settings(scenario.parameters)
    unchanged = select_offer(
        territory.sites, settings.offer_types, settings.libraries_with_internet_only
    )
    reference = 10_000 * unchanged.n_advisors / float(territory.communes["population"].sum())
    diagnosis = diagnose(
        territory,
        replace(settings, reference_advisors_per_10000=reference),
        offer=scenario_offer(territory, scenario),
        model=model,
    )
    head = diagnosis.headline()
    communes = diagnosis.communes
    results = {
        "travel_model": diagnosis.travel_model.to_dict(),
        "headline": {k: _finite(v) for k, v in head.items()},
        "coverage": {str(k): _finite(v) for k, v in diagnosis.coverage["share_within"].items()},
        "by_epci": {
            name: {
                "advisors": float(row["advisors"]),
                "share_within_threshold": _finite(row["share_within_threshold"]),
                "inhabitants_per_advisor": _finite(row["inhabitants_per_advisor"]),
                "balance": _finite(row["balance"]),
            }
            for name, row in diagnosis.by_epci.iterrows()
        },
        "travel_time_min": {code: _finite(t) for code, t in communes["travel_time_min"].items()},
    }
    return replace(scenario, results=results), diagnosis


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


# --- JSON validation ----------------------------------------------------------------------


def scenario_from_dict(
    data: Any, source: str = "scénario", territory: Territory | None = None
) -> Scenario:
    """Validate a scenario JSON object, listing every problem found.

    With ``territory``, unknown site ids and commune codes are listed too.

    Raises
    ------
    geo.errors.DataValidationError
    """
    problems = ProblemCollector(source)
    if not isinstance(data, dict):
        problems.add("not_an_object", "le fichier doit contenir un objet JSON (un scénario).")
        problems.raise_if_any()
    if data.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        problems.add("schema", f"version de format {data.get('schema')!r} non prise en charge.")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("missing_value", "le scénario doit avoir un nom (« name »).")
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        problems.add("bad_type", "« parameters » doit être un objet.")
        parameters = {}
    threshold = parameters.get("threshold_min", 20)
    if not isinstance(threshold, int | float) or not 0 < threshold <= 180:
        problems.add("bad_value", f"seuil « threshold_min » invalide : {threshold!r}.")
    for site_type in parameters.get("offer_types", []):
        if site_type not in SITE_TYPES:
            problems.add(
                "unknown_type", f"type de lieu inconnu dans « offer_types » : {site_type}."
            )
    raw_changes = data.get("changes", {})
    if not isinstance(raw_changes, dict):
        problems.add("bad_type", "« changes » doit être un objet.")
        raw_changes = {}
    changes = {}
    for key in ("removed", "forced", "excluded"):
        values = raw_changes.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.add("bad_type", f"« changes.{key} » doit être une liste d'identifiants.")
            values = []
        changes[key] = values
    for key, required in (
        ("added", ("site_id", "name", "site_type", "lon", "lat")),
        ("moved", ("site_id", "lon", "lat")),
    ):
        values = raw_changes.get(key, [])
        if not isinstance(values, list):
            problems.add("bad_type", f"« changes.{key} » doit être une liste.")
            values = []
        for i, item in enumerate(values, start=1):
            if not isinstance(item, dict):
                problems.add("bad_type", f"« changes.{key} » n°{i} n'est pas un objet.")
                continue
            missing = [k for k in required if k not in item]
            if missing:
                problems.add(
                    "missing_column", f"« changes.{key} » n°{i} : champ(s) manquant(s) {missing}."
                )
                continue
            lon, lat = item["lon"], item["lat"]
            if not (isinstance(lon, int | float) and isinstance(lat, int | float)):
                problems.add("not_a_number", f"« changes.{key} » n°{i} : lon/lat non numériques.")
            elif not (
                _SARTHE_LON[0] < lon < _SARTHE_LON[1] and _SARTHE_LAT[0] < lat < _SARTHE_LAT[1]
            ):
                problems.add(
                    "outside_area",
                    f"« changes.{key} » n°{i} : point ({lon}, {lat}) hors de la Sarthe.",
                )
            advisors = item.get("n_advisors", 1)
            if advisors is not None and (
                not isinstance(advisors, int | float) or isinstance(advisors, bool) or advisors < 0
            ):
                problems.add(
                    "bad_value",
                    f"« changes.{key} » n°{i} : nombre de conseillers invalide ({advisors!r}).",
                )
            code = item.get("code_insee")
            if code is not None and not (
                isinstance(code, str) and len(code) == 5 and code.isdigit()
            ):
                problems.add(
                    "unknown_code", f"« changes.{key} » n°{i} : code INSEE invalide ({code!r})."
                )
            if key == "added" and item["site_type"] not in SITE_TYPES:
                problems.add(
                    "unknown_type", f"« changes.added » n°{i} : type inconnu {item['site_type']!r}."
                )
        changes[key] = values
    ids = [a.get("site_id") for a in changes.get("added", []) if isinstance(a, dict)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.add("duplicate_id", f"identifiants ajoutés en double : {', '.join(duplicates)}.")
    if territory is not None:
        _territory_problems(changes, territory, problems)
    problems.raise_if_any()
    return Scenario(
        name=name.strip(),
        parameters=parameters,
        changes=SiteChanges(**changes),
        results=data.get("results", {}) if isinstance(data.get("results"), dict) else {},
        author=str(data.get("author", "")),
        note=str(data.get("note", "")),
        version=data.get("version"),
        created_at=data.get("created_at"),
    )


def _territory_problems(
    changes: dict[str, Any], territory: Territory, problems: ProblemCollector
) -> None:
    """Ids and codes of ``changes`` that the territory does not know."""
    known = set(territory.sites["site_id"])
    added_ids = {a.get("site_id") for a in changes.get("added", []) if isinstance(a, dict)}
    for key in ("removed", "forced", "excluded"):
        for site_id in changes.get(key, []):
            if site_id not in known:
                problems.add("unknown_id", f"« changes.{key} » : lieu inconnu « {site_id} ».")
    for i, item in enumerate(changes.get("moved", []), start=1):
        if isinstance(item, dict) and item.get("site_id") not in known | added_ids:
            problems.add(
                "unknown_id", f"« changes.moved » n°{i} : lieu inconnu « {item.get('site_id')} »."
            )
    communes = set(territory.communes.index)
    for i, item in enumerate(changes.get("added", []), start=1):
        code = item.get("code_insee") if isinstance(item, dict) else None
        if isinstance(code, str) and code not in communes:
            problems.add(
                "unknown_code", f"« changes.added » n°{i} : code INSEE {code} hors de la Sarthe."
            )


def check_against_territory(scenario: Scenario, territory: Territory) -> None:
    """Check a scenario's ids and codes against the territory, listing every problem.

    Raises
    ------
    geo.errors.DataValidationError
    """
    problems = ProblemCollector(scenario.name)
    _territory_problems(scenario.changes.to_dict(), territory, problems)
    problems.raise_if_any()


def read_scenario_json(path: Path | str, territory: Territory | None = None) -> Scenario:
    """Read and validate a scenario exported as JSON (against ``territory`` if given)."""
    path = Path(path)
    problems = ProblemCollector(path.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problems.add("not_found", f"le fichier « {path} » n'existe pas.")
        problems.raise_if_any()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add("malformed_json", f"JSON illisible : {exc}.")
        problems.raise_if_any()
    return scenario_from_dict(data, path.name, territory)


# --- the store ----------------------------------------------------------------------------


class ScenarioStore:
    """Scenario versions in SQLite (one file, safe for concurrent sessions).

    Parameters
    ----------
    path : Path, optional
        Database file; :func:`default_store_path` by default. Created when absent;
        refused with :class:`ScenarioStoreError` when it is not a Maillage database
        or is damaged.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._check_file()
        with self._connect() as db:
            self._init_schema(db)

    def _check_file(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        with self.path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise ScenarioStoreError(
                f"« {self.path} » n'est pas une base de scénarios Maillage (ce n'est pas un "
                "fichier SQLite). Il n'a pas été modifié ; choisissez un autre chemin."
            )
        try:
            db = sqlite3.connect(self.path, timeout=10)
            try:
                app_id = db.execute("PRAGMA application_id").fetchone()[0]
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
                check = db.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise ScenarioStoreError(
                f"La base de scénarios « {self.path} » est endommagée ({exc}). Elle n'a pas été "
                "modifiée : restaurez une sauvegarde ou exportez ce qui peut l'être."
            ) from exc
        if app_id != APPLICATION_ID and tables:
            raise ScenarioStoreError(
                f"« {self.path} » est une base SQLite d'une autre application. Elle n'a pas été "
                "modifiée ; choisissez un autre chemin pour les scénarios."
            )
        if check != "ok":
            raise ScenarioStoreError(
                f"La base de scénarios « {self.path} » est endommagée ({check}). Elle n'a pas été "
                "modifiée."
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA foreign_keys = ON")
        return db

    @staticmethod
    def _init_schema(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(
                "CREATE TABLE IF NOT EXISTS versions ("
                " name TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL,"
                " author TEXT NOT NULL, note TEXT NOT NULL, payload TEXT NOT NULL,"
                " PRIMARY KEY (name, version))"
            )
            # Versions are history: the database itself refuses to rewrite them.
            db.execute(
                "CREATE TRIGGER IF NOT EXISTS versions_immutable BEFORE UPDATE ON versions "
                "BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END"
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("PRAGMA journal_mode = WAL")

    def save(self, scenario: Scenario) -> Scenario:
        """Store a new version of ``scenario`` and return it with its version number."""
        if not scenario.name.strip():
            raise ValueError("Un scénario doit avoir un nom.")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            (latest,) = db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM versions WHERE name = ?", (scenario.name,)
            ).fetchone()
            saved = replace(scenario, version=latest + 1, created_at=now)
            db.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)",
                (
                    saved.name,
                    saved.version,
                    now,
                    saved.author,
                    saved.note,
                    json.dumps(saved.to_dict(), ensure_ascii=False),
                ),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return saved

    def list(self) -> pd.DataFrame:
        """One row per scenario: latest version, first and last save, author, note."""
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT name, MAX(version), MIN(created_at), MAX(created_at) FROM versions "
                "GROUP BY name ORDER BY MAX(created_at) DESC, name"
            ).fetchall()
            out = []
            for name, version, created, updated in rows:
                author, note = db.execute(
                    "SELECT author, note FROM versions WHERE name = ? AND version = ?",
                    (name, version),
                ).fetchone()
                out.append(
                    {
                        "name": name,
                        "versions": version,
                        "created_at": created,
                        "updated_at": updated,
                        "author": author,
                        "note": note,
                    }
                )
        finally:
            db.close()
        return pd.DataFrame(
            out, columns=["name", "versions", "created_at", "updated_at", "author", "note"]
        )

    def load(self, name: str, version: int | None = None) -> Scenario:
        """A stored version (the latest by default)."""
        db = self._connect()
        try:
            if version is None:
                row = db.execute(
                    "SELECT payload FROM versions WHERE name = ? ORDER BY version DESC LIMIT 1",
                    (name,),
                ).fetchone()
            else:
                row = db.execute(
                    "SELECT payload FROM versions WHERE name = ? AND version = ?", (name, version)
                ).fetchone()
        finally:
            db.close()
        if row is None:
            known = ", ".join(self.list()["name"]) or "aucun"
            which = f" (version {version})" if version is not None else ""
            raise KeyError(f"Scénario « {name} »{which} introuvable ; scénarios : {known}.")
        return scenario_from_dict(json.loads(row[0]), name)

    def history(self, name: str) -> pd.DataFrame:
        """Every version of one scenario, oldest first."""
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT version, created_at, author, note FROM versions WHERE name = ? "
                "ORDER BY version",
                (name,),
            ).fetchall()
        finally:
            db.close()
        return pd.DataFrame(rows, columns=["version", "created_at", "author", "note"])


# --- comparison ---------------------------------------------------------------------------

_KEY_FIGURES = {
    "share_within_threshold": "Part de la population sous le seuil",
    "need_share_within_threshold": "Part des personnes en besoin sous le seuil",
    "advisors": "Conseillers",
    "inhabitants_per_advisor": "Habitants par conseiller",
    "gini_travel_time": "Gini des temps de trajet",
    "n_underserved_communes": "Communes mal desservies",
}


@dataclass(frozen=True)
class Comparison:
    """Side-by-side comparison of 2–4 evaluated scenarios (the first is the reference)."""

    key_figures: pd.DataFrame
    by_epci: pd.DataFrame
    access_changes: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        def clean(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.reset_index().to_json(orient="records", force_ascii=False))

        return {
            "key_figures": clean(self.key_figures),
            "by_epci": clean(self.by_epci),
            "access_changes": clean(self.access_changes),
        }


def compare(scenarios: list[Scenario], names: dict[str, str] | None = None) -> Comparison:
    """Compare evaluated scenarios: key figures with deltas, per-EPCI, who gains or loses.

    Parameters
    ----------
    scenarios : list of Scenario
        2 to 4 scenarios whose ``results`` are filled (see :func:`evaluate`) and
        computed with the same threshold.
    names : dict, optional
        Commune code → name, to label access changes.

    Returns
    -------
    Comparison
        ``key_figures`` (rows: figures; columns: scenarios then ``Δ <name>`` against
        the first), ``by_epci`` (share within threshold and advisors per scenario),
        ``access_changes`` (communes whose within-threshold status differs from the
        first scenario: ``gains`` or ``loses``, per scenario).
    """
    if not 2 <= len(scenarios) <= 4:
        raise ValueError("Comparez de 2 à 4 scénarios.")
    missing = [s.name for s in scenarios if not s.results]
    if missing:
        raise ValueError(f"Scénario(s) sans résultats calculés : {', '.join(missing)}.")
    thresholds = {float(s.parameters.get("threshold_min", 20)) for s in scenarios}
    if len(thresholds) > 1:
        raise ValueError(
            "Les scénarios comparés doivent utiliser le même seuil de temps de trajet."
        )
    threshold = thresholds.pop()
    labels = [f"{s.name} (v{s.version})" if s.version else s.name for s in scenarios]
    key = pd.DataFrame(
        {
            label: {
                text: s.results["headline"].get(figure) for figure, text in _KEY_FIGURES.items()
            }
            for label, s in zip(labels, scenarios, strict=True)
        }
    )
    for label in labels[1:]:
        key[f"Δ {label}"] = key[label].astype(float) - key[labels[0]].astype(float)
    key.index.name = "indicateur"

    epci_rows = {}
    for label, s in zip(labels, scenarios, strict=True):
        for epci, row in s.results["by_epci"].items():
            epci_rows.setdefault(epci, {})[f"{label} — part sous le seuil"] = row[
                "share_within_threshold"
            ]
            epci_rows[epci][f"{label} — conseillers"] = row["advisors"]
    by_epci = pd.DataFrame.from_dict(epci_rows, orient="index").sort_index()
    by_epci.index.name = "epci"

    reference = pd.Series(scenarios[0].results["travel_time_min"], dtype=float).fillna(np.inf)
    changes = []
    for label, s in zip(labels[1:], scenarios[1:], strict=True):
        times = pd.Series(s.results["travel_time_min"], dtype=float).fillna(np.inf)
        before = reference <= threshold
        after = times.reindex(reference.index) <= threshold
        for code in reference.index[before != after]:
            changes.append(
                {
                    "scenario": label,
                    "code_insee": code,
                    "name": (names or {}).get(code, ""),
                    "change": "gains" if after[code] else "loses",
                    "travel_time_before_min": _finite(reference[code]),
                    "travel_time_after_min": _finite(times.get(code, np.inf)),
                }
            )
    access = pd.DataFrame(
        changes,
        columns=[
            "scenario",
            "code_insee",
            "name",
            "change",
            "travel_time_before_min",
            "travel_time_after_min",
        ],
    )
    return Comparison(key_figures=key, by_epci=by_epci, access_changes=access)
