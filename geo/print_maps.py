"""Print maps of Sarthe communes: A4/A3 pages as vector PDF, SVG or 300 dpi PNG.

A :class:`PrintMapSpec` holds plain layers (communes, EPCI, sites, catchments, zones,
circuits) and texts; :func:`render_print_map` lays them out on an exact paper size with
a title, a classed legend (same classes and colours as :func:`geo.maps.commune_map`),
a scale bar, a north arrow, EPCI names, the main towns and the sources.
:func:`draw_map` draws the same layout into part of any matplotlib figure (the council
pack uses it).

Text uses DejaVu Sans, bundled with matplotlib, so the output is the same on every
machine: TrueType fonts are embedded in PDF (``pdf.fonttype`` 42, text stays
searchable) and SVG text is written as paths (``svg.fonttype`` "path"), so an SVG looks
identical in any viewer even where DejaVu Sans is not installed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.textpath import TextToPath
from matplotlib.transforms import Bbox
from pyproj import Transformer

from geo.formatting import format_number_fr
from geo.maps import (
    MISSING_COLOR,
    MISSING_LABEL_FR,
    OKABE_ITO,
    SITE_TYPE_COLORS,
    SITE_TYPE_LABELS_FR,
    Scheme,
    classify,
)
from geo.settings import LONLAT_CRS, WORK_CRS

Paper = Literal["A4", "A3"]
Orientation = Literal["portrait", "landscape"]
Format = Literal["pdf", "png", "svg"]

#: Paper sizes in millimetres, portrait (width, height).
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS: tuple[str, ...] = ("portrait", "landscape")
FORMATS: tuple[str, ...] = ("pdf", "png", "svg")
SCHEMES: tuple[str, ...] = ("quantiles", "natural_breaks", "equal_interval", "categorical")

#: Mention printed whenever travel times come from the straight-line fallback model.
APPROXIMATE_TRAVEL_NOTE_FR: str = (
    "Temps de trajet approximatifs (distance à vol d'oiseau × 1,3 à 60 km/h)"
)
FONT_FAMILY: str = "DejaVu Sans"
#: Matplotlib settings of every Maillage print (see the module docstring).
RC_PARAMS: dict[str, object] = {
    "font.family": FONT_FAMILY,
    "pdf.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "maillage",
    "hatch.linewidth": 0.6,
    "path.simplify": True,
}

MM_PER_INCH = 25.4
MM_PER_PT = MM_PER_INCH / 72
TEXT_COLOR = "#222222"
MUTED_COLOR = "#555555"
EPCI_COLOR = "#333333"
HIGHLIGHT_COLOR = "#E69F00"
ZONE_COLOR = "#D55E00"
#: Catchment outline colours, the same order as the interactive map.
CATCHMENT_COLORS: tuple[str, ...] = tuple(OKABE_ITO[i] for i in (4, 0, 5, 6, 2, 1))
#: Circuit colours: Okabe–Ito without yellow, too pale on the light classes.
CIRCUIT_COLORS: tuple[str, ...] = tuple(c for c in OKABE_ITO if c != "#F0E442")
SITE_MARKERS: dict[str, str] = {
    "cnfs_permanence": "o",
    "france_services": "s",
    "library": "^",
    "town_hall": ".",
    "data_inclusion": "D",
    "user": "P",
}
_NICE_KM = (1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 100)
_HALO = [withStroke(linewidth=2.2, foreground="white")]


@dataclass(kw_only=True)
class PrintMapSpec:
    """Everything drawn on a print map; layers are plain GeoDataFrames.

    Attributes
    ----------
    communes : geopandas.GeoDataFrame
        Communes in EPSG:2154, index ``code_insee``, with ``name``, ``population``
        and the mapped column.
    column : str
        Column mapped as a classed choropleth.
    title : str
        French title of the map.
    legend_title : str
        French title of the choropleth legend.
    subtitle : str, default ""
        Second line (scenario, threshold, date in French).
    scheme : {"quantiles", "natural_breaks", "equal_interval", "categorical"}
        Classification method, see :func:`geo.maps.classify`.
    n_classes : int, default 5
        Number of classes of the numeric schemes.
    epci : geopandas.GeoDataFrame, optional
        EPCI polygons (index ``epci_siren``) with ``epci_name``: outlines and names.
    sites : geopandas.GeoDataFrame, optional
        Points with ``site_type`` and ``name``, one marker style per type.
    highlight_sites : geopandas.GeoDataFrame, optional
        Points drawn as large stars (e.g. recommended sites).
    highlight_label : str, default "Site recommandé"
        Legend label of the highlighted sites.
    catchments : geopandas.GeoDataFrame, optional
        Catchment polygons with ``threshold_min``, drawn as dashed outlines.
    zones : geopandas.GeoDataFrame, optional
        Under-served zones with ``zone_id`` and optionally ``rank`` (printed on them).
    circuits : geopandas.GeoDataFrame, optional
        Mobile circuits as LineStrings with ``advisor``, one colour per advisor.
    sources : list of str
        One line per source: "Source, millésime, licence".
    approximate_travel : bool, default False
        Travel times come from the straight-line fallback: print
        :data:`APPROXIMATE_TRAVEL_NOTE_FR`.
    percent_columns : collection of str, default ()
        Columns holding 0–1 shares, shown as percentages.
    site_types_labels : mapping, optional
        French label of each site type, over :data:`geo.maps.SITE_TYPE_LABELS_FR`.
    category_colors : mapping, optional
        Fixed colours of some categories (categorical scheme), as in the interactive map.
    n_town_labels : int, default 10
        Number of most populous communes labelled.
    """

    communes: gpd.GeoDataFrame
    column: str
    title: str
    legend_title: str
    subtitle: str = ""
    scheme: Scheme = "quantiles"
    n_classes: int = 5
    epci: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    highlight_sites: gpd.GeoDataFrame | None = None
    highlight_label: str = "Site recommandé"
    catchments: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    circuits: gpd.GeoDataFrame | None = None
    sources: list[str] = field(default_factory=list)
    approximate_travel: bool = False
    percent_columns: Collection[str] = ()
    site_types_labels: Mapping[str, str] | None = None
    category_colors: Mapping[object, str] | None = None
    n_town_labels: int = 10

    def __post_init__(self) -> None:
        validate_spec(self)


def validate_spec(spec: PrintMapSpec) -> None:
    """Check a spec, raising :class:`ValueError` with a French message."""
    communes = spec.communes
    if not isinstance(communes, gpd.GeoDataFrame) or communes.empty:
        raise ValueError("La couche des communes doit être un GeoDataFrame non vide.")
    if spec.column not in communes.columns:
        raise ValueError(f"La colonne « {spec.column} » est absente de la couche des communes.")
    for column in ("name", "population"):
        if column not in communes.columns:
            raise ValueError(f"La couche des communes doit avoir une colonne « {column} ».")
    if spec.scheme not in SCHEMES:
        raise ValueError(
            f"Méthode de classification inconnue : « {spec.scheme} ». "
            f"Valeurs possibles : {', '.join(SCHEMES)}."
        )
    if spec.n_classes < 1:
        raise ValueError("Le nombre de classes doit être au moins 1.")
    required = {
        "epci": ("epci_name",),
        "sites": ("site_type", "name"),
        "catchments": ("threshold_min",),
        "zones": ("zone_id",),
        "circuits": ("advisor",),
    }
    layers = {"communes": communes, **{name: getattr(spec, name) for name in required}}
    layers["highlight_sites"] = spec.highlight_sites
    for name, layer in layers.items():
        if layer is None:
            continue
        if layer.crs is None:
            raise ValueError(f"La couche « {name} » n'a pas de système de coordonnées.")
        missing = [c for c in required.get(name, ()) if c not in layer.columns]
        if missing:
            raise ValueError(
                f"La couche « {name} » doit avoir la ou les colonnes : {', '.join(missing)}."
            )


def check_page_options(paper: str, orientation: str) -> tuple[float, float]:
    """Validate paper and orientation; return the page (width, height) in millimetres."""
    if paper not in PAPER_SIZES_MM:
        raise ValueError(
            f"Format de papier inconnu : « {paper} ». "
            f"Valeurs possibles : {', '.join(PAPER_SIZES_MM)}."
        )
    if orientation not in ORIENTATIONS:
        raise ValueError(
            f"Orientation inconnue : « {orientation} ». "
            "Valeurs possibles : portrait, landscape (paysage)."
        )
    width, height = PAPER_SIZES_MM[paper]
    return (height, width) if orientation == "landscape" else (width, height)


def format_source_line(source: Mapping[str, str]) -> str:
    """Turn a source record into a printable line "Label : éditeur, millésime, licence".

    Parameters
    ----------
    source : mapping
        With ``label``, ``publisher``, ``vintage`` and ``licence`` keys (as in
        ``Territory.sources``); missing keys are skipped.

    Returns
    -------
    str
    """
    details = ", ".join(source[k] for k in ("publisher", "vintage", "licence") if source.get(k))
    label = source.get("label", "")
    return f"{label} : {details}" if label and details else label or details


@contextmanager
def print_style() -> Iterator[None]:
    """Matplotlib settings of Maillage prints (fonts embedded, DejaVu Sans)."""
    with mpl.rc_context(RC_PARAMS):
        yield


def new_figure(width_mm: float, height_mm: float, dpi: float = 100) -> Figure:
    """A pyplot-free figure of an exact size in millimetres (safe in a web server)."""
    fig = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def render_print_map(
    spec: PrintMapSpec,
    path: str | Path,
    paper: Paper = "A4",
    orientation: Orientation = "landscape",
    fmt: Format | None = None,
    dpi: int = 300,
) -> Path:
    """Render a print map to a PDF, PNG or SVG file of an exact paper size.

    Parameters
    ----------
    spec : PrintMapSpec
        Layers and texts of the map.
    path : str or pathlib.Path
        Output file; parent folders are created.
    paper : {"A4", "A3"}, default "A4"
        Paper size: A4 is 210 × 297 mm, A3 297 × 420 mm.
    orientation : {"portrait", "landscape"}, default "landscape"
        Page orientation.
    fmt : {"pdf", "png", "svg"}, optional
        File format; taken from the file extension when omitted.
    dpi : int, default 300
        Resolution of a PNG (pixels per inch); PDF and SVG are vector.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        On an unknown paper, orientation or format, a bad resolution, or a spec
        whose column or layers are unusable (French message).
    """
    path = Path(path)
    fmt = _check_format(fmt, path)
    width_mm, height_mm = check_page_options(paper, orientation)
    if not isinstance(dpi, int | float) or not 50 <= dpi <= 1200:
        raise ValueError(f"Résolution invalide : {dpi} ppp (attendu entre 50 et 1200).")
    validate_spec(spec)
    if fmt == "png":
        # Whole pixels, rounded: A4 at 300 dpi is exactly 2480 × 3508 pixels.
        width_mm = round(width_mm / MM_PER_INCH * dpi) / dpi * MM_PER_INCH
        height_mm = round(height_mm / MM_PER_INCH * dpi) / dpi * MM_PER_INCH
    path.parent.mkdir(parents=True, exist_ok=True)
    with print_style():
        fig = new_figure(width_mm, height_mm, dpi=dpi)
        draw_map(spec, fig)
        metadata = {"Title": spec.title, "Creator": "Maillage"} if fmt != "png" else None
        fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return path


def _check_format(fmt: str | None, path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if fmt is None:
        fmt = suffix
    if fmt not in FORMATS:
        raise ValueError(
            f"Format de fichier inconnu : « {fmt or path.name} ». "
            f"Valeurs possibles : {', '.join(FORMATS)}."
        )
    if suffix != fmt:
        raise ValueError(f"Le fichier « {path.name} » devrait avoir l'extension .{fmt}.")
    return fmt


# ---------------------------------------------------------------------------- layout


@dataclass
class Box:
    """A rectangle in millimetres from the top-left corner of the page."""

    x: float
    y: float
    w: float
    h: float


class PageCanvas:
    """Draws texts and shapes in millimetres on a figure (y grows downwards)."""

    def __init__(self, fig: Figure, box: Box, scale: float) -> None:
        self.fig = fig
        self.scale = scale
        self.width_mm = fig.get_figwidth() * MM_PER_INCH
        self.height_mm = fig.get_figheight() * MM_PER_INCH
        self.ax = fig.add_axes(
            (
                box.x / self.width_mm,
                1 - (box.y + box.h) / self.height_mm,
                box.w / self.width_mm,
                box.h / self.height_mm,
            )
        )
        self.ax.set_xlim(box.x, box.x + box.w)
        self.ax.set_ylim(box.y + box.h, box.y)
        self.ax.set_axis_off()

    def fraction(self, box: Box) -> tuple[float, float, float, float]:
        return (
            box.x / self.width_mm,
            1 - (box.y + box.h) / self.height_mm,
            box.w / self.width_mm,
            box.h / self.height_mm,
        )

    def text(self, x: float, y: float, text: str, size: float, **kwargs: object) -> None:
        kwargs.setdefault("color", TEXT_COLOR)
        kwargs.setdefault("va", "top")
        self.ax.text(x, y, text, fontsize=size * self.scale, **kwargs)


@lru_cache(maxsize=4096)
def text_width_mm(text: str, size: float, weight: str = "normal") -> float:
    """Width of a one-line text in DejaVu Sans, in millimetres."""
    prop = FontProperties(family=FONT_FAMILY, size=size, weight=weight)
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width * MM_PER_PT


def wrap_text(text: str, width_mm: float, size: float, weight: str = "normal") -> list[str]:
    """Greedy word wrap of a text to a width in millimetres, measured with the real font."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width_mm(candidate, size, weight) > width_mm:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def line_height_mm(size: float) -> float:
    return size * MM_PER_PT * 1.3


