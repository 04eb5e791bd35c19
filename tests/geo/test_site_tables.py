"""One builder per published site list, fed by the Sarthe files and the national files.

Rows are taken from the vendored files themselves (``data/raw/sites/`` and
``data/raw/france/``); the expected values are read off those rows by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo import cog, sites
from geo.national import sites as national_sites
from geo.national import store
from geo.site_tables import (
    ACCENTED_WORDS,
    SITE_COLUMNS,
    cnfs_frame,
    commune_name_key,
    france_services_frame,
    km_fr,
    readable_name,
    restore_accents,
    town_halls_frame,
)

_LE_MANS_HOURS = (
    "lundi 08h30–12h00, 13h00–17h00 ; mardi 08h30–12h00, 13h00–17h00 ; "
    "mercredi 08h30–12h00, 13h00–17h00 ; jeudi 08h30–12h00, 13h00–17h00 ; "
    "vendredi 08h30–12h00, 13h00–17h00 ; samedi 08h30–11h45"
)


def _sarthe_halls(codes: list[str]) -> pd.DataFrame:
    raw = pd.read_csv(sites.SITES_DIR / "mairies_72_datafrance.csv", dtype=str)
    return raw[raw["code_insee"].isin(codes)]


def _national_halls(codes: list[str]) -> pd.DataFrame:
    raw = store.read_table("town_halls", None)
    return raw[raw["code_insee"].isin(codes)]


def test_both_town_hall_files_go_through_one_builder():
    names = cog.load_commune_codes().names
    sarthe = town_halls_frame(_sarthe_halls(["72004", "72181"]), names).set_index("site_id")
    national = town_halls_frame(
        _national_halls(["72004", "72181"]), names, national_sites._hall_hours
    ).set_index("site_id")
    for frame in (sarthe, national):
        assert list(frame.columns) == [*SITE_COLUMNS[1:], "geometry"]
        # The directory writes « Mans »: the official name comes from the commune codes.
        assert frame.at["mairie-72181", "name"] == "Mairie — Le Mans"
        assert frame.at["mairie-72181", "opening_hours"] == _LE_MANS_HOURS
        assert pd.isna(frame.at["mairie-72181", "location_note"])
        assert frame.at["mairie-72004", "location_note"].endswith(
            "dans une autre commune : remplacé par un point dans la commune "
            "(emplacement approximatif)"
        )
    # Amné's published point is 690.4 m outside (Sarthe outline): the file's inner point.
    assert sarthe.at["mairie-72004", "location_note"].startswith("point publié à 0.7 km")
    assert sarthe.loc["mairie-72004", ["lon", "lat"]].tolist() == [-0.042341, 48.03985]
    assert sarthe.at["mairie-72004", "opening_hours"] == (
        "lundi 14h00–17h30 ; mercredi 14h00–17h30 ; vendredi 14h00–17h30"
    )
    assert (
        national.at["mairie-72004", "opening_hours"] == sarthe.at["mairie-72004", "opening_hours"]
    )


def test_national_town_halls_without_a_point_or_with_an_empty_last_day():
    raw = _national_halls(["61032", "02018", "15031"])
    names = national_sites._names(None)
    halls = town_halls_frame(raw, names, national_sites._hall_hours).set_index("site_id")
    # Celles (15031) has neither a published point nor an outline: left out.
    assert sorted(halls.index) == ["mairie-02018", "mairie-61032"]
    # Beaufai publishes ["mardi", "", …] and ["jeudi", "", …]: each is that one day.
    assert halls.at["mairie-61032", "opening_hours"] == "mardi 14h00–18h00 ; jeudi 14h00–18h00"
    assert halls.at["mairie-02018", "location_note"] == (
        "aucun point publié : point placé dans la commune (emplacement approximatif)"
    )
    assert halls.loc["mairie-02018", ["lon", "lat"]].tolist() == [3.443997, 49.515081]
    assert halls.at["mairie-02018", "name"] == "Mairie — Anizy-le-Grand"


def test_france_services_of_both_files_are_one_table():
    sarthe_raw = pd.read_csv(sites.SITES_DIR / "france_services_72_20240801.csv", dtype=str)
    national_raw = store.read_table("france_services", "72")
    sarthe, national = france_services_frame(sarthe_raw), france_services_frame(national_raw)
    pd.testing.assert_frame_equal(
        pd.DataFrame(sarthe).set_index("site_id").sort_index(),
        pd.DataFrame(national).set_index("site_id").sort_index(),
    )
    bus = sarthe_raw.loc[sarthe_raw["format_fs"] == "Bus_équivalent", "id_fs"]
    flagged = sarthe.set_index("site_id").loc["fs-" + bus, "location_note"]
    assert len(bus) >= 1
    assert (flagged == "France services itinérante (bus) : point de rattachement").all()
    assert (sarthe["vintage"] == "2024-08-01").all() and len(sarthe) == 26


def test_permanence_names_read_from_the_commune_code():
    raw = pd.read_csv(sites.SITES_DIR / "cnfs_permanences_72_2022.csv", dtype=str).head(3)
    codes = pd.Series(["72181", "72181", "72154"], index=raw.index)
    frame = cnfs_frame(raw, codes, {"72181": "Le Mans"})
    assert frame["code_insee"].tolist() == ["72181", "72181", "72154"]
    assert frame["name"].iloc[:2].tolist() == [
        "La Poste (Le Mans)",
        "Croix-Rouge française (Le Mans)",
    ]
    # No name for 72154 in the mapping: the published commune is kept.
    assert frame["name"].iloc[2].endswith(f"({raw['commune'].iloc[2]})")
    assert frame["n_advisors"].tolist() == raw["n_conseillers"].astype(float).tolist()
    assert frame["location_note"].isna().all()


@pytest.mark.parametrize(
    ("published", "readable"),
    [
        ("CCAS DU MANS", "CCAS du Mans"),
        ("ANTENNE SOLIDARITE DE LOUE", "Antenne Solidarite de Loue"),
        # Mixed case is the publisher's own spelling: kept, not title-cased.
        ("Coworking@LeLude", "Coworking@LeLude"),
        ("Mission Locale Le Mans - PLI", "Mission Locale Le Mans - PLI"),
        ("centre social Nicole Bastien", "Centre social Nicole Bastien"),
    ],
)
def test_readable_names(published, readable):
    assert readable_name(pd.Series([published])).iloc[0] == readable


@pytest.mark.parametrize(
    ("written", "accented"),
    [
        ("Croix Rouge Francaise", "Croix-Rouge française"),
        ("Le Mans Metropole Communaute Urbaine", "Le Mans Métropole Communauté Urbaine"),
        ("L'Etape Numerique", "L'Étape Numérique"),
        ("Maison de sante", "Maison de santé"),
        # Capitals inside a mixed name are an acronym; « marche » may be the verb.
        ("Centre Social ACCES", "Centre Social ACCES"),
        ("Les Acteurs Solidaires en Marche", "Les Acteurs Solidaires en Marche"),
    ],
)
def test_restore_accents(written, accented):
    assert restore_accents(pd.Series([written])).iloc[0] == accented


def test_sarthe_permanence_names_are_accented():
    names = sites.load_cnfs_permanences().set_index("site_id")["name"]
    words = {w.lower() for w in names.str.findall(r"[^\W\d_]+").sum()}
    assert not words & set(ACCENTED_WORDS)
    assert names["cnfs-627a40e5ad1bdb06edc48bb3"] == "Croix-Rouge française (Le Mans)"
    # A trailing commune name takes the official spelling; the dash of an annex stays.
    assert names["cnfs-62bac027dd51e705b180b244"] == "Antenne Solidarité de Loué (Loué)"
    assert "Mairie Annexe - Le Mans (Le Mans)" in set(names)
    assert "Mairie de Saint-Georges-du-Bois (Saint-Georges-du-Bois)" in set(names)
    assert names.index.str.fullmatch(r"cnfs-[0-9a-f]{24}").all()


def test_sarthe_library_names_are_accented():
    # Walk-through: « Reseau Des Mediatheques Du Pays Sabolien » on the Recommandation.
    libraries, _ = sites.load_libraries()
    names = libraries.set_index("site_id")["name"]
    words = {w.lower() for w in names.str.findall(r"[^\W\d_]+").sum()}
    assert not words & set(ACCENTED_WORDS)
    assert "Réseau des Médiathèques du Pays Sabolien (Sablé-sur-Sarthe)" in set(names)
    # A trailing commune takes its official spelling, as the permanences' do.
    assert "Médiathèque de Champagné (Champagné)" in set(names)
    assert "Pôle-Lecture de Bonnétable (Bonnétable)" in set(names)


def test_commune_name_key_and_km():
    assert commune_name_key("ST CALAIS") == commune_name_key("Saint-Calais")
    assert commune_name_key("LOUE") == commune_name_key("Loué")
    assert km_fr(15.44) == "15,4" and km_fr(611.4) == "611,4"


def test_sarthe_and_national_loaders_share_the_builders():
    # One implementation per list: the loaders of both sources call the same objects.
    assert national_sites.france_services_frame is sites.france_services_frame
    assert national_sites.town_halls_frame is sites.town_halls_frame
    assert national_sites.cnfs_frame is sites.cnfs_frame
    assert sites.SITE_COLUMNS is SITE_COLUMNS
