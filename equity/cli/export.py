"""``maillage export``: print maps, the council pack, the offline map and data files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from equity.cli.common import (
    add_threshold_option,
    add_user_file_options,
    diagnose_request,
    load_from_args,
)
from equity.reporting import MAP_KINDS, WHAT
from equity.workflows import ExportRequest, export_scenario, open_store, scenario_or_current
from equity.workflows.exports import ORIENTATIONS, PAPERS, PRINT_FORMATS

__all__ = ["add_export_parser", "cmd_export"]


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``export`` command."""
    out = subparsers.add_parser("export", help="cartes, dossier du conseil, données / exports")
    add_user_file_options(out)
    out.add_argument("--scenario", help="scénario enregistré (défaut : situation actuelle)")
    out.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    out.add_argument("--what", choices=WHAT, required=True)
    out.add_argument("--map", choices=MAP_KINDS, default="scenario", help="carte à imprimer")
    out.add_argument("--paper", choices=PAPERS, default="A4")
    out.add_argument("--orientation", choices=ORIENTATIONS, default="landscape")
    out.add_argument("--format", choices=PRINT_FORMATS, default="pdf")
    add_threshold_option(out, "seuil (situation actuelle)")
    out.add_argument("--out", type=Path, required=True, help="dossier de sortie")
    out.set_defaults(func=cmd_export)
    return out


def cmd_export(args: argparse.Namespace) -> int:
    """Run ``maillage export``."""
    request = ExportRequest(
        what=args.what,
        map_kind=args.map,
        paper=args.paper,
        orientation=args.orientation,
        fmt=args.format,
    )
    territory = load_from_args(args)
    store = open_store(args.db) if args.scenario else None
    scenario = scenario_or_current(store, args.scenario, diagnose_request(args), territory)
    for path in export_scenario(territory, scenario, request, args.out):
        print(f"Écrit : {path}")
    return 0
