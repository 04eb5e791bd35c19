"""Tournées page: unserved persons before and after the tours, the printable calendar."""

from __future__ import annotations

from pathlib import Path

from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from geo import settings


def test_tournees_shows_unserved_persons_and_offers_the_calendar():
    page = Path(settings.PROJECT_ROOT) / "app_pages" / "tournees.py"
    app = AppTest.from_file(str(page), default_timeout=120)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    metrics = {m.label: m.value for m in app.metric}
    before = metrics["Personnes sans accompagnement (lieux fixes)"]
    after = metrics["Personnes sans accompagnement (avec les tournées)"]
    assert before == "43\u202f775"
    assert int(after.replace("\u202f", "")) < 43_775
    # Fewer persons without help is good news: a green arrow down (a typographic minus
    # « − » read as no sign at all showed a red arrow up).
    (shown,) = [m for m in app.metric if m.label.endswith("(avec les tournées)")]
    assert shown.proto.direction == MetricProto.MetricDirection.DOWN
    assert shown.proto.color == MetricProto.MetricColor.GREEN
    assert shown.delta.startswith("-")
    # Walk-through: « Habitants desservis 146 904 » read as people served, while the tours
    # relieve a few hundred persons: the metric says they are within reach of a stop.
    assert "Habitants desservis" not in metrics
    assert "Habitants à portée d'un arrêt" in metrics
    # Walk-through: the worst-served EPCI's communes got stops only on their edges; the
    # page says how stops are chosen and how to place one there.
    advice = "imposez l'un de ses lieux (sa mairie…) dans « Arrêts imposés »"
    assert any(advice in c.value for c in app.caption)
    # Review: a piece of the caption had lost its f-string (« {request.settings()…} »).
    assert not any("{" in c.value for c in app.caption)
    button = next(b for b in app.button if b.label.startswith("Préparer le calendrier"))
    button.click().run()
    assert not app.exception, [e.message for e in app.exception]
    downloads = app.get("download_button")
    labels = [d.proto.label for d in downloads]
    assert any(label.startswith("Télécharger le calendrier (PDF") for label in labels)
