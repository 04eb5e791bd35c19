"""``maillage scenario``: list, show, export, import and compare saved scenarios."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from equity.cli.common import add_user_file_options, load_from_args, write_json
from equity.reporting import comparison_table
from equity.scenarios import ScenarioStore
from equity.workflows import compare_scenarios, import_scenario, load_scenario, open_store
from geo.formatting import format_date_fr

__all__ = ["add_scenario_parser", "cmd_scenario"]

_CHANGE_WORDS = {"gains": "gagne", "loses": "perd"}


def add_scenario_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``scenario`` command and its sub-commands."""
    scen = subparsers.add_parser("scenario", help="scénarios enregistrés / saved scenarios")
    scen.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    actions = scen.add_subparsers(dest="scenario_command", required=True)
    listing = actions.add_parser("list", help="lister les scénarios")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="afficher un scénario (JSON)")
    show.add_argument("name")
    show.add_argument("--version", type=int)
    show.add_argument("--json", metavar="OUT")
    exp = actions.add_parser("export", help="exporter un scénario en JSON")
    exp.add_argument("name")
    exp.add_argument("--version", type=int)
    exp.add_argument("--out", type=Path, required=True)
    imp = actions.add_parser("import", help="importer un scénario JSON (validé)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="enregistrer sous un autre nom")
    add_user_file_options(imp)
    cmp_ = actions.add_parser("compare", help="comparer 2 à 4 scénarios")
    cmp_.add_argument("names", nargs="+")
    cmp_.add_argument("--json", metavar="OUT")
    add_user_file_options(cmp_)
    scen.set_defaults(func=cmd_scenario)
    return scen


def _list(store: ScenarioStore, args: argparse.Namespace) -> int:
    listing = store.list()
    if args.json:
        write_json({"scenarios": listing.to_dict("records")}, "-")
    elif listing.empty:
        print("Aucun scénario enregistré.")
    else:
        for row in listing.itertuples():
            print(
                f"  {row.name} — {row.versions} version(s), dernière le "
                f"{format_date_fr(row.updated_at)} à {row.updated_at[11:16]} (UTC) "
                f"par {row.author or 'anonyme'} : {row.note}"
            )
    return 0


def _show(store: ScenarioStore, args: argparse.Namespace) -> int:
    scenario = load_scenario(store, args.name, args.version)
    data = scenario.to_dict() | {"history": store.history(args.name).to_dict("records")}
    write_json(data, args.json or "-")
    return 0


def _export(store: ScenarioStore, args: argparse.Namespace) -> int:
    write_json(load_scenario(store, args.name, args.version).to_dict(), args.out)
    return 0


def _import(store: ScenarioStore, args: argparse.Namespace) -> int:
    saved = import_scenario(store, load_from_args(args), args.file, args.name)
    print(f"Scénario « {saved.name} » importé (version {saved.version}).")
    return 0


def _compare(store: ScenarioStore, args: argparse.Namespace) -> int:
    territory = load_from_args(args)
    scenarios = [load_scenario(store, name) for name in args.names]
    comparison = compare_scenarios(territory, scenarios)
    if args.json:
        write_json(comparison.to_dict(), args.json)
        return 0
    print(comparison_table(comparison).to_string())
    for row in comparison.access_changes.itertuples():
        print(
            f"  {row.scenario} : {row.name} ({row.code_insee}) {_CHANGE_WORDS[row.change]} l'accès"
        )
    return 0


_ACTIONS = {"list": _list, "show": _show, "export": _export, "import": _import, "compare": _compare}


def cmd_scenario(args: argparse.Namespace) -> int:
    """Run ``maillage scenario …``."""
    return _ACTIONS[args.scenario_command](open_store(args.db), args)
