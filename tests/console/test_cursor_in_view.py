"""Issue 13, item 12: the highlighted row is always on screen, so Enter never opens a job the operator
cannot see. Checked after a shrinking terminal, the filter line opening, and random sequences of the
keys that change rows (filter, page, sort, status filter, refresh, marks, resizes)."""

from __future__ import annotations

import random

import pytest

from tests.console.conftest import settle
from tests.fakes import FakeJobsAPI, job_record


def cursor_on_screen(table) -> tuple[bool, tuple[int, int, int, int]]:
    top = int(table.scroll_y)
    rows_shown = table.scrollable_content_region.height - table.header_height
    return top <= table.cursor_row < top + rows_shown, (top, rows_shown, table.cursor_row, table.row_count)


@pytest.mark.parametrize("width", [80, 130])  # the full-width table, and the table beside the docked detail
async def test_a_shorter_table_keeps_the_cursor_row_in_view(make_app, width):
    app = make_app(FakeJobsAPI([job_record(i) for i in range(1, 120)]))
    async with app.run_test(size=(width, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("G")
        await settle(app, pilot)
        assert app.screen.table.cursor_row > 30
        await pilot.resize_terminal(width, 20)
        await settle(app, pilot)
        await pilot.pause()
        ok, where = cursor_on_screen(app.screen.table)
        assert ok, where
        await pilot.press("slash")  # the filter line takes rows from the table
        await settle(app, pilot)
        await pilot.pause()
        ok, where = cursor_on_screen(app.screen.table)
        assert ok, where


KEYS = ["G", "g", "j", "k", "pagedown", "pageup", "]", "[", "filter", "escape", "s", "F", "ctrl+r", "space",
        "resize"]


@pytest.mark.parametrize("seed", [3, 8, 21])
async def test_the_cursor_row_is_on_screen_after_any_key_sequence(make_app, seed):
    rnd = random.Random(seed)
    records = [job_record(i, rnd.choice(["SUCCEEDED", "FAILED", "PROCESSING", "NEW"]),
                          dataset=rnd.choice(["ds-1", "yarn", "ds-2"])) for i in range(1, 181)]
    app = make_app(FakeJobsAPI(records))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        done: list[str] = []
        for _ in range(30):
            key = rnd.choice(KEYS)
            done.append(key)
            if key == "filter":
                await pilot.press("slash", *rnd.choice(["yarn", "fail", "1", "ds-2", "zzz"]),
                                  rnd.choice(["enter", "escape"]))
            elif key == "resize":
                await pilot.resize_terminal(*rnd.choice([(80, 24), (120, 40), (100, 30), (170, 50), (130, 18)]))
            else:
                await pilot.press(key)
            await settle(app, pilot)
            await pilot.pause()
            table = app.screen.table
            if table.row_count:
                ok, where = cursor_on_screen(table)
                assert ok, (done, where)
