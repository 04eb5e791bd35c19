"""Recommend: where the next advisors go, with the trade-off, sensitivity and robustness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from equity.diagnostics import Diagnosis
from equity.placement import (
    LEGACY_OBJECTIVES,
    OBJECTIVES,
    PlacementResult,
    PlacementSettings,
    RobustnessResult,
    robustness,
    threshold_sensitivity,
    trade_off_curve,
)
from equity.recommend import (
    PlacementInputs,
    placement_inputs,
    recommend,
    recommendation_report,
    result_scenario,
    travel_check,
)
from equity.scenarios import Scenario, ScenarioParameters, ScenarioStore
from equity.workflows.diagnosis import DiagnoseRequest, run_diagnosis
from equity.workflows.errors import InvalidRequest, check_parameters, checked_settings
from equity.workflows.evaluation import evaluate_scenario
from equity.workflows.keys import stable_key
from geo.defaults import (
    ADVISOR_COST_EUR,
    CAPACITY_PERSONS_PER_ADVISOR,
    COFUNDING_PER_ADVISOR_EUR,
    MAX_NEW_ADVISORS_PER_SITE,
    MIN_EPCI_SHARE,
    NEW_ADVISORS,
    SOLVER_TIME_LIMIT_S,
)
from geo.formatting import plural_fr
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "DEFAULT_SCENARIO_NAME",
    "RecommendRequest",
    "Recommendation",
    "check_robustness",
    "recommendation_parameters",
    "recommendation_scenario",
    "recommendation_trade_off",
    "run_recommendation",
    "run_threshold_sensitivity",
    "save_recommendation",
]

#: Name of the scenario a recommendation makes until the user names it.
DEFAULT_SCENARIO_NAME = "Recommandation"


@dataclass(frozen=True)
class RecommendRequest:
    """Everything a user sets for a recommendation.

    Attributes
    ----------
    k : int
        New advisors to place.
    diagnosis : DiagnoseRequest
        Existing offer, threshold and need weights of the diagnostic it builds on.
    objective : str
        One of :data:`equity.placement.OBJECTIVES` (``"residual"`` is read as
        ``"capacity"``).
    capacity_per_advisor : float or None
        Persons in need one advisor accompanies per year (every advisor, existing or
        new); :data:`geo.defaults.CAPACITY_PERSONS_PER_ADVISOR` when None.
    allow_reinforce : bool
        New advisors may join existing permanences.
    max_new_advisors_per_site : int
        Most new advisors one site (new or reinforced) receives.
    min_epci_share : float
        Guaranteed share of the département's capacity per person in need for every
        EPCI (0 = none).
    travel_check : bool
        Re-solve with other circuities and speeds to tell stable from sensitive sites.
    sensitivity : bool
        Re-solve at the thresholds of :data:`geo.defaults.SENSITIVITY_THRESHOLDS_MIN`
        (one full placement each: off by default, the page offers it on request).
    min_per_epci, max_per_epci : int or None
        New sites per EPCI (no maximum when None).
    excluded_epci : tuple of str
        EPCI that get no new site.
    forced, excluded : tuple of str
        Candidate site ids imposed or left out.
    cost_per_advisor_eur, cofunding_per_advisor_eur : float
        Annual cost of one advisor and the State's co-funding.
    max_net_budget_eur : float or None
        Annual net budget limit.
    time_limit_s : float
        Time budget of each exact solve.
    """

    k: int = NEW_ADVISORS
    diagnosis: DiagnoseRequest = field(default_factory=DiagnoseRequest)
    objective: str = "capacity"
    capacity_per_advisor: float | None = CAPACITY_PERSONS_PER_ADVISOR
    allow_reinforce: bool = True
    max_new_advisors_per_site: int = MAX_NEW_ADVISORS_PER_SITE
    min_epci_share: float = MIN_EPCI_SHARE
    travel_check: bool = False
    sensitivity: bool = False
    min_per_epci: int = 0
    max_per_epci: int | None = None
    excluded_epci: tuple[str, ...] = ()
    forced: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    cost_per_advisor_eur: float = ADVISOR_COST_EUR
    cofunding_per_advisor_eur: float = COFUNDING_PER_ADVISOR_EUR
    max_net_budget_eur: float | None = None
    time_limit_s: float = SOLVER_TIME_LIMIT_S

    def placement_settings(self, epci_names: Sequence[str] = ()) -> PlacementSettings:
        """The placement engine's settings (``epci_names``: every EPCI of the territory)."""
        if self.objective not in (*OBJECTIVES, *LEGACY_OBJECTIVES):
            raise InvalidRequest(
                f"Objectif inconnu « {self.objective} » (attendu : {', '.join(OBJECTIVES)})."
            )
        if self.k < 0:
            raise InvalidRequest(f"Nombre de nouveaux conseillers invalide : {self.k}.")
        check_parameters(recommendation_parameters(self))
        max_per_group: int | dict[str, int] | None = self.max_per_epci
        if self.excluded_epci:
            limit = {name: self.max_per_epci for name in epci_names} if self.max_per_epci else {}
            max_per_group = {**limit, **dict.fromkeys(self.excluded_epci, 0)}
        return checked_settings(
            PlacementSettings,
            k=int(self.k),
            threshold_min=float(self.diagnosis.threshold_min),
            objective=self.objective,
            capacity_per_advisor=self.capacity_per_advisor,
            allow_reinforce=bool(self.allow_reinforce),
            max_advisors_per_site=int(self.max_new_advisors_per_site),
            min_epci_share=float(self.min_epci_share),
            min_per_group=int(self.min_per_epci),
            max_per_group=max_per_group,
            forced=tuple(self.forced),
            excluded=tuple(self.excluded),
            cost_per_advisor_eur=float(self.cost_per_advisor_eur),
            cofunding_per_advisor_eur=float(self.cofunding_per_advisor_eur),
            max_net_budget_eur=self.max_net_budget_eur,
            time_limit_s=float(self.time_limit_s),
        )

    def cache_key(self) -> str:
        """Stable text identifying the request."""
        return stable_key(self)


