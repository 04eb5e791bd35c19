"""Mobile circuits checked independently: feasibility of every plan, brute force on small
instances, no stop near a fixed site unless forced, capacity only where tours go, the
iCalendar file and the JSON fields."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from equity.diagnostics import diagnose
from equity.mobile import (
    Advisor,
    MobileSettings,
    ics_text,
    plan_circuits,
    plan_mobile_sessions,
    tour_capacity_by_commune,
)
from equity.mobile.programme import host_candidates, plan_for_diagnosis
from geo.opening_hours import WEEKDAYS_FR, from_json


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def plane_matrix(xy: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Euclidean driving minutes (a metric) between places."""
    ids = list(xy)
    return pd.DataFrame(
        [[math.dist(xy[a], xy[b]) for b in ids] for a in ids], index=ids, columns=ids
    )


def open_intervals(stop: pd.Series, day: str, settings: MobileSettings) -> list[tuple[int, int]]:
    """Where a session may take place, read from the raw stop row (not the engine)."""
    halves = [tuple(map(minutes, settings.morning)), tuple(map(minutes, settings.afternoon))]
    market = stop.get("market_day")
    if isinstance(market, str) and market:
        return [halves[0]] if day == market.lower() else []
    hours = stop.get("hours") or {}
    hours = from_json(hours) if isinstance(hours, str) else hours
    if not hours:
        return halves
    return [
        (max(minutes(s), lo), min(minutes(e), hi))
        for s, e in hours.get(day, [])
        for lo, hi in halves
        if max(minutes(s), lo) < min(minutes(e), hi)
    ]


def drive_window(start: float, end: float, lunch: tuple[int, int]) -> float:
    """Minutes available for driving in [start, end] outside the lunch break."""
    overlap = max(0.0, min(end, lunch[1]) - max(start, lunch[0]))
    return end - start - overlap


def check_plan(
    schedule: pd.DataFrame,
    stops: pd.DataFrame,
    advisors: list[Advisor],
    drive: pd.DataFrame,
    settings: MobileSettings,
) -> None:
    """Every rule of a plan, recomputed from the inputs (hours, market days, driving
    limit, working day and lunch break, return to base, half-day budgets, visits)."""
    m0, m1 = map(minutes, settings.morning)
    a0, a1 = map(minutes, settings.afternoon)
    by_id = {a.advisor_id: a for a in advisors}
    for _, c in schedule.groupby("circuit_id"):
        c = c.sort_values("order")
        adv = by_id[c["advisor_id"].iloc[0]]
        day = c["day"].iloc[0]
        assert c["day"].nunique() == 1 and c["week"].nunique() == 1
        assert day in adv.available_days and day in settings.days
        assert len(c) <= 2 * settings.max_stops_per_half_day
        places = [adv.base_id, *c["stop_id"], adv.base_id]
        legs = [float(drive.at[a, b]) for a, b in itertools.pairwise(places)]
        assert list(c["leg_drive_min"]) == pytest.approx(legs[:-1])
        assert c["return_drive_min"].iloc[-1] == pytest.approx(legs[-1])
        assert sum(legs) <= settings.max_drive_min + 1e-6
        assert c["circuit_drive_min"].iloc[0] == pytest.approx(sum(legs))
        t = minutes(c["departure"].iloc[0])
        assert t >= m0
        for leg, (_, row) in zip(legs, c.iterrows(), strict=False):
            start, end = minutes(row["session_start"]), minutes(row["session_end"])
            assert end - start == pytest.approx(settings.session_min)
            # Driving fits between the previous place and the session, lunch excluded
            # (times are printed to the minute).
            assert drive_window(t, start, (m1, a0)) >= leg - 1.0
            assert any(
                lo <= start and end <= hi
                for lo, hi in open_intervals(stops.loc[row["stop_id"]], day, settings)
            )
            assert row["half_day"] == ("matin" if end <= m1 else "après-midi")
            t = end
        back = minutes(c["return_time"].iloc[-1])
        assert back <= a1 and drive_window(t, back, (m1, a0)) >= legs[-1] - 1.0
    for (adv_id, _), weekly in schedule.groupby(["advisor_id", "week"]):
        spent = 0
        for _, c in weekly.groupby("circuit_id"):
            spent += minutes(c["departure"].iloc[0]) < m1
            spent += minutes(c["return_time"].iloc[-1]) > a0
        assert spent <= by_id[adv_id].half_days_per_week
    period = {"weekly": 1, "fortnightly": 2, "monthly": 4}
    for stop_id, visits in schedule.groupby("stop_id"):
        p = period[stops.loc[stop_id, "frequency"]]
        weeks = sorted(visits["week"])
        assert len(weeks) == settings.weeks_in_cycle // p
        assert all(b - a == p for a, b in itertools.pairwise(weeks))
        assert visits[["advisor_id", "day", "session_start"]].nunique().max() == 1


