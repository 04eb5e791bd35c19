"""Reading user tables the way French offices write them, and refusing what cannot be trusted.

Separators ``;`` ``,`` or tab, decimal comma, UTF-8 with or without BOM or
Windows-1252, thousands separators written as spaces, a trailing separator on every
line. Files are opened only once known to be regular files of acceptable size; the
header is bounded before parsing; every cell is checked for control characters and
length; numbers are bounded. Every problem is collected into a
:class:`~geo.errors.DataValidationError` (French, with the spreadsheet line) instead of
failing on the first, and no library's English message reaches the user.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
import stat
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from geo import defaults
from geo.errors import ProblemCollector

__all__ = [
    "check_cells",
    "check_header",
    "decode_text",
    "find_column",
    "normalise_name",
    "parse_numbers",
    "read_bytes_checked",
    "read_table",
    "shown_value",
    "sniff_separator",
]

_SEPARATORS = (";", ",", "\t", "|")
_SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre"}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: C0/C1 controls (tab and line breaks excepted: spreadsheets write them inside quoted
#: cells) and bidirectional overrides, which can make a name display as another.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_EMPTY_WORDS = ("", "nan", "NA", "n.d.", "nd", "s", "-")


def _size_fr(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / 1024 / 1024:.0f} Mo"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.0f} ko"
    return f"{n_bytes} octets"


def _number_fr(value: float) -> str:
    if float(value).is_integer():
        return f"{value:,.0f}".replace(",", "\u202f")
    return f"{value:g}".replace(".", ",")


def shown_value(value: object, max_chars: int = 40) -> str:
    """User text made safe to echo in a message: controls replaced, length bounded."""
    text = _CONTROL.sub("\ufffd", str(value))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _file_problem(info: os.stat_result, name: str, limit: int) -> tuple[str, str] | None:
    """(code, French message) when a stat result is not a usable user file."""
    if stat.S_ISDIR(info.st_mode):
        return "not_a_file", f"« {name} » est un dossier, pas un fichier."
    if not stat.S_ISREG(info.st_mode):
        return (
            "not_a_file",
            f"« {name} » n'est pas un fichier ordinaire (tube, périphérique ou socket).",
        )
    if info.st_size == 0:
        return "empty_file", "le fichier est vide."
    if info.st_size > limit:
        return (
            "file_too_large",
            f"le fichier fait {_size_fr(info.st_size)}, au-delà de la limite de {_size_fr(limit)}.",
        )
    return None


def read_bytes_checked(path: Path | str, collector: ProblemCollector) -> bytes | None:
    """Read a user file once it is known to be a regular file of acceptable size.

    The path is checked with ``os.stat`` before anything is opened (a directory, a
    FIFO or ``/dev/zero`` is refused at once), opened with ``O_NONBLOCK`` so that no
    special file can block, checked again on the open descriptor (the path may have
    been swapped in between), and read up to :data:`geo.defaults.MAX_USER_FILE_BYTES`.

    Returns ``None`` (after recording a French problem that names the file, never
    its folder) when the file cannot be used.
    """
    path = Path(path)
    name = path.name or str(path)
    limit = defaults.MAX_USER_FILE_BYTES
    try:
        problem = _file_problem(os.stat(path), name, limit)
        if problem is None:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as handle:
                problem = _file_problem(os.fstat(handle.fileno()), name, limit)
                data = handle.read(limit + 1) if problem is None else b""
            if problem is None and len(data) > limit:
                problem = "file_too_large", f"le fichier dépasse la limite de {_size_fr(limit)}."
    except FileNotFoundError as exc:
        collector.add("not_found", f"le fichier « {name} » n'existe pas.", cause=exc)
        return None
    except PermissionError as exc:
        collector.add("unreadable", f"le fichier « {name} » n'est pas lisible (droits).", cause=exc)
        return None
    except OSError as exc:
        collector.add("unreadable", f"le fichier « {name} » ne peut pas être lu.", cause=exc)
        return None
    if problem is not None:
        collector.add(*problem)
        return None
    return data


def decode_text(raw: bytes, collector: ProblemCollector) -> str | None:
    """Decode UTF-8 (BOM optional) or Windows-1252; refuse UTF-16 and binary data.

    A few NUL bytes do not make a file binary: :func:`check_cells` reports them in
    their cells.
    """
    head = raw[:4096]
    # UTF-16 text is half NUL bytes; a stray NUL in a cell is reported with its cell instead.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(0) > len(head) // 10:
        collector.add(
            "bad_encoding",
            "encodage non pris en charge (UTF-16 ou fichier binaire) : enregistrez le fichier "
            "en « CSV UTF-8 » ou « CSV (séparateur : point-virgule) ».",
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        collector.add(
            "bad_encoding",
            f"encodage illisible (ni UTF-8 ni Windows-1252, octet {exc.start}) : "
            "enregistrez le fichier en « CSV UTF-8 ».",
            cause=exc,
        )
        return None


def _header_line(text: str) -> str:
    """First line that holds something (blank lines may precede the header)."""
    for line in io.StringIO(text):
        if line.strip():
            return line
    return ""


def sniff_separator(text: str) -> str:
    """Return the most plausible separator from the header line."""
    header = _header_line(text)
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ";"


def _records(text: str, sep: str, collector: ProblemCollector) -> list[list[str]]:
    """Every record, blank ones included (so that position + 1 is the spreadsheet row).

    A spreadsheet shows one row per record: blank lines count, a quoted cell over
    several lines is one row. Returns [] after a fatal problem.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        collector.add(
            "malformed_csv",
            f'CSV mal formé vers la ligne {reader.line_num} : guillemet « " » non refermé '
            "ou cellule démesurée.",
            cause=exc,
        )
        return []
    if max(map(len, records)) > defaults.MAX_USER_COLUMNS:
        widest = next(i for i, r in enumerate(records) if len(r) > defaults.MAX_USER_COLUMNS)
        collector.add(
            "too_many_columns",
            f"{len(records[widest])} valeurs sur une ligne, au-delà de la limite de "
            f"{defaults.MAX_USER_COLUMNS} colonnes.",
            row=widest,
        )
        return []
    return records


