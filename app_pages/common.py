"""Helpers shared by pages: the session's territory, offer settings and banners."""

from __future__ import annotations

import math

import streamlit as st

from app_pages.cache import territory_for
from equity.diagnostics import DiagnosisSettings
from equity.need import NeedWeights, default_weights
from equity.offer import DEFAULT_OFFER_TYPES
from equity.reporting import current_situation
from equity.scenarios import Scenario, ScenarioStore, ScenarioStoreError
from geo.formatting import format_number_fr, format_percent_fr
from geo.sites import SITE_TYPES
from geo.socio import INDICATORS
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
            placeholder="Choisir des types de lieux",
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
    return DiagnosisSettings(
        threshold_min=float(threshold),
        offer_types=tuple(offer_types),
        need_weights=st.session_state.get("need_weights"),
    )


CURRENT_SITUATION = "Situation actuelle"


def load_scenario(name: str, settings: DiagnosisSettings) -> Scenario:
    """A saved scenario, or the session's current situation (sidebar offer and threshold)."""
    if name == CURRENT_SITUATION:
        return current_situation(
            {"threshold_min": settings.threshold_min, "offer_types": list(settings.offer_types)}
        )
    return scenario_store().load(name)


def need_weight_controls(territory: Territory) -> None:
    """Expander to change the need-index weights; applies to every page of the session."""
    fibre_outdated = territory.sources.get("fibre", {}).get("status") == "DATED"
    defaults = default_weights(fibre_outdated)
    current = st.session_state.get("need_weights") or defaults
    columns = [c for c in current.weights if c in territory.communes.columns]
    columns += [c for c in territory.communes.columns if c.startswith("user_")]
    labels = {
        **{k: v[0] for k, v in INDICATORS.items()},
        "fibre_share": "Fibre (locaux raccordables)",
    }
    with st.expander("Pondération de l'indice de besoin"):
        st.caption(
            "Poids relatifs (ramenés à 100 %). Indicateurs en rangs 0–1, orientés pour que "
            "1 = plus de besoin. La fibre de 2018 est à 0 tant que la couche est obsolète."
        )
        with st.form("need_weights_form"):
            weights = {}
            for column in columns:
                weights[column] = st.slider(
                    labels.get(column, column.removeprefix("user_").replace("_", " ")),
                    0.0,
                    1.0,
                    float(current.weights.get(column, 0.0)),
                    step=0.05,
                    key=f"w_{column}",
                )
            c1, c2 = st.columns(2)
            apply = c1.form_submit_button("Appliquer")
            reset = c2.form_submit_button("Poids par défaut")
        if apply:
            if sum(weights.values()) == 0:
                st.error("Au moins un poids doit être positif.")
            else:
                directions = {
                    **current.directions,
                    **{c: 1 for c in weights if c not in current.directions},
                }
                st.session_state["need_weights"] = NeedWeights(weights, directions)
                st.rerun()
        if reset:
            st.session_state.pop("need_weights", None)
            for column in columns:
                st.session_state.pop(f"w_{column}", None)
            st.rerun()


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
