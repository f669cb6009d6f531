"""Fixtures: one hostile server per module (routes reset for each test) and a profile pointing at it."""

from __future__ import annotations

import os

import pytest

from tests.hostile.server import HostileServer
from tui.core.profile import Profile
from tui.core.secret import Secret

SECRET = "Hostile-S3cret-Value-7e2a9c41"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_env_proxies(monkeypatch):
    for name in list(os.environ):
        if name.upper() in PROXY_VARS:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def hostile_server():
    with HostileServer() as srv:
        yield srv


@pytest.fixture
def hostile(hostile_server):
    hostile_server.reset()
    yield hostile_server
    hostile_server.reset()


@pytest.fixture
def profile(hostile) -> Profile:
    return Profile(name="hostile", org_id="HOSTILE@AdobeOrg", client_id="hostile-client",
                   platform_url=hostile.base_url, ims_url=hostile.base_url)


@pytest.fixture
def secret() -> Secret:
    return Secret(SECRET)


def write_config(path, profile: Profile) -> None:
    from tui.core.config import write_profile

    write_profile(path, profile, make_default=True)


@pytest.fixture
def config_file(tmp_path, profile):
    """A config whose default profile points at the hostile server with a 2 s request_timeout."""
    from dataclasses import replace

    path = tmp_path / "aepx.toml"
    write_config(path, replace(profile, request_timeout=2.0))
    return path


def run_cli(config_file, *args: str, secret: str = SECRET, stdin: str | None = None):
    """``aepx --config FILE ARGS`` in-process (CliRunner); the result has stdout, stderr, exit_code."""
    from click.testing import CliRunner

    from tui.cli import _register, cli

    _register()
    return CliRunner().invoke(cli, ["--config", str(config_file), *args], env={"AEPX_CLIENT_SECRET": secret},
                              input=stdin, catch_exceptions=False)
