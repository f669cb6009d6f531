"""Autouse isolation: no test touches the real keyring, the developer's config, or their env."""

from __future__ import annotations

import os

import keyring
import pytest

from tests.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("AEPX_") or name in ("PYTHON_KEYRING_BACKEND", "EDITOR", "VISUAL", "NO_COLOR"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        path = home / sub
        path.mkdir(parents=True)
        monkeypatch.setenv(var, str(path))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return home


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.core._keyring_backend  # skip the real probe entirely
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.core._keyring_backend = previous
