"""Council pack engine: numbered A4 pages with covers, figures, texts, maps and tables."""

import datetime as dt
import re
import time

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from geo.render import (
    Cover,
    KeyFigures,
    MapPage,
    PrintMapSpec,
    TablePage,
    TextSection,
    build_pack,
    format_table_fr,
)

A4_PT = (595.28, 841.89)


def _texts(path) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def epci_table(territory) -> pd.DataFrame:
    table = territory.communes.groupby("epci_name").agg(
        communes=("name", "size"), population=("population", "sum"), fibre=("fibre_share", "mean")
    )
    table.index.name = "EPCI"
    return table


def test_pack_sections_pages_and_numbering(epci_table, tmp_path):
    long_table = pd.DataFrame(
        {"Commune": [f"Commune {i}" for i in range(120)], "Valeur": np.linspace(0, 1, 120)}
    )
    sections = [
        Cover("Inclusion numérique en Sarthe", "Diagnostic", dt.date(2026, 5, 1), "Conseil"),
        KeyFigures("Chiffres clés", [("Habitants", "566 733", "Populations légales 2022")]),
        TextSection("Note de méthode", ["Une phrase assez longue pour la page. " * 200]),
        TablePage("Indicateurs par EPCI", epci_table, note="Moyennes.", percent_columns=["fibre"]),
        TablePage("Table longue", long_table),
    ]
    path = build_pack(sections, tmp_path / "dossier.pdf")
    reader = PdfReader(path)
    n = len(reader.pages)
    assert n >= 7  # the text and the long table flow over several pages
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4_PT, abs=0.01
        )
    texts = _texts(path)
    assert "Inclusion numérique en Sarthe" in texts[0]
    assert "1er mai 2026" in texts[0]
    assert "Page 1" not in texts[0]  # no footer on the cover
    for title in ("Chiffres clés", "Note de méthode", "Indicateurs par EPCI", "Table longue"):
        assert any(title in t for t in texts), title
    assert "Note de méthode (suite)" in " ".join(texts)
    assert "Table longue (suite)" in " ".join(texts)
    assert f"Page 2 / {n}" in texts[1]
    assert "Maillage — 1er mai 2026" in texts[-1]
    epci_page = next(t for t in texts if "Indicateurs par EPCI" in t)
    assert "CU Le Mans Métropole" in epci_page
    assert "%" in epci_page
    # The header row is repeated on every page of the long table.
    assert sum("Commune Valeur" in t for t in texts) >= 2


def test_format_table_fr():
    table = pd.DataFrame(
        {"n": [1234567, 2], "x": [0.5, np.nan], "ok": [True, False], "nom": ["a", None]},
        index=pd.Index(["72001", "72002"], name="code_insee"),
    )
    text = format_table_fr(table, percent_columns=["x"])
    assert list(text.columns) == ["code_insee", "n", "x", "ok", "nom"]
    assert text.loc[0, "n"] == "1\u202f234\u202f567"
    assert text.loc[0, "x"] == "50\u202f%"
    assert text.loc[1, "x"] == "n.d."
    assert list(text["ok"]) == ["Oui", "Non"]
    assert text.loc[1, "nom"] == "n.d."


def test_bad_pack_arguments(tmp_path):
    with pytest.raises(ValueError, match="aucune section"):
        build_pack([], tmp_path / "x.pdf")
    with pytest.raises(ValueError, match="Format de papier inconnu"):
        build_pack([Cover("t")], tmp_path / "x.pdf", paper="Letter")
    with pytest.raises(ValueError, match="Type de section inconnu"):
        build_pack(["texte"], tmp_path / "x.pdf")


@pytest.mark.slow
def test_ten_page_pack_with_maps_is_fast(territory, epci_table, tmp_path):
    def spec(column, title, **kwargs):
        return PrintMapSpec(
            communes=territory.communes,
            column=column,
            title=title,
            legend_title=title,
            epci=territory.epci,
            sources=["Limites communales : IGN, COG 2025, Licence Ouverte 2.0"],
            **kwargs,
        )

    sites = territory.sites[territory.sites["site_type"] != "town_hall"]
    sections = [
        Cover("Dossier du conseil", "Scénarios", "2026-05-12", "Conseil départemental"),
        KeyFigures("Chiffres clés", [(f"Indicateur {i}", str(i), None) for i in range(8)]),
        TextSection("Note de méthode", ["Texte de méthode. " * 60] * 3),
        MapPage(spec("ifn_global", "Indice de fragilité numérique")),
        MapPage(spec("poverty_rate_pct", "Taux de pauvreté (%)", sites=sites)),
        MapPage(spec("density_label", "Densité", scheme="categorical"), orientation="landscape"),
        MapPage(spec("median_income_eur", "Revenu médian", scheme="natural_breaks")),
        TablePage("Indicateurs par EPCI", epci_table, percent_columns=["fibre"]),
        TablePage("Comparaison des scénarios", epci_table.head(3)),
        TablePage("Communes", territory.communes[["name", "population"]].head(40)),
    ]
    start = time.perf_counter()
    path = build_pack(sections, tmp_path / "dossier.pdf")
    elapsed = time.perf_counter() - start
    assert elapsed < 30
    reader = PdfReader(path)
    assert len(reader.pages) >= 10
    landscape = reader.pages[5].mediabox
    assert (float(landscape.width), float(landscape.height)) == pytest.approx(A4_PT[::-1], abs=0.01)
    assert "Indice de fragilité numérique" in reader.pages[3].extract_text()
