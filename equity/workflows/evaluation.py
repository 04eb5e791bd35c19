"""Evaluate and compare scenarios."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from equity.diagnostics import Diagnosis
from equity.scenarios import Comparison, Scenario, compare, evaluate
from equity.workflows.errors import InvalidRequest
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = ["EvaluatedScenario", "compare_scenarios", "evaluate_scenario"]

#: A comparison shows 2 to 4 scenarios side by side.
_MIN_COMPARED, _MAX_COMPARED = 2, 4


class EvaluatedScenario(NamedTuple):
    """A scenario with its results filled, and its full diagnostic."""

    scenario: Scenario
    diagnosis: Diagnosis


def evaluate_scenario(
    territory: Territory, scenario: Scenario, model: TravelModel | None = None
) -> EvaluatedScenario:
    """Diagnose the territory with the scenario's changes; fill the scenario's results."""
    evaluated, diagnosis = evaluate(territory, scenario, model)
    return EvaluatedScenario(evaluated, diagnosis)


def compare_scenarios(
    territory: Territory,
    scenarios: Sequence[Scenario],
    model: TravelModel | None = None,
    evaluator: Callable[[Scenario], EvaluatedScenario] | None = None,
) -> Comparison:
    """Key figures, EPCI table and access changes of 2–4 scenarios (the first is the reference).

    ``evaluator`` replaces :func:`evaluate_scenario` (the app passes its cached one).

    Raises
    ------
    InvalidRequest
        Fewer than 2 or more than 4 scenarios, or scenarios of different thresholds.
    """
    if not _MIN_COMPARED <= len(scenarios) <= _MAX_COMPARED:
        raise InvalidRequest(
            f"Comparez de {_MIN_COMPARED} à {_MAX_COMPARED} scénarios (reçu : {len(scenarios)})."
        )
    thresholds = {s.name: s.parameters.threshold_min for s in scenarios}
    if len(set(thresholds.values())) > 1:
        listed = ", ".join(f"« {name} » {t:g} min" for name, t in thresholds.items())
        raise InvalidRequest(
            f"Ces scénarios n'ont pas le même seuil de temps de trajet ({listed}) : comparez "
            "des scénarios de même seuil (la situation actuelle suit le seuil choisi dans la "
            "barre latérale)."
        )
    run = evaluator or (lambda s: evaluate_scenario(territory, s, model))
    evaluated = [run(s).scenario for s in scenarios]
    return compare(evaluated, territory.communes["name"].to_dict())
