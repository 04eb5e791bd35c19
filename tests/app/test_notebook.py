"""The Sarthe diagnostic notebook runs top to bottom against the current library."""

from __future__ import annotations

import json

import pytest

from geo import settings

NOTEBOOK = settings.PROJECT_ROOT / "notebooks" / "diagnostic_sarthe.ipynb"


@pytest.mark.slow
def test_diagnostic_notebook_executes():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [("".join(c["source"]), i) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    assert len(code) >= 6
    namespace: dict[str, object] = {}
    for source, index in code:
        exec(compile(source, f"{NOTEBOOK.name}[cell {index}]", "exec"), namespace)
    assert namespace["diagnosis"].population_total == 566_733
    assert len(namespace["top"]) == 5
