"""Outcome of a mobile-session plan, its map layers (stops, circuits) and vehicle use.

Kilometres come from a distance matrix when given, else from minutes at
``avg_speed_kmh``. Yearly figures = figures of the cycle × ``working_weeks_per_year`` /
``weeks_in_cycle``; vehicle cost = yearly km × ``cost_per_km_eur``; CO2 = yearly km ×
``co2_kg_per_km``. Capacity added by a stop (persons accompanied per year) = its session
hours per year × ``capacity_persons_per_advisor`` / ``advisor_hours_per_year``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from equity.mobile.routing import read_stops
from equity.mobile.scheduling import SCHEDULE_COLUMNS_FR
from equity.mobile.settings import (
    FREQUENCY_FR,
    FREQUENCY_PERIOD_WEEKS,
    KIND_FR,
    Advisor,
    MobileSettings,
)
from geo.exports import export_csv_fr
from geo.jsonio import to_jsonable
from geo.settings import WORK_CRS

__all__ = [
    "CIRCUIT_COLUMNS",
    "CIRCUIT_STOP_SEPARATOR",
    "MobileResult",
    "capacity_by_stop",
    "circuits_layer",
    "coverage_gain",
    "points_l93",
    "stops_layer",
    "tour_capacity_by_commune",
    "vehicle_use",
]

#: Between the stop ids of a circuit's ``stop_ids`` text, in visiting order.
CIRCUIT_STOP_SEPARATOR: str = " → "
#: Columns of the circuits layer.
CIRCUIT_COLUMNS: tuple[str, ...] = (
    "circuit_id",
    "advisor_id",
    "advisor_name",
    "week",
    "day",
    "half_day",
    "departure",
    "return_time",
    "n_stops",
    "stop_ids",
    "drive_min",
    "km",
)
#: Per-session fields listed, in visiting order, in each circuit of the JSON.
_CIRCUIT_STOP_FIELDS: tuple[str, ...] = (
    "order",
    "stop_id",
    "stop_name",
    "half_day",
    "arrival",
    "session_start",
    "session_end",
    "leg_drive_min",
    "leg_km",
)


@dataclass
class MobileResult:
    """Outcome of :func:`plan_mobile_sessions`.

    Attributes
    ----------
    selection : pandas.DataFrame
        Output of :func:`select_stops` (``attrs["solver"]`` included).
    stops : geopandas.GeoDataFrame
        One point per requested stop (EPSG:2154): ``name``, ``kind``, ``code_insee``,
        ``frequency``, ``visits_per_cycle``, ``scheduled``, ``forced``,
        ``min_to_fixed_site`` (driving minutes to the nearest fixed site, when known),
        ``advisor_id``, ``advisor_name``, ``day``, ``half_day``, ``weeks``,
        ``session_start``, ``session_end``, ``hours_note``, ``reason`` (when not
        scheduled), ``capacity_persons_per_year``, ``gain_need``, ``gain_population``.
    schedule : pandas.DataFrame
        See :func:`plan_circuits`.
    unschedulable : pandas.DataFrame
        See :func:`plan_circuits`.
    circuits : geopandas.GeoDataFrame
        One LineString per circuit (base → stops → base, straight segments, EPSG:2154):
        see :data:`CIRCUIT_COLUMNS`.
    coverage_gain : dict
        Communes newly within ``short_drive_min`` of a *scheduled* stop and not within the
        fixed-site threshold: ``population``, ``need`` (the covering weight: unserved
        persons when planned on a diagnosis), ``communes``, ``commune_ids``,
        and the same if every selected stop were scheduled (``*_if_all_scheduled``).
    by_advisor : pandas.DataFrame
        Vehicle use per advisor: see :func:`vehicle_use`.
    km_per_cycle, km_per_year, drive_hours_per_year, cost_eur_per_year, co2_kg_per_year
        Totals over the advisors.
    travel_model : dict
        Caller's description of the travel engine, passed through.
    parameters : dict
        Settings, advisors, rules used (kilometres source, yearly rule).
    capacity_effect : dict
        Unserved persons of the diagnosis before and after the tours
        (:func:`equity.mobile.capacity.capacity_effect`); empty until the workflow
        layer counts them.
    """

    selection: pd.DataFrame
    stops: gpd.GeoDataFrame
    schedule: pd.DataFrame
    unschedulable: pd.DataFrame
    circuits: gpd.GeoDataFrame
    coverage_gain: dict[str, Any]
    by_advisor: pd.DataFrame
    km_per_cycle: float
    km_per_year: float
    drive_hours_per_year: float
    cost_eur_per_year: float
    co2_kg_per_year: float
    travel_model: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    capacity_effect: dict[str, Any] = field(default_factory=dict)

    def circuit_records(self) -> list[dict[str, Any]]:
        """Circuits with their stops in visiting order (the JSON's ``circuits``)."""
        table = pd.DataFrame(self.circuits.drop(columns="geometry"))
        table["coordinates_l93"] = [list(g.coords) for g in self.circuits.geometry]
        sessions = {
            cid: group[list(_CIRCUIT_STOP_FIELDS)].to_dict(orient="records")
            for cid, group in self.schedule.groupby("circuit_id", sort=False)
        }
        records = table.to_dict(orient="records")
        for record in records:
            record["stops"] = sessions.get(record["circuit_id"], [])
        return records

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (``inf``/NaN become ``None``; circuits as coordinates)."""
        stops = pd.DataFrame(self.stops.drop(columns="geometry"))
        stops["x_l93"] = self.stops.geometry.x
        stops["y_l93"] = self.stops.geometry.y
        return to_jsonable(
            {
                "stops": stops.reset_index(names="stop_id").to_dict(orient="records"),
                "circuits": self.circuit_records(),
                "schedule": self.schedule.to_dict(orient="records"),
                "coverage_gain": self.coverage_gain,
                "capacity_by_commune": tour_capacity_by_commune(self).to_dict(),
                "by_advisor": self.by_advisor.to_dict(orient="records"),
                "km_per_cycle": self.km_per_cycle,
                "km_per_year": self.km_per_year,
                "drive_hours_per_year": self.drive_hours_per_year,
                "cost_eur_per_year": self.cost_eur_per_year,
                "co2_kg_per_year": self.co2_kg_per_year,
                "travel_model": self.travel_model,
                "unschedulable": self.unschedulable.to_dict(orient="records"),
                "selection_solver": self.selection.attrs.get("solver", {}),
                "parameters": self.parameters,
                "unserved_persons_before": self.capacity_effect.get("unserved_persons_before"),
                "unserved_persons_after": self.capacity_effect.get("unserved_persons_after"),
                "capacity_effect": self.capacity_effect,
            }
        )

    def schedule_csv(self, path: str | Path) -> Path:
        """Write the schedule for French Excel (:func:`geo.exports.export_csv_fr`).

        Column headers are French (:data:`SCHEDULE_COLUMNS_FR`); minutes and kilometres
        are rounded to one decimal.
        """
        table = self.schedule.copy()
        numeric = table.select_dtypes("number").columns.difference(["week", "order"])
        table[numeric] = table[numeric].round(1)
        table["frequency"] = table["frequency"].map(FREQUENCY_FR)
        table["kind"] = table["kind"].map(KIND_FR).fillna(table["kind"])
        return export_csv_fr(table.rename(columns=SCHEDULE_COLUMNS_FR), path)


def points_l93(geometry: gpd.GeoSeries, ids: Iterable[Hashable]) -> gpd.GeoSeries:
    """Points of the places ``ids`` (first occurrence order) in EPSG:2154.

    Raises
    ------
    ValueError
        ``geometry`` has no CRS or misses one of the places.
    """
    if geometry.crs is None:
        raise ValueError("les géométries des lieux n'ont pas de système de coordonnées.")
    ids = list(dict.fromkeys(ids))
    missing = [i for i in ids if i not in geometry.index]
    if missing:
        raise ValueError(f"géométrie manquante pour les lieux : {missing[:5]}.")
    return geometry.loc[ids].to_crs(WORK_CRS)


def circuits_layer(schedule: pd.DataFrame, points: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """One straight-segment LineString per circuit (base → stops → base).

    Parameters
    ----------
    schedule : pandas.DataFrame
        Output of :func:`equity.mobile.scheduling.plan_circuits`.
    points : geopandas.GeoSeries
        Points of the bases and stops in EPSG:2154, indexed by place id.

    Returns
    -------
    geopandas.GeoDataFrame
        See ``MobileResult.circuits``.
    """
    records, lines = [], []
    for circuit_id, group in schedule.groupby("circuit_id", sort=False):
        first, last = group.iloc[0], group.iloc[-1]
        places = [first["base_id"], *group["stop_id"], first["base_id"]]
        lines.append(LineString([(points[p].x, points[p].y) for p in places]))
        records.append(
            {
                "circuit_id": circuit_id,
                "advisor_id": first["advisor_id"],
                "advisor_name": first["advisor_name"],
                "week": int(first["week"]),
                "day": first["day"],
                "half_day": ", ".join(dict.fromkeys(group["half_day"])),
                "departure": first["departure"],
                "return_time": last["return_time"],
                "n_stops": len(group),
                "stop_ids": CIRCUIT_STOP_SEPARATOR.join(map(str, group["stop_id"])),
                "drive_min": float(first["circuit_drive_min"]),
                "km": float(first["circuit_km"]),
            }
        )
    frame = pd.DataFrame(records, columns=list(CIRCUIT_COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=lines, crs=WORK_CRS)


def capacity_by_stop(schedule: pd.DataFrame, settings: MobileSettings) -> pd.Series:
    """Persons accompanied per year that each scheduled stop's sessions add.

    Sessions of the cycle × ``session_hours`` × ``working_weeks_per_year`` /
    ``weeks_in_cycle`` hours a year, × :attr:`MobileSettings.persons_per_session_hour`.
    """
    sessions = schedule.groupby("stop_id").size().astype(float)
    yearly_hours = (
        sessions * settings.session_hours * settings.working_weeks_per_year
    ) / settings.weeks_in_cycle
    return (yearly_hours * settings.persons_per_session_hour).rename("capacity_persons_per_year")


def tour_capacity_by_commune(result: MobileResult) -> pd.Series:
    """Capacity the tours add, in persons accompanied per year, per commune visited.

    Only the communes where a scheduled stop is held get a value (the diagnosis adds it
    to the capacity of the fixed sites there); the unit is the decision model's
    (persons per year, :data:`geo.defaults.CAPACITY_PERSONS_PER_ADVISOR`).

    Returns
    -------
    pandas.Series
        Indexed by INSEE code (``code_insee`` of the stops), name
        ``capacity_persons_per_year``; empty when the stops carry no commune code.
    """
    stops = result.stops
    if "code_insee" not in stops.columns:
        return pd.Series(dtype=float, name="capacity_persons_per_year")
    held = stops[stops["scheduled"] & stops["code_insee"].notna()]
    by_commune = held.groupby("code_insee")["capacity_persons_per_year"].sum()
    return by_commune[by_commune > 0].rename("capacity_persons_per_year")


def vehicle_use(
    schedule: pd.DataFrame, advisors: Iterable[Advisor], settings: MobileSettings
) -> pd.DataFrame:
    """Vehicle use per advisor over the cycle and per year.

    Returns
    -------
    pandas.DataFrame
        One row per advisor: ``advisor_id``, ``advisor_name``, ``base_id``,
        ``circuits_per_cycle``, ``sessions_per_cycle``, ``drive_min_per_cycle``,
        ``km_per_cycle``, ``km_per_year``, ``drive_hours_per_year``,
        ``cost_eur_per_year``, ``co2_kg_per_year``.
    """
    circuits = schedule.drop_duplicates("circuit_id")
    yearly = settings.working_weeks_per_year / settings.weeks_in_cycle
    rows = []
    for adv in advisors:
        mine = circuits[circuits["advisor_id"] == adv.advisor_id]
        km = float(mine["circuit_km"].sum())
        drive = float(mine["circuit_drive_min"].sum())
        rows.append(
            {
                "advisor_id": adv.advisor_id,
                "advisor_name": adv.name,
                "base_id": adv.base_id,
                "circuits_per_cycle": len(mine),
                "sessions_per_cycle": int((schedule["advisor_id"] == adv.advisor_id).sum()),
                "drive_min_per_cycle": drive,
                "km_per_cycle": km,
                "km_per_year": km * yearly,
                "drive_hours_per_year": drive * yearly / 60.0,
                "cost_eur_per_year": km * yearly * settings.cost_per_km_eur,
                "co2_kg_per_year": km * yearly * settings.co2_kg_per_km,
            }
        )
    return pd.DataFrame(rows)


def _slot_columns(schedule: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """First visit of every stop (advisor, day, half-day, times) and its weeks."""
    first = schedule.drop_duplicates("stop_id").set_index("stop_id")
    columns = [
        "advisor_id",
        "advisor_name",
        "day",
        "half_day",
        "session_start",
        "session_end",
        "hours_note",
    ]
    table = first[columns].reindex(index)
    weeks = schedule.groupby("stop_id")["week"].agg(lambda w: ", ".join(map(str, sorted(w))))
    table["weeks"] = weeks.reindex(index)
    return table


def stops_layer(
    stops: pd.DataFrame,
    selection: pd.DataFrame,
    schedule: pd.DataFrame,
    unschedulable: pd.DataFrame,
    points: gpd.GeoSeries,
    settings: MobileSettings,
) -> gpd.GeoDataFrame:
    """One point per requested stop with its slot (first visit) or why it has none.

    Parameters
    ----------
    stops : pandas.DataFrame
        Host-site rows of the selected stops (as given to ``plan_circuits``), with
        optional ``code_insee`` and ``min_to_fixed_site`` columns.
    selection : pandas.DataFrame
        Output of :func:`equity.mobile.stops.select_stops`.
    schedule, unschedulable : pandas.DataFrame
        Output of :func:`equity.mobile.scheduling.plan_circuits`.
    points : geopandas.GeoSeries
        Points of the places in EPSG:2154, indexed by place id.
    settings : MobileSettings

    Returns
    -------
    geopandas.GeoDataFrame
        See ``MobileResult.stops``.
    """
    records, _ = read_stops(stops, settings)
    index = pd.Index(stops.index, name="stop_id")
    table = pd.DataFrame(
        {
            "name": [st.name for st in records],
            "kind": [st.kind for st in records],
            "code_insee": stops["code_insee"].to_numpy() if "code_insee" in stops.columns else None,
            "frequency": [st.frequency for st in records],
            "visits_per_cycle": [
                settings.weeks_in_cycle // FREQUENCY_PERIOD_WEEKS[st.frequency]
                if st.frequency in FREQUENCY_PERIOD_WEEKS
                else 0
                for st in records
            ],
        },
        index=index,
    )
    table["scheduled"] = table.index.isin(schedule["stop_id"])
    table["forced"] = selection["forced"].reindex(table.index).fillna(False).astype(bool)
    table["min_to_fixed_site"] = (
        stops["min_to_fixed_site"].astype(float) if "min_to_fixed_site" in stops else np.nan
    )
    table = table.join(_slot_columns(schedule, table.index))
    table["reason"] = unschedulable.set_index("stop_id")["reason"].reindex(table.index)
    capacity = capacity_by_stop(schedule, settings).reindex(table.index).fillna(0.0)
    table["capacity_persons_per_year"] = capacity
    table["gain_need"] = selection["gain_need"]
    table["gain_population"] = selection["gain_population"]
    return gpd.GeoDataFrame(table, geometry=points.reindex(table.index).values, crs=WORK_CRS)


def coverage_gain(
    coverage_min: pd.DataFrame,
    need: pd.Series,
    population: pd.Series,
    already_covered: pd.Series,
    scheduled: pd.Index,
    selected: pd.Index,
    short_drive_min: float,
    communes: Iterable[Hashable] | None = None,
) -> dict[str, Any]:
    """Communes newly within ``short_drive_min`` of a scheduled stop, and of any selected.

    Parameters
    ----------
    coverage_min : pandas.DataFrame
        Driving minutes communes × candidates.
    need, population, already_covered : pandas.Series
        Per commune; communes already covered by the fixed sites count for nothing.
    scheduled, selected : pandas.Index
        Ids of the scheduled stops and of every selected stop.
    short_drive_min : float
        Reach of a stop.
    communes : iterable, optional
        Communes served (default: every row of ``coverage_min``).

    Returns
    -------
    dict
        See ``MobileResult.coverage_gain``.
    """
    rows = coverage_min.index if communes is None else pd.Index(list(communes))
    near = coverage_min.reindex(index=rows).fillna(np.inf) <= short_drive_min
    fresh = ~already_covered.reindex(rows).astype(bool)

    def gain(stop_ids: pd.Index) -> tuple[pd.Index, float, float]:
        hit = near.reindex(columns=stop_ids, fill_value=False).any(axis=1) & fresh
        ids = rows[hit.to_numpy()]
        return ids, float(need.reindex(ids).sum()), float(population.reindex(ids).sum())

    ids, need_gain, pop_gain = gain(scheduled)
    _, need_all, pop_all = gain(selected)
    return {
        "short_drive_min": short_drive_min,
        "population": pop_gain,
        "need": need_gain,
        "communes": len(ids),
        "commune_ids": list(ids),
        "population_if_all_scheduled": pop_all,
        "need_if_all_scheduled": need_all,
    }
