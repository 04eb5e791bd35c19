"""Assemble the territory from the raw files and the user's files (no cache)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import boundaries, cog, fibre, settings, sites, socio, user_indicators
from geo.errors import DataValidationError
from geo.territory.cache import cache_key, raise_together
from geo.territory.model import Territory, UserFiles
from geo.territory.quality import quality_notes_fr
from geo.territory.sources import SOURCES

__all__ = ["build_territory"]

#: Longest list of commune codes quoted in one warning.
_MAX_LISTED_CODES = 8


@dataclass
class _Notes:
    """Warnings, vintages and sources gathered while the territory is assembled."""

    warnings: list[str] = field(default_factory=list)
    vintages: dict[str, str] = field(
        default_factory=lambda: {layer: meta["vintage"] for layer, meta in SOURCES.items()}
    )
    sources: dict[str, dict[str, str]] = field(
        default_factory=lambda: {layer: dict(meta) for layer, meta in SOURCES.items()}
    )


@dataclass
class _UserLayers:
    """The user's files, read and validated (None when not given)."""

    sites: gpd.GeoDataFrame | None = None
    fibre: fibre.FibreLayer | None = None
    indicators: pd.DataFrame | None = None


def build_territory(user: UserFiles | None = None) -> Territory:
    """Assemble and validate the territory from raw files (no cache).

    Parameters
    ----------
    user : UserFiles, optional
        User files that complement or replace embedded layers.

    Returns
    -------
    Territory
        The validated territory.

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is not a readable regular file, or is invalid; the problems
        of every user file are listed together, each prefixed by its file name.
    """
    user = user or UserFiles()
    # First, so that a FIFO, a device or a missing file is refused before any reader runs.
    key = cache_key(user)
    codes = cog.load_commune_codes()
    communes = boundaries.load_communes()
    departement = boundaries.load_departement()
    notes = _Notes()
    embedded_sites, site_warnings = sites.load_embedded_sites(communes)
    notes.warnings += site_warnings
    layers = _read_user_files(user, communes, departement, codes, embedded_sites)

    all_sites = _merge_sites(embedded_sites, layers.sites, user, notes)
    values, status = _indicators(communes, notes)
    fibre_table = _fibre(layers.fibre, codes, communes.index, status, notes)
    _context_warnings(communes, all_sites, notes)

    table = communes.join(values).join(fibre_table)
    if layers.indicators is not None:
        table = _join_user_indicators(table, layers.indicators, status, user, notes)
    table = table.join(_demand_points(communes, all_sites))
    table["density_per_km2"] = table["population"] / table["area_km2"]
    table["quality_note"] = quality_notes_fr(status)
    return Territory(
        communes=gpd.GeoDataFrame(table, geometry="geometry", crs=settings.WORK_CRS),
        status=status,
        epci=boundaries.load_epci(communes),
        departement=departement,
        sites=all_sites,
        vintages=notes.vintages,
        warnings=notes.warnings,
        cache_key=key,
        sources=notes.sources,
    )


