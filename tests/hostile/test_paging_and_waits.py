"""A page larger than asked for is cut to the limit with a warning
(memory bounded by the body cap); server-requested waits are capped and the real wait is said; link.next
paging de-duplicates by id, stops when a page brings nothing new and warns at the page limit."""

from __future__ import annotations

import tracemalloc

import pytest

from tests.hostile.conftest import run_cli
from tests.hostile.server import JOBS_PATH, job_record
from tui.api.client import PlatformClient
from tui.console.polling import MAX_BACKOFF_SECONDS, PollState
from tui.core.errors import ApiError, RateLimitedError


async def test_page_larger_than_the_limit_is_truncated_with_a_warning(hostile, profile, secret):
    hostile.scenario("huge_page", records=5_000)
    async with PlatformClient(profile, secret) as api:
        page = await api.list_jobs(limit=100)
    assert len(page.jobs) == 100 and page.jobs[0].id == "1" and page.jobs[-1].id == "100"
    assert page.warnings == ("The Platform sent 5,000 jobs for a page of 100; only the first 100 are shown.",)


async def test_200000_records_for_limit_100_stay_bounded(hostile, profile, secret):
    """~40 MB of records: refused at the 16 MiB cap in one sentence, never held whole in memory."""
    hostile.scenario("huge_page", records=200_000)
    async with PlatformClient(profile, secret) as api:
        tracemalloc.start()
        try:
            with pytest.raises(ApiError, match="larger than 16 MiB"):
                await api.list_jobs(limit=100)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


def test_cli_prints_the_truncation_warning(hostile, config_file):
    hostile.scenario("huge_page", records=300)
    result = run_cli(config_file, "jobs", "list", "--limit", "10")
    assert result.exit_code == 0
    assert "warning: The Platform sent 300 jobs for a page of 10" in result.stderr
    assert "10 job(s)" in result.stderr


# --- item 8 ------------------------------------------------------------------------------------------------
async def test_huge_retry_after_is_capped_and_said(hostile, profile, secret):
    hostile.scenario("retry_after_huge", seconds="1000000000")
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with PlatformClient(profile, secret, sleep=sleep, retry_wait_cap=30.0) as api:
        with pytest.raises(RateLimitedError) as info:
            await api.list_jobs()
    assert waits and max(waits) <= 30.0
    assert "asked for a wait of 32 years" in str(info.value)
    assert "1000000000" not in str(info.value)


def test_console_never_schedules_a_retry_that_never_comes():
    from tui.console.widgets.header import HeaderState, header_text
    from tui.core.models import Target

    poll = PollState(interval=5)
    error = RateLimitedError("rate limited.", retry_after=1e9)
    delay = poll.failed(1000.0, error)
    assert delay <= MAX_BACKOFF_SECONDS and poll.next_at <= 1000.0 + MAX_BACKOFF_SECONDS
    target = Target("p", "o", "s", "http://x", "c")
    poll.in_flight = True  # the retry is running: no time in the past is shown
    assert "Retrying now" in header_text(HeaderState(target, False, poll)).plain


# --- item 9 ------------------------------------------------------------------------------------------------
async def test_endless_cursor_with_the_same_jobs_stops_after_one_new_page(hostile, profile, secret):
    hostile.scenario("endless_cursor", jobs=2)
    async with PlatformClient(profile, secret) as api:
        pages = [page async for page in api.iter_jobs(limit=2)]
    ids = [job.id for page in pages for job in page.jobs]
    assert ids == ["24000", "24001"]
    assert len(pages) == 2 and hostile.count("GET", JOBS_PATH) == 2
    assert "brought no job not already listed" in pages[-1].warnings[0]


async def test_duplicates_across_pages_are_dropped(hostile, profile, secret):
    async def overlapping(req, out):
        start = int(req.query.get("offset", "0"))
        records = [job_record(i) for i in range(start, start + 3)] if start < 6 else []
        link = {"next": f"{JOBS_PATH}/?limit=3&offset={start + 2}"} if records else {}
        await out.json(200, {"records": records, "page": {}, "link": link})
    hostile.route("GET", JOBS_PATH, overlapping)
    async with PlatformClient(profile, secret) as api:
        ids = [job.id async for page in api.iter_jobs(limit=3) for job in page.jobs]
    assert ids == [str(i) for i in range(7)]
    assert len(ids) == len(set(ids))


async def test_page_limit_is_warned(hostile, profile, secret):
    async def fresh_forever(req, out):
        start = int(req.query.get("offset", "0"))
        await out.json(200, {"records": [job_record(start)], "page": {},
                             "link": {"next": f"{JOBS_PATH}/?limit=1&offset={start + 1}"}})
    hostile.route("GET", JOBS_PATH, fresh_forever)
    async with PlatformClient(profile, secret) as api:
        pages = [page async for page in api.iter_jobs(limit=1, max_pages=5)]
    assert len(pages) == 5 and hostile.count("GET", JOBS_PATH) == 5
    assert pages[-1].warnings == ("Stopped after 5 pages (5 jobs); the list may go on, so filter it by status.",)
    assert not pages[-1].has_more


def test_cli_all_with_an_endless_cursor_ends_with_a_warning(hostile, config_file):
    hostile.scenario("endless_cursor", jobs=2)
    result = run_cli(config_file, "jobs", "list", "--all", "--limit", "2")
    assert result.exit_code == 0
    assert "2 job(s)" in result.stderr and "brought no job not already listed" in result.stderr
