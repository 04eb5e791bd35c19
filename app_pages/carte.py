"""Carte : choropleth of any commune indicator with sites and EPCI boundaries."""

from __future__ import annotations

import streamlit as st

from app_pages.cache import commune_map_html
from app_pages.common import current_territory
from geo.formatting import format_number_fr
from geo.sites import SITE_TYPES
from geo.territory import map_indicators

territory = current_territory()
indicators = map_indicators(territory)

st.title("Carte de la Sarthe")
with st.sidebar:
    st.header("Affichage")
    key = st.selectbox(
        "Indicateur",
        list(indicators),
        format_func=lambda k: indicators[k]["label"],
        key="map_indicator",
    )
    indicator = indicators[key]
    schemes = {
        "quantiles": "Quantiles (effectifs égaux)",
        "natural_breaks": "Seuils naturels (Jenks)",
        "equal_interval": "Intervalles égaux",
    }
    scheme = (
        "categorical"
        if indicator["categorical"]
        else st.selectbox("Classes", list(schemes), format_func=schemes.get, key="map_scheme")
    )
    present = territory.sites["site_type"].value_counts()
    default_types = [t for t in ("cnfs_permanence", "france_services") if t in present]
    site_types = st.multiselect(
        "Lieux affichés",
        [t for t in SITE_TYPES if t in present],
        default=default_types,
        format_func=lambda t: f"{SITE_TYPES[t]} ({present[t]})",
        key="map_sites",
    )
    show_epci = st.checkbox("Limites des EPCI", value=True, key="map_epci")
    tiles = st.checkbox(
        "Fond de carte OpenStreetMap (nécessite Internet)", value=False, key="map_tiles"
    )

status = territory.status.get(key)
notes = []
if status is not None:
    for state, word in (
        ("imputed", "imputées"),
        ("estimated", "estimées"),
        ("missing", "manquantes"),
    ):
        n = int((status == state).sum())
        if n:
            notes.append(f"{n} valeurs {word}")
st.caption(
    f"**{indicator['label']}** — source : {indicator['source']} ; millésime : "
    f"{indicator['vintage']}" + (f" ; {', '.join(notes)}" if notes else "")
)
if indicator.get("warning"):
    st.warning(indicator["warning"])

popup = (
    ("epci_name", "EPCI"),
    ("population", "Population (2022)"),
    ("density_label", "Densité (grille INSEE)"),
    ("aav_label", "Aire d'attraction"),
    ("ifn_global", "Fragilité numérique (IFN 2020)"),
    ("median_income_eur", "Revenu médian 2021 (€)"),
    ("quality_note", "Valeurs imputées / estimées"),
)
html = commune_map_html(
    territory,
    territory.cache_key,
    key,
    scheme,
    tuple(site_types),
    show_epci,
    tiles,
    title=indicator["label"],
    legend_title=indicator["short"],
    popup_columns=popup,
    percent_columns=("fibre_share",),
)
st.iframe(html, height=680)

c1, c2, c3 = st.columns(3)
c1.metric("Communes", format_number_fr(len(territory.communes)))
c2.metric("Population (2022)", format_number_fr(territory.communes["population"].sum()))
c3.metric("EPCI", format_number_fr(len(territory.epci)))
st.caption(
    "Cliquez sur une commune pour ouvrir sa fiche. Limites : IGN ADMIN EXPRESS COG 2025 "
    "(Licence Ouverte 2.0)."
)
