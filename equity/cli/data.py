"""``maillage data``: load and validate the data, print what was loaded."""

from __future__ import annotations

import argparse
import time
from typing import Any

from equity.cli.common import add_user_file_options, load_from_args, write_json
from geo.formatting import format_number_fr
from geo.sites import SITE_TYPES
from geo.territory import SOURCES, Territory

__all__ = ["add_data_parser", "cmd_data", "print_data_summary"]


def add_data_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``data`` command."""
    parser = subparsers.add_parser(
        "data", help="charger et valider les données / load and validate the data"
    )
    add_user_file_options(parser)
    parser.add_argument("--json", action="store_true", help="sortie JSON / JSON output")
    parser.set_defaults(func=cmd_data)
    return parser


def print_data_summary(territory: Territory, seconds: float) -> None:
    """Readable French/English summary of the loaded territory."""
    s = territory.summary()
    print("Maillage — données de la Sarthe / Sarthe data")
    print(f"  Communes (COG 2025) : {s['communes']}")
    print(f"  Population (populations légales 2022) : {format_number_fr(s['population'])}")
    print(f"  EPCI : {s['epci']}")
    print(f"  Superficie (union des communes) : {format_number_fr(s['area_km2'])} km²")
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
    """Run ``maillage data``."""
    start = time.perf_counter()
    territory = load_from_args(args)
    seconds = time.perf_counter() - start
    if args.json:
        write_json(territory.summary(), "-")
    else:
        print_data_summary(territory, seconds)
    return 0
