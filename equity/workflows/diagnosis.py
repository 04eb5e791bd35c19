"""Diagnose: who is far from help, and where advisors are short."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd

from equity.diagnostics import Diagnosis, DiagnosisSettings, demand_points, diagnose
from equity.need import NeedWeights, default_weights, weight_problems
from equity.offer import select_offer
from equity.scenarios import ScenarioParameters
from equity.workflows.errors import InvalidRequest, checked_settings
from equity.workflows.keys import stable_key
from geo.catchments import catchments
from geo.defaults import OFFER_TYPES, THRESHOLD_MIN
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "DiagnoseRequest",
    "check_request",
    "default_need_weights",
    "need_weights_with",
    "offer_catchments",
    "run_diagnosis",
]


@dataclass(frozen=True)
class DiagnoseRequest:
    """The settings a user chooses for a diagnostic.

    Attributes
    ----------
    threshold_min : float
        Travel time under which a commune counts as within reach of help.
    offer_types : tuple of str
        Site types counted as existing offer.
    decay : {"step", "gaussian", "gravity"}
        Distance decay of the floating-catchment ratio.
    need_weights : NeedWeights or None
        Need-index weights; the documented defaults when None.
    libraries_with_internet_only : bool
        Count libraries only when they offer public internet (or host an advisor).
    """

    threshold_min: float = THRESHOLD_MIN
    offer_types: tuple[str, ...] = OFFER_TYPES
    decay: str = "step"
    need_weights: NeedWeights | None = None
    libraries_with_internet_only: bool = True

    def __post_init__(self) -> None:
        # One canonical form per request, so that 20 and 20.0 share a cache key.
        try:
            threshold = float(self.threshold_min)
        except (TypeError, ValueError):
            raise InvalidRequest(f"Seuil illisible : {self.threshold_min!r}.") from None
        object.__setattr__(self, "threshold_min", threshold)
        object.__setattr__(self, "offer_types", tuple(self.offer_types))

    def settings(self) -> DiagnosisSettings:
        """The engine's settings (:class:`InvalidRequest` for an invalid threshold)."""
        return checked_settings(
            DiagnosisSettings,
            threshold_min=float(self.threshold_min),
            offer_types=tuple(self.offer_types),
            decay=self.decay,
            need_weights=self.need_weights,
            libraries_with_internet_only=self.libraries_with_internet_only,
        )

    def scenario_parameters(self) -> ScenarioParameters:
        """Parameters of the current situation under this request, as a scenario stores them."""
        weights = None
        if self.need_weights is not None:
            weights = tuple(sorted((k, float(w)) for k, w in self.need_weights.weights.items()))
        return ScenarioParameters(
            threshold_min=float(self.threshold_min),
            offer_types=tuple(self.offer_types),
            libraries_with_internet_only=bool(self.libraries_with_internet_only),
            need_weights=weights,
        )

    def cache_key(self) -> str:
        """Stable text identifying the request."""
        return stable_key(self)


def default_need_weights(territory: Territory) -> NeedWeights:
    """Documented need weights, with the fibre layer dropped while it is outdated."""
    return default_weights(territory.sources.get("fibre", {}).get("status") == "DATED")


def need_weights_with(territory: Territory, changes: Mapping[str, float]) -> NeedWeights:
    """The territory's default weights with some indicators' weights changed."""
    weights = default_need_weights(territory)
    for column, weight in changes.items():
        weights = weights.with_weight(column, float(weight))
    return weights


def check_request(territory: Territory, request: DiagnoseRequest) -> DiagnosisSettings:
    """The engine settings of ``request``, after checking it against the territory.

    Raises
    ------
    InvalidRequest
        Invalid threshold, unknown site type, no site left in the offer, or need
        weights that cannot build an index.
    """
    settings = request.settings()
    try:
        select_offer(territory.sites, settings.offer_types, settings.libraries_with_internet_only)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
    if request.need_weights is not None:
        problems = weight_problems(request.need_weights, territory.communes.columns)
        if problems:
            raise InvalidRequest("Indice de besoin impossible : " + " ; ".join(problems) + ".")
    return settings


def run_diagnosis(
    territory: Territory, request: DiagnoseRequest | None = None, model: TravelModel | None = None
) -> Diagnosis:
    """Equity diagnostic of the territory under ``request``.

    Raises
    ------
    InvalidRequest
        See :func:`check_request`.
    """
    settings = check_request(territory, request or DiagnoseRequest())
    return diagnose(territory, settings, model=model)


def offer_catchments(
    territory: Territory,
    request: DiagnoseRequest,
    thresholds_min: tuple[float, ...],
    model: TravelModel | None = None,
) -> gpd.GeoDataFrame:
    """Area within each threshold of any site of the request's offer (one row per threshold)."""
    settings = check_request(territory, request)
    offer = select_offer(
        territory.sites, settings.offer_types, settings.libraries_with_internet_only
    )
    per_site = catchments(
        offer.sites.geometry,
        territory.communes,
        demand_points=demand_points(territory.communes),
        thresholds_min=thresholds_min,
        model=model,
    )
    return per_site[["threshold_min", "geometry"]].dissolve("threshold_min").reset_index()
