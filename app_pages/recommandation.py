"""Recommandation : where the next advisors should go, why, and at what cost."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages.cache import (
    clickable_commune_map,
    recommendation_analysis,
    recommendation_for,
    robustness_for,
    travel_model,
)
from app_pages.charts import french_line_chart
from app_pages.clickmap import clickable_map, clicked_point
from app_pages.common import (
    current_territory,
    diagnosis,
    escape_markdown,
    offer_controls,
    scenario_store,
    session_setting,
    setting_widget,
    show_table,
    travel_model_banner,
)
from equity.decision_table import placement_decisions
from equity.placement import OBJECTIVE_LABELS_FR, PlacementInfeasible, solver_summary_fr
from equity.recommend import (
    advisors_after_help_fr,
    balance_caption_fr,
    candidate_sites,
    chosen_sites,
    curve_caption_fr,
    epci_effect,
)
from equity.workflows import (
    InvalidRequest,
    RecommendRequest,
    recommendation_scenario,
    save_recommendation,
)
from equity.workflows.scenario_edit import commune_at, sites_in_communes
from geo.defaults import (
    ADVISOR_COST_EUR,
    CAPACITY_PERSONS_PER_ADVISOR,
    COFUNDING_PER_ADVISOR_EUR,
    MAX_NEW_ADVISORS_PER_SITE,
    NEW_ADVISORS,
    SENSITIVITY_THRESHOLDS_MIN,
)
from geo.formatting import format_number_fr, format_percent_fr, plural_fr
from geo.render.classification import travel_time_bounds

territory = current_territory()
settings = offer_controls(territory)
model = travel_model()
before = diagnosis(territory, settings, model)
threshold = settings.threshold_min
epci_names = sorted(territory.epci["epci_name"])

st.title("Recommandation de placement")
travel_model_banner(model)
st.caption(before.offer.describe_fr() + f" ; seuil {threshold:g} min.")

candidates = candidate_sites(territory, before)
commune_names = territory.communes["name"].to_dict()
# A commune excluded by a click on the map (previous run) joins the excluded communes
# before the widget is drawn, and the stored request, so the result is recomputed.
if "reco_exclude_next" in st.session_state:
    code = st.session_state.pop("reco_exclude_next")
    excluded_now = st.session_state.get(
        "reco_excluded_communes", session_setting("reco_excluded_communes", [])
    )
    if code not in excluded_now:
        st.session_state["reco_excluded_communes"] = [*excluded_now, code]
    if "reco_request" in st.session_state:
        stored = st.session_state["reco_request"]
        st.session_state["reco_request"] = replace(
            stored,
            excluded=tuple(
                dict.fromkeys([*stored.excluded, *sites_in_communes(candidates, [code])])
            ),
        )


def kept(name: str, default: object) -> dict[str, object]:
    """A form widget whose value holds for the session (across visits to other pages)."""
    return setting_widget(name, default, in_form=True)


with st.form("reco_params"):
    c1, c2, c3 = st.columns(3)
    k = c1.number_input("Nouveaux conseillers", 1, 60, **kept("reco_k", NEW_ADVISORS))
    objective = c2.selectbox(
        "Objectif",
        list(OBJECTIVE_LABELS_FR),
        format_func=OBJECTIVE_LABELS_FR.get,
        placeholder="Choisir un objectif",
        **kept("reco_objective", next(iter(OBJECTIVE_LABELS_FR))),
    )
    min_per_epci = c3.number_input(
        "Minimum de nouveaux sites par EPCI",
        0,
        5,
        **kept("reco_min_epci", 0),
        help=f"Avec {len(epci_names)} EPCI, un minimum de 1 demande au moins "
        f"{len(epci_names)} nouveaux conseillers.",
    )
    c4, c5, c6 = st.columns(3)
    capacity = c4.number_input(
        "Capacité (personnes accompagnées par conseiller et par an)",
        1,
        100_000,
        step=50,
        **kept("reco_capacity", int(CAPACITY_PERSONS_PER_ADVISOR)),
        help="La même pour tout conseiller, existant ou nouveau (rapport ANCT 2022 : "
        "environ 600 personnes par conseiller et par an).",
    )
    cost = c5.number_input(
        "Coût annuel d'un conseiller (€)",
        0,
        200_000,
        step=1000,
        **kept("reco_cost", int(ADVISOR_COST_EUR)),
    )
    cofunding = c6.number_input(
        "Cofinancement de l'État par conseiller (€/an)",
        0,
        200_000,
        **kept("reco_cofunding", int(COFUNDING_PER_ADVISOR_EUR)),
    )
    excluded_epci = st.multiselect(
        "EPCI exclus de la recommandation",
        epci_names,
        placeholder="Aucun",
        **kept("reco_excluded_epci", []),
    )
    labels = dict(zip(candidates["site_id"], candidates["name"], strict=True))
    excluded_communes = st.multiselect(
        "Communes exclues (aucun nouveau lieu dans ces communes)",
        sorted(set(candidates["code_insee"])),
        format_func=lambda code: commune_names.get(code, code),
        placeholder="Aucune",
        **kept("reco_excluded_communes", []),
        help="Exclure une commune écarte tous ses lieux (mairie, bibliothèque…) ; exclure "
        "un site n'écarte que ce lieu. Un clic sur la carte des résultats exclut aussi la "
        "commune cliquée.",
    )
    c7, c8, c9 = st.columns(3)
    forced = c7.multiselect(
        "Sites imposés",
        list(labels),
        format_func=labels.get,
        placeholder="Aucun",
        **kept("reco_forced", []),
    )
    excluded = c8.multiselect(
        "Sites exclus",
        list(labels),
        format_func=labels.get,
        placeholder="Aucun",
        **kept("reco_excluded", []),
    )
    budget = c9.number_input(
        "Budget net annuel maximal (€, 0 = sans limite)",
        0,
        10_000_000,
        step=25_000,
        **kept("reco_budget", 0),
    )
    c10, c11, c12 = st.columns(3)
    allow_reinforce = c10.checkbox(
        "Autoriser le renfort des permanences existantes",
        **kept("reco_allow_reinforce", True),
        help="Un lieu à moins d'1 km d'une permanence n'est pas un nouveau lieu : un "
        "conseiller placé là renforce la permanence.",
    )
    max_per_site = c11.number_input(
        "Nouveaux conseillers au plus par lieu",
        1,
        10,
        **kept("reco_max_per_site", MAX_NEW_ADVISORS_PER_SITE),
    )
    # In percent: Streamlit writes decimals with a point, a French reader expects a comma.
    min_epci_share_pct = c12.number_input(
        "Garantie par EPCI (% de la capacité départementale par personne en besoin)",
        0,
        100,
        step=5,
        help="0 = sans garantie ; 70 : aucun EPCI sous 70 % du niveau du département.",
        **kept("reco_min_epci_share_pct", 0),
    )
    travel_check = st.checkbox(
        "Vérifier la robustesse au modèle de trajet (détour 1,2 à 1,4, 50 à 70 km/h ; plus long)",
        **kept("reco_travel_check", False),
    )
    submitted = st.form_submit_button("Calculer la recommandation", type="primary")

if submitted:
    st.session_state["reco_request"] = RecommendRequest(
        k=int(k),
        diagnosis=settings,
        objective=objective,
        capacity_per_advisor=float(capacity),
        allow_reinforce=bool(allow_reinforce),
        max_new_advisors_per_site=int(max_per_site),
        min_epci_share=min_epci_share_pct / 100,
        travel_check=bool(travel_check),
        min_per_epci=int(min_per_epci),
        excluded_epci=tuple(excluded_epci),
        forced=tuple(forced),
        excluded=tuple(
            dict.fromkeys([*excluded, *sites_in_communes(candidates, excluded_communes)])
        ),
        cost_per_advisor_eur=float(cost),
        cofunding_per_advisor_eur=float(cofunding),
        max_net_budget_eur=float(budget) or None,
    )

request = st.session_state.get("reco_request")
if request is None:
    st.info("Choisissez les paramètres puis lancez le calcul.")
    st.stop()
# The sidebar offer, threshold and weights apply to the stored request too.
request = replace(request, diagnosis=settings)

try:
    with st.spinner("Optimisation en cours…"):
        recommendation = recommendation_for(
            territory, territory.cache_key, request, request.cache_key(), model
        )
except (PlacementInfeasible, InvalidRequest) as exc:
    st.error(f"Contraintes incompatibles. {escape_markdown(exc)}")
    st.stop()
result, after = recommendation.result, recommendation.after
st.caption(f"Optimisation résolue en {format_number_fr(result.solver['solve_s'], 2)} s.")

st.success(result.decided_by)
after_share = result.coverage_after["population_share"]
gain_points = 100 * (after_share - result.coverage_before["population_share"])
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    f"Population à moins de {threshold:g} min",
    format_percent_fr(after_share, 1),
    # No arrow for a gain that rounds to zero (« ↑ +0,0 pt » read as progress).
    delta=f"+{format_number_fr(gain_points, 1)} pt" if round(gain_points, 1) else None,
)
m2.metric(
    "Temps moyen (min)",
    format_number_fr(result.coverage_after["mean_travel_time_min"], 1),
    delta=format_number_fr(
        result.coverage_after["mean_travel_time_min"]
        - result.coverage_before["mean_travel_time_min"],
        1,
    ),
    delta_color="inverse",
)
m3.metric("Coût annuel net", f"{format_number_fr(result.cost['net_eur'])} €")
m4.metric(
    "Conseillers après placement",
    format_number_fr(result.cost["total_advisors"]),
    help=advisors_after_help_fr(result, recommendation.before),
)
persons = result.persons
p1, p2, p3 = st.columns(3)
p1.metric(
    "Personnes en besoin (estimation)", format_number_fr(persons["persons_in_need_estimated"])
)
p2.metric(
    "Sans accompagnement après placement",
    format_number_fr(persons["unserved_persons_after"]),
    delta=format_number_fr(persons["unserved_persons_after"] - persons["unserved_persons_before"]),
    delta_color="inverse",
    help="Besoin au-delà de la capacité de tous les conseillers ou du seuil.",
)
p3.metric(
    f"Dont à plus de {threshold:g} min de tout lieu",
    format_number_fr(persons["beyond_threshold_persons_after"]),
)
st.caption(
    f"Coût brut {format_number_fr(result.cost['gross_eur'])} €, cofinancement de l'État "
    f"{format_number_fr(result.cost['cofunding_eur'])} € par an. {solver_summary_fr(result.solver)}"
)

sites = chosen_sites(territory, result)
communes = territory.communes.join(after.communes[["travel_time_min", "need_index"]])
opened = after.offer.sites
decisions = placement_decisions(territory.communes, sites, after, before)
state = clickable_map(
    clickable_commune_map(
        communes,
        territory.epci,
        opened,
        ("reco", territory.cache_key, request.cache_key(), model),
        "travel_time_min",
        "Temps d'accès après placement (min)",
        "Minutes",
        tuple(travel_time_bounds(threshold, communes["travel_time_min"].max())),
        decisions,
    ),
    key="reco_map",
    height=600,
)
n_new = int((decisions["kind"] == "new_site").sum())
n_reinforce = int((decisions["kind"] == "reinforce").sum())
reinforcements = plural_fr(
    n_reinforce, "renfort de permanence existante", "renforts de permanences existantes"
)
st.caption(
    f"Étoiles : {n_new} {plural_fr(n_new, 'nouveau lieu', 'nouveaux lieux')} (orange) et "
    f"{n_reinforce} {reinforcements} "
    "(rose). Cliquez sur une commune pour l'exclure : la recommandation est recalculée sans "
    "aucun de ses lieux."
)
point = clicked_point(state, "reco_map")
if point is not None:
    code = commune_at(territory, *point)
    if code is None:
        st.warning("Ce point est hors du territoire : cliquez dans une commune.")
    else:
        st.session_state["reco_exclude_next"] = code
        st.rerun()

st.subheader("Pourquoi ces sites")
st.caption(
    "Chaque conseiller accompagne au plus "
    f"{format_number_fr(persons['capacity_per_advisor'])} personnes par an : un lieu ne prend "
    "jamais plus que sa capacité. Un renfort ajoute des conseillers à une permanence "
    "existante : les personnes du lieu sont partagées entre ses conseillers, anciens et "
    "nouveaux (comme dans le dossier du conseil). « Personnes (nouveaux) » : celles que "
    "les nouveaux conseillers accompagnent ; « (lieu) » : tout le lieu."
)
robust = result.travel_robustness
if robust:
    st.info(robust["summary"])
show_table(
    sites.reset_index(drop=True),
    {
        # The figures first, with short headers: at a laptop's width the grid scrolls.
        "name": ("Site", "text"),
        "kind_fr": ("Décision", "text"),
        "advisors": ("Nouveaux conseillers", "int"),
        "load_persons_new": ("Personnes (nouveaux)", "int"),
        "advisors_after": ("Conseillers du lieu", "int"),
        "load_persons": ("Personnes (lieu)", "int"),
        "capacity_persons": ("Capacité (lieu)", "int"),
        "group": ("EPCI", "text"),
        "gain_population": (f"Habitants nouvellement à moins de {threshold:g} min", "int"),
        "gain_need": ("Personnes en besoin nouvellement couvertes", "int"),
        "newly_covered_count": ("Communes nouvellement couvertes", "int"),
    },
)

st.subheader("Rendements décroissants")
curve = recommendation_analysis(
    territory, territory.cache_key, request, request.cache_key(), model, "trade_off"
)
c1, c2 = st.columns(2)
with c1:
    if "served_persons" in curve:
        # Under capacity, coverage hardly moves: the persons accompanied are the return.
        st.markdown("**Personnes en besoin accompagnées par an**")
        french_line_chart(
            curve, "n_sites", "served_persons", "Nouveaux conseillers", "personnes", 0
        )
    else:
        st.markdown(f"**Part de la population à moins de {threshold:g} min (%)**")
        french_line_chart(
            curve.assign(share_pct=100 * curve["population_share"]),
            "n_sites",
            "share_pct",
            "Nouveaux conseillers",
            "%",
            1,
        )
with c2:
    st.markdown("**Temps de trajet moyen (min)**")
    french_line_chart(curve, "n_sites", "mean_travel_time_min", "Nouveaux conseillers", "min", 1)
st.caption(curve_caption_fr(curve, result))

st.subheader("Sensibilité au seuil")
thresholds_fr = ", ".join(f"{t:g}" for t in SENSITIVITY_THRESHOLDS_MIN)
sensitivity_asked = st.session_state.get("reco_sensitivity_key") == request.cache_key()
if not sensitivity_asked and st.button(
    f"Calculer la sensibilité au seuil ({thresholds_fr} min)",
    help="Une optimisation complète par autre seuil : compter 15 à 20 secondes.",
):
    st.session_state["reco_sensitivity_key"] = request.cache_key()
    # Drawn again without the button, the table in its place.
    st.rerun()
if sensitivity_asked:
    with st.spinner("Optimisation à chaque seuil…"):
        sensitivity = recommendation_analysis(
            territory, territory.cache_key, request, request.cache_key(), model, "sensitivity"
        )
    show_table(
        sensitivity.reset_index(),
        {
            "threshold_min": ("Seuil (min)", "int"),
            "population_share_before": ("Avant", "pct"),
            "population_share_after": ("Après", "pct"),
            "mean_travel_time_min_after": ("Temps moyen après (min)", "dec"),
            "sites_kept_fr": ("Sites recommandés retenus", "text"),
            "sites_changed_fr": ("Sites qui changent", "text"),
        },
    )
else:
    st.caption(
        f"La recommandation peut être recalculée aux seuils de {thresholds_fr} min pour voir "
        "si les sites changent."
    )

st.subheader("Effet par EPCI")
effect = epci_effect(before, after, result)
show_table(
    effect.reset_index(),
    {
        "epci": ("EPCI", "text"),
        "new_sites": ("Nouveaux sites", "int"),
        "reinforcements": ("Renforts", "int"),
        "advisors_before": ("Conseillers avant", "int"),
        "advisors_after": ("Conseillers après", "int"),
        "inhabitants_per_advisor_after": ("Habitants par conseiller après", "int"),
        "capacity_per_person_in_need_after": ("Besoin accompagné après", "pct"),
        "ratio_to_departement_after": ("Rapport au département après", "dec"),
        "balance_before": ("Équilibre avant", "dec"),
        "balance_after": ("Équilibre après", "dec"),
    },
)
st.caption(balance_caption_fr(effect))

with st.expander("Robustesse : si des postes existants disparaissent"):
    n_lost = st.slider(
        "Nombre de permanences fermées (celles qui desservent le moins d'habitants)", 1, 10, 3
    )
    if st.toggle("Calculer la robustesse", key="reco_robustness"):
        stress = robustness_for(
            territory, territory.cache_key, request, request.cache_key(), model, n_lost
        )
        names = territory.sites.set_index("site_id")["name"]
        lost = stress.lost_with_placement
        lost_population = lost["population"].sum() if len(lost) else 0
        st.markdown(
            "Postes supposés fermés : "
            + ", ".join(escape_markdown(names.get(s, s)) for s in stress.lost_sites)
        )
        st.markdown(
            f"Avec le placement recommandé, **{len(lost)} "
            f"{plural_fr(len(lost), 'commune sort', 'communes sortent')}** du seuil de "
            f"{threshold:g} min ({format_number_fr(lost_population)} habitants). Placement "
            "qui garde le plus de couverture sans ces postes : "
            + ", ".join(escape_markdown(names.get(s, s)) for s in stress.resolved.chosen[:10])
            + ("…" if len(stress.resolved.chosen) > 10 else "")
        )

st.subheader("Enregistrer comme scénario")
with st.form("reco_save"):
    name = st.text_input("Nom du scénario", value=f"{request.k} conseillers — {threshold:g} min")
    author = st.text_input("Auteur")
    note = st.text_area("Note")
    if st.form_submit_button("Enregistrer"):
        try:
            store = scenario_store()
            same = store.unchanged_version(
                recommendation_scenario(recommendation, name, author, note)
            )
            saved = save_recommendation(store, recommendation, name, author, note)
        except InvalidRequest as exc:
            st.error(escape_markdown(exc))
        else:
            st.success(
                f"Scénario « {escape_markdown(saved.name)} » déjà enregistré à l'identique "
                f"(version {same}) : aucune nouvelle version."
                if same is not None
                else f"Scénario « {escape_markdown(saved.name)} » enregistré "
                f"(version {saved.version})."
            )
