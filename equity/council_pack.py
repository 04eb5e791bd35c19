"""Pages of the council pack: the summary for elected members, decisions, method, annex.

:mod:`equity.reporting` assembles the pack; this module writes what its pages say, in
plain French, from a scenario's decisions and its diagnostic before and after. Figures
are written once here so the summary, the decisions table and the key figures agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from equity.decision_table import decision_reasons_fr, decisions_table_fr
from equity.diagnostics import Diagnosis
from equity.inequality import RELATIVE_DISPERSION_NOTE_FR
from equity.mobile import MobileResult, MobileSettings
from equity.mobile.result import CIRCUIT_STOP_SEPARATOR
from equity.need import PERSONS_IN_NEED_METHOD_FR
from equity.offer import Offer
from geo import national
from geo.defaults import (
    ADVISOR_COST_EUR,
    CAPACITY_PERSONS_PER_ADVISOR,
    COFUNDING_PER_ADVISOR_EUR,
)
from geo.formatting import format_number_fr, format_percent_fr, plural_fr
from geo.render.calendar import calendar_sections
from geo.render.pack import TablePage, TextSection
from geo.render.print_map import format_source_line
from geo.sites import SITE_TYPES
from geo.socio import INDICATORS
from geo.territory import Territory

__all__ = [
    "GINI_CARD_NOTE_FR",
    "HALF_DAYS_FR",
    "SUMMARY_TITLE",
    "calendar_pages",
    "calendar_table",
    "cost_figures",
    "cycle_weeks",
    "decisions_page",
    "method_note",
    "mobile_pages",
    "n_places",
    "sources_annex",
    "summary_figures",
    "summary_paragraphs",
]

SUMMARY_TITLE = "Synthèse pour les élus"
#: Note of the Gini key figure: a relative measure (:data:`RELATIVE_DISPERSION_NOTE_FR`).
GINI_CARD_NOTE_FR = "mesure relative : peut augmenter quand tous les temps baissent"
#: How the tours table writes a circuit's half-days (« matin, après-midi » is a day).
HALF_DAYS_FR: dict[str, str] = {
    "matin": "matin",
    "après-midi": "après-midi",
    "matin, après-midi": "journée",
}


def n_places(diagnosis: Diagnosis, decisions: pd.DataFrame | None = None) -> int:
    """Places of help of the territory's own offer, as the app counts them.

    A reinforcement is a site record of its own (``…-renfort``) at, or next to, the
    permanence it reinforces: it stays one place with it, so it is not counted.

    Parameters
    ----------
    diagnosis : Diagnosis
        Diagnostic whose offer is counted (sites across the border are not).
    decisions : pandas.DataFrame, optional
        The scenario's decisions (:func:`equity.decision_table.decision_sites`).

    Returns
    -------
    int
        Places of the offer in the territory, reinforcements not counted again.
    """
    offer = diagnosis.offer
    own = offer.sites.loc[~offer.outside, "site_id"]
    if decisions is None or not len(decisions):
        return len(own)
    reinforcing = decisions.loc[decisions["kind"] == "reinforce", "site_id"]
    return int((~own.isin(reinforcing)).sum())


def cost_figures(parameters: Mapping, n_added: float) -> dict[str, float]:
    """Annual gross cost, State co-funding and net cost of ``n_added`` advisors (euros)."""
    cost = parameters.get("cost_per_advisor_eur") or ADVISOR_COST_EUR
    cofunding = parameters.get("cofunding_per_advisor_eur")
    cofunding = COFUNDING_PER_ADVISOR_EUR if cofunding is None else cofunding
    gross = float(cost) * n_added
    aid = float(cofunding) * n_added
    return {"gross_eur": gross, "cofunding_eur": aid, "net_eur": gross - aid}


def _euros(value: float) -> str:
    return f"{format_number_fr(value)} €"


def _where(decisions: pd.DataFrame, limit: int = 6) -> str:
    """The EPCI that receive advisors, most first (« CC X (3), CU Y (2) et 4 autres »)."""
    by_epci = decisions.groupby("epci")["advisors"].sum().sort_values(ascending=False)
    parts = [f"{name} ({format_number_fr(n)})" for name, n in by_epci.head(limit).items()]
    rest = len(by_epci) - limit
    others = plural_fr(rest, "autre intercommunalité", "autres intercommunalités")
    return ", ".join(parts) + (f" et {rest} {others}" if rest > 0 else "")


def _kind_parts_fr(decisions: pd.DataFrame, types: bool = False) -> list[str]:
    """« 13 dans 12 nouveaux lieux », « 7 en renfort de 3 permanences existantes ».

    With ``types``, the new places' kinds follow (« (Mairie : 10 ; Bibliothèque : 1) »).
    """
    parts = []
    new = decisions[decisions["kind"] == "new_site"]
    if len(new):
        n = len(new)
        text = (
            f"{format_number_fr(new['advisors'].sum())} "
            f"dans {n} {plural_fr(n, 'nouveau lieu', 'nouveaux lieux')}"
        )
        if types and "site_type" in new:
            counts = new["site_type"].map(lambda t: SITE_TYPES.get(t, t)).value_counts()
            text += " (" + " ; ".join(f"{label} : {c}" for label, c in counts.items()) + ")"
        parts.append(text)
    reinforced = decisions[decisions["kind"] == "reinforce"]
    if len(reinforced):
        n = len(reinforced)
        places = plural_fr(n, "permanence existante", "permanences existantes")
        parts.append(f"{format_number_fr(reinforced['advisors'].sum())} en renfort de {n} {places}")
    return parts


def _proposed_fr(decisions: pd.DataFrame, types: bool = False) -> str:
    """« 20 conseillers numériques de plus, 13 dans 12 nouveaux lieux et 7 en renfort… »."""
    n_added = float(decisions["advisors"].sum())
    advisors = plural_fr(n_added, "conseiller numérique", "conseillers numériques")
    parts = _kind_parts_fr(decisions, types)
    return f"{format_number_fr(n_added)} {advisors} de plus, " + " et ".join(parts)


def summary_paragraphs(
    decisions: pd.DataFrame,
    before: Diagnosis,
    after: Diagnosis,
    parameters: Mapping,
    mobile: MobileResult | None = None,
) -> list[str]:
    """What is proposed, where, for whom and at what cost, as short plain sentences."""
    threshold = after.settings.threshold_min
    if not len(decisions):
        return [
            # A colon, not brackets: the offer's own text holds brackets (« (36) »).
            "Ce scénario n'ajoute aucun conseiller ; il décrit l'offre actuelle : "
            f"{before.offer.describe_fr().removeprefix('Offre existante : ')}.",
        ]
    cost = cost_figures(parameters, float(decisions["advisors"].sum()))
    gained = (
        after.headline()["population_within_threshold"]
        - before.headline()["population_within_threshold"]
    )
    paragraphs = [
        f"Ce qui est proposé : {_proposed_fr(decisions)}. Les lieux d'accompagnement passent "
        f"de {n_places(before)} à {n_places(after, decisions)} (un renfort reste dans le lieu "
        "qu'il renforce).",
        f"Où : {_where(decisions)}. La carte ci-dessous montre chaque lieu (étoiles).",
        f"Pour qui : {format_number_fr(decisions['persons_served'].sum())} personnes en besoin "
        f"d'accompagnement numérique accompagnées dans ces lieux ; {format_number_fr(gained)} "
        f"habitants de plus à moins de {threshold:g} min d'un lieu d'aide.",
        f"Coût : {_euros(cost['gross_eur'])} par an, dont {_euros(cost['cofunding_eur'])} "
        f"de cofinancement de l'État, soit {_euros(cost['net_eur'])} par an à la charge "
        "du Département.",
    ]
    if mobile is not None and len(mobile.circuits):
        paragraphs.append(
            f"Tournées mobiles : {int(mobile.stops['scheduled'].sum())} arrêts programmés, "
            f"{format_number_fr(mobile.km_per_year)} km et "
            f"{_euros(mobile.cost_eur_per_year)} de frais de véhicule par an."
        )
    paragraphs.append("Le détail des décisions, lieu par lieu, suit cette page.")
    return paragraphs


def summary_figures(
    before: Diagnosis, after: Diagnosis, decisions: pd.DataFrame | None = None
) -> list[tuple[str, str, str]]:
    """Main figures before and after, as (label, today, with the scenario) in French.

    Places are counted by :func:`n_places` (a reinforcement joins its permanence).
    """
    b, a = before.headline(), after.headline()
    threshold = after.settings.threshold_min
    return [
        ("Conseillers", format_number_fr(b["advisors"]), format_number_fr(a["advisors"])),
        ("Lieux d'accompagnement", str(n_places(before)), str(n_places(after, decisions))),
        (
            f"Habitants à moins de {threshold:g} min",
            format_percent_fr(b["share_within_threshold"], 1),
            format_percent_fr(a["share_within_threshold"], 1),
        ),
        (
            "Habitants par conseiller",
            format_number_fr(b["inhabitants_per_advisor"]),
            format_number_fr(a["inhabitants_per_advisor"]),
        ),
        (
            "Communes mal desservies",
            format_number_fr(b["n_underserved_communes"]),
            format_number_fr(a["n_underserved_communes"]),
        ),
    ]


def decisions_page(decisions: pd.DataFrame) -> list[TablePage | TextSection]:
    """The table of proposed decisions, one row per decision, then why each one."""
    return [
        TablePage(
            "Décisions proposées",
            decisions_table_fr(decisions),
            note="Renfort : conseiller ajouté dans une permanence existante ou à côté. "
            "Personnes accompagnées : personnes en besoin à moins du seuil que la capacité "
            "des conseillers de ce lieu permet d'accompagner (répartition exacte de la "
            "capacité, comme à la page Recommandation ; partagées entre les conseillers du "
            "même lieu).",
        ),
        TextSection(
            "Pourquoi ces décisions", [f"- {line}" for line in decision_reasons_fr(decisions)]
        ),
    ]


def mobile_pages(mobile: MobileResult) -> list[TablePage]:
    """The tours: one row per half-day circuit (who, when, which stops, how far)."""
    circuits = pd.DataFrame(mobile.circuits.drop(columns="geometry"))
    names = mobile.stops["name"].to_dict() if "name" in mobile.stops else {}
    table = pd.DataFrame(
        {
            "Conseiller": circuits["advisor_name"].astype(str).str.removeprefix("Itinérant — "),
            "Semaine": circuits["week"],
            "Jour": circuits["day"],
            "Moment": circuits["half_day"].map(HALF_DAYS_FR).fillna(circuits["half_day"]),
            # ``stop_ids`` is one text (« a → b »): split it, never iterate its letters.
            "Arrêts": [
                " → ".join(str(names.get(s, s)) for s in ids.split(CIRCUIT_STOP_SEPARATOR))
                for ids in circuits["stop_ids"]
            ],
            "Conduite (min)": circuits["drive_min"].round(),
            "Distance (km)": circuits["km"].round(1),
        }
    )
    return [
        TablePage(
            "Tournées mobiles : circuits sur quatre semaines",
            table,
            note="Conseiller : base de départ de la tournée. Chaque ligne est le circuit d'un "
            "conseiller : une demi-journée (« matin » ou « après-midi ») ou une journée entière "
            "(« journée » : matin et après-midi).",
        )
    ]


#: How each normalisation of :func:`equity.need.normalise` brings an indicator to 0–1.
_SCALES_FR = {
    "rank": "ramenés à des rangs (0 à 1)",
    "minmax": "ramenés entre 0 et 1 (minimum à 0, maximum à 1)",
    "zscore": "centrés-réduits puis ramenés entre 0 et 1 (fonction logistique)",
}


def _need_index_paragraph(diagnosis: Diagnosis) -> str:
    """The need index's weights as the user set them, and their normalisation."""
    used = {k: w for k, w in diagnosis.need_weights.weights.items() if w > 0}
    total = sum(used.values())
    weights = ", ".join(
        f"{INDICATORS.get(k, (k,))[0]} ({format_percent_fr(w)})" for k, w in used.items()
    )
    # The sliders need not sum to 100 %: the index divides by their total.
    rescaled = (
        f" Ces poids totalisent {format_percent_fr(total)} ; l'indice les divise par ce "
        "total (ramenés à 100 %)."
        if abs(total - 1) > 1e-9
        else ""
    )
    scale = _SCALES_FR[diagnosis.need_weights.normalisation]
    return (
        f"Indice de besoin : indicateurs {scale}, moyenne pondérée — {weights}.{rescaled} "
        "Les valeurs non publiées (secret statistique) sont imputées à partir des communes "
        "comparables et signalées."
    )


