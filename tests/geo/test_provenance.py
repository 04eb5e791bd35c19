"""One provenance table: the national sources are the Sarthe entries with their differences."""

from __future__ import annotations

import geo.national
import geo.territory
from geo import fibre, provenance
from geo.territory import sources


def test_national_sources_differ_from_sarthe_only_where_the_files_do():
    sarthe, national = provenance.SOURCES, provenance.NATIONAL_SOURCES
    assert list(national) == [
        "communes",
        "population",
        "town_hall",
        "france_services",
        "cnfs_permanence",
        "filosofi",
        "ifn",
        "density",
        "aav",
    ]
    changed = {
        (layer, field)
        for layer, meta in national.items()
        for field, value in meta.items()
        if sarthe[layer][field] != value
    }
    assert changed == {
        ("communes", "publisher"),
        ("communes", "licence"),
        ("communes", "vintage"),
        ("communes", "status"),
        ("population", "label"),
        ("cnfs_permanence", "licence"),
    }
    assert national["communes"]["vintage"] == "COG 2025, contours ≈ ADMIN EXPRESS 2024"
    assert national["ifn"] == sarthe["ifn"] and national["ifn"] is not sarthe["ifn"]
    assert all(list(meta) == list(sarthe[layer]) for layer, meta in national.items())


def test_sarthe_only_layers_and_the_names_kept():
    assert provenance.SARTHE_ONLY_LAYERS == {
        "census": "Chômage et âges (recensement)",
        "fibre": "Fibre optique (FttH) par commune",
        "library": "Bibliothèques publiques",
        "data_inclusion": "Structures d'inclusion numérique",
    }
    assert provenance.SOURCES["fibre"]["vintage"] == fibre.EMBEDDED_VINTAGE
    assert geo.territory.SOURCES is provenance.SOURCES is sources.SOURCES
    assert geo.national.NATIONAL_SOURCES is provenance.NATIONAL_SOURCES


def test_layer_status_of_sarthe_only_layers_uses_their_label():
    status = geo.national.load_layers("53").status
    assert status.at["library", "state"] == "missing"
    assert status.at["library", "message"] == (
        "Bibliothèques publiques : pas de fichier national (Sarthe seulement)."
    )
