"""``maillage diagnose``: the equity diagnostic."""

from __future__ import annotations

import argparse
from typing import Any

from equity.cli.common import (
    add_offer_option,
    add_threshold_option,
    add_user_file_options,
    diagnose_request,
    load_from_args,
    write_json,
)
from equity.diagnostics import Diagnosis
from equity.workflows import InvalidRequest, need_weights_with, run_diagnosis
from geo.formatting import format_number_fr, format_percent_fr

__all__ = ["add_diagnose_parser", "cmd_diagnose", "parse_weights", "print_diagnosis"]


def add_diagnose_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``diagnose`` command."""
    parser = subparsers.add_parser(
        "diagnose", help="diagnostic d'équité d'accès / equity diagnostic"
    )
    add_user_file_options(parser)
    add_threshold_option(parser)
    add_offer_option(parser)
    parser.add_argument("--decay", choices=["step", "gaussian", "gravity"], default="step")
    parser.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="INDICATEUR=POIDS",
        help="poids de l'indice de besoin, ex. --weight ifn_global=0.4 --weight user_demandes=0.2",
    )
    parser.add_argument("--json", metavar="OUT", help="écrire le résultat JSON (« - » : sortie)")
    parser.set_defaults(func=cmd_diagnose)
    return parser


def parse_weights(pairs: list[str]) -> dict[str, float]:
    """``["ifn_global=0.4", "user_demandes=0,2"]`` → ``{"ifn_global": 0.4, …}``."""
    weights = {}
    for pair in pairs:
        column, _, value = pair.partition("=")
        try:
            weights[column.strip()] = float(value.replace(",", "."))
        except ValueError:
            raise InvalidRequest(f"poids illisible « {pair} » (attendu : indicateur=0.3)") from None
    return weights


def print_diagnosis(diagnosis: Diagnosis) -> None:
    """Readable French summary of a diagnostic."""
    head = diagnosis.headline()
    threshold = diagnosis.settings.threshold_min
    print("Maillage — diagnostic d'équité d'accès")
    for note in diagnosis.notes:
        print(f"  {note}")
    print(
        f"  Population à moins de {threshold:g} min d'un lieu : "
        f"{format_number_fr(head['population_within_threshold'])} sur "
        f"{format_number_fr(head['population_total'])} "
        f"({format_percent_fr(head['share_within_threshold'])})"
    )
    print("  Seuils côte à côte :")
    for t, row in diagnosis.coverage.iterrows():
        print(
            f"    {t:>4g} min : {format_percent_fr(row['share_within'])} de la population, "
            f"{format_percent_fr(row['need_share_within'])} des personnes en besoin"
        )
    print(
        f"  Conseillers : {head['advisors']:.0f}, soit "
        f"{format_number_fr(head['inhabitants_per_advisor'])} habitants par conseiller"
    )
    theil = diagnosis.theil_travel_time
    print(
        f"  Gini des temps de trajet : {format_number_fr(head['gini_travel_time'], 2)} ; "
        f"Theil : {format_number_fr(theil.total, 2)} (entre EPCI "
        f"{format_number_fr(theil.between, 2)}, au sein des EPCI "
        f"{format_number_fr(theil.within, 2)})"
    )
    print("  Par EPCI (équilibre = part des conseillers / part du besoin) :")
    for name, row in diagnosis.by_epci.sort_values("balance").iterrows():
        print(
            f"    {name:<55} {format_number_fr(row['population']):>9} hab. "
            f"{row['advisors']:>4.0f} cons. équilibre {format_number_fr(row['balance'], 2)} "
            f"< {threshold:g} min : {format_percent_fr(row['share_within_threshold'])}"
        )
    print(f"  Zones mal desservies ({len(diagnosis.zones)}), par priorité :")
    for _, zone in diagnosis.zones.head(10).iterrows():
        print(
            f"    {zone['rank']:>2}. {zone['n_communes']} commune(s), "
            f"{format_number_fr(zone['population'])} hab., {zone['dominant_density']} — "
            f"{zone['communes'][:90]}"
        )


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Run ``maillage diagnose``."""
    territory = load_from_args(args)
    changes = parse_weights(args.weight)
    weights = need_weights_with(territory, changes) if changes else None
    request = diagnose_request(args, decay=args.decay, need_weights=weights)
    diagnosis = run_diagnosis(territory, request)
    if args.json:
        write_json(diagnosis.to_dict(), args.json)
    else:
        print_diagnosis(diagnosis)
    return 0
