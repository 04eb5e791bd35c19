"""Load the territory: from the processed cache when it is current and sound, else built."""

from __future__ import annotations

from pathlib import Path

from geo.territory.build import build_territory
from geo.territory.cache import cache_key, read_cache, write_cache
from geo.territory.model import Territory, UserFiles

__all__ = ["load_territory"]


def load_territory(
    user: UserFiles | None = None, use_cache: bool = True, directory: Path | None = None
) -> Territory:
    """Load the validated territory, from the processed cache when it is current.

    Parameters
    ----------
    user : UserFiles, optional
        User files that complement or replace embedded layers.
    use_cache : bool
        Read and write ``data/processed/territory/<key>/``.
    directory : Path, optional
        Processed-data folder (default :data:`geo.settings.PROCESSED_DIR`).

    Returns
    -------
    Territory
        The validated territory (a damaged cache is rebuilt, never used).

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is invalid (every problem listed).
    """
    if use_cache:
        cached = read_cache(cache_key(user), directory)
        if cached is not None:
            return cached
    territory = build_territory(user)
    if use_cache:
        write_cache(territory, directory)
    return territory
