"""User files and caches an attacker controls: true counts, exact places, no silent garbage."""

from __future__ import annotations

import json

import pytest

from equity.workflows import Upload, apply_uploads, store_upload
from geo import boundaries, cog, settings, sites
from geo.errors import DataValidationError
from geo.network import NETWORK_FILE, network_is_damaged
from geo.territory import UserFiles, build_territory
from geo.territory.cache import raise_together


def _bad_advisor_rows(n: int) -> bytes:
    rows = "".join(f"Lieu {i};user;72181;-{i + 1}\n" for i in range(n))
    return ("nom;type;code_insee;nb_conseillers\n" + rows).encode()


def _geojson(*features: tuple[list[float], dict]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": xy},
                    "properties": p,
                }
                for xy, p in features
            ],
        }
    )


@pytest.fixture(scope="module")
def reference():
    communes = boundaries.load_communes()
    embedded, _ = sites.load_embedded_sites(communes)
    return (
        communes,
        boundaries.load_departement().union_all(),
        cog.load_commune_codes(),
        embedded[embedded["site_type"] == "town_hall"],
    )


def test_geojson_problems_name_the_feature_not_a_line(tmp_path, reference):
    path = tmp_path / "lieux.geojson"
    ok = {"nom": "Médiathèque", "type": "user", "nb_conseillers": 1}
    bad = {"nom": "Mairie", "type": "user", "nb_conseillers": -5}
    path.write_text(_geojson(([0.2, 48.0], ok), ([0.2, 48.0], bad)), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        sites.read_user_sites(path, *reference)
    (problem,) = info.value.problems
    assert str(problem).startswith("[objet 2, colonne « nb_conseillers »] « -5 » est négatif")


def test_csv_problems_still_name_the_spreadsheet_line(tmp_path, reference):
    path = tmp_path / "lieux.csv"
    path.write_bytes(_bad_advisor_rows(2))
    with pytest.raises(DataValidationError) as info:
        sites.read_user_sites(path, *reference)
    assert [str(p)[:9] for p in info.value.ordered()] == ["[ligne 2,", "[ligne 3,"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nan.csv", "nom;type;longitude;latitude;nb_conseillers\nLieu;user;nan;48,0;1\n"),
        ("dash.csv", "nom;type;longitude;latitude;nb_conseillers\nLieu;user;-;-;1\n"),
        ("nan.geojson", _geojson(([float("nan"), 48.0], {"nom": "x", "type": "user"}))),
    ],
)
def test_site_without_any_position_is_refused(tmp_path, reference, name, text):
    # These cells read as empty; the site used to be kept as POINT EMPTY with an advisor.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match="lieu impossible à situer") as info:
        sites.read_user_sites(path, *reference)
    assert info.value.problems[0].row == 1


def test_upload_keeps_the_true_count_beyond_the_problems_kept(tmp_path):
    with pytest.raises(DataValidationError) as info:
        store_upload("sites", Upload(_bad_advisor_rows(1_200), "lieux.csv"), tmp_path)
    assert len(info.value.problems) == 1_000 and info.value.total == 1_200
    assert str(info.value).startswith("Fichier « lieux.csv » : 1200 problèmes, les 80 premiers")


def test_several_files_keep_their_true_totals(tmp_path):
    fibre = b"code_insee;Locaux;Locaux raccordables\n72181;-5;3\n"
    uploads = {
        "sites": Upload(_bad_advisor_rows(1_200), "lieux.csv"),
        "fibre": Upload(fibre, "fibre.csv"),
    }
    with pytest.raises(DataValidationError) as info:
        apply_uploads(uploads, UserFiles(), False, build_territory, tmp_path)
    assert info.value.total == 1_201
    assert not any(tmp_path.iterdir())
    # The territory build merges its files' errors the same way.
    kept = info.value.problems
    with pytest.raises(DataValidationError) as merged:
        raise_together(
            [
                DataValidationError("a.csv", kept[:3], total=1_500),
                DataValidationError("b.csv", kept[3:5]),
            ]
        )
    assert merged.value.total == 1_502
    assert merged.value.problems[0].message.startswith("a.csv : ")


def test_one_definition_of_the_user_file_limit():
    assert not hasattr(settings, "MAX_USER_FILE_BYTES")


def test_damaged_network_is_told_apart_from_none(tmp_path):
    assert not network_is_damaged(tmp_path)
    (tmp_path / NETWORK_FILE).write_bytes(b"PK\x03\x04 not a network")
    assert network_is_damaged(tmp_path)
