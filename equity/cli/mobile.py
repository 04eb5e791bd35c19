"""``maillage mobile``: mobile sessions on top of a scenario's fixed sites."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from equity.cli.common import (
    add_threshold_option,
    add_user_file_options,
    diagnose_request,
    load_from_args,
    write_json,
)
from equity.mobile import FREQUENCY_PERIOD_WEEKS, MobileResult, write_ics
from equity.workflows import (
    InvalidRequest,
    MobileRequest,
    evaluate_scenario,
    open_store,
    plan_mobile,
    scenario_or_current,
)
from geo.formatting import format_number_fr

__all__ = ["add_mobile_parser", "cmd_mobile", "print_mobile", "request_from_args"]

_DEFAULTS = MobileRequest()


def add_mobile_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``mobile`` command."""
    mob = subparsers.add_parser("mobile", help="tournées mobiles / mobile sessions")
    add_user_file_options(mob)
    mob.add_argument("--scenario", help="scénario enregistré (défaut : situation actuelle)")
    mob.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    add_threshold_option(mob, "seuil (situation actuelle)")
    mob.add_argument(
        "--half-days", type=int, default=_DEFAULTS.half_days, help="demi-journées mobiles / semaine"
    )
    mob.add_argument(
        "--session-hours",
        type=float,
        default=_DEFAULTS.session_hours,
        help="durée d'une séance (h)",
    )
    mob.add_argument(
        "--max-drive-min",
        type=float,
        default=_DEFAULTS.max_drive_min,
        help="conduite max par tournée (jour de sortie, base à base)",
    )
    mob.add_argument("--stops", type=int, default=_DEFAULTS.n_stops, help="nombre d'arrêts")
    mob.add_argument(
        "--short-drive-min",
        type=float,
        default=_DEFAULTS.short_drive_min,
        help="trajet court (min)",
    )
    mob.add_argument(
        "--cost-per-km", type=float, default=_DEFAULTS.cost_per_km_eur, help="coût par km (€)"
    )
    mob.add_argument("--saturday", action="store_true", help="tournées aussi le samedi (marchés)")
    mob.add_argument(
        "--force-stop", nargs="*", default=[], metavar="ID", help="lieux imposés comme arrêts"
    )
    mob.add_argument("--json", metavar="OUT", help="écrire le résultat JSON (« - » : sortie)")
    mob.add_argument(
        "--frequency",
        choices=list(FREQUENCY_PERIOD_WEEKS),
        default=_DEFAULTS.frequency,
        help="visites de chaque arrêt : weekly, fortnightly (une semaine sur deux), monthly",
    )
    mob.add_argument(
        "--fixed-site-min",
        type=float,
        default=_DEFAULTS.fixed_site_exclusion_min,
        help="aucun arrêt à moins de ce temps d'un lieu fixe, sauf arrêt imposé (min)",
    )
    mob.add_argument(
        "--stops-per-half-day",
        type=int,
        default=_DEFAULTS.max_stops_per_half_day,
        help="séances au plus par demi-journée",
    )
    mob.add_argument("--csv", type=Path, help="planning au format CSV (Excel français)")
    mob.add_argument("--ics", type=Path, help="agenda iCalendar (.ics) des séances")
    mob.add_argument(
        "--cycle-start",
        type=dt.date.fromisoformat,
        help="lundi de la semaine 1 dans l'agenda (AAAA-MM-JJ ; défaut : lundi prochain)",
    )
    mob.set_defaults(func=cmd_mobile)
    return mob


def request_from_args(args: argparse.Namespace) -> MobileRequest:
    """The mobile-sessions request of the command line."""
    return MobileRequest(
        n_stops=args.stops,
        half_days=args.half_days,
        session_hours=args.session_hours,
        max_drive_min=args.max_drive_min,
        short_drive_min=args.short_drive_min,
        cost_per_km_eur=args.cost_per_km,
        saturday=args.saturday,
        forced=tuple(args.force_stop),
        frequency=args.frequency,
        fixed_site_exclusion_min=args.fixed_site_min,
        max_stops_per_half_day=args.stops_per_half_day,
    )


def print_mobile(result: MobileResult, scenario_name: str, short_drive_min: float) -> None:
    """Readable French summary of a mobile programme."""
    gain = result.coverage_gain
    print(f"Maillage — tournées mobiles ({scenario_name})")
    print(f"  {result.travel_model['label']}")
    print(
        f"  {len(result.stops)} arrêts, {int(result.stops['scheduled'].sum())} programmés ; "
        f"{format_number_fr(gain['population'])} habitants de {gain['communes']} communes "
        f"à moins de {short_drive_min:g} min d'un arrêt"
    )
    print(
        f"  {format_number_fr(result.km_per_year)} km par an, "
        f"{format_number_fr(result.drive_hours_per_year)} h de conduite, "
        f"{format_number_fr(result.cost_eur_per_year)} € de frais de véhicule, "
        f"{format_number_fr(result.co2_kg_per_year)} kg CO2e"
    )
    for row in result.unschedulable.itertuples():
        print(f"  ! {row.stop_name} : {row.reason}")


def cmd_mobile(args: argparse.Namespace) -> int:
    """Run ``maillage mobile``."""
    request = request_from_args(args)
    if args.cycle_start is not None and args.cycle_start.weekday() != 0:
        raise InvalidRequest(f"--cycle-start doit être un lundi (reçu : {args.cycle_start}).")
    territory = load_from_args(args)
    store = open_store(args.db) if args.scenario else None
    scenario = scenario_or_current(store, args.scenario, diagnose_request(args), territory)
    _, diagnosis = evaluate_scenario(territory, scenario)
    result = plan_mobile(territory, diagnosis, request)
    if args.csv:
        result.schedule_csv(args.csv)
        print(f"Écrit : {args.csv}")
    if args.ics:
        write_ics(result, args.ics, args.cycle_start)
        print(f"Écrit : {args.ics}")
    if args.json:
        write_json(result.to_dict() | {"scenario": scenario.name}, args.json)
        return 0
    print_mobile(result, scenario.name, request.short_drive_min)
    return 0
