"""Charts read honestly: a zero baseline for lines, no bar where the value is zero."""

import pandas as pd

from app_pages.charts import _bar_chart, _line_chart


def test_line_charts_start_at_zero():
    # Walk-through: the mean time over 0–20 new advisors (5,86 → 5,81 min) was drawn on an
    # axis from 5,81 to 5,86, a cliff for 0,05 min.
    curve = pd.DataFrame({"n": [0, 10, 20], "t": [5.86, 5.81, 5.81]})
    spec = _line_chart(curve, "n", "t", "Nouveaux conseillers", "min", 1).to_dict()
    assert spec["encoding"]["y"]["scale"]["zero"] is True


def test_balance_bars_show_zero_as_zero_with_the_reference_line():
    # Walk-through: EPCIs with no advisor (balance 0) showed a bar (values clipped to
    # 0.02), and the « 1 » the text explains was not drawn.
    table = pd.DataFrame({"epci": ["CU d'Alençon", "CC Sud Sarthe"], "balance": [0.0, 1.4]})
    spec = _bar_chart(table, "epci", "balance", "Équilibre", 2, 300, 1.0).to_dict()
    bars, rule = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    assert rule["mark"]["type"] == "rule"
    assert rule["data"]["values"] == [{"reference": 1.0}]
    values = [row for data in spec["datasets"].values() for row in data]
    assert [row["balance"] for row in values] == [0.0, 1.4]
