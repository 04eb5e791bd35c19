"""Outcome of a mobile-session plan and its map layers (stops, circuits), EPSG:2154.

Kilometres come from a distance matrix when given, else from minutes at
``avg_speed_kmh``. Yearly kilometres = kilometres of the cycle × ``working_weeks_per_year``
/ ``weeks_in_cycle``; vehicle cost = yearly kilometres × ``cost_per_km_eur``.
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
from equity.mobile.settings import FREQUENCY_FR, FREQUENCY_PERIOD_WEEKS, KIND_FR, MobileSettings
from geo.jsonio import to_jsonable
from geo.settings import WORK_CRS

__all__ = ["MobileResult", "circuits_layer", "coverage_gain", "points_l93", "stops_layer"]


@dataclass
class MobileResult:
    """Outcome of :func:`plan_mobile_sessions`.

    Attributes
    ----------
    selection : pandas.DataFrame
        Output of :func:`select_stops` (``attrs["solver"]`` included).
    stops : geopandas.GeoDataFrame
        One point per selected stop (EPSG:2154): ``name``, ``kind``, ``frequency``,
        ``visits_per_cycle``, ``scheduled``, ``advisor_id``, ``advisor_name``, ``day``,
        ``half_day``, ``weeks``, ``session_start``, ``session_end`` (first visit),
        ``hours_note``, ``reason`` (unschedulable), ``gain_need``, ``gain_population``.
    schedule : pandas.DataFrame
        See :func:`plan_circuits`.
    unschedulable : pandas.DataFrame
        See :func:`plan_circuits`.
    circuits : geopandas.GeoDataFrame
        One LineString per half-day circuit (base → stops → base, straight segments,
        EPSG:2154): ``advisor_id``, ``advisor_name``, ``week``, ``day``, ``half_day``,
        ``departure``, ``return_time``, ``n_stops``, ``stop_ids``, ``drive_min``, ``km``.
    coverage_gain : dict
        Communes newly within ``short_drive_min`` of a *scheduled* stop and not within the
        fixed-site threshold: ``population``, ``need``, ``communes``, ``commune_ids``,
        and the same if every selected stop were scheduled (``*_if_all_scheduled``).
    km_per_cycle, km_per_year, drive_hours_per_year, cost_eur_per_year : float
        Vehicle use; yearly = cycle × ``working_weeks_per_year`` / ``weeks_in_cycle``.
    travel_model : dict
        Caller's description of the travel engine, passed through.
    parameters : dict
        Settings, advisors, rules used (kilometres source, yearly rule).
    """

    selection: pd.DataFrame
    stops: gpd.GeoDataFrame
    schedule: pd.DataFrame
    unschedulable: pd.DataFrame
    circuits: gpd.GeoDataFrame
    coverage_gain: dict[str, Any]
    km_per_cycle: float
    km_per_year: float
    drive_hours_per_year: float
    cost_eur_per_year: float
    travel_model: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (``inf``/NaN become ``None``; circuits as coordinates)."""
        stops = pd.DataFrame(self.stops.drop(columns="geometry"))
        stops["x_l93"] = self.stops.geometry.x
        stops["y_l93"] = self.stops.geometry.y
        circuits = pd.DataFrame(self.circuits.drop(columns="geometry"))
        circuits["coordinates_l93"] = [list(g.coords) for g in self.circuits.geometry]
        return to_jsonable(
            {
                "stops": stops.reset_index(names="stop_id").to_dict(orient="records"),
                "circuits": circuits.to_dict(orient="records"),
                "schedule": self.schedule.to_dict(orient="records"),
                "coverage_gain": self.coverage_gain,
                "km_per_cycle": self.km_per_cycle,
                "km_per_year": self.km_per_year,
                "drive_hours_per_year": self.drive_hours_per_year,
                "cost_eur_per_year": self.cost_eur_per_year,
                "travel_model": self.travel_model,
                "unschedulable": self.unschedulable.to_dict(orient="records"),
                "selection_solver": self.selection.attrs.get("solver", {}),
                "parameters": self.parameters,
            }
        )

    def schedule_csv(self, path: str | Path) -> Path:
        """Write the schedule for French Excel: ``;`` separator, decimal comma, UTF-8 BOM.

        Column headers are French (:data:`SCHEDULE_COLUMNS_FR`); minutes and kilometres
        are rounded to one decimal.
        """
        path = Path(path)
        table = self.schedule.copy()
        numeric = table.select_dtypes("number").columns.difference(["week", "order"])
        table[numeric] = table[numeric].round(1)
        table["frequency"] = table["frequency"].map(FREQUENCY_FR)
        table["kind"] = table["kind"].map(KIND_FR).fillna(table["kind"])
        table.rename(columns=SCHEDULE_COLUMNS_FR).to_csv(
            path, sep=";", decimal=",", encoding="utf-8-sig", index=False
        )
        return path


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
    """One straight-segment LineString per half-day circuit (base → stops → base).

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
    keys = ["advisor_id", "week", "day", "half_day"]
    for _, group in schedule.groupby(keys, sort=False):
        first, last = group.iloc[0], group.iloc[-1]
        places = [first["base_id"], *group["stop_id"], first["base_id"]]
        lines.append(LineString([(points[p].x, points[p].y) for p in places]))
        records.append(
            {
                "advisor_id": first["advisor_id"],
                "advisor_name": first["advisor_name"],
                "week": int(first["week"]),
                "day": first["day"],
                "half_day": first["half_day"],
                "departure": first["departure"],
                "return_time": last["return_time"],
                "n_stops": len(group),
                "stop_ids": " → ".join(map(str, group["stop_id"])),
                "drive_min": float(first["half_day_drive_min"]),
                "km": float(first["half_day_km"]),
            }
        )
    columns = [
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
    ]
    return gpd.GeoDataFrame(pd.DataFrame(records, columns=columns), geometry=lines, crs=WORK_CRS)


def stops_layer(
    stops: pd.DataFrame,
    selection: pd.DataFrame,
    schedule: pd.DataFrame,
    unschedulable: pd.DataFrame,
    points: gpd.GeoSeries,
    settings: MobileSettings,
) -> gpd.GeoDataFrame:
    """One point per selected stop with its slot (first visit) or why it has none.

    Parameters
    ----------
    stops : pandas.DataFrame
        Host-site rows of the selected stops (as given to ``plan_circuits``).
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
    first = schedule.drop_duplicates("stop_id").set_index("stop_id")
    weeks = schedule.groupby("stop_id")["week"].agg(lambda w: ", ".join(map(str, sorted(w))))
    records, _ = read_stops(stops, settings)
    table = pd.DataFrame(
        {
            "name": [st.name for st in records],
            "kind": [st.kind for st in records],
            "frequency": [st.frequency for st in records],
            "visits_per_cycle": [
                settings.weeks_in_cycle // FREQUENCY_PERIOD_WEEKS[st.frequency]
                if st.frequency in FREQUENCY_PERIOD_WEEKS
                else 0
                for st in records
            ],
        },
        index=pd.Index(stops.index, name="stop_id"),
    )
    table["scheduled"] = table.index.isin(first.index)
    for col in (
        "advisor_id",
        "advisor_name",
        "day",
        "half_day",
        "session_start",
        "session_end",
        "hours_note",
    ):
        table[col] = first[col].reindex(table.index)
    table["weeks"] = weeks.reindex(table.index)
    table["reason"] = unschedulable.set_index("stop_id")["reason"].reindex(table.index)
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
