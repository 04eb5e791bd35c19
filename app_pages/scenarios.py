"""Scénarios : create, edit, save, duplicate, import/export and compare scenarios."""

from __future__ import annotations

import streamlit as st

from app_pages.cache import commune_map_html, travel_model
from app_pages.common import (
    CURRENT_SITUATION,
    current_territory,
    escape_markdown,
    evaluated,
    load_scenario,
    offer_controls,
    scenario_store,
    show_problems,
    show_table,
    travel_model_banner,
)
from equity.reporting import comparison_table, export_stem
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
from geo.errors import DataValidationError
from geo.formatting import format_date_fr, format_number_fr, format_percent_fr
from geo.jsonio import dumps_strict
from geo.sites import SITE_TYPES

CURRENT = CURRENT_SITUATION

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


def _when(timestamp: str) -> str:
    return f"{format_date_fr(timestamp)} à {timestamp[11:16]} (UTC)"


def _saved_message(verb: str, saved) -> str:
    return f"« {escape_markdown(saved.name)} » {verb} (version {saved.version})."


if listing.empty:
    st.info("Aucun scénario enregistré : créez-en un ci-dessous ou depuis la page Recommandation.")
else:
    show_table(
        listing.assign(updated_at=listing["updated_at"].map(_when)),
        {
            "name": ("Scénario", "text"),
            "versions": ("Versions", "int"),
            "updated_at": ("Dernière version", "text"),
            "author": ("Auteur", "text"),
            "note": ("Note", "text"),
        },
    )

tab_edit, tab_compare, tab_io = st.tabs(["Créer ou modifier", "Comparer", "Importer / exporter"])

with tab_edit:
    base_name = st.selectbox("Partir de", [CURRENT, *names], key="scenario_base")
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
    with st.form("scenario_edit"):
        name = st.text_input(
            "Nom", value="" if base_name == CURRENT else base.name, key="scenario_name"
        )
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
            key="move_from",
        )
        move_to = m2.selectbox(
            "…vers le lieu",
            [None, *host_labels],
            format_func=lambda v: "—" if v is None else host_labels[v],
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
        edited = st.data_editor(
            added_rows(base),
            num_rows="dynamic",
            column_config={
                "site_id": st.column_config.TextColumn("Identifiant"),
                "name": st.column_config.TextColumn("Nom"),
                "site_type": st.column_config.SelectboxColumn("Type", options=list(SITE_TYPES)),
                "code_insee": st.column_config.TextColumn("Code INSEE"),
                "lon": st.column_config.NumberColumn("Longitude", format="%.5f"),
                "lat": st.column_config.NumberColumn("Latitude", format="%.5f"),
                "n_advisors": st.column_config.NumberColumn("Conseillers", min_value=0),
            },
            key="scenario_added",
            width="stretch",
        )
        save = st.form_submit_button("Enregistrer une nouvelle version", type="primary")
    if save:
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
            saved = save_scenario(store, territory, edit_scenario(territory, base, edit), model)
        except DataValidationError as exc:
            show_problems("Scénario non enregistré :", exc)
        except USER_ERRORS as exc:
            st.error(f"Scénario non enregistré : {escape_markdown(exc)}")
        else:
            # Shown after the rerun that refreshes the list of scenarios.
            st.session_state["scenario_flash"] = _saved_message("enregistré", saved)
            st.rerun()

    if base_name != CURRENT:
        _, diagnosed = evaluated(territory, base, model)
        head = diagnosed.headline()
        c1, c2, c3 = st.columns(3)
        c1.metric("Conseillers", format_number_fr(head["advisors"]))
        c2.metric(
            f"À moins de {diagnosed.settings.threshold_min:g} min",
            format_percent_fr(head["share_within_threshold"]),
        )
        c3.metric("Habitants par conseiller", format_number_fr(head["inhabitants_per_advisor"]))
        communes = territory.communes.join(diagnosed.communes[["travel_time_min"]])
        html = commune_map_html(
            communes,
            territory.epci,
            diagnosed.offer.sites,
            None,
            ("scenario", territory.cache_key, scenario_key(base), model),
            "travel_time_min",
            "quantiles",
            False,
            title=f"{base.name} — temps d'accès (min)",
            legend_title="Minutes",
            popup_columns=(("population", "Population (2022)"),),
            percent_columns=(),
        )
        st.iframe(html, height=520)
        st.markdown("**Historique des versions**")
        history = store.history(base.name)
        show_table(
            history.assign(created_at=history["created_at"].map(_when)),
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
        default=[CURRENT, *names[:1]],
        max_selections=4,
        placeholder="Choisir des scénarios",
        key="compare_names",
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
            st.dataframe(comparison_table(comparison), width="stretch")
            st.markdown("**Par EPCI**")
            by_epci = comparison.by_epci
            formats = {
                col: format_percent_fr if col.endswith("part sous le seuil") else format_number_fr
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
        export_name = st.selectbox("Scénario à exporter", names, key="export_name")
        st.download_button(
            "Télécharger le scénario (JSON)",
            dumps_strict(store.load(export_name).to_dict()),
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
