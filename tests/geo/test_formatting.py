"""French number, percentage and date formatting, plurals and ISO dates inside texts."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from geo.formatting import (
    format_date_fr,
    format_datetime_fr,
    format_iso_dates_fr,
    format_number_fr,
    format_percent_fr,
    plural_fr,
)

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (566733, 0, f"566{NNBSP}733"),
        (1.5, 1, "1,5"),
        (1234567.891, 2, f"1{NNBSP}234{NNBSP}567,89"),
        (999.6, 0, f"1{NNBSP}000"),
        (12, 0, "12"),
        (-4321.5, 1, f"-4{NNBSP}321,5"),
        (-0.2, 0, "0"),
        (np.int64(146249), 0, f"146{NNBSP}249"),
    ],
)
def test_format_number_fr(value, decimals, expected):
    assert format_number_fr(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
def test_missing_values_are_not_available(missing):
    assert format_number_fr(missing) == "n.d."
    assert format_percent_fr(missing) == "n.d."


def test_format_percent_fr():
    assert format_percent_fr(0.734) == f"73{NNBSP}%"
    assert format_percent_fr(0.7345, decimals=1) == f"73,5{NNBSP}%"
    assert format_percent_fr(1) == f"100{NNBSP}%"


def test_format_date_fr():
    assert format_date_fr(dt.date(2026, 11, 28)) == "28 novembre 2026"
    assert format_date_fr(dt.datetime(2024, 8, 1, 15, 30)) == "1er août 2024"
    assert format_date_fr(pd.Timestamp("2025-02-14")) == "14 février 2025"
    assert format_date_fr("2023-12-05") == "5 décembre 2023"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # Winter time, UTC + 1.
        ("2026-12-01T17:58:00+00:00", "1er décembre 2026 à 18:58"),
        # Summer time, UTC + 2: the local day is the next one.
        ("2026-07-01T22:30:00+00:00", "2 juillet 2026 à 00:30"),
        # No offset: read as UTC, as the scenario store writes.
        ("2026-03-15T08:05:00", "15 mars 2026 à 09:05"),
    ],
)
def test_saved_times_shown_in_paris_time(stored, shown):
    # Walk-through: the version history read « … à 17:58 (UTC) ».
    assert format_datetime_fr(stored) == shown


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
