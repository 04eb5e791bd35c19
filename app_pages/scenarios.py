"""Scénarios : create, edit, save, duplicate, import/export and compare scenarios."""

from __future__ import annotations

import streamlit as st

from app_pages.cache import clickable_commune_map, travel_model
from app_pages.clickmap import clickable_map, clicked_point
from app_pages.common import (
    CURRENT_SITUATION,
    current_territory,
    escape_markdown,
    evaluated,
    load_scenario,
    offer_controls,
    scenario_store,
    setting_widget,
    show_problems,
    show_table,
    travel_model_banner,
)
from equity.decision_table import scenario_decisions
from equity.reporting import comparison_note_fr, comparison_table, export_stem
from equity.scenarios import check_against_territory
from equity.workflows import (
    USER_ERRORS,
    ScenarioEdit,
    added_rows,
    compare_scenarios,
    display_name,
    edit_scenario,
    host_sites,
    import_scenario_bytes,
    offer_sites,
    save_scenario,
    scenario_key,
)
from equity.workflows.scenario_edit import site_at, with_map_edits
from geo.errors import DataValidationError
from geo.formatting import (
    format_datetime_fr,
    format_number_fr,
    format_percent_fr,
    french_sort_key,
    plural_fr,
)
from geo.jsonio import dumps_strict
from geo.render.classification import travel_time_bounds
from geo.render.style import SITE_TYPE_LABELS_FR
from geo.sites import SITE_TYPES

CURRENT = CURRENT_SITUATION
#: French label → code of the site types a planner can give an added advisor.
TYPE_CODES = {SITE_TYPE_LABELS_FR.get(t, t): t for t in SITE_TYPES}
# Coordinates shown to five decimals (about a metre).
COORDINATE_STEP_DEG = 0.00001

territory = current_territory()
settings = offer_controls(territory)
model = travel_model()
store = scenario_store()
listing = store.list()
names = listing["name"].tolist()

st.title("Scénarios")
travel_model_banner(model)
if "scenario_flash" in st.session_state:
    st.success(st.session_state.pop("scenario_flash"))


def _saved_message(verb: str, saved, same: int | None = None) -> str:
    if same is not None:
        return (
            f"« {escape_markdown(saved.name)} » est déjà enregistré à l'identique (version "
            f"{same}) : aucune nouvelle version."
        )
    return f"« {escape_markdown(saved.name)} » {verb} (version {saved.version})."


if listing.empty:
    st.info("Aucun scénario enregistré : créez-en un ci-dessous ou depuis la page Recommandation.")
else:
    show_table(
        listing.assign(updated_at=listing["updated_at"].map(format_datetime_fr)),
        {
            "name": ("Scénario", "text"),
            "versions": ("Versions", "int"),
            "updated_at": ("Dernière version", "text"),
            "author": ("Auteur", "text"),
            "note": ("Note", "text"),
        },
    )

tab_edit, tab_compare, tab_io = st.tabs(["Créer ou modifier", "Comparer", "Importer / exporter"])


def _on_base_change() -> None:
    """« Partir de » fills the form with the chosen scenario and drops unsaved edits.

    The places picked for additions and the typed rows go too: once saved they are part
    of the scenario, and a second save would add them twice.
    """
    chosen = st.session_state["scenario_base"]
    st.session_state["scenario_name"] = "" if chosen == CURRENT else chosen
    for key in ("map_added", "map_moved", "scenario_added"):
        st.session_state.pop(key, None)
    # Widget values are set, not dropped: a browser keeps a form widget's last value
    # when its key merely disappears (the picks stayed after a save and were added twice).
    st.session_state["hosts_added"] = []
    st.session_state["move_from"] = None
    st.session_state["move_to"] = None


# After a save, the form opens the saved scenario (a second click must not silently
# make another version of the base): applied before the widgets are drawn.
if "scenario_saved_name" in st.session_state:
    st.session_state["scenario_base"] = st.session_state.pop("scenario_saved_name")
    _on_base_change()