def _existing_offer(diagnosis: Diagnosis, decisions: pd.DataFrame | None) -> Offer:
    """The offer of ``diagnosis`` without the scenario's additions (nor their new types)."""
    offer = diagnosis.offer
    if decisions is None or not len(decisions):
        return offer
    sites = offer.sites[~offer.sites["site_id"].isin(decisions["site_id"])]
    added_types = set(decisions["site_type"]) if "site_type" in decisions else set()
    kept = set(sites["site_type"])
    types = tuple(t for t in offer.site_types if t in kept or t not in added_types)
    return replace(offer, sites=sites, site_types=types)


def _offer_paragraphs(
    territory: Territory,
    diagnosis: Diagnosis,
    reference: Diagnosis | None,
    decisions: pd.DataFrame | None,
) -> list[str]:
    """The existing offer, then what the scenario adds to it, then the places after."""
    existing = reference.offer if reference is not None else _existing_offer(diagnosis, decisions)
    paragraphs = [f"{existing.describe_fr()}."]
    if decisions is None or not len(decisions):
        return paragraphs
    n_reinforced = int((decisions["kind"] == "reinforce").sum())
    stays = plural_fr(n_reinforced, ", qui reste un lieu", ", qui restent chacune un lieu")
    advisors = diagnosis.headline()["advisors"]
    paragraphs.append(
        "Propositions du scénario, en plus de l'offre existante : "
        + _proposed_fr(decisions, types=True)
        + (stays if n_reinforced else "")
        + f". Avec le scénario : {n_places(diagnosis, decisions)} lieux et "
        f"{format_number_fr(advisors)} {plural_fr(advisors, 'conseiller')} "
        f"{national.in_departement(territory.departement_code)}."
    )
    return paragraphs