def draw_map(
    spec: PrintMapSpec,
    fig: Figure,
    rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
) -> None:
    """Draw a complete print map (titles, map, legend, scale, sources) into a figure.

    Parameters
    ----------
    spec : PrintMapSpec
        Layers and texts of the map.
    fig : matplotlib.figure.Figure
        Target figure; its size sets the scale of texts (A4 = 1, A3 = √2).
    rect : tuple of float, default (0, 0, 1, 1)
        Part of the figure to use, as (left, bottom, width, height) fractions.
    """
    validate_spec(spec)
    fig_w = fig.get_figwidth() * MM_PER_INCH
    fig_h = fig.get_figheight() * MM_PER_INCH
    box = Box(rect[0] * fig_w, (1 - rect[1] - rect[3]) * fig_h, rect[2] * fig_w, rect[3] * fig_h)
    scale = min(box.w, box.h) / PAPER_SIZES_MM["A4"][0]
    scale = max(0.8, min(scale, 2.0))
    margin = 10 * scale
    page = PageCanvas(fig, box, scale)
    inner = Box(box.x + margin, box.y + margin, box.w - 2 * margin, box.h - 2 * margin)

    y = _draw_header(page, spec, inner)
    footer_lines = _footer_lines(spec, inner.w, scale)
    footer_h = len(footer_lines) * line_height_mm(6 * scale) + 2 * scale
    _draw_footer(page, footer_lines, Box(inner.x, inner.y + inner.h - footer_h, inner.w, footer_h))

    classes = classify(
        spec.communes[spec.column],
        spec.scheme,
        spec.n_classes,
        percent=spec.column in spec.percent_columns,
        category_colors=spec.category_colors,
    )
    blocks = _legend_blocks(spec, classes)
    body = Box(inner.x, y, inner.w, inner.y + inner.h - footer_h - 2 * scale - y)
    landscape = body.w > body.h * 1.15
    if landscape:
        panel_w = min(78 * scale, body.w * 0.36)
        map_box = Box(body.x, body.y, body.w - panel_w - 4 * scale, body.h)
        panel = Box(map_box.x + map_box.w + 4 * scale, body.y, panel_w, body.h)
        n_columns = 1
    else:
        n_columns = 2 if body.w < 250 * scale else 3
        legend_h = _legend_height(blocks, n_columns, scale) + 22 * scale
        map_h = min(body.w, body.h - legend_h)
        map_box = Box(body.x, body.y, body.w, map_h)
        panel = Box(body.x, body.y + map_h + 4 * scale, body.w, body.h - map_h - 4 * scale)

    ax = fig.add_axes(page.fraction(map_box))
    denominator = _draw_layers(ax, spec, classes, map_box, scale)
    _draw_legend(page, blocks, panel, n_columns, scale, landscape)
    _draw_scale_and_north(page, ax, panel, denominator, scale, landscape)


