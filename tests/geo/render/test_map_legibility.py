"""Maps readable at a laptop's width: access-zone lines apart, corner boxes off the territory.

Walk-through 3: the 20 and 30 min lines were two similar oranges, the 10 min blue dashes
vanished on the blue choropleth, and the legends and the open layer control hid the
southern and north-eastern communes at 1,100 px (measured in Chromium by
``tests/app/test_browser.py``; here, what the map is built with).
"""

import shutil
from itertools import combinations
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from branca.utilities import color_brewer

from geo.render import commune_map, map_to_html
from geo.render.style import (
    CATCHMENT_COLORS,
    CATCHMENT_DASHES,
    SEQUENTIAL_PALETTE,
    catchment_colors,
    catchment_dashes,
)

# Simulation of dichromacy at full severity in linear sRGB (Machado, Oliveira and
# Fernandes 2009, table 1, severity 1.0).
CVD = {
    "vision normale": np.eye(3),
    "protanopie": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deutéranopie": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopie": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}
_SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
#: CIE76 ΔE: about 2 is a just noticeable difference; 40 is two clearly different colours.
APART = 40.0
#: The thresholds the Carte draws (« Zones à 10, 20 et 30 min »).
SHOWN_MIN = (10, 20, 30)


def _lab(hex_color: str, vision: str = "vision normale") -> np.ndarray:
    srgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    xyz = _SRGB_TO_XYZ @ np.clip(CVD[vision] @ linear, 0, 1) / _WHITE_D65
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a: str, b: str, vision: str = "vision normale") -> float:
    return float(np.linalg.norm(_lab(a, vision) - _lab(b, vision)))


def test_colour_difference_matches_known_values():
    # Black and white are 100 apart in L*, the Lab of pure red is (53.2, 80.1, 67.2).
    assert _delta_e("#000000", "#ffffff") == pytest.approx(100, abs=0.1)
    assert _lab("#ff0000") == pytest.approx([53.24, 80.09, 67.20], abs=0.1)
    # A deuteranope sees red and green alike: much closer than with normal vision.
    assert _delta_e("#ff0000", "#00aa00", "deutéranopie") < 0.3 * _delta_e("#ff0000", "#00aa00")


@pytest.mark.parametrize("vision", list(CVD))
def test_the_three_zone_lines_stay_apart_for_every_vision(vision):
    colors = list(catchment_colors(SHOWN_MIN).values())
    gaps = {(a, b): round(_delta_e(a, b, vision)) for a, b in combinations(colors, 2)}
    assert min(gaps.values()) >= APART, gaps


def test_zone_lines_stand_out_of_every_choropleth_class():
    # Every class colour the maps can use: the 9-class scheme holds those of 3 to 8.
    classes = color_brewer(SEQUENTIAL_PALETTE, 9)
    nearest = {c: round(min(_delta_e(c, k) for k in classes)) for c in CATCHMENT_COLORS}
    shown = [catchment_colors(SHOWN_MIN)[float(t)] for t in SHOWN_MIN]
    assert all(nearest[c] >= APART for c in shown), nearest
    assert min(nearest.values()) >= 30, nearest
    assert len(set(CATCHMENT_COLORS)) == len(CATCHMENT_COLORS)


def test_zone_lines_have_their_own_dash_pattern():
    dashes = catchment_dashes([30, 10, 20, 20, float("nan")])
    assert list(dashes) == [10.0, 20.0, 30.0]
    assert dashes == dict(zip(dashes, CATCHMENT_DASHES[:3], strict=True))
    assert len(set(CATCHMENT_DASHES)) == len(CATCHMENT_DASHES)


@pytest.fixture(scope="module")
def zone_map(territory) -> folium.Map:
    communes = territory.communes
    centre = communes.loc["72181"].geometry.centroid  # Le Mans
    catchments = gpd.GeoDataFrame(
        {"threshold_min": list(SHOWN_MIN)},
        geometry=[centre.buffer(r) for r in (6_000, 14_000, 24_000)],
        crs=communes.crs,
    )
    return commune_map(
        communes,
        "population",
        title="Population municipale 2022",
        legend_title="Habitants",
        epci=territory.epci,
        sites=territory.sites[territory.sites["site_type"] == "cnfs_permanence"],
        catchments=catchments,
    )


