"""Helpers shared by pages: the session's territory and French messages."""

from __future__ import annotations

import streamlit as st

from app_pages.cache import territory_for
from geo.territory import Territory, UserFiles


def current_user_files() -> UserFiles:
    """User files validated in this session (none by default)."""
    return st.session_state.get("user_files", UserFiles())


def current_territory() -> Territory:
    """Territory of this session: embedded data plus the session's validated files."""
    return territory_for(current_user_files())
