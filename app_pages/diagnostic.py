"""Diagnostic : headline figures, thresholds side by side, equity tables, under-served zones."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.cache import commune_map_html, travel_model
from app_pages.charts import french_bar_chart
from app_pages.common import (
    current_territory,
    diagnosis,
    need_weight_controls,
    offer_controls,
    show_table,
    travel_model_banner,
)
from equity.inequality import RELATIVE_DISPERSION_NOTE_FR
from equity.underserved import UNDERSERVED_COLORS, underserved_category
from geo.formatting import format_number_fr, format_percent_fr

territory = current_territory()
request = offer_controls(territory)
model = travel_model()
diagnosed = diagnosis(territory, request, model)
head = diagnosed.headline()
findings = diagnosed.findings()
threshold = request.threshold_min

st.title("Diagnostic d'équité d'accès")
travel_model_banner(model)
st.caption(diagnosed.offer.describe_fr() + ". " + " ".join(diagnosed.notes[2:]))
need_weight_controls(territory)

f1, f2, f3, f4 = st.columns(4)
f1.metric(
    "Personnes non accompagnées (estimation)",
    format_number_fr(head["unserved_persons"]),
    help=f"{format_percent_fr(head['unserved_share'])} des "
    f"{format_number_fr(head['persons_in_need'])} personnes en besoin estimées : au-delà "
    f"de {threshold:g} min de tout lieu, ou au-delà de la capacité des lieux proches "
    f"({format_number_fr(diagnosed.settings.capacity_persons_per_advisor)} personnes par "
    "conseiller et par an).",
)
f2.metric(
    f"Personnes en besoin à plus de {threshold:g} min",
    format_number_fr(head["beyond_threshold_persons"]),
)
f3.metric(
    "Temps moyen / 9e décile (pondérés par le besoin)",
    f"{format_number_fr(head['need_mean_travel_time_min'], 1)} / "
    f"{format_number_fr(head['need_p90_travel_time_min'], 1)} min",
)
f4.metric(
    "EPCI le moins bien servi",
    findings["worst_epci"],
    help=f"{format_percent_fr(head['worst_epci_unserved_share'])} de ses personnes en besoin "
    "non accompagnées.",
)

c1, c2, c3, c4 = st.columns(4)
c1.metric(
    f"Population à moins de {threshold:g} min",
    format_percent_fr(head["share_within_threshold"]),
    help=f"{format_number_fr(head['population_within_threshold'])} habitants sur "
    f"{format_number_fr(head['population_total'])}",
)
c2.metric(
    "Habitants par conseiller",
    format_number_fr(head["inhabitants_per_advisor"]),
    help=diagnosed.offer.per_advisor_help_fr(),
)
c3.metric(
    "Gini des temps de trajet (indicateur relatif)",
    format_number_fr(head["gini_travel_time"], 2),
    help=RELATIVE_DISPERSION_NOTE_FR,
)
c4.metric("Communes mal desservies", format_number_fr(head["n_underserved_communes"]))

st.subheader("Plusieurs seuils côte à côte")
st.markdown(
    "La distance seule cesse de discriminer vers 20 minutes : comparez les seuils, et "
    "regardez la **charge par conseiller**, où se situe le déséquilibre."
)
show_table(
    diagnosed.coverage.reset_index(),
    {
        "threshold_min": ("Seuil (min)", "int"),
        "population_within": ("Habitants couverts", "int"),
        "share_within": ("Part de la population", "pct"),
        "need_share_within": ("Part des personnes en besoin", "pct"),
    },
)

theil = diagnosed.theil_travel_time
st.caption(
    f"Indice de Theil des temps de trajet : {format_number_fr(theil.total, 2)}, dont "
    f"{format_number_fr(theil.between, 2)} entre EPCI et {format_number_fr(theil.within, 2)} "
    "au sein des EPCI. " + RELATIVE_DISPERSION_NOTE_FR
)

GROUP_COLUMNS = {
    "n_communes": ("Communes", "int"),
    "population": ("Habitants", "int"),
    "advisors": ("Conseillers", "int"),
    "inhabitants_per_advisor": ("Habitants par conseiller", "int"),
    "need_per_advisor": ("Personnes en besoin par conseiller", "int"),
    "persons_in_need": ("Personnes en besoin (estimation)", "int"),
    "unserved_persons": ("Non accompagnées (estimation)", "int"),
    "unserved_share": ("Part non accompagnée", "pct"),
    "capacity_per_person_in_need": ("Capacité par personne en besoin", "dec"),
    "share_within_threshold": (f"Part à moins de {threshold:g} min", "pct"),
    "mean_travel_time_min": ("Temps moyen (min)", "dec"),
    "p90_travel_time_min": ("9e décile (min)", "dec"),
    "fca_ratio_mean": ("Conseillers accessibles / 10 000 hab.", "dec"),
    "need_share": ("Part du besoin", "pct"),
    "advisor_share": ("Part des conseillers", "pct"),
    "balance": ("Équilibre (conseillers / besoin)", "dec"),
}

tab_epci, tab_density, tab_aav, tab_zones = st.tabs(
    ["Par EPCI", "Par densité", "Par aire d'attraction", "Zones mal desservies"]
)
with tab_epci:
    table = diagnosed.by_epci.reset_index().sort_values("balance")
    show_table(table, {"epci_name": ("EPCI", "text"), **GROUP_COLUMNS})
    st.markdown("**Équilibre** : 1 = conseillers en proportion du besoin ; moins de 1 = sous-doté.")
    french_bar_chart(
        table,
        "epci_name",
        "balance",
        "Équilibre (1 = conseillers en proportion du besoin)",
        decimals=2,
        reference=1.0,
    )
with tab_density:
    show_table(
        diagnosed.by_density_group.reset_index(),
        {"density_group": ("Type d'espace", "text"), **GROUP_COLUMNS},
    )
    order = diagnosed.communes.groupby("density_label")["density_level"].first().sort_values()
    show_table(
        diagnosed.by_density.reindex(order.index).reset_index(),
        {"density_label": ("Grille de densité INSEE", "text"), **GROUP_COLUMNS},
    )
with tab_aav:
    show_table(
        diagnosed.by_aav.reset_index(),
        {"aav_label": ("Catégorie d'aire d'attraction", "text"), **GROUP_COLUMNS},
    )
with tab_zones:
    zones = diagnosed.zones
    if zones.empty:
        st.success("Aucune commune mal desservie avec ces paramètres.")
    else:
        st.markdown(
            f"Communes au-delà de {threshold:g} min de tout lieu, ou dont l'accès aux "
            "conseillers (conseillers à portée pour 10 000 habitants) est inférieur à la "
            "moitié de la moyenne départementale, "
            "regroupées en zones contiguës et classées par indice de priorité (personnes "
            "en besoin × écart au seuil ou à l'accès moyen)."
        )
        show_table(
            pd.DataFrame(zones.drop(columns="geometry")),
            {
                "rank": ("Rang", "int"),
                "priority_score": ("Indice de priorité", "int"),
                "n_communes": ("Nombre de communes", "int"),
                "population": ("Habitants", "int"),
                "persons_in_need": ("Personnes en besoin (estimation)", "int"),
                "mean_travel_time_min": ("Temps moyen (min)", "dec"),
                "dominant_density": ("Densité dominante", "text"),
                "epci": ("EPCI", "text"),
                "communes": ("Liste des communes", "text"),
            },
        )

if not diagnosed.zones.empty:
    st.subheader("Carte des communes mal desservies")
    communes = territory.communes.join(diagnosed.communes[["underserved_reason", "zone_id"]])
    communes["underserved_reason"] = underserved_category(communes["underserved_reason"])
    html = commune_map_html(
        communes,
        territory.epci,
        diagnosed.offer.sites,
        None,
        ("zones", territory.cache_key, request.cache_key(), model),
        "underserved_reason",
        "categorical",
        False,
        title=f"Communes mal desservies ({threshold:g} min)",
        legend_title="Motif",
        popup_columns=(("zone_id", "Zone"), ("population", "Population (2022)")),
        percent_columns=(),
        category_colors=tuple(UNDERSERVED_COLORS.items()),
    )
    st.iframe(html, height=600)
