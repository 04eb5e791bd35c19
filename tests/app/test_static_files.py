"""Leaflet held once (geo/assets) and published at start into the folder Streamlit serves."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit import file_util
from streamlit.testing.v1 import AppTest

from app_pages import static_files
from geo import settings

ASSETS = Path(settings.ASSETS_DIR)
APP = Path(settings.PROJECT_ROOT) / "app.py"


def _assert_served_equal_assets(folder: Path) -> None:
    for name, served in static_files.SERVED_FILES.items():
        assert (folder / served).read_bytes() == (ASSETS / name).read_bytes(), served


def test_the_folder_written_is_the_one_streamlit_serves():
    assert Path(file_util.get_app_static_dir(str(APP))) == static_files.STATIC_DIR


def test_the_images_are_where_the_stylesheet_looks_for_them():
    css = (ASSETS / "leaflet.css").read_text(encoding="utf-8")
    for image in ("layers.png", "layers-2x.png", "marker-icon.png"):
        assert f"url({static_files.SERVED_FILES[image]})" in css


def test_startup_publishes_the_vendored_files(tmp_path, monkeypatch):
    folder = tmp_path / "static"
    monkeypatch.setattr(static_files, "STATIC_DIR", folder)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception
    _assert_served_equal_assets(folder)
    assert not app.warning or all("cartes cliquables" not in w.value for w in app.warning)


def test_publishing_is_idempotent_and_repairs_a_stale_file(tmp_path):
    folder = tmp_path / "static"
    written = static_files.publish_static_files(folder)
    assert sorted(p.relative_to(folder).as_posix() for p in written) == sorted(
        static_files.SERVED_FILES.values()
    )
    assert static_files.publish_static_files(folder) == []
    (folder / "leaflet.css").write_text("/* an older Leaflet */", encoding="utf-8")
    assert static_files.publish_static_files(folder) == [folder / "leaflet.css"]
    _assert_served_equal_assets(folder)
    assert not list(folder.rglob("*.tmp"))


def test_sessions_starting_at_once_leave_whole_files(tmp_path):
    folder = tmp_path / "static"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: static_files.publish_static_files(folder), range(16)))
    _assert_served_equal_assets(folder)
    assert not list(folder.rglob("*.tmp"))


def test_a_folder_that_cannot_be_written_gives_a_french_warning(tmp_path, monkeypatch):
    blocked = tmp_path / "fichier"
    blocked.write_text("", encoding="utf-8")  # a file where the folder should be
    monkeypatch.setattr(static_files, "STATIC_DIR", blocked / "static")
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception
    assert any("Les cartes cliquables" in w.value for w in app.warning)


@pytest.mark.skipif(
    shutil.which("git") is None or not (Path(settings.PROJECT_ROOT) / ".git").exists(),
    reason="not a git checkout",
)
def test_the_repository_holds_leaflet_once():
    tracked = subprocess.run(
        ["git", "ls-files", "*leaflet.js", "*leaflet.css"],
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked == ["geo/assets/leaflet.css", "geo/assets/leaflet.js"]
