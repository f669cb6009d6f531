"""Console test helpers: SVG snapshots through syrupy (engineering-notes §3.3 option b), a fixed clock
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