HOURS = [
    {},
    {"mardi": [("09:00", "12:00")], "jeudi": [("14:00", "17:30")]},
    {"lundi": [("13:30", "17:00")], "mercredi": [("09:00", "12:30"), ("14:00", "18:00")]},
    {"mardi": [("09:00", "16:30")]},
]


def random_instance(seed: int, n_stops: int, n_advisors: int) -> tuple:
    rng = np.random.default_rng(seed)
    xy = {f"B{k}": tuple(rng.uniform(0, 40, 2)) for k in range(n_advisors)}
    xy |= {f"S{i}": tuple(rng.uniform(0, 40, 2)) for i in range(n_stops)}
    stops = pd.DataFrame(
        {
            "name": [f"Lieu {i}" for i in range(n_stops)],
            "kind": "mairie",
            "hours": [HOURS[int(h)] for h in rng.integers(len(HOURS), size=n_stops)],
            "market_day": [("mardi" if rng.random() < 0.1 else None) for _ in range(n_stops)],
            "frequency": rng.choice(
                ["weekly", "fortnightly", "monthly"], n_stops, p=[0.6, 0.25, 0.15]
            ),
            "gain_need": rng.uniform(1, 10, n_stops),
        },
        index=[f"S{i}" for i in range(n_stops)],
    )
    advisors = [
        Advisor(f"a{k}", f"Conseiller {k}", f"B{k}", int(rng.integers(1, 5)))
        for k in range(n_advisors)
    ]
    return stops, advisors, plane_matrix(xy)


@pytest.mark.parametrize(("seed", "session_hours"), [(0, 2.0), (1, 1.0), (2, 1.5), (3, 0.75)])
def test_every_plan_passes_the_independent_checks(seed: int, session_hours: float) -> None:
    stops, advisors, drive = random_instance(seed, 18, 3)
    settings = MobileSettings(session_hours=session_hours, seed=seed)
    schedule, unschedulable = plan_circuits(stops, advisors, drive, None, settings)
    check_plan(schedule, stops, advisors, drive, settings)
    assert set(schedule["stop_id"]).isdisjoint(unschedulable["stop_id"])
    assert set(schedule["stop_id"]) | set(unschedulable["stop_id"]) == set(stops.index)
    assert unschedulable["reason"].str.len().gt(10).all()
    assert (schedule.groupby("circuit_id")["stop_id"].count() > 1).any()


def brute_force(stops, advisor, drive, settings, days) -> tuple[int, float]:
    """Most stops served in one week, then least driving, by enumeration (real time)."""
    m0, m1 = map(minutes, settings.morning)
    a0, a1 = map(minutes, settings.afternoon)
    lunch = a0 - m1

    def arrive(t: float, leg: float) -> float:
        # Drive from t; a drive reaching past the end of the morning resumes after lunch.
        return t + leg + (lunch if t <= m1 < t + leg else 0.0)

    def timing(order, day, window):
        t, prev = window[0], advisor.base_id
        first = None
        for stop_id in order:
            t = arrive(t, drive.at[prev, stop_id])
            slots = [
                (max(lo, t), hi)
                for lo, hi in open_intervals(stops.loc[stop_id], day, settings)
                if max(lo, t) + settings.session_min <= hi and lo >= window[0] and hi <= window[1]
            ]
            if not slots:
                return None
            start = slots[0][0]
            first = start if first is None else first
            t, prev = start + settings.session_min, stop_id
        legs = [
            drive.at[a, b]
            for a, b in itertools.pairwise([advisor.base_id, *order, advisor.base_id])
        ]
        back = arrive(t, legs[-1])
        if back > window[1] or sum(legs) > settings.max_drive_min:
            return None
        depart = first - legs[0] - (lunch if first - legs[0] < a0 <= first else 0.0)
        return (depart < m1) + (back > a0), sum(legs)

    best = (0, 0.0)
    ids = list(stops.index)
    for assignment in itertools.product([None, *days], repeat=len(ids)):
        total_halves, total_drive, feasible = 0, 0.0, True
        for day in days:
            group = [s for s, d in zip(ids, assignment, strict=True) if d == day]
            if not group:
                continue
            options = [
                t
                for order in itertools.permutations(group)
                for window in ((m0, m1), (a0, a1), (m0, a1))
                if (t := timing(order, day, window)) is not None
            ]
            if not options:
                feasible = False
                break
            halves, drive_min = min(options)
            total_halves += halves
            total_drive += drive_min
        if not feasible or total_halves > advisor.half_days_per_week:
            continue
        served = sum(d is not None for d in assignment)
        if (served, -total_drive) > (best[0], -best[1]):
            best = (served, total_drive)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_routing_matches_brute_force_on_small_instances(seed: int) -> None:
    stops, _, drive = random_instance(seed, 5, 1)
    stops["frequency"] = "weekly"
    stops["gain_need"] = 1.0
    stops["market_day"] = None
    days = ("lundi", "mardi")
    advisor = Advisor("a", "Anne", "B0", half_days_per_week=3, available_days=days)
    settings = MobileSettings(session_hours=1.0, session_start_step_min=1, days=days, seed=seed)
    schedule, _ = plan_circuits(stops, [advisor], drive, None, settings)
    check_plan(schedule, stops, [advisor], drive, settings)
    week = schedule[schedule["week"] == 1]
    drive_min = week.drop_duplicates("circuit_id")["circuit_drive_min"].sum()
    served, best_drive = brute_force(stops, advisor, drive, settings, days)
    assert week["stop_id"].nunique() == served
    assert drive_min == pytest.approx(best_drive, abs=1e-6)


