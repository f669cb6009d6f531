"""Config files: a BOM is accepted; secrets pasted into the wrong line are refused and never echoed;
control characters in values and quoted keys never reach a terminal."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.hostile.records import forbidden_in
from tui.cli import _register, cli
from tui.core.config import load_config
from tui.core.errors import ConfigError

PROFILE = '[profiles.p]\norg_id = "O@AdobeOrg"\nclient_id = "cid"\n'
SECRET = "p8e-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg"


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf" + ('default_profile = "p"\n' + PROFILE).encode())
    assert load_config(path).default_profile == "p"


@pytest.mark.parametrize("value", [SECRET, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig", "A" * 10 + "9" * 20])
def test_a_keymap_value_that_looks_like_a_secret_is_refused_unechoed(tmp_path, value):
    path = tmp_path / "c.toml"
    path.write_text(f'[keymap]\nrefresh = "{value}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "looks like a secret" in str(caught.value) and value not in str(caught.value)


def test_ordinary_keymap_values_are_fine(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[keymap]\nrefresh = "r,f5"\nquit = "ctrl+q"\nhelp = "question_mark"\n')
    assert load_config(path).keymap["help"] == "question_mark"


def test_a_keymap_value_that_is_not_key_names_is_refused(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[keymap]\nrefresh = "r; rm -rf"\n')
    with pytest.raises(ConfigError, match="key names separated by commas"):
        load_config(path)


def test_a_secret_pasted_into_platform_url_is_not_echoed(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(PROFILE + f'platform_url = "{SECRET}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "platform_url" in str(caught.value) and SECRET not in str(caught.value)


@pytest.mark.parametrize("url", ["https://platform.adobe\\n.io", "https://plat\\u001bform.adobe.io",
                                 "https://platform.adobe.io/\\u202e", "https://a b"])
def test_a_control_character_in_platform_url_is_one_sentence(tmp_path, url):
    path = tmp_path / "c.toml"
    path.write_text(PROFILE + f'platform_url = "{url}"\n')
    with pytest.raises(ConfigError, match="control"):
        load_config(path)


def test_a_quoted_key_with_esc_is_shown_inert(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[profiles."p\\u001b]52;c;SGVsbG8=\\u0007\\u001b[2J"]\norg_id = "O"\nclient_id = "c"\n')
    _register()
    result = CliRunner().invoke(cli, ["--config", str(path), "jobs", "list"], catch_exceptions=False)
    assert result.exit_code == 3
    assert "invalid name" in result.stderr and not forbidden_in(result.stderr)
    assert "␛]52;c;" in result.stderr


def test_an_unknown_quoted_key_with_esc_is_shown_inert(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('"\\u001b[2Jboom\\u009b" = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert not forbidden_in(str(caught.value)) and "␛[2Jboom" in str(caught.value)


def test_a_control_character_in_org_or_sandbox_is_refused(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[profiles.p]\norg_id = "O\\u001b[2J"\nclient_id = "cid"\n')
    with pytest.raises(ConfigError, match="control or bidi") as caught:
        load_config(path)
    assert not forbidden_in(str(caught.value))
