"""Persons of a decision come from the capacity allocation, as on the Recommandation page."""

from __future__ import annotations

import pandas as pd
import pytest

from equity.decision_table import decision_reasons_fr, decisions_table_fr
from equity.reporting import current_situation, decisions_of, view_scenario
from equity.scenarios import Scenario, SiteChanges
from geo.render.pack import _fit, _table_layout

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


def test_reinforcement_names_are_not_repeated(decisions):
    _, table = decisions
    name = "Agence De Gaulle Harmonie Mutuelle (Le Mans)"
    assert decisions_table_fr(table)["Lieu"].tolist() == [name]
    # The name ends with its commune already: « (Le Mans) » once, no « Renfort — ».
    assert decision_reasons_fr(table)[0].startswith(f"1. {name} : Renforce « {name} »")


def test_pack_table_keeps_short_cells_whole_when_long_columns_shrink():
    long = "Réseau des médiathèques du Pays Sabolien (Sablé-sur-Sarthe)"
    text = pd.DataFrame(
        {
            "N°": ["1", "2"],
            "Lieu": [long, "Mairie — Mamers"],
            "EPCI": ["CC Haute Sarthe Alpes Mancelles", "CC Maine Saosnois"],
            "Décision": ["Nouveau lieu", "Renfort"],
        }
    )
    layout = _table_layout(text, [False] * 4, 90.0, 1.0)
    pad = 2.4
    cells = [_fit(v, layout.widths[3] - 2 * pad, layout.size) for v in text["Décision"]]
    assert cells == ["Nouveau lieu", "Renfort"]
    assert _fit(long, layout.widths[1] - 2 * pad, layout.size).endswith("…")
