"""``maillage recommend``: where the next advisors go."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from equity.cli.common import (
    add_offer_option,
    add_threshold_option,
    add_user_file_options,
    diagnose_request,
    load_from_args,
    write_json,
)
from equity.placement import LEGACY_OBJECTIVES, OBJECTIVES
from equity.workflows import (
    Recommendation,
    RecommendRequest,
    open_store,
    run_recommendation,
    save_recommendation,
)
from geo.defaults import (
    ADVISOR_COST_EUR,
    CAPACITY_PERSONS_PER_ADVISOR,
    COFUNDING_PER_ADVISOR_EUR,
    MAX_NEW_ADVISORS_PER_SITE,
    MIN_EPCI_SHARE,
    NEW_ADVISORS,
    SENSITIVITY_THRESHOLDS_MIN,
    SOLVER_TIME_LIMIT_S,
)
from geo.formatting import format_number_fr

__all__ = ["add_recommend_parser", "cmd_recommend", "print_recommendation", "request_from_args"]


def add_recommend_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``recommend`` command."""
    rec = subparsers.add_parser("recommend", help="recommander des sites / recommend new sites")
    add_user_file_options(rec)
    rec.add_argument(
        "--extra", type=int, default=NEW_ADVISORS, help="nombre de nouveaux conseillers"
    )
    add_threshold_option(rec)
    rec.add_argument(
        "--objective",
        choices=(*OBJECTIVES, *LEGACY_OBJECTIVES),
        default=RecommendRequest.objective,
        help="« residual » (ancien défaut) est lu comme « capacity »",
    )
    add_offer_option(rec)
    rec.add_argument("--min-per-epci", type=int, default=0, help="minimum de sites par EPCI")
    rec.add_argument("--max-per-epci", type=int, help="maximum de sites par EPCI")
    rec.add_argument("--force", nargs="*", default=[], help="sites imposés (identifiants)")
    rec.add_argument("--exclude", nargs="*", default=[], help="sites exclus (identifiants)")
    rec.add_argument(
        "--capacity-per-advisor",
        "--capacity",
        dest="capacity",
        type=float,
        default=CAPACITY_PERSONS_PER_ADVISOR,
        help="personnes accompagnées par conseiller et par an (tout conseiller)",
    )
    rec.add_argument(
        "--allow-reinforce",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="autoriser le renfort des permanences existantes (--no-reinforce : non)",
    )
    rec.add_argument("--no-reinforce", dest="allow_reinforce", action="store_false")
    rec.add_argument(
        "--max-per-site",
        type=int,
        default=MAX_NEW_ADVISORS_PER_SITE,
        help="nouveaux conseillers au plus par lieu (nouveau ou renforcé)",
    )
    rec.add_argument(
        "--min-epci-share",
        type=float,
        default=MIN_EPCI_SHARE,
        help="part minimale, pour chaque EPCI, de la capacité par personne en besoin du "
        "département (ex. 0.7 ; 0 = sans garantie)",
    )
    rec.add_argument(
        "--travel-check",
        action="store_true",
        help="résoudre aussi avec d'autres détours et vitesses (sites stables ou sensibles)",
    )
    rec.add_argument(
        "--sensitivity",
        action="store_true",
        help="résoudre aussi aux seuils de "
        + ", ".join(f"{t:g}" for t in SENSITIVITY_THRESHOLDS_MIN)
        + " min (sensibilité au seuil)",
    )
    rec.add_argument("--cost-per-advisor", type=float, default=ADVISOR_COST_EUR, help="€ par an")
    rec.add_argument(
        "--cofunding",
        type=float,
        default=COFUNDING_PER_ADVISOR_EUR,
        help="cofinancement État €/an",
    )
    rec.add_argument("--budget", type=float, help="budget net annuel maximal (€)")
    rec.add_argument(
        "--time-limit", type=float, default=SOLVER_TIME_LIMIT_S, help="limite du solveur (s)"
    )
    rec.add_argument("--save", metavar="NAME", help="enregistrer comme scénario")
    rec.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    rec.add_argument("--author", default="", help="auteur du scénario")
    rec.add_argument("--note", default="", help="note du scénario")
    rec.add_argument("--json", metavar="OUT", help="écrire le résultat JSON (« - » : sortie)")
    rec.set_defaults(func=cmd_recommend)
    return rec


def request_from_args(args: argparse.Namespace) -> RecommendRequest:
    """The recommendation request of the command line."""
    return RecommendRequest(
        k=args.extra,
        diagnosis=diagnose_request(args),
        objective=args.objective,
        capacity_per_advisor=args.capacity,
        allow_reinforce=args.allow_reinforce,
        max_new_advisors_per_site=args.max_per_site,
        min_epci_share=args.min_epci_share,
        travel_check=args.travel_check,
        sensitivity=args.sensitivity,
        min_per_epci=args.min_per_epci,
        max_per_epci=args.max_per_epci,
        forced=tuple(args.force),
        excluded=tuple(args.exclude),
        cost_per_advisor_eur=args.cost_per_advisor,
        cofunding_per_advisor_eur=args.cofunding,
        max_net_budget_eur=args.budget,
        time_limit_s=args.time_limit,
    )


def print_recommendation(recommendation: Recommendation, report: dict[str, Any]) -> None:
    """Readable French summary of a recommendation."""
    request, result = recommendation.request, recommendation.result
    threshold = request.diagnosis.threshold_min
    print(f"Maillage — recommandation de {result.cost['new_advisors']:g} nouveaux conseillers")
    print(f"  {recommendation.inputs.travel_model.label}")
    print(f"  {result.decided_by}")
    for i, site in enumerate(report["chosen"], start=1):
        print(
            f"  {i:>2}. {site['name']} ({site['epci']}) — {site['kind_fr']}, "
            f"{site['advisors']} conseiller(s) ; {format_number_fr(site['load_persons'])} "
            f"personnes accompagnées pour une capacité de "
            f"{format_number_fr(site['capacity_persons'])} ; "
            f"{format_number_fr(site['gain_population'])} hab. nouvellement à moins de "
            f"{threshold:g} min"
        )
    robust = result.travel_robustness
    if robust:
        print(f"  Robustesse au modèle de trajet : {robust['summary']}")
    cost = result.cost
    print(
        f"  Coût annuel : {format_number_fr(cost['gross_eur'])} € brut, "
        f"{format_number_fr(cost['cofunding_eur'])} € de cofinancement de l'État, "
        f"{format_number_fr(cost['net_eur'])} € net pour le Département"
    )
    solver = report["solver"]
    print(
        f"  Solveur : {solver['method']} ({solver['message']}), "
        f"{format_number_fr(solver['seconds'], 2)} s"
    )


def cmd_recommend(args: argparse.Namespace) -> int:
    """Run ``maillage recommend``."""
    territory = load_from_args(args)
    recommendation = run_recommendation(territory, request_from_args(args))
    report = recommendation.report(territory)
    if args.save:
        saved = save_recommendation(
            open_store(args.db), recommendation, args.save, args.author, args.note
        )
        report["saved_as"] = {"name": saved.name, "version": saved.version}
    if args.json:
        write_json(report, args.json)
        return 0
    print_recommendation(recommendation, report)
    if args.save:
        print(f"  Enregistré : scénario « {saved.name} » (version {saved.version})")
    return 0
