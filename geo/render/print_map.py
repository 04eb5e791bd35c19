"""Print maps of communes: A4/A3 pages as vector PDF, SVG or 300 dpi PNG.

A :class:`PrintMapSpec` holds plain layers (communes, EPCI, sites, catchments, zones,
circuits) and texts; :func:`render_print_map` lays them out on an exact paper size with
a title, a classed legend (same classes and colours as the interactive map), a scale
bar, a north arrow, EPCI names, the main towns, the sources and, when travel times are
approximate, a mention of the travel model that produced them. :func:`draw_map` draws
the same layout into part of any matplotlib figure (the council pack uses it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
from matplotlib.figure import Figure

from geo import defaults
from geo.formatting import format_iso_dates_fr, format_number_fr
from geo.render.classification import SCHEMES, Classification, Scheme, classify
from geo.render.print_layers import (
    EPCI_COLOR,
    HIGHLIGHT_STYLE,
    ZONE_STYLE,
    circuit_colors,
    draw_layers,
    site_style,
    site_types,
)
from geo.render.print_layout import (
    MM_PER_INCH,
    MUTED_COLOR,
    PAPER_SIZES_MM,
    TEXT_COLOR,
    Box,
    LegendBlock,
    LegendEntry,
    Orientation,
    PageCanvas,
    Paper,
    check_page_options,
    draw_legend,
    draw_scale_and_north,
    legend_height,
    line_height_mm,
    new_figure,
    print_style,
    wrap_text,
)
from geo.render.style import (
    MISSING_COLOR,
    MISSING_LABEL_FR,
    SITE_TYPE_LABELS_FR,
    catchment_colors,
    catchment_label_fr,
    circuit_label_fr,
)

if TYPE_CHECKING:
    from geo.travel_time import TravelModel

__all__ = [
    "APPROXIMATE_TRAVEL_NOTE_FR",
    "FORMATS",
    "Format",
    "MarkerLayer",
    "PrintMapSpec",
    "approximate_travel_note_fr",
    "draw_map",
    "format_source_line",
    "map_source_line",
    "render_print_map",
    "travel_note_fr",
    "validate_spec",
]

Format = Literal["pdf", "png", "svg"]
FORMATS: tuple[str, ...] = ("pdf", "png", "svg")


def _decimal_fr(value: float) -> str:
    """A model parameter the French way, with no more decimals than it has (max 2)."""
    decimals = next((d for d in range(3) if round(value, d) == round(value, 2)), 2)
    return format_number_fr(value, decimals)


def approximate_travel_note_fr(
    circuity: float = defaults.CIRCUITY, speed_kmh: float = defaults.SPEED_KMH
) -> str:
    """Mention printed under maps whose travel times come from the straight-line model.

    Parameters
    ----------
    circuity : float, default :data:`geo.defaults.CIRCUITY`
        Road distance ÷ straight-line distance of the model.
    speed_kmh : float, default :data:`geo.defaults.SPEED_KMH`
        Average speed of the model.

    Returns
    -------
    str
        For instance ``"Temps de trajet approximatifs (distance à vol d'oiseau × 1,3 à
        60 km/h)"``.
    """
    return (
        "Temps de trajet approximatifs (distance à vol d'oiseau "
        f"× {_decimal_fr(circuity)} à {_decimal_fr(speed_kmh)} km/h)"
    )


#: Mention of the default straight-line model (:data:`geo.defaults.CIRCUITY`, ``SPEED_KMH``).
APPROXIMATE_TRAVEL_NOTE_FR: str = approximate_travel_note_fr()


def travel_note_fr(model: TravelModel | Mapping[str, Any] | None, approximate: bool) -> str | None:
    """The travel-time mention of a print map, built from the model's own parameters.

    Parameters
    ----------
    model : TravelModel or mapping, optional
        The travel model, or its :meth:`~geo.travel_time.TravelModel.to_dict` form.
    approximate : bool
        Travel times are approximate (used when no model is given: default parameters).

    Returns
    -------
    str or None
        The mention for an approximate model, ``None`` for an exact one.
    """
    if model is None:
        return APPROXIMATE_TRAVEL_NOTE_FR if approximate else None
    info = dict(model) if isinstance(model, Mapping) else model.to_dict()
    if not info.get("is_approximate", approximate):
        return None
    parameters = info.get("parameters") or {}
    if "circuity" in parameters and "speed_kmh" in parameters:
        return approximate_travel_note_fr(parameters["circuity"], parameters["speed_kmh"])
    # Another approximate model: its own French description says what it is.
    label = info.get("label")
    return f"Temps de trajet approximatifs ({label})" if label else APPROXIMATE_TRAVEL_NOTE_FR


@dataclass(frozen=True)
class MarkerLayer:
    """Points drawn with one marker and one legend entry on a print map.

    Attributes
    ----------
    points : geopandas.GeoDataFrame
        Points (any CRS).
    label : str
        French legend label.
    marker : str, default "*"
        Matplotlib marker.
    color : str, default "#E69F00"
        Fill colour.
    size : float, default 9
        Marker size in points (A4).
    """

    points: gpd.GeoDataFrame
    label: str
    marker: str = "*"
    color: str = "#E69F00"
    size: float = 9.0

    @property
    def style(self) -> dict[str, object]:
        """Legend style of the marker (as :func:`geo.render.print_layers.site_style`)."""
        return {
            "marker": self.marker,
            "color": self.color,
            "size": self.size,
            "edgecolor": "#000000",
        }


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
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user_defined", "categorical"}
        Classification method, see :func:`geo.render.classification.classify`.
    n_classes : int, default :data:`geo.defaults.MAP_N_CLASSES`
        Number of classes of the numeric schemes.
    user_bounds : sequence of float, optional
        Upper bounds of the classes of the ``"user_defined"`` scheme (e.g. the bounds
        of another map, so that two maps compare).
    epci : geopandas.GeoDataFrame, optional
        EPCI polygons (index ``epci_siren``) with ``epci_name``: outlines and names.
    sites : geopandas.GeoDataFrame, optional
        Points with ``site_type`` and ``name``, one marker style per type.
    highlight_sites : geopandas.GeoDataFrame, optional
        Points drawn as large stars (e.g. recommended sites).
    highlight_label : str, default "Site recommandé"
        Legend label of the highlighted sites.
    marker_layers : sequence of MarkerLayer, default ()
        More point layers, each with its own marker and legend entry (new and
        reinforced advisors, bases of the tours...), drawn over the sites.
    catchments : geopandas.GeoDataFrame, optional
        Catchment polygons with ``threshold_min``, drawn as dashed outlines.
    zones : geopandas.GeoDataFrame, optional
        Under-served zones with ``zone_id`` and optionally ``rank`` (printed on them).
    circuits : geopandas.GeoDataFrame, optional
        Mobile circuits as LineStrings with ``advisor``, one colour per advisor.
    sources : list of str
        One line per source: "Source, millésime, licence".
    travel_model : TravelModel or mapping, optional
        Model of the travel times shown; when it is approximate, the map prints
        :func:`travel_note_fr` built from its parameters. Sets ``approximate_travel``.
    approximate_travel : bool, default False
        Travel times are approximate; without ``travel_model`` the mention uses the
        default model (:data:`APPROXIMATE_TRAVEL_NOTE_FR`).
    percent_columns : collection of str, default ()
        Columns holding 0–1 shares, shown as percentages.
    site_types_labels : mapping, optional
        French label of each site type, over :data:`geo.render.style.SITE_TYPE_LABELS_FR`.
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
    scheme: Scheme = defaults.MAP_CLASS_SCHEME
    n_classes: int = defaults.MAP_N_CLASSES
    user_bounds: Sequence[float] | None = None
    epci: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    highlight_sites: gpd.GeoDataFrame | None = None
    highlight_label: str = "Site recommandé"
    marker_layers: Sequence[MarkerLayer] = ()
    catchments: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    circuits: gpd.GeoDataFrame | None = None
    sources: list[str] = field(default_factory=list)
    travel_model: TravelModel | Mapping[str, Any] | None = None
    approximate_travel: bool = False
    percent_columns: Collection[str] = ()
    site_types_labels: Mapping[str, str] | None = None
    category_colors: Mapping[object, str] | None = None
    n_town_labels: int = 10

    def __post_init__(self) -> None:
        if self.travel_model is not None:
            self.approximate_travel = travel_note_fr(self.travel_model, False) is not None
        validate_spec(self)


_LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "communes": (),
    "epci": ("epci_name",),
    "sites": ("site_type", "name"),
    "highlight_sites": (),
    "catchments": ("threshold_min",),
    "zones": ("zone_id",),
    "circuits": ("advisor",),
}


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
    for name, required in _LAYER_COLUMNS.items():
        layer = getattr(spec, name)
        if layer is None:
            continue
        if layer.crs is None:
            raise ValueError(f"La couche « {name} » n'a pas de système de coordonnées.")
        missing = [c for c in required if c not in layer.columns]
        if missing:
            raise ValueError(
                f"La couche « {name} » doit avoir la ou les colonnes : {', '.join(missing)}."
            )


def map_source_line(source: Mapping[str, str]) -> str:
    """A source as a map prints it: "Label : éditeur, millésime" (licences go to an annex).

    Parameters
    ----------
    source : mapping
        With ``label``, ``publisher`` and ``vintage`` keys (missing ones are skipped).

    Returns
    -------
    str
    """
    # Vintages are often ISO dates (« 2024-08-01 »): French readers get « 1er août 2024 ».
    # Only the vintage: a publisher or a licence is written as its owner writes it.
    fields = {**source, "vintage": format_iso_dates_fr(source.get("vintage") or "")}
    details = ", ".join(fields[k] for k in ("publisher", "vintage") if fields.get(k))
    label = source.get("label", "")
    return f"{label} : {details}" if label and details else label or details


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
    # Vintages are often ISO dates (« 2024-08-01 »): French readers get « 1er août 2024 ».
    # Only the vintage: a publisher or a licence is written as its owner writes it.
    fields = {**source, "vintage": format_iso_dates_fr(source.get("vintage") or "")}
    details = ", ".join(fields[k] for k in ("publisher", "vintage", "licence") if fields.get(k))
    label = source.get("label", "")
    return f"{label} : {details}" if label and details else label or details


def render_print_map(
    spec: PrintMapSpec,
    path: str | Path,
    paper: Paper = defaults.PRINT_PAPER,
    orientation: Orientation = defaults.PRINT_ORIENTATION,
    fmt: Format | None = None,
    dpi: int = defaults.PRINT_DPI,
) -> Path:
    """Render a print map to a PDF, PNG or SVG file of an exact paper size.

    Parameters
    ----------
    spec : PrintMapSpec
        Layers and texts of the map.
    path : str or pathlib.Path
        Output file; parent folders are created.
    paper : {"A4", "A3"}, default :data:`geo.defaults.PRINT_PAPER`
        Paper size: A4 is 210 × 297 mm, A3 297 × 420 mm.
    orientation : {"portrait", "landscape"}, default :data:`geo.defaults.PRINT_ORIENTATION`
        Page orientation.
    fmt : {"pdf", "png", "svg"}, optional
        File format; taken from the file extension when omitted.
    dpi : int, default :data:`geo.defaults.PRINT_DPI`
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
        user_bounds=spec.user_bounds,
        percent=spec.column in spec.percent_columns,
        category_colors=spec.category_colors,
    )
    blocks = _legend_blocks(spec, classes)
    body = Box(inner.x, y, inner.w, inner.y + inner.h - footer_h - 2 * scale - y)
    if body.w > body.h * 1.15:  # landscape: legend panel on the right
        panel_w = min(78 * scale, body.w * 0.36)
        map_box = Box(body.x, body.y, body.w - panel_w - 4 * scale, body.h)
        panel = Box(map_box.x + map_box.w + 4 * scale, body.y, panel_w, body.h)
        n_columns = 1
    else:  # portrait: legend in columns under the map
        n_columns = 2 if body.w < 250 * scale else 3
        map_h = min(body.w, body.h - legend_height(blocks, n_columns, scale) - 22 * scale)
        map_box = Box(body.x, body.y, body.w, map_h)
        panel = Box(body.x, body.y + map_h + 4 * scale, body.w, body.h - map_h - 4 * scale)

    ax = fig.add_axes(page.fraction(map_box))
    denominator = draw_layers(ax, spec, classes, map_box, scale)
    draw_legend(page, blocks, panel, n_columns, scale)
    draw_scale_and_north(page, ax, panel, denominator)


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
    note = travel_note_fr(spec.travel_model, spec.approximate_travel)
    if note:
        lines += [(t, "bold") for t in wrap_text(note, width_mm, size, "bold")]
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


