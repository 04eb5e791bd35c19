"""Requests, cache keys, scenario edits and user-facing errors of the workflow layer."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from sample_sites import LOUE

from equity import cli
from equity.cli import main
from equity.need import NeedWeights
from equity.scenarios import Scenario, ScenarioParameters, SiteChanges
from equity.workflows import (
    DiagnoseRequest,
    ExportRequest,
    InvalidRequest,
    MobileRequest,
    RecommendRequest,
    ScenarioEdit,
    ScenarioNotFound,
    edit_scenario,
    load_scenario,
    open_store,
    recommendation_parameters,
    recommendation_trade_off,
    run_diagnosis,
    run_recommendation,
    run_threshold_sensitivity,
    scenario_key,
    value_status,
)
from geo import defaults


def test_request_defaults_come_from_geo_defaults():
    request = RecommendRequest()
    assert request.k == defaults.NEW_ADVISORS
    assert request.diagnosis.threshold_min == defaults.THRESHOLD_MIN
    assert request.diagnosis.offer_types == defaults.OFFER_TYPES
    assert request.cost_per_advisor_eur == defaults.ADVISOR_COST_EUR
    assert request.cofunding_per_advisor_eur == defaults.COFUNDING_PER_ADVISOR_EUR
    assert request.time_limit_s == defaults.SOLVER_TIME_LIMIT_S
    mobile = MobileRequest()
    assert (mobile.n_stops, mobile.half_days) == (
        defaults.MOBILE_N_STOPS,
        defaults.MOBILE_HALF_DAYS_PER_WEEK,
    )
    assert (mobile.session_hours, mobile.max_drive_min) == (
        defaults.MOBILE_SESSION_HOURS,
        defaults.MOBILE_MAX_DRIVE_MIN,
    )


def test_cache_keys_are_stable_and_tell_requests_apart():
    weights = NeedWeights().with_weight("ifn_global", 0.5)
    a = DiagnoseRequest(threshold_min=20, need_weights=weights)
    b = DiagnoseRequest(
        threshold_min=20.0, need_weights=NeedWeights().with_weight("ifn_global", 0.5)
    )
    assert a.cache_key() == b.cache_key()
    assert a.cache_key() != DiagnoseRequest(threshold_min=30).cache_key()
    assert RecommendRequest(k=5).cache_key() != RecommendRequest(k=6).cache_key()


def test_scenario_key_ignores_saved_results_only():
    plan = Scenario("Plan Loué", {"threshold_min": 20}, SiteChanges(added=[LOUE]))
    assert scenario_key(plan) == scenario_key(replace(plan, results={"headline": {"a": 1}}))
    assert scenario_key(plan) != scenario_key(replace(plan, name="Autre"))
    assert scenario_key(plan) != scenario_key(replace(plan, changes=SiteChanges()))


def test_recommendation_parameters_are_built_in_one_place():
    request = RecommendRequest(k=7, min_per_epci=1, objective="coverage")
    saved = recommendation_parameters(request)
    assert isinstance(saved, ScenarioParameters)
    assert saved.threshold_min == 20.0
    assert saved.offer_types == ("cnfs_permanence",)
    assert (saved.objective, saved.n_extra, saved.min_per_epci) == ("coverage", 7, 1)
    # Format 2 keeps what format 1 lost: costs and the solver budget.
    assert saved.cost_per_advisor_eur == 50_000.0
    assert saved.cofunding_per_advisor_eur == 25_000.0
    assert saved.solver_time_limit_s == 30.0
    assert saved.to_dict()["n_extra"] == 7


def test_excluded_epci_get_no_site_and_keep_the_maximum_elsewhere():
    request = RecommendRequest(max_per_epci=2, excluded_epci=("CC A",))
    settings = request.placement_settings(["CC A", "CC B"])
    assert settings.max_per_group == {"CC A": 0, "CC B": 2}
    assert RecommendRequest(excluded_epci=("CC A",)).placement_settings(
        ["CC A", "CC B"]
    ).max_per_group == {"CC A": 0}
    with pytest.raises(InvalidRequest, match="Objectif inconnu"):
        RecommendRequest(objective="fastest").placement_settings()


def test_edit_scenario_moves_adds_and_removes(territory):
    base = Scenario("Base", {"threshold_min": 20}, SiteChanges())
    permanence = territory.sites[territory.sites["site_type"] == "cnfs_permanence"].iloc[0]
    edit = ScenarioEdit(
        name="Édité",
        removed=("x",),
        move_from=permanence["site_id"],
        move_to="mairie-72168",
        hosts_added=("mairie-72137",),
        added=({"site_id": None, "name": None, "lon": float("nan")},),
    )
    draft = edit_scenario(territory, base, edit)
    hall = territory.sites.set_index("site_id").loc["mairie-72168"]
    assert draft.changes.moved == [
        {"site_id": permanence["site_id"], "lon": float(hall["lon"]), "lat": float(hall["lat"])}
    ]
    assert [a["site_id"] for a in draft.changes.added] == ["mairie-72137-ajout"]
    assert draft.changes.added[0]["code_insee"] == "72137"
    assert draft.changes.removed == ["x"]
    assert draft.name == "Édité" and draft.results == {}


def test_value_status_counts_imputed_values(territory):
    status = value_status(territory, "poverty_rate_pct")
    assert status.counts["imputed"] == 315
    assert status.mostly_imputed
    assert "315 valeurs imputées" in status.notes_fr()
    assert value_status(territory, "no_such_column") is None


def test_invalid_requests_are_reported_not_computed(territory):
    with pytest.raises(InvalidRequest, match="positif"):
        run_diagnosis(territory, DiagnoseRequest(threshold_min=-1))
    with pytest.raises(InvalidRequest, match="inconnu"):
        run_diagnosis(territory, DiagnoseRequest(offer_types=("castle",)))
    with pytest.raises(InvalidRequest, match="tous les poids sont nuls"):
        run_diagnosis(territory, DiagnoseRequest(need_weights=NeedWeights({}, {})))
    with pytest.raises(InvalidRequest, match="format inconnu « doc »"):
        ExportRequest("map", fmt="doc").check()
    with pytest.raises(InvalidRequest, match="orientation inconnue « oblique »"):
        ExportRequest("map", orientation="oblique").check()


def test_missing_scenario_is_a_user_error(tmp_path):
    with pytest.raises(ScenarioNotFound, match="introuvable"):
        load_scenario(open_store(tmp_path / "s.sqlite"), "Absent")


def test_cli_exit_2_for_user_errors_only(monkeypatch, capsys):
    assert main(["mobile", "--force-stop", "nowhere"]) == 2
    assert "Arrêt imposé inconnu parmi les lieux d'accueil : nowhere." in capsys.readouterr().err

    def buggy(_args):
        raise KeyError("programming error")

    parser = cli.build_parser()
    args = parser.parse_args(["data"])
    monkeypatch.setattr(cli, "build_parser", lambda: _Returning(args, buggy))
    with pytest.raises(KeyError, match="programming error"):
        main(["data"])


class _Returning:
    """A parser stand-in whose parsed command is ``func``."""

    def __init__(self, args, func):
        self.args = args
        self.args.func = func

    def parse_args(self, _argv):
        return self.args


def test_sensitivity_says_whether_the_recommended_sites_change(territory):
    recommendation = run_recommendation(territory, RecommendRequest(k=2))
    # 2 advisors go to one place, Coulaines, at 15, 20 and 30 min alike.
    assert recommendation.result.chosen == ["mairie-72095"]
    table = run_threshold_sensitivity(territory, recommendation).set_index("threshold_min")
    assert table["sites_kept_fr"].tolist() == ["1 lieu sur 1"] * 3
    assert table["sites_changed_fr"].tolist() == ["aucun"] * 3
    # A recommendation with a second place (Le Mans) the other thresholds do not choose.
    marked = replace(
        recommendation,
        result=replace(recommendation.result, chosen=["mairie-72095", "mairie-72181"]),
    )
    table = run_threshold_sensitivity(territory, marked).set_index("threshold_min")
    assert table.loc[20.0, "sites_kept_fr"] == "2 lieux sur 2"
    assert table.loc[20.0, "sites_changed_fr"] == "aucun"
    for thr in (15.0, 30.0):
        assert table.loc[thr, "sites_kept_fr"] == "1 lieu sur 2"
        assert table.loc[thr, "sites_changed_fr"] == "− Mairie — Le Mans"


def test_trade_off_left_for_later_is_the_same_curve(territory):
    # The Recommandation page draws the placement before its curve (issue 14: the click
    # to the result took 3.9 s, a quarter of the run being the curve).
    request = RecommendRequest(k=3)
    now = run_recommendation(territory, request)
    later = run_recommendation(territory, request, trade_off=False)
    assert later.trade_off is None
    assert later.result.chosen == now.result.chosen
    curve = recommendation_trade_off(territory, later)
    pd.testing.assert_frame_equal(curve, now.trade_off)
    assert len(curve) == 4
    assert later.report(territory)["trade_off"] == now.report(territory)["trade_off"]
