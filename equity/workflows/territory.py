"""Load territory: embedded data plus the user's validated files."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.territory import Territory, UserFiles, load_territory

__all__ = ["TerritoryRequest", "open_territory"]


@dataclass(frozen=True)
class TerritoryRequest:
    """Which territory to load.

    Attributes
    ----------
    user_files : UserFiles
        Validated user files that complement or replace embedded layers.
    use_cache : bool
        Read and write the processed cache (``data/processed/territory``).
    """

    user_files: UserFiles = field(default_factory=UserFiles)
    use_cache: bool = True


def open_territory(request: TerritoryRequest | None = None) -> Territory:
    """The validated territory of ``request``.

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is invalid (every problem listed).
    """
    request = request or TerritoryRequest()
    return load_territory(request.user_files, use_cache=request.use_cache)
