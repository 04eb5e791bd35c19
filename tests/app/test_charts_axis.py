"""Chart axes keep distinct tick labels over narrow ranges."""

import pandas as pd

from app_pages.charts import _axis_decimals


def test_narrow_range_gets_more_decimals():
    # The mean time over 0–20 new advisors moved from 5.85 to 5.78 min: with one decimal
    # every tick read « 5,8 ».
    assert _axis_decimals(pd.Series([5.85, 5.79, 5.78]), 1) == 2
    assert _axis_decimals(pd.Series([0.0, 100.0]), 1) == 1
    assert _axis_decimals(pd.Series([99.1, 99.1]), 1) == 1
    assert _axis_decimals(pd.Series([1.0, 1.00001]), 0) == 3
