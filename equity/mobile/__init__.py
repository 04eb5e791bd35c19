"""Mobile sessions: where the service vehicles stop, who goes, and the weekly circuits.

For communes still poorly served after a placement scenario, *conseillers numériques*
with a service vehicle hold sessions at host sites (town halls, libraries, France
services, markets, user-added places). One module per concern:

- :mod:`~equity.mobile.settings` — :class:`Advisor`, :class:`MobileSettings`;
- :mod:`~equity.mobile.stops` — stop selection (maximal covering), :func:`select_stops`;
- :mod:`~equity.mobile.routing` — travel data and the timing of one circuit (working
  day, lunch break, opening hours);
- :mod:`~equity.mobile.vrp` — the week's circuits as a vehicle-routing problem (PyVRP);
- :mod:`~equity.mobile.scheduling` — the 4-week planner, :func:`plan_circuits`;
- :mod:`~equity.mobile.result` — :class:`MobileResult`, its map layers, vehicle use
  (km, cost, CO2) and the capacity the tours add (:func:`tour_capacity_by_commune`);
- :mod:`~equity.mobile.ics` — the iCalendar file, :func:`write_ics`;
- :mod:`~equity.mobile.plan` — the full plan, :func:`plan_mobile_sessions`;
- :mod:`~equity.mobile.programme` — a territory's host sites, advisor bases and
  :func:`plan_for_diagnosis`.
"""

from equity.mobile.ics import ics_text, next_monday, write_ics
from equity.mobile.plan import plan_mobile_sessions
from equity.mobile.programme import (
    HOST_KINDS,
    advisor_bases,
    default_advisors,
    host_candidates,
    plan_for_diagnosis,
)
from equity.mobile.result import MobileResult, capacity_by_stop, tour_capacity_by_commune
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
    "capacity_by_stop",
    "default_advisors",
    "host_candidates",
    "ics_text",
    "next_monday",
    "plan_circuits",
    "plan_for_diagnosis",
    "plan_mobile_sessions",
    "schedulable_alone",
    "select_stops",
    "tour_capacity_by_commune",
    "write_ics",
]
