"""The council documents' tables with French headers: EPCI, under-served zones, comparisons.

Shared by the council pack (:mod:`equity.reporting`), the Scénarios page and the CLI, so
a comparison reads the same everywhere.
"""

from __future__ import annotations

import pandas as pd

from equity.diagnostics import Diagnosis
from equity.inequality import RELATIVE_DISPERSION_NOTE_FR
from equity.scenarios import Comparison
from geo.formatting import format_number_fr, format_percent_fr, plural_fr

__all__ = [
    "ZONE_NAMES_LISTED",
    "comparison_note_fr",
    "comparison_table",
    "epci_table",
    "listed_names",
    "zones_table",
]


def epci_table(diagnosis: Diagnosis) -> pd.DataFrame:
    """Per-EPCI table with French headers, for documents."""
    threshold = diagnosis.settings.threshold_min
    table = diagnosis.by_epci.sort_values("balance")[
        [
            "population",
            "advisors",
            "inhabitants_per_advisor",
            "share_within_threshold",
            "mean_travel_time_min",
            "balance",
        ]
    ].copy()
    table.index.name = "EPCI"
    table.columns = [
        "Habitants",
        "Conseillers",
        "Habitants par conseiller",
        f"Part à moins de {threshold:g} min",
        "Temps moyen (min)",
        "Équilibre conseillers / besoin",
    ]
    return table


#: Most commune names a zone's row lists in the pack; the others are counted.
ZONE_NAMES_LISTED = 10


def listed_names(names: str, limit: int = ZONE_NAMES_LISTED) -> str:
    """« A, B, C et 4 autres communes »: whole names, never a name cut in the middle."""
    parts = [n for n in names.split(", ") if n]
    if len(parts) <= limit:
        return ", ".join(parts)
    rest = len(parts) - limit
    others = plural_fr(rest, "autre commune", "autres communes")
    return f"{', '.join(parts[:limit])} et {rest} {others}"


def zones_table(diagnosis: Diagnosis) -> pd.DataFrame:
    """Under-served zones by priority, headers as on the Diagnostic page."""
    table = pd.DataFrame(diagnosis.zones.drop(columns=["geometry", "code_insee"]))
    table = table[
        ["rank", "n_communes", "population", "persons_in_need", "dominant_density", "communes"]
    ]
    table.columns = [
        "Rang",
        "Nombre de communes",
        "Habitants",
        "Personnes en besoin",
        "Densité",
        "Liste des communes",
    ]
    table["Liste des communes"] = table["Liste des communes"].map(listed_names)
    return table.set_index("Rang")


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """Key figures of a comparison as French text (shares as percentages, Δ in points).

    A difference is that of the figures as shown (« 0,44 → 0,46 » reads « +0,02 », not
    the « 0,01 » of the unrounded values), with its sign.
    """
    table = comparison.key_figures
    reference = table.columns[0]
    out = pd.DataFrame(index=table.index, columns=table.columns, dtype=object)
    for row in table.index:
        share = row.startswith("Part ")
        scale, decimals = (100.0, 1) if share else (1.0, 2 if "Gini" in row else 0)
        for col in table.columns:
            value = table.at[row, col]
            if not col.startswith("Δ "):
                out.at[row, col] = (
                    format_percent_fr(value, 1) if share else format_number_fr(value, decimals)
                )
                continue
            shown = [round(scale * float(table.at[row, c]), decimals) for c in (col[2:], reference)]
            delta = shown[0] - shown[1]
            sign = "+" if round(delta, decimals) > 0 else ""
            unit = " pt" if share else ""
            out.at[row, col] = f"{sign}{format_number_fr(delta, decimals)}{unit}"
    out.index.name = "Indicateur"
    return out


def comparison_note_fr(table: pd.DataFrame) -> str:
    """The note under a comparison table: what Δ is, and what a Gini says when shown.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`comparison_table`'s output (or the comparison's key figures).

    Returns
    -------
    str
        The French note; with a Gini row, the sentence on relative dispersion.
    """
    note = "Δ : écart avec le premier scénario, entre les chiffres tels qu'ils sont affichés."
    if any("Gini" in str(row) for row in table.index):
        note += f" {RELATIVE_DISPERSION_NOTE_FR}"
    return note
