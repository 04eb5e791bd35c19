"""The assembled Sarthe territory, checked against published figures."""

from __future__ import annotations

import numpy as np
import pytest

from geo import settings
from geo.territory import UserFiles, cache_key, imputed_counts, load_territory, map_indicators


def test_communes_population_and_epci(territory):
    communes = territory.communes
    assert len(communes) == 352
    assert communes.index.is_unique
    assert communes["population"].sum() == 566_733
    assert communes.at["72181", "population"] == 146_249
    assert communes.at["72181", "name"] == "Le Mans"
    assert communes.at["72154", "population"] == 14_947
    assert communes.at["72264", "population"] == 12_326
    assert (communes["population"] < 1000).sum() == 230
    assert len(territory.epci) == 17
    assert communes["epci_siren"].notna().all()
    assert set(communes["epci_siren"]) == set(territory.epci.index)
    assert territory.epci["population_72"].sum() == 566_733
    assert territory.epci.at["247200132", "n_communes_72"] == 20


def test_area_and_crs(territory):
    assert territory.communes.crs.to_epsg() == 2154
    area_km2 = territory.communes.union_all().area / 1e6
    assert area_km2 == pytest.approx(6_239, rel=0.01)


def test_2025_mergers(territory):
    index = territory.communes.index
    assert "72287" not in index and "72298" not in index
    assert {"72155", "72382"} <= set(index)
    for code in ("72155", "72382"):
        assert territory.status.at[code, "median_income_eur"] == "estimated"
        assert territory.status.at[code, "unemployment_rate_pct"] == "estimated"
    assert territory.status.at["72181", "median_income_eur"] == "observed"


def test_published_indicator_values(territory):
    c = territory.communes
    assert c.at["72181", "median_income_eur"] == 21_180
    assert c.at["72181", "poverty_rate_pct"] == 22
    assert c.at["72003", "median_income_eur"] == 18_570
    assert c.at["72003", "poverty_rate_pct"] == 26
    # IFN global score: higher = more fragile; expected signs against income and unemployment.
    assert np.corrcoef(c["ifn_global"], c["median_income_eur"])[0, 1] < -0.3
    assert np.corrcoef(c["ifn_global"], c["unemployment_rate_pct"])[0, 1] > 0.3


def test_imputed_values_are_flagged(territory):
    status = territory.status
    assert status.at["72137", "ifn_global"] == "imputed"
    assert territory.communes.at["72137", "ifn_global"] > 0
    assert (status["poverty_rate_pct"] == "observed").sum() == 37
    assert (status["poverty_rate_pct"] == "imputed").sum() == 315
    assert (status["median_income_eur"] == "imputed").sum() == 14
    assert not status.eq("missing").any().any()
    imputed = territory.communes.loc[status["poverty_rate_pct"] == "imputed", "poverty_rate_pct"]
    assert imputed.between(0, 60).all()


def test_density_and_aav_counts(territory):
    c = territory.communes
    counts = c["density_level"].value_counts().to_dict()
    # COG 2024 counts (354 communes) minus the two absorbed ones: Saint-Gervais-en-Belin
    # (petite ville) and Saint-Mars-de-Locquenay (rural à habitat dispersé).
    assert [counts[level] for level in range(1, 8)] == [2, 2, 8, 11, 83, 173, 73]
    assert c.at["72155", "density_label"] == "Petites villes"
    aav = c.groupby("aav_category")["population"].agg(["size", "sum"])
    assert aav.loc["11"].tolist() == [9, 202_025]
    assert aav.loc["12"].tolist() == [2, 10_879]
    assert aav.loc["20"].tolist() == [285, 315_114]
    assert aav.loc["30"].tolist() == [56, 38_715]


def test_fibre_is_dated_and_labelled(territory):
    assert "2018" in territory.vintages["fibre"]
    assert "obsolète" in territory.vintages["fibre"]
    assert any("Fibre" in w and "2018" in w for w in territory.warnings)
    assert territory.communes["fibre_connectable"].sum() == 72_339
    assert territory.communes["fibre_share"].between(0, 1).all()


