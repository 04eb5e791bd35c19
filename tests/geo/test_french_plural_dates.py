"""French plurals and ISO dates inside texts (council pack sentences, sources annex)."""

from __future__ import annotations

import pytest

from geo.formatting import format_iso_dates_fr, plural_fr


@pytest.mark.parametrize(
    ("n", "singular", "plural", "expected"),
    [
        (0, "lieu", None, "lieu"),
        (1, "lieu", None, "lieu"),
        (1.5, "conseiller", None, "conseiller"),
        (2, "lieu", None, "lieux"),
        (12, "nouveau", None, "nouveaux"),
        (3, "permanence", None, "permanences"),
        (38, "conseiller", None, "conseillers"),
        (4, "bus", None, "bus"),
        (2, "valeur non publiée", "valeurs non publiées", "valeurs non publiées"),
        (1, "valeur non publiée", "valeurs non publiées", "valeur non publiée"),
    ],
)
def test_plural_fr(n, singular, plural, expected):
    assert plural_fr(n, singular, plural) == expected


def test_plural_fr_asks_the_plural_of_a_phrase():
    with pytest.raises(ValueError, match="pluriel de « nouveau lieu »"):
        plural_fr(3, "nouveau lieu")
    # Below 2 the singular is enough.
    assert plural_fr(1, "nouveau lieu") == "nouveau lieu"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-01", "1er août 2024"),
        ("COG 2025 (édition 2025-04-02)", "COG 2025 (édition 2 avril 2025)"),
        ("territoires (édition 2024-06)", "territoires (édition juin 2024)"),
        ("2022-2023", "2022-2023"),
        ("2017-2023", "2017-2023"),
        ("RP 2021", "RP 2021"),
        ("2023-02-30", "2023-02-30"),
        # Review: a user's file name was rewritten (« lieux-juin 2024.csv »).
        ("fichier fourni (lieux-2024-06.csv)", "fichier fourni (lieux-2024-06.csv)"),
        ("fichier fourni (2024-06-01_export.csv)", "fichier fourni (2024-06-01_export.csv)"),
        ("données/2024-06/lieux", "données/2024-06/lieux"),
    ],
)
def test_iso_dates_in_a_text_read_in_french(text, expected):
    assert format_iso_dates_fr(text) == expected


def test_source_lines_rewrite_the_vintage_only():
    from geo.render.print_map import format_source_line

    line = format_source_line(
        {"label": "Lieux", "publisher": "Éditeur 2024-06-01", "vintage": "2024-08-01"}
    )
    assert line == "Lieux : Éditeur 2024-06-01, 1er août 2024"