def recommendation_parameters(request: RecommendRequest) -> ScenarioParameters:
    """The parameters a recommendation saves into its scenario (the one place they are built)."""
    return replace(
        request.diagnosis.scenario_parameters(),
        objective=request.objective,
        n_extra=int(request.k),
        min_per_epci=int(request.min_per_epci),
        max_per_epci=request.max_per_epci,
        capacity_per_advisor=request.capacity_per_advisor,
        cost_per_advisor_eur=float(request.cost_per_advisor_eur),
        cofunding_per_advisor_eur=float(request.cofunding_per_advisor_eur),
        max_net_budget_eur=request.max_net_budget_eur,
        solver_time_limit_s=float(request.time_limit_s),
    )


@dataclass(frozen=True)
class Recommendation:
    """A recommendation and everything shown with it.

    Attributes
    ----------
    request : RecommendRequest
    before, after : Diagnosis
        Diagnostic of the current situation and of the situation with the new sites.
    result : PlacementResult
    inputs : PlacementInputs
        Cost matrix and weights the engine used.
    trade_off : pandas.DataFrame or None
        Coverage for 0…k new sites (nested greedy order); ``None`` when the run left it
        for later (:func:`recommendation_trade_off` computes it, :meth:`report` too).
    sensitivity : pandas.DataFrame or None
        The placement re-solved at other thresholds (``None`` unless the request asked
        for it; :func:`run_threshold_sensitivity` computes it afterwards).
    scenario : Scenario
        The new sites as an evaluated, unsaved scenario.
    """

    request: RecommendRequest
    before: Diagnosis
    after: Diagnosis
    result: PlacementResult
    inputs: PlacementInputs
    trade_off: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    scenario: Scenario

    def report(self, territory: Territory) -> dict[str, Any]:
        """The JSON object of ``maillage recommend --json``."""
        return recommendation_report(
            territory,
            self.before,
            self.after,
            self.result,
            self.inputs,
            recommendation_trade_off(territory, self),
            self.sensitivity,
        )


def run_recommendation(
    territory: Territory,
    request: RecommendRequest | None = None,
    model: TravelModel | None = None,
    before: Diagnosis | None = None,
    trade_off: bool = True,
) -> Recommendation:
    """Recommend new advisor sites, with the trade-off curve and threshold sensitivity.

    ``before`` reuses a diagnostic of ``request.diagnosis`` already computed.
    ``trade_off=False`` leaves the curve for :func:`recommendation_trade_off` (a page
    shows the placement first: the curve takes a quarter of the run on Sarthe).

    Raises
    ------
    InvalidRequest
        A parameter is out of range.
    equity.placement.PlacementInfeasible
        The constraints cannot all be met (French message naming them).
    """
    request = request or RecommendRequest()
    settings = request.placement_settings(territory.epci["epci_name"].tolist())
    before = before or run_diagnosis(territory, request.diagnosis, model)
    inputs = placement_inputs(territory, before, model)
    result = recommend(territory, before, settings, inputs)
    curve = _trade_off(inputs, settings) if trade_off else None
    sensitivity = (
        _sensitivity_table(territory, inputs, settings, result) if request.sensitivity else None
    )
    if request.travel_check:
        travel_check(inputs, settings, result)
    draft = result_scenario(
        territory, result, DEFAULT_SCENARIO_NAME, recommendation_parameters(request)
    )
    scenario, after = evaluate_scenario(territory, draft, model)
    return Recommendation(request, before, after, result, inputs, curve, sensitivity, scenario)


