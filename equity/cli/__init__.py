"""The ``maillage`` command line: argument parsing and printing over :mod:`equity.workflows`.

One module per command group: :mod:`~equity.cli.data`, :mod:`~equity.cli.diagnose`,
:mod:`~equity.cli.recommend`, :mod:`~equity.cli.scenario`, :mod:`~equity.cli.mobile`,
:mod:`~equity.cli.export` and :mod:`~equity.cli.network`.

Exit codes: 0 success, 2 invalid user data or arguments (French message, no
traceback). Only the library's user-facing errors become exit 2; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys

from equity.cli.common import load_from_args, user_files_from_args
from equity.cli.data import add_data_parser
from equity.cli.diagnose import add_diagnose_parser
from equity.cli.export import add_export_parser
from equity.cli.mobile import add_mobile_parser
from equity.cli.network import add_network_parser, run_network
from equity.cli.recommend import add_recommend_parser
from equity.cli.scenario import add_scenario_parser
from equity.scenarios import ScenarioStoreError
from equity.workflows import USER_ERRORS, InvalidRequest
from geo.errors import DataValidationError

__all__ = ["build_parser", "load_from_args", "main", "user_files_from_args"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``maillage`` command."""
    parser = argparse.ArgumentParser(
        prog="maillage",
        description="Maillage : équité d'accès aux conseillers numériques en Sarthe.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_data_parser(sub)
    add_network_parser(sub).set_defaults(func=run_network)
    add_diagnose_parser(sub)
    add_scenario_parser(sub)
    add_recommend_parser(sub)
    add_mobile_parser(sub)
    add_export_parser(sub)
    return parser


def _user_message(exc: Exception) -> str:
    """French message of a user-facing error."""
    if isinstance(exc, DataValidationError):
        return f"Données invalides.\n{exc.format()}"
    if isinstance(exc, ScenarioStoreError):
        return f"Base de scénarios inutilisable : {exc}"
    if isinstance(exc, InvalidRequest):
        return f"Paramètres invalides : {exc}"
    return f"Erreur : {exc}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``maillage`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except USER_ERRORS as exc:
        print(_user_message(exc), file=sys.stderr)
        return 2
