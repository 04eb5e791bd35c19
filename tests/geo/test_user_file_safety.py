"""User files that cannot lie: garbage values, hostile text, exact lines, special files."""

from __future__ import annotations

import json
import os
import threading

import pytest

from geo import csvio, defaults
from geo.cog import load_commune_codes
from geo.errors import DataValidationError, Problem, ProblemCollector
from geo.fibre import read_user_fibre
from geo.territory import UserFiles, build_territory
from geo.user_indicators import read_user_indicators

FIBRE_HEADER = "Code commune;Meilleure estimation des locaux à date;T2 2025\n"


@pytest.fixture(scope="module")
def codes():
    return load_commune_codes()


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _sites_error(tmp_path, text, name="s.csv"):
    path = _write(tmp_path / name, text)
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(sites=path))
    return info.value


def _fibre_error(tmp_path, codes, text):
    with pytest.raises(DataValidationError) as info:
        read_user_fibre(_write(tmp_path / "f.csv", text), codes)
    return info.value


def _within(seconds, func, *args):
    """Run ``func`` in a daemon thread; fail (instead of hanging the suite) if it blocks."""
    outcome = {}

    def run():
        try:
            outcome["value"] = func(*args)
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"blocked for more than {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- garbage values -------------------------------------------------------------------------


def test_implausible_advisor_counts_refused_per_cell(tmp_path):
    error = _sites_error(
        tmp_path,
        "nom;code_insee;nb_conseillers\n"
        "A;72181;inf\nB;72003;1e308\nC;72181;1 000 000\nD;72003;-1\nE;72181;2\nF;72003;51\n",
    )
    found = [(p.code, p.row, p.column) for p in error.problems]
    assert found == [
        ("not_a_number", 1, "nb_conseillers"),
        ("out_of_range", 2, "nb_conseillers"),
        ("out_of_range", 3, "nb_conseillers"),
        ("out_of_range", 4, "nb_conseillers"),
        ("out_of_range", 6, "nb_conseillers"),
    ]
    assert "« 1e308 » est hors des valeurs plausibles (de 0 à 50)" in error.problems[1].message
    assert "« -1 » est négatif" in error.problems[3].message


def test_overflowing_coordinate_is_not_a_finite_number(tmp_path):
    error = _sites_error(tmp_path, "nom;longitude;latitude\nA;1e309;48.0\n")
    assert [(p.code, p.row) for p in error.problems] == [("out_of_range", 1)]
    assert "n'est pas un nombre fini" in error.problems[0].message


def test_indicator_beyond_any_plausible_magnitude(tmp_path, codes):
    path = _write(tmp_path / "i.csv", "code_insee;demandes\n72181;1e308\n72003;12\n")
    with pytest.raises(DataValidationError) as info:
        read_user_indicators(path, codes)
    assert [(p.code, p.row) for p in info.value.problems] == [("out_of_range", 1)]


# --- hostile text ----------------------------------------------------------------------------


def test_control_characters_refused_per_cell_and_never_echoed(tmp_path):
    error = _sites_error(
        tmp_path,
        "nom;code_insee;type\nA\x00B;72181;mairie\nC\x1bD;72003;mairie\nE\u202eF;72181;x\x07\n",
    )
    cells = [(p.row, p.column, p.message) for p in error.problems if p.code == "bad_cell"]
    assert [(row, col) for row, col, _ in cells] == [
        (1, "nom"),
        (2, "nom"),
        (3, "nom"),
        (3, "type"),
    ]
    assert "U+0000" in cells[0][2] and "U+001B" in cells[1][2] and "U+202E" in cells[2][2]
    text = str(error)
    assert not any(ch in text for ch in "\x00\x1b\u202e\x07")


def test_over_long_name_and_cell(tmp_path):
    error = _sites_error(
        tmp_path,
        f"nom;code_insee;horaires\n{'A' * 201};72181;\nB;72003;{'x' * 2001}\n",
    )
    assert [(p.code, p.row, p.column) for p in error.ordered()] == [
        ("too_long", 1, "nom"),
        ("bad_cell", 2, "horaires"),
    ]
    assert "nom de 201 caractères, au-delà de la limite de 200" in str(error)
    assert len(str(error)) < 1000


def test_control_character_in_geojson_property(tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nom": "Le Mans\u202e", "type": "mairie\x1b"},
                "geometry": {"type": "Point", "coordinates": [0.1996, 48.0061]},
            }
        ],
    }
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        build_territory(UserFiles(sites=path))
    assert [(p.code, p.column) for p in info.value.problems] == [
        ("bad_cell", "nom"),
        ("bad_cell", "type"),
    ]