def recommendation_trade_off(territory: Territory, recommendation: Recommendation) -> pd.DataFrame:
    """The trade-off curve of ``recommendation`` (the one it holds, else computed)."""
    if recommendation.trade_off is not None:
        return recommendation.trade_off
    settings = recommendation.request.placement_settings(territory.epci["epci_name"].tolist())
    return _trade_off(recommendation.inputs, settings)


def _trade_off(inputs: PlacementInputs, settings: PlacementSettings) -> pd.DataFrame:
    return trade_off_curve(*inputs.engine_args(), settings, **inputs.engine_options())


def run_threshold_sensitivity(territory: Territory, recommendation: Recommendation) -> pd.DataFrame:
    """The recommendation's placement re-solved at the sensitivity thresholds.

    One full placement per threshold of :data:`geo.defaults.SENSITIVITY_THRESHOLDS_MIN`
    (same objective and constraints; the recommendation itself at its own threshold), so
    it is computed on request. Besides the engine's columns, ``sites_kept_fr`` (« 18 lieux sur
    20 ») and ``sites_changed_fr`` (the sites added and dropped, by name) say whether the
    recommended sites hold when the threshold changes.
    """
    settings = recommendation.request.placement_settings(territory.epci["epci_name"].tolist())
    return _sensitivity_table(territory, recommendation.inputs, settings, recommendation.result)


def _sensitivity_table(
    territory: Territory,
    inputs: PlacementInputs,
    settings: PlacementSettings,
    result: PlacementResult,
) -> pd.DataFrame:
    """The engine's sensitivity table with the French columns (CLI and page alike)."""
    table = threshold_sensitivity(
        *inputs.engine_args(), settings, **inputs.engine_options(), reference=result
    )
    names = territory.sites.set_index("site_id")["name"]
    n_sites = len(result.chosen)
    table["sites_kept_fr"] = [
        f"{kept} {plural_fr(kept, 'lieu')} sur {n_sites}" for kept in table["sites_kept"]
    ]
    table["sites_changed_fr"] = [
        _changes_fr(added, dropped, names)
        for added, dropped in zip(table["sites_added"], table["sites_dropped"], strict=True)
    ]
    return table


def _changes_fr(added: list[str], dropped: list[str], names: pd.Series) -> str:
    """« + Mairie — Lhomme ; − Mairie — Loué », or « aucun » when the sites hold."""
    parts = [f"+ {names.get(s, s)}" for s in added] + [f"− {names.get(s, s)}" for s in dropped]
    return " ; ".join(parts) if parts else "aucun"


def check_robustness(
    territory: Territory, recommendation: Recommendation, n_lost: int
) -> RobustnessResult:
    """Coverage lost when the ``n_lost`` least used existing sites close, with the placement."""
    inputs = recommendation.inputs
    return robustness(
        *inputs.engine_args(),
        recommendation.request.placement_settings(territory.epci["epci_name"].tolist()),
        n_lost=n_lost,
        placement=recommendation.result,
        **inputs.engine_options(),
    )


def save_recommendation(
    store: ScenarioStore,
    recommendation: Recommendation,
    name: str,
    author: str = "",
    note: str = "",
) -> Scenario:
    """Save the recommended sites as a new version of scenario ``name``.

    Saving the same again makes no new version (:meth:`ScenarioStore.save`).
    """
    return store.save(recommendation_scenario(recommendation, name, author, note))


def recommendation_scenario(
    recommendation: Recommendation, name: str, author: str = "", note: str = ""
) -> Scenario:
    """The scenario :func:`save_recommendation` stores (``InvalidRequest`` without a name)."""
    name = name.strip()
    if not name:
        raise InvalidRequest("Donnez un nom au scénario.")
    # Results do not depend on the name, author or note: the evaluation is reused.
    return replace(recommendation.scenario, name=name, author=author, note=note)
