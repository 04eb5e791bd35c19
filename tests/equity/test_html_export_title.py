"""The offline HTML map names its scenario in the browser tab (<title>)."""

from __future__ import annotations

import html
import re

from sample_sites import LOUE

from equity.reporting import export, view_scenario
from equity.scenarios import Scenario, SiteChanges


def test_offline_map_title_names_the_map_and_the_scenario(territory, tmp_path):
    view = view_scenario(territory, Scenario("Plan Loué & Sablé", {}, SiteChanges(added=[LOUE])))
    (path,) = export("html", territory, view, tmp_path)
    document = path.read_text(encoding="utf-8")
    titles = re.findall(r"<title>(.*?)</title>", document, flags=re.DOTALL)
    assert len(titles) == 1
    assert html.unescape(titles[0]) == (
        "Plan Loué & Sablé — temps d'accès à l'aide au numérique (min)"
    )
    assert "&amp;" in titles[0]  # escaped: the scenario name is the user's text
