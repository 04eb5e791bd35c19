"""The CLI and the app build the same request and get the same recommendation."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from equity.cli import build_parser, main
from equity.cli.recommend import request_from_args
from equity.scenarios import ScenarioStore
from equity.workflows import recommendation_parameters
from geo import settings
from geo.formatting import format_number_fr, format_percent_fr

PAGE = Path(settings.PROJECT_ROOT) / "app_pages" / "recommandation.py"


def test_recommend_gives_the_same_sites_and_figures_from_the_cli_and_the_app(tmp_path):
    argv = ["recommend", "--extra", "5"]
    out = tmp_path / "reco.json"
    db = tmp_path / "s.sqlite"
    assert main([*argv, "--json", str(out), "--save", "CLI", "--db", str(db)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))

    app = AppTest.from_file(str(PAGE), default_timeout=120)
    app.run()
    app.number_input(key="reco_k").set_value(5)
    app.button[0].click().run()
    assert not app.exception, [e.message for e in app.exception]

    request = app.session_state["reco_request"]
    assert request == request_from_args(build_parser().parse_args(argv))
    assert request.time_limit_s == 30.0
    shown_sites = app.dataframe[0].value["name"].tolist()
    assert shown_sites == [site["name"] for site in report["chosen"]]
    # A site can take several of the 5 new advisors (or reinforce a permanence).
    assert sum(site["advisors"] for site in report["chosen"]) == 5
    share = report["coverage_after"]["share"]
    assert app.metric[0].value == format_percent_fr(share, 1)
    assert app.metric[2].value == f"{format_number_fr(report['cost']['net_eur'])} €"

    app.text_input[0].set_value("App")
    next(b for b in app.button if b.label == "Enregistrer").click().run()
    assert not app.exception
    cli_saved = ScenarioStore(db).load("CLI")
    app_saved = ScenarioStore().load("App")
    assert cli_saved.parameters == app_saved.parameters == recommendation_parameters(request)
    assert cli_saved.parameters["min_per_epci"] == 0
    assert cli_saved.changes.added == app_saved.changes.added
    assert cli_saved.results == app_saved.results