def test_sites_counts_and_inside_sarthe(territory):
    # The services across the border are tested in tests/geo/test_border_offer.py.
    sites = territory.sites[~territory.sites["outside_territory"]]
    counts = sites["site_type"].value_counts()
    assert counts["france_services"] == 26
    assert counts["cnfs_permanence"] == 36
    assert sites.loc[sites["site_type"] == "cnfs_permanence", "n_advisors"].sum() == 41
    assert counts["town_hall"] == 352
    # 133 libraries have coordinates; one of them is in Bouessay (Mayenne).
    assert counts["library"] == 132
    assert counts["data_inclusion"] == 12
    assert sites["site_id"].is_unique
    outline = territory.departement.union_all()
    assert (sites.distance(outline) == 0).all()
    assert sites["code_insee"].isin(territory.communes.index).all()
    fs = sites[sites["site_type"] == "france_services"]
    assert fs["opening_hours_json"].notna().sum() == 26


def test_town_hall_fixes(territory):
    halls = territory.sites[territory.sites["site_type"] == "town_hall"].set_index("code_insee")
    fixed = halls[halls["location_note"].notna()]
    assert len(fixed) == 27
    assert "72004" in fixed.index  # Amné: published point 690 m away, in Auvers-sous-Montfaucon
    inside = territory.communes.geometry.reindex(halls.index).contains(halls.geometry)
    assert inside.all()
    demand = territory.communes.loc["72004", ["demand_x", "demand_y"]].to_numpy()
    assert demand == pytest.approx(
        [halls.at["72004", "geometry"].x, halls.at["72004", "geometry"].y]
    )


def test_cache_roundtrip_and_invalidation(tmp_path):
    first = load_territory(directory=tmp_path)
    folder = tmp_path / "territory" / first.cache_key
    assert (folder / "communes.parquet").is_file()
    second = load_territory(directory=tmp_path)
    assert second.communes.equals(first.communes)
    assert second.sites["site_id"].tolist() == first.sites["site_id"].tolist()
    assert second.warnings == first.warnings

    indicators = tmp_path / "requests.csv"
    indicators.write_text("code_insee;demandes\n72181;120\n", encoding="utf-8")
    key = cache_key(UserFiles(indicators=indicators))
    assert key != first.cache_key
    indicators.write_text("code_insee;demandes\n72181;121\n", encoding="utf-8")
    assert cache_key(UserFiles(indicators=indicators)) != key

    (folder / "communes.parquet").write_bytes(b"not parquet")
    rebuilt = load_territory(directory=tmp_path)
    assert len(rebuilt.communes) == 352


def test_default_cache_is_under_processed_dir():
    territory = load_territory()
    assert (settings.PROCESSED_DIR / "territory" / territory.cache_key).is_dir()


def test_summary_keys(territory):
    summary = territory.summary()
    assert summary["communes"] == 352
    assert summary["population"] == 566_733
    assert summary["epci"] == 17
    assert summary["sites"]["france_services"] == 26
    assert "fibre" in summary["vintages"]
    assert isinstance(summary["warnings"], list) and summary["warnings"]


def test_imputed_counts_per_indicator(territory):
    counts = imputed_counts(territory)
    assert list(counts.columns) == ["observed", "estimated", "imputed", "missing", "total"]
    assert set(counts.index) == set(territory.status.columns)
    assert counts.loc["poverty_rate_pct", "imputed"] == 315
    assert counts.loc["poverty_rate_pct", "observed"] == 37
    assert counts.loc["median_income_eur", "imputed"] == 14
    assert counts.loc["ifn_global", "imputed"] == 1
    assert (counts[["observed", "estimated", "imputed", "missing"]].sum(axis=1) == 352).all()
    assert (counts["total"] == 352).all()
    # The two communes merged in 2025 carry estimated INSEE values.
    assert counts.loc["unemployment_rate_pct", "estimated"] >= 2
    assert counts["missing"].sum() == 0


def test_ifn_labels_name_the_sarthe_as_reference(territory):
    ifn = map_indicators(territory)["ifn_global"]
    assert ifn["label"] == (
        "Indice de fragilité numérique — score global (100 = moyenne de la Sarthe, "
        "plus = plus fragile)"
    )
    assert ifn["short"] == "IFN (100 = moyenne de la Sarthe, plus = plus fragile)"
    labels = [v["label"] for k, v in map_indicators(territory).items() if k.startswith("ifn_")]
    assert len(labels) == 7 and all("moyenne de la Sarthe" in label for label in labels)
