"""Interactive folium maps of Sarthe communes that work without internet.

``commune_map`` builds a classed choropleth with EPCI outlines, sites and catchment
areas; ``map_to_html`` turns any folium map into a standalone HTML document in which
Leaflet (vendored in ``geo/assets``) is inlined and no external resource is linked.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from typing import Literal

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.utilities import color_brewer

from geo.formatting import MISSING_TEXT_FR, format_number_fr, format_percent_fr
from geo.settings import ASSETS_DIR, LONLAT_CRS, WORK_CRS
from geo.sites import SITE_TYPES

Scheme = Literal["quantiles", "equal_interval", "natural_breaks", "categorical"]

#: Map legend labels: the site types of :data:`geo.sites.SITE_TYPES`, shorter where
#: the legend is narrow, plus the mobile-session stops drawn by the tours pages.
SITE_TYPE_LABELS_FR: dict[str, str] = {
    **SITE_TYPES,
    "data_inclusion": "Structure d'inclusion (data·inclusion)",
    "user": "Site ajouté",
    "mobile_stop": "Arrêt de tournée mobile",
}

#: Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

SITE_TYPE_COLORS: dict[str, str] = {
    "cnfs_permanence": "#D55E00",
    "france_services": "#0072B2",
    "library": "#009E73",
    "town_hall": "#000000",
    "data_inclusion": "#CC79A7",
    "user": "#E69F00",
}

#: ColorBrewer sequential palette (colour-blind safe) for numeric choropleths.
SEQUENTIAL_PALETTE: str = "YlGnBu"
MISSING_COLOR: str = "#c8c8c8"
MISSING_LABEL_FR: str = "Donnée manquante"
OTHER_LABEL_FR: str = "Autres"

#: Simplification tolerance (metres, EPSG:2154) and coordinate rounding (≈1 m) for GeoJSON.
SIMPLIFY_TOLERANCE_M: float = 50.0
COORD_DECIMALS: int = 5

_BACKGROUND_COLOR = "#f4f3ee"
_MAX_CATEGORIES = len(OKABE_ITO) - 1  # black is kept out of the fill colours
_JENKS_MAX_VALUES = 2000
_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTRIBUTION = "© les contributrices et contributeurs d'OpenStreetMap"

_MAP_CSS = f"""
.leaflet-container {{ background: {_BACKGROUND_COLOR}; font-family: system-ui, sans-serif; }}
.maillage-box {{ background: rgba(255, 255, 255, 0.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); font-size: 13px; line-height: 1.35; color: #222;
  max-width: 320px; }}