def method_note(
    territory: Territory,
    diagnosis: Diagnosis,
    reference: Diagnosis | None = None,
    decisions: pd.DataFrame | None = None,
) -> TextSection:
    """How every figure of the pack was computed, in a page a reader can check.

    The existing offer (``reference``'s, else ``diagnosis``'s without the scenario's
    ``decisions``) is written apart from what the scenario proposes.
    """
    threshold = diagnosis.settings.threshold_min
    paragraphs = [
        f"Temps de trajet : {diagnosis.travel_model.label}. La population de chaque commune "
        "est placée à sa mairie ; le temps d'une commune est celui du lieu d'aide le plus "
        "proche.",
        f"Seuil : {threshold:g} minutes. Une commune est « à moins du seuil » quand le lieu "
        "le plus proche est à moins de ce temps ; les cartes de temps d'accès placent "
        "toujours le seuil comme limite de classe.",
        _need_index_paragraph(diagnosis),
        f"{PERSONS_IN_NEED_METHOD_FR} Total du département : "
        f"{format_number_fr(diagnosis.communes['persons_in_need'].sum())} personnes. Ce "
        "n'est pas un nombre de personnes suivies.",
        *_offer_paragraphs(territory, diagnosis, reference, decisions),
        "Accessibilité : lieu le plus proche, nombre de lieux sous le seuil, et conseillers "
        "accessibles pour 10 000 habitants (chaque conseiller partagé entre les habitants "
        "à moins du seuil de son lieu ; méthode des aires flottantes à deux étapes, dite "
        "2SFCA).",
        "Zones mal desservies : communes au-delà du seuil ou dont les conseillers "
        "accessibles pour 10 000 habitants sont moins de la moitié de la moyenne "
        "départementale, regroupées en zones contiguës.",
        "Placement (objectif par défaut) : calcul exact de la meilleure répartition des "
        "nouveaux conseillers. Chaque conseiller, existant ou nouveau, accompagne au plus "
        f"{format_number_fr(CAPACITY_PERSONS_PER_ADVISOR)} personnes par an (valeur par "
        "défaut). Le calcul accompagne d'abord le plus de personnes en besoin à moins du "
        "seuil ; à nombre égal, il réduit leur temps de trajet ; puis il équilibre les EPCI. "
        "Solveur : HiGHS, logiciel libre d'optimisation.",
        "Décisions : un conseiller ajouté dans une permanence existante, ou à moins d'un "
        "kilomètre, est un renfort ; ailleurs, c'est un nouveau lieu.",
        "Cartes avant / après : mêmes classes de couleur sur les deux cartes, pour que la "
        "différence se lise directement.",
        # The Diagnostic's own sentence, so the pack and the app say the same.
        "Gini des temps de trajet : "
        f"{RELATIVE_DISPERSION_NOTE_FR[0].lower()}{RELATIVE_DISPERSION_NOTE_FR[1:]}",
    ]
    paragraphs += [
        f"- {w}"
        for w in territory.warnings
        if "obsolète" in w or "imputée" in w or w.startswith("Couches absentes")
    ]
    return TextSection("Note de méthode", paragraphs)


