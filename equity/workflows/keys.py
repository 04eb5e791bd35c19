"""One stable cache key per request or scenario, shared by the CLI and the app."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from equity.scenarios import Scenario
from geo.jsonio import to_jsonable

__all__ = ["scenario_key", "stable_key"]


def stable_key(obj: Any) -> str:
    """Canonical JSON text of a request (dataclasses expanded, keys sorted)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    return json.dumps(to_jsonable(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def scenario_key(scenario: Scenario) -> str:
    """Key of a scenario's inputs: its saved results do not change what it evaluates to."""
    data = scenario.to_dict()
    data.pop("results", None)
    return stable_key(data)
