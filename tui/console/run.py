"""The console's one composition root: what a running console is made of, assembled in one place.

``make_console`` builds the app (the tests call it too); ``run_console`` adds the job history
and runs it; ``run_console_with_secret_prompt`` first asks for a secret nobody stored;
``run_demo`` puts the console on an in-process emulator. The CLI (``tui/cli/console.py``)
only chooses which of these to call, from the config and the flags.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from tui.console.app import AepxApp
from tui.core.protocol import JobsAPI

if TYPE_CHECKING:
    from tui.core.errors import CredentialsError
    from tui.core.profile import Profile

#: How much faster than real time the demo's emulator runs its jobs.
DEMO_SPEED = 30.0


def make_console(api: JobsAPI, **options: Any) -> AepxApp:
    """The console app on ``api``; ``options`` are :class:`AepxApp`'s (settings, keymap…)."""
    return AepxApp(api, **options)


def run_console(api: JobsAPI, *, history_settings: Any = None, session_secrets: dict[str, Any] | None = None,
                **options: Any) -> int:
    """Run the console until it exits; returns the process exit code. ``history_settings`` (the
    config's ``[history]``) opens the job history; ``False`` runs without one (the demo).
    ``session_secrets``: secrets typed before the console started, by profile name (memory only), so
    ``:sandbox`` and ``:profile`` back to that profile use them too."""
    store = None
    if history_settings is not False and "history" not in options:
        from tui.monitor.history.store import open_configured

        store, problem = open_configured(history_settings)
        options.update(history=store, history_problem=problem)
    app = make_console(api, **options)
    app.session_secrets.update(session_secrets or {})
    try:
        app.run()
    finally:
        if store is not None:
            store.close()
    return app.return_code or 0


def run_console_with_secret_prompt(profile: Profile, problem: CredentialsError, **options: Any) -> int:
    """No secret anywhere: ask for it in a small prompt (saying why in one sentence), then run the
    console with it in memory only. Aborted: the whole problem, remedies included, on stderr."""
    from tui.console.screens.secret_prompt import SecretPromptApp, stored_nowhere

    secret = SecretPromptApp(profile.name, stored_nowhere(problem.why)).run()
    if secret is None:
        from tui.core.sanitise import sanitise

        print(sanitise(f"aepx: {problem}"), file=sys.stderr)
        return 3
    from tui.api.client import PlatformClient

    return run_console(PlatformClient(profile, secret), session_secrets={profile.name: secret}, **options)


def demo_profile(base_url: str, settings: Any) -> Profile:
    """The profile of an emulator at ``base_url`` started with ``settings`` (EmulatorSettings)."""
    from tui.core.profile import Profile

    return Profile(name="emulator", org_id=settings.org, client_id=settings.client_id,
                   sandbox=settings.sandbox, platform_url=base_url, ims_url=base_url, is_emulator=True)


def run_demo(**options: Any) -> int:
    """The console on a fresh in-process emulator (``aepx --demo``, or no profile yet)."""
    import tempfile
    from pathlib import Path

    from tui.api.client import PlatformClient
    from tui.core.config import HistorySettings
    from tui.core.secret import Secret
    from tui.emulator.server import EmulatorServer
    from tui.emulator.settings import EmulatorSettings

    settings = EmulatorSettings(port=0, speed=DEMO_SPEED)
    # A scratch history for this run: Pulse and the baselines work in the demo, and the
    # emulator's jobs never mix into the real history file.
    with tempfile.TemporaryDirectory(prefix="aepx-demo-") as scratch, EmulatorServer(settings) as server:
        profile = demo_profile(server.base_url, settings)
        api = PlatformClient(profile, Secret(settings.client_secret))
        history = HistorySettings(enabled=True, path=Path(scratch) / "history.sqlite3")
        return run_console(api, history_settings=history, **options)
