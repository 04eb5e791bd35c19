"""The equity diagnostic of a territory for a given offer of open sites.

:func:`diagnose` is what the commission looks at first: who is far from help, who
needs it most, and whether advisors are spread in proportion to need across EPCI,
density classes and urban areas.

Its headline figures are findings about persons: the estimated persons in need
(:func:`equity.need.estimate_persons_in_need`) left unserved when every site has a
capacity of advisors × :data:`geo.defaults.CAPACITY_PERSONS_PER_ADVISOR` persons a year
(exact allocation, :func:`equity.accessibility.allocate_capacity`), those beyond the
threshold of every site, the need-weighted mean and 90th-percentile travel time, and
the worst-served EPCI. None of them can worsen when no commune's travel time gets
longer and no site loses capacity; Gini and Theil stay as secondary measures of
relative dispersion. Travel times include the trip inside one's own commune
(:func:`equity.accessibility.intra_commune_time_min`).

Mobile sessions (``mobile_sites``: scheduled stops with the capacity their hours add)
serve the persons the fixed sites leave unserved within ``mobile_reach_min`` of a stop
(the allocation's extra capacity): a plan with tours shows fewer unserved persons where
the tours go, and only there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from equity import accessibility, inequality, underserved
from equity.need import PERSONS_IN_NEED_METHOD_FR, NeedWeights, default_weights, need_index
from equity.offer import DEFAULT_OFFER_TYPES, Offer, select_offer
from geo import settings as geo_settings
from geo.defaults import (
    CAPACITY_PERSONS_PER_ADVISOR,
    CIRCUITY,
    MOBILE_SHORT_DRIVE_MIN,
    SPEED_KMH,
    THRESHOLD_MIN,
)
from geo.formatting import french_sort_key
from geo.territory import Territory
from geo.travel_time import TravelModel, access_matrix, current_travel_model

__all__ = [
    "Diagnosis",
    "DiagnosisSettings",
    "demand_access_matrix",
    "demand_points",
    "diagnose",
    "group_breakdown",
]


@dataclass(frozen=True)
class DiagnosisSettings:
    """Parameters of a diagnostic (all shown with its results).

    Attributes
    ----------
    threshold_min : float
        Main travel-time threshold.
    thresholds_min : tuple of float
        Thresholds shown side by side.
    offer_types : tuple of str
        Site types counted as existing help.
    libraries_with_internet_only : bool
        Count only libraries with public internet.
    decay : {"step", "gaussian", "gravity"}
        Distance decay of the floating-catchment ratio.
    need_weights : NeedWeights or None
        Need-index weights (documented defaults when None).
    low_ratio_factor : float
        Under this share of the territory's advisors per inhabitant, a commune is
        under-served by capacity.
    zone_diameter_km : float
        Largest span of an under-served zone.
    reference_advisors_per_10000 : float or None
        Territory-wide ratio that "low capacity" is measured against; by default the
        ratio of the offer itself. Scenarios pass the ratio of the unchanged offer, so
        that adding advisors never makes more communes under-served.
    capacity_persons_per_advisor : float
        Persons one advisor accompanies in a year.
    """

    threshold_min: float = THRESHOLD_MIN
    thresholds_min: tuple[float, ...] = accessibility.DEFAULT_THRESHOLDS_MIN
    offer_types: tuple[str, ...] = DEFAULT_OFFER_TYPES
    libraries_with_internet_only: bool = True
    decay: accessibility.Decay = "step"
    need_weights: NeedWeights | None = None
    low_ratio_factor: float = underserved.DEFAULT_LOW_RATIO_FACTOR
    zone_diameter_km: float = underserved.DEFAULT_ZONE_DIAMETER_KM
    reference_advisors_per_10000: float | None = None
    capacity_persons_per_advisor: float = CAPACITY_PERSONS_PER_ADVISOR

    def __post_init__(self) -> None:
        bad = [t for t in (self.threshold_min, *self.thresholds_min) if not t > 0]
        if bad:
            raise ValueError(
                f"Seuil de temps de trajet invalide : {bad[0]:g} min (il doit être positif)."
            )
        if not self.capacity_persons_per_advisor > 0:
            raise ValueError(
                "Capacité par conseiller invalide : "
                f"{self.capacity_persons_per_advisor:g} personnes par an (elle doit être positive)."
            )


@dataclass(frozen=True)
class Diagnosis:
    """Results of :func:`diagnose`; every table is aligned to communes or groups."""

    settings: DiagnosisSettings
    travel_model: TravelModel
    offer: Offer
    communes: gpd.GeoDataFrame
    coverage: pd.DataFrame
    by_epci: pd.DataFrame
    by_density: pd.DataFrame
    by_density_group: pd.DataFrame
    by_aav: pd.DataFrame
    gini_travel_time: float
    theil_travel_time: inequality.TheilDecomposition
    zones: gpd.GeoDataFrame
    reference_ratio: float
    need_weights: NeedWeights
    notes: list[str] = field(default_factory=list)
    site_load: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    #: Persons served by each mobile stop (empty without ``mobile_sites``).
    mobile_load: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))

    @property
    def population_total(self) -> int:
        return int(self.communes["population"].sum())

    def findings(self) -> dict[str, Any]:
        """Headline findings in persons and minutes (see the module's docstring)."""
        table = self.communes
        need = table["persons_in_need"].to_numpy(float)
        times = table["travel_time_min"].to_numpy(float)
        finite = np.isfinite(times)
        total = float(need.sum())
        unserved = float(table["unserved_persons"].sum())
        beyond = float(table["beyond_threshold_persons"].sum())
        worst = self.by_epci["unserved_share"].idxmax()
        return {
            "persons_in_need": total,
            "unserved_persons": unserved,
            "unserved_share": unserved / total if total else float("nan"),
            "beyond_threshold_persons": beyond,
            "beyond_threshold_share": beyond / total if total else float("nan"),
            "served_persons": float(table["served_persons"].sum()),
            "capacity_persons": float(
                self.offer.counted_advisors.sum() * self.settings.capacity_persons_per_advisor
            ),
            "need_mean_travel_time_min": float(np.average(times[finite], weights=need[finite]))
            if finite.any() and need[finite].sum() > 0
            else float("nan"),
            "need_p90_travel_time_min": accessibility.weighted_quantile(times, need, 0.9),
            "worst_epci": worst,
            "worst_epci_unserved_share": float(self.by_epci.at[worst, "unserved_share"]),
        }

    def headline(self) -> dict[str, float]:
        """Key figures at the main threshold (the numeric findings first)."""
        row = self.coverage.loc[self.settings.threshold_min]
        findings = {k: v for k, v in self.findings().items() if k != "worst_epci"}
        return findings | {
            "population_total": self.population_total,
            "population_within_threshold": float(row["population_within"]),
            "share_within_threshold": float(row["share_within"]),
            "need_share_within_threshold": float(row["need_share_within"]),
            "advisors": self.offer.n_advisors,
            "advisors_per_10000": 10_000 * self.offer.n_advisors / self.population_total,
            "inhabitants_per_advisor": self.population_total / self.offer.n_advisors,
            "gini_travel_time": self.gini_travel_time,
            "n_underserved_communes": int(self.communes["underserved"].sum()),
            "n_zones": len(self.zones),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``maillage diagnose --json``."""
        head = self.headline()
        communes = [
            {
                "code_insee": code,
                "name": row["name"],
                "epci": row["epci_name"],
                "population": int(row["population"]),
                "nearest_site_id": row["nearest_site_id"],
                "travel_time_min": _num(row["travel_time_min"]),
                "n_sites_within": int(row["n_sites_within"]),
                "fca_ratio": _num(row["fca_ratio"]),
                "need_index": _num(row["need_index"]),
                "persons_in_need": _num(row["persons_in_need"]),
                "persons_in_need_status": row["persons_in_need_status"],
                "served_persons": _num(row["served_persons"]),
                "unserved_persons": _num(row["unserved_persons"]),
                "beyond_threshold_persons": _num(row["beyond_threshold_persons"]),
                "intra_access_min": _num(row["intra_access_min"]),
                "underserved": bool(row["underserved"]),
                "underserved_reason": row["underserved_reason"]
                if isinstance(row["underserved_reason"], str)
                else None,
                "zone_id": None if pd.isna(row["zone_id"]) else int(row["zone_id"]),
                "flags": row["quality_note"],
            }
            for code, row in self.communes.iterrows()
        ]
        findings = {k: _num(v) if isinstance(v, float) else v for k, v in self.findings().items()}
        return {
            "threshold_min": self.settings.threshold_min,
            "thresholds_min": list(self.settings.thresholds_min),
            "capacity_persons_per_advisor": self.settings.capacity_persons_per_advisor,
            "persons_in_need_method": PERSONS_IN_NEED_METHOD_FR,
            **findings,
            "travel_model": self.travel_model.to_dict(),
            "offer": self.offer.to_dict(),
            "population_total": head["population_total"],
            "population_within_threshold": head["population_within_threshold"],
            "share_within_threshold": head["share_within_threshold"],
            "need_share_within_threshold": head["need_share_within_threshold"],
            "advisors": head["advisors"],
            "advisors_per_10000": head["advisors_per_10000"],
            "inhabitants_per_advisor": head["inhabitants_per_advisor"],
            "gini_travel_time": _num(self.gini_travel_time),
            "theil_travel_time": {k: _num(v) for k, v in self.theil_travel_time.to_dict().items()},
            "inequality_note": inequality.RELATIVE_DISPERSION_NOTE_FR,
            "coverage": _records(self.coverage.reset_index()),
            "communes": communes,
            "by_epci": _records(self.by_epci.reset_index()),
            "by_density": _records(self.by_density.reset_index()),
            "by_density_group": _records(self.by_density_group.reset_index()),
            "by_aav": _records(self.by_aav.reset_index()),
            "zones": _records(pd.DataFrame(self.zones.drop(columns="geometry"))),
            "notes": list(self.notes),
        }


def _num(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict("records"):
        clean = {}
        for key, value in record.items():
            if isinstance(value, float | np.floating):
                clean[key] = _num(value)
            elif isinstance(value, np.integer):
                clean[key] = int(value)
            elif isinstance(value, np.bool_):
                clean[key] = bool(value)
            else:
                clean[key] = value
        out.append(clean)
    return out


def demand_points(communes: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Where each commune's population sits (its town hall), EPSG:2154."""
    return gpd.GeoSeries(
        gpd.points_from_xy(communes["demand_x"], communes["demand_y"]),
        index=communes.index,
        crs=geo_settings.WORK_CRS,
    )


def demand_access_matrix(
    communes: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    model: TravelModel,
    *,
    demand: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Travel times (minutes) from demand to sites, the trip inside the commune included.

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        The territory's communes (``demand_x``, ``demand_y``, ``area_km2``).
    sites : geopandas.GeoDataFrame
        Sites with ``code_insee`` (columns of the result: their index).
    model : TravelModel
        Travel model; its circuity and speed (the defaults for a road network) time
        the trip inside the commune.
    demand : geopandas.GeoDataFrame, optional
        Finer demand points (IRIS, a population grid) with ``code_insee`` and
        ``intra_access_min`` (their own access time, near 0 for a small cell); by
        default one point per commune at its town hall, with
        :func:`~equity.accessibility.intra_commune_time_min` of its area.

    Returns
    -------
    pandas.DataFrame
        Demand points × sites; ``attrs["intra_access_min"]`` holds the access times.
    """
    if demand is None:
        circuity = float(model.parameters.get("circuity", CIRCUITY))
        speed = float(model.parameters.get("speed_kmh", SPEED_KMH))
        intra = accessibility.intra_commune_time_min(communes["area_km2"], circuity, speed)
        demand = gpd.GeoDataFrame(
            {"code_insee": communes.index, "intra_access_min": intra.to_numpy()},
            geometry=demand_points(communes).to_numpy(),
            index=communes.index,
            crs=geo_settings.WORK_CRS,
        )
    times = access_matrix(demand.geometry, sites.geometry, model)
    times = accessibility.add_intra_commune_time(
        times, demand["code_insee"], sites["code_insee"], demand["intra_access_min"]
    )
    times.attrs["intra_access_min"] = demand["intra_access_min"]
    return times


def group_breakdown(
    table: pd.DataFrame,
    group: str,
    threshold_min: float,
    advisors_by_commune: pd.Series,
    capacity_persons_per_advisor: float = CAPACITY_PERSONS_PER_ADVISOR,
) -> pd.DataFrame:
    """Equity figures per group of communes (EPCI, density class, AAV category).

    ``table`` needs ``population``, ``persons_in_need``, ``travel_time_min``,
    ``fca_ratio`` and the ``group`` column; with ``unserved_persons`` and
    ``beyond_threshold_persons`` the capacity figures are added: unserved persons and
    their share, persons beyond the threshold, the capacity of the group's own sites
    (persons a year) and that capacity per person in need.
    """
    advisors = advisors_by_commune.reindex(table.index).fillna(0)
    total_advisors = float(advisors.sum())
    total_need = float(table["persons_in_need"].sum())
    rows = []
    with_capacity = "unserved_persons" in table
    for key, part in table.groupby(group, sort=True):
        pop = part["population"].to_numpy(float)
        times = part["travel_time_min"].to_numpy(float)
        finite = np.isfinite(times)
        within = times <= threshold_min
        need = part["persons_in_need"].to_numpy(float)
        group_advisors = float(advisors[part.index].sum())
        need_share = need.sum() / total_need if total_need else np.nan
        advisor_share = group_advisors / total_advisors if total_advisors else np.nan
        rows.append(
            {
                group: key,
                "n_communes": len(part),
                "population": int(pop.sum()),
                "persons_in_need": float(need.sum()),
                "share_within_threshold": float(pop[within].sum() / pop.sum()),
                "need_share_within_threshold": float(need[within].sum() / need.sum()),
                "mean_travel_time_min": float(np.average(times[finite], weights=pop[finite]))
                if finite.any()
                else np.inf,
                "median_travel_time_min": accessibility.weighted_quantile(times, pop, 0.5),
                "p90_travel_time_min": accessibility.weighted_quantile(times, pop, 0.9),
                "advisors": group_advisors,
                "advisors_per_10000": 10_000 * group_advisors / pop.sum(),
                "fca_ratio_mean": float(np.average(part["fca_ratio"], weights=pop)),
                "inhabitants_per_advisor": pop.sum() / group_advisors if group_advisors else np.inf,
                "need_per_advisor": need.sum() / group_advisors if group_advisors else np.inf,
                "need_share": float(need_share),
                "advisor_share": float(advisor_share),
                "balance": float(advisor_share / need_share) if need_share else np.nan,
            }
        )
        if with_capacity:
            rows[-1] |= _capacity_figures(part, group_advisors * capacity_persons_per_advisor)
    frame = pd.DataFrame(rows).set_index(group)
    if all(isinstance(name, str) for name in frame.index):
        frame = frame.sort_index(key=lambda names: names.map(french_sort_key))
    return frame


def _capacity_figures(part: pd.DataFrame, capacity: float) -> dict[str, float]:
    """Capacity figures of one group of communes (see :func:`group_breakdown`)."""
    need = float(part["persons_in_need"].sum())
    unserved = float(part["unserved_persons"].sum())
    return {
        "unserved_persons": unserved,
        "unserved_share": unserved / need if need else np.nan,
        "beyond_threshold_persons": float(part["beyond_threshold_persons"].sum()),
        "capacity_persons": capacity,
        "capacity_per_person_in_need": capacity / need if need else np.nan,
    }


_TABLE_COLUMNS = [
    "name",
    "epci_siren",
    "epci_name",
    "population",
    "density_level",
    "density_label",
    "density_group",
    "aav_category",
    "aav_label",
    "quality_note",
    "geometry",
]


def _commune_table(
    communes: gpd.GeoDataFrame,
    offer: Offer,
    model: TravelModel,
    settings: DiagnosisSettings,
    need: pd.DataFrame,
    mobile: tuple[gpd.GeoDataFrame, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Per commune: need, nearest site, sites within the threshold, 2SFCA, capacity, flags."""
    times = demand_access_matrix(communes, offer.sites, model)
    extra: dict[str, Any] = {}
    if mobile is not None and len(mobile[0]):
        stops, reach_min = mobile
        extra = {
            "extra_times": demand_access_matrix(communes, stops, model),
            "extra_capacity": stops["capacity_persons_per_year"],
            "extra_threshold_min": reach_min,
        }
    nearest = accessibility.nearest_site(times)
    within = accessibility.sites_within(times, settings.threshold_min)
    population = communes["population"]
    supply = offer.counted_advisors
    fca = accessibility.two_step_fca(
        times, population, supply, settings.threshold_min, settings.decay
    )
    allocation = accessibility.allocate_capacity(
        times,
        need["persons_in_need"],
        supply * settings.capacity_persons_per_advisor,
        settings.threshold_min,
        **extra,
    )
    capacity = pd.DataFrame(
        {
            "intra_access_min": times.attrs["intra_access_min"],
            "served_persons": allocation.served,
            "unserved_persons": allocation.unserved,
            "beyond_threshold_persons": allocation.beyond_threshold,
            "mobile_served_persons": allocation.extra_served.reindex(times.index).fillna(0.0),
        }
    )
    reference_ratio = settings.reference_advisors_per_10000 or (
        10_000 * offer.n_advisors / float(population.sum())
    )
    flags = underserved.underserved_communes(
        nearest["travel_time_min"],
        fca["fca_ratio"],
        need["persons_in_need"],
        settings.threshold_min,
        reference_ratio,
        settings.low_ratio_factor,
    )
    table = communes[_TABLE_COLUMNS].join([need, nearest, within, fca, capacity, flags])
    table.attrs["site_load"] = allocation.site_load
    table.attrs["mobile_load"] = allocation.extra_load
    return table, nearest, reference_ratio


def _notes(
    offer: Offer, model: TravelModel, weights: NeedWeights, fibre_outdated: bool
) -> list[str]:
    """French notes shown with the diagnostic: offer, travel model, fibre layer."""
    notes = [offer.describe_fr(), model.label, PERSONS_IN_NEED_METHOD_FR]
    if model.is_approximate:
        notes.append(
            "Temps de trajet approximatifs tant qu'aucun réseau routier n'est construit "
            "(construction du réseau : page Données)."
        )
    fibre_weight = weights.weights.get("fibre_share", 0.0)
    if fibre_outdated and fibre_weight > 0:
        notes.append(
            "Attention : la couche fibre obsolète (ARCEP T1 2018) entre dans l'indice de besoin "
            f"avec un poids de {fibre_weight:g} ; chargez le fichier ARCEP actuel."
        )
    elif fibre_outdated:
        notes.append(
            "La couche fibre (ARCEP T1 2018, obsolète) n'entre pas dans l'indice de besoin."
        )
    return notes


def diagnose(
    territory: Territory,
    settings: DiagnosisSettings | None = None,
    *,
    offer: Offer | None = None,
    model: TravelModel | None = None,
    mobile_sites: gpd.GeoDataFrame | None = None,
    mobile_reach_min: float = MOBILE_SHORT_DRIVE_MIN,
) -> Diagnosis:
    """Accessibility, equity and under-served zones for one offer of open sites.

    Parameters
    ----------
    territory : geo.territory.Territory
        The loaded territory.
    settings : DiagnosisSettings, optional
        Thresholds, offer types, decay, need weights.
    offer : Offer, optional
        Sites counted as open (existing + proposed); by default selected from the
        territory's sites with ``settings.offer_types``.
    model : TravelModel, optional
        Travel model; the road network when one is built, else the stated
        straight-line approximation.
    mobile_sites : geopandas.GeoDataFrame, optional
        Mobile-session stops held (points in EPSG:2154, indexed by stop id) with
        ``code_insee`` and ``capacity_persons_per_year``: capacity that serves the
        persons the fixed sites leave unserved (column ``mobile_served_persons``).
    mobile_reach_min : float
        Persons within this travel time of a stop can use its sessions.

    Returns
    -------
    Diagnosis
    """
    settings = settings or DiagnosisSettings()
    if settings.threshold_min not in settings.thresholds_min:
        settings = DiagnosisSettings(
            **{
                **settings.__dict__,
                "thresholds_min": tuple(sorted({*settings.thresholds_min, settings.threshold_min})),
            }
        )
    offer = offer or select_offer(
        territory.sites, settings.offer_types, settings.libraries_with_internet_only
    )
    model = model or current_travel_model()
    communes = territory.communes
    fibre_outdated = territory.sources.get("fibre", {}).get("status") == "DATED"
    weights = settings.need_weights or default_weights(fibre_outdated)
    need = need_index(communes, communes["population"], weights)

    mobile = None if mobile_sites is None else (mobile_sites, mobile_reach_min)
    table, nearest, reference_ratio = _commune_table(communes, offer, model, settings, need, mobile)
    population = communes["population"]
    zone = underserved.group_zones(table, table["underserved"], settings.zone_diameter_km)
    table["zone_id"] = zone
    zones = underserved.summarise_zones(table, zone, table["underserved_score"])

    own = offer.sites[~offer.outside]
    advisors_by_commune = own.groupby("code_insee")["advisors"].sum()
    breakdown = {
        name: group_breakdown(
            table,
            name,
            settings.threshold_min,
            advisors_by_commune,
            settings.capacity_persons_per_advisor,
        )
        for name in ("epci_name", "density_label", "density_group", "aav_label")
    }
    finite = np.isfinite(table["travel_time_min"])
    gini = inequality.gini(table.loc[finite, "travel_time_min"], population[finite])
    theil = inequality.theil(
        table.loc[finite, "travel_time_min"], population[finite], table.loc[finite, "epci_name"]
    )
    notes = _notes(offer, model, weights, fibre_outdated)
    return Diagnosis(
        settings=settings,
        travel_model=model,
        offer=offer,
        communes=gpd.GeoDataFrame(table, geometry="geometry", crs=communes.crs),
        coverage=accessibility.coverage(
            nearest["travel_time_min"],
            population,
            need["persons_in_need"],
            settings.thresholds_min,
        ),
        by_epci=breakdown["epci_name"],
        by_density=breakdown["density_label"],
        by_density_group=breakdown["density_group"],
        by_aav=breakdown["aav_label"],
        gini_travel_time=gini,
        theil_travel_time=theil,
        zones=zones,
        reference_ratio=reference_ratio,
        need_weights=weights,
        notes=notes,
        site_load=table.attrs.pop("site_load"),
        mobile_load=table.attrs.pop("mobile_load"),
    )
