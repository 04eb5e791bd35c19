"""Territories of départements other than Sarthe, built from the national files.

Expected totals are read straight from the vendored Parquet files (an independent
calculation), never from the loaders under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from equity.cli import main
from geo import national
from geo.errors import DataValidationError
from geo.national.store import FILES, FRANCE_DIR
from geo.territory import build_territory, cache_key, load_territory, map_indicators


def _raw(layer: str, code: str, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_parquet(FRANCE_DIR / FILES[layer], columns=["dep", *columns])
    return frame[frame["dep"] == code]


@pytest.fixture(scope="module")
def orne():
    return build_territory(departement="61")


@pytest.mark.parametrize("code", ["61", "53", "2A"])
def test_totals_are_those_of_the_national_files(code):
    territory = build_territory(departement=code)
    population = _raw("population", code, ["population_municipale", "epci_siren"])
    cnfs = _raw("cnfs_permanences", code, ["n_conseillers"])
    summary = territory.summary()
    assert summary["departement"] == {"code": code, "name": national.departement_name(code)}
    assert summary["communes"] == len(population)
    assert summary["population"] == int(population["population_municipale"].sum())
    assert summary["epci"] == population["epci_siren"].nunique()
    assert summary["sites"]["france_services"] == len(_raw("france_services", code, ["id_fs"]))
    assert summary["sites"]["town_hall"] == len(population)
    assert summary["advisors"]["cnfs_permanence"] == cnfs["n_conseillers"].astype(float).sum()


def test_real_figures_of_orne_and_mayenne():
    assert build_territory(departement="61").summary()["population"] == 275_201
    mayenne = build_territory(departement="53").summary()
    assert (mayenne["communes"], mayenne["population"], mayenne["epci"]) == (240, 305_468, 10)


def test_missing_layers_are_stated_and_not_imputed(orne):
    status = orne.status
    assert (status["unemployment_rate_pct"] == "missing").all()
    assert (status["fibre_share"] == "missing").all()
    assert orne.communes["unemployment_rate_pct"].isna().all()
    # Secret Filosofi values are imputed and flagged, as in Sarthe.
    assert (status["poverty_rate_pct"] == "imputed").sum() == 358
    assert orne.vintages["census"] == "absent pour ce département"
    assert orne.sources["fibre"]["status"] == "MISSING"
    absent = [w for w in orne.warnings if w.startswith("Couches absentes")]
    assert len(absent) == 1
    assert "l'Orne (61)" in absent[0] and "indice de fragilité numérique" in absent[0]
    assert "sans chômage" in absent[0]


def test_town_halls_outside_their_commune_are_relocated_and_flagged(orne):
    halls = orne.sites[orne.sites["site_type"] == "town_hall"]
    flagged = halls["location_note"].notna().sum()
    raw = _raw("town_halls", "61", ["coord_ok"])
    assert flagged == (raw["coord_ok"] == "False").sum() == 31
    assert any(w.startswith("Mairies : 31 points publiés") for w in orne.warnings)


def test_need_index_is_built_from_what_exists(orne):
    from equity.workflows import run_diagnosis

    diagnosis = run_diagnosis(orne)
    assert diagnosis.communes["need_index"].notna().all()
    assert "score_unemployment_rate_pct" in diagnosis.communes
    assert diagnosis.communes["score_unemployment_rate_pct"].isna().all()


def test_cache_is_keyed_by_departement(tmp_path):
    key_61, key_53 = cache_key(None, "61"), cache_key(None, "53")
    assert key_61.startswith("61-") and key_53.startswith("53-") and key_61[3:] != key_53[3:]
    built = load_territory(directory=tmp_path, departement="61")
    cached = load_territory(directory=tmp_path, departement="61")
    assert (tmp_path / "territory" / key_61 / "meta.json").is_file()
    assert cached.departement_name == "Orne" and cached.cache_key == key_61
    pd.testing.assert_series_equal(built.communes["population"], cached.communes["population"])
    assert load_territory(directory=tmp_path).departement_code == "72"


def test_unknown_code_is_refused_in_french_with_valid_codes():
    with pytest.raises(DataValidationError, match="Codes valides : 01, 02"):
        build_territory(departement="99")


def test_cli_data_for_sarthe_keeps_todays_totals(capsys):
    assert main(["data", "--departement", "72", "--json", "--no-cache"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    assert (summary["communes"], summary["population"], summary["epci"]) == (352, 566_733, 17)
    assert summary["sites"]["france_services"] == 26


def test_cli_global_option_and_unknown_code(capsys):
    assert main(["--departement", "2A", "data", "--no-cache"]) == 0
    assert "données de la Corse-du-Sud (2A)" in capsys.readouterr().out
    assert main(["data", "--departement", "971"]) == 2
    err = capsys.readouterr().err
    assert "départements d'outre-mer" in err and "2A, 2B" in err


def test_names_take_their_article():
    forms = [national.of_departement(c) for c in ("72", "61", "14", "88", "75")]
    assert forms == ["de la Sarthe", "de l'Orne", "du Calvados", "des Vosges", "de Paris"]


def test_ifn_label_names_the_departement_of_the_territory(orne):
    # La MedNum's IFN is referenced to each département's own mean (100).
    ifn = map_indicators(orne)["ifn_global"]
    assert ifn["short"] == "IFN (100 = moyenne de l'Orne, plus = plus fragile)"
    assert "Sarthe" not in ifn["label"] and "département" not in ifn["label"]