def _demand_points(communes: gpd.GeoDataFrame, all_sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Town hall of each commune (corrected points), else a point inside the commune.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``communes``: ``demand_x`` and ``demand_y`` in EPSG:2154.
    """
    halls = all_sites[all_sites["site_type"] == "town_hall"].drop_duplicates("code_insee")
    halls = halls.set_index("code_insee").geometry.reindex(communes.index)
    inside = communes.geometry.representative_point()
    points = halls.where(halls.notna(), inside)
    return pd.DataFrame({"demand_x": points.x, "demand_y": points.y}, index=communes.index)


def _read_user_files(
    user: UserFiles,
    communes: gpd.GeoDataFrame,
    departement: gpd.GeoDataFrame,
    codes: cog.CommuneCodes,
    embedded_sites: gpd.GeoDataFrame,
) -> _UserLayers:
    """Read every user file, then raise the problems of all of them together."""
    layers = _UserLayers()
    failures: list[DataValidationError] = []
    if user.sites is not None:
        town_halls = embedded_sites[embedded_sites["site_type"] == "town_hall"]
        try:
            layers.sites = sites.read_user_sites(
                user.sites, communes, departement.union_all(), codes, town_halls
            )
        except DataValidationError as exc:
            failures.append(exc)
    if user.fibre is not None:
        try:
            layers.fibre = fibre.read_user_fibre(user.fibre, codes, user.fibre_vintage)
        except DataValidationError as exc:
            failures.append(exc)
    if user.indicators is not None:
        try:
            layers.indicators = user_indicators.read_user_indicators(user.indicators, codes)
        except DataValidationError as exc:
            failures.append(exc)
    raise_together(failures)
    return layers


def _merge_sites(
    embedded: gpd.GeoDataFrame,
    user_sites: gpd.GeoDataFrame | None,
    user: UserFiles,
    notes: _Notes,
) -> gpd.GeoDataFrame:
    """Embedded sites plus (or, per type, instead of) the user's, with unique ids."""
    all_sites = embedded
    if user_sites is not None:
        name = Path(user.sites).name
        kept = embedded
        if user.replace_sites:
            replaced = set(user_sites["site_type"]) - {"town_hall"}
            kept = embedded[~embedded["site_type"].isin(replaced)]
            notes.warnings.append(
                "Sites remplacés par le fichier fourni pour les types : "
                + ", ".join(sites.SITE_TYPES[t] for t in sorted(replaced))
                + "."
            )
            for site_type in set(user_sites["site_type"]) & set(notes.vintages):
                notes.vintages[site_type] = f"fichier fourni ({name})"
        all_sites = pd.concat([kept, user_sites], ignore_index=True)
        notes.vintages["user_sites"] = f"fichier fourni ({name})"
        notes.sources["user_sites"] = {
            "label": "Lieux fournis par l'utilisateur",
            "publisher": name,
            "licence": "",
            "vintage": "fourni par l'utilisateur",
            "status": "USER",
        }
    all_sites = gpd.GeoDataFrame(all_sites, geometry="geometry", crs=settings.WORK_CRS)
    dup = all_sites["site_id"].duplicated()
    if dup.any():
        all_sites.loc[dup, "site_id"] = (
            all_sites.loc[dup, "site_id"] + "-" + all_sites.index[dup].astype(str)
        )
    return all_sites


def _indicators(communes: gpd.GeoDataFrame, notes: _Notes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """INSEE and IFN indicators with secret values imputed, and one warning per gap set."""
    values, status = socio.load_indicators(communes.index)
    missing_before = status.eq("missing")
    inside = communes.geometry.representative_point()
    coords = pd.DataFrame({"x": inside.x, "y": inside.y}, index=communes.index)
    values, status = socio.impute_missing(values, status, coords)
    gaps_by_indicator: dict[tuple[str, ...], list[str]] = {}
    for col in socio.IMPUTED_INDICATORS:
        gaps = tuple(missing_before.index[missing_before[col]])
        if gaps:
            gaps_by_indicator.setdefault(gaps, []).append(socio.INDICATORS[col][0])
    for gaps, labels in gaps_by_indicator.items():
        notes.warnings.append(
            f"{' ; '.join(labels)} : {len(gaps)} valeur(s) non publiée(s) par commune, "
            f"imputée(s) à partir des communes comparables les plus proches ({_listed(gaps)})."
        )
    return values, status


def _fibre(
    layer: fibre.FibreLayer | None,
    codes: cog.CommuneCodes,
    index: pd.Index,
    status: pd.DataFrame,
    notes: _Notes,
) -> pd.DataFrame:
    """Fibre columns (the user's file, else the dated ARCEP 2018 file) and their status."""
    if layer is None:
        layer = fibre.load_embedded_fibre(codes)
        notes.warnings.append(
            "Fibre : données ARCEP du T1 2018, obsolètes — le réseau FttH public de la Sarthe "
            "est achevé depuis octobre 2022 (≈ 98 % des locaux raccordables en 2025). "
            "Chargez le fichier communal ARCEP actuel pour décider."
        )
    else:
        notes.vintages["fibre"] = layer.vintage
        notes.sources["fibre"] = notes.sources["fibre"] | {
            "vintage": layer.vintage,
            "status": "USER",
        }
    table = layer.table.reindex(index)
    state = pd.Series("observed", index=index)
    state[index.isin(list(layer.estimated_codes))] = "estimated"
    state[table["fibre_share"].isna()] = "missing"
    status["fibre_share"] = state
    if state.eq("missing").any():
        gaps = state.index[state.eq("missing")]
        notes.warnings.append(
            f"Fibre : {len(gaps)} commune(s) absente(s) du fichier ({', '.join(gaps[:8])})."
        )
    return table


def _context_warnings(
    communes: gpd.GeoDataFrame, all_sites: gpd.GeoDataFrame, notes: _Notes
) -> None:
    """Warnings on commune mergers, relocated town halls and dated permanences."""
    merged = {new: old for old, new in cog.MERGERS_2025.items()}
    notes.warnings.append(
        "Fusions de communes au 1er janvier 2025 : "
        + ", ".join(f"{old} → {new} ({communes.at[new, 'name']})" for new, old in merged.items())
        + " ; leurs indicateurs INSEE antérieurs sont agrégés (sommes pour les effectifs, "
        "moyennes pondérées par la population pour les taux) et marqués « estimés »."
    )
    fixed = all_sites[(all_sites["site_type"] == "town_hall") & all_sites["location_note"].notna()]
    notes.warnings.append(
        f"Mairies : {len(fixed)} points publiés tombaient dans une autre commune ; ils sont "
        "remplacés par un point dans la bonne commune (emplacement approximatif)."
    )
    permanences = all_sites.loc[all_sites["site_type"] == "cnfs_permanence", "vintage"]
    if len(permanences) and not (permanences == "fourni par l'utilisateur").all():
        notes.warnings.append(
            "Permanences des conseillers numériques : liste ANCT de 2022, à mettre à jour avec "
            "le fichier actuel des conseillers (page Données ou option --sites)."
        )


def _join_user_indicators(
    table: pd.DataFrame,
    indicators: pd.DataFrame,
    status: pd.DataFrame,
    user: UserFiles,
    notes: _Notes,
) -> pd.DataFrame:
    """Add the user's indicator columns, ``observed`` or ``missing`` per commune."""
    user_cols = indicators.reindex(table.index)
    for col in user_cols.columns:
        state = pd.Series("observed", index=table.index)
        state[user_cols[col].isna()] = "missing"
        status[col] = state
        if user_cols[col].isna().any():
            notes.warnings.append(
                f"Indicateur fourni « {col} » : {int(user_cols[col].isna().sum())} "
                "commune(s) sans valeur."
            )
    notes.vintages["user_indicators"] = f"fichier fourni ({Path(user.indicators).name})"
    return table.join(user_cols)


def _listed(codes: tuple[str, ...]) -> str:
    """The first commune codes of a list, with an ellipsis when there are more."""
    head = ", ".join(codes[:_MAX_LISTED_CODES])
    return head + (" …" if len(codes) > _MAX_LISTED_CODES else "")
