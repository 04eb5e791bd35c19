"""Shared fixtures: the real Sarthe territory, built once per test session."""

from __future__ import annotations

import pytest

from geo import settings
from geo.territory import Territory, build_territory


@pytest.fixture(scope="session")
def territory() -> Territory:
    return build_territory()


@pytest.fixture(autouse=True)
def _isolated_processed_dir(tmp_path, monkeypatch):
    """Never let a test read or write the user's data/processed folder."""
    monkeypatch.setattr(settings, "PROCESSED_DIR", tmp_path / "processed")
