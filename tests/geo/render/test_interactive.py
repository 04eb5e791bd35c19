"""Interactive commune maps built from the real Sarthe files, rendered offline."""

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.render import (
    CATCHMENT_COLORS,
    MISSING_COLOR,
    MISSING_LABEL_FR,
    classify,
    commune_map,
    map_to_html,
    remote_references,
)
from geo.settings import RAW_DIR

NNBSP = "\u202f"
FRENCH_INT = rf"\d{{1,3}}(?:{NNBSP}\d{{3}})*"
# URLs that Leaflet's own code holds as text (SVG namespace, attribution link), never loaded.
LEAFLET_TEXT_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    raw = gpd.read_file(RAW_DIR / "boundaries" / "communes_72_cog2025.geojson")
    population = pd.read_csv(
        RAW_DIR / "population" / "communes_72_population_epci.csv", dtype={"code_insee": str}
    ).set_index("code_insee")["population_municipale"]
    gdf = raw.rename(
        columns={
            "DEPCOM": "code_insee",
            "NOM_DEPCOM": "name",
            "EPCI": "epci_siren",
            "NOM_EPCI": "epci_name",
        }
    ).set_index("code_insee")
    gdf["population"] = population.reindex(gdf.index).astype(int)
    return gdf[["name", "population", "epci_siren", "epci_name", "geometry"]].to_crs(2154)


@pytest.fixture(scope="module")
def epci(communes) -> gpd.GeoDataFrame:
    return communes.dissolve("epci_siren", as_index=False)[["epci_siren", "epci_name", "geometry"]]


@pytest.fixture(scope="module")
def sites(communes) -> gpd.GeoDataFrame:
    fs = pd.read_csv(RAW_DIR / "sites" / "france_services_72_20240801.csv")
    france_services = gpd.GeoDataFrame(
        {
            "site_id": "fs-" + fs["id_fs"].astype(str),
            "site_type": "france_services",
            "name": fs["lib_fs"],
            "n_advisors": np.nan,
            "opening_hours": fs["h_lundi"],
        },
        geometry=gpd.points_from_xy(fs["longitude"], fs["latitude"]),
        crs="EPSG:4326",
    ).to_crs(2154)
    town_halls = gpd.GeoDataFrame(
        {
            "site_id": "mairie-" + communes.index,
            "site_type": "town_hall",
            "name": "Mairie de " + communes["name"],
            "n_advisors": np.nan,
            "opening_hours": None,
        },
        geometry=communes.representative_point().values,
        crs=communes.crs,
    )
    return pd.concat([france_services, town_halls], ignore_index=True)


@pytest.fixture(scope="module")
def full_map(communes, epci, sites) -> folium.Map:
    return commune_map(
        communes,
        "population",
        title="Population municipale 2022",
        legend_title="Habitants",
        epci=epci,
        sites=sites,
        popup_columns={"epci_name": "Intercommunalité"},
    )


@pytest.fixture(scope="module")
def full_html(full_map) -> str:
    return map_to_html(full_map)


