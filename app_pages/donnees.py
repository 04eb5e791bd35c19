"""Données : sources, vintages, licences, warnings, and the user's own files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.cache import territory_for, travel_model
from app_pages.common import current_territory, current_user_files
from geo import settings
from geo.errors import DataValidationError
from geo.formatting import format_number_fr
from geo.network import build_network_from_pbf, network_info
from geo.territory import UserFiles

STATUS_FR = {
    "OK": "à jour",
    "DATED": "daté",
    "VERIFY": "licence de l'éditeur d'origine, à vérifier",
    "USER": "fourni par vous",
}


def _save_upload(upload) -> Path:
    """Store an upload under a content-addressed name, so no saved file is ever overwritten."""
    data = upload.getvalue()
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    folder = settings.PROCESSED_DIR / "uploads" / hashlib.sha256(data).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (upload.name if suffix else upload.name + ".csv")
    if not path.exists():
        path.write_bytes(data)
    return path


territory = current_territory()
st.title("Données")

st.subheader("Temps de trajet")
model = travel_model()
info = network_info()
if info is None:
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
            st.error(exc.format())
        else:
            travel_model.clear()
            st.success(
                "Réseau construit : toutes les pages utilisent désormais les temps routiers."
            )

st.subheader("Sources et millésimes")
rows = [
    {
        "Couche": meta.get("label", layer),
        "Millésime": territory.vintages.get(layer, meta.get("vintage", "")),
        "Statut": STATUS_FR.get(meta.get("status", ""), meta.get("status", "")),
        "Producteur": meta.get("publisher", ""),
        "Licence": meta.get("licence", ""),
    }
    for layer, meta in territory.sources.items()
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader(f"Avertissements ({len(territory.warnings)})")
for warning in territory.warnings:
    st.warning(warning)

st.subheader("Vos fichiers")
st.markdown(
    "Le Département dispose de fichiers plus récents que ceux embarqués. Formats acceptés : "
    "CSV (séparateur `;` ou `,`, virgule décimale, UTF-8 ou Windows-1252) ou GeoJSON pour les "
    "lieux. Chaque problème trouvé est listé ; rien n'est appliqué tant que le fichier n'est "
    "pas valide."
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
    candidate = UserFiles(
        sites=_save_upload(sites_file) if sites_file else user.sites,
        fibre=_save_upload(fibre_file) if fibre_file else user.fibre,
        indicators=_save_upload(indicators_file) if indicators_file else user.indicators,
        replace_sites=replace,
    )
    try:
        territory_for(candidate)
    except DataValidationError as exc:
        st.error(
            f"Fichier refusé — {len(exc.problems)} problème(s). Les données en cours sont "
            "conservées.\n\n" + "\n".join(f"- {p}" for p in exc.ordered()[:100])
        )
    else:
        st.session_state["user_files"] = candidate
        st.success("Fichiers validés et appliqués à toutes les pages de votre session.")
        st.rerun()

active = [p for p in (user.sites, user.fibre, user.indicators) if p is not None]
if active:
    st.info("Fichiers appliqués : " + ", ".join(f"`{p.name}`" for p in active))
    if st.button("Revenir aux seules données embarquées"):
        st.session_state.pop("user_files", None)
        st.rerun()