def _legend_blocks(spec: PrintMapSpec, classes: Classification) -> list[LegendBlock]:
    """Legend blocks (title, entries) in drawing order; empty blocks are left out."""
    entries: list[LegendEntry] = [
        ("patch", {"facecolor": color}, label)
        for color, label in zip(classes.colors, classes.labels, strict=True)
    ]
    if classes.n_missing:
        entries.append(("patch", {"facecolor": MISSING_COLOR}, MISSING_LABEL_FR))
    blocks = [
        (spec.legend_title, entries),
        ("Repères", _landmark_entries(spec)),
        ("Lieux", _place_entries(spec)),
        ("Accessibilité", _access_entries(spec)),
    ]
    if spec.circuits is not None and not spec.circuits.empty:
        circuits = [
            ("line", {"color": color, "linewidth": 1.8}, circuit_label_fr(advisor))
            for advisor, color in circuit_colors(spec.circuits).items()
        ]
        blocks.append(("Circuits itinérants", circuits))
    return [blocks[0]] + [b for b in blocks[1:] if b[1]]


def _landmark_entries(spec: PrintMapSpec) -> list[LegendEntry]:
    landmarks: list[LegendEntry] = []
    if spec.epci is not None:
        landmarks.append(
            ("line", {"color": EPCI_COLOR, "linewidth": 1.2}, "Limite d'intercommunalité (EPCI)")
        )
    if spec.n_town_labels > 0:
        landmarks.append(
            ("marker", {"marker": "o", "color": TEXT_COLOR, "size": 3.5}, "Principales communes")
        )
    return landmarks


