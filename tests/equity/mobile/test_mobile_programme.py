"""Mobile sessions on the real Sarthe data, through the product's travel engine."""

from __future__ import annotations

import json

import pytest

from equity.cli import main
from equity.diagnostics import diagnose
from equity.mobile import MobileSettings
from equity.mobile_programme import default_advisors, host_candidates, plan_for_diagnosis


@pytest.fixture(scope="module")
def diagnosis(territory):
    return diagnose(territory)


def test_host_candidates_carry_hours(territory):
    hosts = host_candidates(territory)
    assert (hosts["kind"] == "mairie").sum() == 352
    assert hosts.loc["mairie-72001", "hours"].startswith('{"lundi"')
    assert set(hosts["kind"]) >= {"mairie", "bibliotheque", "france_services"}


def test_default_advisors_one_per_base_commune(diagnosis):
    advisors = default_advisors(diagnosis, half_days_per_week=3)
    assert len(advisors) == diagnosis.offer.sites["code_insee"].nunique() == 20
    assert all(a.half_days_per_week == 3 for a in advisors)


def test_programme_serves_underserved_communes(territory, diagnosis):
    settings = MobileSettings(n_stops=8, max_drive_min=60)
    result = plan_for_diagnosis(territory, diagnosis, settings=settings)
    underserved = set(diagnosis.communes.index[diagnosis.communes["underserved"]])
    assert set(result.coverage_gain["commune_ids"]) <= underserved
    assert result.coverage_gain["population"] > 30_000
    scheduled = result.stops[result.stops["scheduled"]]
    assert len(scheduled) + len(result.unschedulable) == len(result.stops)
    assert (result.schedule["circuit_drive_min"] <= 60 + 1e-9).all()
    assert result.travel_model["kind"] == "straight_line"
    assert result.km_per_year > 0 and result.cost_eur_per_year == pytest.approx(
        result.km_per_year * 0.35
    )
    again = plan_for_diagnosis(territory, diagnosis, settings=settings)
    assert again.schedule.equals(result.schedule)


def test_selected_communes_and_bad_codes(territory, diagnosis):
    result = plan_for_diagnosis(
        territory, diagnosis, settings=MobileSettings(n_stops=2), communes=["72168", "72050"]
    )
    assert set(result.coverage_gain["commune_ids"]) <= {"72168", "72050"}
    with pytest.raises(ValueError, match="inconnu"):
        plan_for_diagnosis(territory, diagnosis, communes=["99999"])


def test_cli_mobile_json_and_csv(tmp_path):
    out, csv = tmp_path / "m.json", tmp_path / "planning.csv"
    code = main(
        [
            "mobile",
            "--half-days",
            "2",
            "--session-hours",
            "2",
            "--max-drive-min",
            "60",
            "--json",
            str(out),
            "--csv",
            str(csv),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"stops", "circuits", "coverage_gain", "km_per_year", "travel_model"} <= set(data)
    assert data["travel_model"]["kind"] == "straight_line"
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    assert main(["mobile", "--session-hours", "9"]) == 2


def test_saturday_market_forced_as_stop(tmp_path):
    sites = tmp_path / "marches.csv"
    sites.write_text(
        "id;nom;type;code_insee;jour_de_marche\nm1;Marché de Loué;marché;72168;samedi\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.json"
    code = main(
        [
            "mobile",
            "--sites",
            str(sites),
            "--saturday",
            "--force-stop",
            "user-m1",
            "--stops",
            "3",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    market = next(s for s in data["stops"] if s["stop_id"] == "user-m1")
    assert market["scheduled"] and market["day"] == "samedi" and market["half_day"] == "matin"


def test_cli_mobile_options_and_icalendar(tmp_path):
    out, ics = tmp_path / "m.json", tmp_path / "tournees.ics"
    args = ["mobile", "--stops", "6", "--frequency", "fortnightly", "--fixed-site-min", "15"]
    code = main([*args, "--json", str(out), "--ics", str(ics), "--cycle-start", "2026-09-07"])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["parameters"]["default_frequency"] == "fortnightly"
    assert data["parameters"]["fixed_site_exclusion_min"] == 15
    assert all(s["min_to_fixed_site"] >= 15 for s in data["stops"] if not s["forced"])
    assert all(s["frequency"] == "fortnightly" for s in data["stops"])
    text = ics.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == len(data["schedule"]) > 0
    assert "INTERVAL=4" in text and "DTSTART:202609" in text
    assert main(["mobile", "--ics", str(ics), "--cycle-start", "2026-09-08"]) == 2