@pytest.fixture
def near_fixed() -> dict:
    """Five host sites on a line; F is a fixed site's commune, N is 6 min from it."""
    xs = {"B": 0, "F": 5, "N": 11, "S1": 15, "S2": 20, "S3": 25}
    drive = pd.DataFrame(
        [[abs(xs[a] - xs[b]) for b in xs] for a in xs], index=list(xs), columns=list(xs)
    )
    geometry = gpd.GeoSeries(
        [Point(400000 + 1000 * x, 6700000) for x in xs.values()], index=list(xs), crs=2154
    )
    cx = {"C1": 5, "C2": 11, "C3": 16, "C4": 21, "C5": 26}
    sites = ["F", "N", "S1", "S2", "S3"]
    coverage = pd.DataFrame(
        [[abs(cx[c] - xs[s]) for s in sites] for c in cx], index=list(cx), columns=sites
    )
    need = pd.Series([900.0, 700, 100, 120, 90], index=list(cx))
    candidates = pd.DataFrame(
        {
            "name": [f"Mairie {s}" for s in sites],
            "kind": "mairie",
            "hours": [{}] * 5,
            "market_day": None,
            "frequency": "weekly",
            "code_insee": ["72001", "72002", "72003", "72004", "72005"],
            "hosts_fixed_site": [True, False, False, False, False],
            "min_to_fixed_site": [0.0, 6.0, 10.0, 15.0, 20.0],
        },
        index=sites,
    )
    return {
        "candidates": candidates,
        "advisors": [Advisor("a", "Anne", "B", 4)],
        "coverage_min": coverage,
        "drive_min": drive,
        "need": need,
        "population": need * 3,
        "already_covered": pd.Series(False, index=need.index),
        "geometry": geometry,
        "settings": MobileSettings(n_stops=3, short_drive_min=3),
    }


def test_no_stop_at_or_near_a_fixed_site_unless_forced(near_fixed: dict) -> None:
    result = plan_mobile_sessions(**near_fixed)
    # F and N cover the largest needs but sit at / 6 min from a fixed site.
    assert set(result.stops.index) == {"S1", "S2", "S3"}
    assert (result.stops["min_to_fixed_site"] >= 10).all() and not result.stops["forced"].any()
    assert result.selection.attrs["solver"]["excluded_near_fixed_site"] == 2
    forced = plan_mobile_sessions(**near_fixed, forced=["N"])
    assert "N" in forced.stops.index and forced.stops.loc["N", "forced"]
    assert forced.stops.loc["N", "scheduled"]
    record = next(s for s in forced.to_dict()["stops"] if s["stop_id"] == "N")
    assert record["forced"] is True and record["min_to_fixed_site"] == 6.0
    assert {"scheduled", "reason", "forced", "min_to_fixed_site"} <= set(record)


