"""Pilot tests of the Overview screen: `O` and `:overview`, a hanging target beside live ones, `enter`
switching the console, `a` adding a sandbox; SVG snapshots at 80×24 and 120×40."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI, job_record
from tui.console.screens.jobs import JobsScreen
from tui.console.screens.overview import OverviewScreen
from tui.core.models import Target
from tui.core.sandboxes import SandboxInfo

ORG = "TEST@AdobeOrg"


def api_for(profile: str, sandbox: str, records=None, kind="development") -> FakeJobsAPI:
    api = FakeJobsAPI(records, target=Target(profile, ORG, sandbox, "http://fake", "test-client"))
    api.sandbox_type = kind
    return api


class ListingAPI(FakeJobsAPI):
    """A fake with the Sandbox API's available-sandboxes list."""

    listed = [SandboxInfo("prod", type="production"), SandboxInfo("dev1", type="development"),
              SandboxInfo("dev2", type="development")]

    async def list_sandboxes(self):
        return list(self.listed)


class Source:
    def __init__(self, apis, extra=None) -> None:
        self.apis = apis
        self.extra = extra or {}
        self.max_parallel = 4
        self.closed = False
        self.asked: list[tuple[str, str]] = []

    async def clients(self):
        return self.apis

    async def client(self, profile, sandbox):
        self.asked.append((profile, sandbox))
        return self.extra[(profile, sandbox)]

    async def aclose(self):
        self.closed = True


def three_targets():
    prod = ListingAPI([job_record(1, "PROCESSING"), job_record(2, "NEW"), job_record(3, "SUCCEEDED"),
                       job_record(4, "FAILED")], target=Target("test", ORG, "prod", "http://fake", "c"))
    dev1 = ListingAPI([job_record(5, "NEW"), job_record(6, "SUCCEEDED")],
                      target=Target("test", ORG, "dev1", "http://fake", "c"))
    other = api_for("client", "prod", [job_record(7, "PROCESSING")])
    return [prod, dev1, other]


def cells(screen: OverviewScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_overview(app, pilot, key="O"):
    if key == "O":
        await pilot.press("O")
    else:
        await pilot.press("colon", *"overview", "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, OverviewScreen)
    return app.screen


async def test_O_shows_one_row_per_target_with_counts_and_types(make_app):
    source = Source(three_targets())
    app = make_app(FakeJobsAPI(), overview_source=source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_overview(app, pilot)
        rows = cells(screen)
        assert [r[:3] for r in rows] == [["test", "prod", " PROD "], ["test", "dev1", "development"],
                                         ["client", "prod", "unknown (PROD)"]]
        assert rows[0][3:5] == ["1", "1"] and rows[0][6] == "1"  # NEW, PROCESSING, failed in 24 h
        assert rows[1][3:5] == ["1", "0"] and rows[2][3:5] == ["0", "1"]
        assert all(r[-1] == "ok" for r in rows)
        await pilot.press("escape")
        await pilot.pause()
    assert source.closed


async def test_cells_that_grow_after_the_first_answer_are_shown_whole(make_app):
    """Seen in tmux: "Success" read "just no" and "At" "20:01": the columns kept the width of "…"."""
    app = make_app(FakeJobsAPI(), overview_source=Source(three_targets()))
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_overview(app, pilot)
        table = screen.query_one(DataTable)
        for index, label in enumerate(("success", "refreshed", "state")):
            column = table.columns[next(k for k in table.columns if k.value == label)]
            longest = max(len(str(table.get_cell_at((row, 7 + index)))) for row in range(table.row_count))
            assert column.content_width >= longest, (label, column.content_width, longest)


async def test_colon_overview_opens_it_too(make_app):
    app = make_app(FakeJobsAPI(), overview_source=Source(three_targets()))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_overview(app, pilot, key=":")


async def test_a_hanging_target_does_not_hold_the_other_rows(make_app):
    targets = three_targets()
    hung = targets[2]
    hung.gate = asyncio.Event()
    app = make_app(FakeJobsAPI(), overview_source=Source(targets))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("O")
        screen = app.screen
        for _ in range(50):  # events, not time: wait until the two live rows are in
            await pilot.pause()
            if screen.board and all(r.ok for r in screen.board.rows[:2]):
                break
        board = screen.board
        assert board is not None and all(r.ok for r in board.rows[:2])
        assert board.rows[2].in_flight and board.rows[2].ok is None
        before = [r.refreshed_ms for r in board.rows[:2]]
        board.clock = lambda: 1_900_000_000.0  # later: the next round's refresh time differs
        screen.refresh_rows()  # the next round: the live rows refresh again while the third still hangs
        for _ in range(50):
            await pilot.pause()
            if all(r.refreshed_ms != b for r, b in zip(board.rows[:2], before, strict=True)):
                break
        assert all(r.refreshed_ms != b and r.ok for r, b in zip(board.rows[:2], before, strict=True))
        assert cells(screen)[2][-1] == "refreshing…"
        hung.fail_with = ConnectionRefusedError("refused")
        hung.gate.set()
        await settle(app, pilot)
        state = cells(screen)[2][-1]
        assert board.rows[2].ok is False and "ConnectionRefusedError" in state
        assert "\n" not in state


async def test_enter_switches_the_console_to_the_row(make_app):
    targets = three_targets()
    made: list[tuple] = []

    def factory(profile, sandbox):
        made.append((profile, sandbox))
        return api_for(profile or "test", sandbox or "prod", [job_record(42, "NEW")])

    app = make_app(FakeJobsAPI(), overview_source=Source(targets), api_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_overview(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, JobsScreen)
        assert made == [("test", "dev1")]
        assert (app.api.target.profile, app.api.target.sandbox) == ("test", "dev1")
        assert "42" in app.model.jobs


async def test_a_adds_an_available_sandbox_for_this_run(make_app):
    targets = three_targets()
    dev2 = api_for("test", "dev2", [job_record(9, "PROCESSING"), job_record(10, "PROCESSING")])
    source = Source(targets, extra={("test", "dev2"): dev2})
    app = make_app(FakeJobsAPI(), overview_source=source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_overview(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")  # the only sandbox offered: dev2 (prod and dev1 are shown already)
        await settle(app, pilot)
        assert source.asked == [("test", "dev2")]
        rows = cells(screen)
        assert rows[-1][:5] == ["test", "dev2", "development", "0", "2"]


async def test_overview_80x24(make_app, utc, svg_snapshot):
    app = make_app(FakeJobsAPI(), overview_source=Source(three_targets()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_overview(app, pilot)
        assert app.export_screenshot(title="aepx") == svg_snapshot


async def test_overview_120x40(make_app, utc, svg_snapshot):
    targets = three_targets()
    targets[2].fail_with = ConnectionRefusedError("refused")
    app = make_app(FakeJobsAPI(), overview_source=Source(targets))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_overview(app, pilot)
        assert app.export_screenshot(title="aepx") == svg_snapshot
