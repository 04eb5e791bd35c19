"""Tournées mobiles : stops and weekly circuits of the advisors' service vehicles."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.cache import commune_map_html, travel_model
from app_pages.common import (
    CURRENT_SITUATION,
    current_territory,
    escape_markdown,
    evaluated,
    load_scenario,
    mobile_plan,
    offer_controls,
    scenario_store,
    show_table,
    travel_model_banner,
)
from equity.decision_table import scenario_decisions
from equity.mobile import FREQUENCY_FR, next_monday, write_ics
from equity.mobile_programme import advisor_bases, host_candidates
from equity.reporting import mobile_bases as tour_bases
from equity.underserved import UNDERSERVED_COLORS, underserved_category
from equity.workflows import USER_ERRORS, MobileRequest, mobile_calendar_pdf, scenario_key
from geo.formatting import format_number_fr

CURRENT = CURRENT_SITUATION
DEFAULTS = MobileRequest()
SESSION_HOURS_CHOICES = (1.0, 1.5, 2.0, 2.5, 3.0)

territory = current_territory()
offer_settings = offer_controls(territory)
model = travel_model()
store = scenario_store()

st.title("Tournées mobiles")
travel_model_banner(model)
st.markdown(
    "Les lieux fixes n'atteindront jamais toutes les communes rurales en peu de temps : "
    "les séances mobiles (mairies, bibliothèques, France services, marchés) comblent le reste."
)

with st.sidebar:
    st.header("Paramètres des tournées")
    base_name = st.selectbox(
        "Lieux fixes du scénario",
        [CURRENT, *store.list()["name"]],
        placeholder="Choisir un scénario",
    )
    half_days = st.slider(
        "Demi-journées mobiles par conseiller et par semaine", 1, 6, DEFAULTS.half_days
    )
    session_hours = st.select_slider(
        "Durée d'une séance",
        SESSION_HOURS_CHOICES,
        DEFAULTS.session_hours,
        format_func=lambda h: f"{int(h)} h {int(60 * (h % 1)):02d}" if h % 1 else f"{int(h)} h",
    )
    max_drive = st.slider(
        "Conduite maximale par tournée",
        20,
        120,
        int(DEFAULTS.max_drive_min),
        step=5,
        format="%d min",
        help="Une tournée est un jour de sortie depuis la base, retour compris.",
    )
    frequency = st.selectbox(
        "Fréquence des visites",
        list(FREQUENCY_FR),
        index=list(FREQUENCY_FR).index(DEFAULTS.frequency),
        placeholder="Choisir une fréquence",
        format_func=FREQUENCY_FR.get,
    )
    stops_per_half_day = st.slider(
        "Séances au plus par demi-journée", 1, 4, DEFAULTS.max_stops_per_half_day
    )
    exclusion = st.slider(
        "Aucun arrêt à moins de … d'un lieu fixe",
        0,
        30,
        int(DEFAULTS.fixed_site_exclusion_min),
        format="%d min",
        help="Ni dans une commune qui a déjà un lieu fixe, sauf arrêt imposé.",
    )
    n_stops = st.slider("Nombre d'arrêts", 1, 40, DEFAULTS.n_stops)
    short_drive = st.slider(
        "Trajet court jusqu'à un arrêt", 5, 20, int(DEFAULTS.short_drive_min), format="%d min"
    )
    # Centimes: a whole number, so no decimal point is ever shown.
    cost_per_km = (
        st.number_input(
            "Coût du véhicule (centimes d'euro par km)",
            0,
            200,
            round(100 * DEFAULTS.cost_per_km_eur),
            step=5,
        )
        / 100
    )

scenario = load_scenario(base_name, offer_settings)
_, fixed = evaluated(territory, scenario, model)
bases = advisor_bases(fixed)
base_labels = dict(zip(bases["site_id"], bases["name"], strict=True))
with st.sidebar:
    mobile_bases = st.multiselect(
        "Bases des conseillers itinérants",
        list(base_labels),
        default=list(base_labels),
        format_func=base_labels.get,
        placeholder="Choisir des bases",
        help="Une tournée par base retenue ; une commune à plusieurs permanences n'a qu'une base.",
    )
    saturday = st.checkbox("Tournées aussi le samedi (marchés)", value=False)
    hosts = host_candidates(territory)
    host_labels = dict(zip(hosts.index, hosts["name"], strict=True))
    forced = st.multiselect(
        "Arrêts imposés (marché, lieu choisi…)",
        list(host_labels),
        format_func=host_labels.get,
        placeholder="Aucun",
    )
if not mobile_bases:
    st.warning("Choisissez au moins une base de conseiller itinérant.")
    st.stop()
request = MobileRequest(
    n_stops=n_stops,
    half_days=half_days,
    session_hours=float(session_hours),
    max_drive_min=float(max_drive),
    short_drive_min=float(short_drive),
    cost_per_km_eur=float(cost_per_km),
    saturday=saturday,
    bases=tuple(mobile_bases),
    forced=tuple(forced),
    frequency=frequency,
    fixed_site_exclusion_min=float(exclusion),
    max_stops_per_half_day=int(stops_per_half_day),
)
with st.spinner("Choix des arrêts et construction des tournées…"):
    try:
        result = mobile_plan(territory, scenario, request, model)
    except USER_ERRORS as exc:
        st.error(escape_markdown(exc))
        st.stop()

gain = result.coverage_gain
c1, c2, c3, c4 = st.columns(4)
c1.metric("Arrêts programmés", f"{int(result.stops['scheduled'].sum())} / {len(result.stops)}")
c2.metric(
    "Habitants à portée d'un arrêt",
    format_number_fr(gain["population"]),
    help=f"Habitants, à moins de {short_drive} min d'un arrêt, des communes où la capacité "
    "des lieux fixes laisse des personnes sans accompagnement.",
)
c3.metric("Kilomètres par an", format_number_fr(result.km_per_year))
c4.metric(
    "Frais de véhicule par an",
    f"{format_number_fr(result.cost_eur_per_year)} €",
    help=f"{format_number_fr(result.co2_kg_per_year)} kg CO₂e par an "
    f"({format_number_fr(result.drive_hours_per_year)} h de conduite).",
)
fewer = (
    f" Seuls {len(result.stops)} arrêts sur les {n_stops} demandés apportent une couverture "
    "nouvelle ou sont joignables."
    if len(result.stops) < n_stops
    else ""
)
st.caption(
    f"{gain['communes']} communes où la capacité des lieux fixes laisse des personnes sans "
    f"accompagnement gagnent un arrêt à moins de {short_drive} min (à ne pas confondre avec "
    "les communes mal desservies du Diagnostic : au-delà du seuil ou de ratio faible). "
    "Les arrêts vont là où ils touchent le plus de personnes sans accompagnement : une "
    "commune isolée et peu peuplée peut rester sans arrêt ; imposez l'un de ses lieux (sa "
    "mairie…) dans « Arrêts imposés » (barre latérale). "
    f"Année = {request.settings().working_weeks_per_year} semaines travaillées." + fewer
)
effect = result.capacity_effect
relief = effect["unserved_persons_before"] - effect["unserved_persons_after"]
u1, u2 = st.columns(2)
u1.metric(
    "Personnes sans accompagnement (lieux fixes)",
    format_number_fr(effect["unserved_persons_before"]),
    help="Personnes en besoin estimées que la capacité des lieux fixes n'absorbe pas.",
)
u2.metric(
    "Personnes sans accompagnement (avec les tournées)",
    format_number_fr(effect["unserved_persons_after"]),
    # Streamlit reads the sign from a leading ASCII « - » (a « − » shows a red arrow up).
    delta=format_number_fr(-relief),
    delta_color="inverse",
    help=f"Les séances ajoutent {format_number_fr(effect['capacity_added_persons'])} personnes "
    f"accompagnées par an, à moins de {effect['reach_min']:g} min d'un arrêt.",
)
for row in result.unschedulable.itertuples():
    st.warning(f"{escape_markdown(row.stop_name)} : {escape_markdown(row.reason)}")

diagnosis = fixed
communes = territory.communes.join(diagnosis.communes[["underserved_reason"]])
communes["underserved_reason"] = underserved_category(communes["underserved_reason"])
bases = tour_bases(diagnosis.offer.sites, result)
open_sites = diagnosis.offer.sites[~diagnosis.offer.sites["site_id"].isin(bases["site_id"])]
stops = pd.concat(
    [
        open_sites,
        bases.assign(site_type="mobile_base"),
        result.stops.assign(site_type="mobile_stop"),
    ]
)
html = commune_map_html(
    communes,
    territory.epci,
    stops,
    None,
    ("mobile", territory.cache_key, scenario_key(scenario), request.cache_key(), model),
    "underserved_reason",
    "categorical",
    False,
    title="Tournées mobiles",
    legend_title="Desserte par les lieux fixes",
    popup_columns=(("population", "Population (2022)"),),
    percent_columns=(),
    category_colors=tuple(UNDERSERVED_COLORS.items()),
    _circuits=result.circuits.rename(columns={"advisor_name": "advisor"}),
    _decisions=scenario_decisions(territory.communes, scenario, diagnosis),
)
st.iframe(html, height=600)

st.subheader("Planning sur un cycle de quatre semaines")
show_table(
    result.schedule,
    {
        "advisor_name": ("Conseiller", "text"),
        "week": ("Semaine", "int"),
        "day": ("Jour", "text"),
        "half_day": ("Demi-journée", "text"),
        "order": ("Ordre", "int"),
        "stop_name": ("Lieu", "text"),
        "session_start": ("Début", "text"),
        "session_end": ("Fin", "text"),
        "leg_drive_min": ("Trajet (min)", "dec"),
        "leg_km": ("Trajet (km)", "dec"),
        "circuit_drive_min": ("Conduite de la tournée (min)", "dec"),
        "circuit_km": ("Tournée (km)", "dec"),
        "hours_note": ("Remarque", "text"),
    },
    height=420,
)
st.subheader("Véhicules : kilomètres, coût et CO₂ par conseiller")
show_table(
    result.by_advisor,
    {
        "advisor_name": ("Conseiller", "text"),
        "circuits_per_cycle": ("Tournées sur 4 semaines", "int"),
        "sessions_per_cycle": ("Séances sur 4 semaines", "int"),
        "km_per_year": ("km par an", "int"),
        "drive_hours_per_year": ("Heures de conduite par an", "dec"),
        "cost_eur_per_year": ("Coût par an (€)", "int"),
        "co2_kg_per_year": ("CO₂ par an (kg)", "int"),
    },
)
cycle_start = st.date_input(
    "Début du cycle dans l'agenda (un lundi)", next_monday(), format="DD/MM/YYYY"
)
with tempfile.TemporaryDirectory() as folder:
    path = result.schedule_csv(Path(folder) / "planning.csv")
    st.download_button(
        "Télécharger le planning (CSV pour Excel)",
        path.read_bytes(),
        file_name="planning_tournees.csv",
        mime="text/csv",
    )
    if cycle_start.weekday() == 0:
        ics = write_ics(result, Path(folder) / "tournees.ics", cycle_start)
        st.download_button(
            "Télécharger l'agenda (.ics)",
            ics.read_bytes(),
            file_name="tournees.ics",
            mime="text/calendar",
        )
        # The printable calendar takes seconds to draw: only on request.
        if st.button("Préparer le calendrier à imprimer (PDF)"):
            with st.spinner("Mise en page du calendrier…"):
                try:
                    pdf = mobile_calendar_pdf(
                        territory, result, Path(folder) / "calendrier.pdf", cycle_start
                    )
                except USER_ERRORS as exc:
                    st.error(escape_markdown(exc))
                else:
                    st.download_button(
                        "Télécharger le calendrier (PDF A4 paysage, une page par conseiller "
                        "et par semaine)",
                        pdf.read_bytes(),
                        file_name="calendrier_tournees.pdf",
                        mime="application/pdf",
                    )
    else:
        st.warning("Choisissez un lundi comme début du cycle pour télécharger l'agenda.")
