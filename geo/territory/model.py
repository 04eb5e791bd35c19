"""The territory model: user files that shape it and the validated result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = ["Territory", "UserFiles"]


@dataclass(frozen=True)
class UserFiles:
    """Optional user-supplied files that complement or replace embedded layers."""

    sites: Path | None = None
    fibre: Path | None = None
    indicators: Path | None = None
    replace_sites: bool = False
    fibre_vintage: str | None = None

    def paths(self) -> list[Path]:
        """The given files, in a fixed order (sites, fibre, indicators)."""
        return [Path(p) for p in (self.sites, self.fibre, self.indicators) if p is not None]

    def labelled_paths(self) -> list[tuple[str, Path]]:
        """The given files, each with a French name of its role (for messages)."""
        labelled = (
            ("fichier de lieux", self.sites),
            ("fichier fibre", self.fibre),
            ("fichier d'indicateurs", self.indicators),
        )
        return [(label, Path(p)) for label, p in labelled if p is not None]


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
    sources : dict
        Layer → provenance (see :data:`geo.territory.SOURCES`).
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
