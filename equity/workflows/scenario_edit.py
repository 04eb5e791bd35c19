"""Edit a scenario: remove, move and add advisors, then validate the draft."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from equity.scenarios import Scenario, scenario_from_dict
from geo.jsonio import to_jsonable
from geo.settings import LONLAT_CRS
from geo.territory import Territory

__all__ = [
    "ADDED_COLUMNS",
    "HOST_TYPES",
    "ScenarioEdit",
    "added_rows",
    "commune_at",
    "edit_scenario",
    "host_sites",
    "moved_addition",
    "offer_sites",
    "site_at",
    "sites_in_communes",
    "with_map_edits",
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


def commune_at(territory: Territory, lon: float, lat: float) -> str | None:
    """INSEE code of the commune containing the WGS 84 point, or None outside the territory."""
    point = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=LONLAT_CRS).to_crs(
        territory.communes.crs
    )
    inside = territory.communes[territory.communes.contains(point.iloc[0])]
    return str(inside.index[0]) if len(inside) else None


def _commune_or_raise(territory: Territory, lon: float, lat: float) -> str:
    """The commune of a clicked point; a point outside the territory is refused in French."""
    code = commune_at(territory, lon, lat)
    if code is None:
        raise ValueError("Ce point est hors du territoire : cliquez dans une commune.")
    return code


def site_at(territory: Territory, lon: float, lat: float, n_advisors: int = 1) -> dict[str, Any]:
    """An added advisor at a clicked point, named after its commune (:data:`ADDED_COLUMNS`).

    Raises
    ------
    ValueError
        The point is outside the territory's communes (French message).
    """
    code = _commune_or_raise(territory, lon, lat)
    name = territory.communes.at[code, "name"]
    return {
        "site_id": f"clic-{code}-{round(lon * 1e5)}-{round(lat * 1e5)}",
        "name": f"Nouveau lieu — {name}",
        "site_type": "user",
        "code_insee": code,
        "lon": lon,
        "lat": lat,
        "n_advisors": n_advisors,
    }


def moved_addition(
    territory: Territory, addition: Mapping[str, Any], lon: float, lat: float
) -> dict[str, Any]:
    """An added advisor moved to a clicked point: same id and advisors, a new place.

    Once moved it is no longer at the host it was proposed for (« Mairie — Mamers »):
    it becomes a place of the commune clicked, as :func:`site_at` names it.

    Raises
    ------
    ValueError
        The point is outside the territory's communes (French message).
    """
    n_advisors = addition.get("n_advisors")
    moved = site_at(territory, lon, lat, 1 if pd.isna(n_advisors) else n_advisors)
    return moved | {"site_id": addition["site_id"]}


def sites_in_communes(sites: pd.DataFrame, codes: Collection[str]) -> list[str]:
    """Ids of the sites in the given communes (a commune excluded excludes all its sites)."""
    return sites.loc[sites["code_insee"].isin(list(codes)), "site_id"].tolist()


def with_map_edits(
    base: Scenario,
    added: Sequence[Mapping[str, Any]] = (),
    moved: Mapping[str, tuple[float, float]] | None = None,
    territory: Territory | None = None,
) -> Scenario:
    """``base`` with advisors added and sites moved by clicks on the map (a draft).

    Parameters
    ----------
    base : Scenario
        The scenario being edited.
    added : sequence of dict
        Advisors added where the planner clicked (:func:`site_at`).
    moved : mapping, optional
        Site id → (lon, lat) where the planner moved it; the latest move of a site wins.
        The id is an existing site (a move of the scenario) or an advisor added by
        ``base`` or ``added``, which takes the new place (:func:`moved_addition`).
    territory : Territory, optional
        When given, every moved point must be in one of its communes; needed to move
        an added advisor (its commune is the one clicked).

    Returns
    -------
    Scenario
        The draft, validated as an imported file would be (not evaluated, not saved).

    Raises
    ------
    ValueError
        A point outside ``territory``, or an added advisor moved without it (French).
    """
    additions = [dict(a) for a in (*base.changes.added, *added)]
    moves = {m["site_id"]: m for m in base.changes.moved}
    positions = {a["site_id"]: i for i, a in enumerate(additions)}
    for site_id, (lon, lat) in (moved or {}).items():
        if territory is not None:
            _commune_or_raise(territory, lon, lat)
        if site_id not in positions:
            moves[site_id] = {"site_id": site_id, "lon": float(lon), "lat": float(lat)}
        elif territory is None:
            raise ValueError("Déplacer un conseiller ajouté demande le territoire.")
        else:
            i = positions[site_id]
            additions[i] = moved_addition(territory, additions[i], float(lon), float(lat))
    data = base.to_dict() | {
        "changes": base.changes.to_dict() | {"added": additions, "moved": list(moves.values())},
        "results": {},
    }
    return scenario_from_dict(to_jsonable(data), "scénario")
