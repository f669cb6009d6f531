"""The `aepx` command line. No Textual import at module level: only the console command loads it."""

from __future__ import annotations

import click

from tui import __version__


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aepx")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """aepx: watch, launch and cancel Adobe Experience Platform profile export jobs."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _register() -> None:
    from tui.emulator.command import emulator

    cli.add_command(emulator)


def main() -> None:
    _register()
    cli(prog_name="aepx")