def check_header(names: list[str], collector: ProblemCollector) -> None:
    """Report control characters, over-long names and names that collide once normalised.

    Two headers that :func:`normalise_name` maps to the same name (« Part 75 ans »
    and « part_75_ans ») would silently stand for one another.
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        if _CONTROL.search(name) or len(name) > defaults.MAX_USER_CELL_CHARS:
            collector.add(
                "bad_header",
                f"nom de colonne « {shown_value(name)} » refusé (caractère de contrôle ou "
                "longueur démesurée).",
            )
        groups.setdefault(normalise_name(name), []).append(name)
    for norm, group in groups.items():
        if len(group) > 1:
            listed = ", ".join(f"« {shown_value(g)} »" for g in group)
            what = f"« {norm} »" if norm else "un nom sans lettre ni chiffre"
            collector.add(
                "duplicate_column",
                f"les colonnes {listed} ont le même nom une fois normalisé ({what}) : "
                "renommez-en une.",
            )


def check_cells(frame: pd.DataFrame, collector: ProblemCollector) -> None:
    """Report each cell holding a control character or longer than the cell limit."""
    limit = defaults.MAX_USER_CELL_CHARS
    for column in frame.columns:
        values = frame[column].astype(str)
        control = values.str.contains(_CONTROL)
        too_long = values.str.len() > limit
        for row in frame.index[control.to_numpy() | too_long.to_numpy()]:
            text = values.at[row]
            found = _CONTROL.search(text)
            message = (
                f"caractère invisible ou de contrôle (U+{ord(found.group()):04X}) dans la "
                "cellule : retirez-le."
                if found
                else f"cellule de {len(text)} caractères, au-delà de la limite de {limit}."
            )
            collector.add("bad_cell", message, row=int(row), column=str(column))


_NAMELESS = "\x00"


def _drop_nameless(frame: pd.DataFrame, n_named: int, collector: ProblemCollector) -> pd.DataFrame:
    """Drop columns without a header name; report those that hold values.

    Columns beyond the header (a trailing separator on data lines) and nameless
    header cells (a trailing separator on the header) are dropped when empty, so
    they neither shift columns nor give misleading messages.
    """
    extra_rows: set[int] = set()
    nameless = [c for c in frame.columns if c.startswith(_NAMELESS)]
    for column in nameless:
        position = int(column[1:])
        filled = frame.index[(frame[column] != "").to_numpy()]
        if position >= n_named:
            extra_rows.update(int(r) for r in filled)
        elif len(filled):
            collector.add(
                "unnamed_column",
                f"la colonne n° {position + 1} n'a pas de nom dans l'en-tête mais contient des "
                "valeurs : nommez-la ou supprimez-la.",
            )
    for row in sorted(extra_rows):
        collector.add(
            "extra_values",
            f"valeurs au-delà des {n_named} colonnes de l'en-tête (séparateur de trop ?).",
            row=row,
        )
    return frame.drop(columns=nameless)


def _table(records: list[list[str]], collector: ProblemCollector) -> pd.DataFrame:
    """DataFrame of stripped strings indexed by spreadsheet row minus one (header = row 0)."""
    start = next(i for i, cells in enumerate(records) if "".join(cells).strip())
    names = [h.strip() for h in records[start]]
    data = records[start + 1 :]
    width = max(len(names), *map(len, data)) if data else len(names)
    # A placeholder label (a control character, refused in real names) marks nameless columns.
    labels = [names[j] if j < len(names) and names[j] else f"{_NAMELESS}{j}" for j in range(width)]
    frame = pd.DataFrame(
        [cells if len(cells) == width else cells + [""] * (width - len(cells)) for cells in data],
        index=pd.RangeIndex(start + 1, start + 1 + len(data)),
        columns=labels,
        dtype=str,
    )
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[(frame != "").any(axis=1)]
    frame = _drop_nameless(frame, len(names), collector)
    check_header(list(frame.columns), collector)
    # Exact repeats are reported above; keeping the first lets the other checks run.
    frame = frame.loc[:, ~frame.columns.duplicated()]
    check_cells(frame, collector)
    return frame


def read_table(path: Path | str, collector: ProblemCollector) -> pd.DataFrame | None:
    """Read a CSV file into a DataFrame of stripped strings (no type inference).

    Numbers stay as text so that :func:`parse_numbers` can report every cell it
    cannot read, with its line, instead of pandas silently producing objects. The
    index is the spreadsheet line minus one (header = line 1 → first data row 1),
    exact even when blank lines precede a row. Returns ``None`` when the file cannot
    be read at all; cell problems are recorded and the table returned, so that the
    caller can list every problem at once.
    """
    raw = read_bytes_checked(path, collector)
    text = decode_text(raw, collector) if raw is not None else None
    if text is None:
        return None
    if not text.strip():
        collector.add("empty_file", "le fichier ne contient que des blancs.")
        return None
    sep = sniff_separator(text)
    n_columns = _header_line(text).count(sep) + 1
    if n_columns > defaults.MAX_USER_COLUMNS:
        collector.add(
            "too_many_columns",
            f"l'en-tête compte {n_columns} colonnes ({_SEPARATOR_NAMES[sep]} comme "
            f"séparateur), au-delà de la limite de {defaults.MAX_USER_COLUMNS}.",
        )
        return None
    records = _records(text, sep, collector)
    if not records:
        return None
    frame = _table(records, collector)
    if frame.empty:
        collector.add(
            "empty_file", "le fichier a une ligne d'en-tête mais aucune ligne de données."
        )
        return None
    return frame


def normalise_name(name: str) -> str:
    """Lower-case, accent-free, underscore-separated form of a column name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def find_column(
    frame: pd.DataFrame,
    aliases: tuple[str, ...],
    collector: ProblemCollector | None = None,
    label: str | None = None,
) -> str | None:
    """Return the column of ``frame`` matching one of ``aliases`` (normalised names).

    When none matches and a collector is given, record a ``missing_column``
    problem suggesting the closest existing column name.
    """
    by_norm = {normalise_name(c): c for c in frame.columns}
    for alias in aliases:
        if normalise_name(alias) in by_norm:
            return by_norm[normalise_name(alias)]
    if collector is not None:
        wanted = label or aliases[0]
        close = (
            difflib.get_close_matches(normalise_name(aliases[0]), list(by_norm), n=1, cutoff=0.5)
            or [
                m
                for alias in aliases[1:]
                for m in difflib.get_close_matches(normalise_name(alias), list(by_norm), 1, 0.6)
            ][:1]
        )
        hint = f" ; vouliez-vous dire « {shown_value(by_norm[close[0]])} » ?" if close else ""
        accepted = ", ".join(f"« {a} »" for a in aliases[:4])
        collector.add(
            "missing_column",
            f"colonne obligatoire « {wanted} » absente (noms acceptés : {accepted}){hint}",
            column=wanted,
        )
    return None


