"""Données : sources, vintages, licences, warnings, and the user's own files."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.cache import territory_for, travel_model
from app_pages.common import current_territory, current_user_files, escape_markdown, show_problems
from equity.workflows import Upload, apply_uploads
from geo.defaults import MAX_USER_FILE_BYTES
from geo.errors import DataValidationError
from geo.formatting import format_iso_dates_fr, format_number_fr, plural_fr
from geo.network import build_network_from_pbf, network_info, network_is_damaged

STATUS_FR = {
    "OK": "à jour",
    "DATED": "daté",
    "VERIFY": "licence de l'éditeur d'origine, à vérifier",
    "USER": "fourni par vous",
}


territory = current_territory()
st.title("Données")

st.subheader("Temps de trajet")
model = travel_model()
info = network_info()
if info is None and network_is_damaged():
    st.error(
        "**Réseau routier endommagé : il est ignoré.** Le fichier du réseau enregistré ne "
        "passe pas ses contrôles d'intégrité ; les temps de trajet sont approximatifs "
        f"({model.label}) tant qu'il n'est pas reconstruit :\n\n"
        "`maillage network build --pbf pays-de-la-loire-latest.osm.pbf`",
        icon=":material/warning:",
    )
elif info is None:
    st.warning(
        f"**Aucun réseau routier construit.** Les temps de trajet sont approximatifs : "
        f"{model.label}. Pour des temps réels, construisez le réseau à partir d'un extrait "
        "OpenStreetMap (.osm.pbf, par exemple l'extrait Pays de la Loire) :\n\n"
        "`maillage network build --pbf pays-de-la-loire-latest.osm.pbf`\n\n"
        "ou, sur une machine connectée à Internet, `maillage network build --download`.",
        icon=":material/info:",
    )
else:
    st.success(f"Modèle de trajet : {model.label}.")
    st.caption(
        f"Réseau : {format_number_fr(info['n_nodes'])} nœuds, "
        f"{format_number_fr(info['n_edges'])} tronçons, construit le {info['build_date'][:10]} "
        f"à partir de {info['source']}. Données © contributeurs OpenStreetMap (ODbL)."
    )
with st.expander("Construire le réseau routier depuis un fichier présent sur le serveur"):
    pbf = st.text_input("Chemin du fichier .osm.pbf sur le serveur", key="pbf_path")
    if st.button("Construire le réseau", disabled=not pbf):
        bar = st.progress(0.0, text="Lecture de l'extrait…")
        try:
            build_network_from_pbf(
                pbf, progress=lambda step, fraction: bar.progress(min(fraction, 1.0), text=step)
            )
        except DataValidationError as exc:
            show_problems("Réseau non construit.", exc)
        else:
            travel_model.clear()
            st.success(
                "Réseau construit : toutes les pages utilisent désormais les temps routiers."
            )

st.subheader("Sources et millésimes")
rows = [
    {
        "Couche": meta.get("label", layer),
        "Millésime": format_iso_dates_fr(territory.vintages.get(layer, meta.get("vintage", ""))),
        "Statut": STATUS_FR.get(meta.get("status", ""), meta.get("status", "")),
        "Producteur": meta.get("publisher", ""),
        "Licence": meta.get("licence", ""),
    }
    for layer, meta in territory.sources.items()
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader(f"Avertissements ({len(territory.warnings)})")
for warning in territory.warnings:
    st.warning(escape_markdown(warning))

st.subheader("Vos fichiers")
st.markdown(
    "Le Département dispose de fichiers plus récents que ceux embarqués. Formats acceptés : "
    "CSV (séparateur `;` ou `,`, virgule décimale, UTF-8 ou Windows-1252) ou GeoJSON pour les "
    "lieux. Chaque problème trouvé est listé ; rien n'est appliqué tant que le fichier n'est "
    f"pas valide. Taille maximale : {format_number_fr(MAX_USER_FILE_BYTES / 1024**2)} Mo "
    "par fichier."
)
user = current_user_files()
with st.form("uploads"):
    sites_file = st.file_uploader(
        "Lieux / conseillers (colonnes : nom, type, longitude et latitude ou code_insee, "
        "nb_conseillers)",
        type=["csv", "geojson", "json"],
        key="upload_sites",
    )
    replace = st.checkbox(
        "Les lieux fournis remplacent les lieux embarqués du même type", value=user.replace_sites
    )
    fibre_file = st.file_uploader(
        "Fichier communal ARCEP FttH actuel (CSV de l'onglet « Communes »)",
        type=["csv"],
        key="upload_fibre",
    )
    indicators_file = st.file_uploader(
        "Indicateurs par commune (code_insee + colonnes numériques)",
        type=["csv"],
        key="upload_indicators",
    )
    submitted = st.form_submit_button("Valider et appliquer")

if submitted:
    chosen = {
        kind: Upload(upload.getvalue(), upload.name)
        for kind, upload in (
            ("sites", sites_file),
            ("fibre", fibre_file),
            ("indicators", indicators_file),
        )
        if upload is not None
    }
    try:
        applied = apply_uploads(
            chosen, user, replace, lambda files: territory_for(files, territory.departement_code)
        )
    except DataValidationError as exc:
        show_problems(
            f"Fichier refusé — {format_number_fr(exc.total)} {plural_fr(exc.total, 'problème')}. "
            "Rien n'a été "
            "conservé ; les données en cours sont gardées.",
            exc,
        )
    else:
        st.session_state["user_files"] = applied.user_files
        st.session_state["user_file_names"] = {
            **st.session_state.get("user_file_names", {}),
            **applied.names,
        }
        st.success("Fichiers validés et appliqués à toutes les pages de votre session.")
        st.rerun()

active = [p for p in (user.sites, user.fibre, user.indicators) if p is not None]
if active:
    shown = st.session_state.get("user_file_names", {})
    st.info("Fichiers appliqués :")
    st.text("\n".join(shown.get(str(p), p.name) for p in active))
    if st.button("Revenir aux seules données embarquées"):
        st.session_state.pop("user_files", None)
        st.session_state.pop("user_file_names", None)
        st.rerun()