def _draw_header(page: PageCanvas, spec: PrintMapSpec, inner: Box) -> float:
    """Title and subtitle; return the y (mm) below them."""
    s = page.scale
    y = inner.y
    for line in wrap_text(spec.title, inner.w, 15 * s, "bold"):
        page.text(inner.x, y, line, 15, weight="bold")
        y += line_height_mm(15 * s)
    if spec.subtitle:
        y += 0.5 * s
        for line in wrap_text(spec.subtitle, inner.w, 9.5 * s):
            page.text(inner.x, y, line, 9.5, color=MUTED_COLOR)
            y += line_height_mm(9.5 * s)
    y += 1.5 * s
    page.ax.plot([inner.x, inner.x + inner.w], [y, y], color="#999999", linewidth=0.5 * s)
    return y + 3 * s


def _footer_lines(spec: PrintMapSpec, width_mm: float, scale: float) -> list[tuple[str, str]]:
    """Wrapped footer lines with their weight: travel mention, sources, credit."""
    size = 6 * scale
    lines: list[tuple[str, str]] = []
    if spec.approximate_travel:
        lines += [
            (t, "bold") for t in wrap_text(APPROXIMATE_TRAVEL_NOTE_FR, width_mm, size, "bold")
        ]
    if spec.sources:
        text = "Sources : " + " ; ".join(spec.sources) + "."
        lines += [(t, "normal") for t in wrap_text(text, width_mm, size)]
    lines.append(
        ("Réalisation : Maillage, outil de planification de l'inclusion numérique.", "normal")
    )
    return lines