CLICK_ACTIONS = {
    "none": "ouvre la fiche (aucune modification)",
    "add": "ajoute un conseiller à cet endroit",
    "move": "déplace le lieu choisi à cet endroit",
}

with tab_edit:
    # « Partir de » and the comparison hold across pages, like the sidebar's settings.
    base_name = st.selectbox(
        "Partir de",
        [CURRENT, *names],
        placeholder="Choisir un scénario de départ",
        **setting_widget(
            "scenario_base", CURRENT, options=[CURRENT, *names], on_change=_on_base_change
        ),
    )
    # Back from another page the name field is new: it names the kept base again.
    st.session_state.setdefault("scenario_name", "" if base_name == CURRENT else base_name)
    base = load_scenario(base_name, settings)
    try:
        check_against_territory(base, territory)
    except DataValidationError as exc:
        show_problems(
            "Ce scénario cite des lieux absents des données actuelles (fichiers fournis "
            "différents ?) ; ces changements seront perdus à l'enregistrement :",
            exc,
            box=st.warning,
        )
    offer = offer_sites(territory, base)
    offer_labels = dict(zip(offer["site_id"], offer["name"], strict=True))
    hosts = host_sites(territory)
    host_labels = dict(zip(hosts["site_id"], hosts["name"], strict=True))

    st.markdown("**Modifier sur la carte**")
    c1, c2 = st.columns(2)
    action = c1.radio(
        "Un clic sur la carte…",
        list(CLICK_ACTIONS),
        format_func=CLICK_ACTIONS.get,
        key="click_action",
        horizontal=True,
    )
    map_added = st.session_state.setdefault("map_added", [])
    map_moved = st.session_state.setdefault("map_moved", {})
    # Advisors the scenario adds (a recommendation's) move too, not only permanences.
    movable = {
        a["site_id"]: f"Conseiller ajouté : {a['name']}" for a in (*base.changes.added, *map_added)
    } | offer_labels
    click_move = c2.selectbox(
        "Lieu à déplacer d'un clic",
        list(movable),
        format_func=movable.get,
        placeholder="Choisir un lieu à déplacer",
        # One widget per base scenario: the browser would keep showing an old label
        # (« Mairie — Aigné ») once the saved version names the moved advisor anew.
        key=f"click_move_from_{scenario_key(base)}",
        disabled=action != "move",
    )
    draft = with_map_edits(base, map_added, map_moved, territory)
    _, drafted = evaluated(territory, draft, model)
    head = drafted.headline()
    _, before = evaluated(territory, base, model)
    was = before.headline()
    gain_points = 100 * (head["share_within_threshold"] - was["share_within_threshold"])
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Conseillers",
        format_number_fr(head["advisors"]),
        delta=format_number_fr(head["advisors"] - was["advisors"]) if map_added else None,
    )
    m2.metric(
        f"À moins de {drafted.settings.threshold_min:g} min",
        format_percent_fr(head["share_within_threshold"]),
        delta=(
            f"{format_number_fr(gain_points, 1)} pt"
            if (map_added or map_moved) and round(gain_points, 1)
            else None
        ),
    )
    m3.metric(
        "Habitants par conseiller",
        format_number_fr(head["inhabitants_per_advisor"]),
        help=drafted.offer.per_advisor_help_fr(),
    )
    communes = territory.communes.join(drafted.communes[["travel_time_min"]])
    decisions = scenario_decisions(territory.communes, draft, drafted, before)
    state = clickable_map(
        clickable_commune_map(
            communes,
            territory.epci,
            drafted.offer.sites,
            ("scenario", territory.cache_key, scenario_key(draft), model),
            "travel_time_min",
            f"{draft.name} — temps d'accès (min)",
            "Minutes",
            tuple(
                travel_time_bounds(
                    drafted.settings.threshold_min, communes["travel_time_min"].max()
                )
            ),
            decisions,
        ),
        key="scenario_map",
    )
    point = clicked_point(state, "scenario_map")
    if point is not None and action != "none":
        try:
            if action == "add":
                map_added.append(site_at(territory, *point))
            else:
                # Checked first: a point outside the territory leaves the draft as it was.
                with_map_edits(base, map_added, {**map_moved, click_move: point}, territory)
                map_moved[click_move] = point
        except ValueError as exc:
            st.warning(escape_markdown(exc))
        else:
            st.rerun()
    if map_added or map_moved:
        st.caption(
            f"Modifications par clic non enregistrées : {len(map_added)} "
            f"{plural_fr(len(map_added), 'conseiller ajouté', 'conseillers ajoutés')}, "
            f"{len(map_moved)} {plural_fr(len(map_moved), 'lieu déplacé', 'lieux déplacés')}. "
            "Enregistrez ci-dessous."
        )
        if st.button("Annuler les modifications par clic"):
            st.session_state.pop("map_added")
            st.session_state.pop("map_moved")
            st.rerun()
    st.caption(
        "Étoiles : conseillers ajoutés par le scénario (orange : nouveau lieu, rose : renfort "
        "d'une permanence)."
    )

    with st.form("scenario_edit"):
        name = st.text_input("Nom", key="scenario_name")
        author = st.text_input("Auteur", value=base.author)
        note = st.text_area("Note", value=base.note)
        removed = st.multiselect(
            "Conseillers retirés (permanences existantes)",
            list(offer_labels),
            placeholder="Aucun",
            default=[r for r in base.changes.removed if r in offer_labels],
            format_func=offer_labels.get,
        )
        m1, m2 = st.columns(2)
        move_from = m1.selectbox(
            "Déplacer la permanence…",
            [None, *offer_labels],
            format_func=lambda v: "—" if v is None else offer_labels[v],
            placeholder="Choisir une permanence",
            key="move_from",
        )
        move_to = m2.selectbox(
            "…vers le lieu",
            [None, *host_labels],
            format_func=lambda v: "—" if v is None else host_labels[v],
            placeholder="Choisir un lieu d'accueil",
            key="move_to",
        )
        hosts_added = st.multiselect(
            "Ajouter un conseiller dans ces lieux",
            list(host_labels),
            placeholder="Aucun",
            format_func=host_labels.get,
            key="hosts_added",
        )
        st.markdown(
            "Conseillers ajoutés (modifiez, supprimez ou ajoutez des lignes ; "
            "longitude/latitude en degrés) :"
        )
        rows = added_rows(draft)
        rows["site_type"] = rows["site_type"].map(SITE_TYPE_LABELS_FR).fillna(rows["site_type"])
        edited = st.data_editor(
            rows,
            num_rows="dynamic",
            column_config={
                "site_id": st.column_config.TextColumn("Identifiant"),
                "name": st.column_config.TextColumn("Nom"),
                "site_type": st.column_config.SelectboxColumn("Type", options=list(TYPE_CODES)),
                "code_insee": st.column_config.TextColumn("Code INSEE"),
                # The browser's locale: a decimal comma for French users (printf
                # formats always write a point).
                "lon": st.column_config.NumberColumn(
                    "Longitude", format="localized", step=COORDINATE_STEP_DEG
                ),
                "lat": st.column_config.NumberColumn(
                    "Latitude", format="localized", step=COORDINATE_STEP_DEG
                ),
                "n_advisors": st.column_config.NumberColumn("Conseillers", min_value=0),
            },
            key="scenario_added",
            width="stretch",
        )
        save = st.form_submit_button("Enregistrer une nouvelle version", type="primary")
    if save:
        # A row typed without a type is an « other place », never « type inconnu ».
        edited = edited.assign(
            site_type=edited["site_type"].map(TYPE_CODES).fillna(edited["site_type"]).fillna("user")
        )
        edit = ScenarioEdit(
            name=name,
            author=author,
            note=note,
            removed=tuple(removed),
            move_from=move_from,
            move_to=move_to,
            hosts_added=tuple(hosts_added),
            added=tuple(edited.dropna(how="all").to_dict("records")),
        )
        try:
            edited_scenario = edit_scenario(territory, draft, edit)
            same = store.unchanged_version(edited_scenario)
            saved = save_scenario(store, territory, edited_scenario, model)
        except DataValidationError as exc:
            show_problems("Scénario non enregistré :", exc)
        except USER_ERRORS as exc:
            st.error(f"Scénario non enregistré : {escape_markdown(exc)}")
        else:
            # Shown after the rerun that refreshes the list and opens the saved scenario.
            st.session_state["scenario_flash"] = _saved_message("enregistré", saved, same)
            st.session_state["scenario_saved_name"] = saved.name
            st.rerun()

    if base_name != CURRENT:
        st.markdown("**Historique des versions**")
        history = store.history(base.name)
        show_table(
            history.assign(created_at=history["created_at"].map(format_datetime_fr)),
            {
                "version": ("Version", "int"),
                "created_at": ("Enregistrée le", "text"),
                "author": ("Auteur", "text"),
                "note": ("Note", "text"),
            },
        )

