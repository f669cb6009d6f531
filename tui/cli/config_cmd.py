"""`aepx config path|show|init`."""

from __future__ import annotations

import click

from tui.cli.base import EXIT_CREDENTIALS, EXIT_OK, Context, cli, err, guarded, out
from tui.core.errors import ConfigError, UsageError


@cli.group()
def config() -> None:
    """Create and inspect the TOML config (which never holds a secret)."""


@config.command("path")
@click.pass_obj
def config_path_cmd(obj: Context) -> None:
    """Print the config file path in use."""
    from tui.core.config import config_path

    out(str(config_path(obj.config_arg)))


@config.command("show")
@click.pass_obj
@guarded
def config_show(obj: Context) -> int:
    """Print the config file (it never holds a secret)."""
    cfg = obj.config()
    if not cfg.path.exists():
        err(f"No config at {cfg.path}. Run `aepx config init`.")
        return EXIT_CREDENTIALS
    out(f"# {cfg.path}")
    out(cfg.path.read_text(encoding="utf-8").rstrip())
    return EXIT_OK


@config.command("init")
@click.option("--name", default="default", show_default=True, help="Profile name.")
@click.option("--org-id", prompt="IMS org id (…@AdobeOrg)", help="Organization ID from Adobe Developer Console.")
@click.option("--client-id", prompt="Client id (API key)", help="OAuth Server-to-Server client id.")
@click.option("--sandbox", prompt="Sandbox", default="prod", show_default=True, help="Sandbox name (lower case).")
@click.option("--platform-url", default="https://platform.adobe.io", show_default=True)
@click.option("--ims-url", default="https://ims-na1.adobelogin.com", show_default=True)
@click.option("--scopes", default="openid,AdobeID,read_organizations,additional_info.projectedProductContext,session",
              show_default=True, help="Comma-separated OAuth scopes from the Developer Console credential.")
@click.option("--default/--no-default", "make_default", default=True, help="Make it the default profile.")
@click.pass_obj
@guarded
def config_init(obj: Context, name: str, org_id: str, client_id: str, sandbox: str, platform_url: str,
                ims_url: str, scopes: str, make_default: bool) -> int:
    """Write a profile to the config file (atomically, mode 0600). Then run `aepx login`."""
    from tui.core.config import config_path, write_profile
    from tui.core.profile import Profile, check_profile

    if not org_id.endswith("@AdobeOrg"):
        err("warning: IMS org ids usually end with @AdobeOrg.")
    profile = Profile(name=name, org_id=org_id.strip(), client_id=client_id.strip(), sandbox=sandbox.strip().lower(),
                      platform_url=platform_url.rstrip("/"), ims_url=ims_url.rstrip("/"),
                      scopes=tuple(s.strip() for s in scopes.split(",") if s.strip()))
    try:
        check_profile(profile)  # the rules the config reader applies: never write a file it would refuse
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    path = config_path(obj.config_arg)
    try:
        write_profile(path, profile, make_default=make_default)
    except OSError as exc:
        raise ConfigError(f"Cannot write config file {path}: {exc.strerror or exc}; choose a writable location "
                          "with --config or AEPX_CONFIG.") from None
    err(f"Wrote profile '{name}' to {path}. Next: `aepx -p {name} login` to store the client secret.")
    return EXIT_OK


