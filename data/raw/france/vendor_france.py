"""Rebuild the national files of ``data/raw/france/`` from the project's shared data folder.

Run from the repository root::

    python data/raw/france/vendor_france.py ../shared/data/france

It records how the vendored files were made (see ``SOURCES.md`` next to it); Maillage
never runs it. Every file keeps metropolitan France only (96 départements, Corse as 2A
and 2B), gets a ``dep`` column, is sorted by ``dep`` (original order kept within a
département) and is written as Parquet (zstd) in small row groups, so a loader reads one
département through the row-group statistics. Values are kept as the
published text (``s`` for secret, decimal commas), with the same null cells as
``pandas.read_csv(dtype=str)`` gives; geometries are reprojected to EPSG:2154 and
snapped to a 1 m grid (the outlines are already simplified by tens of metres).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

__all__ = ["main"]

OUT_DIR = Path(__file__).resolve().parent
WORK_CRS = "EPSG:2154"
GRID_M = 1.0
#: Small row groups let a reader skip the other départements (min/max of ``dep``) while
#: keeping most of the compression of one large group.
ROW_GROUP_ROWS = 2048
#: Interior rings smaller than this are simplification slivers, not enclaves.
SLIVER_M2 = 10_000.0

POP_COLUMNS = ["population_municipale", "population_totale_pl2021_dgcl"]
POP_COLUMNS += ["population_municipale_pl2021"]


def _write(frame: pd.DataFrame, name: str) -> None:
    """Write ``frame`` sorted by ``dep`` in row groups of :data:`ROW_GROUP_ROWS` rows."""
    frame = frame.sort_values("dep", kind="stable").reset_index(drop=True)
    tmp = OUT_DIR / f".{name}.tmp"
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_parquet(tmp, index=False)
        table = pq.read_table(tmp)  # keeps the GeoParquet ``geo`` metadata
        tmp.unlink()
    else:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    path = OUT_DIR / name
    pq.write_table(
        table, path, compression="zstd", compression_level=19, row_group_size=ROW_GROUP_ROWS
    )
    print(f"{name}: {len(frame)} rows, {path.stat().st_size / 1e6:.2f} MB")


def _text(path: Path, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, **kwargs)


def _dissolve(communes: gpd.GeoDataFrame, key: str) -> gpd.GeoSeries:
    """Union of the communes by ``key``, interior slivers removed."""

    def clean(geom: shapely.Geometry) -> shapely.Geometry:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            rings = [r for r in poly.interiors if shapely.Polygon(r).area > SLIVER_M2]
            parts.append(shapely.Polygon(poly.exterior, rings))
        return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]

    located = communes[communes.geometry.notna()]
    merged = {
        k: clean(shapely.set_precision(shapely.union_all(g.geometry.values), GRID_M))
        for k, g in located.groupby(key)
    }
    return gpd.GeoSeries(merged, crs=WORK_CRS)


def boundaries(src: Path, population: pd.DataFrame) -> None:
    """Communes, département outlines and EPCI outlines (EPCI membership of the population file)."""
    communes = gpd.read_parquet(src / "boundaries" / "communes_france_cog2025.parquet")
    communes = communes[communes["zone"] == "metro"].to_crs(WORK_CRS)
    communes["geometry"] = shapely.set_precision(communes.geometry.values, GRID_M)
    keep = ["dep", "code_insee", "nom", "type_nom", "geom_source", "area_km2", "geometry"]
    _write(communes[keep], "communes_france_cog2025.parquet")

    deps = communes.groupby("dep").agg(
        dep_nom=("dep_nom", "first"),
        reg=("reg", "first"),
        reg_nom=("reg_nom", "first"),
        n_communes=("code_insee", "size"),
    )
    deps = gpd.GeoDataFrame(deps, geometry=_dissolve(communes, "dep"), crs=WORK_CRS)
    deps["area_km2"] = (deps.area / 1e6).round(1)
    _write(deps.reset_index(), "departements_france_cog2025.parquet")

    member = communes.drop(columns=["epci_siren"]).merge(
        population[["code_insee", "epci_siren"]], on="code_insee"
    )
    member = member[member["epci_siren"].notna()]
    outlines = _dissolve(member, "epci_siren")
    table = _text(src / "population" / "epci_france.csv").set_index("epci_siren")
    for col in ["n_communes_total", "population_totale", "population_municipale"]:
        table[col] = table[col].astype("Int64")
    pairs = member.groupby(["epci_siren", "dep"]).size().rename("n_communes_dep").reset_index()
    pairs = pairs.join(table[["nom", "type", "n_communes_total", "departements"]], on="epci_siren")
    pairs = pairs.join(table[["population_totale", "population_municipale"]], on="epci_siren")
    epci = gpd.GeoDataFrame(pairs, geometry=pairs["epci_siren"].map(outlines), crs=WORK_CRS)
    _write(epci, "epci_departements_france_2025.parquet")


def tables(src: Path, population: pd.DataFrame) -> None:
    """Population, sites, socio-economic and zoning tables."""
    _write(population, "communes_france_population_epci.parquet")
    metro = set(population["dep"])

    halls = _text(src / "sites" / "mairies_france_datafrance.csv")
    halls = halls[halls["dep"].isin(metro)].drop(columns=["site", "accessibilite", "type_nom"])
    _write(halls, "mairies_france_datafrance.parquet")

    fs = _text(src / "sites" / "france_services_20240801.csv")
    fs = fs.rename(columns={"insee_dep": "dep"}).drop(columns=["mail", "telephone"])
    _write(fs[fs["dep"].isin(metro)], "france_services_20240801.parquet")

    cnfs = _text(src / "sites" / "cnfs_permanences_france_2022.csv")
    cnfs.insert(0, "dep", _cnfs_departement(cnfs, population))
    cnfs = cnfs.drop(columns=["services", "labels_nationaux", "conditions_access", "source"])
    _write(cnfs[cnfs["dep"].isin(metro)], "cnfs_permanences_france_2022.parquet")

    filosofi = _text(src / "socio" / "filosofi2021_communes_france_cog2024.csv")
    filosofi = filosofi[
        ["CODGEO", "code_insee_cog2025", "nom_cog2025", "NBPERSMENFISC21", "MED21", "TP6021"]
    ]
    filosofi.insert(0, "dep", filosofi["CODGEO"].str[:2])
    _write(filosofi[filosofi["dep"].isin(metro)], "filosofi2021_communes_france_cog2024.parquet")

    ifn = _text(src / "socio" / "ifn_mednum_2020_iris_france.csv.gz")
    ifn = ifn.rename(columns={"Insee Dep": "dep"})
    ifn_keep = ["dep", "Code Iris", "Insee Com", "code_insee_cog2025", "Nom Iris"]
    ifn_keep += ["Type Iris", *[c for c in ifn.columns if c.endswith("departement 1")]]
    ifn_keep += ["tableau_Population"]
    _write(ifn.loc[ifn["dep"].isin(metro), ifn_keep], "ifn_mednum_2020_iris_france.parquet")

    grid = _text(src / "zoning" / "communes_france_grille_densite_cog2024.csv")
    grid.insert(0, "dep", grid["code_insee_cog2025"].str[:2])
    _write(grid[grid["dep"].isin(metro)], "communes_france_grille_densite_cog2024.parquet")

    zoning = _text(src / "zoning" / "communes_france_zonages_insee_cog2025.csv.gz")
    zoning.insert(0, "dep", zoning["DEPCOM"].str[:2])
    _write(zoning[zoning["dep"].isin(metro)], "communes_france_zonages_insee_cog2025.parquet")


def _cnfs_departement(cnfs: pd.DataFrame, population: pd.DataFrame) -> pd.Series:
    """Département of each permanence: where its point is, if that matches its postcode.

    The postcode's communes give the declared département; the point's département
    (``dep_pip``) is kept when it is one of them (postcodes can span two départements),
    otherwise the first postcode commune's département; unknown postcodes (CEDEX…)
    fall back to ``dep_pip``, then to the postcode's first two digits.
    """
    dep_of = dict(zip(population["code_insee"], population["dep"], strict=True))
    out = []
    for pip, codes, postcode in zip(
        cnfs["dep_pip"].fillna(""),
        cnfs["communes_du_code_postal"].fillna(""),
        cnfs["code_postal"].fillna(""),
        strict=True,
    ):
        declared = [dep_of.get(c, c[:3]) for c in filter(None, codes.split(";"))]
        if pip and (pip in declared or not declared):
            out.append(pip)
        elif declared:
            out.append(declared[0])
        else:
            out.append(postcode[:2])
    return pd.Series(out, index=cnfs.index)


def main(src: Path) -> None:
    """Write every vendored national file from the shared folder ``src``."""
    population = _text(src / "population" / "communes_france_population_epci.csv")
    population = population[population["zone"] == "metro"].rename(columns={"departement": "dep"})
    for col in POP_COLUMNS:
        population[col] = population[col].astype("Int64")
    tables(src, population)
    boundaries(src, population)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
