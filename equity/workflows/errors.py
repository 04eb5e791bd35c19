"""Errors a user can fix, raised by the workflow layer with a French message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from equity.placement import PlacementInfeasible
from equity.scenarios import ScenarioStoreError
from geo.errors import DataValidationError

__all__ = [
    "USER_ERRORS",
    "InvalidRequest",
    "ScenarioNotFound",
    "WorkflowError",
    "checked_settings",
]

T = TypeVar("T")


class WorkflowError(ValueError):
    """A request that cannot be carried out as asked; the message says why, in French."""


class InvalidRequest(WorkflowError):
    """A parameter of the request is out of range or unknown."""


class ScenarioNotFound(WorkflowError):
    """No saved scenario (or version) has this name."""


#: Every error the CLI and the app show as a French message instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (
    DataValidationError,
    PlacementInfeasible,
    ScenarioStoreError,
    WorkflowError,
)


def checked_settings(factory: Callable[..., T], **fields: Any) -> T:
    """Build an engine settings object; its own validation becomes :class:`InvalidRequest`.

    The engines' settings dataclasses check their values in ``__post_init__`` and raise
    ``ValueError`` with a French message: that message is meant for the user.
    """
    try:
        return factory(**fields)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
