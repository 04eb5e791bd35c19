"""National summary: for each metropolitan département, need, advisors and what is missing.

One département is one unit of work (:func:`departement_summary`): its territory from
the national files (Sarthe from its own), the diagnostic of the 2022 permanences, and
an exact allocation of the persons in need to the advisors within the threshold under
their capacity (:data:`geo.defaults.CAPACITY_PERSONS_PER_ADVISOR` persons a year
each). :func:`france_summary` runs every département, through a Dask cluster or in
this process, and :func:`summary_frame` turns the rows into one table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from equity.workflows.diagnosis import DiagnoseRequest, run_diagnosis
from equity.workflows.errors import InvalidRequest
from equity.workflows.territory import TerritoryRequest, open_territory
from geo import defaults, national
from geo.national.store import read_geo
from geo.render.print_map import PrintMapSpec, render_print_map

__all__ = [
    "FRANCE_COLUMNS_FR",
    "FranceRequest",
    "departement_summary",
    "france_map",
    "france_summary",
    "summary_frame",
]

#: Column → French header of the national table (CSV and map legend).
FRANCE_COLUMNS_FR: dict[str, str] = {
    "code": "Code",
    "name": "Département",
    "region": "Région",
    "population": "Population 2022",
    "persons_in_need": "Personnes ayant besoin d'aide (estimation)",
    "advisors": "Conseillers (permanences 2022)",
    "capacity_persons": "Capacité (personnes par an)",
    "persons_beyond_threshold": "Personnes ayant besoin d'aide à plus du seuil",
    "share_need_beyond_threshold": "Part du besoin à plus du seuil",
    "served_persons": "Personnes servies (capacité)",
    "unserved_persons": "Personnes non servies (capacité)",
    "unserved_share": "Part des personnes non servies",
    "extra_advisors": "Conseillers supplémentaires pour la part visée",
    "travel_model": "Modèle de trajet",
}


@dataclass(frozen=True)
class FranceRequest:
    """Settings of the national summary.

    Attributes
    ----------
    share : float
        Share of the estimated persons in need each département should serve (0–1].
    threshold_min : float
        Travel time within which an advisor can serve a person.
    capacity_persons_per_advisor : float
        Persons one advisor helps in a year.
    use_cache : bool
        Read and write each département's processed territory cache.
    """

    share: float = defaults.FRANCE_SERVED_SHARE
    threshold_min: float = defaults.THRESHOLD_MIN
    capacity_persons_per_advisor: float = defaults.CAPACITY_PERSONS_PER_ADVISOR
    use_cache: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.share, int | float) and 0 < self.share <= 1):
            problems.append(f"part visée {self.share!r} hors de ]0 ; 1] (ex. 0.9 pour 90 %)")
        if not (isinstance(self.threshold_min, int | float) and 0 < self.threshold_min <= 240):
            problems.append(f"seuil {self.threshold_min!r} min hors de ]0 ; 240]")
        capacity = self.capacity_persons_per_advisor
        if not (isinstance(capacity, int | float) and 0 < capacity < math.inf):
            problems.append(f"capacité {capacity!r} personnes par conseiller invalide")
        if problems:
            raise InvalidRequest(" ; ".join(problems) + ".")


def departement_summary(code: str, request: FranceRequest | None = None) -> dict[str, Any]:
    """The national-summary row of one département.

    Parameters
    ----------
    code : str
        Département code (checked; the valid codes listed when unknown).
    request : FranceRequest, optional
        Share to serve, threshold and capacity (documented defaults).

    Returns
    -------
    dict
        ``code``, ``name``, ``region``, ``population``, ``persons_in_need`` (the
        diagnosis' estimate), ``advisors`` (2022 permanences), ``capacity_persons``,
        ``persons_beyond_threshold``, ``share_need_beyond_threshold``,
        ``served_persons`` and ``unserved_persons`` (exact allocation under
        capacity), ``extra_advisors`` (to serve ``share`` of the persons in need,
        each new advisor bringing a full capacity where it lacks) and
        ``travel_model``.
    """
    request = request or FranceRequest()
    code = national.check_departement(code)
    territory = open_territory(TerritoryRequest(use_cache=request.use_cache, departement=code))
    diagnosis = run_diagnosis(
        territory,
        DiagnoseRequest(
            threshold_min=request.threshold_min,
            capacity_persons_per_advisor=request.capacity_persons_per_advisor,
        ),
    )
    # The diagnosis' own exact allocation under capacity: one computation for both views.
    found = diagnosis.findings()
    total, served = found["persons_in_need"], found["served_persons"]
    beyond = found["beyond_threshold_persons"]
    missing = request.share * total - served
    extra = max(0, math.ceil(round(missing / request.capacity_persons_per_advisor, 9)))
    return {
        "code": code,
        "name": territory.departement_name,
        "region": _region(code),
        "population": int(diagnosis.communes["population"].sum()),
        "persons_in_need": total,
        "advisors": float(diagnosis.offer.n_advisors),
        "capacity_persons": found["capacity_persons"],
        "persons_beyond_threshold": beyond,
        "share_need_beyond_threshold": beyond / total if total else 0.0,
        "served_persons": served,
        "unserved_persons": total - served,
        "unserved_share": (total - served) / total if total else 0.0,
        "extra_advisors": extra,
        "travel_model": diagnosis.travel_model.kind,
    }


def _region(code: str) -> str:
    table = national.departements()
    return str(table.loc[table["code"] == code, "region"].iloc[0])


Runner = Callable[[Callable[[str], dict[str, Any]], list[str]], Iterable[dict[str, Any]]]


def france_summary(
    request: FranceRequest | None = None,
    codes: Iterable[str] | None = None,
    runner: Runner | None = None,
) -> pd.DataFrame:
    """The national summary: one row per département (all 96 by default), sorted by code.

    Parameters
    ----------
    request : FranceRequest, optional
        Settings shared by every département.
    codes : iterable of str, optional
        Départements to summarise (checked first; all metropolitan ones by default).
    runner : callable, optional
        ``runner(task, codes)`` yields the rows of ``task(code)``, e.g.
        :func:`equity.distributed.run_on_dask`; in this process, one after the
        other, by default.

    Returns
    -------
    pandas.DataFrame
        See :func:`summary_frame`.
    """
    request = request or FranceRequest()
    chosen = list(national.departements()["code"]) if codes is None else list(codes)
    chosen = [national.check_departement(c) for c in chosen]
    task = _SummaryTask(request)
    rows = runner(task, chosen) if runner is not None else map(task, chosen)
    return summary_frame(list(rows))


@dataclass(frozen=True)
class _SummaryTask:
    """:func:`departement_summary` with its request bound (picklable for Dask workers)."""

    request: FranceRequest

    def __call__(self, code: str) -> dict[str, Any]:
        return departement_summary(code, self.request)


def summary_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of :func:`departement_summary` as one table sorted by code, with a total row.

    The total row (``code`` ``"FR"``) sums the counts; its share beyond the threshold
    is that of all persons in need.
    """
    frame = pd.DataFrame(rows).sort_values("code").reset_index(drop=True)
    sums = frame[
        [
            "population",
            "persons_in_need",
            "advisors",
            "capacity_persons",
            "persons_beyond_threshold",
            "served_persons",
            "unserved_persons",
            "extra_advisors",
        ]
    ].sum()
    total = {"code": "FR", "name": "France métropolitaine", "region": "", **sums.to_dict()}
    total["share_need_beyond_threshold"] = (
        sums["persons_beyond_threshold"] / sums["persons_in_need"]
        if sums["persons_in_need"]
        else 0.0
    )
    total["unserved_share"] = (
        sums["unserved_persons"] / sums["persons_in_need"] if sums["persons_in_need"] else 0.0
    )
    total["travel_model"] = ",".join(sorted(set(frame["travel_model"])))
    out = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    out["extra_advisors"] = out["extra_advisors"].astype(int)
    out["population"] = out["population"].astype(int)
    return out


def france_map(
    summary: pd.DataFrame, path: str | Path, request: FranceRequest | None = None
) -> Path:
    """Print map of France (PDF, PNG or SVG by extension): share of persons in need unserved.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`france_summary` (its total row is ignored).
    path : str or pathlib.Path
        Output file.
    request : FranceRequest, optional
        The settings of the summary, printed in the subtitle.
    """
    request = request or FranceRequest()
    outlines = read_geo("departements", None, ["dep", "geometry"]).set_index("dep")
    rows = summary[summary["code"] != "FR"].set_index("code")
    shapes = outlines.loc[rows.index].assign(
        name=rows["name"], population=rows["population"], unserved_share=rows["unserved_share"]
    )
    shapes.index.name = "code_insee"
    spec = PrintMapSpec(
        communes=shapes,
        column="unserved_share",
        title="Conseillers numériques : personnes ayant besoin d'aide non servies",
        legend_title="Part des personnes non servies",
        subtitle=(
            f"{len(rows)} départements ; capacité {request.capacity_persons_per_advisor:g} "
            f"personnes par conseiller et par an, seuil {request.threshold_min:g} min ; "
            "permanences 2022"
        ),
        sources=[
            f"{meta['publisher']}, {meta['vintage']}, {meta['licence']}"
            for key, meta in national.NATIONAL_SOURCES.items()
            if key in ("communes", "population", "cnfs_permanence")
        ],
        approximate_travel=(rows["travel_model"] == "straight_line").any(),
        percent_columns=("unserved_share",),
        n_town_labels=0,
    )
    return render_print_map(spec, path, orientation="portrait")
