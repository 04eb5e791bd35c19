"""Assemble the territory from the raw files and the user's files (no cache)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import cog, defaults, fibre, national, settings, sites, socio, user_indicators
from geo.errors import DataValidationError
from geo.formatting import plural_fr
from geo.territory.cache import cache_key, raise_together
from geo.territory.inputs import TerritoryInputs, merger_warning, national_inputs, sarthe_inputs
from geo.territory.model import Territory, UserFiles
from geo.territory.quality import quality_notes_fr

__all__ = ["build_territory"]

#: Longest list of commune codes quoted in one warning.
_MAX_LISTED_CODES = 8


@dataclass
class _Notes:
    """Warnings, vintages and sources gathered while the territory is assembled."""

    warnings: list[str] = field(default_factory=list)
    vintages: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class _UserLayers:
    """The user's files, read and validated (None when not given)."""

    sites: gpd.GeoDataFrame | None = None
    fibre: fibre.FibreLayer | None = None
    indicators: pd.DataFrame | None = None


def build_territory(user: UserFiles | None = None, departement: str | None = None) -> Territory:
    """Assemble and validate the territory from raw files (no cache).

    Parameters
    ----------
    user : UserFiles, optional
        User files that complement or replace embedded layers.
    departement : str, optional
        Département code (default :data:`geo.defaults.DEPARTEMENT_CODE`, Sarthe, built
        from its own richer files); any other metropolitan département is built from
        the national files (:mod:`geo.national`).

    Returns
    -------
    Territory
        The validated territory.

    Raises
    ------
    geo.errors.DataValidationError
        When the département code is unknown (the valid codes listed), when a user
        file is not a readable regular file, or is invalid; the problems of every
        user file are listed together, each prefixed by its file name.
    """
    user = user or UserFiles()
    code = national.check_departement(departement or defaults.DEPARTEMENT_CODE)
    # First, so that a FIFO, a device or a missing file is refused before any reader runs.
    key = cache_key(user, code)
    inputs = sarthe_inputs() if code == settings.DEPARTMENT_CODE else national_inputs(code)
    communes, departement, codes = inputs.communes, inputs.departement, inputs.codes
    notes = _Notes(list(inputs.warnings), dict(inputs.vintages), dict(inputs.sources))
    layers = _read_user_files(user, communes, departement, codes, inputs.sites)

    all_sites = _merge_sites(inputs.sites, layers.sites, user, notes)
    all_sites = _with_border_offer(all_sites, code, communes, notes)
    values, status = _indicators(inputs, notes)
    fibre_table = _fibre(layers.fibre, inputs, status, notes)
    _context_warnings(inputs, all_sites, status, notes)

    table = communes.join(values).join(fibre_table)
    if layers.indicators is not None:
        table = _join_user_indicators(table, layers.indicators, status, user, notes)
    table = table.join(_demand_points(communes, all_sites))
    table["density_per_km2"] = table["population"] / table["area_km2"]
    table["quality_note"] = quality_notes_fr(status)
    return Territory(
        communes=gpd.GeoDataFrame(table, geometry="geometry", crs=settings.WORK_CRS),
        status=status,
        epci=inputs.epci,
        departement=departement,
        sites=all_sites,
        vintages=notes.vintages,
        warnings=notes.warnings,
        cache_key=key,
        sources=notes.sources,
        departement_code=code,
        departement_name=inputs.name,
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
                user.sites,
                communes,
                departement.union_all(),
                codes,
                town_halls,
                territory_name=national.departement_name(codes.departement_code),
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


def _with_border_offer(
    all_sites: gpd.GeoDataFrame, code: str, communes: gpd.GeoDataFrame, notes: _Notes
) -> gpd.GeoDataFrame:
    """The territory's sites plus the services across the border, each with its share.

    France services and permanences of neighbouring départements within
    :data:`geo.defaults.BORDER_KM` of the border (:func:`geo.national.border_services`)
    count in accessibility, flagged « hors <département> »; demand stays in the
    territory. A border site serves both sides: ``territory_share`` is the share of
    the territory's inhabitants among all inhabitants within
    :data:`geo.defaults.BORDER_SHARE_RADIUS_KM` of it (commune points, populations
    légales of the national files).
    """
    name = national.departement_name(code)
    border = national.border_services(code, defaults.BORDER_KM)
    own = all_sites.assign(
        outside_territory=all_sites.get("outside_territory", False),
        outside_label=all_sites.get("outside_label", None),
        territory_share=all_sites.get("territory_share", 1.0),
    )
    own["outside_territory"] = own["outside_territory"].fillna(False).astype(bool)
    own["territory_share"] = own["territory_share"].astype(float).fillna(1.0)
    if border.empty:
        return own
    share = _border_shares(border, communes)
    dep_names = {dep: national.departement_name(dep) for dep in border["departement"].unique()}
    note = [
        f"hors {name} ({dep_names[dep]}, à {km:.1f} km de la limite ; {100 * sh:.0f} % de sa "
        "capacité comptée pour le territoire)".replace(".", ",", 1)
        for dep, km, sh in zip(border["departement"], border["border_dist_km"], share, strict=True)
    ]
    previous = border["location_note"]
    border = border.assign(
        location_note=[
            f"{p} ; {n}" if isinstance(p, str) else n for p, n in zip(previous, note, strict=True)
        ],
        outside_label=f"hors {name}",
        territory_share=share,
    ).drop(columns=["departement", "border_dist_km"])
    counts = border["site_type"].value_counts()
    notes.warnings.append(
        f"Offre des départements voisins ({', '.join(sorted(dep_names.values()))}) : "
        f"{counts.get('france_services', 0)} France services et "
        f"{counts.get('cnfs_permanence', 0)} permanences de conseillers numériques à moins de "
        f"{defaults.BORDER_KM:g} km de la limite comptent dans l'accessibilité (« hors {name} »), "
        "avec la part de leur capacité qui revient aux habitants du territoire."
    )
    merged = pd.concat([own, border], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=settings.WORK_CRS)


def _border_shares(border: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> np.ndarray:
    """Share of the territory's inhabitants among those within reach of each border site."""
    inside = communes.geometry.representative_point()
    own_xy = np.column_stack([inside.x, inside.y])
    own_pop = communes["population"].to_numpy(float)
    parts = []
    for dep in border["departement"].unique():
        outline = national.store.read_geo("communes", dep, ["code_insee", "geometry"])
        pop = national.store.read_table("population", dep, ["code_insee", "population_municipale"])
        outline = outline.merge(pop, on="code_insee")
        parts.append(outline)
    others = pd.concat(parts, ignore_index=True)
    points = gpd.GeoSeries(others.geometry, crs=settings.WORK_CRS).representative_point()
    other_xy = np.column_stack([points.x, points.y])
    other_pop = others["population_municipale"].to_numpy(float)
    radius_m = defaults.BORDER_SHARE_RADIUS_KM * 1000
    site_xy = np.column_stack([border.geometry.x, border.geometry.y])
    # Loaded here: a territory read from its cache never builds (0.1 s of imports).
    from scipy.spatial import cKDTree

    near_own = cKDTree(own_xy).query_ball_point(site_xy, radius_m)
    near_other = cKDTree(other_xy).query_ball_point(site_xy, radius_m)
    p_own = np.array([own_pop[i].sum() for i in near_own])
    p_other = np.array([other_pop[i].sum() for i in near_other])
    total = p_own + p_other
    return np.divide(p_own, total, out=np.zeros_like(total), where=total > 0)


def _indicators(inputs: TerritoryInputs, notes: _Notes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """INSEE and IFN indicators with secret values imputed, and one warning per gap set.

    An indicator absent for every commune (a layer without a national file) is not
    imputed; :func:`geo.territory.inputs.national_inputs` states it.
    """
    communes = inputs.communes
    values, status = socio.load_indicators(communes.index, inputs.indicator_loaders)
    missing_before = status.eq("missing")
    inside = communes.geometry.representative_point()
    coords = pd.DataFrame({"x": inside.x, "y": inside.y}, index=communes.index)
    values, status = socio.impute_missing(values, status, coords)
    gaps_by_indicator: dict[tuple[str, ...], list[str]] = {}
    for col in socio.IMPUTED_INDICATORS:
        gaps = tuple(missing_before.index[missing_before[col]])
        if gaps and len(gaps) < len(communes):
            gaps_by_indicator.setdefault(gaps, []).append(socio.INDICATORS[col][0])
    for gaps, labels in gaps_by_indicator.items():
        values_fr = plural_fr(
            len(gaps),
            "valeur non publiée par commune, imputée",
            "valeurs non publiées par commune, imputées",
        )
        notes.warnings.append(
            f"{' ; '.join(labels)} : {len(gaps)} {values_fr} à partir des communes comparables "
            f"les plus proches ({_listed(gaps)})."
        )
    return values, status


def _fibre(
    layer: fibre.FibreLayer | None,
    inputs: TerritoryInputs,
    status: pd.DataFrame,
    notes: _Notes,
) -> pd.DataFrame:
    """Fibre columns (the user's file, else the dated ARCEP 2018 file) and their status."""
    index = inputs.communes.index
    if layer is None and inputs.embedded_fibre is None:
        # No fibre file for this département: the columns exist, every value missing.
        status["fibre_share"] = "missing"
        return pd.DataFrame(
            np.nan, index=index, columns=["fibre_premises", "fibre_connectable", "fibre_share"]
        )
    if layer is None:
        layer = inputs.embedded_fibre()
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
    inputs: TerritoryInputs, all_sites: gpd.GeoDataFrame, status: pd.DataFrame, notes: _Notes
) -> None:
    """Warnings on commune mergers, relocated town halls and dated permanences."""
    notes.warnings.append(merger_warning(inputs, status))
    fixed = all_sites[(all_sites["site_type"] == "town_hall") & all_sites["location_note"].notna()]
    notes.warnings.append(
        f"Mairies : {len(fixed)} points publiés tombaient dans une autre commune ; ils sont "
        "remplacés par un point dans la bonne commune (emplacement approximatif)."
    )
    own = all_sites[~all_sites["outside_territory"]]
    permanences = own.loc[own["site_type"] == "cnfs_permanence", "vintage"]
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