# --- fibre -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "words"),
    [
        ("72181;-5;3", "out_of_range", "« -5 » est négatif"),
        ("72181;0;10", "inconsistent", "10 locaux raccordables pour 0 local"),
        ("72181;100;120", "inconsistent", "120 locaux raccordables pour 100 locaux (120 %)"),
        ("7201;100;90", "unknown_code", "« 7201 » n'a que 4 chiffres"),
        ("72x81;100;90", "unknown_code", "« 72x81 » n'est pas un code INSEE"),
    ],
    ids=["negative", "zero-premises", "over-100-percent", "truncated-code", "malformed-code"],
)
def test_fibre_garbage_reported(tmp_path, codes, line, code, words):
    error = _fibre_error(tmp_path, codes, FIBRE_HEADER + "72003;6 500;6 450\n" + line + "\n")
    assert [(p.code, p.row) for p in error.problems] == [(code, 2)]
    assert words in error.problems[0].message


def test_fibre_file_without_a_commune_of_the_territory_is_refused(tmp_path, codes):
    error = _fibre_error(tmp_path, codes, FIBRE_HEADER + "75056;1000;900\n13055;500;400\n")
    assert [p.code for p in error.problems] == ["no_territory_commune"]
    assert "aucune commune de la Sarthe (72xxx)" in error.problems[0].message
    assert "75056" in error.problems[0].message


def test_fibre_national_file_without_leading_zeros_is_accepted(tmp_path, codes):
    # Spreadsheets drop the zero of 01xxx–09xxx: 4-digit codes there are not truncated.
    path = _write(tmp_path / "f.csv", FIBRE_HEADER + "1001;100;90\n7201;80;70\n72181;95;94\n")
    layer = read_user_fibre(path, codes)
    assert layer.table.index.tolist() == ["72181"]


def test_fibre_insee_based_premises_allow_the_known_shortfall(tmp_path, codes):
    path = _write(
        tmp_path / "f.csv",
        "Code commune;Logements;Établissements;T1 2025\n72181;100;5;110\n72003;100;0;250\n",
    )
    with pytest.raises(DataValidationError) as info:
        read_user_fibre(path, codes)
    # 110 for 105 INSEE premises is the estimate falling short; 250 for 100 is garbage.
    assert [(p.code, p.row) for p in info.value.problems] == [("inconsistent", 2)]
    layer = read_user_fibre(_write(tmp_path / "g.csv", path.read_text().rsplit("\n", 2)[0]), codes)
    assert layer.table.at["72181", "fibre_share"] == 1.0


# --- indicators ------------------------------------------------------------------------------


def test_indicator_headers_colliding_after_normalisation(tmp_path, codes):
    path = _write(tmp_path / "i.csv", "code_insee;Part 75 ans;part_75_ans\n72181;1;2\n")
    with pytest.raises(DataValidationError) as info:
        read_user_indicators(path, codes)
    assert [p.code for p in info.value.problems] == ["duplicate_column"]
    message = info.value.problems[0].message
    assert "« Part 75 ans », « part_75_ans »" in message and "« part_75_ans »)" in message


def test_indicator_code_missing_or_truncated(tmp_path, codes):
    path = _write(tmp_path / "i.csv", "code_insee;demandes\n72181;1\n;2\n7218;3\n")
    with pytest.raises(DataValidationError) as info:
        read_user_indicators(path, codes)
    assert [(p.row, p.message[:18]) for p in info.value.problems] == [
        (2, "code INSEE manquan"),
        (3, "le code INSEE « 72"),
    ]


# --- messages --------------------------------------------------------------------------------


def test_line_numbers_count_blank_lines(tmp_path):
    error = _sites_error(tmp_path, "nom;code_insee\n\nA;72181\n\n\nB;72999\n")
    assert str(error.problems[0]).startswith("[ligne 6, colonne « code_insee »]")


def test_line_numbers_follow_spreadsheet_rows_with_multiline_cells(tmp_path):
    # A quoted cell over two lines is one spreadsheet row: B is on row 3 (file line 4).
    error = _sites_error(tmp_path, 'nom;code_insee\n"Médiathèque\nde Mamers";72180\nB;72999\n')
    assert str(error.problems[0]).startswith("[ligne 3, colonne « code_insee »]")


def test_problem_count_is_true_beyond_what_is_listed(tmp_path):
    rows = "".join(f"A{i};72181;deux\n" for i in range(120))
    error = _sites_error(tmp_path, "nom;code_insee;nb_conseillers\n" + rows)
    assert error.total == 120
    assert error.format().splitlines()[0] == (
        "Fichier « s.csv » : 120 problèmes, les 80 premiers ci-dessous."
    )
    assert len(error.format().splitlines()) == 81


def test_collector_keeps_a_bounded_number_but_counts_all():
    collector = ProblemCollector("x.csv", max_kept=5)
    for row in range(1, 8):
        collector.add("not_a_number", "« ? » n'est pas un nombre.", row=row)
    with pytest.raises(DataValidationError) as info:
        collector.raise_if_any()
    assert (info.value.total, len(info.value.problems)) == (7, 5)
    assert info.value.format().startswith("Fichier « x.csv » : 7 problèmes, les 5 premiers")
    one = DataValidationError("y.csv", [Problem("empty_file", "le fichier est vide.")])
    combined = DataValidationError.combine([info.value, one], "fichiers fournis")
    assert combined.total == 8 and combined.problems[-1].message == "y.csv : le fichier est vide."


