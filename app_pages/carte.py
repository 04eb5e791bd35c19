"""Carte : choropleth of any commune indicator with sites, catchments and EPCI boundaries."""

from __future__ import annotations

import streamlit as st

from app_pages.cache import catchment_union, commune_map_html, travel_model
from app_pages.common import (
    current_territory,
    diagnosis,
    offer_controls,
    setting_widget,
    travel_model_banner,
)
from equity.underserved import UNDERSERVED_COLORS, underserved_category
from equity.workflows import value_status
from geo.defaults import ILLECTRONISM_SOURCE
from geo.formatting import format_number_fr, format_percent_fr
from geo.render.classification import travel_time_bounds
from geo.sites import SITE_TYPES
from geo.territory import ifn_scale_fr, map_indicators

#: Catchment rings drawn on this map (the legend says « 10, 20 et 30 min »).
CATCHMENT_RINGS_MIN = (10, 20, 30)
#: Characters a sidebar select box shows on its one line (« Temps de trajet jusqu'au lieu d'a »).
SELECTBOX_VISIBLE_CHARS = 30

territory = current_territory()
request = offer_controls(territory)
model = travel_model()
diagnosed = diagnosis(territory, request, model)
threshold = request.threshold_min

# A travel time is computed, not published: its vintage is that of the permanences (the
# default offer) it reaches.
sites_vintage = (
    f"permanences {territory.vintages['cnfs_permanence']}"
    if territory.vintages.get("cnfs_permanence")
    else ""
)
indicators = {
    "travel_time_min": {
        "label": "Temps de trajet jusqu'au lieu d'aide le plus proche (min)",
        "short": "Minutes",
        "source": model.label,
        "vintage": sites_vintage,
        "categorical": False,
    },
    "need_index": {
        "label": "Indice de besoin d'accompagnement numérique (0–1)",
        "short": "Besoin",
        "source": "Maillage, indice composite (IFN, revenus, pauvreté, chômage, âges, densité)",
        "vintage": "indicateurs 2020–2022",
        "categorical": False,
    },
    "persons_in_need": {
        "label": "Personnes en besoin (estimation : 15 ans ou plus × taux d'illectronisme)",
        "short": "Personnes",
        "source": f"Maillage, estimation ({ILLECTRONISM_SOURCE}, modulée par l'indice de besoin)",
        "vintage": "population 2022",
        "categorical": False,
    },
    "fca_ratio": {
        "label": f"Conseillers accessibles pour 10 000 habitants (à {threshold:g} min)",
        "short": "Cons./10 000 hab.",
        "source": model.label,
        "vintage": sites_vintage,
        "categorical": False,
    },
    "underserved_reason": {
        "label": f"Communes mal desservies (au-delà de {threshold:g} min ou capacité faible)",
        "short": "Mal desservie",
        "source": "Maillage",
        "vintage": "",
        "categorical": True,
    },
    **map_indicators(territory),
}
communes = territory.communes.join(
    diagnosed.communes[
        [
            "travel_time_min",
            "nearest_site_id",
            "need_index",
            "persons_in_need",
            "fca_ratio",
            "underserved_reason",
        ]
    ]
)
communes["underserved_reason"] = underserved_category(communes["underserved_reason"])
site_names = territory.sites.set_index("site_id")["name"]
communes["nearest_site"] = communes["nearest_site_id"].map(site_names)

