"""The council pack's method page says what the code computes (persons in need, weights)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from equity.council_pack import method_note
from equity.need import PERSONS_IN_NEED_METHOD_FR, NeedWeights
from equity.reporting import current_situation, view_scenario


@pytest.fixture(scope="module")
def diagnosis(territory):
    return view_scenario(territory, current_situation()).diagnosis


def _paragraph(section, start: str) -> str:
    return next(p for p in section.paragraphs if p.startswith(start))


def test_method_page_counts_persons_in_need_as_the_code_does(territory, diagnosis):
    text = _paragraph(method_note(territory, diagnosis), "Personnes en besoin")
    assert text.startswith(PERSONS_IN_NEED_METHOD_FR)
    assert "population du département" not in text
    assert "× taux d'illectronisme de 15,4 %" in text
    # Sarthe: 15+ population × 15.4 %, as on the Diagnostic page.
    assert "Total du département : 71\u202f829 personnes." in text


def test_method_page_prints_the_weights_as_set_and_says_they_are_normalised(territory, diagnosis):
    text = _paragraph(method_note(territory, diagnosis), "Indice de besoin")
    # Sarthe's fibre file is outdated: its weight is 0 and the sliders sum to 90 %.
    assert "Indice de fragilité numérique — score global (30\u202f%)" in text
    assert "Revenu médian disponible par UC (€) (15\u202f%)" in text
    assert "33\u202f%" not in text and "17\u202f%" not in text
    assert "Ces poids totalisent 90\u202f%" in text
    assert "ramenés à des rangs" in text


def test_method_page_with_weights_summing_to_one_and_min_max_scale(territory, diagnosis):
    weights = NeedWeights({"ifn_global": 0.5, "poverty_rate_pct": 0.5}, normalisation="minmax")
    text = _paragraph(
        method_note(territory, replace(diagnosis, need_weights=weights)), "Indice de besoin"
    )
    assert "score global (50\u202f%), Taux de pauvreté (%) (50\u202f%)." in text
    assert "totalisent" not in text and "rangs" not in text
    assert "minimum à 0, maximum à 1" in text


def test_method_page_describes_the_default_placement_model(territory, diagnosis):
    # The page described the former « residual » model (p-median of the residual need)
    # in solver jargon; the default is the capacity model, decided in three steps.
    text = _paragraph(method_note(territory, diagnosis), "Placement (objectif par défaut)")
    assert "p-médian" not in text and "nombres entiers" not in text
    assert "accompagne au plus 600 personnes par an" in text
    assert text.index("le plus de personnes en besoin") < text.index("temps de trajet")
    assert text.index("temps de trajet") < text.index("équilibre les EPCI")
