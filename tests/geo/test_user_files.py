"""User-supplied files: French CSV conventions and one test per validation rule."""

from __future__ import annotations

import json

import pytest

from equity.cli import main
from geo import defaults
from geo.errors import DataValidationError
from geo.territory import UserFiles, build_territory

SITES_OK = (
    "nom;type;longitude;latitude;nb_conseillers\n"
    "Médiathèque de Mamers;bibliothèque;0,3694;48,3497;1\n"
    "Marché de Bonnétable;marché;;;0\n"
)


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _problems(tmp_path, name, text, kind="sites", encoding="utf-8"):
    path = _write(tmp_path / name, text, encoding)
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(**{kind: path}))
    return info.value


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (SITES_OK, "utf-8"),
        (SITES_OK, "utf-8-sig"),
        (SITES_OK, "cp1252"),
        (SITES_OK.replace(",", ".").replace(";", ","), "utf-8"),
        (SITES_OK.replace(";", "\t"), "utf-8"),
    ],
    ids=["semicolon-utf8", "bom", "windows-1252", "comma-dot", "tab"],
)
def test_french_csv_variants(tmp_path, text, encoding):
    path = _write(tmp_path / "sites.csv", text, encoding)
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(sites=path))
    # The market has neither coordinates nor a commune: the only problem reported.
    assert [p.code for p in info.value.problems] == ["missing_location"]
    assert "Médiathèque" not in str(info.value)


def test_user_sites_added_with_code_or_coordinates(tmp_path):
    path = _write(
        tmp_path / "sites.csv",
        "nom;type;longitude;latitude;code_insee;nb_conseillers;jour_de_marche\n"
        "Médiathèque de Mamers;bibliothèque;0,3694;48,3497;;1;\n"
        "Marché de Bonnétable;marché;;;72039;0;Lundi\n",
        "cp1252",
    )
    territory = build_territory(UserFiles(sites=path))
    user = territory.sites[territory.sites["source"].str.contains("utilisateur")]
    assert len(user) == 2
    assert user["code_insee"].tolist() == ["72180", "72039"]
    assert user["n_advisors"].tolist() == [1.0, 0.0]
    assert user["site_type"].tolist() == ["library", "market"]
    assert "placé à la mairie" in user["location_note"].iloc[1]
    assert "lundi" in user["opening_hours"].iloc[1]
    assert len(territory.sites) == 558 + 2


def test_replace_sites_drops_embedded_type(tmp_path):
    path = _write(
        tmp_path / "cn.csv",
        "nom,type,code_insee,nb_conseillers\nPermanence A,conseiller numérique,72181,3\n",
    )
    territory = build_territory(UserFiles(sites=path, replace_sites=True))
    cnfs = territory.sites[territory.sites["site_type"] == "cnfs_permanence"]
    assert len(cnfs) == 1 and cnfs["n_advisors"].sum() == 3
    assert (territory.sites["site_type"] == "france_services").sum() == 26


def test_missing_column_suggests_closest(tmp_path):
    error = _problems(tmp_path, "s.csv", "nmo;longitude;latitude\nA;0.2;48.0\n")
    assert error.problems[0].code == "missing_column"
    assert "vouliez-vous dire « nmo »" in str(error)


def test_unparsable_numbers(tmp_path):
    error = _problems(tmp_path, "s.csv", "nom;longitude;latitude\nA;0.2;quarante-huit\n")
    assert [p.code for p in error.problems] == ["not_a_number"]
    assert error.problems[0].row == 1 and error.problems[0].column == "latitude"
    assert str(error.problems[0]).startswith("[ligne 2, colonne « latitude »]")


def test_outside_sarthe_says_how_far(tmp_path):
    error = _problems(tmp_path, "s.csv", "nom;longitude;latitude\nParis;2.3522;48.8566\n")
    assert error.problems[0].code == "outside_area"
    assert "km de sa limite" in error.problems[0].message
    assert "132,5 km" in error.problems[0].message


def test_swapped_latitude_longitude(tmp_path):
    error = _problems(tmp_path, "s.csv", "nom;longitude;latitude\nLe Mans;48.0061;0.1996\n")
    assert error.problems[0].code == "swapped_coordinates"


def test_lambert93_in_degree_columns(tmp_path):
    error = _problems(tmp_path, "s.csv", "nom;longitude;latitude\nLe Mans;492000;6766000\n")
    assert error.problems[0].code == "wrong_crs"
    assert "Lambert-93" in error.problems[0].message


def test_geojson_with_declared_crs_is_reprojected(tmp_path):
    feature = {
        "type": "Feature",
        "properties": {"nom": "Le Mans centre", "type": "autre"},
        "geometry": {"type": "Point", "coordinates": [492000.0, 6766000.0]},
    }
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
        "features": [feature],
    }
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    territory = build_territory(UserFiles(sites=path))
    added = territory.sites[territory.sites["site_type"] == "user"]
    assert added["code_insee"].tolist() == ["72181"]
    assert added.geometry.x.iloc[0] == pytest.approx(492000, abs=1)


def test_geojson_metres_without_crs_is_wrong_crs(tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nom": "X"},
                "geometry": {"type": "Point", "coordinates": [492000.0, 6766000.0]},
            }
        ],
    }
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(sites=path))
    assert info.value.problems[0].code == "wrong_crs"


def test_malformed_geojson(tmp_path):
    error = _problems(tmp_path, "s.geojson", '{"type": "FeatureCollection", "features": [')
    assert error.problems[0].code == "malformed_geojson"


