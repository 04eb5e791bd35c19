"""Helpers shared by pages: the session's territory and settings, banners, safe text."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import streamlit as st

from app_pages.cache import (
    departement_choices,
    diagnosis_for,
    mobile_for,
    scenario_evaluation,
    territory_for,
)
from equity.diagnostics import Diagnosis
from equity.need import NeedWeights
from equity.scenarios import Scenario, ScenarioStore, ScenarioStoreError
from equity.workflows import (
    CURRENT_SITUATION,
    DiagnoseRequest,
    default_need_weights,
    open_store,
    scenario_key,
    scenario_or_current,
)
from geo.defaults import DEPARTEMENT_CODE, OFFER_TYPES, THRESHOLD_MIN
from geo.errors import DataValidationError
from geo.formatting import format_number_fr, format_percent_fr, plural_fr
from geo.sites import SITE_TYPES
from geo.socio import INDICATORS
from geo.territory import Territory, UserFiles
from geo.travel_time import TravelModel

if TYPE_CHECKING:
    from equity.mobile import MobileResult
    from equity.workflows import EvaluatedScenario, MobileRequest

__all__ = [
    "CURRENT_SITUATION",
    "OFFER_CHOICES",
    "SETTING_PREFIX",
    "current_departement",
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
    "session_setting",
    "setting_widget",
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
    # exc.total counts the problems found beyond those kept (exc.problems stops at 1,000).
    if exc.total > len(lines):
        more = exc.total - len(lines)
        others = plural_fr(more, "autre problème", "autres problèmes")
        lines.append(f"- … et {format_number_fr(more)} {others}.")
    box(head + "\n\n" + "\n".join(lines))


def current_user_files() -> UserFiles:
    """User files validated in this session (none by default)."""
    return st.session_state.get("user_files", UserFiles())


def current_departement() -> str:
    """The session's département, chosen in the sidebar (default Sarthe, 72)."""
    choices = departement_choices()
    # A session setting (see setting_widget): the territory holds across pages.
    with st.sidebar:
        code = st.selectbox(
            "Département",
            list(choices),
            placeholder="Choisir un département",
            format_func=choices.__getitem__,
            **setting_widget("departement", DEPARTEMENT_CODE),
        )
    return code


def current_territory() -> Territory:
    """Territory of this session: the chosen département plus the session's validated files."""
    code = current_departement()
    try:
        return territory_for(current_user_files(), code)
    except DataValidationError as exc:
        # Files checked against another département may not fit this one.
        show_problems("Vos fichiers ne conviennent pas à ce département.", exc)
        st.stop()


#: Prefix of the non-widget session keys that hold the session's settings. A widget's
#: own key is dropped when a page without that widget runs (Streamlit's multipage
#: behaviour), so the value lives under this prefix and feeds the widget on each page.
SETTING_PREFIX = "setting_"


def session_setting(name: str, default: object) -> object:
    """The session's value of setting ``name`` (``default`` until the user changes it)."""
    return st.session_state.setdefault(SETTING_PREFIX + name, default)


def _keep_setting(name: str, then: Callable[[], None] | None = None) -> None:
    st.session_state[SETTING_PREFIX + name] = st.session_state[name]
    if then is not None:
        then()


def setting_widget(
    name: str,
    default: object,
    *,
    in_form: bool = False,
    options: Sequence[object] | None = None,
    on_change: Callable[[], None] | None = None,
) -> dict[str, object]:
    """Keyword arguments that bind a widget (key ``name``) to the session setting ``name``.

    Use as ``st.selectbox(label, options, **setting_widget("x", default))``, without the
    widget's own default value: the widget shows the kept value on every page and each
    change is kept for the whole session (Streamlit forgets the state of a widget it
    does not draw, e.g. on another page). ``in_form``: a widget inside ``st.form``, which
    takes no callback; its value is kept on the run its form submits. ``options``: the
    widget's current choices, for a kept value that may have gone (a deleted scenario):
    it is dropped (from a list) or replaced by ``default``. ``on_change``: the widget's
    own callback, run after the setting is kept.
    """
    # A widget key already set (the widget on this page, or code choosing for the user)
    # is the latest choice; without it the kept setting feeds the widget.
    if name in st.session_state:
        st.session_state[SETTING_PREFIX + name] = st.session_state[name]
    value = session_setting(name, default)
    if options is not None:
        if isinstance(value, list):
            value = [v for v in value if v in options]
        elif value not in options:
            value = default
    st.session_state[name] = value
    if in_form:
        return {"key": name}
    return {"key": name, "on_change": _keep_setting, "args": (name, on_change)}


