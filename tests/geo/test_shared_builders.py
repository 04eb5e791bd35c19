"""Boundaries, commune codes and indicators: one builder for the Sarthe and national files.

Rows come from the vendored files; expected values are computed here from those rows.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo import boundaries, cog, socio
from geo.national import boundaries as national_boundaries
from geo.national import socio as national_socio
from geo.national import store


def test_filosofi_of_a_merged_commune_from_either_file():
    # 72287 merged into 72155 on 1 January 2025; both published, poverty secret (« s »).
    raw = pd.read_csv(socio.FILOSOFI_FILE, dtype=str)
    sarthe, merged = socio.filosofi_from_raw(raw[raw["code_insee_cog2025"] == "72155"])
    expected = (2271 * 23560 + 2114 * 24430) / (2271 + 2114)
    assert sarthe.at["72155", "median_income_eur"] == pytest.approx(expected, rel=1e-12)
    assert pd.isna(sarthe.at["72155", "poverty_rate_pct"])
    assert merged == {"72155"}
    national = store.read_table("filosofi", "72")
    got, _ = socio.filosofi_from_raw(national[national["code_insee_cog2025"] == "72155"])
    pd.testing.assert_frame_equal(got, sarthe)


def test_ifn_and_zoning_builders_are_the_national_loaders():
    ifn, _ = socio.ifn_from_raw(store.read_table("ifn", "61"))
    pd.testing.assert_frame_equal(ifn, national_socio.load_ifn("61")[0])
    assert list(ifn.columns) == list(socio.IFN_COLUMNS)
    density = pd.read_csv(socio.DENSITY_FILE, dtype=str)
    zoning = pd.read_csv(socio.ZONING_FILE, dtype=str)
    frame, merged = socio.zoning_from_raw(density, zoning)
    # A merged commune takes the level of its most populated former part.
    parts = density[density["code_insee_cog2025"] == "72382"].copy()
    parts["population_source"] = parts["population_source"].astype(float)
    largest = parts.sort_values("population_source").iloc[-1]["grille_densite_texte"]
    assert frame.at["72382", "density_level"] == socio.DENSITY_LEVELS[largest]
    assert merged == {"72155", "72382"}
    assert socio.CENSUS_COLUMNS == national_socio.CENSUS_COLUMNS
    assert list(socio.load_census()[0].columns) == list(socio.CENSUS_COLUMNS)


def test_former_codes_of_a_population_table():
    frame = pd.DataFrame(
        {
            "code_insee": ["72002", "72023", "72181"],
            "nom": ["Aillières-Beauvoir", "Ballon-Saint Mars", "Le Mans"],
            "anciens_codes": ["72030", "72023;72301", None],
        }
    )
    names, successors = cog.population_codes(frame)
    assert names == {
        "72002": "Aillières-Beauvoir",
        "72023": "Ballon-Saint Mars",
        "72181": "Le Mans",
    }
    assert successors == {"72030": "72002", "72301": "72023"}
    codes = cog.load_commune_codes()
    assert codes.successors["72030"] == "72002" and codes.successors["72287"] == "72155"
    assert national_boundaries.load_commune_codes("72").successors == codes.successors


def test_integer_counts_keep_int64_unless_a_count_is_missing():
    assert boundaries.integer_counts(pd.Series([3.0, 4.0])).dtype == "int64"
    gaps = boundaries.integer_counts(pd.Series([3.0, None]))
    assert gaps.dtype == "Int64" and gaps.isna().tolist() == [False, True]


def test_epci_parts_count_communes_without_outline():
    communes = boundaries.load_communes()
    two = communes[communes["epci_siren"].isin(["247200132", "200072684"])].copy()
    first = two.index[0]
    two.loc[first, "geometry"] = None
    totals = pd.read_csv(boundaries.EPCI_TABLE_FILE, dtype={"epci_siren": str})
    totals = totals.set_index("epci_siren")
    epci = boundaries.epci_parts(two, totals, two.dissolve("epci_siren").geometry)
    by_epci = two.groupby("epci_siren")
    assert epci["n_communes_72"].to_dict() == by_epci.size().to_dict()
    assert epci["population_72"].to_dict() == by_epci["population"].sum().to_dict()
    assert epci.at["247200132", "n_communes_72"] == 20
    assert epci["n_communes_total"].dtype == "int64"
    own = two.at[first, "epci_siren"]
    # The commune without an outline counts in its EPCI but adds no area to its part.
    located = two[(two["epci_siren"] == own) & two.geometry.notna()]
    assert epci.geometry[own].area == pytest.approx(located.area.sum(), rel=1e-6)
    assert epci.geometry[own].area < communes[communes["epci_siren"] == own].area.sum()
    assert list(epci.columns) == [
        "geometry",
        "epci_name",
        "epci_type",
        "population_72",
        "n_communes_72",
        "n_communes_total",
        "population_total",
        "geometry_full",
    ]
