"""Local faults: an unwritable state dir, aepx directories' modes, the plaintext store pinned by login."""

from __future__ import annotations

import logging
import os
import stat
import tomllib

import pytest
from click.testing import CliRunner

from tui.cli import _register, cli
from tui.core import drafts
from tui.core.config import write_profile
from tui.core.logging import try_install_logging
from tui.core.paths import ensure_private_dir
from tui.core.profile import Profile


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_created_directory_is_private(tmp_path, umask_022):
    target = tmp_path / "share" / "aepx" / "drafts"
    ensure_private_dir(target)
    assert mode(tmp_path / "share") == 0o700  # XDG: created 0700
    assert mode(tmp_path / "share" / "aepx") == 0o700
    assert mode(target) == 0o700


def test_an_existing_loose_aepx_directory_is_tightened(tmp_path, umask_022):
    (tmp_path / "aepx").mkdir(mode=0o755)
    os.chmod(tmp_path / "aepx", 0o755)
    os.chmod(tmp_path, 0o755)
    ensure_private_dir(tmp_path / "aepx" / "drafts")
    assert mode(tmp_path / "aepx") == 0o700 and mode(tmp_path / "aepx" / "drafts") == 0o700
    assert mode(tmp_path) == 0o755  # not ours: left alone


def test_the_data_dir_of_a_draft_is_private(isolated_env, umask_022):
    drafts.save_draft("{}")
    data = isolated_env / "data" / "aepx"
    assert mode(data) == 0o700 and mode(data / "drafts") == 0o700


def test_the_log_dir_is_private(isolated_env, umask_022):
    path, warning = try_install_logging()
    try:
        assert warning == "" and path is not None
        assert mode(path.parent) == 0o700 and mode(path) == 0o600
    finally:
        _drop_handlers()


def _drop_handlers() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_aepx_handler", False) or isinstance(handler, logging.NullHandler):
            root.removeHandler(handler)
            handler.close()


@pytest.fixture
def unwritable_state(isolated_env, monkeypatch):
    blocker = isolated_env / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    yield blocker
    _drop_handlers()


def test_unwritable_state_dir_gives_one_warning_not_a_traceback(unwritable_state):
    path, warning = try_install_logging()
    assert path is None
    assert "cannot be written" in warning and "continues without a log" in warning


def test_console_start_with_an_unwritable_state_dir(unwritable_state, monkeypatch):
    import tui.console.run as run

    monkeypatch.setattr(run, "run_demo", lambda **kwargs: 0)
    _register()
    result = CliRunner().invoke(cli, [], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("warning: the log file") == 1
    assert "Traceback" not in result.stderr


def test_cli_unexpected_error_with_an_unwritable_state_dir(unwritable_state, monkeypatch):
    import tui.core.config as config

    def boom(*args, **kwargs):
        raise RuntimeError("a defect")

    monkeypatch.setattr(config, "load_config", boom)
    _register()
    result = CliRunner().invoke(cli, ["jobs", "list"], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unexpected error (RuntimeError: a defect)" in lines[0], result.stderr
    assert "could not be written" in lines[0] and "Traceback" not in result.stderr


def test_login_plaintext_file_pins_the_file_store(isolated_env, tmp_path):
    config = tmp_path / "aepx.toml"
    write_profile(config, Profile(name="p", org_id="O@AdobeOrg", client_id="cid", sandbox="prod"),
                  make_default=True)
    _register()
    result = CliRunner().invoke(cli, ["--config", str(config), "login", "--plaintext-file", "--secret-stdin"],
                                input="s3cret-value\n", catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = tomllib.loads(config.read_text())
    assert data["credentials"]["store"] == "file"
    assert 'Pinned [credentials] store = "file"' in result.stderr
    assert "s3cret-value" not in config.read_text()
    again = CliRunner().invoke(cli, ["--config", str(config), "login", "--plaintext-file", "--secret-stdin"],
                               input="s3cret-value\n", catch_exceptions=False)
    assert again.exit_code == 0 and "Pinned" not in again.stderr  # already pinned: said once