def sources_annex(territory: Territory) -> TextSection:
    """Every source with its publisher, vintage and licence (the maps point here)."""
    lines = [
        "Les cartes de ce dossier portent la mention « Sources : voir annexe » ; voici "
        "chaque source, son éditeur, son millésime et sa licence."
    ]
    lines += [f"- {format_source_line(source)}" for source in territory.sources.values()]
    lines.append(
        "Fond de carte : aucun (pas de tuiles en ligne) ; limites IGN ADMIN EXPRESS. "
        "Réalisation : Maillage, logiciel libre de planification de l'inclusion numérique."
    )
    return TextSection("Annexe : sources et licences", lines)


def calendar_table(territory: Territory, result: MobileResult) -> pd.DataFrame:
    """The sessions of the cycle with their commune's name, as the calendar prints them.

    Returns
    -------
    pandas.DataFrame
        The schedule with a ``commune`` column (name of the stop's commune; empty for a
        place without a known commune): :data:`geo.render.calendar.CALENDAR_COLUMNS`.
    """
    codes = result.stops["code_insee"]
    names = codes.map(territory.communes["name"]).fillna("")
    return result.schedule.assign(commune=result.schedule["stop_id"].map(names).fillna(""))


def cycle_weeks(result: MobileResult) -> int:
    """Weeks in the planning cycle of ``result``."""
    return int(result.parameters.get("weeks_in_cycle", MobileSettings().weeks_in_cycle))


def calendar_pages(
    territory: Territory, result: MobileResult, cycle_start: dt.date
) -> list[TablePage]:
    """The printable calendar as pack pages (one table per advisor and week)."""
    return calendar_sections(calendar_table(territory, result), cycle_start, cycle_weeks(result))
