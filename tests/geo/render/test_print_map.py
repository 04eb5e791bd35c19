"""Print maps (PDF, PNG, SVG) of the real Sarthe territory at exact paper sizes."""

import re
import time
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
import shapely
from PIL import Image
from pypdf import PdfReader

from geo.render import (
    APPROXIMATE_TRAVEL_NOTE_FR,
    PrintMapSpec,
    format_source_line,
    render_print_map,
    travel_note_fr,
)
from geo.travel_time import road_network_model, straight_line_model

A4_PT = (595.28, 841.89)
A3_PT = (841.89, 1190.55)


@pytest.fixture(scope="module")
def spec(territory) -> PrintMapSpec:
    sites = territory.sites[territory.sites["site_type"] != "town_hall"]
    cnfs = sites[sites["site_type"] == "cnfs_permanence"]
    catchments = gpd.GeoDataFrame(
        {"threshold_min": [20, 30]},
        geometry=[cnfs.geometry.iloc[:4].buffer(r).union_all() for r in (12_000, 18_000)],
        crs=2154,
    )
    communes = territory.communes
    zones = gpd.GeoDataFrame(
        {"zone_id": ["z1", "z2"], "rank": [1, 2]},
        geometry=[
            communes.geometry.iloc[10:13].union_all(),
            communes.geometry.iloc[200:202].union_all(),
        ],
        crs=2154,
    )
    stops = sites.geometry.iloc[:6]
    circuits = gpd.GeoDataFrame(
        {"advisor": ["Camille", "Yanis"]},
        geometry=[shapely.LineString(stops.iloc[:3]), shapely.LineString(stops.iloc[3:])],
        crs=2154,
    )
    return PrintMapSpec(
        communes=communes,
        column="ifn_global",
        title="Indice de fragilité numérique par commune",
        subtitle="Scénario « 3 sites », seuil 20 min — 12 mai 2026",
        legend_title="Indice de fragilité numérique",
        epci=territory.epci,
        sites=sites,
        highlight_sites=cnfs.iloc[:3],
        catchments=catchments,
        zones=zones,
        circuits=circuits,
        sources=[format_source_line(territory.sources[k]) for k in ("communes", "ifn")],
        approximate_travel=True,
    )


def _media_box(path) -> tuple[float, float]:
    box = PdfReader(path).pages[0].mediabox
    return float(box.width), float(box.height)


@pytest.mark.parametrize(
    ("paper", "orientation", "expected"),
    [("A4", "landscape", A4_PT[::-1]), ("A4", "portrait", A4_PT), ("A3", "landscape", A3_PT[::-1])],
)
def test_pdf_page_is_the_paper_size(spec, tmp_path, paper, orientation, expected):
    path = render_print_map(spec, tmp_path / "carte.pdf", paper, orientation)
    assert _media_box(path) == pytest.approx(expected, abs=0.01)


def test_pdf_keeps_text_and_mentions(spec, tmp_path):
    text = PdfReader(render_print_map(spec, tmp_path / "carte.pdf")).pages[0].extract_text()
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        spec.title,
        "Échelle",
        "Le Mans",
        "CU Le Mans",
        "Zone d'accès ≤ 20 min",
        "Circuit de Camille",
        "Licence Ouverte 2.0",
        APPROXIMATE_TRAVEL_NOTE_FR,
    ):
        assert expected in flat, expected


@pytest.mark.slow
def test_png_at_300_dpi_has_exact_pixels_and_dpi(spec, tmp_path):
    start = time.perf_counter()
    path = render_print_map(spec, tmp_path / "carte.png", "A4", "portrait", dpi=300)
    assert time.perf_counter() - start < 5
    with Image.open(path) as image:
        assert image.size == (round(210 / 25.4 * 300), round(297 / 25.4 * 300))  # 2480 × 3508
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_png_low_dpi_size(spec, tmp_path):
    path = render_print_map(spec, tmp_path / "carte.png", "A3", "landscape", dpi=60)
    with Image.open(path) as image:
        assert image.size == (round(420 / 25.4 * 60), round(297 / 25.4 * 60))


def test_svg_root_size_in_points(spec, tmp_path):
    path = render_print_map(spec, tmp_path / "carte.svg", "A4", "landscape")
    root = ET.parse(path).getroot()
    assert float(root.get("width").removesuffix("pt")) == pytest.approx(A4_PT[1], abs=0.01)
    assert float(root.get("height").removesuffix("pt")) == pytest.approx(A4_PT[0], abs=0.01)


