"""Reading user tables the way French offices write them.

Separators ``;`` ``,`` or tab, decimal comma, UTF-8 with or without BOM or
Windows-1252, thousands separators written as spaces. Every problem is collected
into a :class:`~geo.errors.DataValidationError` instead of failing on the first.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import ProblemCollector

_SEPARATORS = (";", ",", "\t", "|")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def read_bytes_checked(path: Path | str, collector: ProblemCollector) -> bytes | None:
    """Read a user file, refusing missing, empty and oversized files.

    Returns ``None`` (after recording the problem) when the file cannot be used.
    """
    path = Path(path)
    if not path.is_file():
        collector.add("not_found", f"le fichier « {path} » n'existe pas.")
        return None
    size = path.stat().st_size
    if size == 0:
        collector.add("empty_file", "le fichier est vide.")
        return None
    if size > settings.MAX_USER_FILE_BYTES:
        limit_mb = settings.MAX_USER_FILE_BYTES // (1024 * 1024)
        collector.add(
            "file_too_large",
            f"le fichier fait {size / 1024 / 1024:.0f} Mo, au-delà de la limite de {limit_mb} Mo.",
        )
        return None
    return path.read_bytes()


def decode_text(raw: bytes, collector: ProblemCollector) -> str | None:
    """Decode UTF-8 (BOM optional) or Windows-1252; refuse UTF-16 and binary data."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
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
        )
        return None


def sniff_separator(text: str) -> str:
    """Return the most plausible separator from the header line."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ";"


def read_table(path: Path | str, collector: ProblemCollector) -> pd.DataFrame | None:
    """Read a CSV file into a DataFrame of stripped strings (no type inference).

    Numbers stay as text so that :func:`parse_numbers` can report every cell it
    cannot read, with its row, instead of pandas silently producing objects.
    """
    raw = read_bytes_checked(path, collector)
    if raw is None:
        return None
    text = decode_text(raw, collector)
    if text is None:
        return None
    if not text.strip():
        collector.add("empty_file", "le fichier ne contient que des blancs.")
        return None
    sep = sniff_separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        collector.add("malformed_csv", f"CSV mal formé : {exc}.")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
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
        hint = f" ; vouliez-vous dire « {by_norm[close[0]]} » ?" if close else ""
        accepted = ", ".join(f"« {a} »" for a in aliases[:4])
        collector.add(
            "missing_column",
            f"colonne obligatoire « {wanted} » absente (noms acceptés : {accepted}){hint}",
            column=wanted,
        )
    return None


def parse_numbers(
    values: pd.Series,
    collector: ProblemCollector,
    column: str,
    allow_empty: bool = True,
    max_reported: int = 20,
) -> pd.Series:
    """Parse French or English written numbers; report each unreadable cell.

    ``"1 234,5"``, ``"1234.5"`` and ``"12,3 %"`` are read; empty cells become NaN
    (or a problem when ``allow_empty`` is false). Rows are reported 1-based as in
    a spreadsheet without its header.
    """
    out = np.full(len(values), np.nan)
    reported = 0
    for i, raw in enumerate(values.astype(str).tolist()):
        text = _SPACES.sub("", raw).removesuffix("%").replace("\u2212", "-")
        if text in ("", "nan", "NA", "n.d.", "nd", "s", "-"):
            if not allow_empty and reported < max_reported:
                collector.add("missing_value", "valeur manquante.", row=i + 1, column=column)
                reported += 1
            continue
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", ".")
        if _NUMBER.match(text):
            out[i] = float(text)
        elif reported < max_reported:
            collector.add(
                "not_a_number", f"« {raw} » n'est pas un nombre.", row=i + 1, column=column
            )
            reported += 1
    return pd.Series(out, index=values.index, name=values.name)
