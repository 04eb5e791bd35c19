"""The equity diagnostic on the real Sarthe data (straight-line fallback)."""

from __future__ import annotations

import json

import pytest

from equity.cli import main
from equity.diagnostics import DiagnosisSettings, diagnose
from equity.need import default_weights
from equity.offer import select_offer
from equity.underserved import adjacency


@pytest.fixture(scope="module")
def diagnosis(territory):
    return diagnose(territory)


def test_coverage_matches_published_measurements(diagnosis, territory):
    # 36 permanences alone gave 73 % / 91 % / 97 % (one point per commune, no border);
    # the trip inside the commune and the border offer (issue 12) give these.
    shares = diagnosis.coverage["share_within"].round(2).to_dict()
    assert shares == {10: 0.76, 15: 0.95, 20: 0.99, 30: 1.0}
    with_fs = diagnose(
        territory, DiagnosisSettings(offer_types=("cnfs_permanence", "france_services"))
    )
    assert with_fs.coverage["share_within"].round(2).tolist() == [0.85, 0.99, 1.0, 1.0]
    assert diagnosis.travel_model.kind == "straight_line"
    assert any("approximatifs" in note for note in diagnosis.notes)


def test_totals_and_alignment(diagnosis, territory):
    communes = diagnosis.communes
    assert communes.index.equals(territory.communes.index)
    assert communes["population"].sum() == 566_733
    assert diagnosis.by_epci["population"].sum() == 566_733
    assert diagnosis.by_epci["n_communes"].sum() == 352
    assert diagnosis.by_density["n_communes"].sum() == 352
    assert diagnosis.by_aav["population"].sum() == 566_733
    assert diagnosis.by_epci["advisors"].sum() == 41
    assert diagnosis.offer.n_advisors == 41
    # An estimated head count (tests/equity/test_need_capacity.py), not the population.
    assert communes["persons_in_need"].sum() == pytest.approx(71_828.87, abs=0.01)
    for table in (diagnosis.by_epci, diagnosis.by_density_group):
        assert table["share_within_threshold"].between(0, 1).all()
        assert table["need_share"].sum() == pytest.approx(1.0)
        assert table["advisor_share"].sum() == pytest.approx(1.0)
    le_mans = diagnosis.by_epci.loc["CU Le Mans Métropole"]
    # 20 on main, counting the Loué antenna (2 advisors, coordinates in Le Mans) here.
    assert le_mans["advisors"] == 18 and le_mans["balance"] > 1


def test_inequality_figures(diagnosis):
    assert 0 < diagnosis.gini_travel_time < 1
    theil = diagnosis.theil_travel_time
    assert theil.between + theil.within == pytest.approx(theil.total)


def test_underserved_zones_are_contiguous_and_ranked(diagnosis, territory):
    communes = diagnosis.communes
    flagged = communes[communes["underserved"]]
    assert set(flagged.index) == {c for z in diagnosis.zones["code_insee"] for c in z}
    assert (communes.loc[communes["travel_time_min"] > 20, "underserved"]).all()
    assert diagnosis.zones["rank"].tolist() == list(range(1, len(diagnosis.zones) + 1))
    assert diagnosis.zones["priority_score"].is_monotonic_decreasing
    for codes in diagnosis.zones["code_insee"]:
        members = territory.communes.loc[codes]
        if len(members) > 1:
            from scipy.sparse.csgraph import connected_components

            n_parts, _ = connected_components(adjacency(members), directed=False)
            assert n_parts == 1


def test_weights_change_ranking(territory):
    fibre_outdated = True
    base = diagnose(territory).communes["need_rank"]
    weights = default_weights(fibre_outdated)
    income_only = {k: 0.0 for k in weights.weights} | {"median_income_eur": 1.0}
    ranked = diagnose(
        territory,
        DiagnosisSettings(need_weights=type(weights)(income_only, weights.directions)),
    ).communes
    poorest = ranked["need_rank"].idxmin()
    assert poorest == territory.communes["median_income_eur"].idxmin()
    assert not ranked["need_rank"].equals(base)


def test_offer_selection(territory):
    offer = select_offer(territory.sites, ("cnfs_permanence", "library"))
    libraries = offer.sites[offer.sites["site_type"] == "library"]
    # 53 libraries of the source have public Wi-Fi; one of them is in Bouessay (Mayenne).
    assert len(libraries) == 52
    assert (libraries["advisors"] == 1).all()
    with pytest.raises(ValueError, match="inconnu"):
        select_offer(territory.sites, ("castle",))
    removed = select_offer(territory.sites, removed=tuple(offer.sites["site_id"][:2]))
    assert (~removed.outside).sum() == 34
    assert removed.outside.sum() == 37  # permanences across the border


def test_inhabitants_per_advisor_says_what_it_divides_by(territory):
    # Walk-through: with France services in the offer, « Habitants par conseiller » fell
    # from 13,823 to 8,459 as if 26 advisors had been recruited.
    permanences = select_offer(territory.sites, ("cnfs_permanence",))
    assert permanences.per_advisor_help_fr() == (
        "Population ÷ 41 conseillers des lieux comptés du territoire."
    )
    with_fs = select_offer(territory.sites, ("cnfs_permanence", "france_services"))
    assert with_fs.per_advisor_help_fr() == (
        "Population ÷ 67 conseillers des lieux comptés du territoire, dont 26 lieux sans "
        "conseiller connu comptés chacun pour un."
    )


def test_cli_diagnose_json(tmp_path, capsys):
    out = tmp_path / "diag.json"
    assert main(["diagnose", "--threshold", "15", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in (
        "threshold_min",
        "travel_model",
        "population_total",
        "population_within_threshold",
        "share_within_threshold",
        "gini_travel_time",
        "communes",
        "by_epci",
        "by_density",
        "zones",
    ):
        assert key in data
    assert data["threshold_min"] == 15
    assert data["population_total"] == 566_733
    assert round(data["share_within_threshold"], 2) == 0.95
    assert data["travel_model"]["kind"] == "straight_line"
    le_mans = next(c for c in data["communes"] if c["code_insee"] == "72181")
    assert le_mans["travel_time_min"] < 2 and le_mans["underserved"] is False
    assert set(le_mans) >= {"code_insee", "name", "population", "nearest_site_id", "need_index"}
    assert main(["diagnose", "--offer", "castle"]) == 2
    assert "inconnu" in capsys.readouterr().err


def test_threshold_must_be_positive(capsys):
    with pytest.raises(ValueError, match="positif"):
        DiagnosisSettings(threshold_min=0)
    assert main(["diagnose", "--threshold", "-5"]) == 2
    assert "positif" in capsys.readouterr().err


def test_unreachable_communes_rank_first():
    import numpy as np
    import pandas as pd

    from equity.underserved import underserved_communes

    times = pd.Series([25.0, 60.0, np.inf], index=list("abc"))
    flags = underserved_communes(
        times,
        pd.Series([1.0, 1.0, 0.0], index=list("abc")),
        pd.Series(1.0, index=list("abc")),
        20.0,
        1.0,
    )
    assert flags["underserved_score"].idxmax() == "c"


def test_outdated_fibre_weight_is_announced(territory):
    weights = default_weights(fibre_outdated=True).with_weight("fibre_share", 0.2)
    diagnosis = diagnose(territory, DiagnosisSettings(need_weights=weights))
    assert any("Attention : la couche fibre obsolète" in note for note in diagnosis.notes)
