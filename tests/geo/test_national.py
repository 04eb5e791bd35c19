"""National loaders (geo.national): Sarthe given back by the national files, other départements.

Expected values for 61, 53 and 2A were computed independently from the shared national
files (``../shared/data/france``: population CSV by ``departement``, France services by
``insee_dep``, permanences by postcode and by ``dep_pip`` — both agree —, town halls by
``dep``/``coord_ok``, Filosofi ``MED21`` not secret, IFN by ``Insee Dep``, and the
border counts with the département polygon and the 20 km band of ``build/checks.py``).
The Sarthe border counts are those of the shared ``SOURCES.md`` checks.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo import boundaries, cog, national, socio
from geo import sites as sarthe_sites
from geo.errors import DataValidationError
from geo.national import sites as national_sites
from geo.national import socio as national_socio
from geo.national import store


@pytest.fixture(scope="module")
def layers() -> dict[str, national.DepartementLayers]:
    return {code: national.load_layers(code) for code in ("72", "61", "53", "2A")}


# --- départements and codes ----------------------------------------------------------------


def test_departements_are_metropolitan_france():
    table = national.departements()
    assert list(table.columns) == ["code", "name", "region", "n_communes", "population"]
    assert len(table) == 96
    assert {"2A", "2B", "01", "95"} <= set(table["code"])
    assert not table["code"].str.startswith("97").any()
    # Shared checks: metropolitan France 34,746 communes, 66,165,815 inhabitants (PL 2022).
    assert table["n_communes"].sum() == 34_746
    assert table["population"].sum() == 66_165_815
    sarthe = table.set_index("code").loc["72"]
    assert (sarthe["name"], sarthe["region"]) == ("Sarthe", "Pays de la Loire")
    assert (sarthe["n_communes"], sarthe["population"]) == (352, 566_733)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("2a", "2A"), (" 2b ", "2B"), ("1", "01"), (1, "01"), ("01", "01"), (72, "72")],
)
def test_check_departement_normalises(typed, code):
    assert national.check_departement(typed) == code


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("99", "pas un code de département métropolitain"),
        ("975", "collectivités d'outre-mer"),
        ("971", "départements d'outre-mer ne sont pas encore disponibles"),
        ("20", "2A (Corse-du-Sud) et 2B (Haute-Corse)"),
        ("Sarthe", "pas un code de département métropolitain"),
    ],
)
def test_unknown_departement_refused_in_french(typed, reason):
    with pytest.raises(DataValidationError) as info:
        national.check_departement(typed)
    message = str(info.value)
    assert f"département « {typed} » inconnu" in message
    assert reason in message
    assert "Codes valides : 01, 02, 03" in message
    assert "2A, 2B" in message and "95." in message and "971" not in message.split("valides")[1]
    with pytest.raises(DataValidationError):
        national.load_communes(typed)


# --- Sarthe: the national files give back today's Sarthe loaders ---------------------------


def test_sarthe_totals(layers):
    sarthe = layers["72"]
    assert sarthe.name == "Sarthe"
    assert len(sarthe.communes) == 352
    assert sarthe.communes["population"].sum() == 566_733
    assert len(sarthe.epci) == 17
    assert len(sarthe.france_services) == 26
    assert len(sarthe.cnfs_permanences) == 36
    assert sarthe.cnfs_permanences["n_advisors"].sum() == 41
    assert len(sarthe.town_halls) == 352


def test_sarthe_communes_equal_cell_for_cell_but_outline(layers):
    expected = boundaries.load_communes()
    got = layers["72"].communes
    assert list(got.columns) == list(expected.columns)
    assert (got.dtypes == expected.dtypes).all()
    same = [c for c in expected.columns if c not in ("area_km2", "geometry")]
    pd.testing.assert_frame_equal(pd.DataFrame(got[same]), pd.DataFrame(expected[same]))
    # Different simplifications of the same outlines: the département area agrees to 0.1 %.
    assert got.area.sum() / 1e6 == pytest.approx(6_238.3, abs=0.1)
    assert expected.area.sum() / 1e6 == pytest.approx(got.area.sum() / 1e6, rel=1e-3)


def test_sarthe_epci_and_outline_and_codes(layers):
    sarthe = layers["72"]
    expected = boundaries.load_epci(boundaries.load_communes())
    assert list(sarthe.epci.columns) == list(expected.columns)
    values = ["epci_name", "epci_type", "population_72", "n_communes_72"]
    values += ["n_communes_total", "population_total"]
    pd.testing.assert_frame_equal(pd.DataFrame(sarthe.epci[values]), pd.DataFrame(expected[values]))
    assert sarthe.epci.at["247200132", "n_communes_72"] == 20
    full = gpd.GeoSeries(sarthe.epci["geometry_full"], crs=2154)
    # CU d'Alençon extends into Orne: its full extent is larger than its Sarthe part.
    alencon = sarthe.epci.index[sarthe.epci["epci_name"].str.contains("Alençon")][0]
    assert full[alencon].area > 3 * sarthe.epci.geometry[alencon].area
    assert list(sarthe.departement.columns) == ["code_departement", "geometry"]
    assert sarthe.departement["code_departement"].tolist() == ["72"]
    codes = cog.load_commune_codes()
    assert sarthe.codes.names == codes.names
    assert sarthe.codes.successors == codes.successors


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(frame).set_index("site_id").sort_index()


def test_sarthe_france_services_equal_cell_for_cell(layers):
    got, expected = (
        _by_id(layers["72"].france_services),
        _by_id(sarthe_sites.load_france_services()),
    )
    pd.testing.assert_frame_equal(got, expected)


def test_sarthe_permanences_equal_but_the_flagged_one(layers):
    got = _by_id(layers["72"].cnfs_permanences)
    expected = _by_id(sarthe_sites.load_cnfs_permanences())
    # The Sarthe loader names the Loué antenna after its address (then moved to Loué).
    loue = "cnfs-62bac027dd51e705b180b244"
    assert expected.loc[loue, ["name", "code_insee"]].tolist() == [
        "Antenne Solidarité de Loué (Loué)",
        "72168",
    ]
    pd.testing.assert_frame_equal(
        got.drop(columns="location_note").drop(index=loue),
        expected.drop(columns="location_note").drop(index=loue),
    )
    flagged = got["location_note"].dropna()
    # The « Antenne solidarité de Loué » point (postcode 72540) is 15.4 km from its postcode.
    assert len(flagged) == 1
    assert got.loc[flagged.index[0], "name"].startswith("Antenne Solidarité de Loué")
    assert flagged.iloc[0].startswith("emplacement douteux : point publié à 15,4 km")


def test_sarthe_town_halls(layers):
    got = _by_id(layers["72"].town_halls)
    expected = _by_id(sarthe_sites.load_town_halls())
    flagged_sarthe = set(expected.index[expected["location_note"].notna()])
    flagged = set(got.index[got["location_note"].notna()])
    # 27 misplaced points with the Sarthe outlines, 26 with the national ones: 72065's
    # point is inside its commune there (shared SOURCES.md).
    assert len(flagged_sarthe) == 27
    assert flagged == flagged_sarthe - {"mairie-72065"}
    ok = sorted(set(got.index) - flagged_sarthe)
    # One published longitude (72290) is written 0.119413699999996 in the national file
    # and 0.1194137 in the Sarthe one: equal to 1e-12.
    pd.testing.assert_frame_equal(
        got.loc[ok].drop(columns="geometry"),
        expected.loc[ok].drop(columns="geometry"),
        check_exact=False,
        rtol=1e-12,
    )
    points = gpd.GeoSeries(got.loc[ok, "geometry"])
    assert points.distance(gpd.GeoSeries(expected.loc[ok, "geometry"])).max() < 1e-6
    # Replacement points lie in a commune of their own (fallback point of the national file).
    assert got.loc[sorted(flagged), "location_note"].str.contains("remplacé par un point").all()


@pytest.mark.parametrize("loader", ["load_filosofi", "load_ifn", "load_zoning"])
def test_sarthe_indicators_equal(loader):
    expected, expected_merged = getattr(socio, loader)()
    got, merged = getattr(national_socio, loader)("72")
    pd.testing.assert_frame_equal(got, expected)
    assert merged == expected_merged


def test_sarthe_border_services(layers):
    border = layers["72"].border_services
    by_type = border.groupby("site_type")
    assert by_type.size().to_dict() == {"cnfs_permanence": 37, "france_services": 30}
    assert by_type["n_advisors"].sum()["cnfs_permanence"] == 38
    fs = border[border["site_type"] == "france_services"]["departement"].value_counts()
    assert fs.to_dict() == {"61": 10, "49": 6, "53": 5, "28": 4, "41": 3, "37": 2}
    cnfs = border[border["site_type"] == "cnfs_permanence"]["departement"].value_counts()
    assert cnfs.to_dict() == {"61": 17, "53": 8, "41": 4, "37": 3, "49": 3, "28": 2}
    assert border["outside_territory"].all()
    assert border["border_dist_km"].between(0, 20).all()
    assert border["border_dist_km"].is_monotonic_increasing
    closest = border.iloc[0]
    assert closest["site_id"] == "fs-361" and closest["border_dist_km"] == pytest.approx(
        0.53, abs=0.01
    )
    outline = layers["72"].departement.geometry.iloc[0]
    assert (border.distance(outline) / 1000).round(6).equals(border["border_dist_km"].round(6))
    assert len(national.border_services("72", border_km=5)) == len(
        border[border["border_dist_km"] <= 5]
    )


# --- other départements --------------------------------------------------------------------

EXPECTED = {
    # code: communes, population, EPCI, France services, permanences, advisors,
    #       town halls relocated, communes with MED21, communes with IFN,
    #       border France services, border permanences, border advisors
    "61": (381, 275_201, 16, 31, 50, 50, 31, 337, 380, 47, 46, 52),
    "53": (240, 305_468, 10, 18, 17, 19, 12, 240, 240, 32, 42, 42),
    # 2A: 6 France services lie outside its polygon within 20 km, one of them its own.
    "2A": (124, 168_306, 7, 15, 8, 8, 6, 78, 122, 5, 0, 0),
}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_departement_totals(layers, code):
    data = layers[code]
    communes, pop, n_epci, n_fs, n_cnfs, advisors, relocated, med, ifn, b_fs, b_cnfs, b_adv = (
        EXPECTED[code]
    )
    assert len(data.communes) == communes and data.communes.geometry.notna().all()
    assert data.communes["population"].sum() == pop
    assert len(data.epci) == n_epci
    assert data.epci["n_communes_72"].sum() == communes
    assert len(data.france_services) == n_fs
    assert len(data.cnfs_permanences) == n_cnfs
    assert data.cnfs_permanences["n_advisors"].sum() == advisors
    assert len(data.town_halls) == communes
    assert data.town_halls["location_note"].notna().sum() == relocated
    assert data.filosofi[0]["median_income_eur"].notna().sum() == med
    assert data.ifn[0]["ifn_global"].notna().sum() == ifn
    counts = data.border_services["site_type"].value_counts()
    assert counts.get("france_services", 0) == b_fs
    assert counts.get("cnfs_permanence", 0) == b_cnfs
    assert data.border_services["n_advisors"].sum() == b_adv
    assert not (data.border_services["departement"] == code).any()
    assert data.status.at["ifn", "state"] == ("available" if ifn == communes else "partial")
    assert data.status.at["census", "state"] == "missing"


def test_orne_epci_totals_and_cross_border(layers):
    epci = layers["61"].epci
    # Whole-EPCI populations (DGCL, epci_france.csv) of the 16 EPCI touching Orne.
    assert epci["population_total"].sum() == 310_831
    # CU d'Alençon has 5 communes in Sarthe: more communes in total than in Orne.
    alencon = epci.loc[epci["epci_name"] == "CU d'Alençon"].iloc[0]
    assert alencon["n_communes_total"] - alencon["n_communes_72"] == 5


@pytest.mark.parametrize("code", ["72", "61", "53", "2A"])
def test_town_halls_lie_in_their_commune(layers, code):
    data = layers[code]
    joined = gpd.sjoin(
        data.town_halls[["code_insee", "geometry"]],
        data.communes[["geometry"]].rename_axis("commune"),
        predicate="within",
    )
    assert len(joined) == len(data.communes)
    assert (joined["code_insee"] == joined["commune"]).all()


def test_misplaced_permanence_moved_to_its_town_hall():
    # Shared SOURCES.md: « Maison des Habitants », GAP 05000, placed 611 km away in Somme.
    gap = national.load_cnfs_permanences("05")
    row = gap[gap["name"].str.startswith("Maison des Habitants")].iloc[0]
    assert row["location_note"] == (
        "point publié à 611,4 km, hors du département : placée à la mairie de Gap "
        "(adresse déclarée : 05000 GAP) ; emplacement approximatif"
    )
    hall = national.load_town_halls("05").set_index("code_insee").loc["05061"]
    assert row.geometry.equals(hall.geometry) and row["code_insee"] == "05061"
    assert national.load_departement("05").geometry.iloc[0].contains(row.geometry)


def test_cantal_communes_without_outline_are_said():
    data = national.load_layers("15")
    lost = ["15031", "15035", "15047", "15171"]
    assert data.communes.loc[lost].geometry.isna().all()
    assert data.status.at["communes", "state"] == "partial"
    assert "15031, 15035, 15047, 15171" in data.status.at["communes", "message"]
    assert not data.town_halls["code_insee"].isin(lost).any()
    assert sum("non placée" in w for w in data.warnings) == 4
    # Their population still counts in their EPCI.
    assert data.epci["population_72"].sum() == data.communes["population"].sum()


def test_missing_layer_is_empty_with_a_status(monkeypatch):
    def without_ifn(layer, code, columns=None):
        frame = store.read_table(layer, code, columns)
        return frame.iloc[:0] if layer == "ifn" else frame

    monkeypatch.setattr(national_socio, "read_table", without_ifn)
    frame, merged = national_socio.load_ifn("61")
    assert frame.empty and merged == set()
    assert list(frame.columns) == list(socio.IFN_COLUMNS)
    status = national.load_layers("61").status.loc["ifn"]
    assert status["state"] == "missing"
    assert status["message"] == "Indice de fragilité numérique 2020 : absent pour ce département."
    census = national.load_census("61")[0]
    assert census.empty and list(census.columns) == [
        "unemployment_rate_pct",
        "outside_working_age_pct",
    ]


def test_permanence_that_cannot_be_placed_is_left_out_with_a_warning(monkeypatch):
    def unknown_place(layer, code, columns=None):
        frame = store.read_table(layer, code, columns)
        if layer == "cnfs_permanences":
            first = frame.index[0]
            frame.loc[first, ["latitude", "longitude", "communes_du_code_postal"]] = None
            frame.loc[first, ["commune", "nom"]] = ["NULLE-PART", "Lieu perdu"]
        return frame

    monkeypatch.setattr(national_sites, "read_table", unknown_place)
    permanences, warnings = national.cnfs_permanences_with_warnings("53")
    assert len(permanences) == 16
    assert warnings == [
        "Permanence « Lieu perdu » (NULLE-PART) écartée : sans coordonnées publiées, "
        "commune introuvable."
    ]