def test_capacity_is_added_only_where_tours_go(near_fixed: dict) -> None:
    near_fixed["advisors"] = [Advisor("a", "Anne", "B", 1)]
    result = plan_mobile_sessions(**near_fixed)
    scheduled = result.stops[result.stops["scheduled"]]
    assert 0 < len(scheduled) < len(result.stops)
    capacity = tour_capacity_by_commune(result)
    assert set(capacity.index) == set(scheduled["code_insee"])
    s = near_fixed["settings"]
    sessions = result.schedule.groupby("stop_id").size()
    for stop_id, row in scheduled.iterrows():
        hours_per_year = sessions[stop_id] * s.session_hours * 47 / 4
        assert capacity[row["code_insee"]] == pytest.approx(hours_per_year * 600 / 1607)
    unscheduled = result.stops[~result.stops["scheduled"]]
    assert (unscheduled["capacity_persons_per_year"] == 0).all()
    assert set(unscheduled["code_insee"]).isdisjoint(capacity.index)


def test_json_circuits_list_their_stops_in_order(near_fixed: dict) -> None:
    near_fixed["drive_km"] = near_fixed["drive_min"] * 0.8
    result = plan_mobile_sessions(**near_fixed)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for circuit in data["circuits"]:
        assert circuit["n_stops"] == len(circuit["stops"]) > 0
        assert [s["order"] for s in circuit["stops"]] == list(range(1, circuit["n_stops"] + 1))
        legs = sum(s["leg_drive_min"] for s in circuit["stops"])
        assert circuit["drive_min"] > legs and circuit["km"] == pytest.approx(
            0.8 * circuit["drive_min"]
        )
    assert result.schedule["leg_km"].to_numpy() == pytest.approx(
        0.8 * result.schedule["leg_drive_min"].to_numpy()
    )
    totals = result.by_advisor.sum(numeric_only=True)
    assert result.km_per_year == pytest.approx(totals["km_per_year"])
    assert result.co2_kg_per_year == pytest.approx(result.km_per_year * 0.218)
    assert data["by_advisor"][0]["cost_eur_per_year"] == pytest.approx(result.km_per_year * 0.35)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_icalendar_file_follows_rfc_5545(near_fixed: dict) -> None:
    near_fixed["candidates"].loc["S2", "name"] = "Mairie de Saint-Rémy-de-Sillé, salle; « A »"
    result = plan_mobile_sessions(**near_fixed)
    stamp = dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.UTC)
    text = ics_text(result, dt.date(2026, 1, 5), stamp=stamp)
    raw_lines = text.split("\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in raw_lines)
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    assert len(events) == len(result.schedule)
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == len(uids)
    first = result.schedule.iloc[0]
    date = dt.date(2026, 1, 5) + dt.timedelta(
        days=7 * (int(first["week"]) - 1) + WEEKDAYS_FR.index(first["day"])
    )
    start = first["session_start"].replace(":", "")
    assert f"DTSTART:{date:%Y%m%d}T{start}00" in lines
    assert "RRULE:FREQ=WEEKLY;INTERVAL=4;COUNT=12" in lines
    assert "DTSTAMP:20260102T080000Z" in lines
    assert any("Saint-Rémy-de-Sillé\\, salle\\; « A »" in line for line in lines)
    with pytest.raises(ValueError, match="lundi"):
        ics_text(result, dt.date(2026, 1, 6))


def test_sarthe_programme_is_feasible_and_keeps_away_from_fixed_sites(territory) -> None:
    diagnosis = diagnose(territory)
    settings = MobileSettings(n_stops=10)
    result = plan_for_diagnosis(territory, diagnosis, settings=settings)
    hosts = host_candidates(territory)
    sites = territory.sites.set_index("site_id")
    bases = {a["base_id"] for a in result.parameters["advisors"]}
    advisors = [Advisor(**a) for a in result.parameters["advisors"]]
    ids = [*bases, *result.stops.index]
    points = pd.concat([diagnosis.offer.sites.set_index("site_id").geometry, sites.geometry])
    points = points[~points.index.duplicated()].loc[ids]
    drive = pd.DataFrame(
        [[p.distance(q) / 1000 * 1.3 for q in points] for p in points], index=ids, columns=ids
    )
    stops = hosts.loc[result.stops.index].assign(frequency=settings.default_frequency)
    check_plan(result.schedule, stops, advisors, drive, settings)
    fixed_communes = set(diagnosis.offer.sites["code_insee"])
    assert len(result.stops) >= 8 and result.stops["scheduled"].sum() >= 8
    assert (result.stops["min_to_fixed_site"] >= settings.fixed_site_exclusion_min).all()
    assert fixed_communes.isdisjoint(result.stops["code_insee"])
    assert (result.schedule.groupby("circuit_id")["stop_id"].count() > 1).any()
    assert (result.schedule["leg_drive_min"] > 0).all()