with tab_compare:
    chosen = st.multiselect(
        "Scénarios à comparer (2 à 4, le premier sert de référence)",
        [CURRENT, *names],
        max_selections=4,
        placeholder="Choisir des scénarios",
        **setting_widget("compare_names", [CURRENT, *names[:1]], options=[CURRENT, *names]),
    )
    if len(chosen) < 2:
        st.info("Choisissez au moins deux scénarios.")
    else:
        scenarios = [load_scenario(n, settings) for n in chosen]
        try:
            comparison = compare_scenarios(
                territory, scenarios, evaluator=lambda s: evaluated(territory, s, model)
            )
        except USER_ERRORS as exc:
            st.error(escape_markdown(exc))
        else:
            table = comparison_table(comparison)
            st.dataframe(table, width="stretch")
            st.caption(comparison_note_fr(table))
            st.markdown("**Par EPCI**")
            # French order and header, shares to one decimal as on Diagnostic.
            by_epci = comparison.by_epci.sort_index(key=lambda names: names.map(french_sort_key))
            by_epci.index.name = "EPCI"
            formats = {
                col: (lambda v: format_percent_fr(v, 1))
                if col.endswith("part sous le seuil")
                else format_number_fr
                for col in by_epci.columns
            }
            st.dataframe(by_epci.style.format(formats), width="stretch")
            changes = comparison.access_changes
            st.markdown(f"**Communes qui gagnent ou perdent l'accès** ({len(changes)})")
            if changes.empty:
                st.caption("Aucune commune ne change de situation par rapport à la référence.")
            else:
                changes = changes.assign(
                    change=changes["change"].map({"gains": "gagne", "loses": "perd"})
                )
                show_table(
                    changes,
                    {
                        "scenario": ("Scénario", "text"),
                        "name": ("Commune", "text"),
                        "change": ("Accès", "text"),
                        "travel_time_before_min": ("Temps avant (min)", "dec"),
                        "travel_time_after_min": ("Temps après (min)", "dec"),
                    },
                )

with tab_io:
    if names:
        export_name = st.selectbox(
            "Scénario à exporter", names, placeholder="Choisir un scénario", key="export_name"
        )
        try:
            exported = dumps_strict(store.load(export_name).to_dict())
        except DataValidationError as exc:
            show_problems("Ce scénario enregistré est illisible et ne peut pas être exporté :", exc)
        else:
            st.download_button(
                "Télécharger le scénario (JSON)",
                exported,
                file_name=f"{export_stem(export_name)}.json",
                mime="application/json",
            )
    upload = st.file_uploader("Importer un scénario (JSON)", type=["json"], key="scenario_import")
    if upload is not None and st.button("Valider et importer"):
        try:
            saved = import_scenario_bytes(
                store, territory, upload.getvalue(), display_name(upload.name), model
            )
        except DataValidationError as exc:
            show_problems("Scénario refusé :", exc)
        except USER_ERRORS as exc:
            st.error(f"Scénario refusé : {escape_markdown(exc)}")
        else:
            st.success(_saved_message("importé", saved))
