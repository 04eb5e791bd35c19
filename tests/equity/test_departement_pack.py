"""Diagnose, recommend and export for Mayenne: titles name the département."""

from __future__ import annotations

import json

from pypdf import PdfReader

from equity.cli import main


def test_mayenne_recommendation_pack_and_map(tmp_path):
    db = tmp_path / "s.sqlite"
    base = ["--departement", "53"]
    assert main([*base, "diagnose", "--json", str(tmp_path / "d.json")]) == 0
    diagnosis = json.loads((tmp_path / "d.json").read_text("utf-8"))
    assert sum(c["population"] for c in diagnosis["communes"]) == 305_468
    assert main([*base, "recommend", "--extra", "3", "--save", "Plan", "--db", str(db)]) == 0
    out = tmp_path / "out"
    export = [*base, "export", "--scenario", "Plan", "--db", str(db), "--out", str(out)]
    assert main([*export, "--what", "pack"]) == 0
    assert main([*export, "--what", "map", "--format", "png"]) == 0
    (pack,) = out.glob("mayenne-53-plan-*-dossier.pdf")
    assert list(out.glob("mayenne-53-plan-*-carte-placement-A4-paysage.png"))
    pages = [p.extract_text() for p in PdfReader(pack).pages]
    cover = " ".join(pages[0].split())
    assert "Conseillers numériques dans la Mayenne" in cover
    assert "Conseil départemental de la Mayenne" in cover
    assert any("Mayenne (53) — " in p for p in pages[3:])
    assert not any("de la Sarthe" in p for p in pages)
