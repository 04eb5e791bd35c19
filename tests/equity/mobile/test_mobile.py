"""Mobile-session engine: stop selection, half-day circuits, schedule rules, outputs."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from equity.mobile import (
    Advisor,
    MobileSettings,
    plan_circuits,
    plan_mobile_sessions,
    schedulable_alone,
    select_stops,
)
from geo import settings as geo_settings
from geo.opening_hours import is_open, parse_datafrance


def line_matrix(positions: dict[str, float], min_per_unit: float = 1.0) -> pd.DataFrame:
    """Symmetric driving minutes between places on a line."""
    ids = list(positions)
    values = [[abs(positions[a] - positions[b]) * min_per_unit for b in ids] for a in ids]
    return pd.DataFrame(values, index=ids, columns=ids)


def stop_table(rows: dict[str, dict]) -> pd.DataFrame:
    """Stops indexed by id; missing fields default to an unknown-hours town hall, weekly."""
    defaults = {"kind": "mairie", "hours": {}, "market_day": None, "frequency": "weekly"}
    return pd.DataFrame(
        [{"name": f"Lieu {i}", **defaults, **row} for i, row in rows.items()], index=list(rows)
    )


def route_drive(matrix: pd.DataFrame, base: str, order: tuple[str, ...]) -> float:
    places = [base, *order, base]
    return float(sum(matrix.at[a, b] for a, b in itertools.pairwise(places)))


# --------------------------------------------------------------------------- routing


def test_three_stops_on_a_line_visited_in_line_order() -> None:
    drive = line_matrix({"B": 0, "S1": 10, "S2": 20, "S3": 30})
    stops = stop_table({s: {} for s in ("S1", "S2", "S3")})
    advisor = Advisor("a", "Anne", "B", half_days_per_week=1, available_days=("lundi",))
    settings = MobileSettings(session_hours=0.5, max_drive_min=90, days=("lundi",))
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, settings)
    assert unschedulable.empty
    week1 = schedule[schedule["week"] == 1]
    # Both line orders drive 60 min; with starts rounded up to 15 min the reverse order
    # returns earlier (11:40 instead of 11:45), which breaks the tie.
    assert list(week1["stop_id"]) == ["S3", "S2", "S1"]
    assert week1["half_day"].unique().tolist() == ["matin"]
    assert week1["circuit_drive_min"].iloc[0] == pytest.approx(60.0)
    best = min(route_drive(drive, "B", p) for p in itertools.permutations(["S1", "S2", "S3"]))
    assert week1["circuit_drive_min"].iloc[0] == pytest.approx(best)
    assert list(week1["leg_drive_min"]) == [30, 10, 10]
    assert week1["return_drive_min"].iloc[-1] == pytest.approx(10.0)
    assert week1["departure"].iloc[0] == "09:00"
    assert list(week1["arrival"]) == ["09:30", "10:10", "10:55"]
    assert list(week1["session_start"]) == ["09:30", "10:15", "11:00"]
    assert list(week1["session_end"]) == ["10:00", "10:45", "11:30"]
    assert week1["return_time"].iloc[-1] == "11:40"


def test_routing_matches_brute_force_on_asymmetric_matrix() -> None:
    rng = np.random.default_rng(7)
    ids = ["B", "S1", "S2", "S3", "S4"]
    values = rng.uniform(3, 20, size=(5, 5))
    np.fill_diagonal(values, 0.0)
    drive = pd.DataFrame(values, index=ids, columns=ids)
    stops = stop_table({s: {} for s in ids[1:]})
    advisor = Advisor("a", "Anne", "B", half_days_per_week=1, available_days=("mardi",))
    settings = MobileSettings(
        session_hours=0.25, max_drive_min=200, max_stops_per_half_day=4, days=("mardi",)
    )
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, settings)
    assert unschedulable.empty
    week1 = schedule[schedule["week"] == 1]
    order = tuple(week1["stop_id"])
    assert sorted(order) == ids[1:]
    best = min(route_drive(drive, "B", p) for p in itertools.permutations(ids[1:]))
    assert route_drive(drive, "B", order) == pytest.approx(best)
    assert week1["circuit_drive_min"].iloc[0] == pytest.approx(best)


# --------------------------------------------------------------------------- opening rules


def test_town_hall_open_only_tuesday_morning_gets_tuesday_morning() -> None:
    drive = line_matrix({"B": 0, "M": 15})
    stops = stop_table({"M": {"hours": {"mardi": [("09:00", "12:00")]}}})
    advisor = Advisor("a", "Anne", "B", half_days_per_week=3)
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, MobileSettings())
    assert unschedulable.empty
    assert set(zip(schedule["day"], schedule["half_day"], strict=True)) == {("mardi", "matin")}
    assert (schedule["session_start"] == "09:15").all()
    assert (schedule["session_end"] == "11:15").all()
    assert (schedule["hours_note"] == "").all()


def test_real_town_hall_hours_from_datafrance() -> None:
    table = pd.read_csv(
        geo_settings.RAW_DIR / "sites" / "mairies_72_datafrance.csv",
        dtype={"code_insee": str},
    ).set_index("code_insee")
    # Commerveil: jeudi 09:00–12:30 only; Aillières-Beauvoir: mercredi 09:30–12:00 and
    # samedi 10:00–12:00; Bérus: mardi 09:00–16:30.
    codes = ["72086", "72002", "72034"]
    hours = {c: parse_datafrance(table.at[c, "horaires_json"]) for c in codes}
    assert hours["72086"] == {"jeudi": [("09:00", "12:30")]}
    drive = line_matrix({"B": 0, "72086": 20, "72002": -10, "72034": 5})
    stops = stop_table({c: {"name": table.at[c, "nom_commune"], "hours": hours[c]} for c in codes})
    advisor = Advisor("a", "Anne", "B", half_days_per_week=3)
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, MobileSettings())
    assert unschedulable.empty
    for row in schedule.itertuples():
        assert is_open(hours[row.stop_id], row.day, row.session_start, row.session_end)
    days = schedule.groupby("stop_id")["day"].unique().map(list).to_dict()
    assert days == {"72086": ["jeudi"], "72002": ["mercredi"], "72034": ["mardi"]}
    assert schedule.loc[schedule["stop_id"] == "72002", "session_start"].unique().tolist() == [
        "09:30"
    ]


def test_library_closed_all_week_is_unschedulable_with_french_reason() -> None:
    drive = line_matrix({"B": 0, "L": 10, "L2": 12})
    closed = {day: [] for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")}
    stops = stop_table(
        {
            "L": {"kind": "bibliotheque", "hours": closed},
            "L2": {"kind": "bibliotheque", "hours": {"mercredi": [("14:00", "15:00")]}},
        }
    )
    advisor = Advisor("a", "Anne", "B")
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, MobileSettings())
    assert schedule.empty
    reasons = unschedulable.set_index("stop_id")["reason"]
    assert reasons["L"].startswith("aucun créneau d'ouverture compatible avec une séance de 2 h")
    assert reasons["L2"].startswith("aucun créneau d'ouverture compatible avec une séance de 2 h")
    assert "mercredi 14h00–15h00" in reasons["L2"]


def test_unknown_hours_are_assumed_open_and_flagged() -> None:
    drive = line_matrix({"B": 0, "X": 10})
    schedule, _ = plan_circuits(
        stop_table({"X": {"kind": "autre"}}),
        [Advisor("a", "Anne", "B")],
        drive,
        None,
        MobileSettings(),
    )
    assert (schedule["hours_note"] == "horaires inconnus").all()
    assert (schedule["day"] == "lundi").all() and (schedule["half_day"] == "matin").all()


def test_market_only_on_its_day_in_the_morning() -> None:
    drive = line_matrix({"B": 0, "MA": 10, "MS": 12})
    stops = stop_table(
        {
            "MA": {"kind": "marche", "market_day": "Jeudi"},
            "MS": {"kind": "marche", "market_day": "samedi"},
        }
    )
    advisor = Advisor("a", "Anne", "B", half_days_per_week=4)  # lundi–vendredi
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, MobileSettings())
    assert set(zip(schedule["day"], schedule["half_day"], strict=True)) == {("jeudi", "matin")}
    assert (schedule["hours_note"] == "").all()
    assert unschedulable["stop_id"].tolist() == ["MS"]
    assert "marché le samedi matin" in unschedulable["reason"].iloc[0]
    saturday = Advisor("b", "Bruno", "B", available_days=("samedi",))
    schedule, unschedulable = plan_circuits(
        stops, [advisor, saturday], drive, None, MobileSettings()
    )
    assert unschedulable.empty
    ms = schedule[schedule["stop_id"] == "MS"]
    assert set(ms["day"]) == {"samedi"} and set(ms["advisor_id"]) == {"b"}


# --------------------------------------------------------------------------- limits


def test_driving_limit_respected_and_far_stop_reported() -> None:
    drive = line_matrix({"B": 0, "NEAR": 20, "MID": -25, "FAR": 37})
    stops = stop_table({s: {} for s in ("NEAR", "MID", "FAR")})
    advisor = Advisor("a", "Anne", "B", half_days_per_week=4)
    settings = MobileSettings(session_hours=1.0)
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, settings)
    assert (schedule["circuit_drive_min"] <= settings.max_drive_min + 1e-9).all()
    assert unschedulable.to_dict(orient="records") == [
        {
            "stop_id": "FAR",
            "stop_name": "Lieu FAR",
            "kind": "mairie",
            "frequency": "weekly",
            "reason": (
                "trajet aller-retour de 74 min depuis la base, au-delà de la limite de 60 min"
            ),
        }
    ]
    # NEAR and MID (opposite sides) fit together time-wise with 1 h sessions, but
    # B → NEAR → MID → B drives 90 min: they never share a half-day.
    per_half_day = schedule.groupby(["week", "day", "half_day"])["stop_id"].count()
    assert (per_half_day == 1).all()


def test_every_stop_is_scheduled_or_reported_when_half_days_run_out() -> None:
    positions = {"B": 0, **{f"S{i}": 5 + i for i in range(5)}, "C": 500}
    drive = line_matrix(positions)
    drive.loc["C", :] = np.inf  # unreachable, also from the base
    drive.loc[:, "C"] = np.inf
    stops = stop_table({s: {"gain_need": float(i)} for i, s in enumerate(positions) if s != "B"})
    advisor = Advisor("a", "Anne", "B", half_days_per_week=2)
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, MobileSettings())
    scheduled = set(schedule["stop_id"])
    reported = set(unschedulable["stop_id"])
    assert scheduled.isdisjoint(reported)
    assert scheduled | reported == set(stops.index)
    assert len(scheduled) == 2
    reasons = unschedulable.set_index("stop_id")["reason"]
    assert reasons["C"] == "aucun temps de trajet connu depuis les bases des conseillers"
    assert all(
        reasons[s] == "plus de demi-journée disponible (conseillers à portée : Anne)"
        for s in reported - {"C"}
    )
    # The largest need gains are served first.
    assert scheduled == {"S3", "S4"}
    assert (schedule.groupby("week")["half_day"].count() == 2).all()


def test_frequencies_over_the_cycle() -> None:
    drive = line_matrix({"B": 0, "W": 10, "F": 12, "M": 14, "F2": 16})
    stops = stop_table(
        {
            "W": {"frequency": "weekly"},
            "F": {"frequency": "fortnightly"},
            "F2": {"frequency": "fortnightly"},
            "M": {"frequency": "monthly"},
        }
    )
    advisor = Advisor("a", "Anne", "B", half_days_per_week=3)
    schedule, unschedulable = plan_circuits(stops, [advisor], drive, None, MobileSettings())
    assert unschedulable.empty
    weeks = schedule.groupby("stop_id")["week"].apply(sorted).to_dict()
    assert weeks["W"] == [1, 2, 3, 4]
    assert weeks["F"] in ([1, 3], [2, 4]) and weeks["F2"] in ([1, 3], [2, 4])
    assert len(weeks["M"]) == 1
    # Each stop keeps one regular slot; no week exceeds the advisor's half-days.
    assert (schedule.groupby("stop_id")[["day", "half_day"]].nunique() == 1).all().all()
    half_days = schedule.drop_duplicates(["week", "day", "half_day"]).groupby("week").size()
    assert half_days.max() <= 3

    eight, _ = plan_circuits(stops, [advisor], drive, None, MobileSettings(weeks_in_cycle=8))
    counts = eight.groupby("stop_id").size().to_dict()
    assert counts == {"W": 8, "F": 4, "F2": 4, "M": 2}


def test_stop_goes_to_nearest_base_and_near_stops_share_a_circuit() -> None:
    drive = line_matrix({"B1": 0, "B2": 100, "S1": 5, "S2": 95, "S3": 50, "S4": 52})
    stops = stop_table({s: {} for s in ("S1", "S2")})
    advisors = [Advisor("a", "Anne", "B1"), Advisor("b", "Bruno", "B2")]
    schedule, _ = plan_circuits(stops, advisors, drive, None, MobileSettings())
    owner = schedule.groupby("stop_id")["advisor_id"].first().to_dict()
    assert owner == {"S1": "a", "S2": "b"}
    # Two stops 2 minutes apart between two bases 20 minutes apart: one circuit through
    # both (9 + 2 + 11 = 22 min) beats two out-and-back trips (18 + 18 = 36 min).
    drive = line_matrix({"B1": 0, "B2": 20, "S3": 9, "S4": 11})
    stops = stop_table({s: {} for s in ("S3", "S4")})
    schedule, unschedulable = plan_circuits(stops, advisors, drive, None, MobileSettings())
    assert unschedulable.empty
    assert schedule["circuit_id"].nunique() == 4
    assert (schedule.groupby("circuit_id")["stop_id"].nunique() == 2).all()
    assert schedule["circuit_drive_min"].unique().tolist() == pytest.approx([22.0])
    assert set(schedule["half_day"]) == {"matin", "après-midi"}


def test_schedulable_alone_reports_per_stop() -> None:
    drive = line_matrix({"B": 0, "OK": 5, "FAR": 45})
    stops = stop_table({"OK": {}, "FAR": {}, "BAD": {"frequency": "daily"}})
    drive = drive.reindex(index=["B", "OK", "FAR", "BAD"], columns=["B", "OK", "FAR", "BAD"])
    reasons = schedulable_alone(stops, [Advisor("a", "Anne", "B")], drive, MobileSettings())
    assert reasons["OK"] == ""
    assert reasons["FAR"].startswith("trajet aller-retour de 90 min")
    assert reasons["BAD"].startswith("fréquence « daily » inconnue")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"session_hours": 4.5}, "plus longue qu'une demi-journée"),
        ({"cost_per_km_eur": -0.1}, "coût au kilomètre"),
        ({"max_drive_min": 0}, "temps de conduite maximal"),
        ({"weeks_in_cycle": 6}, "multiple de 4 semaines"),
        ({"default_frequency": "daily"}, "fréquence par défaut"),
        ({"n_stops": 0}, "nombre d'arrêts"),
    ],
)
def test_bad_settings_raise_french_value_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MobileSettings(**kwargs)


def test_bad_advisors_raise_french_value_error() -> None:
    with pytest.raises(ValueError, match="au moins une demi-journée"):
        Advisor("a", "Anne", "B", half_days_per_week=0)
    with pytest.raises(ValueError, match="jours de disponibilité"):
        Advisor("a", "Anne", "B", available_days=("monday",))
    drive = line_matrix({"B": 0, "S": 5})
    with pytest.raises(ValueError, match="aucun conseiller"):
        plan_circuits(stop_table({"S": {}}), [], drive, None, MobileSettings())
    with pytest.raises(ValueError, match="absente"):
        plan_circuits(
            stop_table({"S": {}}), [Advisor("a", "A", "X")], drive, None, MobileSettings()
        )


# --------------------------------------------------------------------------- selection


def brute_force_cover(a: np.ndarray, w: np.ndarray, k: int) -> float:
    return max(
        float(w[a[:, list(combo)].any(axis=1)].sum()) if combo else 0.0
        for size in range(k + 1)
        for combo in itertools.combinations(range(a.shape[1]), size)
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_select_stops_exact_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    communes = [f"C{i}" for i in range(12)]
    sites = [f"S{j}" for j in range(7)]
    times = pd.DataFrame(rng.uniform(0, 25, size=(12, 7)), index=communes, columns=sites)
    times.iloc[0, :] = np.inf
    need = pd.Series(rng.integers(10, 500, size=12).astype(float), index=communes)
    population = need * 2
    covered = pd.Series(rng.random(12) < 0.25, index=communes)
    a = (times.to_numpy() <= 10) & ~covered.to_numpy()[:, None]
    for k in (1, 2, 3):
        exact = select_stops(times, need, population, covered, k, 10.0)
        best = brute_force_cover(a, need.to_numpy(), k)
        assert exact.attrs["solver"]["method"] == "milp"
        assert exact.attrs["solver"]["covered_need"] == pytest.approx(best)
        assert exact["gain_need"].sum() == pytest.approx(best)
        assert len(exact) <= k and (exact["gain_need"] > 0).all()
        assert exact["gain_need"].is_monotonic_decreasing
        greedy = select_stops(times, need, population, covered, k, 10.0, method="greedy")
        assert greedy.attrs["solver"]["covered_need"] <= best + 1e-9


def test_select_stops_beats_greedy_and_respects_forced_and_covered() -> None:
    # Greedy takes the middle site (need 12) and then only adds 5; the optimum is 10 + 10.
    communes = ["C1", "C2", "C3", "C4"]
    times = pd.DataFrame(
        {"L": [5, 5, 99, 99], "M": [5, 99, 5, 99], "R": [99, 5, 99, 5]},
        index=communes,
        dtype=float,
    )
    need = pd.Series([6.0, 6.0, 4.0, 4.0], index=communes)
    covered = pd.Series(False, index=communes)
    exact = select_stops(times, need, need, covered, 2, 10.0)
    greedy = select_stops(times, need, need, covered, 2, 10.0, method="greedy")
    assert exact.attrs["solver"]["covered_need"] == pytest.approx(20.0)
    assert greedy.attrs["solver"]["covered_need"] == pytest.approx(16.0)
    forced = select_stops(times, need, need, covered, 2, 10.0, forced=["R"])
    assert "R" in forced.index and forced.loc["R", "forced"]
    covered_all = pd.Series(True, index=communes)
    assert select_stops(times, need, need, covered_all, 2, 10.0).empty
    with pytest.raises(ValueError, match="arrêts imposés"):
        select_stops(times, need, need, covered, 1, 10.0, forced=["L", "R"])


def test_select_stops_falls_back_to_greedy_when_the_solver_finds_nothing(monkeypatch) -> None:
    communes = ["C1", "C2", "C3", "C4"]
    times = pd.DataFrame(
        {"L": [5, 5, 99, 99], "M": [5, 99, 5, 99], "R": [99, 5, 99, 5]},
        index=communes,
        dtype=float,
    )
    need = pd.Series([6.0, 6.0, 4.0, 4.0], index=communes)
    covered = pd.Series(False, index=communes)
    calls = []

    def no_solution(within, weights, n_select, forced=None, time_limit_s=0.0):
        calls.append((within.shape, len(weights), n_select, int(forced.sum()), time_limit_s))
        return None, {"status": 1, "message": "Time limit reached", "objective": None}

    monkeypatch.setattr("equity.mobile.stops.max_covering", no_solution)
    result = select_stops(times, need, need, covered, 2, 10.0, time_limit_s=3.0)
    assert calls == [((4, 3), 4, 2, 0, 3.0)]
    solver = result.attrs["solver"]
    assert (solver["method"], solver["status"], solver["message"]) == (
        "greedy",
        1,
        "Time limit reached",
    )
    # The greedy answer: L (need 12), then M adds C3 (4).
    assert list(result.index) == ["L", "M"]
    assert solver["covered_need"] == pytest.approx(16.0)


# --------------------------------------------------------------------------- full plan


@pytest.fixture
def toy() -> dict:
    xs = {"B": 0, "S1": 6000, "S2": 12000, "S3": 18000, "S4": 70000, "B2": 60000, "S5": 99000}
    km = line_matrix(xs, 1 / 1000)
    geometry = gpd.GeoSeries(
        [Point(500000 + x, 6700000) for x in xs.values()], index=list(xs), crs="EPSG:2154"
    ).to_crs("EPSG:4326")
    cx = {"C1": 6000, "C2": 13000, "C3": 19000, "C4": 69000, "C5": 0, "C6": 99000}
    sites = ["S1", "S2", "S3", "S4", "S5"]
    coverage = pd.DataFrame(
        [[abs(cx[c] - xs[s]) / 1000 * 1.2 for s in sites] for c in cx],
        index=list(cx),
        columns=sites,
    )
    need = pd.Series([100, 200, 150, 80, 500, 300.0], index=list(cx))
    candidates = pd.DataFrame(
        {
            "name": ["Mairie 1", "Bibliothèque 2", "Marché 3", "Mairie 4", "Mairie 5"],
            "kind": ["mairie", "bibliotheque", "marche", "mairie", "mairie"],
            "hours": [
                {"mardi": [("09:00", "12:00")]},
                {},
                None,
                '{"lundi":[["14:00","17:00"]]}',
                {},
            ],
            "market_day": [None, None, "jeudi", None, None],
            "frequency": ["weekly", "fortnightly", "monthly", "weekly", None],
        },
        index=sites,
    )
    return {
        "candidates": candidates,
        "advisors": [Advisor("a1", "Alice", "B"), Advisor("a2", "Bruno", "B2", 1)],
        "coverage_min": coverage,
        "drive_min": km * 1.2,
        "need": need,
        "population": need * 2,
        "already_covered": pd.Series(need.index == "C5", index=need.index),
        "geometry": geometry,
        "settings": MobileSettings(n_stops=4, short_drive_min=5),
        "travel_model": {"engine": "test", "label": "ligne droite"},
    }


def test_plan_mobile_sessions_outputs(toy: dict, tmp_path) -> None:
    result = plan_mobile_sessions(**toy)
    # S5 is beyond every base's driving limit: never selected, so all stops are scheduled.
    assert result.selection.attrs["solver"]["excluded_candidates"] == 1
    assert set(result.selection.index) == {"S1", "S2", "S3", "S4"}
    assert result.unschedulable.empty
    assert result.stops["scheduled"].all()
    assert result.stops.crs == "EPSG:2154"
    assert result.stops.loc["S4", "advisor_id"] == "a2"
    assert result.stops.loc["S1", "weeks"] == "1, 2, 3, 4"
    assert result.stops.loc["S3", "visits_per_cycle"] == 1
    assert result.coverage_gain["commune_ids"] == ["C1", "C2", "C3", "C4"]
    assert result.coverage_gain["need"] == pytest.approx(530.0)
    assert result.coverage_gain["population"] == pytest.approx(1060.0)

    circuits = result.circuits
    assert circuits.crs == "EPSG:2154"
    assert len(circuits) == result.schedule.groupby(["advisor_id", "week", "day"]).ngroups
    first = circuits.iloc[0]
    coords = list(first.geometry.coords)
    assert coords[0] == coords[-1] == pytest.approx((500000.0, 6700000.0))
    assert {"advisor_id", "week", "day", "half_day"} <= set(circuits.columns)

    assert result.km_per_cycle == pytest.approx(circuits["km"].sum())
    assert result.km_per_year == pytest.approx(result.km_per_cycle * 47 / 4)
    assert result.cost_eur_per_year == pytest.approx(result.km_per_year * 0.35)
    # Kilometres derived from minutes at 50 km/h: 1.2 min per km here.
    assert result.schedule["leg_km"].to_numpy() == pytest.approx(
        result.schedule["leg_drive_min"].to_numpy() / 1.2
    )

    data = result.to_dict()
    json.dumps(data)
    required = {
        "stops",
        "circuits",
        "coverage_gain",
        "km_per_year",
        "travel_model",
        "unschedulable",
        "parameters",
    }
    assert required <= set(data)
    assert data["travel_model"] == {"engine": "test", "label": "ligne droite"}
    assert data["parameters"]["working_weeks_per_year"] == 47
    assert "vitesse moyenne de 50 km/h" in data["parameters"]["km_source"]

    path = result.schedule_csv(tmp_path / "planning.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header, first_line = text.splitlines()[:2]
    # Walk-through: headers read « conseiller_id;…;demi_journee » beside the other
    # exports' « Code INSEE », « Population 2022 »: French labels, as in those.
    assert header.startswith("Identifiant du conseiller;Conseiller;Base;Semaine;Jour;Demi-journée")
    assert "_" not in header
    assert "7,2;6,0" in first_line
    assert "une fois toutes les 4 semaines" in text and "après-midi" in text


def test_unscheduled_stops_give_no_coverage(toy: dict) -> None:
    # Forced S5 cannot be visited: reported, and its commune is not counted as gained.
    toy["forced"] = ["S5"]
    result = plan_mobile_sessions(**toy)
    assert "S5" in result.selection.index
    assert result.unschedulable["stop_id"].tolist() == ["S5"]
    assert result.unschedulable["reason"].iloc[0].startswith("trajet aller-retour de")
    assert not result.stops.loc["S5", "scheduled"]
    assert "C6" not in result.coverage_gain["commune_ids"]
    assert result.coverage_gain["need_if_all_scheduled"] > result.coverage_gain["need"]


def test_plan_is_deterministic_for_a_seed(toy: dict) -> None:
    toy["settings"] = MobileSettings(n_stops=4, short_drive_min=5, seed=3)
    first = plan_mobile_sessions(**toy).to_dict()
    second = plan_mobile_sessions(**toy).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_distance_matrix_is_used_when_given(toy: dict) -> None:
    toy["drive_km"] = toy["drive_min"] / 1.2 * 1.3
    result = plan_mobile_sessions(**toy)
    assert result.schedule["leg_km"].to_numpy() == pytest.approx(
        result.schedule["leg_drive_min"].to_numpy() / 1.2 * 1.3
    )
    assert result.parameters["km_source"] == "matrice des distances"
