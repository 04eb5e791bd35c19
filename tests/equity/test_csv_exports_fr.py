"""The CSV exports read as French tables: French headers, rounded values, no « inf »."""

from __future__ import annotations

import pytest

from equity.reporting import current_situation, export, view_scenario
from geo.exports import read_csv_fr


@pytest.fixture(scope="module")
def csv_files(territory, tmp_path_factory):
    view = view_scenario(territory, current_situation())
    files = export("csv", territory, view, tmp_path_factory.mktemp("csv"))
    return {path.name.rsplit("-", 1)[-1]: path for path in files}


def test_epci_csv_has_french_headers_whole_numbers_percentages_and_no_inf(csv_files):
    text = csv_files["epci.csv"].read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert not [h for h in header if "_" in h], header
    assert "inf" not in text
    epci = read_csv_fr(csv_files["epci.csv"]).set_index("EPCI")
    # CU d'Alençon (5 Sarthe communes) has no advisor: no ratio per advisor, an empty cell.
    alencon = epci.loc["CU d'Alençon"]
    assert alencon["Conseillers (ou équivalents)"] == 0
    assert alencon["Habitants par conseiller"] != alencon["Habitants par conseiller"]  # NaN
    assert "CU d'Alençon;5;7689;" in text
    # Whole persons, written « 22451 », not « 22451,0 ».
    row = next(line for line in text.splitlines() if line.startswith("CC Haute Sarthe"))
    cells = dict(zip(header, row.split(";"), strict=True))
    assert cells["Population 2022"] == "22451"
    assert cells["Habitants par conseiller"] == "22451"  # one advisor today
    persons = epci["Personnes en besoin non accompagnées (estimation)"]
    assert (persons == persons.round()).all() and persons.sum() > 10_000
    # Shares in percent: the unserved share of each EPCI is unserved over its need.
    share = epci["Part du besoin non accompagnée (%)"]
    need = epci["Personnes en besoin (habitants pondérés)"]
    assert share.max() > 1
    assert (share - 100 * persons / need).abs().max() < 0.2
    capacity = epci["Capacité des lieux (personnes par an)"]
    assert capacity.loc["CU d'Alençon"] == 0


def test_communes_and_sites_csv_say_oui_non_in_french(csv_files):
    communes = read_csv_fr(csv_files["communes.csv"])
    assert set(communes["Mal desservie"]) == {"oui", "non"}
    sites_text = csv_files["sites.csv"].read_text(encoding="utf-8-sig")
    header = sites_text.splitlines()[0].split(";")
    assert not {"outside_territory", "outside_label", "territory_share"} & set(header)
    assert "False" not in sites_text and "True" not in sites_text
    sites = read_csv_fr(csv_files["sites.csv"])
    assert set(sites["Hors du département"]) == {"oui", "non"}
    border = sites[sites["Hors du département"] == "oui"]
    assert border["Remarque sur l'emplacement"].str.contains("hors Sarthe").all()
    share = sites["Part de la capacité comptée pour le territoire (%)"]
    assert share.between(0, 100).all() and share.max() == 100
