"""``maillage france``: the national summary, one département per Dask task."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from equity.cli.common import write_json
from equity.distributed import TerminalProgressBar, dask_client, run_on_dask
from equity.workflows.france import (
    FRANCE_COLUMNS_FR,
    FranceRequest,
    france_map,
    france_summary,
)
from geo import national
from geo.defaults import FRANCE_SERVED_SHARE
from geo.formatting import format_number_fr
from geo.render.exports import export_csv_fr

__all__ = ["add_france_parser", "cmd_france"]


def add_france_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``france`` command."""
    parser = subparsers.add_parser(
        "france",
        help="synthèse nationale par département / national summary by département",
    )
    parser.add_argument("--json", help="fichier JSON de la synthèse (« - » : sortie standard)")
    parser.add_argument("--csv", type=Path, help="tableau CSV (Excel français)")
    parser.add_argument("--map", type=Path, help="carte de France (.pdf, .png ou .svg)")
    parser.add_argument(
        "--share",
        type=float,
        default=FRANCE_SERVED_SHARE,
        help="part des personnes ayant besoin d'aide à servir (défaut : %(default)g)",
    )
    parser.add_argument(
        "--only", help="codes de départements séparés par des virgules (défaut : tous)"
    )
    parser.add_argument("--scheduler", help="adresse d'un cluster Dask existant (tcp://…:8786)")
    parser.add_argument(
        "--workers", type=int, help="processus du cluster local (défaut : un par cœur)"
    )
    parser.set_defaults(func=cmd_france)
    return parser


def cmd_france(args: argparse.Namespace) -> int:
    """Run ``maillage france``."""
    request = FranceRequest(share=args.share)
    codes = None
    if args.only:
        codes = [national.check_departement(c) for c in args.only.split(",") if c.strip()]
    progress = TerminalProgressBar(sys.stderr)
    names = national.departements().set_index("code")["name"]
    with dask_client(args.scheduler, args.workers) as client:
        summary = france_summary(
            request,
            codes,
            runner=lambda task, items: run_on_dask(
                task, items, client, progress, label=lambda c: f"{c} {names[c]}"
            ),
        )
    if args.json:
        data = {"request": dataclasses.asdict(request), "departements": summary.to_dict("records")}
        write_json(data, args.json)
    if args.csv:
        table = summary.rename(columns=FRANCE_COLUMNS_FR)
        export_csv_fr(table, args.csv)
        print(f"Écrit : {args.csv}")
    if args.map:
        print(f"Écrit : {france_map(summary, args.map, request)}")
    total = summary.iloc[-1]
    print(
        f"France métropolitaine ({len(summary) - 1} départements) : "
        f"{format_number_fr(total['advisors'])} conseillers, "
        f"{format_number_fr(round(total['unserved_persons']))} personnes non servies, "
        f"{format_number_fr(total['extra_advisors'])} conseillers supplémentaires pour servir "
        f"{format_number_fr(100 * request.share)} % des personnes ayant besoin d'aide."
    )
    return 0
