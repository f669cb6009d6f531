"""The ``ctrl+p`` palette: the same actions as the keys, hidden in read-only mode when they change
anything. Each hit runs the action on the jobs screen (or the app for ``app.`` actions)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.console.bindings import PALETTE_ACTIONS, is_mutating


class JobsCommands(Provider):
    def _actions(self) -> list[tuple[str, str, str]]:
        read_only = bool(getattr(self.app, "read_only", False))
        return [a for a in PALETTE_ACTIONS if not (read_only and is_mutating(a[0]))]

    async def _run(self, action: str, title: str) -> None:
        from tui.console.screens.jobs import JobsScreen

        if action.startswith("app."):
            await self.app.run_action(action.removeprefix("app."))
            return
        screen = getattr(self.app, "jobs_screen", None)
        if not isinstance(screen, JobsScreen):
            return
        if self.app.screen is not screen:  # it would act on the hidden list, with nothing to see
            screen.aepx.say(f"{title} works on the jobs screen; press esc to go back to it first.", "warning")
            return
        await self.app.run_action(action, screen)

    async def discover(self) -> Hits:
        for action, title, help_text in self._actions():
            yield DiscoveryHit(title, partial(self._run, action, title), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, title, help_text in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action, title), help=help_text)