def _range_problem(text: str, number: float, low: float, high: float) -> str | None:
    if not math.isfinite(number):
        return f"« {text} » n'est pas un nombre fini."
    if low <= number <= high:
        return None
    bounds = f"de {_number_fr(low)} à {_number_fr(high)}"
    if number < 0 <= low:
        return f"« {text} » est négatif ; valeurs attendues {bounds}."
    return f"« {text} » est hors des valeurs plausibles ({bounds})."


def parse_numbers(
    values: pd.Series,
    collector: ProblemCollector,
    column: str,
    allow_empty: bool = True,
    min_value: float = -defaults.MAX_ABS_USER_NUMBER,
    max_value: float = defaults.MAX_ABS_USER_NUMBER,
) -> pd.Series:
    """Parse French or English written numbers; report each unreadable or implausible cell.

    ``"1 234,5"``, ``"1234.5"`` and ``"12,3 %"`` are read; empty cells become NaN
    (or a problem when ``allow_empty`` is false). Infinite values and values outside
    ``min_value``–``max_value`` are refused. Problems carry the row from the index
    of ``values`` (:func:`read_table` sets it to the spreadsheet line minus one).
    """
    out = np.full(len(values), np.nan)
    for i, (row, raw) in enumerate(zip(values.index, values.astype(str), strict=True)):
        text = _SPACES.sub("", raw).removesuffix("%").replace("\u2212", "-")
        if text in _EMPTY_WORDS:
            if not allow_empty:
                collector.add("missing_value", "valeur manquante.", row=int(row), column=column)
            continue
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", ".")
        if not _NUMBER.match(text):
            collector.add(
                "not_a_number",
                f"« {shown_value(raw)} » n'est pas un nombre.",
                row=int(row),
                column=column,
            )
            continue
        number = float(text)
        problem = _range_problem(shown_value(raw), number, min_value, max_value)
        if problem:
            collector.add("out_of_range", problem, row=int(row), column=column)
        else:
            out[i] = number
    return pd.Series(out, index=values.index, name=values.name)
