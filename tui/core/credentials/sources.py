"""Where a client secret can come from, the service name it is stored under, and the remedies
shown when it is found nowhere."""

from __future__ import annotations

SERVICE = "aepx"
SECRET_ENV = "AEPX_CLIENT_SECRET"
DEFAULT_TIMEOUT = 3.0
PROBE_USER = "__aepx_probe__"


class SecretSource:
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    FILE = "file"  # opt-in plaintext store
    PROMPT = "prompt"  # entered in the console, kept in memory for this run
    NONE = "none"


SOURCE_LABELS = {
    SecretSource.ENVIRONMENT: "the AEPX_CLIENT_SECRET environment variable",
    SecretSource.KEYRING: "the OS keyring",
    SecretSource.FILE: "the plaintext credentials file",
    SecretSource.PROMPT: "a prompt (kept in memory for this run only)",
    SecretSource.NONE: "nowhere",
}

REMEDY_ENV = ("Set it for this shell without leaving it in the shell history: "
              "read -rs AEPX_CLIENT_SECRET; export AEPX_CLIENT_SECRET")
REMEDY_DBUS = ("Use a Secret Service keyring over SSH: dbus-run-session -- sh, then "
               "echo -n PW | gnome-keyring-daemon --unlock --components=secrets, then aepx login")
REMEDY_FILE = ("Or store it in the opt-in PLAINTEXT file (not encrypted, mode 0600): "
               "aepx login --plaintext-file")
REMEDY_PROMPT = "In the console, enter it when asked: it is kept in memory for this run only"
REMEDY_UNLOCK = ("Unlock the keyring first (e.g. echo -n PW | gnome-keyring-daemon --unlock "
                 "--components=secrets inside dbus-run-session), or answer its unlock prompt")
