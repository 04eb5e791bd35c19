"""What a scenario is: its typed parameters, its site changes and one stored version.

Parameters are stored in the scenario JSON with the payload's ``format_version``
(:data:`FORMAT_VERSION`). Scenarios saved before typed parameters (format 1, an
untyped ``parameters`` object and ``"schema": 1``) are read by
:func:`parameters_from_dict` with ``format_version=1``, unchanged in meaning.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from equity.placement import LEGACY_OBJECTIVES, OBJECTIVES
from geo import defaults
from geo.errors import ProblemCollector
from geo.sites import SITE_TYPES

__all__ = [
    "CURRENT_SITUATION",
    "FORMAT_VERSION",
    "Scenario",
    "ScenarioParameters",
    "SiteChanges",
    "current_situation",
    "migrate_parameters_v1",
    "parameters_from_dict",
]

#: Version of the scenario JSON written by this code (``"format_version"``).
FORMAT_VERSION = 2
#: Name of the existing offer without changes, shown as a scenario.
CURRENT_SITUATION = "Situation actuelle"


@dataclass(frozen=True)
class ScenarioParameters(Mapping):
    """Settings a scenario was made and is evaluated with.

    The diagnostic settings (threshold, offer, need weights) decide how the scenario is
    evaluated; the recommendation settings record how a recommended scenario was
    computed and are ``None`` when not recorded (a scenario made by hand, or settings
    that were not stored before format 2).

    The object also reads as a mapping of its stored JSON keys
    (``parameters.get("threshold_min")``, ``dict(parameters)``), as the untyped
    parameters of format 1 did.

    Attributes
    ----------
    threshold_min : float
        Travel-time threshold (minutes), in (0, 180].
    offer_types : tuple of str
        Site types counted as existing help (:data:`geo.sites.SITE_TYPES`).
    libraries_with_internet_only : bool
        Count only libraries with public internet access.
    need_weights : tuple of (str, float) or None
        Full need-index weights (indicator column, weight), sorted by column; ``None``:
        the documented defaults of the territory.
    objective : str or None
        Placement objective (:data:`equity.placement.OBJECTIVES`).
    n_extra : int or None
        Number of new advisors asked for (``extra`` in format 1).
    min_per_epci, max_per_epci : int or None
        Bounds on new sites per EPCI.
    capacity_per_advisor : float or None
        Persons in need one advisor accompanies (``None``: automatic or not recorded).
    cost_per_advisor_eur, cofunding_per_advisor_eur : float or None
        Annual cost and State co-funding of one advisor.
    max_net_budget_eur : float or None
        Largest annual net budget.
    solver_time_limit_s : float or None
        Time budget of the placement solve.
    """

    threshold_min: float = defaults.THRESHOLD_MIN
    offer_types: tuple[str, ...] = defaults.OFFER_TYPES
    libraries_with_internet_only: bool = True
    need_weights: tuple[tuple[str, float], ...] | None = None
    objective: str | None = None
    n_extra: int | None = None
    min_per_epci: int | None = None
    max_per_epci: int | None = None
    capacity_per_advisor: float | None = None
    cost_per_advisor_eur: float | None = None
    cofunding_per_advisor_eur: float | None = None
    max_net_budget_eur: float | None = None
    solver_time_limit_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON object (lists for tuples, need weights as an object)."""
        data = asdict(self)
        data["offer_types"] = list(self.offer_types)
        data["need_weights"] = dict(self.need_weights) if self.need_weights else None
        return data

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in fields(self))

    def __len__(self) -> int:
        return len(fields(self))


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
        """The stored JSON object."""
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

    ``parameters`` holds the diagnostic/recommendation settings; a plain mapping given
    here (format-1 keys, as code written before typed parameters passes) is read into
    :class:`ScenarioParameters` and refused with
    :class:`geo.errors.DataValidationError` when invalid. ``results`` holds the
    figures computed when it was saved.
    """

    name: str
    parameters: ScenarioParameters
    changes: SiteChanges
    results: dict[str, Any] = field(default_factory=dict)
    author: str = ""
    note: str = ""
    version: int | None = None
    created_at: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.parameters, ScenarioParameters):
            parameters = parameters_from_dict(self.parameters, format_version=1)
            object.__setattr__(self, "parameters", parameters)

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON object (current format)."""
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "author": self.author,
            "note": self.note,
            "version": self.version,
            "created_at": self.created_at,
            "parameters": self.parameters.to_dict(),
            "changes": self.changes.to_dict(),
            "results": self.results,
        }


# --- reading parameters ---------------------------------------------------------------------

#: Plausible range of each number: (lowest, highest, lowest excluded).
_NUMBER_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "threshold_min": (0.0, 180.0, True),
    "capacity_per_advisor": (0.0, 10_000_000.0, True),
    "cost_per_advisor_eur": (0.0, 10_000_000.0, False),
    "cofunding_per_advisor_eur": (0.0, 10_000_000.0, False),
    "max_net_budget_eur": (0.0, 10_000_000_000.0, False),
    "solver_time_limit_s": (0.0, 3_600.0, True),
}
_INTEGER_BOUNDS: dict[str, tuple[int, int]] = {
    "n_extra": (0, 10_000),
    "min_per_epci": (0, 1_000),
    "max_per_epci": (0, 1_000),
}
_MAX_NEED_WEIGHTS = 200


