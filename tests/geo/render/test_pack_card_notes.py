"""Key-figure cards never stop mid-sentence: short notes, and « … » when one is cut."""

from __future__ import annotations

from equity.council_pack import method_note
from equity.reporting import _key_figures, current_situation, view_scenario
from geo.render.pack import _CARD_GAP_MM, MARGIN_MM, _two_lines
from geo.render.print_layout import wrap_text

# A4 portrait card: the note's width as _draw_key_figures computes it (scale 1).
_NOTE_WIDTH_MM = (210 - 2 * MARGIN_MM - _CARD_GAP_MM) / 2 - 8


def test_a_cut_card_note_ends_with_an_ellipsis():
    text = "Offre existante : " + ", ".join(f"Type {i} ({i})" for i in range(30))
    lines = _two_lines(text, _NOTE_WIDTH_MM, 7.5)
    assert len(lines) == 2
    assert lines[1].endswith("…")
    assert _two_lines("dans 51 lieux", _NOTE_WIDTH_MM, 7.5) == ["dans 51 lieux"]


def test_advisors_card_note_fits_and_the_method_page_has_the_full_offer(territory):
    view = view_scenario(territory, current_situation())
    cards = {label: note for label, _, note in _key_figures(view, None).items}
    note = cards["Conseillers"]
    n_outside = int(view.diagnosis.offer.outside.sum())
    assert note == (
        f"dans {len(view.diagnosis.offer.sites) - n_outside} lieux, plus {n_outside} lieux "
        "hors Sarthe (capacité partagée) ; détail dans la note de méthode"
    )
    assert len(wrap_text(note, _NOTE_WIDTH_MM, 7.5)) <= 2
    offer = view.diagnosis.offer.describe_fr()
    assert f"{offer}." in method_note(territory, view.diagnosis).paragraphs