def _text(page: str) -> str:
    """Page with JSON ``\\uXXXX`` escapes decoded, as a browser would show the strings."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def _without_scripts(page: str) -> str:
    return re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)


def _commune_layer(m: folium.Map, name: str) -> folium.GeoJson:
    return next(
        c for c in m._children.values() if isinstance(c, folium.GeoJson) and c.layer_name == name
    )


def test_html_is_standalone(full_html):
    assert full_html.startswith("<!DOCTYPE html>")
    assert remote_references(full_html) == []
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", _without_scripts(full_html))
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", full_html))
    assert urls <= LEAFLET_TEXT_URLS
    assert "L.map(" in full_html and "leaflet-control-layers" in full_html  # Leaflet inlined
    assert "data:image/png;base64," in full_html


def test_html_has_every_commune_once_and_stays_small(full_map, full_html):
    assert len(_commune_layer(full_map, "Habitants").data["features"]) == 352
    assert len(set(re.findall(r'"code_insee":\s*"(72\d{3})"', full_html))) == 352
    assert len(full_html.encode()) < 1_500_000


def test_legend_shows_five_french_classes(communes, full_html):
    classes = classify(communes["population"], "quantiles", 5)
    assert len(classes.labels) == 5
    for label in classes.labels:
        assert re.fullmatch(rf"{FRENCH_INT} – {FRENCH_INT}", label)
        assert label in full_html
    assert classes.labels[-1].endswith(f"146{NNBSP}249")  # Le Mans
    assert MISSING_LABEL_FR not in full_html


def test_popup_and_tooltips(full_html):
    full_html = _text(full_html)
    assert '"name": "Le Mans"' in full_html
    assert '"code_insee": "72181"' in full_html
    assert "Code INSEE" in full_html and "Intercommunalité" in full_html
    assert "CU Le Mans Métropole" in full_html  # EPCI outline tooltip and commune card
    assert f"146{NNBSP}249" in full_html  # population formatted in the card


def test_sites_layers(full_map, full_html):
    groups = {
        c.layer_name: c for c in full_map._children.values() if isinstance(c, folium.FeatureGroup)
    }
    assert set(groups) == {"France services", "Mairie"}
    assert groups["Mairie"].show is False and groups["France services"].show is True
    assert "France services Brûlon" in _text(full_html)
    assert "Intercommunalités (EPCI)" in _text(full_html)


def test_map_fits_sarthe(full_map):
    fit = next(c for c in full_map._children.values() if type(c).__name__ == "FitBounds")
    (south, west), (north, east) = fit.bounds
    assert 47.5 < south < 47.7 and 48.4 < north < 48.6
    assert -0.5 < west < -0.3 and 0.8 < east < 1.0


def test_missing_values_are_grey(communes):
    with_gaps = communes.copy()
    with_gaps["rate"] = np.linspace(0.1, 0.9, len(communes))
    with_gaps.loc[["72181", "72001"], "rate"] = np.nan
    m = commune_map(
        with_gaps,
        "rate",
        title="Taux",
        legend_title="Taux",
        scheme="equal_interval",
        percent_columns=["rate"],
    )
    page = map_to_html(m)
    assert MISSING_LABEL_FR in page and MISSING_COLOR in page
    assert f"10{NNBSP}% – 26{NNBSP}%" in page
    missing = [f for f in _commune_layer(m, "Taux").data["features"] if f["properties"]["c"] == -1]
    assert sorted(f["properties"]["code_insee"] for f in missing) == ["72001", "72181"]


def test_categorical_scheme(communes):
    m = commune_map(
        communes, "epci_name", title="EPCI", legend_title="Intercommunalité", scheme="categorical"
    )
    page = _text(map_to_html(m))
    assert "CU Le Mans Métropole" in page
    classes = classify(communes["epci_name"], "categorical")
    assert len(classes.labels) == 7 and classes.labels[-1] == "Autres"
    assert (classes.codes >= 0).all()


def test_catchments_and_tiles(communes, sites):
    centre = sites.geometry.iloc[0]
    catchments = gpd.GeoDataFrame(
        {"site_id": ["a", "a"], "threshold_min": [15, 30]},
        geometry=[centre.buffer(8000), centre.buffer(16000)],
        crs=2154,
    )
    m = commune_map(
        communes,
        "population",
        title="Accès",
        legend_title="Habitants",
        catchments=catchments,
        tiles=True,
    )
    page = _text(map_to_html(m))
    assert "Zone d'accès ≤ 15 min" in page and "Zone d'accès ≤ 30 min" in page
    assert CATCHMENT_COLORS[0] in page and CATCHMENT_COLORS[1] in page
    # Tiles are opt-in and requested by Leaflet at run time, not linked by the page.
    assert "OpenStreetMap" in page and remote_references(page) == []
