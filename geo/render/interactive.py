"""Interactive folium maps of communes: classed choropleth, EPCI, sites, catchments, tours.

:func:`commune_map` builds the map; :func:`geo.render.offline_html.map_to_html` turns
it into a standalone document that works without internet.
"""

from __future__ import annotations

import html
import json
from collections.abc import Collection, Mapping, Sequence

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import defaults
from geo.formatting import MISSING_TEXT_FR
from geo.render.classification import Classification, Scheme, classify, format_column_fr
from geo.render.style import (
    MISSING_COLOR,
    MISSING_LABEL_FR,
    OKABE_ITO,
    SITE_TYPE_COLORS,
    SITE_TYPE_LABELS_FR,
    catchment_colors,
    catchment_dashes,
    catchment_label_fr,
)
from geo.settings import LONLAT_CRS, WORK_CRS

__all__ = ["COORD_DECIMALS", "DECISION_STYLE", "SIMPLIFY_TOLERANCE_M", "commune_map"]

#: Simplification tolerance (metres, EPSG:2154) and coordinate rounding (≈1 m) for GeoJSON.
SIMPLIFY_TOLERANCE_M: float = 50.0
COORD_DECIMALS: int = 5

_BACKGROUND_COLOR = "#f4f3ee"
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
.maillage-line {{ flex: none; }}
.leaflet-control-layers {{ font-size: 13px; }}
/* Popups (pane z-index 700) open over the corner controls, never under them. */
.leaflet-top, .leaflet-bottom {{ z-index: 650; }}
.maillage-star {{ flex: none; width: 18px; text-align: center; font-size: 16px; line-height: 1;
  text-shadow: 0 0 2px #000; }}
.maillage-decision {{ font-size: 26px; line-height: 26px; text-align: center;
  text-shadow: -1px -1px 0 #000, 1px -1px 0 #000, -1px 1px 0 #000, 1px 1px 0 #000; }}
.maillage-note {{ font-size: 11px; color: #444; max-width: 300px; }}
.maillage-popup .leaflet-popup-content {{ font-size: 13px; min-width: 380px; }}
.maillage-popup td {{ min-width: 120px; }}
/* Long labels (« Fragilité numérique (IFN 2020 ; 100 = moyenne… ») wrap: on one line
   they pushed every value out of the card. */
.maillage-popup th {{ text-align: left; font-weight: 600; padding-right: 8px;
  max-width: 240px; white-space: normal; }}
"""

# (swatch kind, colour, label) or, for a dashed line, (kind, colour, label, dash array).
_LegendEntry = tuple[str, ...]


def _format_column(values: pd.Series, percent: bool) -> list[str]:
    """Format a column for popups and tooltips, HTML-escaped (shown through innerHTML)."""
    return [html.escape(t) for t in format_column_fr(values, percent)]


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


class _MetricScale(branca.element.MacroElement):
    """Leaflet's scale bar in kilometres only (French readers, any renderer of the map)."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


def _line_swatch(color: str, dash: str) -> str:
    """A short line drawn as on the map: colour, width and dash pattern."""
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        '<svg class="maillage-line" width="26" height="8" aria-hidden="true">'
        f'<line x1="1" y1="4" x2="25" y2="4" stroke="{color}" stroke-width="2.5"{dash_attr}/>'
        "</svg>"
    )


class _FitClearOfControls(branca.element.MacroElement):
    """Fit the territory in the part of the map its corner boxes leave free.

    The title, layer control, legends, zoom buttons and scale bar sit in the map's
    corners; at a laptop's width they hid the southern communes and the north-east
    tours. Each corner's box is measured in the browser and reserved either beside or
    above/below the territory, whichever of the 16 choices gives the largest zoom; the
    view is fitted again when the map is resized, unless the reader has moved it.
    """

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
            var GAP = 6, fitting = false, moved = false;
            function box(corner) {
                var el = map._controlCorners[corner];
                if (!el || !el.children.length) { return [0, 0]; }
                var r = el.getBoundingClientRect();
                return [r.width + GAP, r.height + GAP];
            }
            function padding(corners, mask) {
                var pad = {top: 0, right: 0, bottom: 0, left: 0};
                corners.forEach(function (c, i) {
                    var side = (mask >> i) & 1 ? c.x : c.y, size = (mask >> i) & 1 ? c.w : c.h;
                    pad[side] = Math.max(pad[side], size);
                });
                return pad;
            }
            function fit() {
                var size = map.getSize(), best = null;
                if (!size.x || !size.y) { return; }
                var corners = ["topleft", "topright", "bottomleft", "bottomright"].map(
                    function (name) {
                        var wh = box(name);
                        return {x: name.slice(-4) === "left" ? "left" : "right",
                                y: name.slice(0, 3) === "top" ? "top" : "bottom",
                                w: wh[0], h: wh[1]};
                    });
                for (var mask = 0; mask < 16; mask++) {
                    var pad = padding(corners, mask);
                    var free = L.point(pad.left + pad.right, pad.top + pad.bottom);
                    if (free.x >= size.x - 40 || free.y >= size.y - 40) { continue; }
                    var zoom = map.getBoundsZoom(bounds, false, free);
                    if (!best || zoom > best.zoom) { best = {zoom: zoom, pad: pad}; }
                }
                var options = {animate: false};
                if (best) {
                    options.paddingTopLeft = [best.pad.left, best.pad.top];
                    options.paddingBottomRight = [best.pad.right, best.pad.bottom];
                }
                fitting = true;
                map.fitBounds(bounds, options);
                fitting = false;
            }
            map.on("dragstart zoomstart", function () { moved = moved || !fitting; });
            map.on("resize", function () { if (!moved) { fit(); } });
            fit();
            map.whenReady(fit);
        })({{ this._parent.get_name() }}, L.latLngBounds({{ this.bounds|tojson }}));
        {% endmacro %}
        """
    )

    def __init__(self, communes: gpd.GeoDataFrame) -> None:
        super().__init__()
        self._name = "FitClearOfControls"
        west, south, east, north = communes.to_crs(LONLAT_CRS).total_bounds
        self.bounds = [[float(south), float(west)], [float(north), float(east)]]


class _FrenchControlTitles(branca.element.MacroElement):
    """French tooltips of Leaflet's zoom buttons and layer toggle (English by default)."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function (root) {
            var titles = {".leaflet-control-zoom-in": "Zoom avant",
                          ".leaflet-control-zoom-out": "Zoom arrière",
                          ".leaflet-control-layers-toggle": "Couches de la carte"};
            Object.keys(titles).forEach(function (selector) {
                root.querySelectorAll(selector).forEach(function (el) {
                    el.title = titles[selector];
                    el.setAttribute("aria-label", titles[selector]);
                });
            });
        })({{ this._parent.get_name() }}.getContainer());
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FrenchControlTitles"


def _legend_html(title: str, entries: list[_LegendEntry]) -> str:
    """Legend markup; entries are (swatch kind, colour, label[, dash array])."""
    items = []
    for kind, color, label, *dash in entries:
        if kind == "line":
            swatch = _line_swatch(color, dash[0] if dash else "")
        elif kind == "star":
            swatch = f'<span class="maillage-star" style="color:{color}">★</span>'
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
    scheme: Scheme = defaults.MAP_CLASS_SCHEME,
    n_classes: int = defaults.MAP_N_CLASSES,
    user_bounds: Sequence[float] | None = None,
    epci: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    site_types_labels: Mapping[str, str] | None = None,
    popup_columns: Mapping[str, str] | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    percent_columns: Collection[str] = (),
    category_colors: Mapping[object, str] | None = None,
    circuits: gpd.GeoDataFrame | None = None,
    decisions: gpd.GeoDataFrame | None = None,
    notes: Sequence[str] = (),
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
    title, legend_title : str
        French map title (top-right corner, and the HTML page's ``<title>``, which names
        the browser tab of a shared file); title of the legend and name of the layer.
    scheme : {"quantiles", "equal_interval", "natural_breaks", "user_defined", "categorical"}
        Classification method, see :func:`geo.render.classification.classify`.
    n_classes : int, default :data:`geo.defaults.MAP_N_CLASSES`
        Number of classes of the numeric schemes.
    user_bounds : sequence of float, optional
        Upper bounds of the classes of the ``"user_defined"`` scheme.
    epci : geopandas.GeoDataFrame, optional
        EPCI polygons with ``epci_name``, drawn as dark outlines.
    sites : geopandas.GeoDataFrame, optional
        Point sites with ``site_type`` and ``name`` (and optionally ``n_advisors``,
        ``opening_hours``), one layer per type; town halls start hidden.
    site_types_labels : mapping, optional
        French label of some site types, over :data:`geo.render.style.SITE_TYPE_LABELS_FR`.
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
    decisions : geopandas.GeoDataFrame, optional
        The scenario's new and reinforced advisors (``site_id``, ``name``, ``kind``
        ``"new_site"``/``"reinforce"``, optionally ``advisors``, ``persons_served``,
        ``why``), see :func:`equity.decision_table.decision_sites`. Drawn as stars on
        their own layer, always shown; their ids are left out of ``sites``.
    notes : sequence of str, default ()
        Lines shown under the title (scenario, date, sources, travel model): they stay
        with the map once it is shared as a file.
    tiles : bool, default False
        Add an OpenStreetMap background (needs internet); plain background otherwise.

    Returns
    -------
    folium.Map
        Render it offline with :func:`geo.render.offline_html.map_to_html`.
    """
    if column not in communes.columns:
        raise KeyError(f"column {column!r} not in communes")
    labels_fr = {**SITE_TYPE_LABELS_FR, **(site_types_labels or {})}
    classes = classify(
        communes[column],
        scheme,
        n_classes,
        user_bounds=user_bounds,
        percent=column in percent_columns,
        category_colors=category_colors,
    )

    m = _base_map(communes, tiles)
    # branca writes the figure title into <title> unescaped.
    m.get_root().title = html.escape(title)
    card = {column: legend_title, **{c: t for c, t in (popup_columns or {}).items() if c != column}}
    _add_communes(m, communes, classes, legend_title, card, percent_columns, tiles)
    if epci is not None:
        _add_epci(m, epci)
    site_entries = _add_catchments(m, catchments) if catchments is not None else []
    if circuits is not None and len(circuits):
        site_entries += _add_circuits(m, circuits)
    if sites is not None and decisions is not None:
        sites = sites[~sites["site_id"].isin(decisions["site_id"])]
    if sites is not None and len(sites):
        site_entries = _add_sites(m, sites, labels_fr) + site_entries
    if decisions is not None and len(decisions):
        site_entries = _add_decisions(m, decisions) + site_entries
    _add_controls(m, title, legend_title, classes, site_entries, notes)
    # Last: every corner box must be on the map when the view is fitted around them.
    m.add_child(_FitClearOfControls(communes))
    return m


def _base_map(communes: gpd.GeoDataFrame, tiles: bool) -> folium.Map:
    """An empty map fitted to the communes, with Maillage's style and optional tiles."""
    bounds = communes.to_crs(LONLAT_CRS).total_bounds
    # A fine zoom step: fitted around the corner boxes, the territory loses at most 7 %.
    m = folium.Map(tiles=None, zoom_snap=0.1)
    m.add_child(_MetricScale())
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    m.add_child(_MapStyle())
    if tiles:
        folium.TileLayer(
            _OSM_TILES, attr=_OSM_ATTRIBUTION, name="Fond OpenStreetMap", max_zoom=19
        ).add_to(m)
    return m


