"""The preflight's lookups: GETs only, each failure kept as a fact (never raised).

``gather(api, payload)`` fetches the dataset, the merge policy and every segment definition a payload
names and returns :class:`tui.core.preflight.Facts` for the pure rules. ``find_duplicates`` lists the
newest jobs and returns the NEW/PROCESSING ones with the payload's fingerprint (``None`` when the
list could not be read: the caller says the duplicate check was not done).

A client without a lookup method (an older fake, another implementation) gets ``skipped`` for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tui.core.errors import AepxError, ForbiddenError, NotFoundError
from tui.core.fingerprint import active_duplicates
from tui.core.models import Job
from tui.core.preflight import (
    FAILED,
    FOUND,
    MISSING,
    SKIPPED,
    Facts,
    Lookup,
    dataset_id_of,
    is_placeholder,
    merge_policy_of,
    segment_ids_of,
)
from tui.core.sanitise import one_line

DUPLICATE_PAGES = 2
DUPLICATE_PAGE_SIZE = 100
Cache = dict[tuple[str, str], Lookup]


def _short(error: AepxError) -> str:
    return one_line(error.message, 160).rstrip(".")


async def _lookup(fetch: Callable[[str], Awaitable[Any]] | None, key: str) -> Lookup:
    if fetch is None:
        return Lookup(SKIPPED, reason="this client cannot look it up")
    try:
        found = await fetch(key)
    except NotFoundError:
        return Lookup(MISSING)
    except ForbiddenError as error:
        return Lookup(SKIPPED, reason=f"no permission: {_short(error)}")
    except AepxError as error:
        if error.status == 404:  # the route itself (EndpointUnavailable)
            return Lookup(SKIPPED, reason="the endpoint answered 404 for the route itself")
        return Lookup(FAILED, reason=_short(error))
    if found is None:
        return Lookup(MISSING)
    raw = getattr(found, "raw", found)
    return Lookup(FOUND, data=raw if isinstance(raw, Mapping) else {})


async def _cached(cache: Cache | None, kind: str, key: str,
                  fetch: Callable[[str], Awaitable[Any]] | None) -> Lookup:
    if cache is not None and (kind, key) in cache and cache[(kind, key)].state != FAILED:
        return cache[(kind, key)]
    lookup = await _lookup(fetch, key)
    if cache is not None:
        cache[(kind, key)] = lookup  # a failure is kept (to be shown) and tried again next time
    return lookup


def cached_facts(payload: Mapping[str, Any], cache: Cache, sandbox: str = "") -> tuple[Facts, list[str]]:
    """The facts already in ``cache`` for ``payload`` (no I/O), and what is not looked up yet."""
    facts = Facts(sandbox=sandbox)
    pending: list[str] = []
    dataset_id = dataset_id_of(payload)
    if dataset_id and not is_placeholder(dataset_id):
        facts.dataset = cache.get(("dataset", dataset_id))
        if facts.dataset is None:
            pending.append("the dataset")
    policy_id, _ = merge_policy_of(payload)
    if policy_id and not is_placeholder(policy_id):
        facts.merge_policy = cache.get(("merge_policy", policy_id))
        if facts.merge_policy is None:
            pending.append("the merge policy")
    skipped = next((lk for (kind, _), lk in cache.items() if kind == "segment" and lk.state == SKIPPED), None)
    for _, segment_id in segment_ids_of(payload):
        if is_placeholder(segment_id):
            continue
        lookup = cache.get(("segment", segment_id)) or skipped
        if lookup is None:
            if "the segments" not in pending:
                pending.append("the segments")
            continue
        facts.segments[segment_id] = lookup
    return facts, pending


async def gather(api: Any, payload: Mapping[str, Any], cache: Cache | None = None) -> Facts:
    """The facts about ``payload`` in ``api``'s sandbox; only GETs are sent, nothing raises."""
    target = getattr(api, "target", None)
    facts = Facts(sandbox=getattr(target, "sandbox", "") or "")
    dataset_id = dataset_id_of(payload)
    if dataset_id and not is_placeholder(dataset_id):
        facts.dataset = await _cached(cache, "dataset", dataset_id, getattr(api, "get_dataset", None))
    policy_id, _ = merge_policy_of(payload)
    if policy_id and not is_placeholder(policy_id):
        facts.merge_policy = await _cached(cache, "merge_policy", policy_id,
                                           getattr(api, "get_merge_policy", None))
    fetch_segment = getattr(api, "get_segment_definition", None)
    for _, segment_id in segment_ids_of(payload):
        if segment_id in facts.segments or is_placeholder(segment_id):
            continue
        lookup = await _cached(cache, "segment", segment_id, fetch_segment)
        facts.segments[segment_id] = lookup
        if lookup.state == SKIPPED:  # the endpoint is unavailable: do not ask again for every segment
            for _, other in segment_ids_of(payload):
                facts.segments.setdefault(other, lookup)
            break
    return facts


async def recent_jobs(api: Any) -> list[Job] | None:
    """The newest jobs (two pages of 100: where NEW and PROCESSING jobs are); ``None`` if listing failed."""
    jobs: list[Job] = []
    cursor: str | None = None
    try:
        for _ in range(DUPLICATE_PAGES):
            page = await api.list_jobs(cursor=cursor, limit=DUPLICATE_PAGE_SIZE)
            jobs.extend(page.jobs)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    except AepxError:
        return None
    return jobs


async def find_duplicates(api: Any, payload: Mapping[str, Any]) -> list[Job] | None:
    """Active jobs among the newest ones with the payload's fingerprint; ``None`` if listing failed."""
    jobs = await recent_jobs(api)
    return None if jobs is None else active_duplicates(jobs, payload)
