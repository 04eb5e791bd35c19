"""Pack tables never print « inf »: a ratio with no advisor reads « – »."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equity.reporting import current_situation, epci_table, view_scenario
from geo.render.pack import NO_VALUE_TEXT_FR, format_table_fr


def test_format_table_writes_a_dash_for_infinite_ratios():
    table = pd.DataFrame({"Habitants par conseiller": [np.inf, 26942.0, np.nan]})
    cells = format_table_fr(table)["Habitants par conseiller"].tolist()
    assert cells == [NO_VALUE_TEXT_FR, "26\u202f942", "n.d."]
    assert NO_VALUE_TEXT_FR == "–"


def test_epci_table_of_the_pack_shows_a_dash_for_alencon(territory):
    diagnosis = view_scenario(territory, current_situation()).diagnosis
    text = format_table_fr(epci_table(diagnosis)).set_index("EPCI")
    # CU d'Alençon's five Sarthe communes have no advisor.
    assert text.loc["CU d'Alençon", "Conseillers"] == "0"
    assert text.loc["CU d'Alençon", "Habitants par conseiller"] == "–"
    assert text.loc["CU d'Alençon", "Habitants"] == "7\u202f689"
    assert not text.isin(["inf", "-inf"]).any().any()
