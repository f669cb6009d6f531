"""`aepx login`, `aepx logout`, `aepx creds doctor`."""

from __future__ import annotations

import sys

import click

from tui.cli.base import EXIT_CREDENTIALS, EXIT_OK, Context, cli, err, guarded, out
from tui.core.errors import ConfigError, UsageError


@cli.command()
@click.option("--secret-stdin", is_flag=True, help="Read the client secret from standard input (for scripts).")
@click.option("--plaintext-file", is_flag=True,
              help="Opt in to the PLAINTEXT file store (0600, apart from the config) when no keyring works.")
@click.pass_obj
@guarded
def login(obj: Context, secret_stdin: bool, plaintext_file: bool) -> int:
    """Store the profile's client secret in the OS keyring.

    The secret is read from a hidden prompt, or from stdin with --secret-stdin; it is never taken
    on the command line. With no usable keyring this exits 3 and explains why, unless
    --plaintext-file is given.
    """
    from tui.core.credentials import store_secret
    from tui.core.secret import Secret

    _, profile = obj.profile()
    if secret_stdin:
        value = sys.stdin.read().strip()
    else:
        value = click.prompt(f"Client secret for {profile.client_id}", hide_input=True, err=True).strip()
    if not value:
        raise UsageError("The client secret is empty; nothing was stored.")
    where = store_secret(profile, Secret(value), plaintext_file=plaintext_file)
    err(f"Stored the client secret for profile '{profile.name}' in {where}.")
    if plaintext_file:
        from tui.core.config import pin_credentials_store

        cfg = obj.config()
        try:
            if pin_credentials_store(cfg.path, "file"):
                err(f'Pinned [credentials] store = "file" in {cfg.path}: aepx reads the secret from that file.')
        except OSError as exc:
            raise ConfigError(f"The secret was stored, but {cfg.path} could not be updated to pin "
                              f'[credentials] store = "file" ({exc.strerror or exc}); add it by hand.') from None
    return EXIT_OK


@cli.command()
@click.pass_obj
@guarded
def logout(obj: Context) -> int:
    """Forget the profile's client secret and cached token (keyring and plaintext store)."""
    from tui.core.credentials import delete_secret

    _, profile = obj.profile()
    removed = delete_secret(profile)
    err(f"Removed: {', '.join(removed)}." if removed else f"Nothing was stored for profile '{profile.name}'.")
    return EXIT_OK


@cli.group()
def creds() -> None:
    """Credential diagnostics."""


@creds.command("doctor")
@click.pass_obj
@guarded
def creds_doctor(obj: Context) -> int:
    """Say which secret source and keyring backend are in use, or why none works, and the remedies."""
    from tui.core.credentials import doctor_report, resolve_secret

    try:
        cfg, profile = obj.profile()
    except ConfigError as exc:
        cfg, profile = None, None
        err(f"note: {exc}")
    for line in doctor_report(profile, store=cfg.credentials_store if cfg else None):
        out(line)
    if profile is None:
        return EXIT_CREDENTIALS
    return EXIT_OK if resolve_secret(profile, store=cfg.credentials_store).secret is not None else EXIT_CREDENTIALS


