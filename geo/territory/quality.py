"""Data quality of a territory: value statuses, French notes and the mappable indicators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geo import socio

if TYPE_CHECKING:
    from geo.territory.model import Territory

__all__ = [
    "STATUSES",
    "STATUS_WORDS",
    "ifn_scale_fr",
    "imputed_counts",
    "indicator_label",
    "map_indicators",
    "quality_notes_fr",
]

#: Every status a value can have, from the most to the least trustworthy.
STATUSES: tuple[str, ...] = ("observed", "estimated", "imputed", "missing")
#: French word of each status that deserves a mention.
STATUS_WORDS: dict[str, str] = {"imputed": "imputé", "estimated": "estimé", "missing": "manquant"}


def indicator_label(column: str) -> str:
    """French label of a commune indicator column."""
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
            f"{indicator_label(col)} : {STATUS_WORDS[state]}"
            for col, state in row.items()
            if state in STATUS_WORDS
        ]
        notes.append(" ; ".join(parts) if parts else "aucune")
    return pd.Series(notes, index=status.index)


def imputed_counts(territory: Territory) -> pd.DataFrame:
    """Number of communes in each status, per indicator.

    Parameters
    ----------
    territory : Territory
        The loaded territory.

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator column (the columns of ``territory.status``); one integer
        column per status of :data:`STATUSES` (zeros included) and ``total``.
    """
    status = territory.status
    counts = pd.DataFrame(
        {state: status.eq(state).sum().astype(int) for state in STATUSES},
        index=status.columns,
    )
    counts["total"] = len(status)
    counts.index.name = "indicator"
    return counts


def ifn_scale_fr(territory: Territory) -> str:
    """How to read an IFN score of ``territory``, whose own mean is its reference.

    Parameters
    ----------
    territory : Territory
        The territory whose IFN scores are shown (La MedNum's département reference).

    Returns
    -------
    str
        « 100 = moyenne de la Sarthe, plus = plus fragile » (« de l'Orne »…).
    """
    return f"100 = moyenne {territory.of_departement}, plus = plus fragile"


def map_indicators(territory: Territory) -> dict[str, dict[str, object]]:
    """Commune columns that can be mapped, with French labels, sources and vintages."""
    v, src = territory.vintages, territory.sources

    def entry(
        label: str, short: str, layer: str, categorical: bool = False, warning: str | None = None
    ) -> dict[str, object]:
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
    scale = ifn_scale_fr(territory)
    for col, (label, layer) in socio.INDICATORS.items():
        if col.startswith("ifn_"):
            # An index, not a count: say what 100 means and which way is worse.
            out[col] = entry(f"{label} ({scale})", f"IFN ({scale})", layer)
        elif col != "density_level":
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
            out[col] = entry(f"Indicateur fourni : {indicator_label(col)}", col, "user_indicators")
    return out
