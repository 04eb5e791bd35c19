"""Map layers of a print map, drawn with matplotlib in EPSG:2154.

Communes as a classed choropleth, the territory outline, under-served zones, catchments,
EPCI, mobile circuits, sites and highlighted sites, then labels placed where they do not
overlap: main towns, EPCI names and zone ranks.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from geo.formatting import format_number_fr
from geo.render.classification import Classification
from geo.render.print_layout import TEXT_COLOR, Box
from geo.render.style import (
    MISSING_COLOR,
    OKABE_ITO,
    SITE_TYPE_COLORS,
    SITE_TYPE_LABELS_FR,
    catchment_colors,
)
from geo.settings import WORK_CRS

if TYPE_CHECKING:
    from geo.render.print_map import PrintMapSpec

__all__ = [
    "CIRCUIT_COLORS",
    "EPCI_COLOR",
    "HIGHLIGHT_COLOR",
    "HIGHLIGHT_STYLE",
    "SITE_MARKERS",
    "ZONE_COLOR",
    "ZONE_STYLE",
    "circuit_colors",
    "draw_layers",
    "site_style",
    "site_types",
]

EPCI_COLOR = "#333333"
HIGHLIGHT_COLOR = "#E69F00"
ZONE_COLOR = "#D55E00"
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
HIGHLIGHT_STYLE: dict[str, object] = {
    "marker": "*",
    "color": HIGHLIGHT_COLOR,
    "size": 9,
    "edgecolor": "#000000",
}
ZONE_STYLE: dict[str, object] = {
    "facecolor": "none",
    "edgecolor": ZONE_COLOR,
    "hatch": "////",
    "linewidth": 1.2,
}
_HALO = [withStroke(linewidth=2.2, foreground="white")]
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


def site_types(sites: gpd.GeoDataFrame, labels: Mapping[str, str]) -> list[str]:
    """Site types present, in the order of ``labels`` then alphabetically."""
    present = set(sites["site_type"].dropna())
    return [t for t in labels if t in present] + sorted(present - set(labels))


def site_style(site_type: str) -> dict[str, object]:
    """Marker, colour, size and edge of a site type."""
    is_town_hall = site_type == "town_hall"
    return {
        "marker": SITE_MARKERS.get(site_type, "o"),
        "color": SITE_TYPE_COLORS.get(site_type, OKABE_ITO[1]),
        "size": 4 if is_town_hall else 4.5,
        "edgecolor": "none" if is_town_hall else "white",
    }


def circuit_colors(circuits: gpd.GeoDataFrame) -> dict[object, str]:
    """Colour of each advisor's circuit, in order of first appearance."""
    advisors = list(dict.fromkeys(circuits["advisor"].dropna()))
    return {a: CIRCUIT_COLORS[i % len(CIRCUIT_COLORS)] for i, a in enumerate(advisors)}


# ---------------------------------------------------------------------------- geometry


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


def _polygons(ax: Axes, geoms, zorder: float, **style) -> None:
    ax.add_collection(
        PatchCollection([PathPatch(p) for p in _geometry_paths(geoms)], zorder=zorder, **style)
    )


def _lines(ax: Axes, geoms, zorder: float, halo: float = 0.0, **style) -> None:
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


def _set_extent(ax: Axes, bounds: np.ndarray, box: Box) -> float:
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


# ---------------------------------------------------------------------------- layers


def draw_layers(
    ax: Axes, spec: PrintMapSpec, classes: Classification, box: Box, scale: float
) -> float:
    """Draw every layer and label of ``spec`` into the map axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes of the map, placed on the page at ``box``.
    spec : PrintMapSpec
        Layers of the map.
    classes : Classification
        Classes of the mapped column (fill colour of each commune).
    box : Box
        Position and size of the map on the page (mm).
    scale : float
        Size of lines and texts relative to an A4 page.

    Returns
    -------
    float
        Scale denominator of the map.
    """
    s = scale
    communes = _to_work(spec.communes)
    denominator = _set_extent(ax, communes.total_bounds, box)
    fills = np.array([*classes.colors, MISSING_COLOR])[classes.codes]
    _polygons(ax, communes.geometry, 1, facecolors=fills, edgecolors="white", linewidths=0.25 * s)
    outline = shapely.coverage_union_all(communes.geometry.values)
    _lines(ax, [outline], 6, linewidths=1.1 * s, colors=EPCI_COLOR)
    zones, epci = _to_work(spec.zones), _to_work(spec.epci)
    _draw_overlays(ax, spec, zones, epci, s)
    _draw_sites(ax, spec, s)

    placed: list[Bbox] = []
    renderer = ax.figure.canvas.get_renderer()
    _label_towns(ax, communes, spec.n_town_labels, renderer, placed, s)
    if epci is not None:
        _label_epci(ax, epci, renderer, placed, s)
    if zones is not None and "rank" in zones.columns:
        _label_zone_ranks(ax, zones, s)
    return denominator


def _draw_overlays(
    ax: Axes,
    spec: PrintMapSpec,
    zones: gpd.GeoDataFrame | None,
    epci: gpd.GeoDataFrame | None,
    s: float,
) -> None:
    """Zones (hatched), catchments (dashed), EPCI outlines and circuits."""
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
        for threshold, color in catchment_colors(catchments["threshold_min"]).items():
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
    if epci is not None:
        _lines(ax, epci.geometry.values, 5, linewidths=0.8 * s, colors=EPCI_COLOR)
    circuits = _to_work(spec.circuits)
    if circuits is not None:
        for advisor, color in circuit_colors(circuits).items():
            part = circuits.geometry[circuits["advisor"] == advisor]
            _lines(ax, part.values, 7, halo=1.5 * s, colors=color, linewidths=1.5 * s)


def _draw_sites(ax: Axes, spec: PrintMapSpec, s: float) -> None:
    """Site markers by type, then highlighted sites as large stars."""
    sites = _to_work(spec.sites)
    if sites is not None:
        labels = {**SITE_TYPE_LABELS_FR, **(spec.site_types_labels or {})}
        # Town halls are the most numerous: drawn first, under the other sites.
        for order, site_type in enumerate(reversed(site_types(sites, labels))):
            part = sites[sites["site_type"] == site_type]
            style = site_style(site_type)
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
            s=(HIGHLIGHT_STYLE["size"] * s) ** 2,
            c=HIGHLIGHT_COLOR,
            edgecolors="#000000",
            linewidths=0.6 * s,
            zorder=9,
        )


# ---------------------------------------------------------------------------- labels


def _label_zone_ranks(ax: Axes, zones: gpd.GeoDataFrame, s: float) -> None:
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


def _label_towns(ax: Axes, communes, n: int, renderer, placed: list[Bbox], s: float) -> None:
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


def _label_epci(ax: Axes, epci, renderer, placed: list[Bbox], s: float) -> None:
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


def _add_halo(text: Text) -> None:
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
