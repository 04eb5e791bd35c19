"""Save a user upload: validated first, then stored under a generated name.

An upload's name comes from the browser and is never used as a path: the bytes are
checked (size, extension, then geo's own validators on a copy in a private temporary
folder) and only an accepted file is kept, as ``<kind>-<sha256>.<ext>`` inside the
uploads folder. Messages name the file by its last name part, never by a server path.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from geo import boundaries, cog, fibre, settings, sites, user_indicators
from geo.defaults import MAX_USER_FILE_BYTES
from geo.errors import DataValidationError, ProblemCollector
from geo.formatting import format_number_fr
from geo.territory import Territory, UserFiles

__all__ = [
    "UPLOAD_EXTENSIONS",
    "UPLOAD_FIELDS_FR",
    "AppliedFiles",
    "StoredUpload",
    "Upload",
    "apply_uploads",
    "display_name",
    "store_upload",
    "uploads_dir",
]

#: The Données page's field of every kind of user file: messages name it, so the same
#: file refused in two fields does not give the same message twice.
UPLOAD_FIELDS_FR: dict[str, str] = {
    "sites": "Lieux / conseillers",
    "fibre": "Fibre ARCEP",
    "indicators": "Indicateurs par commune",
}

#: Accepted extensions per kind of user file.
UPLOAD_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "sites": (".csv", ".geojson", ".json"),
    "fibre": (".csv",),
    "indicators": (".csv",),
}
_NAME_MAX_CHARS = 80
_DIGEST_CHARS = 24


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the browser sent it: its bytes and the name it claims."""

    data: bytes
    name: str


@dataclass(frozen=True)
class StoredUpload:
    """An accepted upload: where it is kept and the name to show for it."""

    kind: str
    path: Path
    display_name: str
    created: bool


@dataclass(frozen=True)
class AppliedFiles:
    """The user files of a session after new uploads were accepted."""

    user_files: UserFiles
    names: dict[str, str] = field(default_factory=dict)


def uploads_dir() -> Path:
    """Folder of accepted uploads (inside the processed-data folder)."""
    return settings.PROCESSED_DIR / "uploads"


def display_name(name: str) -> str:
    """The name to show for an upload: its last part, printable, bounded (never a path)."""
    last = re.split(r"[\\/]", str(name))[-1]
    printable = "".join(c for c in last if c.isprintable()).strip().lstrip(".")
    return printable[:_NAME_MAX_CHARS] or "fichier"


def _validate(kind: str, path: Path) -> None:
    """Run geo's validator of ``kind`` on ``path`` (raises DataValidationError)."""
    codes = cog.load_commune_codes()
    if kind == "fibre":
        fibre.read_user_fibre(path, codes)
    elif kind == "indicators":
        user_indicators.read_user_indicators(path, codes)
    else:
        communes = boundaries.load_communes()
        embedded, _ = sites.load_embedded_sites(communes)
        town_halls = embedded[embedded["site_type"] == "town_hall"]
        departement = boundaries.load_departement().union_all()
        sites.read_user_sites(path, communes, departement, codes, town_halls)


def _check_bytes(kind: str, upload: Upload, shown: str) -> str:
    """The file's extension, after checking it and the size (every problem listed)."""
    problems = ProblemCollector(shown)
    suffix = Path(shown).suffix.lower()
    allowed = UPLOAD_EXTENSIONS[kind]
    if suffix not in allowed:
        problems.add(
            "bad_extension",
            f"extension « {suffix or 'aucune'} » non acceptée (attendu : {', '.join(allowed)}).",
        )
    if not upload.data:
        problems.add("empty_file", "le fichier est vide.")
    if len(upload.data) > MAX_USER_FILE_BYTES:
        problems.add(
            "too_large",
            f"le fichier dépasse la taille maximale de "
            f"{format_number_fr(MAX_USER_FILE_BYTES / 1024**2)} Mo.",
        )
    problems.raise_if_any()
    return suffix


def _write_atomic(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_upload(kind: str, upload: Upload, folder: Path | None = None) -> StoredUpload:
    """Validate an upload, then keep it under a generated name inside ``folder``.

    Parameters
    ----------
    kind : {"sites", "fibre", "indicators"}
    upload : Upload
    folder : Path, optional
        Where accepted files are kept (:func:`uploads_dir` by default).

    Raises
    ------
    geo.errors.DataValidationError
        Every problem found; nothing is kept.
    """
    shown = display_name(upload.name)
    suffix = _check_bytes(kind, upload, shown)
    with tempfile.TemporaryDirectory(prefix="maillage-upload-") as private:
        # The validators name the file in their messages: the copy carries the shown name.
        probe = Path(private) / f"{Path(shown).stem or 'fichier'}{suffix}"
        probe.write_bytes(upload.data)
        try:
            _validate(kind, probe)
        except DataValidationError as exc:
            raise _without_path(exc, probe, shown) from None
    folder = Path(folder) if folder is not None else uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(upload.data).hexdigest()[:_DIGEST_CHARS]
    target = folder / f"{kind}-{digest}{suffix}"
    created = not target.exists()
    if created:
        _write_atomic(target, upload.data)
    return StoredUpload(kind, target, shown, created)


def _without_path(exc: DataValidationError, probe: Path, shown: str) -> DataValidationError:
    """The same problems with the private copy's path replaced by the shown name.

    Some readers (GDAL) quote the path they were given; it must not reach the user.
    """
    problems = [
        replace(p, message=p.message.replace(str(probe), shown).replace(str(probe.parent), "…"))
        for p in exc.problems
    ]
    return DataValidationError(shown, problems, exc.total)


def _combined(failures: list[DataValidationError]) -> DataValidationError:
    # Even alone, every problem names its field and file: the page lists only problems.
    return DataValidationError.combine(failures, "fichiers fournis")


def _in_field(kind: str, exc: DataValidationError) -> DataValidationError:
    """The same error, its source naming the field: « Indicateurs par commune (a.csv) »."""
    source = f"{UPLOAD_FIELDS_FR.get(kind, kind)} ({exc.source})"
    return DataValidationError(source, exc.problems, exc.total)


def _discard(stored: list[StoredUpload]) -> None:
    for item in stored:
        if item.created:
            item.path.unlink(missing_ok=True)


def apply_uploads(
    uploads: Mapping[str, Upload],
    current: UserFiles,
    replace_sites: bool,
    load: Callable[[UserFiles], Territory],
    folder: Path | None = None,
) -> AppliedFiles:
    """Accept new uploads on top of the session's files, only if the territory builds.

    Parameters
    ----------
    uploads : mapping
        Kind (``sites``, ``fibre``, ``indicators``) → upload; kinds not given keep the
        session's current file.
    current : UserFiles
        The session's files so far.
    replace_sites : bool
        The uploaded sites replace the embedded sites of the same types.
    load : callable
        Builds the territory from user files (the app passes its cached loader).
    folder : Path, optional
        Where accepted files are kept.

    Raises
    ------
    geo.errors.DataValidationError
        Every problem of every file; none of the new files is kept.
    """
    stored: list[StoredUpload] = []
    failures: list[DataValidationError] = []
    for kind, upload in uploads.items():
        try:
            stored.append(store_upload(kind, upload, folder))
        except DataValidationError as exc:
            failures.append(_in_field(kind, exc))
    if failures:
        _discard(stored)
        raise _combined(failures)
    candidate = replace(current, replace_sites=replace_sites, **{s.kind: s.path for s in stored})
    try:
        load(candidate)
    except DataValidationError:
        _discard(stored)
        raise
    return AppliedFiles(candidate, {str(s.path): s.display_name for s in stored})
