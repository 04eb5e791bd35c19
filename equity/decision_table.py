"""The proposed decisions of a scenario: each added site, new or a reinforcement, and why.

A scenario adds advisors at sites. Shown to elected members, each addition is one
decision: a **new site** where no help exists, or the **reinforcement** of an existing
permanence (an addition at, or within :data:`geo.defaults.REINFORCE_RADIUS_KM`
of, an open site). A ``kind`` column (``"new_site"`` / ``"reinforce"``) and an
``advisors`` or ``load_persons`` column on the added sites, when the placement gives
them, win over what is inferred here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from equity.diagnostics import Diagnosis
from equity.placement import DECISION_KINDS_FR as PLACEMENT_KINDS_FR
from equity.scenarios import Scenario
from geo.defaults import REINFORCE_RADIUS_KM
from geo.formatting import format_number_fr, plural_fr

__all__ = [
    "DECISION_COLUMNS_FR",
    "DECISION_KINDS_FR",
    "DECISION_KINDS_SHORT_FR",
    "REINFORCE_NAME_PREFIX",
    "decision_reasons_fr",
    "decision_sites",
    "decisions_table_fr",
    "existing_sites",
    "placement_decisions",
    "scenario_decisions",
]

#: French label of each kind of decision, as the placement writes it, capitalised for a
#: table cell (« Nouveau lieu », « Renfort d'une permanence »).
DECISION_KINDS_FR: dict[str, str] = {
    kind: label[0].upper() + label[1:] for kind, label in PLACEMENT_KINDS_FR.items()
}
#: Suffix of the id of a reinforcement added by a recommendation (:mod:`equity.recommend`).
_REINFORCE_SUFFIX = "-renfort"
#: Prefix of the name of a reinforcement added by a recommendation.
REINFORCE_NAME_PREFIX = "Renfort — "
#: Suffixes the recommendation gives the sites it adds, after the chosen place's id.
_PLACEMENT_SUFFIXES = r"-(?:reco|renfort)$"
#: Short French label of each kind, for tables.
DECISION_KINDS_SHORT_FR: dict[str, str] = {"new_site": "Nouveau lieu", "reinforce": "Renfort"}
#: French headers of :func:`decisions_table_fr`, in order.
DECISION_COLUMNS_FR: dict[str, str] = {
    "number": "N°",
    "name": "Lieu",
    "commune": "Commune",
    "epci": "EPCI",
    "kind_short": "Décision",
    "advisors": "Conseillers",
    "persons_served": "Personnes accompagnées",
}


def existing_sites(diagnosis: Diagnosis, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Open sites of ``diagnosis`` that are not additions of the scenario."""
    sites = diagnosis.offer.sites
    return sites[~sites["site_id"].isin(added["site_id"])]


def _advisors(frame: pd.DataFrame) -> pd.Series:
    for column in ("advisors", "n_advisors"):
        if column in frame:
            values = pd.to_numeric(frame[column], errors="coerce")
            return values.where(values > 0, 1.0).fillna(1.0)
    return pd.Series(1.0, index=frame.index)


