"""Global options (-p/--profile, --config, -v) are accepted anywhere on the line, with the same meaning."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import _register, cli
from tui.cli.base import hoist_global_options
from tui.core.config import write_profile
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


@pytest.mark.parametrize(("argv", "expected"), [
    (["jobs", "list", "-p", "prod"], ["-p", "prod", "jobs", "list"]),
    (["jobs", "list", "--profile=prod", "--limit", "5"], ["--profile=prod", "jobs", "list", "--limit", "5"]),
    (["-p", "a", "jobs", "show", "1", "-pb"], ["-p", "a", "-pb", "jobs", "show", "1"]),
    (["login", "--config", "x.toml", "-vv"], ["--config", "x.toml", "-vv", "login"]),
    (["jobs", "cancel", "--", "-p"], ["jobs", "cancel", "--", "-p"]),
    (["--demo"], ["--demo"]),
    ([], []),
])
def test_hoisting(argv, expected):
    assert hoist_global_options(argv) == expected


@pytest.fixture
def two_profiles(tmp_path) -> tuple[Path, EmulatorSettings]:
    settings = EmulatorSettings(port=0, jobs=3)
    with EmulatorServer(settings) as server:
        path = tmp_path / "aepx.toml"
        # The default profile points nowhere usable; "emu" is the emulator.
        write_profile(path, Profile(name="broken", org_id="X@AdobeOrg", client_id="nobody", sandbox="prod",
                                    platform_url="http://127.0.0.1:9", ims_url="http://127.0.0.1:9"),
                      make_default=True)
        write_profile(path, Profile(name="emu", org_id=settings.org, client_id=settings.client_id,
                                    sandbox=settings.sandbox, platform_url=server.base_url,
                                    ims_url=server.base_url), make_default=False)
        yield path, settings


def run(*args: str, env: dict | None = None, stdin: str | None = None):
    _register()
    return CliRunner().invoke(cli, list(args), env=env or {}, input=stdin, catch_exceptions=False)


def test_profile_and_config_after_the_subcommand(two_profiles):
    path, settings = two_profiles
    env = {"AEPX_CLIENT_SECRET": settings.client_secret}
    before = run("--config", str(path), "-p", "emu", "jobs", "list", env=env)
    after = run("jobs", "list", "-p", "emu", "--config", str(path), env=env)
    assert before.exit_code == 0, before.stderr
    assert after.exit_code == 0, after.stderr
    assert after.stdout == before.stdout and "3 job(s)" in after.stderr


def test_login_with_the_profile_after_the_command(two_profiles):
    path, _ = two_profiles
    result = run("login", "--profile", "emu", "--config", str(path), "--secret-stdin", stdin="s3cret\n")
    assert result.exit_code == 0, result.stderr
    assert "profile 'emu'" in result.stderr


def test_verbose_is_counted_anywhere(two_profiles, monkeypatch):
    path, _ = two_profiles
    seen = []
    import tui.cli.base as base

    original = base.Context.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self.verbose)

    monkeypatch.setattr(base.Context, "__init__", spy)
    result = run("config", "path", "-v", "--config", str(path), "-vv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(path)
    assert seen == [3]


def test_a_command_with_its_own_profile_option_keeps_it():
    own = frozenset({"-p", "--profile"})
    assert hoist_global_options(["watch", "-p", "a", "-v"], own) == ["-v", "watch", "-p", "a"]
    from tui.cli.base import cli as group

    ctx = group.make_context("aepx", ["--help"], resilient_parsing=True)
    assert "-p" in group._own_options(ctx, ["--config", "x.toml", "watch", "-p", "a"])
    listing = group.get_command(ctx, "jobs").get_command(ctx, "list")
    expected = frozenset(opt for p in listing.params for opt in p.opts + p.secondary_opts)
    assert group._own_options(ctx, ["--config", "x.toml", "jobs", "list", "-p", "a"]) == expected
    assert "-p" not in expected
