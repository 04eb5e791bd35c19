"""Open, load, save and import saved scenarios; the current situation as a scenario."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from equity.scenarios import (
    CURRENT_SITUATION,
    Scenario,
    ScenarioStore,
    check_against_territory,
    current_situation,
    read_scenario_json,
    scenario_from_json,
)
from equity.workflows.diagnosis import DiagnoseRequest
from equity.workflows.errors import InvalidRequest, ScenarioNotFound
from equity.workflows.evaluation import evaluate_scenario
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "CURRENT_SITUATION",
    "import_scenario",
    "import_scenario_bytes",
    "load_scenario",
    "open_store",
    "save_scenario",
    "scenario_or_current",
]


def open_store(path: Path | str | None = None) -> ScenarioStore:
    """The scenario database at ``path`` (the shared default when None)."""
    return ScenarioStore(path)


def load_scenario(
    store: ScenarioStore,
    name: str,
    version: int | None = None,
    territory: Territory | None = None,
) -> Scenario:
    """A saved scenario (latest version by default), checked against ``territory`` if given.

    Raises
    ------
    ScenarioNotFound
        No such scenario or version.
    geo.errors.DataValidationError
        The scenario cites sites or communes the territory does not know.
    """
    try:
        scenario = store.load(name, version)
    except KeyError as exc:
        raise ScenarioNotFound(exc.args[0] if exc.args else str(exc)) from None
    if territory is not None:
        check_against_territory(scenario, territory)
    return scenario


def scenario_or_current(
    store: ScenarioStore | None,
    name: str | None,
    request: DiagnoseRequest | None = None,
    territory: Territory | None = None,
) -> Scenario:
    """Saved scenario ``name``, or the current situation under ``request`` when no name is given."""
    if not name or name == CURRENT_SITUATION or store is None:
        return current_situation((request or DiagnoseRequest()).scenario_parameters())
    return load_scenario(store, name, territory=territory)


def save_scenario(
    store: ScenarioStore,
    territory: Territory,
    scenario: Scenario,
    model: TravelModel | None = None,
) -> Scenario:
    """Evaluate ``scenario`` (its results are stored with it) and save it as a new version.

    A scenario identical to its latest version is neither evaluated nor stored again:
    that version is returned (:meth:`ScenarioStore.save`).
    """
    if not scenario.name.strip():
        raise InvalidRequest("Donnez un nom au scénario.")
    if (same := store.unchanged_version(scenario)) is not None:
        return store.load(scenario.name, version=same)
    return store.save(evaluate_scenario(territory, scenario, model).scenario)


def import_scenario(
    store: ScenarioStore,
    territory: Territory,
    path: Path,
    name: str | None = None,
    model: TravelModel | None = None,
) -> Scenario:
    """Validate a scenario JSON file against the territory, evaluate it and save it."""
    scenario = read_scenario_json(path, territory)
    if name:
        scenario = replace(scenario, name=name)
    return save_scenario(store, territory, scenario, model)


def import_scenario_bytes(
    store: ScenarioStore,
    territory: Territory,
    data: bytes,
    source: str,
    model: TravelModel | None = None,
) -> Scenario:
    """Like :func:`import_scenario` for an uploaded file's bytes (``source``: its name)."""
    # The bounded reader refuses oversized or deeply nested JSON before parsing it.
    return save_scenario(store, territory, scenario_from_json(data, source, territory), model)
