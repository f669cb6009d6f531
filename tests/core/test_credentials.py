from __future__ import annotations

import json
import os
import stat
import threading
import time

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import InitError

from tests.keyrings import HangingKeyring, LockedKeyring, MemoryKeyring
from tui.core import credentials
from tui.core.credentials import (
    SERVICE,
    KeyringStatus,
    KeyringTokenStore,
    SecretResolution,
    SecretSource,
    call_with_timeout,
    delete_secret,
    doctor_report,
    keyring_status,
    plaintext_store_path,
    prompt_resolution,
    resolve_secret,
    store_secret,
    token_store_for,
    why_no_keyring,
)
from tui.core.errors import CredentialsError
from tui.core.profile import Profile
from tui.core.secret import Secret

PROFILE = Profile("prod", "ORG@AdobeOrg", "client-123")
SECRET = "p8e-S3CRET-value-0123456789"


class InitErrorKeyring(KeyringBackend):
    """Secret Service with the bus up but no prompter (observed over SSH)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise InitError("Failed to create the collection: Prompt dismissed..")

    set_password = delete_password = get_password


@pytest.fixture
def hanging():
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    yield backend
    backend.release.set()
    assert credentials.wait_for_stuck_call(5)


@pytest.fixture
def no_dbus(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)


def assert_no_plaintext_written():
    assert not plaintext_store_path().exists()


# --- resolution order -----------------------------------------------------------------------------
def test_environment_wins(monkeypatch, memory_keyring):
    memory_keyring.store[(SERVICE, PROFILE.client_id)] = "from-keyring"
    monkeypatch.setenv("AEPX_CLIENT_SECRET", SECRET)
    result = resolve_secret(PROFILE)
    assert result.source == SecretSource.ENVIRONMENT == "environment"
    assert result.secret == Secret(SECRET)
    assert SECRET not in repr(result) and SECRET not in result.explain()


def test_keyring_secret_found(memory_keyring):
    memory_keyring.store[(SERVICE, PROFILE.client_id)] = SECRET
    result = resolve_secret(PROFILE)
    assert result.source == "keyring" and result.secret.reveal() == SECRET
    assert "MemoryKeyring" in result.backend
    assert "OS keyring" in result.explain()


def test_keyring_without_entry_explains(memory_keyring):
    result = resolve_secret(PROFILE)
    assert result.secret is None and result.source == "none"
    assert any("has no secret for client id client-123" in p for p in result.problems)
    assert any("aepx login" in r for r in result.remedies)
    assert_no_plaintext_written()


def test_fail_backend_explains_why_and_remedies(no_dbus):
    keyring.set_keyring(fail.Keyring())
    result = resolve_secret(PROFILE)
    assert result.secret is None and result.source == "none"
    text = result.explain()
    assert ("No Secret Service: Environment variable DBUS_SESSION_BUS_ADDRESS is unset "
            "(typical for SSH logins)") in text
    assert "read -rs AEPX_CLIENT_SECRET; export AEPX_CLIENT_SECRET" in text
    assert "dbus-run-session -- sh" in text
    assert "echo -n PW | gnome-keyring-daemon --unlock --components=secrets" in text
    assert "aepx login --plaintext-file" in text and "PLAINTEXT" in text
    assert "memory for this run only" in text
    assert_no_plaintext_written()
    error = result.error()
    assert error.exit_code == 3 and "AEPX_CLIENT_SECRET" in str(error) and "aepx login" in str(error)


def test_null_backend_counts_as_no_keyring(memory_keyring):
    keyring.set_keyring(null.Keyring())
    status = keyring_status()
    assert not status.usable and "discards secrets" in status.reason
    result = resolve_secret(PROFILE)
    assert result.source == "none" and any("null backend" in p for p in result.problems)


def test_locked_keyring_is_reported_not_bypassed():
    keyring.set_keyring(LockedKeyring())
    status = keyring_status()
    assert not status.usable and status.error == "KeyringLocked" and "locked" in status.reason
    result = resolve_secret(PROFILE)
    assert result.source == "none"
    assert any("Failed to unlock the collection" in p for p in result.problems)
    assert any("Unlock the keyring" in r for r in result.remedies)


def test_init_error_keyring():
    keyring.set_keyring(InitErrorKeyring())
    status = keyring_status()
    assert not status.usable and status.error == "InitError"
    result = resolve_secret(PROFILE)
    assert result.source == "none" and any("Prompt dismissed" in p for p in result.problems)


def test_hanging_keyring_returns_and_leaks_at_most_one_thread(hanging):
    result = resolve_secret(PROFILE, timeout=0.2)
    assert result.source == "none"
    assert any("did not answer within 0.2s" in p for p in result.problems)
    assert any("Unlock the keyring" in r for r in result.remedies)
    assert credentials.keyring_timed_out()
    again = resolve_secret(PROFILE, timeout=0.2)  # fails fast: no second stuck thread
    assert again.source == "none" and any("still waiting" in p for p in again.problems)
    stuck = [t for t in threading.enumerate() if t.name == "aepx-keyring-call" and t.is_alive()]
    assert len(stuck) == 1
    assert not any("plaintext" in p.lower() for p in result.problems)
    assert_no_plaintext_written()


def test_stuck_call_clears_after_release(hanging):
    assert not keyring_status(timeout=0.1).usable
    hanging.release.set()
    assert credentials.wait_for_stuck_call(5)
    keyring.set_keyring(MemoryKeyring())
    assert keyring_status().usable


def test_call_with_timeout_reraises_errors_and_returns_values():
    assert call_with_timeout(lambda a, b: a + b, 2, 3) == 5
    with pytest.raises(ZeroDivisionError):
        call_with_timeout(lambda: 1 / 0)


def test_mistyped_backend_module(monkeypatch):
    def broken():
        raise ModuleNotFoundError("No module named 'keyring.backends.Typo'")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    status = keyring_status()
    assert not status.usable and "could not be loaded" in status.reason and "Typo" in status.reason


# --- recommended-backend rule ---------------------------------------------------------------------
def _duck(name: str, priority: float) -> object:
    return type(name, (), {"priority": priority})()


@pytest.mark.parametrize(
    ("backend", "recommended"),
    [
        (_duck("SecretServiceLike", 5), True),
        (_duck("PlaintextKeyring", 5), False),
        (_duck("EncryptedKeyring", 5), False),
        (_duck("LowPriority", 0.5), False),
        (fail.Keyring(), False),
        (null.Keyring(), False),
    ],
)
def test_recommended_rule(backend, recommended):
    assert (credentials.backends._rejection(backend) is None) is recommended


def test_chainer_is_judged_by_its_members(monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring(), MemoryKeyring()])
    assert credentials.backends._rejection(chainer.ChainerBackend()) is None
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring(), _duck("PlaintextKeyring", 0.5)])
    assert "non-recommended" in credentials.backends._rejection(chainer.ChainerBackend())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert credentials.backends._rejection(chainer.ChainerBackend()) is not None


def test_why_no_keyring_names_each_candidate(no_dbus):
    reasons = dict(why_no_keyring())
    assert "keyring.backends.SecretService.Keyring" in reasons
    assert "DBUS_SESSION_BUS_ADDRESS is unset" in reasons["keyring.backends.SecretService.Keyring"]


# --- storing ----------------------------------------------------------------------------------------
def test_store_in_keyring(memory_keyring):
    where = store_secret(PROFILE, Secret(SECRET))
    assert "OS keyring" in where and SECRET not in where
    assert memory_keyring.store[(SERVICE, "client-123")] == SECRET
    assert resolve_secret(PROFILE).source == "keyring"
    assert_no_plaintext_written()


def test_store_without_keyring_refuses_unless_plaintext_chosen(no_dbus):
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(CredentialsError) as caught:
        store_secret(PROFILE, Secret(SECRET))
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert "--plaintext-file" in message and "AEPX_CLIENT_SECRET" in message and SECRET not in message
    assert_no_plaintext_written()


def test_plaintext_store_is_opt_in_labelled_and_private(no_dbus):
    keyring.set_keyring(fail.Keyring())
    where = store_secret(PROFILE, Secret(SECRET), plaintext_file=True)
    path = plaintext_store_path()
    assert "PLAINTEXT" in where and str(path) in where
    assert path.parent.name == "aepx" and path.name == "credentials.toml"
    assert str(path).startswith(os.environ["XDG_DATA_HOME"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("# aepx PLAINTEXT credentials")
    result = resolve_secret(PROFILE)
    assert result.source == "file" and result.is_plaintext and result.secret.reveal() == SECRET
    assert "plaintext" in result.explain().lower()
    pinned = resolve_secret(PROFILE, store="file")
    assert pinned.source == "file"


def test_pinned_file_store_without_entry(memory_keyring):
    memory_keyring.store[(SERVICE, PROFILE.client_id)] = SECRET
    result = resolve_secret(PROFILE, store="file")  # pinned: the keyring is not consulted
    assert result.source == "none"
    assert any('store = "file"' in p for p in result.problems)


def test_pinned_keyring_does_not_read_the_file(memory_keyring):
    store_secret(PROFILE, Secret(SECRET), plaintext_file=True)
    assert resolve_secret(PROFILE, store="keyring").source == "none"
    assert resolve_secret(PROFILE).source == "file"


def test_pinned_prompt_store():
    result = resolve_secret(PROFILE, store="prompt")
    assert result.source == "none" and any("memory for this run" in r for r in result.remedies)
    prompted = prompt_resolution(Secret(SECRET), PROFILE)
    assert prompted.source == "prompt" and prompted.secret.reveal() == SECRET


def test_loose_plaintext_file_is_refused(memory_keyring):
    store_secret(PROFILE, Secret(SECRET), plaintext_file=True)
    os.chmod(plaintext_store_path(), 0o644)
    result = resolve_secret(PROFILE)
    assert result.source == "none"
    assert any("chmod 600" in p for p in result.problems)


def test_delete_secret_everywhere(memory_keyring):
    store_secret(PROFILE, Secret(SECRET))
    store_secret(PROFILE, Secret(SECRET), plaintext_file=True)
    KeyringTokenStore().save(PROFILE.client_id, "tok-abcdef", time.time() + 3600)
    removed = delete_secret(PROFILE)
    assert len(removed) == 3
    assert memory_keyring.store == {}
    assert_no_plaintext_written()  # the last entry removed the file
    assert delete_secret(PROFILE) == []


def test_empty_secret_or_client_id_refused():
    with pytest.raises(CredentialsError, match="empty"):
        store_secret(PROFILE, Secret(""))
    with pytest.raises(CredentialsError, match="client_id"):
        store_secret(Profile("x", "o", ""), Secret(SECRET))


# --- token store ------------------------------------------------------------------------------------
def test_token_store_round_trip(memory_keyring):
    store = token_store_for(keyring_status())
    assert isinstance(store, KeyringTokenStore)
    expires = time.time() + 3600
    store.save("client-123", "eyJtoken", expires)
    raw = memory_keyring.store[(SERVICE, "client-123:access_token")]
    assert json.loads(raw) == {"access_token": "eyJtoken", "expires_at": expires}
    assert store.load("client-123") == ("eyJtoken", expires)
    assert store.load("other") is None


def test_token_store_ignores_expired_and_garbage(memory_keyring):
    store = KeyringTokenStore()
    store.save("c", "tok", time.time() - 10)
    assert store.load("c") is None
    memory_keyring.store[(SERVICE, "c:access_token")] = "not json"
    assert store.load("c") is None
    memory_keyring.store[(SERVICE, "c:access_token")] = json.dumps({"access_token": 5, "expires_at": "x"})
    assert store.load("c") is None


def test_token_store_failures_are_silent():
    keyring.set_keyring(LockedKeyring())
    store = KeyringTokenStore()
    store.save("c", "tok", time.time() + 100)
    assert store.load("c") is None


def test_token_store_with_hanging_keyring_is_bounded(hanging):
    store = KeyringTokenStore(timeout=0.1)
    assert store.load("c") is None
    store.save("c", "tok", time.time() + 100)  # disabled after the first failure: returns at once
    assert store.load("c") is None


def test_no_token_store_without_keyring():
    assert token_store_for(KeyringStatus(False, "keyring.backends.fail.Keyring", "none")) is None


# --- doctor -----------------------------------------------------------------------------------------
def test_doctor_report_never_contains_the_secret(monkeypatch, memory_keyring):
    memory_keyring.store[(SERVICE, PROFILE.client_id)] = SECRET
    lines = doctor_report(PROFILE)
    text = "\n".join(lines)
    assert SECRET not in text
    assert "AEPX_CLIENT_SECRET: not set" in text
    assert "MemoryKeyring: usable" in text
    assert "Client secret: found in the OS keyring" in text
    monkeypatch.setenv("AEPX_CLIENT_SECRET", "env-" + SECRET)
    text = "\n".join(doctor_report(PROFILE, store="keyring"))
    assert SECRET not in text and "set (used first)" in text and "Pinned store ([credentials] store): keyring" in text
    assert "environment variable" in text


def test_doctor_report_without_keyring(no_dbus):
    keyring.set_keyring(fail.Keyring())
    store_secret(PROFILE, Secret(SECRET), plaintext_file=True)
    text = "\n".join(doctor_report(PROFILE))
    assert SECRET not in text
    assert "not usable" in text and "DBUS_SESSION_BUS_ADDRESS is unset" in text
    assert "PLAINTEXT, 1 secret(s), mode 0600" in text
    assert "Client secret: found in the plaintext credentials file" in text
    assert "Profile: none configured" in "\n".join(doctor_report(None))


def test_resolution_explain_when_found_is_one_line_plus_notes():
    result = SecretResolution(Secret(SECRET), "keyring", "MemoryKeyring", [], [])
    assert result.explain() == "Client secret from the OS keyring (MemoryKeyring)."
