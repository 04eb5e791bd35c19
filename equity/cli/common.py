"""Options and output helpers shared by every ``maillage`` command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from equity.workflows import DiagnoseRequest, TerritoryRequest, open_territory
from geo.defaults import OFFER_TYPES, THRESHOLD_MIN
from geo.jsonio import dumps_strict
from geo.sites import SITE_TYPES
from geo.territory import Territory, UserFiles

__all__ = [
    "add_offer_option",
    "add_threshold_option",
    "add_user_file_options",
    "diagnose_request",
    "load_from_args",
    "offer_types",
    "user_files_from_args",
    "write_json",
]


def add_user_file_options(parser: argparse.ArgumentParser) -> None:
    """``--sites``, ``--fibre``, ``--indicators`` and their companions."""
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


def add_threshold_option(parser: argparse.ArgumentParser, help_text: str = "seuil en minutes"):
    """``--threshold`` in minutes (default :data:`geo.defaults.THRESHOLD_MIN`)."""
    parser.add_argument("--threshold", type=float, default=THRESHOLD_MIN, help=help_text)


def add_offer_option(parser: argparse.ArgumentParser) -> None:
    """``--offer``: site types counted as existing offer, comma-separated."""
    parser.add_argument(
        "--offer",
        default=",".join(OFFER_TYPES),
        help="types de lieux comptés comme offre existante, séparés par des virgules "
        f"({', '.join(SITE_TYPES)})",
    )


def offer_types(text: str) -> tuple[str, ...]:
    """``"a,b"`` → ``("a", "b")``."""
    return tuple(t.strip() for t in text.split(",") if t.strip())


def diagnose_request(args: argparse.Namespace, **extra: Any) -> DiagnoseRequest:
    """The diagnostic request of ``--threshold`` (and ``--offer`` where the command has it)."""
    offer = getattr(args, "offer", None)
    return DiagnoseRequest(
        threshold_min=args.threshold,
        offer_types=offer_types(offer) if offer is not None else OFFER_TYPES,
        **extra,
    )


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
    return open_territory(TerritoryRequest(user_files_from_args(args), not args.no_cache))


def write_json(data: Any, target: str | Path) -> None:
    """Write strict JSON to the file ``target``, or to standard output for ``-``."""
    text = dumps_strict(data)
    if str(target) == "-":
        print(text)
    else:
        Path(target).write_text(text + "\n", encoding="utf-8")
        print(f"Écrit : {target}")