def _place_entries(spec: PrintMapSpec) -> list[LegendEntry]:
    places: list[LegendEntry] = []
    if spec.sites is not None:
        labels = {**SITE_TYPE_LABELS_FR, **(spec.site_types_labels or {})}
        for site_type in site_types(spec.sites, labels):
            places.append(("marker", site_style(site_type), labels.get(site_type, site_type)))
    if spec.highlight_sites is not None and not spec.highlight_sites.empty:
        places.append(("marker", HIGHLIGHT_STYLE, spec.highlight_label))
    for layer in spec.marker_layers:
        if not layer.points.empty:
            places.append(("marker", layer.style, layer.label))
    return places


def _access_entries(spec: PrintMapSpec) -> list[LegendEntry]:
    access: list[LegendEntry] = []
    if spec.catchments is not None:
        for threshold, color in catchment_colors(spec.catchments["threshold_min"]).items():
            style = {"color": color, "linewidth": 1.4, "linestyle": (0, (4, 2))}
            access.append(("line", style, catchment_label_fr(threshold)))
    if spec.zones is not None and not spec.zones.empty:
        label = "Zone sous-desservie"
        if "rank" in spec.zones.columns:
            label += " (n° = rang de priorité)"
        access.append(("patch", ZONE_STYLE, label))
    return access
