"""Exports : print maps, the council pack, the offline interactive map and data files."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from app_pages.cache import mobile_for, travel_model
from app_pages.common import (
    CURRENT_SITUATION,
    current_territory,
    load_scenario,
    offer_controls,
    scenario_store,
    travel_model_banner,
)
from equity.mobile import DEFAULT_N_STOPS, MobileSettings
from equity.reporting import MAP_KINDS, current_situation, export, view_scenario

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

with st.form("export_form"):
    c1, c2 = st.columns(2)
    name = c1.selectbox("Scénario", [CURRENT, *store.list()["name"]])
    what = c2.selectbox("Export", list(WHAT_FR), format_func=WHAT_FR.get)
    c3, c4, c5, c6 = st.columns(4)
    map_kind = c3.selectbox("Carte", list(MAP_KINDS), format_func=MAPS_FR.get)
    paper = c4.selectbox("Papier", ["A4", "A3"])
    orientation = c5.selectbox(
        "Orientation",
        ["landscape", "portrait"],
        format_func={"landscape": "paysage", "portrait": "portrait"}.get,
    )
    fmt = c6.selectbox("Format", ["pdf", "png", "svg"], format_func=str.upper)
    with_mobile = st.checkbox(
        f"Inclure les tournées mobiles (2 demi-journées, {DEFAULT_N_STOPS} arrêts)"
    )
    go = st.form_submit_button("Préparer le fichier", type="primary")

if go:
    scenario = load_scenario(name, settings)
    progress = st.progress(0.1, text="Évaluation du scénario…")
    view = view_scenario(territory, scenario, model)
    reference = (
        view_scenario(territory, current_situation(scenario.parameters), model)
        if name != CURRENT
        else None
    )
    mobile = None
    if with_mobile or (map_kind == "mobile" and what == "map"):
        progress.progress(0.3, text="Tournées mobiles…")
        scenario_json = json.dumps(
            scenario.to_dict(), ensure_ascii=False, sort_keys=True, default=str
        )
        mobile = mobile_for(
            territory, territory.cache_key, scenario_json, MobileSettings(), 2, model
        )
    progress.progress(0.5, text="Rendu…")
    with tempfile.TemporaryDirectory() as folder:
        try:
            files = export(
                what,
                territory,
                view,
                Path(folder),
                reference=reference,
                map_kind=map_kind,
                paper=paper,
                orientation=orientation,
                fmt=fmt,
                mobile=mobile,
            )
        except ValueError as exc:
            progress.empty()
            st.error(str(exc))
            st.stop()
        if len(files) == 1:
            payload, filename = files[0].read_bytes(), files[0].name
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    archive.write(path, path.name)
            payload, filename = buffer.getvalue(), f"{files[0].stem.rsplit('-', 1)[0]}-donnees.zip"
    progress.progress(1.0, text="Prêt")
    st.session_state["export_file"] = (payload, filename)

if "export_file" in st.session_state:
    payload, filename = st.session_state["export_file"]
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
