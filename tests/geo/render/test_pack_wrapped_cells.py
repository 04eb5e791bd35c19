"""Council pack tables wrap long names over several lines instead of cutting them."""

from __future__ import annotations

import re

import pandas as pd
from pypdf import PdfReader

from geo.render import TablePage, build_pack
from geo.render.pack import wrap_cell
from geo.render.print_layout import text_width_mm

NAMES = [
    "Mairie — Sainte-Jamme-sur-Sarthe",
    "Réseau des Médiathèques du Pays Sabolien (Sablé-sur-Sarthe)",
    "Département de la Sarthe (Parigné-l'Évêque)",
]
EPCI = ["CC Maine Coeur de Sarthe", "CC du Pays Sabolien", "CC Haute Sarthe Alpes Mancelles"]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_long_names_are_wrapped_whole_in_a_wide_table(tmp_path):
    table = pd.DataFrame(
        {
            "N°": [1, 2, 3],
            "Lieu": NAMES,
            "Commune": ["Sainte-Jamme-sur-Sarthe", "Sablé-sur-Sarthe", "Parigné-l'Évêque"],
            "EPCI": EPCI,
            "Arrêts": [" → ".join(NAMES)] * 3,
            "Personnes accompagnées": [600, 1_800, 1_200],
        }
    )
    path = build_pack([TablePage("Décisions proposées", table)], tmp_path / "t.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "…" not in text
    for name in [*NAMES, *EPCI, " → ".join(NAMES)]:
        assert _squeezed(name) in _squeezed(text), name
    assert "1 800" in text.replace("\u202f", " ")


def test_wrap_cell_splits_a_word_wider_than_its_column_and_caps_the_lines():
    lines = wrap_cell("Sainte-Jamme-sur-Sarthe", 15.0, 8.0)
    assert len(lines) > 1 and "".join(lines) == "Sainte-Jamme-sur-Sarthe"
    assert all(text_width_mm(line, 8.0) <= 15.01 for line in lines)
    capped = wrap_cell(" ".join(["Mairie"] * 60), 20.0, 8.0, max_lines=3)
    assert len(capped) == 3 and capped[-1].endswith("…")
    assert wrap_cell("", 20.0, 8.0) == [""]
