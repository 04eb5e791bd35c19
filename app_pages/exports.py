"""Exports : print maps, the council pack, the offline interactive map and data files."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import streamlit as st

from app_pages.cache import travel_model
from app_pages.common import (
    CURRENT_SITUATION,
    current_territory,
    escape_markdown,
    load_scenario,
    mobile_plan,
    offer_controls,
    scenario_store,
    travel_model_banner,
)
from equity.reporting import MAP_KINDS
from equity.workflows import USER_ERRORS, ExportRequest, MobileRequest, bundle, export_scenario
from equity.workflows.exports import EXPORTS_WITH_MOBILE, ORIENTATIONS, PAPERS, PRINT_FORMATS

CURRENT = CURRENT_SITUATION
WHAT_FR = {
    "map": "Carte à imprimer",
    "pack": "Dossier du conseil (PDF)",
    "html": "Carte interactive hors ligne (HTML)",
    "gpkg": "Données géographiques (GeoPackage)",
    "csv": "Tableaux (CSV pour Excel) et scénario (JSON)",
}
MAPS_FR = {
    "situation": "Temps d'accès actuel",
    "need": "Besoin d'accompagnement",
    "zones": "Zones mal desservies",
    "scenario": "Placement du scénario",
    "mobile": "Tournées mobiles",
}
MIME = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".gpkg": "application/geopackage+sqlite3",
    ".zip": "application/zip",
}

territory = current_territory()
settings = offer_controls(territory)
model = travel_model()
store = scenario_store()

st.title("Exports")
travel_model_banner(model)

DEFAULT_MOBILE = MobileRequest()

c1, c2 = st.columns(2)
saved = store.list()
name = c1.selectbox("Scénario", [CURRENT, *saved["name"]], placeholder="Choisir un scénario")
what = c2.selectbox(
    "Export", list(WHAT_FR), format_func=WHAT_FR.get, placeholder="Choisir un export"
)
# Only the options of the chosen export are asked (the others would be ignored).
request = ExportRequest(what)
with st.form("export_form"):
    if what == "map":
        c3, c4, c5, c6 = st.columns([2, 1, 1, 1])
        map_kind = c3.selectbox(
            "Carte", list(MAP_KINDS), format_func=MAPS_FR.get, placeholder="Choisir une carte"
        )
        paper = c4.selectbox("Papier", PAPERS, placeholder="Choisir un papier")
        orientation = c5.selectbox(
            "Orientation",
            ORIENTATIONS,
            format_func={"landscape": "paysage", "portrait": "portrait"}.get,
            placeholder="Choisir une orientation",
        )
        fmt = c6.selectbox(
            "Format", PRINT_FORMATS, format_func=str.upper, placeholder="Choisir un format"
        )
        request = replace(request, map_kind=map_kind, paper=paper, orientation=orientation, fmt=fmt)
    elif what == "pack":
        paper = st.selectbox("Papier", PAPERS, placeholder="Choisir un papier")
        request = replace(request, paper=paper)
    if what in EXPORTS_WITH_MOBILE:
        with_mobile = st.checkbox(
            f"Inclure les tournées mobiles ({DEFAULT_MOBILE.half_days} demi-journées, "
            f"{DEFAULT_MOBILE.n_stops} arrêts)"
        )
        request = replace(request, with_mobile=with_mobile)
    if what == "html":
        st.caption(WHAT_FR[what] + " : aucune option.")
    go = st.form_submit_button("Préparer le fichier", type="primary")

versions = dict(zip(saved["name"], saved["versions"], strict=True))
prepared_for = (
    name, versions.get(name), what, request, settings.cache_key(), territory.cache_key
)  # fmt: skip
if go:
    scenario = load_scenario(name, settings)
    progress = st.progress(0.2, text="Évaluation du scénario et rendu…")
    with tempfile.TemporaryDirectory() as folder:
        try:
            files = export_scenario(
                territory,
                scenario,
                request,
                Path(folder),
                model,
                mobile=lambda: mobile_plan(territory, scenario, DEFAULT_MOBILE, model),
            )
        except USER_ERRORS as exc:
            progress.empty()
            st.error(escape_markdown(exc))
            st.stop()
        payload, filename = bundle(files)
    progress.progress(1.0, text="Prêt")
    st.session_state["export_file"] = (payload, filename, prepared_for)

prepared = st.session_state.get("export_file")
# A file prepared for another scenario (or version), export, offer, threshold or territory
# is not offered under the current choice.
if prepared is not None and prepared[2] == prepared_for:
    payload, filename, _ = prepared
    st.download_button(
        f"Télécharger {filename}",
        payload,
        file_name=filename,
        mime=MIME.get(Path(filename).suffix, "application/octet-stream"),
        type="primary",
    )
    st.caption(
        "Les cartes portent les sources, les millésimes et, tant qu'aucun réseau routier n'est "
        "construit, la mention « temps de trajet approximatifs »."
    )