def _draw_footer(page: PageCanvas, lines: list[tuple[str, str]], box: Box) -> None:
    s = page.scale
    page.ax.plot([box.x, box.x + box.w], [box.y, box.y], color="#999999", linewidth=0.5 * s)
    y = box.y + 1.5 * s
    for text, weight in lines:
        page.text(
            box.x,
            y,
            text,
            6,
            weight=weight,
            color=MUTED_COLOR if weight == "normal" else TEXT_COLOR,
        )
        y += line_height_mm(6 * s)


# ---------------------------------------------------------------------------- legend

_LegendEntry = tuple[str, dict, str]  # (kind, style, label)


def _legend_blocks(spec: PrintMapSpec, classes) -> list[tuple[str, list[_LegendEntry]]]:
    """Legend blocks (title, entries) in drawing order."""
    entries: list[_LegendEntry] = [
        ("patch", {"facecolor": color}, label)
        for color, label in zip(classes.colors, classes.labels, strict=True)
    ]
    if classes.n_missing:
        entries.append(("patch", {"facecolor": MISSING_COLOR}, MISSING_LABEL_FR))
    blocks = [(spec.legend_title, entries)]

    landmarks: list[_LegendEntry] = []
    if spec.epci is not None:
        landmarks.append(
            ("line", {"color": EPCI_COLOR, "linewidth": 1.2}, "Limite d'intercommunalité (EPCI)")
        )
    if spec.n_town_labels > 0:
        landmarks.append(
            ("marker", {"marker": "o", "color": TEXT_COLOR, "size": 3.5}, "Principales communes")
        )
    if landmarks:
        blocks.append(("Repères", landmarks))

    places: list[_LegendEntry] = []
    if spec.sites is not None:
        labels = {**SITE_TYPE_LABELS_FR, **(spec.site_types_labels or {})}
        for site_type in _site_types(spec.sites, labels):
            places.append(("marker", _site_style(site_type), labels.get(site_type, site_type)))
    if spec.highlight_sites is not None and not spec.highlight_sites.empty:
        places.append(("marker", _HIGHLIGHT_STYLE, spec.highlight_label))
    if places:
        blocks.append(("Lieux", places))

    access: list[_LegendEntry] = []
    if spec.catchments is not None:
        for threshold, color in _catchment_colors(spec.catchments).items():
            access.append(
                (
                    "line",
                    {"color": color, "linewidth": 1.4, "linestyle": (0, (4, 2))},
                    f"Zone d'accès ≤ {format_number_fr(threshold)} min",
                )
            )
    if spec.zones is not None and not spec.zones.empty:
        label = "Zone sous-desservie"
        if "rank" in spec.zones.columns:
            label += " (n° = rang de priorité)"
        access.append(("patch", _ZONE_STYLE, label))
    if access:
        blocks.append(("Accessibilité", access))

    if spec.circuits is not None and not spec.circuits.empty:
        circuits = [
            ("line", {"color": color, "linewidth": 1.8}, f"Circuit de {advisor}")
            for advisor, color in _circuit_colors(spec.circuits).items()
        ]
        blocks.append(("Circuits itinérants", circuits))
    return blocks