def _add_controls(
    m: folium.Map,
    title: str,
    legend_title: str,
    classes: Classification,
    site_entries: list[_LegendEntry],
    notes: Sequence[str] = (),
) -> None:
    """Title (and notes), layer control, choropleth legend and the legend of places."""
    legend = [("swatch", c, lab) for c, lab in zip(classes.colors, classes.labels, strict=True)]
    if classes.n_missing:
        legend.append(("swatch", MISSING_COLOR, MISSING_LABEL_FR))
    heading = html.escape(title) + "".join(
        f'<div class="maillage-note">{html.escape(n)}</div>' for n in notes
    )
    m.add_child(_HtmlControl(heading, "topright", "maillage-title"))
    # Collapsed to its button (it opens on hover or tap): open, it covered the north-east.
    folium.LayerControl(collapsed=True).add_to(m)
    m.add_child(_FrenchControlTitles())
    m.add_child(_HtmlControl(_legend_html(legend_title, legend), "bottomright", "maillage-legend"))
    if site_entries:
        m.add_child(
            _HtmlControl(_legend_html("Lieux", site_entries), "bottomleft", "maillage-legend")
        )


def _add_communes(
    m: folium.Map,
    communes: gpd.GeoDataFrame,
    classes: Classification,
    legend_title: str,
    card: Mapping[str, str],
    percent_columns: Collection[str],
    tiles: bool,
) -> None:
    """The choropleth layer; ``card`` maps the shown columns (mapped one first) to labels."""
    props = pd.DataFrame(index=communes.index)
    props["name"] = [html.escape(str(n)) for n in communes["name"]]
    props["code_insee"] = communes.index.astype(str)
    props["c"] = classes.codes
    fields = ["name", "code_insee"]
    for i, col in enumerate(card):
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
            # Leaflet pans the map so that the card clears the title and layer control
            # (the map's panes cannot rise above its controls).
            auto_pan_padding_top_left=[10, 190],
            max_width=460,
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


