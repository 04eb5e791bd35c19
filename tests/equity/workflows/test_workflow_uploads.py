"""Uploads are validated before anything is kept, and kept only under a generated name."""

from __future__ import annotations

import pytest

from equity.workflows import Upload, apply_uploads, display_name, store_upload
from geo import defaults
from geo.errors import DataValidationError
from geo.territory import UserFiles, load_territory

MARKET = "nom;type;code_insee\nMarché de Loué;marché;72168\n".encode()
BAD_TYPE = b"nom;type;code_insee\nLieu;![p](http://host/x.png);72168\n"


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_traversal_name_is_stored_under_a_generated_name_inside_the_folder(tmp_path):
    folder = tmp_path / "a" / "b" / "uploads"
    stored = store_upload("sites", Upload(MARKET, "../../../../x.csv"), folder)
    assert stored.path.parent == folder
    assert stored.path.name.startswith("sites-") and stored.path.suffix == ".csv"
    assert stored.display_name == "x.csv"
    assert stored.path.read_bytes() == MARKET
    assert _files(tmp_path) == [stored.path]


def test_refused_content_keeps_nothing_and_names_no_server_path(tmp_path):
    folder = tmp_path / "uploads"
    with pytest.raises(DataValidationError) as info:
        store_upload("sites", Upload(BAD_TYPE, "../../road_network.csv"), folder)
    assert info.value.source == "road_network.csv"
    assert "![p](http://host/x.png)" in info.value.format()
    assert _files(tmp_path) == []


def test_reader_messages_quoting_a_path_are_rewritten(tmp_path):
    with pytest.raises(DataValidationError) as info:
        store_upload("sites", Upload(MARKET, "lieux.geojson"), tmp_path)
    text = info.value.format()
    assert "lieux.geojson" in text and "/tmp" not in text and "maillage-upload" not in text
    assert _files(tmp_path) == []


def test_size_extension_and_empty_file_are_checked_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr("equity.workflows.uploads.MAX_USER_FILE_BYTES", 10)
    with pytest.raises(DataValidationError) as info:
        store_upload("fibre", Upload(MARKET, "fibre.exe"), tmp_path)
    codes = {p.code for p in info.value.problems}
    assert codes == {"bad_extension", "too_large"}
    with pytest.raises(DataValidationError, match="vide"):
        store_upload("indicators", Upload(b"", "i.csv"), tmp_path)
    assert _files(tmp_path) == []
    assert defaults.MAX_USER_FILE_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../../../tmp/x.csv", "x.csv"),
        ("C:\\Users\\moi\\lieux.csv", "lieux.csv"),
        ("..", "fichier"),
        ("a\x00b\nc.csv", "abc.csv"),
        ("y" * 500 + ".csv", "y" * 80),
    ],
)
def test_display_name_is_never_a_path(name, shown):
    assert display_name(name) == shown


def test_apply_uploads_keeps_nothing_when_the_territory_refuses_the_files(tmp_path):
    folder = tmp_path / "uploads"

    def refuse(user: UserFiles):
        # Stands for a problem only the whole territory reveals (e.g. two files disagree).
        assert user.sites is not None and user.sites.is_file()
        load_territory(UserFiles(sites=tmp_path / "absent.csv"), use_cache=False)

    with pytest.raises(DataValidationError):
        apply_uploads({"sites": Upload(MARKET, "m.csv")}, UserFiles(), False, refuse, folder)
    assert _files(tmp_path) == []


def test_apply_uploads_lists_the_problems_of_every_file(tmp_path):
    uploads = {
        "sites": Upload(BAD_TYPE, "lieux.csv"),
        "indicators": Upload(b"commune;x\n99999;1\n", "indicateurs.csv"),
        "fibre": Upload(MARKET, "fibre.csv"),
    }
    with pytest.raises(DataValidationError) as info:
        apply_uploads(uploads, UserFiles(), False, load_territory, tmp_path)
    sources = {p.message.split(" : ")[0] for p in info.value.problems}
    assert {
        "Lieux / conseillers (lieux.csv)",
        "Indicateurs par commune (indicateurs.csv)",
        "Fibre ARCEP (fibre.csv)",
    } <= sources
    assert _files(tmp_path) == []


def test_one_file_refused_in_two_fields_names_each_field(tmp_path):
    # Walk-through: the same binary file in « Lieux » and « Indicateurs » gave the same
    # message twice, word for word.
    binary = bytes(range(256)) * 4
    uploads = {"sites": Upload(binary, "binaire.csv"), "indicators": Upload(binary, "binaire.csv")}
    with pytest.raises(DataValidationError) as info:
        apply_uploads(uploads, UserFiles(), False, load_territory, tmp_path)
    messages = [p.message for p in info.value.problems]
    assert len(messages) == len(set(messages)) == 2
    assert messages[0].startswith("Lieux / conseillers (binaire.csv) : encodage")
    assert messages[1].startswith("Indicateurs par commune (binaire.csv) : encodage")
    with pytest.raises(DataValidationError) as single:
        apply_uploads({"fibre": Upload(binary, "f.csv")}, UserFiles(), False, load_territory)
    assert "Fibre ARCEP (f.csv)" in str(single.value)


def test_apply_uploads_applies_accepted_files(tmp_path):
    applied = apply_uploads(
        {"sites": Upload(MARKET, "marchés.csv")},
        UserFiles(),
        False,
        lambda user: load_territory(user, use_cache=False),
        tmp_path,
    )
    assert applied.user_files.sites.parent == tmp_path
    assert applied.names == {str(applied.user_files.sites): "marchés.csv"}
