"""Console test helpers: SVG snapshots through syrupy, a fixed clock
and an app factory over ``FakeJobsAPI``."""

from __future__ import annotations

import time

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from tests.fakes import T0


class SVGSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "svg"


@pytest.fixture
def svg_snapshot(snapshot):
    return snapshot.use_extension(SVGSnapshot)


FIXED_NOW = T0 / 1000 + 3600  # one hour after the fake's newest job


def fixed_clock() -> float:
    return FIXED_NOW


@pytest.fixture
def utc(monkeypatch):
    """Local time = UTC, so time columns and the header are the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_app():
    """``make_app(api=None, **kwargs)``: an ``AepxApp`` on a fake API, a fixed clock and a refresh
    interval so long that no timer fires during a test (tests refresh with ctrl+r)."""
    from tests.fakes import FakeJobsAPI
    from tui.console.run import make_console
    from tui.core.config import ConsoleSettings

    def factory(api=None, **kwargs):
        kwargs.setdefault("settings", ConsoleSettings(refresh_seconds=3600))
        kwargs.setdefault("clock", fixed_clock)
        return make_console(api if api is not None else FakeJobsAPI(), **kwargs)

    return factory


async def settle(app, pilot) -> None:
    """Let every worker finish and every pending message be handled. The job detail's light poll is a
    long-lived loop (it sleeps between polls until the job is final), so it is not waited for."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(2):
        for worker in [w for w in app.workers if w.group != "detail" and not w.is_finished]:
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass  # the app's handler reports these; tests assert on what it said
        await pilot.pause()


@pytest.fixture
def wait():
    return settle