#: Catchment outlines: width of the dashed line, and of the white casing drawn under it
#: so that the line stands out on the lightest and the darkest classes alike.
_CATCHMENT_WEIGHT = 2.5
_CATCHMENT_CASING_WEIGHT = 5.5


def _add_catchments(m: folium.Map, catchments: gpd.GeoDataFrame) -> list[_LegendEntry]:
    """One layer per threshold: a white casing, then the dashed line in the zone's colour."""
    entries = []
    dashes = catchment_dashes(catchments["threshold_min"])
    for threshold, color in catchment_colors(catchments["threshold_min"]).items():
        label = catchment_label_fr(threshold)
        part = catchments.loc[catchments["threshold_min"] == threshold, ["geometry"]]
        data = _light_geojson(part.reset_index(drop=True))
        group = folium.FeatureGroup(name=label)
        # Leaflet draws a group's layers in the order they were made: casing first.
        for style in (
            {"color": "#ffffff", "weight": _CATCHMENT_CASING_WEIGHT, "opacity": 0.85},
            {"color": color, "weight": _CATCHMENT_WEIGHT, "dashArray": dashes[threshold]},
        ):
            folium.GeoJson(
                data,
                control=False,
                interactive=False,
                style_function=lambda _, st=style: {"fill": False, **st},
            ).add_to(group)
        group.add_to(m)
        entries.append(("line", color, label, dashes[threshold]))
    return entries


