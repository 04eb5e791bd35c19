"""Catchments: communes reached and polygons, with the fallback and with a road network."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo import network, settings
from geo.catchments import catchments
from geo.travel_time import straight_line_matrix, straight_line_model

PBF = Path(__file__).parents[1] / "data" / "test.osm.pbf"


@pytest.fixture(scope="module")
def sarthe_communes() -> gpd.GeoDataFrame:
    communes = gpd.read_file(settings.RAW_DIR / "boundaries" / "communes_72_cog2025.geojson")
    population = pd.read_csv(
        settings.RAW_DIR / "population" / "communes_72_population_epci.csv",
        dtype={"code_insee": str},
    )
    communes = communes.rename(columns={"DEPCOM": "code_insee"}).merge(
        population[["code_insee", "population_municipale"]], on="code_insee"
    )
    return communes.rename(columns={"population_municipale": "population"}).to_crs(2154)


def test_fallback_catchments_follow_the_straight_line_matrix(sarthe_communes, tmp_path):
    communes = sarthe_communes
    le_mans = communes.loc[communes["code_insee"] == "72181"].representative_point()
    la_fleche = communes.loc[communes["code_insee"] == "72154"].representative_point()
    sites = gpd.GeoSeries(
        pd.concat([le_mans, la_fleche]).to_numpy(), index=["le_mans", "la_fleche"], crs=2154
    )
    result = catchments(sites, communes, thresholds_min=(10, 20), directory=tmp_path)

    assert list(result.columns) == [
        "site_id",
        "threshold_min",
        "n_communes",
        "population",
        "code_insee",
        "travel_model",
        "geometry",
    ]
    assert result.crs == "EPSG:2154" and len(result) == 4
    assert result.attrs["travel_model"] == straight_line_model().to_dict()
    times = straight_line_matrix(communes.representative_point(), sites)
    for row in result.itertuples():
        reached = times[row.site_id] <= row.threshold_min
        assert row.n_communes == reached.sum()
        assert sorted(row.code_insee) == sorted(communes.loc[reached, "code_insee"])
        assert row.population == communes.loc[reached, "population"].sum()
        union = shapely.union_all(communes.geometry[reached].to_numpy())
        assert row.geometry.symmetric_difference(union).area < 1
    le_mans_rows = result[result["site_id"] == "le_mans"].set_index("threshold_min")
    assert "72181" in le_mans_rows.loc[10, "code_insee"]
    assert le_mans_rows.loc[20, "population"] > le_mans_rows.loc[10, "population"] > 140_000


def test_demand_points_replace_representative_points(sarthe_communes, tmp_path):
    communes = sarthe_communes.head(30)
    site = gpd.GeoSeries([communes.geometry.iloc[0].representative_point()], crs=2154)
    far_away = gpd.GeoSeries([shapely.Point(0, 0)] * len(communes), index=communes.index, crs=2154)
    result = catchments(
        site, communes, demand_points=far_away, thresholds_min=(45,), directory=tmp_path
    )
    assert result.loc[0, "n_communes"] == 0 and result.loc[0, "geometry"].is_empty


def test_road_network_catchments(tmp_path):
    area = gpd.GeoSeries([box(26.935, 60.522, 26.965, 60.538)], crs="EPSG:4326").to_crs(2154)
    net = network.build_network_from_pbf(
        PBF, area.iloc[0], buffer_m=2000, min_coverage=0.5, directory=tmp_path
    )
    # Four square "communes" of 1.5 km tiling the middle of the extract.
    x0, y0 = np.median(net.x_m), np.median(net.y_m)
    squares = [
        box(x0 + dx, y0 + dy, x0 + dx + 1500, y0 + dy + 1500)
        for dx in (-1500, 0)
        for dy in (-1500, 0)
    ]
    communes = gpd.GeoDataFrame(
        {"code_insee": ["A", "B", "C", "D"], "population": [100, 200, 300, 400]},
        geometry=squares,
        crs=2154,
    )
    site = gpd.GeoDataFrame(geometry=[shapely.Point(x0, y0)], index=["site"], crs=2154)
    result = catchments(site, communes, thresholds_min=(1, 3, 10), directory=tmp_path)

    assert (result["travel_model"] == "road_network").all()
    assert result.attrs["travel_model"]["parameters"]["network_build_id"] == net.build_id
    assert result["n_communes"].is_monotonic_increasing
    areas = result.geometry.area.to_numpy()
    assert areas[0] < areas[1] < areas[2]
    assert result.geometry.contains(site.geometry.iloc[0]).all()
    assert result.loc[2, "n_communes"] == 4 and result.loc[2, "population"] == 1000
    from_site = catchments(
        site, communes, thresholds_min=(3,), direction="from_site", directory=tmp_path
    )
    assert from_site.loc[0, "n_communes"] == result.loc[1, "n_communes"]
