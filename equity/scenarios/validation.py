"""Reading scenario JSON: one strict validator that lists every problem found.

The same checks guard files, uploads and payloads read back from the database, so
hostile or damaged input gives one French :class:`geo.errors.DataValidationError`,
never a traceback: sizes and nesting are bounded before parsing, types are exact
(no boolean read as a number, no ``"false"`` read as true), numbers are finite and
plausible, and sites lie within :data:`geo.defaults.BORDER_KM` of the territory.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from equity.scenarios.model import (
    FORMAT_VERSION,
    Scenario,
    SiteChanges,
    _is_number,
    _short,
    parameters_from_dict,
)
from geo import defaults, settings
from geo.errors import ProblemCollector
from geo.formatting import format_number_fr
from geo.sites import SITE_TYPES
from geo.territory import Territory

__all__ = [
    "check_against_territory",
    "read_scenario_json",
    "scenario_from_dict",
    "scenario_from_json",
]

_TO_WORK = pyproj.Transformer.from_crs(settings.LONLAT_CRS, settings.WORK_CRS, always_xy=True)
#: Without a territory, points are checked against this box (degrees): Sarthe's
#: bounding box widened by the border distance, so that no point a territory check
#: accepts is refused here.
_KM_PER_DEGREE_LAT = 111.32
_BOX_MARGIN_LAT = defaults.BORDER_KM / _KM_PER_DEGREE_LAT
_BOX_MARGIN_LON = defaults.BORDER_KM / (_KM_PER_DEGREE_LAT * math.cos(math.radians(48.0)))
_FALLBACK_LON = (-0.5 - _BOX_MARGIN_LON, 0.97 + _BOX_MARGIN_LON)
_FALLBACK_LAT = (47.5 - _BOX_MARGIN_LAT, 48.55 + _BOX_MARGIN_LAT)
_INSEE_CODE = re.compile(r"(?:\d{5}|2[AB]\d{3})")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_MAX_ADVISORS_PER_SITE = 100.0
_ID_LISTS = ("removed", "forced", "excluded")
_SITE_LISTS = (
    ("added", ("site_id", "name", "site_type", "lon", "lat")),
    ("moved", ("site_id", "lon", "lat")),
)
_RESULT_TABLES = ("headline", "coverage", "travel_time_min")


# --- parsing --------------------------------------------------------------------------------


def scenario_from_json(
    text: str | bytes, source: str = "scénario", territory: Territory | None = None
) -> Scenario:
    """Parse and validate scenario JSON text (a file, an upload or a stored payload).

    Raises
    ------
    geo.errors.DataValidationError
        Listing every problem; too large, too deeply nested or malformed text is
        refused before or while parsing.
    """
    problems = ProblemCollector(source)
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > defaults.SCENARIO_MAX_JSON_BYTES:
        problems.add(
            "too_large",
            f"scénario trop volumineux ({size / 1e6:.1f} Mo ; au plus "
            f"{defaults.SCENARIO_MAX_JSON_BYTES / 1e6:.0f} Mo).",
        )
        problems.raise_if_any()
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add("malformed_json", "fichier illisible : il n'est pas encodé en UTF-8.")
        problems.raise_if_any()
    if _nesting_depth(text) > defaults.SCENARIO_MAX_DEPTH:
        problems.add("too_deep", _too_deep_message())
        problems.raise_if_any()
    try:
        data = json.loads(text.lstrip("\ufeff"), parse_constant=_refuse_constant)
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers too long to read
        problems.add("malformed_json", f"JSON illisible : {_short(str(exc))}.")
        problems.raise_if_any()
    return scenario_from_dict(data, source, territory)


def read_scenario_json(path: Path | str, territory: Territory | None = None) -> Scenario:
    """Read and validate a scenario exported as JSON (against ``territory`` if given)."""
    path = Path(path)
    problems = ProblemCollector(path.name)
    # A FIFO or a device would block or never end: only regular files are read.
    if not path.exists():
        problems.add("not_found", f"le fichier « {path.name} » n'existe pas.")
    elif not path.is_file():
        problems.add("not_a_file", f"« {path.name} » n'est pas un fichier.")
    elif path.stat().st_size > defaults.SCENARIO_MAX_JSON_BYTES:
        problems.add(
            "too_large",
            f"fichier trop volumineux (au plus {defaults.SCENARIO_MAX_JSON_BYTES / 1e6:.0f} Mo).",
        )
    problems.raise_if_any()
    try:
        text = path.read_bytes()
    except OSError as exc:
        problems.add("unreadable", f"fichier illisible ({exc.strerror}).")
        problems.raise_if_any()
    return scenario_from_json(text, path.name, territory)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"valeur non finie {name} refusée")


def _nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting of JSON text, strings ignored (no recursion)."""
    brackets = re.sub(r"[^\[\]{}]", "", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _object_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether an already parsed object nests deeper than ``limit`` (no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep_message() -> str:
    return (
        f"structure trop imbriquée (au plus {defaults.SCENARIO_MAX_DEPTH} niveaux de "
        "listes ou d'objets)."
    )


# --- the scenario object --------------------------------------------------------------------


def scenario_from_dict(
    data: Any, source: str = "scénario", territory: Territory | None = None
) -> Scenario:
    """Validate a scenario JSON object, listing every problem found.

    Scenarios of format 1 (``"schema": 1`` or no version) are migrated. With
    ``territory``, unknown site ids and commune codes are listed too, and sites
    farther than :data:`geo.defaults.BORDER_KM` outside the territory are refused
    (without it, a box around Sarthe widened by that distance is checked).

    Raises
    ------
    geo.errors.DataValidationError
    """
    problems = ProblemCollector(source)
    if not isinstance(data, dict):
        problems.add("not_an_object", "le fichier doit contenir un objet JSON (un scénario).")
        problems.raise_if_any()
    if _object_depth_exceeds(data, defaults.SCENARIO_MAX_DEPTH):
        problems.add("too_deep", _too_deep_message())
        problems.raise_if_any()
    version = _format_version(data, problems)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("missing_value", "le scénario doit avoir un nom (« name »).")
        name = ""
    texts = {
        "name": (name, defaults.SCENARIO_MAX_NAME_CHARS),
        "author": (data.get("author"), defaults.SCENARIO_MAX_NAME_CHARS),
        "note": (data.get("note"), defaults.SCENARIO_MAX_NOTE_CHARS),
        "created_at": (data.get("created_at"), 64),
    }
    for key, (value, limit) in texts.items():
        _check_text(key, value, limit, problems)
    stored_version = data.get("version")
    if stored_version is not None and not (
        isinstance(stored_version, int) and not isinstance(stored_version, bool)
    ):
        problems.add("bad_type", f"« version » doit être un entier : {_short(stored_version)}.")
    parameters = parameters_from_dict(data.get("parameters", {}), version, problems=problems)
    changes = _read_changes(data.get("changes", {}), problems, check_box=territory is None)
    results = data.get("results", {})
    _check_results(results, problems)
    if territory is not None:
        _territory_problems(changes, territory, problems)
    problems.raise_if_any()
    return Scenario(
        name=name.strip(),
        parameters=parameters,
        changes=SiteChanges(**changes),
        results=results,
        author=data.get("author") or "",
        note=data.get("note") or "",
        version=stored_version,
        created_at=data.get("created_at"),
    )


def _format_version(data: dict[str, Any], problems: ProblemCollector) -> int:
    """Format of a scenario object: ``format_version``, else ``schema`` 1, else 1."""
    version = data["format_version"] if "format_version" in data else data.get("schema", 1)
    if (
        isinstance(version, int)
        and not isinstance(version, bool)
        and 1 <= version <= FORMAT_VERSION
    ):
        return version
    problems.add("schema", f"version de format {_short(version)} non prise en charge.")
    return FORMAT_VERSION


def _check_text(key: str, value: Any, limit: int, problems: ProblemCollector) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        problems.add("bad_type", f"« {key} » doit être un texte : {_short(value)}.")
    elif len(value) > limit:
        problems.add(
            "too_long", f"« {key} » trop long ({len(value)} caractères ; au plus {limit})."
        )


# --- site changes ---------------------------------------------------------------------------


def _read_changes(raw: Any, problems: ProblemCollector, check_box: bool) -> dict[str, list]:
    """The checked lists of ``changes`` (an invalid list is kept empty)."""
    if not isinstance(raw, dict):
        problems.add("bad_type", "« changes » doit être un objet.")
        raw = {}
    changes: dict[str, list] = {}
    for key in _ID_LISTS:
        values = raw.get(key, [])
        if (
            not isinstance(values, list)
            or len(values) > defaults.SCENARIO_MAX_SITES
            or not all(_is_id(v) for v in values)
        ):
            problems.add("bad_type", f"« changes.{key} » doit être une liste d'identifiants.")
            values = []
        changes[key] = values
    for key, required in _SITE_LISTS:
        values = raw.get(key, [])
        if not isinstance(values, list) or len(values) > defaults.SCENARIO_MAX_SITES:
            problems.add(
                "bad_type",
                f"« changes.{key} » doit être une liste (au plus "
                f"{defaults.SCENARIO_MAX_SITES} lieux).",
            )
            values = []
        for i, item in enumerate(values, start=1):
            _check_site(f"changes.{key}", i, item, required, problems, check_box)
        changes[key] = values
    ids = [a.get("site_id") for a in changes["added"] if isinstance(a, dict)]
    ids = [i for i in ids if isinstance(i, str)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.add("duplicate_id", f"identifiants ajoutés en double : {', '.join(duplicates)}.")
    unknown = sorted(set(raw) - {*_ID_LISTS, *(key for key, _ in _SITE_LISTS)}, key=str)
    for key in unknown:
        problems.add("unknown_key", f"« changes » : liste inconnue « {_short(key)} ».")
    return changes


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= defaults.SCENARIO_MAX_NAME_CHARS


def _check_site(
    where: str,
    i: int,
    item: Any,
    required: tuple[str, ...],
    problems: ProblemCollector,
    check_box: bool,
) -> None:
    """Problems of one added or moved site."""
    if not isinstance(item, dict):
        problems.add("bad_type", f"« {where} » n°{i} n'est pas un objet.")
        return
    missing = [k for k in required if k not in item]
    if missing:
        problems.add("missing_column", f"« {where} » n°{i} : champ(s) manquant(s) {missing}.")
        return
    if not _is_id(item["site_id"]):
        problems.add(
            "bad_type", f"« {where} » n°{i} : identifiant invalide {_short(item['site_id'])}."
        )
    lon, lat = item["lon"], item["lat"]
    if not all(_is_number(v) and math.isfinite(v) for v in (lon, lat)):
        problems.add("not_a_number", f"« {where} » n°{i} : lon/lat non numériques.")
    elif check_box and not (
        _FALLBACK_LON[0] < lon < _FALLBACK_LON[1] and _FALLBACK_LAT[0] < lat < _FALLBACK_LAT[1]
    ):
        problems.add("outside_area", f"« {where} » n°{i} : point ({lon}, {lat}) hors de la Sarthe.")
    advisors = item.get("n_advisors")
    if advisors is not None and not (
        _is_number(advisors) and math.isfinite(advisors) and 0 <= advisors <= _MAX_ADVISORS_PER_SITE
    ):
        problems.add(
            "bad_value",
            f"« {where} » n°{i} : nombre de conseillers invalide ({_short(advisors)} ; de 0 "
            f"à {_MAX_ADVISORS_PER_SITE:g}).",
        )
    code = item.get("code_insee")
    if code is not None and not (isinstance(code, str) and _INSEE_CODE.fullmatch(code)):
        problems.add("unknown_code", f"« {where} » n°{i} : code INSEE invalide ({_short(code)}).")
    if "site_type" in required and not (
        isinstance(item["site_type"], str) and item["site_type"] in SITE_TYPES
    ):
        problems.add(
            "unknown_type", f"« {where} » n°{i} : type inconnu {_short(item['site_type'])}."
        )
    if "name" in required:
        _check_text(f"{where} n°{i} name", item["name"], defaults.SCENARIO_MAX_NAME_CHARS, problems)
    checked = {*required, "n_advisors", "code_insee"}
    for key, value in item.items():
        if key not in checked and not _is_scalar(value):
            problems.add("bad_type", f"« {where} » n°{i} : « {_short(key)} » n'est pas une valeur.")


def _is_scalar(value: Any) -> bool:
    """A JSON scalar of bounded size: a short text, a finite number, a boolean or null."""
    if isinstance(value, str):
        return len(value) <= defaults.SCENARIO_MAX_NOTE_CHARS
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool | int)


# --- results --------------------------------------------------------------------------------


def _check_results(results: Any, problems: ProblemCollector) -> None:
    """Stored figures must be the numbers :func:`evaluate` writes, nothing else."""
    if not isinstance(results, dict):
        problems.add("bad_type", "« results » doit être un objet.")
        return
    tables = {key: results[key] for key in _RESULT_TABLES if key in results}
    if "by_epci" in results:
        by_epci = results["by_epci"]
        ok = isinstance(by_epci, dict) and all(isinstance(r, dict) for r in by_epci.values())
        if not ok:
            problems.add("bad_type", "« results.by_epci » doit associer un objet à chaque EPCI.")
            return
        tables |= {f"by_epci.{name}": row for name, row in by_epci.items()}
    for key, table in tables.items():
        if not isinstance(table, dict) or not all(
            v is None or (_is_number(v) and math.isfinite(v)) for v in table.values()
        ):
            problems.add("bad_value", f"« results.{_short(key)} » doit contenir des nombres.")


# --- against the territory ------------------------------------------------------------------


def _territory_problems(
    changes: Mapping[str, Any], territory: Territory, problems: ProblemCollector
) -> None:
    """Ids, codes and points of ``changes`` that do not belong to the territory."""
    known = set(territory.sites["site_id"])
    added_ids = {a.get("site_id") for a in changes.get("added", []) if isinstance(a, dict)}
    for key in _ID_LISTS:
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
    _far_points(changes, territory, problems)


def _far_points(
    changes: Mapping[str, Any], territory: Territory, problems: ProblemCollector
) -> None:
    """Sites farther than the border distance outside the territory's outline."""
    points = [
        (key, i, item["lon"], item["lat"])
        for key, _ in _SITE_LISTS
        for i, item in enumerate(changes.get(key, []), start=1)
        if isinstance(item, dict)
        and all(_is_number(item.get(c)) and math.isfinite(item[c]) for c in ("lon", "lat"))
    ]
    if not points:
        return
    outline = territory.departement.geometry.union_all()
    x, y = _TO_WORK.transform([p[2] for p in points], [p[3] for p in points])
    distance_km = shapely.distance(outline, shapely.points(x, y)) / 1000.0
    for (key, i, lon, lat), km in zip(points, distance_km, strict=True):
        if km > defaults.BORDER_KM:
            problems.add(
                "outside_area",
                f"« changes.{key} » n°{i} : point ({lon}, {lat}) à {format_number_fr(km, 1)} km "
                f"hors de la Sarthe (au plus {defaults.BORDER_KM:g} km).",
            )


def check_against_territory(scenario: Scenario, territory: Territory) -> None:
    """Check a scenario's ids, codes and points against the territory, listing every problem.

    Raises
    ------
    geo.errors.DataValidationError
    """
    problems = ProblemCollector(scenario.name)
    _territory_problems(scenario.changes.to_dict(), territory, problems)
    problems.raise_if_any()