def _layers(group: folium.FeatureGroup) -> list[folium.GeoJson]:
    return [c for c in group._children.values() if isinstance(c, folium.GeoJson)]


def test_each_zone_line_is_dashed_over_a_white_casing(zone_map):
    groups = {
        c.layer_name: c
        for c in zone_map._children.values()
        if isinstance(c, folium.FeatureGroup) and c.layer_name.startswith("Zone d'accès")
    }
    assert list(groups) == [f"Zone d'accès ≤ {t} min" for t in SHOWN_MIN]
    for threshold, group in zip(SHOWN_MIN, groups.values(), strict=True):
        casing, line = (layer.style_function(None) for layer in _layers(group))
        # The casing is drawn first (Leaflet draws a group's layers in that order).
        assert casing["color"] == "#ffffff" and casing["weight"] > 2 * line["weight"] > 4
        assert line["color"] == catchment_colors(SHOWN_MIN)[threshold]
        assert line["dashArray"] == catchment_dashes(SHOWN_MIN)[threshold]
        assert not casing["fill"] and not line["fill"]
    html = map_to_html(zone_map)
    # The legend draws each line with its dash pattern.
    for dash in CATCHMENT_DASHES[:3]:
        assert f'stroke-dasharray=\\"{dash}\\"' in html


def test_layer_control_is_collapsed_and_the_view_is_fitted_last(zone_map, territory):
    children = list(zone_map._children.values())
    control = next(c for c in children if isinstance(c, folium.LayerControl))
    assert control.options["collapsed"] is True
    # The fit measures the corner boxes: it must come after every one of them.
    assert type(children[-1]).__name__ == "_FitClearOfControls"
    (south, west), (north, east) = children[-1].bounds
    lon_lat = territory.communes.to_crs(4326).total_bounds
    assert [west, south, east, north] == pytest.approx(list(lon_lat))
    html = map_to_html(zone_map)
    assert '"Couches de la carte"' in html and '"Zoom arrière"' in html


# The map's corner boxes and the territory's frame, in pixels of the map container.
_MEASURE_JS = """
([south, west, north, east]) => {
    const map = Object.entries(window).find(
        ([name, value]) => name.startsWith("map_") && value && value._controlCorners
    )[1];
    const frame = map.getContainer().getBoundingClientRect();
    const boxes = Object.values(map._controlCorners)
        .filter((corner) => corner.children.length)
        .map((corner) => {
            const r = corner.getBoundingClientRect();
            return [r.left - frame.left, r.top - frame.top, r.right - frame.left,
                    r.bottom - frame.top];
        });
    const sw = map.latLngToContainerPoint([south, west]);
    const ne = map.latLngToContainerPoint([north, east]);
    return {boxes: boxes, territory: [sw.x, ne.y, ne.x, sw.y],
            size: [map.getSize().x, map.getSize().y]};
}
"""


def _drawn_frames(html: str, tmp_path, viewport: dict, bounds: list[float]) -> dict:
    """Open ``html`` in Chromium; the corner boxes and the frame of ``bounds`` (S, W, N, E)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    page_file = tmp_path / "carte.html"
    page_file.write_text(html, encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport=viewport)
        page.goto(page_file.as_uri())
        page.wait_for_selector("path.leaflet-interactive")
        page.wait_for_timeout(300)  # the fit runs once the corner boxes are laid out
        return page.evaluate(_MEASURE_JS, bounds)


@pytest.mark.browser
@pytest.mark.parametrize(
    "viewport", [{"width": 1000, "height": 620}, {"width": 1400, "height": 900}]
)
def test_the_territory_is_drawn_clear_of_every_corner_box(zone_map, territory, tmp_path, viewport):
    # At a laptop's width the legends and the layer control hid the southern communes.
    west, south, east, north = territory.communes.to_crs(4326).total_bounds
    drawn = _drawn_frames(map_to_html(zone_map), tmp_path, viewport, [south, west, north, east])
    left, top, right, bottom = drawn["territory"]
    width, height = drawn["size"]
    assert 0 <= left < right <= width and 0 <= top < bottom <= height, drawn
    for box in drawn["boxes"]:
        apart = box[2] <= left or right <= box[0] or box[3] <= top or bottom <= box[1]
        assert apart, (box, drawn["territory"])
    # Fitted, not merely shrunk: the territory spans most of one side of the free space.
    assert max((right - left) / width, (bottom - top) / height) > 0.4, drawn