st.title(f"Carte {territory.of_departement}")
with st.sidebar:
    st.header("Affichage")
    key = st.selectbox(
        "Indicateur",
        list(indicators),
        placeholder="Choisir un indicateur",
        format_func=lambda k: indicators[k]["label"],
        **setting_widget("map_indicator", "population"),
    )
    indicator = indicators[key]
    # The box shows one line of the choice: a long label is written out in full below it.
    if len(indicator["label"]) > SELECTBOX_VISIBLE_CHARS:
        st.caption(indicator["label"])
    schemes = {
        "quantiles": "Quantiles (effectifs égaux)",
        "natural_breaks": "Seuils naturels (Jenks)",
        "equal_interval": "Intervalles égaux",
    }
    if key == "travel_time_min":
        schemes = {"user_defined": f"Tranches de minutes (seuil de {threshold:g} min)", **schemes}
    scheme = (
        "categorical"
        if indicator["categorical"]
        else st.selectbox(
            "Classes",
            list(schemes),
            placeholder="Choisir une méthode de classes",
            format_func=schemes.get,
            key=f"map_scheme_{key == 'travel_time_min'}",
        )
    )
    present = territory.sites["site_type"].value_counts()
    site_types = st.multiselect(
        "Lieux affichés",
        [t for t in SITE_TYPES if t in present],
        placeholder="Choisir des types de lieux",
        default=[t for t in request.offer_types if t in present],
        format_func=lambda t: f"{SITE_TYPES[t]} ({present[t]})",
        key="map_sites",
    )
    show_catchments = st.checkbox(
        "Zones à 10, 20 et 30 min de l'offre", **setting_widget("map_catchments", False)
    )
    show_epci = st.checkbox("Limites des EPCI", **setting_widget("map_epci", True))
    tiles = st.checkbox(
        "Fond de carte OpenStreetMap (nécessite Internet)", **setting_widget("map_tiles", False)
    )

# Always: the figures under the map (« À moins de 20 min ») are travel times too.
travel_model_banner(model)
status = value_status(territory, key)
notes = status.notes_fr() if status is not None else []
if status is not None and status.mostly_imputed:
    st.warning(
        f"{status.counts['imputed']} valeurs sur {status.total} de cet indicateur sont imputées "
        "(non publiées, secret statistique) : la carte montre surtout des estimations."
    )
vintage = f" ; millésime : {indicator['vintage']}" if indicator["vintage"] else ""
st.caption(
    f"**{indicator['label']}** — source : {indicator['source']}{vintage}"
    + (f" ; {', '.join(notes)}" if notes else "")
)
if indicator.get("warning"):
    st.warning(indicator["warning"])

catchments = (
    catchment_union(
        territory, territory.cache_key, request, request.cache_key(), CATCHMENT_RINGS_MIN, model
    )
    if show_catchments
    else None
)
popup = (
    ("epci_name", "EPCI"),
    ("population", "Population (2022)"),
    ("nearest_site", "Lieu d'aide le plus proche"),
    ("travel_time_min", "Temps de trajet (min)"),
    ("need_index", "Indice de besoin"),
    ("density_label", "Densité (grille INSEE)"),
    ("aav_label", "Aire d'attraction"),
    ("ifn_global", f"Fragilité numérique (IFN 2020 ; {ifn_scale_fr(territory)})"),
    ("median_income_eur", "Revenu médian 2021 (€)"),
    ("quality_note", "Valeurs imputées / estimées"),
)
sites = territory.sites[territory.sites["site_type"].isin(site_types)]
html = commune_map_html(
    communes,
    territory.epci if show_epci else None,
    sites,
    catchments,
    (
        territory.cache_key,
        request.cache_key(),
        tuple(site_types),
        show_epci,
        show_catchments,
        model,
    ),
    key,
    scheme,
    tiles,
    title=indicator["label"],
    legend_title=indicator["short"],
    popup_columns=popup,
    percent_columns=("fibre_share",),
    category_colors=tuple(UNDERSERVED_COLORS.items()),
    user_bounds=tuple(travel_time_bounds(threshold, communes[key].max()))
    if scheme == "user_defined"
    else (),
)
st.iframe(html, height=680)

head = diagnosed.headline()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Communes", format_number_fr(len(communes)))
c2.metric("Population (2022)", format_number_fr(head["population_total"]))
c3.metric(f"À moins de {threshold:g} min", format_percent_fr(head["share_within_threshold"]))
c4.metric(
    "Habitants par conseiller",
    format_number_fr(head["inhabitants_per_advisor"]),
    help=diagnosed.offer.per_advisor_help_fr(),
)
st.caption(
    f"{diagnosed.offer.describe_fr()}. Cliquez sur une commune pour ouvrir sa fiche. "
    "Limites : IGN ADMIN EXPRESS COG 2025 (Licence Ouverte 2.0)."
)
