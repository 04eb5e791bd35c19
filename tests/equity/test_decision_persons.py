"""Persons of a decision come from the capacity allocation, as on the Recommandation page."""

from __future__ import annotations

import pytest

from equity.decision_table import decision_reasons_fr, decisions_table_fr
from equity.reporting import current_situation, decisions_of, view_scenario
from equity.scenarios import Scenario, SiteChanges

DE_GAULLE = "cnfs-6304cb6d74996606f375bec6"


@pytest.fixture(scope="module")
def decisions(territory):
    sites = territory.sites.set_index("site_id")
    permanence = sites.loc[DE_GAULLE]
    reinforcement = {  # as the recommendation saves it: same point, « -renfort » id
        "site_id": f"{DE_GAULLE}-renfort",
        "name": f"Renfort — {permanence['name']}",
        "site_type": "cnfs_permanence",
        "code_insee": permanence["code_insee"],
        "lon": float(permanence["lon"]),
        "lat": float(permanence["lat"]),
        "n_advisors": 3,
    }
    scenario = Scenario(
        "Renfort Le Mans", {"threshold_min": 20}, SiteChanges(added=[reinforcement])
    )
    view = view_scenario(territory, scenario)
    reference = view_scenario(territory, current_situation())
    return view, decisions_of(territory, view, reference)


def test_reinforcement_in_a_town_with_many_permanences_accompanies_persons(decisions):
    view, table = decisions
    communes = view.diagnosis.communes
    # The permanence is the nearest site of no commune (Le Mans has one demand point):
    # the former « nearest site » count gave this reinforcement 0 persons.
    assert not communes["nearest_site_id"].isin([DE_GAULLE, f"{DE_GAULLE}-renfort"]).any()
    row = table.iloc[0]
    assert row["kind"] == "reinforce"
    load = view.diagnosis.site_load
    place = load[DE_GAULLE] + load[f"{DE_GAULLE}-renfort"]
    # Le Mans' need exceeds the capacity: 4 advisors × 600 persons, 3 of them added.
    assert place == pytest.approx(2400)
    assert row["place_advisors"] == 4
    assert row["persons_served"] == pytest.approx(1800)
    assert decisions_table_fr(table)["Personnes accompagnées"].tolist() == [1800]
    assert "le lieu en accompagne 2\u202f400 avec 4 conseillers" in row["why"]
    assert "pour 0 personnes" not in decision_reasons_fr(table)[0]
