"""Page layout of Maillage prints: millimetre canvas, text measure and wrap, legend, scale.

Everything is measured in millimetres from the top-left corner of the page. Text uses
DejaVu Sans, bundled with matplotlib, so the output is the same on every machine:
TrueType fonts are embedded in PDF (``pdf.fonttype`` 42, text stays searchable) and SVG
text is written as paths (``svg.fonttype`` "path"), so an SVG looks identical in any
viewer even where DejaVu Sans is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Polygon, Rectangle
from matplotlib.textpath import TextToPath
from pyproj import Transformer

from geo.formatting import format_number_fr
from geo.settings import LONLAT_CRS, WORK_CRS

__all__ = [
    "FONT_FAMILY",
    "MM_PER_INCH",
    "MM_PER_PT",
    "MUTED_COLOR",
    "ORIENTATIONS",
    "PAPER_SIZES_MM",
    "RC_PARAMS",
    "TEXT_COLOR",
    "Box",
    "LegendBlock",
    "LegendEntry",
    "Orientation",
    "PageCanvas",
    "Paper",
    "check_page_options",
    "draw_legend",
    "draw_scale_and_north",
    "legend_height",
    "line_height_mm",
    "new_figure",
    "print_style",
    "text_width_mm",
    "wrap_text",
]

Paper = Literal["A4", "A3"]
Orientation = Literal["portrait", "landscape"]

#: Paper sizes in millimetres, portrait (width, height).
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS: tuple[str, ...] = ("portrait", "landscape")
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
_NICE_KM = (1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 100)

#: A legend entry: (kind "patch" | "line" | "marker", matplotlib style, label).
LegendEntry = tuple[str, dict, str]
#: A legend block: (title, entries).
LegendBlock = tuple[str, list[LegendEntry]]


def check_page_options(paper: str, orientation: str) -> tuple[float, float]:
    """Validate paper and orientation; return the page (width, height) in millimetres.

    Raises
    ------
    ValueError
        On an unknown paper or orientation (French message).
    """
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
        self.ax = fig.add_axes(self.fraction(box))
        self.ax.set_xlim(box.x, box.x + box.w)
        self.ax.set_ylim(box.y + box.h, box.y)
        self.ax.set_axis_off()

    def fraction(self, box: Box) -> tuple[float, float, float, float]:
        """The box as (left, bottom, width, height) fractions of the figure."""
        return (
            box.x / self.width_mm,
            1 - (box.y + box.h) / self.height_mm,
            box.w / self.width_mm,
            box.h / self.height_mm,
        )

    def text(self, x: float, y: float, text: str, size: float, **kwargs: object) -> None:
        """Write a text at (x, y) mm; ``size`` in points on A4, scaled with the page."""
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
    """Line height (mm) of a text of ``size`` points."""
    return size * MM_PER_PT * 1.3


# ---------------------------------------------------------------------------- legend


def _entry_lines(label: str, width_mm: float, scale: float) -> list[str]:
    return wrap_text(label, width_mm - 8 * scale, 7 * scale)


def _entry_height(label: str, width_mm: float, scale: float) -> float:
    n_lines = len(_entry_lines(label, width_mm, scale))
    return max(4.2 * scale, n_lines * line_height_mm(7 * scale) + 1.2 * scale)


def _block_height(block: LegendBlock, width_mm: float, scale: float) -> float:
    title, entries = block
    height = len(wrap_text(title, width_mm, 8 * scale, "bold")) * line_height_mm(8 * scale)
    height += sum(_entry_height(label, width_mm, scale) for _, _, label in entries)
    return height + 4 * scale


def _split_columns(
    blocks: list[LegendBlock], n_columns: int, width_mm: float, scale: float
) -> list[list[LegendBlock]]:
    """Spread blocks over columns in order, the choropleth block alone in the first one."""
    if n_columns == 1 or len(blocks) == 1:
        return [blocks]
    rest = blocks[1:]
    heights = [_block_height(b, width_mm, scale) for b in rest]
    columns: list[list[LegendBlock]] = [[blocks[0]]] + [[] for _ in range(n_columns - 1)]
    target = sum(heights) / (n_columns - 1)
    column, filled = 1, 0.0
    for block, height in zip(rest, heights, strict=True):
        if filled and filled + height > target * 1.1 and column < n_columns - 1:
            column, filled = column + 1, 0.0
        columns[column].append(block)
        filled += height
    return [c for c in columns if c]


def legend_height(blocks: list[LegendBlock], n_columns: int, scale: float) -> float:
    """Height (mm) of the legend laid out in ``n_columns`` over an A4 width (× scale)."""
    width = 190 * scale / n_columns
    return max(
        sum(_block_height(b, width, scale) for b in column)
        for column in _split_columns(blocks, n_columns, width, scale)
    )


def draw_legend(
    page: PageCanvas, blocks: list[LegendBlock], panel: Box, n_columns: int, scale: float
) -> None:
    """Draw the legend blocks in ``n_columns`` columns from the top of ``panel``."""
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
                _draw_swatch(page, kind, style, x, y + 0.3 * scale, scale)
                for j, line in enumerate(_entry_lines(label, width, scale)):
                    page.text(x + 8 * scale, y + j * line_height_mm(7 * scale), line, 7)
                y += _entry_height(label, width, scale)
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


def _north_angle(ax: Axes) -> float:
    """Angle (radians, clockwise) of true north from the grid north of EPSG:2154."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    to_lonlat = Transformer.from_crs(WORK_CRS, LONLAT_CRS, always_xy=True)
    lon, lat = to_lonlat.transform(cx, cy)
    nx, ny = to_lonlat.transform(lon, lat + 0.1, direction="INVERSE")
    return float(np.arctan2(nx - cx, ny - cy))


def _draw_north_arrow(page: PageCanvas, map_ax: Axes, cx: float, cy: float) -> None:
    """A split triangle pointing to true north, "N" above it."""
    s = page.scale
    angle = _north_angle(map_ax)
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


def _draw_scale_bar(
    page: PageCanvas, x: float, y: float, max_mm: float, denominator: float
) -> None:
    """A scale bar in km, in four alternating segments, its top-left corner at (x, y)."""
    s = page.scale
    km = _nice_scale_km(max_mm * denominator / 1e6)
    length = km * 1e6 / denominator
    for i in range(4):
        page.ax.add_patch(
            Rectangle(
                (x + i * length / 4, y),
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
        page.text(x + fraction * length, y + 2.2 * s, label, 6.5, ha="center")
    page.text(x, y - 4.5 * s, "Échelle", 6.5, color=MUTED_COLOR)


def draw_scale_and_north(page: PageCanvas, map_ax: Axes, panel: Box, denominator: float) -> None:
    """Draw the north arrow and the scale bar at the bottom of ``panel``.

    Parameters
    ----------
    page : PageCanvas
        Canvas of the page.
    map_ax : matplotlib.axes.Axes
        Axes of the map, in EPSG:2154 (gives the direction of true north).
    panel : Box
        Legend panel; both are drawn along its bottom edge.
    denominator : float
        Scale denominator of the map (e.g. 750 000 for 1:750 000).
    """
    s = page.scale
    base_y = panel.y + panel.h - 2 * s
    _draw_north_arrow(page, map_ax, panel.x + 5 * s, base_y - 7 * s)
    max_mm = min(panel.w - 20 * s, 60 * s)
    _draw_scale_bar(page, panel.x + 14 * s, base_y - 8 * s, max_mm, denominator)
