"""Helpers shared by pages: the session's territory and settings, banners, safe text."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import streamlit as st

from app_pages.cache import diagnosis_for, mobile_for, scenario_evaluation, territory_for
from equity.diagnostics import Diagnosis
from equity.mobile import MobileResult
from equity.need import NeedWeights
from equity.scenarios import Scenario, ScenarioStore, ScenarioStoreError
from equity.workflows import (
    CURRENT_SITUATION,
    DiagnoseRequest,
    EvaluatedScenario,
    MobileRequest,
    default_need_weights,
    open_store,
    scenario_key,
    scenario_or_current,
)
from geo.defaults import OFFER_TYPES, THRESHOLD_MIN
from geo.errors import DataValidationError
from geo.formatting import format_number_fr, format_percent_fr
from geo.sites import SITE_TYPES
from geo.socio import INDICATORS
from geo.territory import Territory, UserFiles
from geo.travel_time import TravelModel

__all__ = [
    "CURRENT_SITUATION",
    "OFFER_CHOICES",
    "current_territory",
    "current_user_files",
    "diagnosis",
    "escape_markdown",
    "evaluated",
    "load_scenario",
    "mobile_plan",
    "need_weight_controls",
    "offer_controls",
    "scenario_store",
    "show_problems",
    "show_table",
    "travel_model_banner",
]

OFFER_CHOICES: tuple[str, ...] = (
    "cnfs_permanence",
    "france_services",
    "library",
    "data_inclusion",
    "market",
    "user",
)
THRESHOLD_CHOICES_MIN: tuple[int, ...] = (10, 15, 20, 30, 45)
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: object) -> str:
    """``text`` with every ASCII punctuation escaped, so Streamlit shows it as typed.

    User text (file cells, scenario and site names) must never become a link, an
    image fetched by the browser, a heading or LaTeX.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text)).replace("\n", " ")


def show_problems(
    head: str, exc: DataValidationError, limit: int = 100, box: Callable = st.error
) -> None:
    """A French error box: ``head`` (trusted text) then every problem, escaped."""
    lines = [f"- {escape_markdown(p)}" for p in exc.ordered()[:limit]]
    if len(exc.problems) > limit:
        lines.append(f"- … et {len(exc.problems) - limit} autre(s) problème(s).")
    box(head + "\n\n" + "\n".join(lines))


def current_user_files() -> UserFiles:
    """User files validated in this session (none by default)."""
    return st.session_state.get("user_files", UserFiles())


def current_territory() -> Territory:
    """Territory of this session: embedded data plus the session's validated files."""
    return territory_for(current_user_files())


def offer_controls(territory: Territory) -> DiagnoseRequest:
    """Sidebar widgets for the existing offer and the threshold, shared by every page."""
    present = set(territory.sites["site_type"])
    choices = [t for t in OFFER_CHOICES if t in present]
    st.session_state.setdefault("offer_types", list(OFFER_TYPES))
    st.session_state.setdefault("threshold_min", int(THRESHOLD_MIN))
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
            "Seuil de temps de trajet (minutes)", THRESHOLD_CHOICES_MIN, key="threshold_min"
        )
    if not offer_types:
        st.warning("Choisissez au moins un type de lieu comme offre existante.")
        st.stop()
    return DiagnoseRequest(
        threshold_min=float(threshold),
        offer_types=tuple(offer_types),
        need_weights=st.session_state.get("need_weights"),
    )


def diagnosis(territory: Territory, request: DiagnoseRequest, model: TravelModel) -> Diagnosis:
    """The (cached) diagnostic of ``request``."""
    return diagnosis_for(territory, territory.cache_key, request, request.cache_key(), model)


def evaluated(territory: Territory, scenario: Scenario, model: TravelModel) -> EvaluatedScenario:
    """The (cached) evaluation of a scenario, keyed by :func:`equity.workflows.scenario_key`."""
    return scenario_evaluation(
        territory, territory.cache_key, scenario, scenario_key(scenario), model
    )


def mobile_plan(
    territory: Territory, scenario: Scenario, request: MobileRequest, model: TravelModel
) -> MobileResult:
    """The (cached) mobile programme on top of a scenario's fixed sites."""
    return mobile_for(
        territory,
        territory.cache_key,
        scenario,
        scenario_key(scenario),
        request,
        request.cache_key(),
        model,
    )


def load_scenario(name: str, request: DiagnoseRequest) -> Scenario:
    """A saved scenario, or the session's current situation (sidebar offer and threshold)."""
    store = None if name == CURRENT_SITUATION else scenario_store()
    return scenario_or_current(store, name, request)


def _weight_label(column: str) -> str:
    labels = {
        **{k: v[0] for k, v in INDICATORS.items()},
        "fibre_share": "Fibre (locaux raccordables)",
    }
    return labels.get(column, column.removeprefix("user_").replace("_", " "))


def need_weight_controls(territory: Territory) -> None:
    """Expander to change the need-index weights; applies to every page of the session."""
    current = st.session_state.get("need_weights") or default_need_weights(territory)
    columns = [c for c in current.weights if c in territory.communes.columns]
    columns += [c for c in territory.communes.columns if c.startswith("user_")]
    with st.expander("Pondération de l'indice de besoin"):
        st.caption(
            "Poids relatifs (ramenés à 100 %). Indicateurs en rangs 0–1, orientés pour que "
            "1 = plus de besoin. La fibre de 2018 est à 0 tant que la couche est obsolète."
        )
        with st.form("need_weights_form"):
            weights = {}
            for column in columns:
                weights[column] = st.slider(
                    escape_markdown(_weight_label(column)),
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
        return open_store()
    except ScenarioStoreError as exc:
        st.error(escape_markdown(exc))
        st.stop()