_HIGHLIGHT_STYLE = {"marker": "*", "color": HIGHLIGHT_COLOR, "size": 9, "edgecolor": "#000000"}
_ZONE_STYLE = {"facecolor": "none", "edgecolor": ZONE_COLOR, "hatch": "////", "linewidth": 1.2}


def _site_types(sites: gpd.GeoDataFrame, labels: Mapping[str, str]) -> list[str]:
    present = set(sites["site_type"].dropna())
    return [t for t in labels if t in present] + sorted(present - set(labels))


def _site_style(site_type: str) -> dict:
    is_town_hall = site_type == "town_hall"
    return {
        "marker": SITE_MARKERS.get(site_type, "o"),
        "color": SITE_TYPE_COLORS.get(site_type, OKABE_ITO[1]),
        "size": 4 if is_town_hall else 4.5,
        "edgecolor": "none" if is_town_hall else "white",
    }


def _catchment_colors(catchments: gpd.GeoDataFrame) -> dict[float, str]:
    thresholds = sorted(catchments["threshold_min"].dropna().unique())
    return {t: CATCHMENT_COLORS[i % len(CATCHMENT_COLORS)] for i, t in enumerate(thresholds)}


def _circuit_colors(circuits: gpd.GeoDataFrame) -> dict[object, str]:
    advisors = list(dict.fromkeys(circuits["advisor"].dropna()))
    return {a: CIRCUIT_COLORS[i % len(CIRCUIT_COLORS)] for i, a in enumerate(advisors)}


def _entry_lines(label: str, width_mm: float, scale: float) -> list[str]:
    return wrap_text(label, width_mm - 8 * scale, 7 * scale)


def _block_height(block: tuple[str, list[_LegendEntry]], width_mm: float, scale: float) -> float:
    title, entries = block
    height = len(wrap_text(title, width_mm, 8 * scale, "bold")) * line_height_mm(8 * scale)
    for _, _, label in entries:
        n_lines = len(_entry_lines(label, width_mm, scale))
        height += max(4.2 * scale, n_lines * line_height_mm(7 * scale) + 1.2 * scale)
    return height + 4 * scale


def _split_columns(
    blocks: list[tuple[str, list[_LegendEntry]]], n_columns: int, width_mm: float, scale: float
) -> list[list[tuple[str, list[_LegendEntry]]]]:
    """Spread blocks over columns in order, the choropleth block alone in the first one."""
    if n_columns == 1 or len(blocks) == 1:
        return [blocks]
    rest = blocks[1:]
    heights = [_block_height(b, width_mm, scale) for b in rest]
    columns: list[list] = [[blocks[0]]] + [[] for _ in range(n_columns - 1)]
    target = sum(heights) / (n_columns - 1)
    column, filled = 1, 0.0
    for block, height in zip(rest, heights, strict=True):
        if filled and filled + height > target * 1.1 and column < n_columns - 1:
            column, filled = column + 1, 0.0
        columns[column].append(block)
        filled += height
    return [c for c in columns if c]


def _legend_height(blocks, n_columns: int, scale: float) -> float:
    width = 190 * scale / n_columns
    return max(
        sum(_block_height(b, width, scale) for b in column)
        for column in _split_columns(blocks, n_columns, width, scale)
    )


