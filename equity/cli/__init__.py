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
import errno
import re
import sys
from pathlib import Path
from typing import NoReturn

from equity.cli.common import add_departement_option, load_from_args, user_files_from_args
from equity.cli.data import add_data_parser
from equity.cli.diagnose import add_diagnose_parser
from equity.cli.export import add_export_parser
from equity.cli.france import add_france_parser
from equity.cli.mobile import add_mobile_parser
from equity.cli.network import add_network_parser, run_network
from equity.cli.recommend import add_recommend_parser
from equity.cli.scenario import add_scenario_parser
from equity.scenarios import ScenarioStoreError
from equity.workflows import USER_ERRORS, InvalidRequest
from geo.errors import DataValidationError

__all__ = ["build_parser", "load_from_args", "main", "user_files_from_args"]


#: argparse's English errors (the program's own words) and their French wording.
_ARGPARSE_FR = (
    (r"argument (.+): invalid (\w+) value: (.+)", "option {0} : valeur {2} illisible"),
    (
        r"argument (.+): invalid choice: (.+?) \(choose from (.+)\)",
        "option {0} : {1} inconnu (choix possibles : {2})",
    ),
    (r"argument (.+): expected (.+) arguments?", "option {0} : valeur attendue"),
    (r"argument (.+): not allowed with argument (.+)", "option {0} incompatible avec {1}"),
    (r"the following arguments are required: (.+)", "arguments obligatoires manquants : {0}"),
    (r"one of the arguments (.+) is required", "une des options {0} est obligatoire"),
    (r"unrecognized arguments: (.+)", "arguments non reconnus : {0}"),
)


class _FrenchArgumentParser(argparse.ArgumentParser):
    """A parser whose usage errors are French (exit 2, as argparse's own)."""

    def error(self, message: str) -> NoReturn:
        for pattern, french in _ARGPARSE_FR:
            if match := re.fullmatch(pattern, message):
                message = french.format(*match.groups())
                break
        else:
            message = f"arguments invalides ({message})"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``maillage`` command."""
    parser = _FrenchArgumentParser(
        prog="maillage",
        description="Maillage : équité d'accès aux conseillers numériques, pour tout "
        "département de métropole (Sarthe par défaut ; --departement 61…).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_data_parser(sub)
    add_network_parser(sub).set_defaults(func=run_network)
    add_diagnose_parser(sub)
    add_scenario_parser(sub)
    add_recommend_parser(sub)
    add_mobile_parser(sub)
    add_export_parser(sub)
    add_france_parser(sub)
    add_departement_option(parser)
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
    except OSError as exc:
        # An output path that cannot be written (folder, missing folder, full disk...)
        # is the user's to fix: French, without the OS's English text or full path.
        print(_os_message(exc), file=sys.stderr)
        return 2


_OS_REASONS = {
    errno.ENOENT: "son dossier n'existe pas",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "un fichier de ce nom existe déjà à la place du dossier",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota disque est atteint",
    errno.EACCES: "droits insuffisants",
    errno.EPERM: "droits insuffisants",
    errno.EROFS: "le disque est en lecture seule",
    errno.ENAMETOOLONG: "le nom est trop long",
}


def _os_message(exc: OSError) -> str:
    """French message of a file-system failure, naming only the file's last part."""
    reason = _OS_REASONS.get(exc.errno, "erreur du système de fichiers")
    where = f" « {Path(str(exc.filename)).name} »" if exc.filename else ""
    return f"Erreur : écriture ou lecture impossible{where} : {reason}."
