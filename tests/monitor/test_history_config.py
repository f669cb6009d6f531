"""``[history]`` in the config and how the console's composition root opens the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.config import HistorySettings, config_to_dict, load_config
from tui.core.errors import ConfigError
from tui.monitor.history.store import default_history_path, open_configured


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_history_keys_are_read_and_written_back(tmp_path):
    cfg = load_config(write(tmp_path, '[history]\nenabled = false\npath = "~/h/x.sqlite3"\n'))
    assert cfg.history.enabled is False and cfg.history.path == Path.home() / "h" / "x.sqlite3"
    assert config_to_dict(cfg)["history"] == {"enabled": False, "path": str(Path.home() / "h" / "x.sqlite3")}
    assert "history" not in config_to_dict(load_config(write(tmp_path, "")))


@pytest.mark.parametrize("text, key", [('[history]\nenabled = "yes"\n', "history.enabled"),
                                       ("[history]\nsize = 3\n", "history")])
def test_bad_history_keys_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(write(tmp_path, text))


def test_open_configured(tmp_path):
    assert open_configured(HistorySettings(enabled=False)) == (None, None)
    store, problem = open_configured(HistorySettings(path=tmp_path / "h.sqlite3"))
    assert store is not None and problem is None
    store.close()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 200)
    store, problem = open_configured(HistorySettings(path=bad))
    assert store is None and "History is off for this run" in problem and str(bad) in problem
    store, problem = open_configured(HistorySettings())
    assert store is not None and store.path == default_history_path()
    assert str(default_history_path()).endswith("aepx/history.sqlite3")
    store.close()
