"""French texts for the widgets whose English text Streamlit does not let the app set,
and the few layout rules that keep French labels readable (the app's only CSS).

Kept apart from :mod:`app_pages.common` so the router can apply it before any page
without importing the data layers.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["FRENCH_WIDGETS_CSS", "french_widget_texts"]

#: Streamlit writes some widget texts in English with no parameter to change them
#: (1.67: the uploader's « Upload » button and « 50MB per file » line, the
#: multiselect's « Select all » and « Select N matches », the « Stop » button of the
#: running script's status, the main menu's « Print » and « Record screen »). CSS hides
#: them and shows French instead (the menu is hidden: every page has its own French
#: exports); the file types accepted are said in each uploader's label or help. The
#: select-all rows take their French text in ``::before``: their ``::after`` is
#: Streamlit's divider line, absolutely placed, and text put there was drawn over the
#: next option. An uploaded file's size (« 73.0B », English units) is hidden: its name
#: stays. Placeholders, labels and helps are set on every widget (never Streamlit's
#: « Choose an option »). Metric labels and values wrap instead of ending in « … »:
#: French labels are long, and four metrics a row cut « Personnes non accompagnées
#: (estimation) » and « CC Loir-Lucé-Bercé ». Multiselect chips wrap too, in a box
#: up to 20rem high (« Permanence consei… »; 5 of 21 advisors' bases were visible).
FRENCH_WIDGETS_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
  display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {
  content: "Choisir un fichier"; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "Glisser-déposer ici, ou choisir (50 Mo au plus)"; font-size: 0.875rem; }
[role="option"][data-key="__select_all__"] [data-item-hl] { display: none; }
[role="option"][data-key="__select_all__"]::before {
  content: "Tout sélectionner"; padding-left: 0.5rem; }
[role="option"][data-key="__select_matches__"] [data-item-hl] { display: none; }
[role="option"][data-key="__select_matches__"]::before {
  content: "Sélectionner tous les résultats"; padding-left: 0.5rem; }
[data-testid="stStatusWidget"] button { font-size: 0; }
[data-testid="stStatusWidget"] button::after { content: "Arrêter"; font-size: 0.875rem; }
[data-testid="stMainMenu"] { display: none; }
[data-testid="stFileChipName"] + div { display: none; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] p,
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricValue"] p {
  white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stMultiSelect"] [role="group"]:has(> [data-testid="stMultiSelectTagsContainer"]),
[data-testid="stMultiSelectTagsContainer"] { max-height: 20rem; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] { max-width: 100%; height: auto; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span[title] {
  white-space: normal; overflow: visible; text-overflow: clip; }
</style>
"""


def french_widget_texts() -> None:
    """Replace Streamlit's fixed English widget texts by French ones (see the CSS)."""
    st.html(FRENCH_WIDGETS_CSS)
