"""``maillage network build|info``: build the road network and report what is built.

Exit codes: 0 success, 1 nothing built (``info``), 2 invalid input (French message,
no traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from geo.errors import DataValidationError
from geo.network import (
    DEFAULT_BUFFER_M,
    build_network_from_download,
    build_network_from_pbf,
    network_info,
    read_area,
)

__all__ = ["TerminalProgress", "add_network_parser", "run_network"]

_BAR_WIDTH = 30


def add_network_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``network`` command (``build`` and ``info``) to ``subparsers``."""
    parser = subparsers.add_parser(
        "network", help="réseau routier OSM pour les temps de trajet / road network"
    )
    actions = parser.add_subparsers(dest="network_command", required=True)

    build = actions.add_parser("build", help="construire le réseau routier / build the network")
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--pbf", type=Path, help="extrait OpenStreetMap local (.osm.pbf)")
    source.add_argument(
        "--download", action="store_true", help="télécharger via osmnx (internet requis)"
    )
    build.add_argument(
        "--area",
        type=Path,
        help="polygone de la zone d'étude (GeoJSON, GeoPackage...) ; Sarthe par défaut",
    )
    build.add_argument(
        "--buffer-km",
        type=float,
        default=DEFAULT_BUFFER_M / 1000,
        help="tampon autour de la zone, en km (défaut : %(default)g)",
    )
    build.add_argument(
        "--output-dir", type=Path, help="dossier de sortie (défaut : data/processed)"
    )

    info = actions.add_parser("info", help="décrire le réseau construit / describe the network")
    info.add_argument("--output-dir", type=Path, help="dossier du réseau (défaut : data/processed)")
    return parser


def run_network(args: argparse.Namespace) -> int:
    """Run ``maillage network build`` or ``maillage network info``."""
    try:
        if args.network_command == "build":
            return _build(args)
        return _info(args)
    except DataValidationError as exc:
        print(exc.format(), file=sys.stderr)
        return 2


def _build(args: argparse.Namespace) -> int:
    area = read_area(args.area) if args.area else None
    progress = TerminalProgress(sys.stderr)
    options = {
        "buffer_m": args.buffer_km * 1000,
        "directory": args.output_dir,
        "progress": progress,
    }
    start = time.perf_counter()
    try:
        if args.download:
            network = build_network_from_download(area, **options)
        else:
            network = build_network_from_pbf(args.pbf, area, **options)
    finally:
        progress.close()
    print(f"Réseau routier construit en {time.perf_counter() - start:.1f} s.")
    _print_info(network.metadata)
    return 0


def _info(args: argparse.Namespace) -> int:
    info = network_info(args.output_dir)
    if info is None:
        print(
            "Aucun réseau routier construit : les temps de trajet utilisent l'approximation "
            "à vol d'oiseau. Lancez « maillage network build --pbf FICHIER »."
        )
        return 1
    _print_info(info)
    return 0


def _print_info(info: dict[str, Any]) -> None:
    print("Réseau routier / road network")
    print(f"  Source : {info['source']}")
    print(f"  Date des données OSM : {info.get('osm_timestamp') or 'inconnue'}")
    print(f"  Construit le : {info['build_date']}")
    print(f"  Nœuds : {_int(info['n_nodes'])}")
    print(f"  Arcs : {_int(info['n_edges'])}")
    print(f"  Longueur totale : {_int(info['total_length_km'])} km")
    print(f"  Zone d'étude : {_int(info['area_km2'])} km², tampon {info['buffer_m'] / 1000:g} km")
    print(f"  Identifiant : {info['build_id']}")


def _int(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


class TerminalProgress:
    """Progress callback drawing one text bar per step on a terminal stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.step: str | None = None

    def __call__(self, step: str, fraction: float) -> None:
        if step != self.step and self.step is not None:
            self.stream.write("\n")
        self.step = step
        filled = round(_BAR_WIDTH * min(max(fraction, 0.0), 1.0))
        bar = "█" * filled + "·" * (_BAR_WIDTH - filled)
        self.stream.write(f"\r{step:<32} {bar} {fraction:4.0%}")
        if fraction >= 1.0:
            self.stream.write("\n")
            self.step = None
        self.stream.flush()

    def close(self) -> None:
        """End the line of an unfinished step (the build stopped on an error)."""
        if self.step is not None:
            self.stream.write("\n")
            self.stream.flush()
            self.step = None
