"""Streamlit pages of Maillage (widgets and display only)."""
