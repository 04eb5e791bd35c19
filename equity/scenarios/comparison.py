"""Comparing evaluated scenarios: key figures, per-EPCI figures, who gains or loses access."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equity.scenarios.evaluation import finite_or_none
from equity.scenarios.model import Scenario

__all__ = ["Comparison", "compare"]

_KEY_FIGURES = {
    "share_within_threshold": "Part de la population sous le seuil",
    "need_share_within_threshold": "Part des personnes en besoin sous le seuil",
    "advisors": "Conseillers",
    "inhabitants_per_advisor": "Habitants par conseiller",
    "gini_travel_time": "Gini des temps de trajet",
    "n_underserved_communes": "Communes mal desservies",
}
_ACCESS_COLUMNS = [
    "scenario",
    "code_insee",
    "name",
    "change",
    "travel_time_before_min",
    "travel_time_after_min",
]


@dataclass(frozen=True)
class Comparison:
    """Side-by-side comparison of 2–4 evaluated scenarios (the first is the reference)."""

    key_figures: pd.DataFrame
    by_epci: pd.DataFrame
    access_changes: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The three tables as JSON records."""

        def clean(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.reset_index().to_json(orient="records", force_ascii=False))

        return {
            "key_figures": clean(self.key_figures),
            "by_epci": clean(self.by_epci),
            "access_changes": clean(self.access_changes),
        }


def compare(scenarios: list[Scenario], names: dict[str, str] | None = None) -> Comparison:
    """Compare evaluated scenarios: key figures with deltas, per-EPCI, who gains or loses.

    Parameters
    ----------
    scenarios : list of Scenario
        2 to 4 scenarios whose ``results`` are filled (see
        :func:`equity.scenarios.evaluate`) and computed with the same threshold.
    names : dict, optional
        Commune code → name, to label access changes.

    Returns
    -------
    Comparison
        ``key_figures`` (rows: figures; columns: scenarios then ``Δ <name>`` against
        the first), ``by_epci`` (share within threshold and advisors per scenario),
        ``access_changes`` (communes whose within-threshold status differs from the
        first scenario: ``gains`` or ``loses``, per scenario).
    """
    if not 2 <= len(scenarios) <= 4:
        raise ValueError("Comparez de 2 à 4 scénarios.")
    missing = [s.name for s in scenarios if not s.results]
    if missing:
        raise ValueError(f"Scénario(s) sans résultats calculés : {', '.join(missing)}.")
    thresholds = {s.parameters.threshold_min for s in scenarios}
    if len(thresholds) > 1:
        raise ValueError(
            "Les scénarios comparés doivent utiliser le même seuil de temps de trajet."
        )
    labels = [f"{s.name} (v{s.version})" if s.version else s.name for s in scenarios]
    return Comparison(
        key_figures=_key_figures(scenarios, labels),
        by_epci=_by_epci(scenarios, labels),
        access_changes=_access_changes(scenarios, labels, thresholds.pop(), names or {}),
    )


def _key_figures(scenarios: list[Scenario], labels: list[str]) -> pd.DataFrame:
    key = pd.DataFrame(
        {
            label: {
                text: s.results["headline"].get(figure) for figure, text in _KEY_FIGURES.items()
            }
            for label, s in zip(labels, scenarios, strict=True)
        }
    )
    for label in labels[1:]:
        key[f"Δ {label}"] = key[label].astype(float) - key[labels[0]].astype(float)
    key.index.name = "indicateur"
    return key


def _by_epci(scenarios: list[Scenario], labels: list[str]) -> pd.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for label, s in zip(labels, scenarios, strict=True):
        for epci, row in s.results["by_epci"].items():
            rows.setdefault(epci, {})[f"{label} — part sous le seuil"] = row[
                "share_within_threshold"
            ]
            rows[epci][f"{label} — conseillers"] = row["advisors"]
    by_epci = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    by_epci.index.name = "epci"
    return by_epci


def _access_changes(
    scenarios: list[Scenario], labels: list[str], threshold: float, names: dict[str, str]
) -> pd.DataFrame:
    reference = pd.Series(scenarios[0].results["travel_time_min"], dtype=float).fillna(np.inf)
    changes = []
    for label, s in zip(labels[1:], scenarios[1:], strict=True):
        times = pd.Series(s.results["travel_time_min"], dtype=float).fillna(np.inf)
        before = reference <= threshold
        after = times.reindex(reference.index) <= threshold
        for code in reference.index[before != after]:
            changes.append(
                {
                    "scenario": label,
                    "code_insee": code,
                    "name": names.get(code, ""),
                    "change": "gains" if after[code] else "loses",
                    "travel_time_before_min": finite_or_none(reference[code]),
                    "travel_time_after_min": finite_or_none(times.get(code, np.inf)),
                }
            )
    return pd.DataFrame(changes, columns=_ACCESS_COLUMNS)
