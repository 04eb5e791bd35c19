"""Edit a scenario: remove, move and add advisors, then validate the draft."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from equity.scenarios import Scenario, scenario_from_dict
from geo.jsonio import to_jsonable
from geo.territory import Territory

__all__ = [
    "ADDED_COLUMNS",
    "HOST_TYPES",
    "ScenarioEdit",
    "added_rows",
    "edit_scenario",
    "host_sites",
    "offer_sites",
]

#: Columns of an added advisor, as the scenario JSON stores them.
ADDED_COLUMNS: tuple[str, ...] = (
    "site_id",
    "name",
    "site_type",
    "code_insee",
    "lon",
    "lat",
    "n_advisors",
)
#: Site types where a planner may move or add an advisor.
HOST_TYPES: tuple[str, ...] = ("town_hall", "library", "france_services")
#: Suffix of the id of an advisor added at an existing host site.
_ADDED_SUFFIX = "-ajout"


@dataclass(frozen=True)
class ScenarioEdit:
    """What a planner changes in a scenario.

    Attributes
    ----------
    name, author, note : str
        Of the new version.
    removed : tuple of str
        Ids of existing offer sites whose advisors are withdrawn.
    move_from, move_to : str or None
        Move the offer site ``move_from`` to the host site ``move_to``.
    hosts_added : tuple of str
        Host site ids that each receive one new advisor.
    added : tuple of dict
        Added advisors typed in directly (:data:`ADDED_COLUMNS`); these replace the
        base scenario's added advisors.
    """

    name: str
    author: str = ""
    note: str = ""
    removed: tuple[str, ...] = ()
    move_from: str | None = None
    move_to: str | None = None
    hosts_added: tuple[str, ...] = ()
    added: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)


def offer_sites(territory: Territory, scenario: Scenario) -> gpd.GeoDataFrame:
    """Sites of the types the scenario counts as existing offer (those one can remove or move)."""
    types = scenario.parameters.get("offer_types", ["cnfs_permanence"])
    return territory.sites[territory.sites["site_type"].isin(types)]


def host_sites(territory: Territory) -> gpd.GeoDataFrame:
    """Sites that can receive a moved or an added advisor."""
    return territory.sites[territory.sites["site_type"].isin(HOST_TYPES)]


def _host(territory: Territory, site_id: str) -> pd.Series:
    return host_sites(territory).set_index("site_id").loc[site_id]


def _moves(territory: Territory, base: Scenario, edit: ScenarioEdit) -> list[dict[str, Any]]:
    moved = [m for m in base.changes.moved if m["site_id"] != edit.move_from]
    if edit.move_from and edit.move_to:
        target = _host(territory, edit.move_to)
        moved.append(
            {"site_id": edit.move_from, "lon": float(target["lon"]), "lat": float(target["lat"])}
        )
    return moved


def _additions(territory: Territory, edit: ScenarioEdit) -> list[dict[str, Any]]:
    added = [dict(row) for row in edit.added if any(pd.notna(v) for v in row.values())]
    for site_id in edit.hosts_added:
        row = _host(territory, site_id)
        added.append(
            {
                "site_id": f"{site_id}{_ADDED_SUFFIX}",
                "name": row["name"],
                "site_type": row["site_type"],
                "code_insee": row["code_insee"],
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "n_advisors": 1,
            }
        )
    return added


def edit_scenario(territory: Territory, base: Scenario, edit: ScenarioEdit) -> Scenario:
    """The new version of ``base`` after ``edit``, validated (not evaluated, not saved).

    Raises
    ------
    geo.errors.DataValidationError
        Every problem of the draft (no name, points outside the territory, …).
    """
    data = base.to_dict() | {
        "name": edit.name,
        "author": edit.author,
        "note": edit.note,
        "changes": base.changes.to_dict()
        | {
            "added": _additions(territory, edit),
            "removed": list(edit.removed),
            "moved": _moves(territory, base, edit),
        },
        "results": {},
    }
    # The draft goes through the JSON validator as an imported file would.
    return scenario_from_dict(to_jsonable(data), "scénario")


def added_rows(scenario: Scenario) -> pd.DataFrame:
    """The scenario's added advisors as an editable table (:data:`ADDED_COLUMNS`)."""
    return pd.DataFrame(scenario.changes.added, columns=list(ADDED_COLUMNS))
