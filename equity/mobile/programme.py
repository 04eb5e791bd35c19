"""Mobile-session programme for a territory and a scenario's fixed sites.

Glue between the territory (host sites, opening hours, demand points), a
diagnostic (which communes remain poorly served) and the engine of
:mod:`equity.mobile.plan`. Travel times come from the same engine as every other
result (road network when built, stated approximation otherwise).
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from equity.diagnostics import Diagnosis, demand_points
from equity.mobile.plan import plan_mobile_sessions
from equity.mobile.result import MobileResult
from equity.mobile.settings import Advisor, MobileSettings
from geo.defaults import MOBILE_HALF_DAYS_PER_WEEK
from geo.network import load_network
from geo.opening_hours import WEEKDAYS_FR
from geo.territory import Territory
from geo.travel_time import TravelModel, network_distance_km, travel_time_matrix

__all__ = [
    "HOST_KINDS",
    "advisor_bases",
    "default_advisors",
    "host_candidates",
    "plan_for_diagnosis",
]

#: Host site types for mobile sessions and the engine's kind names.
HOST_KINDS: dict[str, str] = {
    "town_hall": "mairie",
    "library": "bibliotheque",
    "france_services": "france_services",
    "data_inclusion": "structure",
    "market": "marche",
    "user": "autre",
}
_MARKET_DAY = re.compile(r"\b(" + "|".join(WEEKDAYS_FR) + r")\b")


def host_candidates(territory: Territory) -> pd.DataFrame:
    """Host sites indexed by ``site_id`` with ``name``, ``kind``, ``hours``, ``market_day``."""
    sites = territory.sites[territory.sites["site_type"].isin(list(HOST_KINDS))]
    market_day = [
        (m.group(1) if (m := _MARKET_DAY.search(str(h or "").lower())) else "")
        if t == "market"
        else ""
        for t, h in zip(sites["site_type"], sites["opening_hours"], strict=True)
    ]
    return pd.DataFrame(
        {
            "name": sites["name"].to_numpy(),
            "kind": sites["site_type"].map(HOST_KINDS).to_numpy(),
            "hours": sites["opening_hours_json"].fillna("").to_numpy(),
            "market_day": market_day,
            "code_insee": sites["code_insee"].to_numpy(),
        },
        index=pd.Index(sites["site_id"], name="place_id"),
    )


def advisor_bases(diagnosis: Diagnosis) -> gpd.GeoDataFrame:
    """Open sites that base a mobile advisor: one per commune.

    The permanences of one commune share one vehicle, so Le Mans gets one base, not
    fifteen.
    """
    return diagnosis.offer.sites.drop_duplicates("code_insee")


def default_advisors(
    diagnosis: Diagnosis,
    half_days_per_week: int = MOBILE_HALF_DAYS_PER_WEEK,
    bases: tuple[str, ...] | None = None,
    saturday: bool = False,
) -> list[Advisor]:
    """One mobile advisor per base of :func:`advisor_bases` (or of the given base ids).

    Advisors go out Monday to Friday, and on Saturday too when ``saturday`` (markets).
    """
    sites = advisor_bases(diagnosis)
    if bases is not None:
        sites = sites[sites["site_id"].isin(bases)]
    return [
        Advisor(
            advisor_id=f"mobile-{site_id}",
            name=f"Itinérant — {name}",
            base_id=site_id,
            half_days_per_week=half_days_per_week,
            available_days=WEEKDAYS_FR[:6] if saturday else WEEKDAYS_FR[:5],
        )
        for site_id, name in zip(sites["site_id"], sites["name"], strict=True)
    ]


def _place_matrices(
    territory: Territory,
    diagnosis: Diagnosis,
    advisors: list[Advisor],
    candidate_ids: pd.Index,
    model: TravelModel,
) -> tuple[gpd.GeoSeries, pd.DataFrame, pd.DataFrame]:
    """Points of the bases and candidates, driving minutes and km between them."""
    sites = territory.sites.set_index("site_id")
    bases = pd.Index(dict.fromkeys(a.base_id for a in advisors))
    places = bases.append(candidate_ids.difference(bases))
    geometry = pd.concat([diagnosis.offer.sites.set_index("site_id").geometry, sites.geometry])
    geometry = gpd.GeoSeries(
        geometry[~geometry.index.duplicated()].loc[places], crs=territory.communes.crs
    )
    drive_min = travel_time_matrix(geometry, geometry, model)
    if model.kind == "straight_line":
        drive_km = drive_min * model.parameters["speed_kmh"] / 60.0
    else:
        drive_km = network_distance_km(geometry, geometry, load_network())
    return geometry, drive_min, drive_km


def plan_for_diagnosis(
    territory: Territory,
    diagnosis: Diagnosis,
    *,
    settings: MobileSettings | None = None,
    advisors: list[Advisor] | None = None,
    communes: list[str] | None = None,
    forced: tuple[str, ...] = (),
    model: TravelModel | None = None,
) -> MobileResult:
    """Mobile sessions for the communes a diagnostic leaves poorly served.

    The communes served are the diagnostic's under-served ones (beyond the threshold of
    every fixed site, or with a low capacity ratio); no stop is held in a commune with a
    fixed site of the diagnostic's offer, nor within ``fixed_site_exclusion_min`` of
    one, unless forced.

    Parameters
    ----------
    territory : Territory
    diagnosis : Diagnosis
        Fixed-site situation (current or a scenario); its under-served communes are
        served unless ``communes`` is given.
    settings : MobileSettings, optional
    advisors : list of Advisor, optional
        Default: :func:`default_advisors`.
    communes : list of str, optional
        INSEE codes to serve instead of the under-served ones.
    forced : tuple of str
        Host site ids that must be stops (e.g. a market).
    model : TravelModel, optional
        Defaults to the diagnostic's travel model.

    Returns
    -------
    MobileResult

    Raises
    ------
    ValueError
        An INSEE code of ``communes`` is not a commune of the territory.
    """
    settings = settings or MobileSettings()
    model = model or diagnosis.travel_model
    advisors = advisors or default_advisors(diagnosis)
    table = diagnosis.communes
    targets = communes or table.index[table["underserved"]].tolist()
    unknown = sorted(set(targets) - set(table.index))
    if unknown:
        raise ValueError(f"Code(s) INSEE inconnu(s) : {', '.join(unknown)}.")
    candidates = host_candidates(territory)
    sites = territory.sites.set_index("site_id")
    points = demand_points(territory.communes)
    coverage = travel_time_matrix(points.loc[targets], sites.geometry.loc[candidates.index], model)
    # Only hosts that can reach a target commune within the short drive are worth routing.
    useful = coverage.columns[(coverage <= settings.short_drive_min).any(axis=0)]
    useful = useful.union(pd.Index([f for f in forced if f in candidates.index]))
    candidates = candidates.loc[useful].copy()
    to_fixed = travel_time_matrix(
        sites.geometry.loc[candidates.index], diagnosis.offer.sites.geometry, model
    )
    candidates["min_to_fixed_site"] = to_fixed.min(axis=1)
    fixed_communes = set(diagnosis.offer.sites["code_insee"])
    candidates["hosts_fixed_site"] = candidates["code_insee"].isin(fixed_communes)
    geometry, drive_min, drive_km = _place_matrices(
        territory, diagnosis, advisors, candidates.index, model
    )
    covered = ~table["underserved"] if communes is None else ~table.index.isin(targets)
    return plan_mobile_sessions(
        candidates,
        advisors,
        coverage[useful],
        drive_min,
        table["persons_in_need"],
        table["population"],
        pd.Series(covered, index=table.index),
        geometry,
        settings,
        drive_km=drive_km,
        travel_model=model.to_dict(),
        communes=targets,
        forced=forced,
    )