def current_situation(parameters: ScenarioParameters | Mapping | None = None) -> Scenario:
    """The existing offer without changes, as a scenario."""
    if not isinstance(parameters, ScenarioParameters):
        parameters = dict(parameters or {"threshold_min": defaults.THRESHOLD_MIN})
    return Scenario(CURRENT_SITUATION, parameters, SiteChanges())


def migrate_parameters_v1(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Format-1 parameters under format-2 keys, same meaning.

    Format 1 stored ``extra`` for the number of new advisors; keys that format 1
    ignored (any other) are dropped, since nothing ever read them.
    """
    known = {f.name for f in fields(ScenarioParameters)}
    data = {k: v for k, v in raw.items() if k in known}
    if "extra" in raw and "n_extra" not in raw:
        data["n_extra"] = raw["extra"]
    return data


def _is_number(value: Any) -> bool:
    """A JSON number (int or float, not a boolean)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def parameters_from_dict(
    raw: Any,
    format_version: int = FORMAT_VERSION,
    source: str = "paramètres",
    problems: ProblemCollector | None = None,
) -> ScenarioParameters:
    """Read and check stored parameters, listing every problem found.

    Parameters
    ----------
    raw : mapping
        The ``parameters`` object of a scenario.
    format_version : int
        Format it was written in: 1 is migrated (:func:`migrate_parameters_v1`).
    source : str
        Name shown in the error.
    problems : ProblemCollector, optional
        Collect into this collector instead of raising (the caller raises); the
        returned parameters then hold defaults where a value was refused.

    Raises
    ------
    geo.errors.DataValidationError
        When ``problems`` is not given and a value is refused.
    """
    own = problems is None
    problems = problems or ProblemCollector(source)
    if not isinstance(raw, Mapping):
        problems.add("bad_type", "« parameters » doit être un objet.")
        raw = {}
    data = migrate_parameters_v1(raw) if format_version == 1 else dict(raw)
    known = {f.name for f in fields(ScenarioParameters)}
    for key in sorted(set(data) - known, key=str):
        problems.add("unknown_key", f"paramètre inconnu « {str(key)[:80]} ».")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in known and value is not None:
            checked = _checked_parameter(key, value, problems)
            if checked is not None:
                values[key] = checked
    if own:
        problems.raise_if_any()
    return ScenarioParameters(**values)


def _checked_parameter(key: str, value: Any, problems: ProblemCollector) -> Any:
    """The typed value of one parameter, or ``None`` with a problem added."""
    if key in _NUMBER_BOUNDS:
        return _checked_number(key, value, problems)
    if key in _INTEGER_BOUNDS:
        low, high = _INTEGER_BOUNDS[key]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        problems.add("bad_value", f"« {key} » doit être un entier de {low} à {high} : {value!r}.")
        return None
    if key == "offer_types":
        return _checked_offer_types(value, problems)
    if key == "libraries_with_internet_only":
        if isinstance(value, bool):
            return value
        problems.add("bad_type", f"« {key} » doit valoir true ou false : {_short(value)}.")
        return None
    if key == "objective":
        if isinstance(value, str) and value in (*OBJECTIVES, *LEGACY_OBJECTIVES):
            return value
        problems.add(
            "bad_value", f"objectif inconnu {_short(value)} (valeurs : {', '.join(OBJECTIVES)})."
        )
        return None
    return _checked_need_weights(value, problems)


def _checked_number(key: str, value: Any, problems: ProblemCollector) -> float | None:
    low, high, open_low = _NUMBER_BOUNDS[key]
    if (
        _is_number(value)
        and math.isfinite(value)
        and (value > low if open_low else value >= low)
        and value <= high
    ):
        return float(value)
    bracket = "]" if open_low else "["
    problems.add(
        "bad_value",
        f"« {key} » invalide : {_short(value)} (nombre attendu dans {bracket}{low:g} ; {high:g}]).",
    )
    return None


def _checked_offer_types(value: Any, problems: ProblemCollector) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        problems.add("bad_type", "« offer_types » doit être une liste non vide de types de lieux.")
        return None
    unknown = [v for v in value if not isinstance(v, str) or v not in SITE_TYPES]
    for site_type in unknown:
        problems.add(
            "unknown_type", f"type de lieu inconnu dans « offer_types » : {_short(site_type)}."
        )
    return None if unknown else tuple(value)


def _checked_need_weights(
    value: Any, problems: ProblemCollector
) -> tuple[tuple[str, float], ...] | None:
    ok = (
        isinstance(value, Mapping)
        and 0 < len(value) <= _MAX_NEED_WEIGHTS
        and all(
            isinstance(k, str)
            and 0 < len(k) <= defaults.SCENARIO_MAX_NAME_CHARS
            and _is_number(w)
            and math.isfinite(w)
            and 0 <= w <= 1_000
            for k, w in value.items()
        )
        and sum(value.values()) > 0
    )
    if not ok:
        problems.add(
            "bad_value",
            "« need_weights » doit associer des indicateurs à des poids de 0 à 1 000, "
            "dont au moins un positif.",
        )
        return None
    return tuple(sorted((k, float(w)) for k, w in value.items()))


def _short(value: Any) -> str:
    """``repr`` of a refused value, cut so that a huge value never floods a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
