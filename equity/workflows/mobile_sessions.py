"""Plan mobile sessions: stops and weekly circuits of the advisors' service vehicles."""

from __future__ import annotations

from dataclasses import dataclass, field

from equity.diagnostics import Diagnosis
from equity.mobile import MobileResult, MobileSettings, capacity_effect, diagnose_with_tours
from equity.mobile_programme import default_advisors, host_candidates, plan_for_diagnosis
from equity.workflows.errors import InvalidRequest, checked_settings
from equity.workflows.keys import stable_key
from geo.defaults import (
    MOBILE_HALF_DAYS_PER_WEEK,
    MOBILE_MAX_DRIVE_MIN,
    MOBILE_N_STOPS,
    MOBILE_SESSION_HOURS,
)
from geo.formatting import plural_fr
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "MobileRequest",
    "plan_mobile",
]

_ENGINE = MobileSettings()


@dataclass(frozen=True)
class MobileRequest:
    """What a user sets for the mobile programme.

    Attributes
    ----------
    n_stops : int
        Stops requested.
    half_days : int
        Mobile half-days per advisor and per week.
    session_hours : float
        Length of one session.
    max_drive_min : float
        Longest driving time of one circuit (one day out, base to base).
    short_drive_min : float
        A commune within this drive of a stop counts as served by it.
    cost_per_km_eur : float
        Vehicle cost.
    saturday : bool
        Tours on Saturdays too (markets).
    bases : tuple of str or None
        Offer sites that base a mobile advisor (every base when None).
    forced : tuple of str
        Host sites imposed as stops.
    frequency : {"weekly", "fortnightly", "monthly"}
        Visits of every stop over the 4-week cycle.
    fixed_site_exclusion_min : float
        No stop within this drive of a fixed site (nor in its commune) unless imposed.
    max_stops_per_half_day : int
        Most sessions in one half-day of a circuit.
    """

    n_stops: int = MOBILE_N_STOPS
    half_days: int = MOBILE_HALF_DAYS_PER_WEEK
    session_hours: float = MOBILE_SESSION_HOURS
    max_drive_min: float = MOBILE_MAX_DRIVE_MIN
    short_drive_min: float = _ENGINE.short_drive_min
    cost_per_km_eur: float = _ENGINE.cost_per_km_eur
    saturday: bool = False
    bases: tuple[str, ...] | None = None
    forced: tuple[str, ...] = field(default_factory=tuple)
    frequency: str = _ENGINE.default_frequency
    fixed_site_exclusion_min: float = _ENGINE.fixed_site_exclusion_min
    max_stops_per_half_day: int = _ENGINE.max_stops_per_half_day

    def settings(self) -> MobileSettings:
        """The engine's settings (:class:`InvalidRequest` for an out-of-range value)."""
        return checked_settings(
            MobileSettings,
            n_stops=int(self.n_stops),
            short_drive_min=float(self.short_drive_min),
            session_hours=float(self.session_hours),
            max_drive_min=float(self.max_drive_min),
            cost_per_km_eur=float(self.cost_per_km_eur),
            default_frequency=str(self.frequency),
            fixed_site_exclusion_min=float(self.fixed_site_exclusion_min),
            max_stops_per_half_day=int(self.max_stops_per_half_day),
        )

    def cache_key(self) -> str:
        """Stable text identifying the request."""
        return stable_key(self)


def _check_forced(territory: Territory, request: MobileRequest) -> None:
    unknown = sorted(set(request.forced) - set(host_candidates(territory).index))
    if unknown:
        which = plural_fr(len(unknown), "Arrêt imposé inconnu", "Arrêts imposés inconnus")
        raise InvalidRequest(f"{which} parmi les lieux d'accueil : {', '.join(unknown)}.")
    if len(set(request.forced)) > request.n_stops:
        raise InvalidRequest(
            f"{len(set(request.forced))} arrêts imposés pour au plus {request.n_stops} arrêts : "
            "augmentez le nombre d'arrêts."
        )


def plan_mobile(
    territory: Territory,
    diagnosis: Diagnosis,
    request: MobileRequest | None = None,
    model: TravelModel | None = None,
) -> MobileResult:
    """Mobile programme on top of the fixed sites of ``diagnosis``.

    The result's ``capacity_effect`` holds the diagnosis' unserved persons before and
    after the tours (:func:`equity.mobile.diagnose_with_tours`).

    Raises
    ------
    InvalidRequest
        A setting is out of range, an imposed stop is unknown, or no advisor is left.
    """
    request = request or MobileRequest()
    settings = request.settings()
    _check_forced(territory, request)
    advisors = checked_settings(
        default_advisors,
        diagnosis=diagnosis,
        half_days_per_week=int(request.half_days),
        bases=request.bases,
        saturday=request.saturday,
    )
    if not advisors:
        raise InvalidRequest("Aucune base de conseiller itinérant : choisissez-en au moins une.")
    result = plan_for_diagnosis(
        territory,
        diagnosis,
        settings=settings,
        advisors=advisors,
        forced=tuple(request.forced),
        model=model,
    )
    after = diagnose_with_tours(territory, diagnosis, result)
    result.capacity_effect = capacity_effect(diagnosis, after, result)
    return result