def _add_circuits(m: folium.Map, circuits: gpd.GeoDataFrame) -> list[_LegendEntry]:
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


def _site_properties(part: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Escaped popup fields of the sites of one type."""
    advisors = part["n_advisors"] if "n_advisors" in part else pd.Series(np.nan, part.index)
    hours = part["opening_hours"] if "opening_hours" in part else pd.Series(None, part.index)
    return gpd.GeoDataFrame(
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


def _add_sites(
    m: folium.Map, sites: gpd.GeoDataFrame, labels_fr: Mapping[str, str]
) -> list[_LegendEntry]:
    entries = []
    present = set(sites["site_type"].dropna())
    ordered = [t for t in labels_fr if t in present] + sorted(present - set(labels_fr))
    for site_type in ordered:
        label = labels_fr.get(site_type, str(site_type))
        color = SITE_TYPE_COLORS.get(site_type, OKABE_ITO[1])
        is_town_hall = site_type == "town_hall"
        props = _site_properties(sites[sites["site_type"] == site_type], label)
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


#: Colour and French legend label of each kind of decision (stars on the map).
DECISION_STYLE: dict[str, tuple[str, str]] = {
    "new_site": ("#E69F00", "Nouveau conseiller (nouveau lieu)"),
    "reinforce": ("#CC79A7", "Conseiller en renfort d'une permanence"),
}


def _decision_properties(part: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Escaped popup fields of the decisions of one kind."""
    n = len(part)
    advisors = part["advisors"] if "advisors" in part else pd.Series(1.0, part.index)
    served = part["persons_served"] if "persons_served" in part else pd.Series(np.nan, part.index)
    why = part["why"] if "why" in part else pd.Series("", part.index)
    return gpd.GeoDataFrame(
        {
            "name": [html.escape(str(v)) for v in part["name"]],
            "kind": [html.escape(label)] * n,
            "advisors": _format_column(advisors.astype(float), False),
            "served": _format_column(served.astype(float).round(), False),
            "why": [html.escape(str(v)) if isinstance(v, str) else MISSING_TEXT_FR for v in why],
        },
        geometry=part.geometry.values,
        crs=part.crs,
    )


def _add_decisions(m: folium.Map, decisions: gpd.GeoDataFrame) -> list[_LegendEntry]:
    """New and reinforced advisors as stars on a layer of their own, never hidden."""
    kinds = decisions["kind"] if "kind" in decisions else pd.Series("new_site", decisions.index)
    kinds = kinds.where(kinds.isin(list(DECISION_STYLE)), "new_site")
    entries = []
    for kind, (color, label) in DECISION_STYLE.items():
        part = decisions[kinds == kind]
        if part.empty:
            continue
        star = f'<div class="maillage-decision maillage-{kind}" style="color:{color}">★</div>'
        # Outside the layer control: a decision must always show.
        folium.GeoJson(
            _light_geojson(_decision_properties(part, label)),
            control=False,
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=star,
                    icon_size=(26, 26),
                    icon_anchor=(13, 13),
                    class_name="maillage-decision-icon",
                ),
                z_index_offset=1000,
            ),
            tooltip=folium.GeoJsonTooltip(["name", "kind"], labels=False),
            popup=folium.GeoJsonPopup(
                ["name", "kind", "advisors", "served", "why"],
                aliases=[
                    "Lieu",
                    "Décision",
                    "Conseillers ajoutés",
                    "Personnes accompagnées",
                    "Pourquoi",
                ],
                class_name="maillage-popup",
            ),
        ).add_to(m)
        entries.append(("star", color, label))
    return entries