def _draw_legend(
    page: PageCanvas, blocks, panel: Box, n_columns: int, scale: float, landscape: bool
) -> None:
    gap = 4 * scale
    width = (panel.w - gap * (n_columns - 1)) / n_columns
    for i, column in enumerate(_split_columns(blocks, n_columns, width, scale)):
        x = panel.x + i * (width + gap)
        y = panel.y
        for title, entries in column:
            for line in wrap_text(title, width, 8 * scale, "bold"):
                page.text(x, y, line, 8, weight="bold")
                y += line_height_mm(8 * scale)
            y += 0.8 * scale
            for kind, style, label in entries:
                lines = _entry_lines(label, width, scale)
                row_h = max(4.2 * scale, len(lines) * line_height_mm(7 * scale) + 1.2 * scale)
                _draw_swatch(page, kind, style, x, y + 0.3 * scale, scale)
                for j, line in enumerate(lines):
                    page.text(x + 8 * scale, y + j * line_height_mm(7 * scale), line, 7)
                y += row_h
            y += 3.2 * scale


def _draw_swatch(
    page: PageCanvas, kind: str, style: dict, x: float, y: float, scale: float
) -> None:
    w, h = 6 * scale, 3 * scale
    if kind == "patch":
        page.ax.add_patch(
            Rectangle(
                (x, y),
                w,
                h,
                facecolor=style["facecolor"],
                edgecolor=style.get("edgecolor", "#777777"),
                hatch=style.get("hatch"),
                linewidth=0.4 * scale,
            )
        )
    elif kind == "line":
        page.ax.plot(
            [x, x + w],
            [y + h / 2] * 2,
            color=style["color"],
            linewidth=style["linewidth"] * scale,
            linestyle=style.get("linestyle", "-"),
            solid_capstyle="butt",
        )
    else:
        page.ax.plot(
            x + w / 2,
            y + h / 2,
            marker=style["marker"],
            markersize=style["size"] * scale,
            color=style["color"],
            markeredgecolor=style.get("edgecolor", "none"),
            markeredgewidth=0.4 * scale,
            linestyle="none",
        )


# ---------------------------------------------------------------------------- scale, north


def _nice_scale_km(max_km: float) -> float:
    fitting = [k for k in _NICE_KM if k <= max_km]
    return fitting[-1] if fitting else max_km


def _north_angle(ax) -> float:
    """Angle (radians, clockwise) of true north from the grid north of EPSG:2154."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    to_lonlat = Transformer.from_crs(WORK_CRS, LONLAT_CRS, always_xy=True)
    lon, lat = to_lonlat.transform(cx, cy)
    nx, ny = to_lonlat.transform(lon, lat + 0.1, direction="INVERSE")
    return float(np.arctan2(nx - cx, ny - cy))


def _draw_scale_and_north(
    page: PageCanvas, ax, panel: Box, denominator: float, scale: float, landscape: bool
) -> None:
    s = scale
    base_y = panel.y + panel.h - 2 * s
    # North arrow: a split triangle pointing to true north, "N" above it.
    cx, cy = panel.x + 5 * s, base_y - 7 * s
    angle = _north_angle(ax)
    direction = np.array([np.sin(angle), -np.cos(angle)])
    normal = np.array([-direction[1], direction[0]])
    tip = np.array([cx, cy]) + direction * 6 * s
    tail = np.array([cx, cy]) - direction * 4 * s
    left, right = tail + normal * 2.6 * s, tail - normal * 2.6 * s
    page.ax.add_patch(
        Polygon(
            [tip, left, (cx, cy)], facecolor=TEXT_COLOR, edgecolor=TEXT_COLOR, linewidth=0.5 * s
        )
    )
    page.ax.add_patch(
        Polygon([tip, right, (cx, cy)], facecolor="white", edgecolor=TEXT_COLOR, linewidth=0.5 * s)
    )
    n_pos = np.array([cx, cy]) + direction * 8.5 * s
    page.text(n_pos[0], n_pos[1], "N", 8, weight="bold", ha="center", va="center")

    # Scale bar in km, in four alternating segments.
    x = panel.x + 14 * s
    max_mm = min(panel.w - 20 * s, 60 * s)
    km = _nice_scale_km(max_mm * denominator / 1e6)
    length = km * 1e6 / denominator
    bar_y = base_y - 8 * s
    for i in range(4):
        page.ax.add_patch(
            Rectangle(
                (x + i * length / 4, bar_y),
                length / 4,
                1.4 * s,
                facecolor=TEXT_COLOR if i % 2 == 0 else "white",
                edgecolor=TEXT_COLOR,
                linewidth=0.4 * s,
            )
        )
    for fraction in (0, 0.5, 1):
        value = format_number_fr(km * fraction, 0 if float(km * fraction).is_integer() else 1)
        label = f"{value} km" if fraction == 1 else value
        page.text(x + fraction * length, bar_y + 2.2 * s, label, 6.5, ha="center")
    page.text(x, bar_y - 4.5 * s, "Échelle", 6.5, color=MUTED_COLOR)


# ---------------------------------------------------------------------------- map layers


def _geometry_paths(geoms) -> list[MplPath]:
    """Matplotlib paths of (multi)polygons, exterior counter-clockwise, holes clockwise."""
    paths = []
    for geom in shapely.orient_polygons(np.asarray(geoms)):
        vertices, codes = [], []
        for part in shapely.get_parts(geom):
            if part.geom_type != "Polygon":
                continue
            for ring in (part.exterior, *part.interiors):
                coords = shapely.get_coordinates(ring)
                vertices.append(coords)
                ring_codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
                ring_codes[0], ring_codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
                codes.append(ring_codes)
        if vertices:
            paths.append(MplPath(np.concatenate(vertices), np.concatenate(codes)))
    return paths


def _line_segments(geoms) -> list[np.ndarray]:
    lines = shapely.get_parts(shapely.boundary(geoms) if _is_polygonal(geoms) else geoms)
    lines = shapely.get_parts(lines)
    return [shapely.get_coordinates(line) for line in lines if not line.is_empty]


def _is_polygonal(geoms) -> bool:
    types = shapely.get_type_id(np.asarray(geoms))
    return bool(np.isin(types, (3, 6)).all())


def _polygons(ax, geoms, zorder: float, **style) -> None:
    ax.add_collection(
        PatchCollection([PathPatch(p) for p in _geometry_paths(geoms)], zorder=zorder, **style)
    )


def _lines(ax, geoms, zorder: float, halo: float = 0.0, **style) -> None:
    segments = _line_segments(geoms)
    if halo:
        ax.add_collection(
            LineCollection(
                segments,
                colors="white",
                linewidths=style["linewidths"] + halo,
                zorder=zorder - 0.01,
                capstyle="round",
                joinstyle="round",
            )
        )
    ax.add_collection(LineCollection(segments, zorder=zorder, **style))


def _set_extent(ax, bounds: np.ndarray, box: Box) -> float:
    """Fit the bounds (padded) to the axes' aspect; return the scale denominator."""
    xmin, ymin, xmax, ymax = bounds
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    metres_per_mm = max((xmax - xmin) / box.w, (ymax - ymin) / box.h)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w, half_h = box.w * metres_per_mm / 2, box.h * metres_per_mm / 2
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    return metres_per_mm * 1000


