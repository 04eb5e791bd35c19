"""What a territory is built from: the Sarthe files, or the national files of a département.

Sarthe (72) keeps its richer embedded files (libraries, data·inclusion, census RP 2021,
fibre 2018); any other metropolitan département is read from :mod:`geo.national`. Both
give a :class:`TerritoryInputs` with the same columns, so the builder that turns them
into a :class:`~geo.territory.Territory` is one and the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo import boundaries, cog, defaults, fibre, national, settings, sites
from geo.territory.sources import SOURCES

__all__ = ["TerritoryInputs", "merger_warning", "national_inputs", "sarthe_inputs"]

#: Layers without a national file: the label of their effect on the need index.
_ABSENT_NEED_LAYERS: dict[str, str] = {
    "census": "chômage et part des moins de 15 ans et 65 ans et plus",
    "fibre": "couverture en fibre",
}
#: Indicators of the need index read from each national layer (French, for the composition).
_NEED_LAYERS: dict[str, str] = {
    "filosofi": "revenu médian et taux de pauvreté (Filosofi 2021)",
    "ifn": "indice de fragilité numérique (IFN 2020)",
    "density": "grille de densité",
}

Loader = Callable[[], tuple[pd.DataFrame, set[str]]]


@dataclass(frozen=True)
class TerritoryInputs:
    """The embedded layers of one département, before user files and imputation.

    Attributes
    ----------
    code, name : str
        Département code and name.
    communes, departement, epci : geopandas.GeoDataFrame
        As :func:`geo.boundaries.load_communes`, ``load_departement``, ``load_epci``.
    codes : geo.cog.CommuneCodes
        Current and former commune codes (messages name the département).
    sites : geopandas.GeoDataFrame
        Embedded sites (:data:`geo.sites.SITE_COLUMNS`).
    indicator_loaders : sequence of callables
        Loaders for :func:`geo.socio.load_indicators`.
    embedded_fibre : callable or None
        Loader of the embedded fibre layer (Sarthe's dated file), None when none exists.
    warnings : list of str
        French warnings of the embedded layers (sites left out, missing layers).
    vintages, sources : dict
        Layer → vintage, layer → provenance.
    """

    code: str
    name: str
    communes: gpd.GeoDataFrame
    departement: gpd.GeoDataFrame
    epci: gpd.GeoDataFrame
    codes: cog.CommuneCodes
    sites: gpd.GeoDataFrame
    indicator_loaders: Sequence[Loader] | None
    embedded_fibre: Callable[[], fibre.FibreLayer] | None
    warnings: list[str] = field(default_factory=list)
    vintages: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)


def sarthe_inputs() -> TerritoryInputs:
    """The embedded Sarthe files (the default territory, every figure as before)."""
    codes = cog.load_commune_codes()
    communes = boundaries.load_communes()
    embedded_sites, site_warnings = sites.load_embedded_sites(communes)
    return TerritoryInputs(
        code=settings.DEPARTMENT_CODE,
        name=settings.DEPARTMENT_NAME,
        communes=communes,
        departement=boundaries.load_departement(),
        epci=boundaries.load_epci(communes),
        codes=codes,
        sites=embedded_sites,
        indicator_loaders=None,
        embedded_fibre=lambda: fibre.load_embedded_fibre(codes),
        warnings=site_warnings,
        vintages={layer: meta["vintage"] for layer, meta in SOURCES.items()},
        sources={layer: dict(meta) for layer, meta in SOURCES.items()},
    )


def national_inputs(code: str) -> TerritoryInputs:
    """The national files of a metropolitan département (:func:`geo.national.load_layers`).

    Layers without a national file (census, fibre, libraries, data·inclusion) are
    listed as absent in ``vintages``, ``sources`` and ``warnings``, with the
    composition of the need index built from the layers that exist.
    """
    layers = national.load_layers(code, defaults.BORDER_KM)
    communes, epci = _isolated_communes(layers.communes, layers.epci)
    embedded_sites = pd.concat(
        [layers.cnfs_permanences, layers.france_services, layers.town_halls], ignore_index=True
    )
    embedded_sites = gpd.GeoDataFrame(embedded_sites, geometry="geometry", crs=settings.WORK_CRS)
    located = communes[communes.geometry.notna()]
    embedded_sites["code_insee"] = sites.assign_communes(
        embedded_sites, located, fallback=embedded_sites["code_insee"]
    )
    vintages = {layer: meta["vintage"] for layer, meta in national.NATIONAL_SOURCES.items()}
    sources = {layer: dict(meta) for layer, meta in national.NATIONAL_SOURCES.items()}
    absent = layers.status.index[layers.status["state"] == "missing"]
    for layer in absent:
        vintages[layer] = "absent pour ce département"
        base = SOURCES.get(layer, {"label": layer, "publisher": "", "licence": ""})
        sources[layer] = base | {"vintage": vintages[layer], "status": "MISSING"}
    return TerritoryInputs(
        code=layers.code,
        name=layers.name,
        communes=communes,
        departement=layers.departement,
        epci=epci,
        codes=layers.codes,
        sites=embedded_sites,
        indicator_loaders=(
            lambda: layers.filosofi,
            lambda: layers.census,
            lambda: layers.ifn,
            lambda: layers.zoning,
        ),
        embedded_fibre=None,
        warnings=[*layers.warnings, _absent_layers_warning(layers.code, layers.status)],
        vintages=vintages,
        sources=sources,
    )


def _isolated_communes(
    communes: gpd.GeoDataFrame, epci: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communes that belong to no EPCI (four islands) made their own group, as an EPCI.

    Every table of Maillage groups communes by EPCI; Île-de-Bréhat, Île-de-Sein,
    Ouessant and L'Île-d'Yeu belong to none by law, so each is shown as itself.
    """
    alone = communes["epci_siren"].isna()
    if not alone.any():
        return communes, epci
    communes = communes.copy()
    codes = communes.index[alone]
    communes.loc[alone, "epci_siren"] = "sans-epci-" + codes
    communes.loc[alone, "epci_name"] = communes.loc[alone, "name"] + " (commune sans EPCI)"
    communes.loc[alone, "epci_type"] = "sans EPCI"
    own = communes.loc[alone]
    extra = gpd.GeoDataFrame(
        {
            "geometry": own.geometry.to_numpy(),
            "epci_name": own["epci_name"].to_numpy(),
            "epci_type": "sans EPCI",
            "population_72": own["population"].to_numpy(),
            "n_communes_72": 1,
            "n_communes_total": 1,
            "population_total": own["population"].to_numpy(),
            "geometry_full": own.geometry.to_numpy(),
        },
        index=pd.Index(own["epci_siren"], name="epci_siren"),
        geometry="geometry",
        crs=settings.WORK_CRS,
    )
    epci = epci[epci.index.notna()]
    merged = gpd.GeoDataFrame(pd.concat([epci, extra]), geometry="geometry", crs=settings.WORK_CRS)
    merged["geometry_full"] = gpd.GeoSeries(merged["geometry_full"], crs=settings.WORK_CRS)
    return communes, merged


def _absent_layers_warning(code: str, status: pd.DataFrame) -> str:
    """Which layers are absent and what the need index is built from (French)."""
    absent = status[status["state"] == "missing"]
    labels = ", ".join(_lower_first(SOURCES.get(k, {}).get("label", k)) for k in absent.index)
    used = [text for layer, text in _NEED_LAYERS.items() if layer not in absent.index]
    lacking = [text for layer, text in _ABSENT_NEED_LAYERS.items() if layer in absent.index]
    return (
        f"Couches absentes pour {national.the_departement(code)} ({code}) : {labels}. "
        f"L'indice de besoin est calculé avec les indicateurs disponibles ({'; '.join(used)}), "
        "leurs poids ramenés à 100 %" + (f" ; sans {' ni '.join(lacking)}." if lacking else ".")
    )


def merger_warning(inputs: TerritoryInputs, status: pd.DataFrame) -> str:
    """The French warning on commune mergers whose INSEE indicators were aggregated."""
    aggregated = "leurs indicateurs INSEE antérieurs sont agrégés (sommes pour les effectifs, "
    aggregated += "moyennes pondérées par la population pour les taux) et marqués « estimés »."
    if inputs.code == settings.DEPARTMENT_CODE:
        names = inputs.communes["name"]
        merged = {new: old for old, new in cog.MERGERS_2025.items()}
        return (
            "Fusions de communes au 1er janvier 2025 : "
            + ", ".join(f"{old} → {new} ({names[new]})" for new, old in merged.items())
            + " ; "
            + aggregated
        )
    estimated = status.index[status.eq("estimated").any(axis=1)]
    former = sum(1 for new in inputs.codes.successors.values() if new in estimated)
    if not len(estimated):
        return "Aucune commune fusionnée depuis les millésimes des indicateurs INSEE."
    plural = "s" if len(estimated) > 1 else ""
    return (
        f"Communes nouvelles : {len(estimated)} commune{plural} actuelle{plural} "
        f"regroupe{'nt' if plural else ''} {former} anciennes communes publiées séparément "
        "dans les indicateurs INSEE ; " + aggregated
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
