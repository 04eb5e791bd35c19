"""Helpers shared by pages: the session's territory, offer settings and banners."""

from __future__ import annotations

import math

import streamlit as st

from app_pages.cache import territory_for
from equity.diagnostics import DiagnosisSettings
from equity.offer import DEFAULT_OFFER_TYPES
from equity.scenarios import ScenarioStore, ScenarioStoreError
from geo.formatting import format_number_fr, format_percent_fr
from geo.sites import SITE_TYPES
from geo.territory import Territory, UserFiles
from geo.travel_time import TravelModel

OFFER_CHOICES: tuple[str, ...] = (
    "cnfs_permanence",
    "france_services",
    "library",
    "data_inclusion",
    "market",
    "user",
)


def current_user_files() -> UserFiles:
    """User files validated in this session (none by default)."""
    return st.session_state.get("user_files", UserFiles())


def current_territory() -> Territory:
    """Territory of this session: embedded data plus the session's validated files."""
    return territory_for(current_user_files())


def offer_controls(territory: Territory) -> DiagnosisSettings:
    """Sidebar widgets for the existing offer and the threshold, shared by every page."""
    present = set(territory.sites["site_type"])
    choices = [t for t in OFFER_CHOICES if t in present]
    st.session_state.setdefault("offer_types", list(DEFAULT_OFFER_TYPES))
    st.session_state.setdefault("threshold_min", 20)
    with st.sidebar:
        st.header("Offre et seuil")
        offer_types = st.multiselect(
            "Lieux comptés comme aide existante",
            choices,
            format_func=SITE_TYPES.get,
            key="offer_types",
            help="Par défaut, les permanences des conseillers numériques (avec leur nombre de "
            "conseillers). Les France services offrent une aide généraliste, pas un conseiller.",
        )
        threshold = st.select_slider(
            "Seuil de temps de trajet (minutes)", [10, 15, 20, 30, 45], key="threshold_min"
        )
    if not offer_types:
        st.warning("Choisissez au moins un type de lieu comme offre existante.")
        st.stop()
    return DiagnosisSettings(threshold_min=float(threshold), offer_types=tuple(offer_types))


def travel_model_banner(model: TravelModel) -> None:
    """Say, wherever travel times are shown, how they were computed."""
    if model.is_approximate:
        st.warning(
            f"**Temps de trajet approximatifs** — {model.label}. Aucun réseau routier n'est "
            "construit : voir la page Données pour en construire un à partir d'un extrait "
            "OpenStreetMap.",
            icon=":material/info:",
        )
    else:
        st.caption(f"Temps de trajet : {model.label}.")


def _fr_cell(kind: str):
    def fmt(value) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "–"
        if kind == "pct":
            return format_percent_fr(value)
        return format_number_fr(value, 1 if kind == "dec" else 0)

    return fmt


def show_table(frame, columns: dict[str, tuple[str, str]], height: int | None = None) -> None:
    """Display ``frame`` with French headers and French number formats.

    ``columns`` maps a column to (French header, kind) where kind is ``"int"``,
    ``"dec"`` (one decimal), ``"pct"`` (a 0–1 share) or ``"text"``. Values are
    formatted through a Styler, so columns still sort by their numeric value.
    """
    shown = frame[list(columns)].reset_index(drop=True)
    formats = {col: _fr_cell(kind) for col, (_, kind) in columns.items() if kind != "text"}
    config = {col: st.column_config.Column(label) for col, (label, _) in columns.items()}
    st.dataframe(
        shown.style.format(formats),
        column_config=config,
        hide_index=True,
        width="stretch",
        height=height or "auto",
    )


def scenario_store() -> ScenarioStore:
    """The shared scenario database; a foreign or damaged file stops the page in French."""
    try:
        return ScenarioStore()
    except ScenarioStoreError as exc:
        st.error(str(exc))
        st.stop()
