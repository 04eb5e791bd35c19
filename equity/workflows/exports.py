"""Export a scenario: print map, council pack, offline HTML map, GeoPackage or CSV files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from equity.mobile import MobileResult
from equity.reporting import MAP_KINDS, WHAT, current_situation, export, view_scenario
from equity.scenarios import Scenario
from equity.workflows.errors import InvalidRequest
from equity.workflows.mobile_sessions import MobileRequest, plan_mobile
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "EXPORTS_WITH_MOBILE",
    "ORIENTATIONS",
    "PAPERS",
    "PRINT_FORMATS",
    "ExportRequest",
    "bundle",
    "export_scenario",
]

PAPERS: tuple[str, ...] = ("A4", "A3")
ORIENTATIONS: tuple[str, ...] = ("landscape", "portrait")
PRINT_FORMATS: tuple[str, ...] = ("pdf", "png", "svg")
#: Exports that can include the mobile programme (they do unless told otherwise).
EXPORTS_WITH_MOBILE: tuple[str, ...] = ("pack", "gpkg", "csv")


# The choices whose French name is feminine (« carte inconnue », « format inconnu »).
_FEMININE_CHOICES = ("carte", "orientation")


@dataclass(frozen=True)
class ExportRequest:
    """Which file to produce for a scenario.

    Attributes
    ----------
    what : {"map", "pack", "html", "gpkg", "csv"}
    map_kind : str
        Print map to draw (:data:`equity.reporting.MAP_KINDS`).
    paper, orientation, fmt : str
        Of a print map.
    with_mobile : bool or None
        Include the mobile programme (default settings); None: for the pack, the
        GeoPackage and the CSV files. The mobile map always includes it.
    """

    what: str
    map_kind: str = "scenario"
    paper: str = "A4"
    orientation: str = "landscape"
    fmt: str = "pdf"
    with_mobile: bool | None = None

    def check(self) -> None:
        """Raise :class:`InvalidRequest` listing every unknown choice."""
        choices = (
            ("export", self.what, WHAT),
            ("carte", self.map_kind, MAP_KINDS),
            ("papier", self.paper, PAPERS),
            ("orientation", self.orientation, ORIENTATIONS),
            ("format", self.fmt, PRINT_FORMATS),
        )
        problems = [
            f"{label} inconnu{'e' if label in _FEMININE_CHOICES else ''} « {value} » "
            f"(choix : {', '.join(allowed)})"
            for label, value, allowed in choices
            if value not in allowed
        ]
        if problems:
            raise InvalidRequest("Export impossible : " + " ; ".join(problems) + ".")

    @property
    def needs_mobile(self) -> bool:
        """Whether the export draws or lists the mobile programme."""
        if self.what == "map" and self.map_kind == "mobile":
            return True
        if self.with_mobile is None:
            return self.what in EXPORTS_WITH_MOBILE
        return self.with_mobile


def export_scenario(
    territory: Territory,
    scenario: Scenario,
    request: ExportRequest,
    out_dir: Path,
    model: TravelModel | None = None,
    mobile: MobileResult | Callable[[], MobileResult] | None = None,
) -> list[Path]:
    """Write the export of ``request`` for ``scenario`` into ``out_dir``; return the files.

    A scenario that changes the offer, or a saved one (with a version number), is
    compared with the current situation under its own parameters; only the current
    situation itself is shown alone.
    ``mobile`` is the programme to include (or a function computing it, the app's cached
    one); by default it is planned with the default mobile settings when needed.
    """
    request.check()
    view = view_scenario(territory, scenario, model)
    changes = scenario.changes
    compared = scenario.version is not None or bool(
        changes.added or changes.removed or changes.moved
    )
    reference = (
        view_scenario(territory, current_situation(scenario.parameters), model)
        if compared
        else None
    )
    programme = None
    if request.needs_mobile:
        if callable(mobile):
            programme = mobile()
        else:
            programme = mobile or plan_mobile(territory, view.diagnosis, MobileRequest(), model)
    return export(
        request.what,
        territory,
        view,
        out_dir,
        reference=reference,
        map_kind=request.map_kind,
        paper=request.paper,
        orientation=request.orientation,
        fmt=request.fmt,
        mobile=programme,
    )


def bundle(files: Sequence[Path]) -> tuple[bytes, str]:
    """One download for the files of an export: the file itself, or a zip of several."""
    if len(files) == 1:
        return files[0].read_bytes(), files[0].name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.name)
    stem = files[0].stem.removesuffix("-communes")
    return buffer.getvalue(), f"{stem}-donnees.zip"
