from __future__ import annotations

import json
import os
import stat

import pytest

from tui.core import drafts


def test_default_path_is_in_the_user_data_dir(isolated_env):
    path = drafts.default_draft_path()
    assert path.name == "launch.json"
    assert path.parent.name == "drafts"
    assert str(path).startswith(str(isolated_env / "data"))


def test_round_trip_and_private_permissions(tmp_path):
    path = tmp_path / "d" / "launch.json"
    text = '{\n  "fields": "a,b", "é": "\'quote\'"\n'  # invalid JSON is a perfectly good draft
    drafts.save_draft(text, path)
    assert drafts.load_draft(path) == text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["launch.json"]  # no temp file left


def test_default_path_round_trip():
    assert drafts.load_draft() is None
    drafts.save_draft("{}")
    assert drafts.load_draft() == "{}"
    drafts.clear_draft()
    assert drafts.load_draft() is None
    drafts.clear_draft()  # clearing twice is fine


def test_save_replaces_previous_draft(tmp_path):
    path = tmp_path / "launch.json"
    drafts.save_draft("one", path)
    drafts.save_draft("two", path)
    assert drafts.load_draft(path) == "two"


def test_failed_write_keeps_previous_draft_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "drafts" / "launch.json"
    drafts.save_draft("good", path)

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("tui.core.paths.os.replace", boom)
    with pytest.raises(OSError):
        drafts.save_draft("new", path)
    assert drafts.load_draft(path) == "good"
    assert sorted(p.name for p in path.parent.iterdir()) == ["launch.json"]


@pytest.mark.parametrize("content, expected", [
    ("", None),
    ("   \n", None),
    (json.dumps({"format": 1, "text": ""}), None),
    (json.dumps({"format": 1, "text": "abc"}), "abc"),
    ('{"fields": "x"', '{"fields": "x"'),  # not our format: shown as is, never dropped
    (json.dumps({"fields": "x"}), json.dumps({"fields": "x"})),
])
def test_load_tolerates_foreign_or_empty_files(tmp_path, content, expected):
    path = tmp_path / "launch.json"
    path.write_text(content, encoding="utf-8")
    assert drafts.load_draft(path) == expected


def test_unreadable_draft_is_none(tmp_path):
    path = tmp_path / "launch.json"
    path.write_bytes(b"\xff\xfe\xfa")
    assert drafts.load_draft(path) is None
    os.mkdir(tmp_path / "dir.json")
    assert drafts.load_draft(tmp_path / "dir.json") is None
