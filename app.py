"""Maillage — Streamlit entry point: page configuration and navigation only.

``python app.py [streamlit options]`` starts the server (:mod:`app_pages.launch`), which
then runs this file for every page view, like ``streamlit run app.py``.
"""

import sys
from pathlib import Path

import streamlit as st
from streamlit import runtime

from app_pages.french import french_widget_texts
from app_pages.static_files import serve_static_files

if __name__ == "__main__" and not runtime.exists():
    from app_pages.launch import launch

    sys.exit(launch(Path(__file__), sys.argv[1:]))

# An emoji favicon is drawn in the browser (a data: URL); a :material/…: one is fetched
# from Google Fonts, and the app works offline.
st.set_page_config(page_title="Maillage", page_icon="🗺️", layout="wide")
french_widget_texts()
serve_static_files()  # Leaflet for the clickable maps, before any page renders

pages = [
    st.Page("app_pages/carte.py", title="Carte", icon=":material/map:", default=True),
    st.Page("app_pages/diagnostic.py", title="Diagnostic", icon=":material/query_stats:"),
    st.Page("app_pages/recommandation.py", title="Recommandation", icon=":material/add_location:"),
    st.Page("app_pages/scenarios.py", title="Scénarios", icon=":material/compare:"),
    st.Page("app_pages/tournees.py", title="Tournées mobiles", icon=":material/directions_car:"),
    st.Page("app_pages/exports.py", title="Exports", icon=":material/download:"),
    st.Page("app_pages/donnees.py", title="Données", icon=":material/dataset:"),
]
st.navigation(pages).run()
