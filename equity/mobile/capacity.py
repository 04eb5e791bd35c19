"""Capacity the tours add, counted by the diagnosis: unserved persons before and after.

A scheduled stop's sessions add ``capacity_persons_per_year`` persons a year
(:func:`equity.mobile.result.capacity_by_stop`). The diagnosis of the fixed sites with
the tours (:func:`diagnose_with_tours`) gives that capacity to the persons the fixed
sites leave unserved within the plan's short drive (``short_drive_min``) of the stop,
in the diagnosis' own allocation (:func:`equity.accessibility.allocate_capacity`): the
fixed sites keep whom they serve, so unserved persons fall only where the tours go,
and by no more than the capacity the tours add.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from equity.diagnostics import Diagnosis, diagnose
from equity.mobile.result import MobileResult
from geo.territory import Territory

__all__ = ["capacity_effect", "diagnose_with_tours", "held_stops"]

#: Changes smaller than this many persons are the solver's rounding, not a change.
_CHANGE_MIN_PERSONS = 1e-6


def held_stops(result: MobileResult) -> gpd.GeoDataFrame:
    """Scheduled stops that add capacity: point, ``code_insee``, ``capacity_persons_per_year``."""
    stops = result.stops
    held = stops[stops["scheduled"] & (stops["capacity_persons_per_year"] > 0)]
    return held[["code_insee", "capacity_persons_per_year", "geometry"]].copy()


def diagnose_with_tours(
    territory: Territory, diagnosis: Diagnosis, result: MobileResult
) -> Diagnosis:
    """The diagnosis of the same fixed sites with the tours' capacity counted.

    Parameters
    ----------
    territory : Territory
    diagnosis : Diagnosis
        The fixed-site situation the tours were planned on.
    result : MobileResult
        The tours; persons within its ``short_drive_min`` of a held stop can use it.

    Returns
    -------
    Diagnosis
        Same settings, offer and travel model; ``communes["mobile_served_persons"]``
        holds the persons the tours serve.
    """
    return diagnose(
        territory,
        diagnosis.settings,
        offer=diagnosis.offer,
        model=diagnosis.travel_model,
        mobile_sites=held_stops(result),
        mobile_reach_min=float(result.parameters["short_drive_min"]),
    )


def capacity_effect(before: Diagnosis, after: Diagnosis, result: MobileResult) -> dict[str, Any]:
    """Unserved persons before and after the tours, in total and per commune that changes.

    Returns
    -------
    dict
        ``unserved_persons_before``, ``unserved_persons_after``,
        ``capacity_added_persons`` (persons a year the held stops add),
        ``mobile_served_persons`` (of it, persons the allocation gives the tours),
        ``reach_min`` and ``communes``: one record per commune whose unserved persons
        change (``code_insee``, ``name``, ``unserved_persons_before``,
        ``unserved_persons_after``), largest drop first.
    """
    old = before.communes["unserved_persons"]
    new = after.communes["unserved_persons"].reindex(old.index)
    drop = old - new
    changed = drop[np.abs(drop) > _CHANGE_MIN_PERSONS].sort_values(ascending=False)
    names = before.communes["name"]
    return {
        "unserved_persons_before": float(old.sum()),
        "unserved_persons_after": float(new.sum()),
        "capacity_added_persons": float(held_stops(result)["capacity_persons_per_year"].sum()),
        "mobile_served_persons": float(after.communes["mobile_served_persons"].sum()),
        "reach_min": float(result.parameters["short_drive_min"]),
        "communes": [
            {
                "code_insee": code,
                "name": names[code],
                "unserved_persons_before": float(old[code]),
                "unserved_persons_after": float(new[code]),
            }
            for code in changed.index
        ],
    }
