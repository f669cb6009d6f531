"""The hostile phase of ``make soak``: aepx's API layer against ``tests/hostile/server.py`` on loopback.

Every scenario of the hostile server (never-ending and trickling bodies, slow headers, slow IMS, a
200,000-record page, ``Retry-After: 1000000000``, an endless ``link.next``, error bodies echoing the secret
or the token, a CR LF token, a 401 on a create, a record with another id, an unknown status) is run
``ROUNDS`` times with a 2 s ``request_timeout``. Checked (a violation each): the call ends within
``BOUND_S``, with the expected outcome, in one sentence that holds neither the secret nor a token, and the
process's peak RSS grows by less than ``RSS_BUDGET_MB``. Bounded in time and count; loopback only.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

ROUNDS = 2
REQUEST_TIMEOUT_S = 2.0
BOUND_S = 15.0
RSS_BUDGET_MB = 300
SECRET = "Soak-Hostile-S3cret-0f9e8d7c"
PAYLOAD = {"schema": {"name": "_xdm.context.profile"}, "fields": "identities",
           "mergePolicy": {"id": "mp-1", "version": 1}, "destination": {"datasetId": "ds-1"}}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


def _cases() -> list[tuple[str, dict[str, Any], str, Callable[[Any], Awaitable[Any]]]]:
    """(scenario, options, expected error class name or "ok", call)."""

    async def list_jobs(api: Any) -> Any:
        return await api.list_jobs(limit=100)

    async def walk(api: Any) -> Any:
        return [page async for page in api.iter_jobs(limit=2)]

    async def create(api: Any) -> Any:
        return await api.create_job(PAYLOAD)

    async def show_1(api: Any) -> Any:
        return await api.get_job("1")

    async def show_24115(api: Any) -> Any:
        return await api.get_job("24115")

    return [
        ("never_ending_chunked", {}, "ApiError", list_jobs),
        ("trickle", {"pause": 0.3}, "ApiTimeoutError", list_jobs),
        ("slow_headers", {"pause": 0.3}, "ApiTimeoutError", list_jobs),
        ("slow_ims", {}, "ApiTimeoutError", list_jobs),
        ("huge_page", {"records": 200_000}, "ApiError", list_jobs),
        ("huge_page", {"records": 5_000}, "ok", list_jobs),
        ("retry_after_huge", {}, "RateLimitedError", list_jobs),
        ("endless_cursor", {}, "ok", walk),
        ("ims_echo_secret", {"shape": "oauth"}, "AuthError", list_jobs),
        ("ims_echo_secret", {"shape": "html", "status": 500}, "ServerError", list_jobs),
        ("platform_echo_token", {"status": 500}, "ServerError", list_jobs),
        ("crlf_token", {}, "AuthError", list_jobs),
        ("post_401", {}, "AmbiguousCreateError", create),
        ("post_429", {"times": 2}, "ok", create),
        ("wrong_id", {}, "ApiError", show_1),
        ("unknown_status", {}, "ok", show_24115),
    ]


async def _run(server: Any, profile: Any, report: list[str], rows: list[str]) -> None:
    from tests.hostile.server import TOKEN
    from tui.api.client import PlatformClient
    from tui.core.errors import AepxError
    from tui.core.secret import Secret

    for scenario, options, expected, call in _cases():
        for _ in range(ROUNDS):
            server.reset()
            server.scenario(scenario, **options)
            label = f"{scenario}{options or ''}"
            started = time.monotonic()
            outcome, text = "ok", ""
            async with PlatformClient(profile, Secret(SECRET), sleep=_no_sleep, retry_wait_cap=0.05) as api:
                try:
                    result = await asyncio.wait_for(call(api), BOUND_S * 2)
                    text = " ".join(w for page in (result if isinstance(result, list) else [result])
                                    for w in getattr(page, "warnings", ()))
                except AepxError as error:
                    outcome, text = type(error).__name__, str(error)
                except TimeoutError:
                    outcome = "hang"
            elapsed = time.monotonic() - started
            rows.append(f"  {label:<48} {outcome:<22} {elapsed:6.2f} s  {len(server.requests):>3} requests")
            if outcome != expected and not (expected == "ApiError" and outcome.endswith("Error")):
                report.append(f"{label}: expected {expected}, got {outcome} ({text[:120]})")
            if elapsed > BOUND_S:
                report.append(f"{label}: took {elapsed:.1f} s (bound {BOUND_S:.0f} s)")
            if "\n" in text.strip() or SECRET in text or TOKEN in text:
                report.append(f"{label}: the sentence is not one clean line without secrets: {text[:160]!r}")


def hostile_phase() -> list[str]:
    """Run every scenario; print one row each; return the violations."""
    from tests.hostile.server import HostileServer
    from tui.core.profile import Profile

    violations: list[str] = []
    rows: list[str] = []
    rss_before = _rss_mb()
    started = time.monotonic()
    with HostileServer() as server:
        profile = Profile(name="hostile", org_id="HOSTILE@AdobeOrg", client_id="hostile-client",
                          platform_url=server.base_url, ims_url=server.base_url)
        profile = replace(profile, request_timeout=REQUEST_TIMEOUT_S)
        asyncio.run(_run(server, profile, violations, rows))
    growth = _rss_mb() - rss_before
    print(f"hostile: {len(rows)} runs in {time.monotonic() - started:.0f} s; peak RSS grew {growth:.0f} MB")
    for row in rows:
        print(row)
    if growth > RSS_BUDGET_MB:
        violations.append(f"peak RSS grew {growth:.0f} MB (budget {RSS_BUDGET_MB} MB)")
    return violations


if __name__ == "__main__":
    import sys

    found = hostile_phase()
    for violation in found:
        print(f"  VIOLATION: {violation}")
    sys.exit(1 if found else 0)
