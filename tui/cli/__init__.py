"""The `aepx` command line.

Every command runs on the same core as the console (``tui.api``, ``tui.core``). Textual is imported
only by the console itself, so `aepx jobs list` stays quick and headless.

One module per noun: ``jobs``, ``datasets``, ``batches``, ``files`` (with ``jobs verify``), ``history``,
``rerun`` (jobs payload, diff, lint), ``auth`` (login, logout, creds), ``config_cmd``, ``watch``;
``base`` holds the global options, the context and the output helpers; ``console`` starts the
full-screen console. Importing this package registers every command on the ``cli`` group.

Exit codes: 0 success; 1 API or job failure; 2 usage or invalid input; 3 config or credentials.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import os

from tui.cli import (  # noqa: F401  - each registers its commands
    auth,
    batches,
    config_cmd,
    datasets,
    files,
    history,
    jobs,
    overview,
    rerun,
    watch,
)
from tui.cli.base import Context, cli, flush_stdout

__all__ = ["Context", "cli", "main"]


def _register() -> None:
    from tui.emulator.command import emulator

    if "emulator" not in cli.commands:
        cli.add_command(emulator)


def main() -> None:
    _register()
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    try:
        cli(prog_name="aepx")
    finally:
        flush_stdout()  # buffered output to a closed pipe: exit 0 quietly, not "Exception ignored …"