def offer_controls(territory: Territory) -> DiagnoseRequest:
    """Sidebar widgets for the existing offer and the threshold, shared by every page.

    The choices are session settings (:func:`setting_widget`): set on one page, they
    hold on every other page for the whole session.
    """
    present = set(territory.sites["site_type"])
    choices = [t for t in OFFER_CHOICES if t in present]
    kept = st.session_state.get("offer_types", session_setting("offer_types", list(OFFER_TYPES)))
    # Types absent from this territory (other user files) cannot be offered as choices.
    st.session_state["offer_types"] = [t for t in kept if t in choices]
    with st.sidebar:
        st.header("Offre et seuil")
        offer_types = st.multiselect(
            "Lieux comptés comme aide existante",
            choices,
            placeholder="Choisir des types de lieux",
            format_func=SITE_TYPES.get,
            help="Par défaut, les permanences des conseillers numériques (avec leur nombre de "
            "conseillers). Les France services offrent une aide généraliste, pas un conseiller.",
            **setting_widget("offer_types", list(OFFER_TYPES)),
        )
        threshold = st.select_slider(
            "Seuil de temps de trajet (minutes)",
            THRESHOLD_CHOICES_MIN,
            format_func=lambda m: f"{m} min",
            **setting_widget("threshold_min", int(THRESHOLD_MIN)),
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
    """A saved scenario, or the session's current situation (sidebar offer and threshold).

    A stored version that fails the validator (a tampered database) or a store that
    became unusable stops the page with a French message.
    """
    store = None if name == CURRENT_SITUATION else scenario_store()
    try:
        return scenario_or_current(store, name, request)
    except DataValidationError as exc:
        show_problems(f"Le scénario « {escape_markdown(name)} » enregistré est illisible :", exc)
    except ScenarioStoreError as exc:
        st.error(escape_markdown(exc))
    st.stop()


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
                # Whole percentages: a slider's own number format shows a decimal point.
                weights[column] = (
                    st.slider(
                        escape_markdown(_weight_label(column)),
                        0,
                        100,
                        round(100 * float(current.weights.get(column, 0.0))),
                        step=5,
                        format="%d %%",
                        key=f"w_{column}",
                    )
                    / 100
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
            # One decimal: « 100 % » must not hide the last tenths a plan gains.
            return format_percent_fr(value, 1)
        return format_number_fr(value, 1 if kind == "dec" else 0)

    return fmt


def show_table(frame, columns: dict[str, tuple[str, str]], height: int | None = None) -> None:
    """Display ``frame`` with French headers and French number formats.

    ``columns`` maps a column to (French header, kind) where kind is ``"int"``,
    ``"dec"`` (one decimal), ``"pct"`` (a 0–1 share) or ``"text"``. Values are
    formatted through a Styler, so columns still sort by their numeric value. A first
    text column (the names) stays pinned when a wide table scrolls sideways.
    """
    shown = frame[list(columns)].reset_index(drop=True)
    formats = {col: _fr_cell(kind) for col, (_, kind) in columns.items() if kind != "text"}
    first = next(iter(columns))
    config = {
        col: st.column_config.Column(label, pinned=(col == first and kind == "text") or None)
        for col, (label, kind) in columns.items()
    }
    st.dataframe(
        shown.style.format(formats),
        column_config=config,
        hide_index=True,
        width="stretch",
        height=height or _rows_height(len(shown)),
    )


#: Rows a table shows in full before it scrolls (Streamlit's "auto" stops at 10).
_FULL_TABLE_ROWS = 40


def _rows_height(n_rows: int) -> int:
    # 35 px per row plus the header, as Streamlit draws them.
    return 35 * (min(n_rows, _FULL_TABLE_ROWS) + 1) + 3


def scenario_store() -> ScenarioStore:
    """The shared scenario database; a foreign or damaged file stops the page in French."""
    try:
        return open_store()
    except ScenarioStoreError as exc:
        st.error(escape_markdown(exc))
        st.stop()
