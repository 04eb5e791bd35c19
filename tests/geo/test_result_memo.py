"""Results remembered on disk: keyed by request and code, never stale, never trusted damaged."""

from __future__ import annotations

import os

import pytest

from geo import defaults, result_memo
from geo.result_memo import memoised, recall, remember, request_digest
from geo.travel_time import straight_line_model


@pytest.fixture(autouse=True)
def processed(tmp_path, monkeypatch):
    monkeypatch.setattr(result_memo.settings, "PROCESSED_DIR", tmp_path)
    return tmp_path / result_memo.MEMO_SUBDIR


def _counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_a_result_is_computed_once_then_read_back_from_disk(processed):
    compute, calls = _counting({"share": 0.97})
    parts = ("72-abc", "request-1", straight_line_model())
    assert memoised("diagnostic", parts, compute) == {"share": 0.97}
    # A new process has no memory cache: only the file remains.
    assert memoised("diagnostic", parts, compute) == {"share": 0.97}
    assert len(calls) == 1
    assert len(list(processed.glob("diagnostic-*.pkl"))) == 1


def test_every_part_of_the_request_and_the_code_are_in_the_key(monkeypatch):
    base = request_digest("carte", ("72-abc", 20, 1.3, True, None, ("a", "b")))
    for other in [
        ("72-abd", 20, 1.3, True, None, ("a", "b")),
        ("72-abc", 30, 1.3, True, None, ("a", "b")),
        ("72-abc", 20, 1.4, True, None, ("a", "b")),
        ("72-abc", 20, 1.3, False, None, ("a", "b")),
        ("72-abc", 20, 1.3, True, None, ("a", "c")),
    ]:
        assert request_digest("carte", other) != base
    assert request_digest("diagnostic", ("72-abc", 20, 1.3, True, None, ("a", "b"))) != base
    # Another travel model is another request.
    slow = request_digest("carte", (straight_line_model(1.3, 50.0),))
    assert slow != request_digest("carte", (straight_line_model(1.3, 60.0),))
    # Changed code (or a library upgrade) never reads a result of the old one.
    monkeypatch.setattr(result_memo, "code_fingerprint", lambda: "another-version")
    assert request_digest("carte", ("72-abc", 20, 1.3, True, None, ("a", "b"))) != base


def test_parts_without_a_trustworthy_key_are_computed_every_time(processed):
    import pandas as pd

    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(TypeError):
        request_digest("carte", (frame,))
    compute, calls = _counting("html")
    assert memoised("carte", (frame,), compute) == "html"
    assert memoised("carte", (frame,), compute) == "html"
    assert len(calls) == 2
    assert not processed.exists()


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05K"])
def test_a_damaged_file_is_removed_and_recomputed(processed, content):
    parts = ("72-abc",)
    remember("carte", parts, "old")
    (path,) = processed.glob("carte-*.pkl")
    path.write_bytes(content)
    assert recall("carte", parts) is None
    assert not path.exists()
    compute, calls = _counting("new")
    assert memoised("carte", parts, compute) == "new"
    assert recall("carte", parts) == "new"
    assert len(calls) == 1


def test_an_oversized_file_is_neither_read_nor_written(processed, monkeypatch):
    monkeypatch.setattr(defaults, "RESULT_MEMO_MAX_BYTES", 1_000)
    remember("carte", ("big",), "x" * 5_000)
    assert not list(processed.glob("*.pkl"))
    remember("carte", ("small",), "x")
    (path,) = processed.glob("*.pkl")
    path.write_bytes(b"\x00" * 2_000)
    assert recall("carte", ("small",)) is None


def test_only_the_most_recently_used_results_are_kept(processed, monkeypatch):
    monkeypatch.setattr(defaults, "RESULT_MEMO_MAX_FILES", 3)
    for i in range(3):
        remember("carte", (i,), f"map {i}")
        os.utime(result_memo._path("carte", (i,)), (1_000 + i, 1_000 + i))
    assert recall("carte", (0,)) == "map 0"  # used again: now the newest
    remember("carte", (3,), "map 3")
    assert len(list(processed.glob("*.pkl"))) == 3
    assert recall("carte", (1,)) is None
    assert [recall("carte", (i,)) for i in (0, 2, 3)] == ["map 0", "map 2", "map 3"]


def test_an_unwritable_folder_costs_only_the_computation(processed):
    processed.parent.mkdir(parents=True, exist_ok=True)
    processed.write_text("a file where the folder should be")
    compute, calls = _counting("html")
    assert memoised("carte", ("72",), compute) == "html"
    assert memoised("carte", ("72",), compute) == "html"
    assert len(calls) == 2
    assert processed.read_text() == "a file where the folder should be"


def test_the_code_fingerprint_moves_with_python_and_library_versions(monkeypatch):
    fingerprint = result_memo.code_fingerprint.__wrapped__
    base = fingerprint()
    assert fingerprint() == base
    with monkeypatch.context() as patch:
        patch.setattr(result_memo.platform, "python_version", lambda: "3.99.0")
        other_python = fingerprint()
    real_version = result_memo.metadata.version
    with monkeypatch.context() as patch:
        patch.setattr(
            result_memo.metadata,
            "version",
            lambda name: "99.0" if name == "pandas" else real_version(name),
        )
        other_pandas = fingerprint()
    assert len({base, other_python, other_pandas}) == 3