def test_library_errors_wrapped_in_french_with_cause(tmp_path):
    error = _sites_error(tmp_path, '{"type": "FeatureCollection", "features": [', "s.geojson")
    assert [p.code for p in error.problems] == ["malformed_geojson"]
    assert "Unterminated" not in str(error) and "Failed" not in str(error)
    assert error.__cause__ is not None and "Unterminated" in str(error.__cause__)
    error = _sites_error(tmp_path, 'nom;code_insee\n"A;72181\nB;72003\n' + "x" * 140_000)
    assert [p.code for p in error.problems] == ["malformed_csv"]
    assert "guillemet" in str(error) and "field" not in str(error)
    assert error.__cause__ is not None


def test_extra_values_are_reported_in_french(tmp_path):
    error = _sites_error(tmp_path, "nom;code_insee\nA;72181;x;y\nB;72003\n")
    assert [(p.code, p.row) for p in error.problems] == [("extra_values", 1)]
    assert "au-delà des 2 colonnes de l'en-tête" in error.problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "nom;code_insee\nA;72181;\nB;72003;\n",
        "nom;code_insee;\nA;72181;\nB;72003;\n",
        "nom;code_insee;\nA;72181\nB;72003\n",
        "nom;code_insee;;\nA;72181;;\nB;72003;;\n",
    ],
    ids=["data-lines", "every-line", "header-only", "two-trailing"],
)
def test_trailing_separator_does_not_shift_columns(tmp_path, text):
    territory = build_territory(UserFiles(sites=_write(tmp_path / "s.csv", text)))
    user = territory.sites[territory.sites["source"].str.contains("utilisateur")]
    assert user["name"].tolist() == ["A", "B"]
    assert user["code_insee"].tolist() == ["72181", "72003"]


def test_nameless_column_with_values_is_reported(tmp_path):
    error = _sites_error(tmp_path, "nom;;code_insee\nA;note;72181\n")
    assert [p.code for p in error.problems] == ["unnamed_column"]
    assert "colonne n° 2" in error.problems[0].message


def test_header_with_too_many_columns_refused_before_parsing(tmp_path, monkeypatch):
    header = ";".join(f"c{i}" for i in range(200_000))
    path = _write(tmp_path / "wide.csv", f"{header}\n{';' * 199_999}\n")

    def no_parsing(*_args, **_kwargs):
        raise AssertionError("the rows must not be parsed")

    monkeypatch.setattr(csvio, "_records", no_parsing)
    collector = ProblemCollector("wide.csv")
    assert csvio.read_table(path, collector) is None
    assert [p.code for p in collector.problems] == ["too_many_columns"]
    assert "200000 colonnes" in collector.problems[0].message.replace("\u202f", "")


# --- files that are not files ----------------------------------------------------------------


def _read_problem(path):
    collector = ProblemCollector(os.path.basename(path))
    assert _within(5, csvio.read_table, path, collector) is None
    assert len(collector.problems) == 1
    return collector.problems[0]


def test_missing_file_and_directory_refused_without_server_path(tmp_path):
    missing = _read_problem(tmp_path / "absent.csv")
    assert missing.code == "not_found" and "« absent.csv » n'existe pas" in missing.message
    folder = tmp_path / "dossier.csv"
    folder.mkdir()
    directory = _read_problem(folder)
    assert directory.code == "not_a_file" and "est un dossier" in directory.message
    assert str(tmp_path) not in missing.message + directory.message


def test_fifo_and_device_refused_without_blocking(tmp_path):
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    assert _read_problem(fifo).code == "not_a_file"
    assert _read_problem("/dev/zero").code == "not_a_file"
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    assert "n'est pas un fichier ordinaire" in _read_problem(link).message


def test_geojson_fifo_refused_without_blocking(tmp_path):
    fifo = tmp_path / "lieux.geojson"
    os.mkfifo(fifo)
    with pytest.raises(DataValidationError) as info:
        _within(30, build_territory, UserFiles(sites=fifo))
    assert [p.code for p in info.value.problems] == ["not_a_file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = _write(tmp_path / "prive.csv", "nom;code_insee\nA;72181\n")
    path.chmod(0)
    problem = _read_problem(path)
    assert problem.code == "unreadable" and "n'est pas lisible" in problem.message


def test_file_size_limit_read_from_defaults(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_USER_FILE_BYTES", 2048)
    problem = _read_problem(_write(tmp_path / "big.csv", "nom;code_insee\n" + "A;72181\n" * 400))
    assert problem.code == "file_too_large"
    assert problem.message == "le fichier fait 3 ko, au-delà de la limite de 2 ko."
