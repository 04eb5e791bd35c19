"""Mobile sessions: where the service vehicles stop, who goes, and the weekly circuits.

For communes still poorly served after a placement scenario, *conseillers numériques*
with a service vehicle hold sessions at host sites (town halls, libraries, France
services, markets, user-added places). One module per concern:

- :mod:`~equity.mobile.settings` — :class:`Advisor`, :class:`MobileSettings`;
- :mod:`~equity.mobile.stops` — stop selection (maximal covering), :func:`select_stops`;
- :mod:`~equity.mobile.routing` — exact half-day routes;
- :mod:`~equity.mobile.scheduling` — the 4-week planner, :func:`plan_circuits`;
- :mod:`~equity.mobile.result` — :class:`MobileResult` and its map layers;
- :mod:`~equity.mobile.plan` — the full plan, :func:`plan_mobile_sessions`;
- :mod:`~equity.mobile.programme` — a territory's host sites, advisor bases and
  :func:`plan_for_diagnosis`.
"""

from equity.mobile.plan import plan_mobile_sessions
from equity.mobile.programme import (
    HOST_KINDS,
    advisor_bases,
    default_advisors,
    host_candidates,
    plan_for_diagnosis,
)
from equity.mobile.result import MobileResult
from equity.mobile.scheduling import (
    SCHEDULE_COLUMNS_FR,
    UNSCHEDULABLE_COLUMNS,
    plan_circuits,
    schedulable_alone,
)
from equity.mobile.settings import (
    DEFAULT_N_STOPS,
    FREQUENCY_FR,
    FREQUENCY_PERIOD_WEEKS,
    HALF_DAYS,
    HOURS_UNKNOWN_FR,
    KIND_FR,
    Advisor,
    MobileSettings,
)
from equity.mobile.stops import select_stops

__all__ = [
    "DEFAULT_N_STOPS",
    "FREQUENCY_FR",
    "FREQUENCY_PERIOD_WEEKS",
    "HALF_DAYS",
    "HOST_KINDS",
    "HOURS_UNKNOWN_FR",
    "KIND_FR",
    "SCHEDULE_COLUMNS_FR",
    "UNSCHEDULABLE_COLUMNS",
    "Advisor",
    "MobileResult",
    "MobileSettings",
    "advisor_bases",
    "default_advisors",
    "host_candidates",
    "plan_circuits",
    "plan_for_diagnosis",
    "plan_mobile_sessions",
    "schedulable_alone",
    "select_stops",
]