def _to_work(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if layer is None or layer.empty:
        return None
    layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    return layer if str(layer.crs) == WORK_CRS else layer.to_crs(WORK_CRS)


def _draw_layers(ax, spec: PrintMapSpec, classes, box: Box, scale: float) -> float:
    s = scale
    communes = _to_work(spec.communes)
    denominator = _set_extent(ax, communes.total_bounds, box)
    fills = np.array([*classes.colors, MISSING_COLOR])[classes.codes]
    _polygons(ax, communes.geometry, 1, facecolors=fills, edgecolors="white", linewidths=0.25 * s)
    outline = shapely.coverage_union_all(communes.geometry.values)
    _lines(ax, [outline], 6, linewidths=1.1 * s, colors=EPCI_COLOR)

    zones = _to_work(spec.zones)
    if zones is not None:
        _polygons(
            ax,
            zones.geometry,
            3,
            facecolors="none",
            edgecolors=ZONE_COLOR,
            linewidths=1.2 * s,
            hatch="////",
        )
    catchments = _to_work(spec.catchments)
    if catchments is not None:
        for threshold, color in _catchment_colors(catchments).items():
            part = catchments.geometry[catchments["threshold_min"] == threshold]
            _lines(
                ax,
                part.values,
                4,
                halo=1.2 * s,
                colors=color,
                linewidths=1.1 * s,
                linestyles=(0, (4, 2)),
            )
    epci = _to_work(spec.epci)
    if epci is not None:
        _lines(ax, epci.geometry.values, 5, linewidths=0.8 * s, colors=EPCI_COLOR)
    circuits = _to_work(spec.circuits)
    if circuits is not None:
        for advisor, color in _circuit_colors(circuits).items():
            part = circuits.geometry[circuits["advisor"] == advisor]
            _lines(ax, part.values, 7, halo=1.5 * s, colors=color, linewidths=1.5 * s)

    sites = _to_work(spec.sites)
    if sites is not None:
        labels = {**SITE_TYPE_LABELS_FR, **(spec.site_types_labels or {})}
        # Town halls are the most numerous: drawn first, under the other sites.
        for order, site_type in enumerate(reversed(_site_types(sites, labels))):
            part = sites[sites["site_type"] == site_type]
            style = _site_style(site_type)
            ax.scatter(
                part.geometry.x,
                part.geometry.y,
                marker=style["marker"],
                s=(style["size"] * s) ** 2,
                c=style["color"],
                edgecolors=style["edgecolor"],
                linewidths=0.4 * s,
                zorder=8 + order / 100,
            )
    highlight = _to_work(spec.highlight_sites)
    if highlight is not None:
        points = highlight.geometry.representative_point()
        ax.scatter(
            points.x,
            points.y,
            marker="*",
            s=(_HIGHLIGHT_STYLE["size"] * s) ** 2,
            c=HIGHLIGHT_COLOR,
            edgecolors="#000000",
            linewidths=0.6 * s,
            zorder=9,
        )

    placed: list[Bbox] = []
    renderer = ax.figure.canvas.get_renderer()
    _label_towns(ax, communes, spec.n_town_labels, renderer, placed, s)
    if epci is not None:
        _label_epci(ax, epci, renderer, placed, s)
    if zones is not None and "rank" in zones.columns:
        for point, rank in zip(zones.geometry.representative_point(), zones["rank"], strict=True):
            if pd.notna(rank):
                ax.text(
                    point.x,
                    point.y,
                    format_number_fr(rank),
                    fontsize=6.5 * s,
                    ha="center",
                    va="center",
                    weight="bold",
                    color=ZONE_COLOR,
                    zorder=11,
                    bbox={
                        "boxstyle": "circle,pad=0.25",
                        "facecolor": "white",
                        "edgecolor": ZONE_COLOR,
                        "linewidth": 0.8 * s,
                    },
                )
    return denominator


_TOWN_OFFSETS = (
    ("left", "center", 1, 0),
    ("right", "center", -1, 0),
    ("center", "bottom", 0, 1),
    ("center", "top", 0, -1),
    ("left", "bottom", 0.7, 0.7),
    ("left", "top", 0.7, -0.7),
    ("right", "bottom", -0.7, 0.7),
    ("right", "top", -0.7, -0.7),
)


def _label_towns(ax, communes, n: int, renderer, placed: list[Bbox], s: float) -> None:
    """Label the most populous communes around their dot; a town with no free spot is left out."""
    if n <= 0:
        return
    towns = communes.nlargest(n, "population")
    points = towns.geometry.representative_point()
    axes_box = ax.get_window_extent(renderer)
    shown = []
    for name, point in zip(towns["name"], points, strict=True):
        text = ax.text(
            point.x,
            point.y,
            str(name),
            fontsize=6.5 * s,
            weight="bold",
            color=TEXT_COLOR,
            zorder=12,
        )
        for ha, va, dx, dy in _TOWN_OFFSETS:
            offset = mpl.transforms.offset_copy(
                ax.transData, fig=ax.figure, x=dx * 2.5 * s, y=dy * 2.5 * s, units="points"
            )
            text.set(ha=ha, va=va, transform=offset)
            if _free(text.get_window_extent(renderer), placed, axes_box):
                placed.append(text.get_window_extent(renderer))
                shown.append(point)
                _add_halo(text)
                break
        else:
            text.remove()
    ax.scatter(
        [p.x for p in shown],
        [p.y for p in shown],
        s=(2.2 * s) ** 2,
        c=TEXT_COLOR,
        edgecolors="white",
        linewidths=0.4 * s,
        zorder=13,
    )


def _label_epci(ax, epci, renderer, placed: list[Bbox], s: float) -> None:
    """Name every EPCI inside its polygon, at the first spot free of other labels."""
    axes_box = ax.get_window_extent(renderer)
    for name, geom in zip(epci["epci_name"], epci.geometry, strict=True):
        label = textwrap.fill(str(name), 18, break_long_words=False)
        anchor = geom.representative_point()
        text = ax.text(
            anchor.x,
            anchor.y,
            label,
            fontsize=5.5 * s,
            style="italic",
            color=EPCI_COLOR,
            ha="center",
            va="center",
            multialignment="center",
            zorder=11,
        )
        for point in _inner_points(geom, anchor):
            text.set_position((point[0], point[1]))
            if _free(text.get_window_extent(renderer), placed, axes_box):
                break
        else:
            text.set_position((anchor.x, anchor.y))
        placed.append(text.get_window_extent(renderer))
        _add_halo(text)


def _add_halo(text) -> None:
    """A white outline under a label, as a separate copy.

    A path effect on the label itself would turn it into outlines in the PDF, where it
    could no longer be searched or copied.
    """
    halo = text.axes.text(
        *text.get_position(),
        text.get_text(),
        transform=text.get_transform(),
        zorder=text.get_zorder() - 0.1,
    )
    halo.update_from(text)
    halo.set(color="white", path_effects=_HALO)


def _inner_points(geom, anchor, step_m: float = 2500.0, limit: int = 60) -> list[np.ndarray]:
    """Candidate label spots inside a polygon, nearest to its representative point first."""
    xmin, ymin, xmax, ymax = geom.bounds
    xs, ys = np.meshgrid(np.arange(xmin, xmax, step_m), np.arange(ymin, ymax, step_m))
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    inside = grid[shapely.contains_xy(geom, grid[:, 0], grid[:, 1])]
    order = np.argsort(np.hypot(inside[:, 0] - anchor.x, inside[:, 1] - anchor.y))
    return [np.array([anchor.x, anchor.y]), *inside[order[:limit]]]


def _free(extent: Bbox, placed: list[Bbox], axes_box: Bbox) -> bool:
    padded = extent.expanded(1.05, 1.1)
    inside = (
        axes_box.containsx(extent.x0)
        and axes_box.containsx(extent.x1)
        and (axes_box.containsy(extent.y0) and axes_box.containsy(extent.y1))
    )
    return inside and padded.count_overlaps(placed) == 0
