from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs
import pytest
import tomli_w

from tui.core import paths
from tui.core.config import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_REFRESH,
    Config,
    ConsoleSettings,
    config_path,
    load_config,
    save_config,
    write_profile,
)
from tui.core.errors import ConfigError
from tui.core.profile import DEFAULT_SCOPES, Profile

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write(path: Path, text: str, file_mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, file_mode)
    return path


def full_config(path: Path) -> Config:
    return Config(
        path=path,
        default_profile="prod",
        profiles={
            "prod": Profile("prod", "ORG@AdobeOrg", "client-1", sandbox="prod"),
            "emu": Profile("emu", "EMU@AdobeOrg", "emu-client", sandbox="dev", platform_url="http://127.0.0.1:8085",
                           ims_url="http://127.0.0.1:8085", scopes=("openid", "AdobeID"), is_emulator=True),
        },
        console=ConsoleSettings(page_size=50, refresh_seconds=2.5, bell=True, theme="nord", stuck_factor=4.0),
        keymap={"refresh": "r,f5", "new_job": "n"},
        credentials_store="file",
    )


# --- location ------------------------------------------------------------------------------------
def test_config_path_precedence(tmp_path, monkeypatch):
    assert config_path() == platformdirs.user_config_path("aepx") / "config.toml"
    assert str(config_path()).startswith(os.environ["XDG_CONFIG_HOME"])
    monkeypatch.setenv("AEPX_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(tmp_path / "explicit.toml") == tmp_path / "explicit.toml"
    assert config_path(str(tmp_path / "s.toml")) == tmp_path / "s.toml"


def test_defaults():
    assert DEFAULT_PAGE_SIZE == 100 and DEFAULT_REFRESH == 5.0
    settings = ConsoleSettings()
    assert (settings.page_size, settings.refresh_seconds, settings.bell, settings.theme,
            settings.stuck_factor) == (100, 5.0, False, "textual-dark", 3.0)


# --- loading -------------------------------------------------------------------------------------
def test_missing_file_gives_empty_config(tmp_path):
    config = load_config(tmp_path / "nope.toml")
    assert not config.exists and config.profiles == {} and config.default_profile is None
    with pytest.raises(ConfigError, match="aepx config init"):
        config.profile()


def test_example_file_loads_and_documents_every_key():
    config = load_config(EXAMPLE)
    assert config.exists
    assert set(config.profiles) == {"prod", "dev", "emulator"}
    assert config.profiles["emulator"].is_emulator
    assert config.profiles["dev"].scopes == DEFAULT_SCOPES  # comma-separated form
    assert config.credentials_store == "keyring"
    text = EXAMPLE.read_text()
    keys = ["default_profile", "page_size", "refresh_seconds", "bell", "theme", "stuck_factor", "timezone", "store",
            "platform_url", "ims_url", "org_id", "client_id", "sandbox", "scopes", "emulator", "[keymap]",
            "[watch]", "max_queue_minutes", "api_down_minutes", "max_runtime_minutes", "webhooks",
            "webhook_retry_minutes", "metrics_listen", "metrics_textfile", "lookback_minutes", "concurrency",
            "sandboxes", "[overview]", "max_parallel", "[safety]", "confirm_production"]
    for key in keys:
        assert key in text


def test_minimal_profile_gets_defaults(tmp_path):
    path = write(tmp_path / "c.toml", '[profiles.p]\norg_id = "O@AdobeOrg"\nclient_id = "c"\n')
    profile = load_config(path).profile()  # only one profile: used without a default
    assert profile == Profile("p", "O@AdobeOrg", "c")


def test_profile_lookup_errors_name_file_and_profiles(tmp_path):
    path = write(tmp_path / "c.toml", '[profiles.a]\norg_id = "o"\nclient_id = "c"\n'
                                      '[profiles.b]\norg_id = "o"\nclient_id = "c"\n')
    config = load_config(path)
    with pytest.raises(ConfigError) as missing:
        config.profile("zzz")
    assert str(path) in str(missing.value) and "a, b" in str(missing.value)
    with pytest.raises(ConfigError, match="--profile"):
        config.profile()
    assert config.profile("b").name == "b"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('colour = "red"\n', "colour", "not a known key"),
        ('[console]\npage_sise = 10\n', "console.page_sise", "not a known key"),
        ('[console]\npage_size = "10"\n', "console.page_size", "must be an integer, not a string"),
        ('[console]\npage_size = 0\n', "console.page_size", "between 1 and 1000"),
        ('[console]\nbell = "yes"\n', "console.bell", "true or false"),
        ('[console]\nrefresh_seconds = true\n', "console.refresh_seconds", "must be a number"),
        ('console = 3\n', "console", "must be a table"),
        ('[credentials]\nstore = "vault"\n', "credentials.store", "keyring, file, prompt"),
        ('[keymap]\nrefresh = 5\n', "keymap.refresh", "must be a string"),
        ('[profiles.p]\norg_id = "o"\n', "profiles.p.client_id", "is required"),
        ('[profiles.p]\norg_id = "o"\nclient_id = "c"\nregion = "eu"\n', "profiles.p.region", "not a known key"),
        ('[profiles.p]\norg_id = "o"\nclient_id = "c"\nscopes = 3\n', "profiles.p.scopes", "list of strings"),
        ('[profiles.p]\norg_id = "o"\nclient_id = "c"\nscopes = ["a", 1]\n', "profiles.p.scopes[1]",
         "must be a string"),
        ('[profiles.p]\norg_id = "o"\nclient_id = "c"\nplatform_url = "platform.adobe.io"\n',
         "profiles.p.platform_url", "http(s) URL"),
        ('default_profile = "x"\n[profiles.p]\norg_id = "o"\nclient_id = "c"\n', "default_profile",
         "no [profiles.x] table"),
        ('[watch]\nmax_queue_minutes = -1\n', "watch.max_queue_minutes", "between 0 and"),
        ('[watch]\nstuck_factor = 0.5\n', "watch.stuck_factor", "0 (off) or at least 1"),
        ('[watch]\nfailed = "yes"\n', "watch.failed", "true or false"),
        ('[watch]\nwebhooks = ["ftp://x"]\n', "watch.webhooks[0]", "http(s) URL, or env:NAME"),
        ('[watch]\nmetrics_listen = "9464"\n', "watch.metrics_listen", "HOST:PORT"),
        ('[watch]\nalert_on = 3\n', "watch.alert_on", "not a known key"),
        ('[console]\ntimezone = "Europe/Paris"\n', "console.timezone", 'must be "utc" or "local"'),
    ],
)
def test_broken_files_name_file_key_and_reason(tmp_path, text, key, reason):
    path = write(tmp_path / "broken.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and key in message and reason in message


def test_toml_syntax_error_has_line_and_column(tmp_path):
    path = write(tmp_path / "bad.toml", '[console]\npage_size = 10\nbell = tru\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert "line 3, column 8" in str(caught.value)
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("key", ["client_secret", "access_token", "token", "password", "secret"])
def test_secret_key_anywhere_is_refused(tmp_path, key):
    path = write(tmp_path / "c.toml", f'[profiles.p]\norg_id = "o"\nclient_id = "c"\n{key} = "hunter22"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert f"profiles.p.{key}" in message and "aepx login" in message and "remove" in message
    assert "hunter22" not in message


def test_loose_permissions_warn_with_fix(tmp_path):
    path = write(tmp_path / "c.toml", 'default_profile = "p"\n[profiles.p]\norg_id = "o"\nclient_id = "c"\n',
                 0o644)
    config = load_config(path)
    assert len(config.warnings) == 1
    assert f"chmod 600 {path}" in config.warnings[0]
    os.chmod(path, 0o600)
    assert load_config(path).warnings == []


def test_unreadable_and_non_utf8(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
    path = tmp_path / "latin.toml"
    path.write_bytes(b'default_profile = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


# --- saving --------------------------------------------------------------------------------------
def test_round_trip_preserves_everything(tmp_path):
    original = full_config(tmp_path / "aepx" / "config.toml")
    save_config(original)
    loaded = load_config(original.path)
    assert loaded.exists and loaded.warnings == []
    for name in ("default_profile", "profiles", "console", "keymap", "credentials_store"):
        assert getattr(loaded, name) == getattr(original, name)
    save_config(loaded)  # and again: stable
    assert load_config(original.path).profiles == original.profiles


def test_written_file_is_0600_in_a_0700_dir(tmp_path):
    path = tmp_path / "new" / "aepx" / "config.toml"
    save_config(full_config(path))
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_existing_loose_file_becomes_0600_and_aepx_dir_is_tightened(tmp_path):
    directory = tmp_path / "aepx"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    path = write(directory / "config.toml", "", 0o644)
    save_config(full_config(path))
    assert mode(path) == 0o600
    assert mode(directory) == 0o700


def test_defaults_are_omitted_and_none_dropped(tmp_path):
    path = tmp_path / "c.toml"
    save_config(Config(path=path, profiles={"p": Profile("p", "o", "c")}))
    text = path.read_text()
    assert "[console]" not in text and "[credentials]" not in text and "default_profile" not in text
    assert load_config(path).profile().name == "p"


def test_atomic_write_keeps_old_file_when_serialization_fails(tmp_path):
    path = tmp_path / "cfg" / "c.toml"
    save_config(full_config(path))
    before = path.read_bytes()
    broken = full_config(path)
    broken.keymap["refresh"] = object()  # not TOML serializable
    with pytest.raises(TypeError):
        save_config(broken)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["c.toml"]


def test_atomic_write_keeps_old_file_when_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "c.toml"
    save_config(full_config(path))
    before = path.read_bytes()

    def fail_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.os, "replace", fail_replace)
    with pytest.raises(OSError):
        save_config(Config(path=path))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["c.toml"]  # no temp file left behind


def test_writer_refuses_secret_keys(tmp_path):
    config = full_config(tmp_path / "c.toml")
    config.keymap["client_secret"] = "x"
    with pytest.raises(ValueError, match="secrets never go into the config"):
        save_config(config)
    assert not config.path.exists()


def test_symlinked_config_is_written_through(tmp_path):
    target = tmp_path / "dotfiles" / "aepx.toml"
    target.parent.mkdir()
    save_config(Config(path=target, profiles={"p": Profile("p", "o", "c")}))
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    write_profile(link, Profile("q", "o2", "c2"), make_default=True)
    assert link.is_symlink()
    assert set(load_config(target).profiles) == {"p", "q"}


def test_write_profile_adds_and_sets_default(tmp_path):
    path = tmp_path / "aepx" / "config.toml"
    write_profile(path, Profile("a", "o", "c"), make_default=False)
    assert load_config(path).default_profile == "a"  # first profile becomes the default
    write_profile(path, Profile("b", "o", "c"), make_default=False)
    assert load_config(path).default_profile == "a"
    write_profile(path, Profile("b", "o", "c", sandbox="dev"), make_default=True)
    config = load_config(path)
    assert config.default_profile == "b" and config.profile().sandbox == "dev"
    assert set(config.profiles) == {"a", "b"}


def test_write_profile_keeps_unrelated_settings(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(tomli_w.dumps({"console": {"bell": True}, "keymap": {"quit": "q"}}))
    os.chmod(path, 0o600)
    write_profile(path, Profile("a", "o", "c"), make_default=True)
    config = load_config(path)
    assert config.console.bell and config.keymap == {"quit": "q"}


# --- [launch] ------------------------------------------------------------------------------------
def test_launch_max_event_age_days(tmp_path):
    assert load_config(EXAMPLE).launch.max_event_age_days == 90
    assert "max_event_age_days" in EXAMPLE.read_text()
    path = write(tmp_path / "c.toml", '[launch]\nmax_event_age_days = 30\n')
    assert load_config(path).launch.max_event_age_days == 30
    assert load_config(write(tmp_path / "d.toml", "")).launch.max_event_age_days == 90
    for bad, words in (("0", "launch.max_event_age_days"), ('"90"', "launch.max_event_age_days"),
                       ("90\nother = 1", "other")):
        with pytest.raises(ConfigError, match=words):
            load_config(write(tmp_path / "e.toml", f"[launch]\nmax_event_age_days = {bad}\n"))


def test_launch_settings_round_trip(tmp_path):
    from tui.core.config import LaunchSettings, config_to_dict

    config = full_config(tmp_path / "c.toml")
    assert "launch" not in config_to_dict(config)  # the default is not written
    config.launch = LaunchSettings(max_event_age_days=7)
    assert config_to_dict(config)["launch"] == {"max_event_age_days": 7}
def test_watch_settings_load_and_survive_a_rewrite(tmp_path):
    path = write(tmp_path / "c.toml", '[watch]\nmax_queue_minutes = 5\nwebhooks = ["env:HOOK"]\n'
                                       'metrics_listen = "127.0.0.1:9464"\nsucceeded = true\n')
    config = load_config(path)
    assert config.watch.max_queue_minutes == 5 and config.watch.webhooks == ("env:HOOK",)
    assert config.watch.succeeded and config.watch.api_down_minutes == 10
    write_profile(path, Profile(name="p", org_id="o", client_id="c"), make_default=True)
    again = load_config(path)
    assert again.watch == config.watch  # `aepx config init` keeps [watch]


def test_a_literal_webhook_url_in_the_config_is_warned_about(tmp_path):
    path = write(tmp_path / "c.toml", '[watch]\nwebhooks = ["env:HOOK", "https://hooks.example.com/services/T/B/x"]\n')
    config = load_config(path)
    assert config.watch.webhooks[1].startswith("https://")
    assert any("watch.webhooks[1] is a literal URL" in w and "env:NAME" in w for w in config.warnings)
    quiet = load_config(write(tmp_path / "d.toml", '[watch]\nwebhooks = ["env:HOOK"]\n'))
    assert not any("literal URL" in w for w in quiet.warnings)


def test_console_timezone_local_or_utc(tmp_path):
    assert load_config(write(tmp_path / "a.toml", '[console]\ntimezone = "local"\n')).console.timezone == "local"
    assert load_config(write(tmp_path / "b.toml", '[console]\ntimezone = "UTC"\n')).console.timezone == "utc"
    assert load_config(write(tmp_path / "c.toml", "")).console.timezone == "utc"
def test_sandboxes_overview_and_safety(tmp_path):
    path = write(tmp_path / "c.toml", '[overview]\nmax_parallel = 2\n[safety]\nconfirm_production = "yes"\n'
                 '[profiles.p]\norg_id = "O@AdobeOrg"\nclient_id = "c"\nsandboxes = ["Prod", "dev1", "prod"]\n')
    config = load_config(path)
    assert config.overview.max_parallel == 2 and config.safety.confirm_production == "yes"
    assert config.profile().overview_sandboxes == ("prod", "dev1")
    assert Profile("q", "O", "c", sandbox="x").overview_sandboxes == ("x",)
    save_config(config)
    again = load_config(path)
    assert again.profile().sandboxes == ("prod", "dev1") and again.safety.confirm_production == "yes"


@pytest.mark.parametrize("text", ['[safety]\nconfirm_production = "maybe"\n', '[overview]\nmax_parallel = 0\n',
                                  '[profiles.p]\norg_id = "O"\nclient_id = "c"\nsandboxes = []\n'])
def test_bad_overview_safety_or_sandboxes_is_one_sentence(tmp_path, text):
    with pytest.raises(ConfigError):
        load_config(write(tmp_path / "c.toml", text))