def test_unknown_and_merged_insee_codes(tmp_path):
    error = _problems(tmp_path, "s.csv", "nom;code_insee\nA;72287\nB;72999\nC;75056\n")
    messages = [p.message for p in error.problems]
    assert all(p.code == "unknown_code" for p in error.problems)
    assert "72155 (Laigné-Saint-Gervais)" in messages[0]
    assert "ne correspond à aucune commune" in messages[1]
    assert "pas un code de la Sarthe" in messages[2]


def test_duplicate_ids(tmp_path):
    error = _problems(tmp_path, "s.csv", "id;nom;code_insee\n1;A;72181\n1;B;72003\n2;C;72003\n")
    assert [p.code for p in error.problems] == ["duplicate_id"]
    # Lines as in a spreadsheet: the header is line 1.
    assert "lignes 2, 3" in error.problems[0].message
    assert str(error.problems[0]).startswith("[colonne « id »]")


def test_empty_files(tmp_path):
    assert _problems(tmp_path, "e.csv", "").problems[0].code == "empty_file"
    assert _problems(tmp_path, "h.csv", "nom;code_insee\n").problems[0].code == "empty_file"


def test_file_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_USER_FILE_BYTES", 100)
    error = _problems(tmp_path, "big.csv", "nom;code_insee\n" + "A;72181\n" * 50)
    assert error.problems[0].code == "file_too_large"


def test_wrong_encoding(tmp_path):
    error = _problems(tmp_path, "u16.csv", "nom;code_insee\nA;72181\n", encoding="utf-16")
    assert error.problems[0].code == "bad_encoding"


def test_every_problem_listed_at_once(tmp_path):
    error = _problems(
        tmp_path,
        "s.csv",
        "nom;type;longitude;latitude;code_insee;nb_conseillers\n"
        "A;bibliothèque;0.2;48.0;;deux\n"
        "B;cirque;2.35;48.85;;1\n"
        ";mairie;;;72298;\n",
    )
    codes = sorted(p.code for p in error.problems)
    assert codes == [
        "missing_value",
        "not_a_number",
        "outside_area",
        "unknown_code",
        "unknown_type",
    ]


def test_problems_of_several_files_together(tmp_path):
    sites = _write(tmp_path / "s.csv", "nom;code_insee\nA;72999\n")
    fibre = _write(tmp_path / "f.csv", "code;x\n72181;1\n")
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(sites=sites, fibre=fibre))
    text = str(info.value)
    assert "s.csv : le code INSEE 72999" in text
    assert "f.csv : colonne obligatoire" in text


def test_current_fibre_file(tmp_path):
    path = _write(
        tmp_path / "arcep.csv",
        "Code commune;Nom commune;Meilleure estimation des locaux à date;T1 2025;T2 2025\n"
        "72181;Le Mans;95 000;93 500;94 100\n"
        "72003;Allonnes;6 500;6 400;6 450\n",
    )
    territory = build_territory(UserFiles(fibre=path))
    assert territory.vintages["fibre"] == "ARCEP T2 2025"
    assert territory.communes.at["72181", "fibre_share"] == pytest.approx(94_100 / 95_000)
    assert territory.status.at["72154", "fibre_share"] == "missing"
    assert not any(w.startswith("Fibre : données ARCEP du T1 2018") for w in territory.warnings)
    assert any("350 commune(s) absente(s)" in w for w in territory.warnings)


def test_user_indicators(tmp_path):
    path = _write(
        tmp_path / "demandes.csv",
        "code_insee;nom;demandes observées;part 75 ans et +\n"
        "72181;Le Mans;1 250;9,8\n72003;Allonnes;310;7,5\n",
    )
    territory = build_territory(UserFiles(indicators=path))
    c = territory.communes
    assert c.at["72181", "user_demandes_observees"] == 1250
    assert c.at["72003", "user_part_75_ans_et"] == 7.5
    assert territory.status.at["72154", "user_demandes_observees"] == "missing"
    assert territory.status.at["72181", "user_demandes_observees"] == "observed"


def test_cli_exit_2_with_french_message(tmp_path, capsys):
    path = _write(tmp_path / "s.csv", "nom;longitude;latitude\nParis;2.3522;48.8566\n")
    assert main(["data", "--sites", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Données invalides" in err and "hors de la Sarthe" in err
    assert "Traceback" not in err


def test_cli_json(capsys):
    assert main(["data", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["communes"] == 352
    assert data["population"] == 566_733
    assert data["epci"] == 17
    assert data["sites"]["france_services"] == 26
    assert data["sites"]["cnfs_permanence"] == 36
    assert {"communes", "population", "epci", "sites", "vintages", "warnings"} <= set(data)
    assert "2018" in data["vintages"]["fibre"]


def test_half_filled_coordinates_are_refused(tmp_path):
    error = _problems(
        tmp_path, "s.csv", "nom;longitude;latitude;code_insee\nA;0,2;;\nB;0,19;;72181\n"
    )
    assert [(p.code, p.row) for p in error.problems] == [("missing_value", 1), ("missing_value", 2)]
    assert "une seule des deux" in error.problems[0].message


def test_replaced_advisor_list_is_not_called_outdated(tmp_path):
    path = _write(
        tmp_path / "cn.csv",
        "nom,type,code_insee,nb_conseillers\nPermanence A,conseiller numérique,72181,3\n",
    )
    territory = build_territory(UserFiles(sites=path, replace_sites=True))
    assert not any(w.startswith("Permanences des conseillers") for w in territory.warnings)
    assert territory.vintages["cnfs_permanence"] == "fichier fourni (cn.csv)"
