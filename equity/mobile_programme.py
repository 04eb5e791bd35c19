"""Former home of the mobile-session programme, kept so existing imports work.

The code lives in :mod:`equity.mobile.programme`.
"""

from equity.mobile.programme import (
    HOST_KINDS,
    advisor_bases,
    default_advisors,
    host_candidates,
    plan_for_diagnosis,
)

__all__ = [
    "HOST_KINDS",
    "advisor_bases",
    "default_advisors",
    "host_candidates",
    "plan_for_diagnosis",
]