def _nearest_existing(
    added: gpd.GeoDataFrame, existing: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``existing`` of the site nearest to each addition, and its distance (m)."""
    if existing.empty:
        return np.full(len(added), -1), np.full(len(added), np.inf)
    ex = existing.geometry.to_crs(added.crs)
    xy = np.column_stack([ex.x.to_numpy(), ex.y.to_numpy()])
    pts = np.column_stack([added.geometry.x.to_numpy(), added.geometry.y.to_numpy()])
    dist = np.hypot(pts[:, None, 0] - xy[None, :, 0], pts[:, None, 1] - xy[None, :, 1])
    nearest = dist.argmin(axis=1)
    return nearest, dist[np.arange(len(added)), nearest]


def _kinds(added: gpd.GeoDataFrame, distance_m: np.ndarray) -> list[str]:
    # The placement's own rule (issue 12): a place this close to a permanence reinforces it.
    inferred = np.where(distance_m <= 1000 * REINFORCE_RADIUS_KM, "reinforce", "new_site")
    # A recommendation saved as a scenario names its reinforcements « <permanence>-renfort ».
    inferred[added["site_id"].astype(str).str.endswith(_REINFORCE_SUFFIX).to_numpy()] = "reinforce"
    if "kind" not in added:
        return list(inferred)
    given = added["kind"].where(added["kind"].isin(list(DECISION_KINDS_FR)))
    return [g if isinstance(g, str) else i for g, i in zip(given, inferred, strict=True)]


def decision_sites(
    territory_communes: pd.DataFrame,
    diagnosis: Diagnosis,
    added: gpd.GeoDataFrame,
    reference: Diagnosis | None = None,
) -> gpd.GeoDataFrame:
    """The scenario's decisions: one row per added site, with its kind and its effect.

    Parameters
    ----------
    territory_communes : pandas.DataFrame
        The territory's communes (index ``code_insee``, ``name``, ``epci_name``).
    diagnosis : Diagnosis
        Diagnostic of the scenario (its offer holds the added sites).
    added : geopandas.GeoDataFrame
        The added sites (``site_id``, ``name``, ``code_insee``, point geometry).
    reference : Diagnosis, optional
        Diagnostic without the additions, for the « why » (access gained).

    Returns
    -------
    geopandas.GeoDataFrame
        ``added``'s rows and geometry with ``kind`` (``"new_site"``/``"reinforce"``),
        ``kind_label``, ``commune``, ``epci``, ``advisors``, ``persons_served``
        (persons in need its advisors accompany, capacity allocation),
        ``place_persons`` and ``place_advisors`` (the same for the whole place, with
        the reinforced site's advisors; NaN when the placement gave ``load_persons``),
        ``reinforces`` (name of the reinforced site, else ``""``) and ``why`` (French).
    """
    out = added.copy()
    existing = existing_sites(diagnosis, added)
    nearest, distance = _nearest_existing(out, existing)
    out["kind"] = _kinds(out, distance)
    out["kind_label"] = out["kind"].map(DECISION_KINDS_FR)
    names = territory_communes["name"]
    out["commune"] = out["code_insee"].map(names).fillna("")
    out["epci"] = out["code_insee"].map(territory_communes["epci_name"]).fillna("")
    out["advisors"] = _advisors(out).to_numpy()
    out["reinforces"] = [
        existing["name"].iloc[i] if k == "reinforce" and i >= 0 else ""
        for k, i in zip(out["kind"], nearest, strict=True)
    ]
    served, place_persons, place_advisors = _persons_served(diagnosis, out, existing, nearest)
    out["persons_served"] = served
    out["place_persons"] = place_persons
    out["place_advisors"] = place_advisors
    out["why"] = _reasons(diagnosis, out, reference)
    return out


def _persons_served(
    diagnosis: Diagnosis,
    decisions: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    nearest: np.ndarray,
) -> tuple[list[float], list[float], list[float]]:
    """Persons in need each decision's advisors accompany, and its place's totals.

    The figures are the diagnostic's capacity allocation (``Diagnosis.site_load``, as on
    the Recommandation page), not the communes a site is nearest to: a town has one
    demand point, so a permanence that is not the nearest of any town hall — most
    permanences of Le Mans — would count no one. A reinforcement shares its place with
    the reinforced site: the place's load is split between them by number of advisors.

    Returns
    -------
    tuple of lists
        Persons of the decision, persons of its place and advisors of its place (the
        last two NaN when the placement gave ``load_persons``).
    """
    if "load_persons" in decisions:
        given = pd.to_numeric(decisions["load_persons"], errors="coerce").fillna(0).tolist()
        unknown = [np.nan] * len(given)
        return given, unknown, unknown
    load = diagnosis.site_load
    advisors = _advisors(existing)
    served, place_persons, place_advisors = [], [], []
    for row, i in zip(decisions.itertuples(), nearest, strict=True):
        own = float(load.get(row.site_id, 0.0))
        together, total = own, row.advisors
        if row.kind == "reinforce" and i >= 0:
            together += float(load.get(existing["site_id"].iloc[i], 0.0))
            total += float(advisors.iloc[i])
        served.append(together * row.advisors / total)
        place_persons.append(together)
        place_advisors.append(total)
    return served, place_persons, place_advisors


def _reasons(
    diagnosis: Diagnosis, decisions: gpd.GeoDataFrame, reference: Diagnosis | None
) -> list[str]:
    threshold = diagnosis.settings.threshold_min
    after = diagnosis.communes
    reasons = []
    for row in decisions.itertuples():
        served = format_number_fr(row.persons_served)
        if row.kind == "reinforce":
            text = (
                f"Renforce « {row.reinforces} » : {served} personnes en besoin à moins de "
                f"{threshold:g} min accompagnées par ce renfort"
            )
            if np.isfinite(row.place_persons) and row.place_advisors > row.advisors:
                text += (
                    f" (le lieu en accompagne {format_number_fr(row.place_persons)} avec "
                    f"{format_number_fr(row.place_advisors)} conseillers)"
                )
            reasons.append(text + ".")
            continue
        text = f"{served} personnes en besoin à moins de {threshold:g} min accompagnées ici"
        if reference is not None:
            mine = after.index[after["nearest_site_id"] == row.site_id]
            before = reference.communes.loc[mine, "travel_time_min"]
            now = after.loc[mine, "travel_time_min"]
            gained = int(((before > threshold) & (now <= threshold)).sum())
            if gained:
                passes = plural_fr(gained, "commune passe", "communes passent")
                text += f" ; {gained} {passes} sous le seuil"
        reasons.append(text + ".")
    return reasons


def decisions_table_fr(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decisions with French headers, rounded, one numbered row per decision.

    The « why » of each decision is long text: :func:`decision_reasons_fr` lists it
    under the same numbers.
    """
    table = pd.DataFrame(decisions).reset_index(drop=True)
    table["number"] = range(1, len(table) + 1)
    table["kind_short"] = table["kind"].map(DECISION_KINDS_SHORT_FR)
    # The « Décision » column says « Renfort »: the name need not repeat it.
    table["name"] = table["name"].astype(str).str.removeprefix(REINFORCE_NAME_PREFIX)
    table = table[list(DECISION_COLUMNS_FR)]
    table["persons_served"] = table["persons_served"].round().astype(int)
    table["advisors"] = table["advisors"].round(1)
    return table.rename(columns=DECISION_COLUMNS_FR)


def decision_reasons_fr(decisions: pd.DataFrame) -> list[str]:
    """« N. Lieu (commune) : why », one line per decision, numbered as the table.

    The commune is not repeated when the name already ends with it, nor « Renfort — »
    when the why says « Renforce ».
    """
    lines = []
    for i, row in enumerate(decisions.itertuples(), start=1):
        name = str(row.name).removeprefix(REINFORCE_NAME_PREFIX)
        # Names of the national files often end with their commune already.
        if row.commune and not name.endswith(f"({row.commune})"):
            name += f" ({row.commune})"
        lines.append(f"{i}. {name} : {row.why}")
    return lines


def scenario_decisions(
    territory_communes: pd.DataFrame,
    scenario: Scenario,
    diagnosis: Diagnosis,
    reference: Diagnosis | None = None,
) -> gpd.GeoDataFrame:
    """:func:`decision_sites` of the sites a scenario adds (as its diagnostic placed them)."""
    ids = [a["site_id"] for a in scenario.changes.added]
    sites = diagnosis.offer.sites
    return decision_sites(
        territory_communes, diagnosis, sites[sites["site_id"].isin(ids)], reference
    )


def placement_decisions(
    territory_communes: pd.DataFrame,
    chosen: pd.DataFrame,
    after: Diagnosis,
    before: Diagnosis,
) -> gpd.GeoDataFrame:
    """The decisions of a placement: where ``after`` put them, with the placement's own
    ``kind``, ``advisors`` and ``load_persons`` (:func:`equity.recommend.chosen_sites`).
    """
    sites = after.offer.sites
    added = sites[~sites["site_id"].isin(before.offer.sites["site_id"])].copy()
    place = added["site_id"].astype(str).str.replace(_PLACEMENT_SUFFIXES, "", regex=True)
    info = pd.DataFrame(chosen).set_index("site_id")
    for column in ("kind", "advisors", "load_persons"):
        if column in info:
            added[column] = place.map(info[column]).to_numpy()
    return decision_sites(territory_communes, after, added, before)
