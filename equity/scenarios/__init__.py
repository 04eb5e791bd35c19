"""Scenarios: named site changes and typed parameters, their results, versions and comparison.

- :mod:`~equity.scenarios.model`: :class:`Scenario`, :class:`SiteChanges`,
  :class:`ScenarioParameters` and the migration of format-1 parameters;
- :mod:`~equity.scenarios.validation`: the strict JSON reader that lists every problem;
- :mod:`~equity.scenarios.store`: :class:`ScenarioStore`, versions in SQLite;
- :mod:`~equity.scenarios.evaluation`: a scenario's offer and diagnostic;
- :mod:`~equity.scenarios.comparison`: 2–4 scenarios side by side.
"""

from equity.scenarios.comparison import Comparison, compare
from equity.scenarios.evaluation import diagnosis_settings, evaluate, scenario_offer
from equity.scenarios.model import (
    CURRENT_SITUATION,
    FORMAT_VERSION,
    Scenario,
    ScenarioParameters,
    SiteChanges,
    current_situation,
    migrate_parameters_v1,
    parameters_from_dict,
)
from equity.scenarios.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    ScenarioStore,
    ScenarioStoreError,
    default_store_path,
)
from equity.scenarios.validation import (
    check_against_territory,
    read_scenario_json,
    scenario_from_dict,
    scenario_from_json,
)

__all__ = [
    "APPLICATION_ID",
    "CURRENT_SITUATION",
    "FORMAT_VERSION",
    "SCHEMA_VERSION",
    "Comparison",
    "Scenario",
    "ScenarioParameters",
    "ScenarioStore",
    "ScenarioStoreError",
    "SiteChanges",
    "check_against_territory",
    "compare",
    "current_situation",
    "default_store_path",
    "diagnosis_settings",
    "evaluate",
    "migrate_parameters_v1",
    "parameters_from_dict",
    "read_scenario_json",
    "scenario_from_dict",
    "scenario_from_json",
    "scenario_offer",
]