def test_percent_categorical_and_missing_values(territory, tmp_path):
    communes = territory.communes.copy()
    communes.loc[communes.index[:5], "fibre_share"] = float("nan")
    spec = PrintMapSpec(
        communes=communes,
        column="fibre_share",
        title="Fibre",
        legend_title="Part des locaux raccordables",
        percent_columns=["fibre_share"],
        scheme="equal_interval",
        n_town_labels=0,
    )
    text = PdfReader(render_print_map(spec, tmp_path / "f.pdf")).pages[0].extract_text()
    assert "Donnée manquante" in text
    assert "%" in text
    categorical = PrintMapSpec(
        communes=territory.communes,
        column="density_label",
        title="Densité",
        legend_title="Grille de densité",
        scheme="categorical",
    )
    assert render_print_map(categorical, tmp_path / "d.svg").stat().st_size > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"paper": "A5"}, "Format de papier inconnu"),
        ({"orientation": "oblique"}, "Orientation inconnue"),
        ({"fmt": "jpg"}, "Format de fichier inconnu"),
        ({"dpi": 5}, "Résolution invalide"),
    ],
)
def test_bad_render_arguments(spec, tmp_path, kwargs, message):
    suffix = kwargs.get("fmt", "pdf")
    with pytest.raises(ValueError, match=message):
        render_print_map(spec, tmp_path / f"carte.{suffix}", **kwargs)


def test_extension_must_match_format(spec, tmp_path):
    with pytest.raises(ValueError, match=r"extension \.png"):
        render_print_map(spec, tmp_path / "carte.pdf", fmt="png")


def test_bad_spec_is_refused_in_french(territory):
    with pytest.raises(ValueError, match="colonne « absente » est absente"):
        PrintMapSpec(communes=territory.communes, column="absente", title="t", legend_title="l")
    with pytest.raises(ValueError, match="Méthode de classification inconnue"):
        PrintMapSpec(
            communes=territory.communes,
            column="ifn_global",
            title="t",
            legend_title="l",
            scheme="jenks",
        )
    with pytest.raises(ValueError, match="« catchments » doit avoir"):
        PrintMapSpec(
            communes=territory.communes,
            column="ifn_global",
            title="t",
            legend_title="l",
            catchments=territory.epci,
        )


def test_source_line():
    line = format_source_line(
        {"label": "Populations", "publisher": "INSEE", "vintage": "2022", "licence": "LO 2.0"}
    )
    assert line == "Populations : INSEE, 2022, LO 2.0"


def _pdf_text(path) -> str:
    return re.sub(r"\s+", " ", PdfReader(path).pages[0].extract_text())


def test_travel_mention_is_built_from_the_model(territory, tmp_path):
    assert APPROXIMATE_TRAVEL_NOTE_FR == (
        "Temps de trajet approximatifs (distance à vol d'oiseau × 1,3 à 60 km/h)"
    )
    base = {
        "communes": territory.communes,
        "column": "ifn_global",
        "title": "Fragilité",
        "legend_title": "IFN",
        "n_town_labels": 0,
    }
    slower = PrintMapSpec(**base, travel_model=straight_line_model(circuity=1.25, speed_kmh=50))
    assert slower.approximate_travel
    text = _pdf_text(render_print_map(slower, tmp_path / "lent.pdf"))
    assert "Temps de trajet approximatifs (distance à vol d'oiseau × 1,25 à 50 km/h)" in text
    assert "1,3 à 60" not in text

    road = road_network_model({"build_id": "test", "osm_timestamp": None})
    exact = PrintMapSpec(**base, travel_model=road.to_dict())
    assert not exact.approximate_travel
    assert travel_note_fr(road, approximate=True) is None
    assert "approximatifs" not in _pdf_text(render_print_map(exact, tmp_path / "route.pdf"))


def test_user_defined_classes_on_paper(territory, tmp_path):
    spec = PrintMapSpec(
        communes=territory.communes,
        column="ifn_global",
        title="Fragilité, classes fixées",
        legend_title="IFN",
        scheme="user_defined",
        user_bounds=[80, 100, 120],
        n_town_labels=0,
    )
    text = _pdf_text(render_print_map(spec, tmp_path / "classes.pdf"))
    assert "80 – 100" in text and "100 – 120" in text
