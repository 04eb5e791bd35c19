"""The ``maillage`` command line.

Exit codes: 0 success, 2 invalid user data or arguments (French message, no
traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from equity.cli_network import add_network_parser, run_network
from geo.errors import DataValidationError
from geo.sites import SITE_TYPES
from geo.territory import SOURCES, Territory, UserFiles, load_territory


def _add_user_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sites", type=Path, help="fichier de lieux/conseillers (CSV ou GeoJSON) / sites file"
    )
    parser.add_argument(
        "--replace-sites",
        action="store_true",
        help="les lieux fournis remplacent ceux du même type / user sites replace embedded ones",
    )
    parser.add_argument("--fibre", type=Path, help="fichier communal ARCEP FttH actuel (CSV)")
    parser.add_argument("--fibre-vintage", help="millésime du fichier fibre, ex. « T2 2025 »")
    parser.add_argument(
        "--indicators", type=Path, help="table d'indicateurs par code INSEE (CSV) / indicators"
    )
    parser.add_argument("--no-cache", action="store_true", help="ignore data/processed cache")


def user_files_from_args(args: argparse.Namespace) -> UserFiles:
    """The :class:`~geo.territory.UserFiles` named by the common options."""
    return UserFiles(
        sites=args.sites,
        fibre=args.fibre,
        indicators=args.indicators,
        replace_sites=args.replace_sites,
        fibre_vintage=args.fibre_vintage,
    )


def load_from_args(args: argparse.Namespace) -> Territory:
    """Load the territory with the user files given on the command line."""
    return load_territory(user_files_from_args(args), use_cache=not args.no_cache)


def _format_int(n: float) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")


def print_data_summary(territory: Territory, seconds: float) -> None:
    """Readable French/English summary of the loaded territory."""
    s = territory.summary()
    print("Maillage — données de la Sarthe / Sarthe data")
    print(f"  Communes (COG 2025) : {s['communes']}")
    print(f"  Population (populations légales 2022) : {_format_int(s['population'])}")
    print(f"  EPCI : {s['epci']}")
    print(f"  Superficie (union des communes) : {_format_int(s['area_km2'])} km²")
    print("  Lieux / sites :")
    for site_type, count in s["sites"].items():
        advisors = s["advisors"].get(site_type)
        extra = f" ({advisors:.0f} conseillers)" if advisors else ""
        print(f"    - {SITE_TYPES.get(site_type, site_type)} : {count}{extra}")
    print("  Millésimes / vintages :")
    for layer, vintage in s["vintages"].items():
        label = SOURCES.get(layer, {}).get("label", layer)
        print(f"    - {label} : {vintage}")
    print(f"  Avertissements / warnings ({len(s['warnings'])}) :")
    for warning in s["warnings"]:
        print(f"    ! {warning}")
    print(f"  Chargé en {seconds:.2f} s (clé de cache {s['cache_key']}).")


def cmd_data(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    territory = load_from_args(args)
    seconds = time.perf_counter() - start
    if args.json:
        json.dump(territory.summary(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_data_summary(territory, seconds)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maillage",
        description="Maillage : équité d'accès aux conseillers numériques en Sarthe.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser(
        "data", help="charger et valider les données / load and validate the data"
    )
    _add_user_file_options(data)
    data.add_argument("--json", action="store_true", help="sortie JSON / JSON output")
    data.set_defaults(func=cmd_data)
    add_network_parser(sub).set_defaults(func=run_network)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``maillage`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataValidationError as exc:
        print(f"Données invalides.\n{exc.format()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