.maillage-title {{ font-size: 15px; font-weight: 600; }}
.maillage-legend h4 {{ margin: 0 0 4px; font-size: 13px; }}
.maillage-legend ul {{ list-style: none; margin: 0; padding: 0; }}
.maillage-legend li {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; }}
.maillage-swatch {{ flex: none; width: 18px; height: 12px; border: 1px solid #777; }}
.maillage-dot {{ flex: none; width: 10px; height: 10px; border-radius: 50%;
  border: 1px solid #fff; box-shadow: 0 0 0 1px #777; }}
.maillage-line {{ flex: none; width: 18px; height: 0; border-top: 3px dashed; }}
.leaflet-control-layers {{ font-size: 13px; }}
.maillage-popup .leaflet-popup-content {{ font-size: 13px; min-width: 300px; }}
.maillage-popup td {{ min-width: 140px; }}
.maillage-popup th {{ text-align: left; font-weight: 600; padding-right: 8px;
  white-space: nowrap; }}
"""


@dataclass(frozen=True)
class Classification:
    """Result of classing one column for a choropleth.

    Attributes
    ----------
    codes : numpy.ndarray
        Class index of each value (aligned with the input), ``-1`` when missing.
    labels : list of str
        French legend label of each class (e.g. ``"1 234 – 5 678"``).
    colors : list of str
        Hex fill colour of each class.
    bounds : numpy.ndarray or None
        Class bounds (``len(labels) + 1`` values), ``None`` for the categorical scheme.
    n_missing : int
        Number of missing values.
    """

    codes: np.ndarray
    labels: list[str]
    colors: list[str]
    bounds: np.ndarray | None
    n_missing: int


def classify(
    values: pd.Series,
    scheme: Scheme = "quantiles",
    n_classes: int = 5,
    *,
    decimals: int | None = None,
    percent: bool = False,
    category_colors: Mapping[object, str] | None = None,
) -> Classification:
    """Class a column into coloured legend classes.

    Parameters
    ----------
    values : pandas.Series
        Numeric values (or any values for ``"categorical"``); NaN/None are missing.
    scheme : {"quantiles", "equal_interval", "natural_breaks", "categorical"}
        Classification method. ``"natural_breaks"`` is the exact Fisher–Jenks
        optimum (minimal within-class variance).
    n_classes : int, default 5
        Wanted number of classes; fewer are made when the data has fewer distinct values.
    decimals : int, optional
        Decimals of the legend bounds; chosen from the value range when omitted.
    percent : bool, default False
        Values are 0–1 shares and bounds are shown as percentages.
    category_colors : mapping, optional
        Fixed colour of some categories (e.g. a neutral grey for "no problem"); the
        others take the Okabe–Ito palette. A categorical dtype keeps its order.

    Returns
    -------
    Classification
    """
    if n_classes < 1:
        raise ValueError("n_classes must be at least 1")
    missing = values.isna().to_numpy()
    if scheme == "categorical":
        return _classify_categorical(values, missing, percent, category_colors or {})
    numeric = pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    present = numeric[~missing]
    codes = np.full(len(values), -1, dtype=int)
    if present.size == 0:
        return Classification(codes, [], [], None, int(missing.sum()))
    bounds = _class_bounds(present, scheme, n_classes)
    # Classes are (lower, upper], the first one also holds the minimum.
    codes[~missing] = np.searchsorted(bounds[1:-1], present, side="left")
    if decimals is None:
        decimals = _auto_decimals(present * 100 if percent else present)
        # Skewed data (many zeros) gives close bounds: add decimals until they read apart.
        distinct = np.unique(bounds)
        while decimals < 3 and len({_format_value(b, decimals, percent) for b in distinct}) < len(
            distinct
        ):
            decimals += 1
    labels = [
        f"{_format_value(lo, decimals, percent)} – {_format_value(hi, decimals, percent)}"
        for lo, hi in pairwise(bounds)
    ]
    return Classification(
        codes, labels, _sequential_colors(len(labels)), bounds, int(missing.sum())
    )


def _class_bounds(present: np.ndarray, scheme: str, n_classes: int) -> np.ndarray:
    lo, hi = float(present.min()), float(present.max())
    if lo == hi:
        return np.array([lo, hi])
    if scheme == "quantiles":
        bounds = np.quantile(present, np.linspace(0, 1, n_classes + 1))
    elif scheme == "equal_interval":
        bounds = np.linspace(lo, hi, n_classes + 1)
    elif scheme == "natural_breaks":
        bounds = _jenks_bounds(present, n_classes)
    else:
        raise ValueError(f"unknown classification scheme: {scheme!r}")
    return np.unique(bounds)


def _jenks_bounds(present: np.ndarray, n_classes: int) -> np.ndarray:
    """Fisher–Jenks optimal breaks by dynamic programming over sorted values."""
    x = np.sort(present)
    if x.size > _JENKS_MAX_VALUES:
        # The O(n²) cost matrix stays small; evenly spaced quantiles keep the shape.
        x = np.quantile(x, np.linspace(0, 1, _JENKS_MAX_VALUES))
    n = x.size
    k_max = min(n_classes, n)
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    start = np.arange(n + 1)[:, None]
    end = np.arange(n + 1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        # ssd[i, j]: sum of squared deviations of x[i:j], infinite when i >= j.
        ssd = (s2[end] - s2[start]) - (s1[end] - s1[start]) ** 2 / (end - start)
    ssd = np.where(end > start, np.maximum(ssd, 0.0), np.inf)
    cost = ssd[0].copy()
    back = np.zeros((k_max + 1, n + 1), dtype=int)
    for k in range(2, k_max + 1):
        total = cost[:, None] + ssd
        back[k] = np.argmin(total, axis=0)
        cost = total[back[k], np.arange(n + 1)]
    ends = [n]
    for k in range(k_max, 1, -1):
        ends.append(back[k][ends[-1]])
    ends.reverse()
    return np.array([x[0], *(x[e - 1] for e in ends)])


def _classify_categorical(
    values: pd.Series, missing: np.ndarray, percent: bool, fixed: Mapping[object, str]
) -> Classification:
    counts = values[~missing].value_counts(sort=True)
    categories = list(counts.index)
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = [c for c in values.cat.categories if counts.get(c, 0) > 0]
        labels = [_category_label(c, percent) for c in categories]
    elif len(categories) > _MAX_CATEGORIES:
        # Keep the most frequent categories; the rest share the last colour.
        categories = categories[: _MAX_CATEGORIES - 1]
        labels = [_category_label(c, percent) for c in categories] + [OTHER_LABEL_FR]
    else:
        categories.sort(key=lambda c: (str(type(c)), c))
        labels = [_category_label(c, percent) for c in categories]
    index = {c: i for i, c in enumerate(categories)}
    other = len(labels) - 1
    codes = np.array(
        [-1 if m else index.get(v, other) for v, m in zip(values, missing, strict=True)],
        dtype=int,
    )
    palette = iter(c for c in OKABE_ITO if c not in fixed.values())
    colors = [fixed.get(c) or next(palette) for c in categories]
    colors += [next(palette) for _ in range(len(labels) - len(colors))]
    return Classification(codes, labels, colors, None, int(missing.sum()))


def _sequential_colors(n: int) -> list[str]:
    # ColorBrewer has no 1- or 2-class scheme: take them from the 3-class one.
    if n < 3:
        return color_brewer(SEQUENTIAL_PALETTE, 3)[3 - n :]
    return color_brewer(SEQUENTIAL_PALETTE, n)


def _auto_decimals(values: np.ndarray) -> int:
    if np.allclose(values, np.round(values)):
        return 0
    span = float(values.max() - values.min())
    if span >= 50:
        return 0
    return 1 if span >= 5 else 2


def _format_value(x: object, decimals: int, percent: bool) -> str:
    return format_percent_fr(x, decimals) if percent else format_number_fr(x, decimals)


def _category_label(value: object, percent: bool) -> str:
    if isinstance(value, bool | np.bool_):
        return "Oui" if value else "Non"
    if isinstance(value, int | float | np.number):
        return _format_value(value, 0 if float(value).is_integer() else 2, percent)
    return str(value)


def _format_column(values: pd.Series, percent: bool) -> list[str]:
    """Format a column for popups and tooltips, HTML-escaped (shown through innerHTML)."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        texts = [MISSING_TEXT_FR if pd.isna(v) else _category_label(v, percent) for v in values]
    else:
        numeric = values.astype(float).to_numpy()
        present = numeric[~np.isnan(numeric)]
        decimals = _auto_decimals(present * 100 if percent else present) if present.size else 0
        texts = [_format_value(v, decimals, percent) for v in numeric]
    return [html.escape(t) for t in texts]


def _light_geojson(gdf: gpd.GeoDataFrame, *, coverage: bool = False) -> dict:
    """Simplify in EPSG:2154, reproject to EPSG:4326 and round coordinates."""
    gdf = gdf.to_crs(WORK_CRS)
    geoms = gdf.geometry
    if coverage and shapely.coverage_is_valid(geoms.values):
        # Coverage simplification keeps shared borders identical: no slivers.
        simplified = geoms.simplify_coverage(SIMPLIFY_TOLERANCE_M)
    else:
        simplified = geoms.simplify(SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    out = gdf.set_geometry(simplified).to_crs(LONLAT_CRS)
    out = out.set_geometry(
        shapely.transform(out.geometry.values, lambda c: np.round(c, COORD_DECIMALS))
    )
    return json.loads(out.to_json(na="null", drop_id=False))


def _js_string(text: str) -> str:
    """JavaScript string literal that is safe inside an inline ``<script>``."""
    literal = json.dumps(text, ensure_ascii=False)
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _HtmlControl(branca.element.MacroElement):
    """A Leaflet control showing fixed HTML (title or legend) in a map corner."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
            div.innerHTML = {{ this.html_literal }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, inner_html: str, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.position = position
        self.css_class = f"maillage-box {css_class}"
        self.html_literal = _js_string(inner_html)


class _MapStyle(branca.element.MacroElement):
    """Page-level CSS of Maillage maps (background, legends, popups)."""

    _template = branca.element.Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapStyle"
        self.css = _MAP_CSS


def _legend_html(title: str, entries: list[tuple[str, str, str]]) -> str:
    """Legend markup; entries are (swatch kind, colour, label)."""
    items = []
    for kind, color, label in entries:
        if kind == "line":
            swatch = f'<span class="maillage-line" style="border-color:{color}"></span>'
        else:
            swatch = f'<span class="maillage-{kind}" style="background:{color}"></span>'
        items.append(f"<li>{swatch}<span>{html.escape(label)}</span></li>")
    return f"<h4>{html.escape(title)}</h4><ul>{''.join(items)}</ul>"


def commune_map(
    communes: gpd.GeoDataFrame,
    column: str,
    *,
    title: str,
    legend_title: str,
    scheme: Scheme = "quantiles",
    n_classes: int = 5,
    epci: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    site_types_labels: Mapping[str, str] | None = None,
    popup_columns: Mapping[str, str] | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    percent_columns: Collection[str] = (),
    category_colors: Mapping[object, str] | None = None,
    circuits: gpd.GeoDataFrame | None = None,
    tiles: bool = False,
) -> folium.Map:
    """Build a classed choropleth of one commune column, with optional overlays.

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        Communes (any CRS, normally EPSG:2154), index ``code_insee``, with a ``name``
        column and the mapped column.
    column : str
        Column to map, numeric or (with ``scheme="categorical"``) categorical.
    title : str
        French map title, shown in the top-right corner.
    legend_title : str
        French title of the choropleth legend and name of the layer.
    scheme : {"quantiles", "equal_interval", "natural_breaks", "categorical"}
        Classification method, see :func:`classify`.
    n_classes : int, default 5
        Number of classes of the numeric schemes.
    epci : geopandas.GeoDataFrame, optional
        EPCI polygons with ``epci_name``, drawn as dark outlines.
    sites : geopandas.GeoDataFrame, optional
        Point sites with ``site_type`` and ``name`` (and optionally ``n_advisors``,
        ``opening_hours``), one layer per type; town halls start hidden.
    site_types_labels : mapping, optional
        French label of each site type; defaults to :data:`SITE_TYPE_LABELS_FR`.
    popup_columns : mapping, optional
        Extra columns shown in the commune card, as ``{column: French label}``.
    catchments : geopandas.GeoDataFrame, optional
        Catchment polygons with a ``threshold_min`` column, drawn as outlines.
    percent_columns : collection of str, default ()
        Columns holding 0–1 shares, displayed as percentages.
    category_colors : mapping, optional
        Fixed colours of some categories (categorical scheme).
    circuits : geopandas.GeoDataFrame, optional
        Mobile circuits (LineStrings) with an ``advisor`` column, one colour per advisor.
    tiles : bool, default False
        Add an OpenStreetMap background (needs internet); plain background otherwise.

    Returns
    -------
    folium.Map
        Render it offline with :func:`map_to_html`.
    """
    if column not in communes.columns:
        raise KeyError(f"column {column!r} not in communes")
    popup_columns = dict(popup_columns or {})
    labels_fr = {**SITE_TYPE_LABELS_FR, **(site_types_labels or {})}
    classes = classify(
        communes[column],
        scheme,
        n_classes,
        percent=column in percent_columns,
        category_colors=category_colors,
    )

    bounds = communes.to_crs(LONLAT_CRS).total_bounds
    m = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    m.add_child(_MapStyle())
    if tiles:
        folium.TileLayer(
            _OSM_TILES, attr=_OSM_ATTRIBUTION, name="Fond OpenStreetMap", max_zoom=19
        ).add_to(m)

    _add_communes(m, communes, column, classes, legend_title, popup_columns, percent_columns, tiles)
    if epci is not None:
        _add_epci(m, epci)
    site_entries = _add_catchments(m, catchments) if catchments is not None else []
    if circuits is not None and len(circuits):
        site_entries += _add_circuits(m, circuits)
    if sites is not None:
        site_entries = _add_sites(m, sites, labels_fr) + site_entries

    legend = [("swatch", c, lab) for c, lab in zip(classes.colors, classes.labels, strict=True)]
    if classes.n_missing:
        legend.append(("swatch", MISSING_COLOR, MISSING_LABEL_FR))
    m.add_child(_HtmlControl(html.escape(title), "topright", "maillage-title"))
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(_HtmlControl(_legend_html(legend_title, legend), "bottomright", "maillage-legend"))
    if site_entries:
        m.add_child(
            _HtmlControl(_legend_html("Lieux", site_entries), "bottomleft", "maillage-legend")
        )
    return m


def _add_communes(
    m: folium.Map,
    communes: gpd.GeoDataFrame,
    column: str,
    classes: Classification,
    legend_title: str,
    popup_columns: Mapping[str, str],
    percent_columns: Collection[str],
    tiles: bool,
) -> None:
    card = {column: legend_title, **{c: lab for c, lab in popup_columns.items() if c != column}}
    props = pd.DataFrame(index=communes.index)
    props["name"] = [html.escape(str(n)) for n in communes["name"]]
    props["code_insee"] = communes.index.astype(str)
    props["c"] = classes.codes
    fields = ["name", "code_insee"]
    for i, (col, _) in enumerate(card.items()):
        props[f"p{i}"] = _format_column(communes[col], col in percent_columns)
        fields.append(f"p{i}")
    props.index = props["code_insee"]
    gdf = gpd.GeoDataFrame(props, geometry=communes.geometry.values, crs=communes.crs)
    data = _light_geojson(gdf, coverage=True)

    fills = [*classes.colors, MISSING_COLOR]  # code -1 picks the last one
    fill_opacity = 0.7 if tiles else 0.85  # let the background show through

    def style(feature: dict) -> dict:
        return {
            "fillColor": fills[feature["properties"]["c"]],
            "fillOpacity": fill_opacity,
            "color": "#ffffff",
            "weight": 0.6,
        }

    folium.GeoJson(
        data,
        name=legend_title,
        style_function=style,
        highlight_function=lambda _: {"weight": 2.5, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(["name", "p0"], aliases=["Commune", legend_title]),
        popup=folium.GeoJsonPopup(
            fields,
            aliases=["Commune", "Code INSEE", *card.values()],
            class_name="maillage-popup",
        ),
    ).add_to(m)


def _add_epci(m: folium.Map, epci: gpd.GeoDataFrame) -> None:
    props = gpd.GeoDataFrame(
        {"epci_name": [html.escape(str(n)) for n in epci["epci_name"]]},
        geometry=epci.geometry.values,
        crs=epci.crs,
    )
    folium.GeoJson(
        _light_geojson(props, coverage=True),
        name="Intercommunalités (EPCI)",
        style_function=lambda _: {"fill": False, "color": "#222222", "weight": 2},
        tooltip=folium.GeoJsonTooltip(["epci_name"], aliases=["EPCI"]),
    ).add_to(m)


def _add_catchments(m: folium.Map, catchments: gpd.GeoDataFrame) -> list[tuple[str, str, str]]:
    entries = []
    thresholds = sorted(catchments["threshold_min"].dropna().unique())
    palette = [OKABE_ITO[i] for i in (4, 0, 5, 6, 2, 1)]
    for i, threshold in enumerate(thresholds):
        color = palette[i % len(palette)]
        label = f"Zone d'accès ≤ {format_number_fr(threshold)} min"
        part = catchments.loc[catchments["threshold_min"] == threshold, ["geometry"]]
        folium.GeoJson(
            _light_geojson(part.reset_index(drop=True)),
            name=label,
            style_function=lambda _, c=color: {
                "fill": False,
                "color": c,
                "weight": 2,
                "dashArray": "6 4",
            },
        ).add_to(m)
        entries.append(("line", color, label))
    return entries


def _add_circuits(m: folium.Map, circuits: gpd.GeoDataFrame) -> list[tuple[str, str, str]]:
    lines = circuits.to_crs(LONLAT_CRS)
    group = folium.FeatureGroup(name="Tournées mobiles")
    advisors = sorted(lines["advisor"].astype(str).unique())
    colors = {a: OKABE_ITO[i % (len(OKABE_ITO) - 1)] for i, a in enumerate(advisors)}
    for advisor, geom in zip(lines["advisor"].astype(str), lines.geometry, strict=True):
        folium.PolyLine(
            [(round(y, 5), round(x, 5)) for x, y in geom.coords],
            color=colors[advisor],
            weight=3,
            opacity=0.85,
            tooltip=html.escape(advisor),
        ).add_to(group)
    group.add_to(m)
    # One entry only: advisors' names are in the tooltips and would crowd the legend.
    return [("line", colors[advisors[0]], "Tournée (une couleur par conseiller)")]


def _add_sites(
    m: folium.Map, sites: gpd.GeoDataFrame, labels_fr: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    entries = []
    present = set(sites["site_type"].dropna())
    ordered = [t for t in labels_fr if t in present] + sorted(present - set(labels_fr))
    for site_type in ordered:
        part = sites[sites["site_type"] == site_type]
        label = labels_fr.get(site_type, str(site_type))
        color = SITE_TYPE_COLORS.get(site_type, OKABE_ITO[1])
        is_town_hall = site_type == "town_hall"
        advisors = part["n_advisors"] if "n_advisors" in part else pd.Series(np.nan, part.index)
        hours = part["opening_hours"] if "opening_hours" in part else pd.Series(None, part.index)
        props = gpd.GeoDataFrame(
            {
                "name": [html.escape(str(n)) for n in part["name"]],
                "kind": html.escape(label),
                "advisors": _format_column(advisors.astype(float), False),
                "hours": [
                    html.escape(h) if isinstance(h, str) and h else MISSING_TEXT_FR for h in hours
                ],
            },
            geometry=part.geometry.values,
            crs=part.crs,
        )
        group = folium.FeatureGroup(name=label, show=not is_town_hall)
        folium.GeoJson(
            _light_geojson(props),
            control=False,
            marker=folium.CircleMarker(
                radius=3 if is_town_hall else 6,
                color="#ffffff",
                weight=1,
                fill=True,
                fill_color=color,
                fill_opacity=0.95,
            ),
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
            popup=folium.GeoJsonPopup(
                ["name", "kind", "advisors", "hours"],
                aliases=["Lieu", "Type", "Conseillers", "Horaires"],
                class_name="maillage-popup",
            ),
        ).add_to(group)
        group.add_to(m)
        entries.append(("dot", color, label))
    return entries


_FOLIUM_DEFAULTS = dict([*folium.Map.default_js, *folium.Map.default_css])
_RESOURCE_TAG = re.compile(
    r'<script src="(?P<js>[^"]*)"></script>|<link rel="stylesheet" href="(?P<css>[^"]*)"\s*/?>'
)
_JQUERY_USE = re.compile(r"(?<![\w$])\$(\(|\.ajax)")


def _leaflet_css() -> str:
    css = (ASSETS_DIR / "leaflet.css").read_text(encoding="utf-8")
    # Comments only hold links to browser bug trackers: drop them from the page.
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)

    def to_data_uri(match: re.Match) -> str:
        png = (ASSETS_DIR / match.group(1)).read_bytes()
        return f'url("data:image/png;base64,{base64.b64encode(png).decode("ascii")}")'

    return re.sub(r"url\(images/([\w-]+\.png)\)", to_data_uri, css)


def _leaflet_js() -> str:
    js = (ASSETS_DIR / "leaflet.js").read_text(encoding="utf-8")
    # The source map is not vendored: drop the comment so no file is requested.
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)


class _RemoteReferenceFinder(HTMLParser):
    """Collect src/href attributes pointing outside the document (script bodies are skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href") and value and _is_remote(value):
                self.remote.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.remote += re.findall(r"@import[^;]*|url\(\s*['\"]?(?:https?:)?//[^)]*\)", data)


def _is_remote(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://", "//"))


def remote_references(document: str) -> list[str]:
    """List the external resources an HTML document would load.

    Parameters
    ----------
    document : str
        HTML text.

    Returns
    -------
    list of str
        ``src``/``href`` attributes with an absolute or protocol-relative URL, and CSS
        ``@import`` or remote ``url()`` in ``<style>`` blocks. Text inside scripts (for
        instance a tile URL template) is not counted.
    """
    finder = _RemoteReferenceFinder()
    finder.feed(document)
    finder.close()
    return finder.remote


def map_to_html(m: folium.Map) -> str:
    """Render a folium map as a standalone HTML document that needs no internet.

    Leaflet's script and stylesheet (vendored in ``geo/assets``) are inlined, with the
    stylesheet's images as data URIs; folium's other default resources (jQuery,
    Bootstrap, Font Awesome, awesome-markers) are left out.

    Parameters
    ----------
    m : folium.Map
        Map to render; it must not use features needing the left-out libraries
        (``folium.Popup``, ``folium.Icon``, jQuery-based plugins).

    Returns
    -------
    str
        Complete HTML document.

    Raises
    ------
    ValueError
        If the map needs jQuery or awesome-markers, or if any external script,
        stylesheet or other resource reference remains.
    """
    document = m.get_root().render()
    inlined = {
        "leaflet": f"<script>{_leaflet_js()}</script>",
        "leaflet_css": f"<style>{_leaflet_css()}</style>",
    }
    url_keys = {url: key for key, url in _FOLIUM_DEFAULTS.items()}

    def replace(match: re.Match) -> str:
        key = url_keys.get(match.group("js") or match.group("css"))
        if key is None:
            return match.group(0)
        return inlined.get(key, "")

    scripts_only = _RESOURCE_TAG.sub("", document)
    if _JQUERY_USE.search(scripts_only) or "L.AwesomeMarkers" in scripts_only:
        raise ValueError(
            "map uses jQuery or awesome-markers (folium.Popup, folium.Icon or a plugin), "
            "which are not available offline; use GeoJsonPopup and CircleMarker instead"
        )
    # French users read kilometres only: drop Leaflet's imperial scale.
    document = document.replace("L.control.scale()", "L.control.scale({imperial: false})")
    standalone = _RESOURCE_TAG.sub(replace, document)
    remote = remote_references(standalone)
    if remote:
        raise ValueError(f"external resources remain in the map HTML: {remote}")
    return standalone
