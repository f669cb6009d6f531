"""``PlatformClient``: the ``JobsAPI`` over HTTP, for the real Platform and the emulator.

Idempotent calls (GET, and DELETE of a job) are retried by ``tui.api.retry``. The job-creating POST
is sent once (a refused connection, which never reached the server, is the only thing resent); if its
answer is lost, the client lists the newest jobs to find the job it may have created and says honestly
what it knows (``CreateResult(reconciled=True)`` or ``AmbiguousCreateError``).
"""

from __future__ import annotations

import asyncio
import gc
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from tui.api.auth import ImsAuth, TokenStore
from tui.api.mapping import ConnectFailed, ConnectTimedOut, clean_text, error_from_response
from tui.api.retry import RetryPolicy, Sleep, call_with_retries, is_retryable_idempotent
from tui.api.transport import HttpSession, RawResponse, default_transport, env_proxy
from tui.core.errors import (
    AepxError,
    AmbiguousCreateError,
    ApiError,
    ApiTimeoutError,
    NetworkError,
    RateLimitedError,
    ServerError,
    UsageError,
)
from tui.core.models import (
    KNOWN_STATUSES,
    PROFILE_UNION_SCHEMA,
    CancelResult,
    CreateResult,
    Dataset,
    Job,
    MergePolicy,
    Page,
    Target,
    to_int,
)
from tui.core.profile import Profile
from tui.core.secret import Secret

if TYPE_CHECKING:
    import httpx

JOBS_PATH = "/data/core/ups/export/jobs"
DATASETS_PATH = "/data/foundation/catalog/dataSets"
MERGE_POLICIES_PATH = "/data/core/ups/config/mergePolicies"
DATASET_PAGE = 100
MERGE_POLICY_PAGE = 100
MAX_PAGES = 10_000  # a guard against a server whose "next" link never ends
CLOCK_SKEW_S = 120.0
RECONCILE_PAGES = 2
RECONCILE_PAGE_SIZE = 100
_DATASET_REF = re.compile(r"^@/data[sS]ets/(?P<id>[^/?#]+)$")

__all__ = ["PlatformClient", "parse_next_cursor", "payload_matches", "validate_status"]


def validate_status(status: str | None) -> str | None:
    """The status filter if it is one of NEW, PROCESSING, SUCCEEDED, FAILED (exact spelling)."""
    if status is None or status in KNOWN_STATUSES:
        return status
    hint = f" (did you mean {status.strip().upper()}?)" if status.strip().upper() in KNOWN_STATUSES else ""
    raise UsageError(f"The status filter {clean_text(str(status), 40)!r} is not a job status{hint}; use one "
                     f"of {', '.join(KNOWN_STATUSES)}.")


def parse_next_cursor(link: str | None) -> str | None:
    """The ``offset`` of a ``link.next`` such as ``/export/jobs/?limit=2&offset=1538573416687_722``."""
    if not link or not isinstance(link, str) or not link.strip():
        return None
    values = parse_qs(urlsplit(link.strip()).query).get("offset")
    return values[0] if values and values[0] else None


def _query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query, keep_blank_values=False).items() if v}


def _norm_fields(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(sorted(p.strip() for p in value.split(",") if p.strip()))


def payload_matches(job: Job, payload: Mapping[str, Any]) -> bool:
    """Whether ``job`` looks like the one ``payload`` would create: dataset, schema, fields, merge policy."""
    dest = payload.get("destination")
    dest = dest if isinstance(dest, Mapping) else {}
    dataset = dest.get("datasetId", dest.get("dataSetId"))
    if str(dataset or "") != job.dataset_id:
        return False
    schema = payload.get("schema")
    schema_name = schema.get("name") if isinstance(schema, Mapping) else None
    if str(schema_name or "") != job.schema_name:
        return False
    if _norm_fields(payload.get("fields")) != _norm_fields(job.fields):
        return False
    policy = payload.get("mergePolicy")
    if isinstance(policy, Mapping):
        if policy.get("id") is not None and str(policy["id"]) != job.merge_policy_id:
            return False
        version = to_int(policy.get("version"))
        if version is not None and job.merge_policy_version is not None and version != job.merge_policy_version:
            return False
    return True


class PlatformClient:
    """The Platform API for one profile. Use ``async with``, or call ``aclose()``."""

    def __init__(
        self,
        profile: Profile,
        secret: Secret,
        *,
        token_store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        deadline: float = 60.0,
        retry_wait_cap: float = 30.0,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.monotonic,
        ims_timeout: float = 10.0,
        auth: ImsAuth | None = None,
    ) -> None:
        self.profile = profile
        self.target = Target(profile=profile.name, org_id=profile.org_id, sandbox=profile.sandbox,
                             platform_url=profile.platform_url, client_id=profile.client_id,
                             is_emulator=profile.is_emulator)
        self.retry = RetryPolicy(deadline=deadline, wait_cap=retry_wait_cap, sleep=sleep or asyncio.sleep,
                                 clock=clock)
        if transport is None and env_proxy(profile.platform_url) == env_proxy(profile.ims_url):
            transport = default_transport(profile.platform_url)  # one pool (and TLS context) for both
        # ``auth``: an ImsAuth shared by several clients of one client id (aepx watch: one token for all);
        # its owner closes it.
        self._owns_auth = auth is None
        self.auth = auth or ImsAuth(ims_url=profile.ims_url, client_id=profile.client_id, secret=secret,
                                    scope=profile.scope, token_store=token_store, transport=transport,
                                    timeout=min(ims_timeout, timeout))
        self._session = HttpSession(
            base_url=profile.platform_url,
            headers={"x-api-key": profile.client_id, "x-gw-ims-org-id": profile.org_id,
                     "x-sandbox-name": profile.sandbox, "Accept": "application/json"},
            auth=self.auth, transport=transport, timeout=timeout)
        self._closed = False

    def __repr__(self) -> str:
        t = self.target
        return f"PlatformClient(profile={t.profile!r}, org_id={t.org_id!r}, sandbox={t.sandbox!r})"

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._session.aclose()
        finally:
            if self._owns_auth:
                await self.auth.aclose()

    # --- plumbing -----------------------------------------------------------------------------------
    async def _send(self, method: str, path: str, *, what: str, params: Mapping[str, Any] | None = None,
                    json: Any = None, ok_statuses: frozenset[int] = frozenset()) -> RawResponse:
        """One attempt: the answer if it is a success (or in ``ok_statuses``), else the mapped error."""
        response = await self._session.request(method, path, what=what, params=params, json=json)
        if response.ok or response.status in ok_statuses:
            return response
        raise error_from_response(response.status, response.headers, response.body, what=what,
                                  sandbox=self.profile.sandbox)

    async def _idempotent(self, method: str, path: str, *, what: str, params: Mapping[str, Any] | None = None,
                          ok_statuses: frozenset[int] = frozenset()) -> RawResponse:
        return await call_with_retries(
            lambda: self._send(method, path, what=what, params=params, ok_statuses=ok_statuses), self.retry,
            is_retryable_idempotent)

    @staticmethod
    def _json(response: RawResponse, what: str) -> Any:
        data = response.json()
        if data is None:
            raise ApiError(f"{what} failed because the Platform answered HTTP {response.status} without a "
                           "JSON body; try again, and report it if it persists.", status=response.status,
                           request_id=response.headers.get("x-request-id"))
        return data

    # --- export jobs --------------------------------------------------------------------------------
    async def list_jobs(self, *, cursor: str | None = None, limit: int = 100,
                        status: str | None = None) -> Page:
        """One page of jobs, newest first. ``cursor`` is the previous page's ``next_cursor``."""
        validate_status(status)
        if limit < 1:
            raise UsageError(f"The page size must be at least 1, not {limit}; pass a positive --limit.")
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["offset"] = cursor
        if status:
            params["status"] = status
        what = "Listing export jobs"
        data = self._json(await self._idempotent("GET", JOBS_PATH, what=what, params=params), what)
        return self._page(data, cursor)

    @staticmethod
    def _page(data: Any, cursor: str | None) -> Page:
        body = data if isinstance(data, Mapping) else {}
        records = body.get("records", data if isinstance(data, list) else [])
        jobs = tuple(Job.parse(r) for r in records) if isinstance(records, list) else ()
        page = body.get("page") if isinstance(body.get("page"), Mapping) else {}
        link = body.get("link") if isinstance(body.get("link"), Mapping) else {}
        next_link = link.get("next") if isinstance(link.get("next"), str) else ""
        next_cursor = parse_next_cursor(next_link)
        if next_cursor is not None and (next_cursor == cursor or not jobs):
            next_cursor = None  # a link that does not advance would loop forever
        return Page(jobs=jobs, next_cursor=next_cursor, next_link=next_link,
                    page_offset=str(page.get("pageOffset") or ""), page_size=to_int(page.get("pageSize")),
                    sort_field=str(page.get("sortField") or ""), sort=str(page.get("sort") or ""))

    async def iter_jobs(self, *, limit: int = 100, status: str | None = None) -> AsyncIterator[Page]:
        """Every page in turn, following ``link.next`` until it is empty."""
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = await self.list_jobs(cursor=cursor, limit=limit, status=status)
            # Loaded pages live as long as the caller keeps them and hold no reference cycles (plain JSON and
            # dataclasses): moving them out of the cyclic GC's reach spares every later collection a walk
            # over 10,000s of records (full collections had grown to ~100 ms each by the 10,000th job).
            gc.freeze()
            yield page
            if page.next_cursor is None or page.next_cursor in seen:
                return
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    async def get_job(self, job_id: str) -> Job:
        what = f"Reading export job {clean_text(str(job_id), 60)}"
        response = await self._idempotent("GET", f"{JOBS_PATH}/{_segment(job_id)}", what=what)
        return Job.parse(self._json(response, what))

    async def cancel_job(self, job_id: str) -> CancelResult:
        """DELETE is idempotent here: a 404 (also after a retry) means the job is already gone."""
        what = f"Cancelling export job {clean_text(str(job_id), 60)}"
        response = await self._idempotent("DELETE", f"{JOBS_PATH}/{_segment(job_id)}", what=what,
                                          ok_statuses=frozenset({404}))
        if response.status == 404:
            return CancelResult(job_id=str(job_id), already_gone=True)
        data = response.json()
        if isinstance(data, Mapping):
            message = clean_text(str(data.get("message") or ""))
            if data.get("status") is False:
                raise ApiError(f"{what} failed because the Platform declined it"
                               f"{' (' + message + ')' if message else ''}; check the job's state with "
                               "`aepx jobs show`.", status=response.status, server_message=message or None)
            return CancelResult(job_id=str(job_id), message=message)
        return CancelResult(job_id=str(job_id))

    async def create_job(self, payload: Mapping[str, Any]) -> CreateResult:
        """POST once; after an ambiguous failure, reconcile by listing the newest jobs."""
        what = "Creating the export job"
        await self.auth.token()  # an IMS failure here is plainly not ambiguous: nothing was sent
        existing = await self._existing_job_ids()
        sent_at = time.time()
        try:
            response = await self._post_once(JOBS_PATH, payload, what=what)
        except AepxError as error:
            if not _ambiguous(error):
                raise
            return await self._reconcile(payload, sent_at, error, existing)
        data = response.json()
        if not isinstance(data, Mapping) or not data.get("id"):  # created, but the answer is unreadable
            unreadable = ApiError(f"{what} got an answer without the job (HTTP {response.status})",
                                  status=response.status, request_id=response.headers.get("x-request-id"))
            return await self._reconcile(payload, sent_at, unreadable, existing)
        return CreateResult(job=Job.parse(data))

    async def _existing_job_ids(self) -> frozenset[str]:
        """The newest jobs' ids before a create, so reconciling never mistakes one of them for the new job.

        One attempt, best effort: when it fails, reconciling falls back to the time window alone.
        """
        try:
            response = await self._send("GET", JOBS_PATH, what="Listing export jobs",
                                        params={"limit": RECONCILE_PAGE_SIZE})
        except AepxError:
            return frozenset()
        return frozenset(job.id for job in self._page(response.json(), None).jobs)

    async def _post_once(self, path: str, payload: Any, *, what: str) -> RawResponse:
        """A POST that is resent only when the connection could not even be opened."""
        return await call_with_retries(lambda: self._send("POST", path, what=what, json=payload), self.retry,
                                       should_retry=lambda e: isinstance(e, ConnectFailed))

    async def _reconcile(self, payload: Mapping[str, Any], sent_at: float, cause: AepxError,
                         existing: frozenset[str] = frozenset()) -> CreateResult:
        since_ms = int((sent_at - CLOCK_SKEW_S) * 1000)
        try:
            matches = [job for job in await self._find_recent(payload, since_ms) if job.id not in existing]
        except AepxError as error:
            raise AmbiguousCreateError(
                f"Creating the export job may or may not have succeeded ({clean_text(cause.message, 160)}), "
                f"and checking failed too ({clean_text(error.message, 160)}); run `aepx jobs list` to look "
                "for the job before creating it again.", status=cause.status, request_id=cause.request_id,
                server_message=cause.server_message) from None
        if len(matches) == 1:
            return CreateResult(job=matches[0], reconciled=True)
        if matches:
            ids = ", ".join(j.id for j in matches[:5])
            detail = f"several recent jobs match it ({ids})"
        else:
            detail = "no matching job was found yet"
        raise AmbiguousCreateError(
            f"Creating the export job may or may not have succeeded ({clean_text(cause.message, 160)}) and "
            f"{detail}; run `aepx jobs list` to check before creating it again.", status=cause.status,
            request_id=cause.request_id, server_message=cause.server_message)

    async def _find_recent(self, payload: Mapping[str, Any], since_ms: int) -> list[Job]:
        matches: list[Job] = []
        cursor: str | None = None
        for _ in range(RECONCILE_PAGES):
            page = await self.list_jobs(cursor=cursor, limit=RECONCILE_PAGE_SIZE)
            for job in page.jobs:
                if job.created_ms is not None and job.created_ms >= since_ms and payload_matches(job, payload):
                    matches.append(job)
            oldest = min((j.created_ms for j in page.jobs if j.created_ms is not None), default=None)
            if page.next_cursor is None or (oldest is not None and oldest < since_ms):
                break
            cursor = page.next_cursor
        return matches

    # --- datasets and merge policies ----------------------------------------------------------------
    async def create_dataset(self, name: str) -> str:
        """A dataset on the profile union schema (parquet), as the export guide shows. Returns its id."""
        what = f"Creating dataset {clean_text(name, 80)!r}"
        body = {"name": name,
                "schemaRef": {"id": PROFILE_UNION_SCHEMA, "contentType": "application/vnd.adobe.xed+json;version=1"},
                "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"}}
        await self.auth.token()
        try:
            response = await self._post_once(DATASETS_PATH, body, what=what)
        except AepxError as error:
            if not _ambiguous(error):
                raise
            raise AmbiguousCreateError(
                f"{what} may or may not have succeeded ({clean_text(error.message, 160)}); run `aepx datasets "
                "list` to check before creating it again.", status=error.status, request_id=error.request_id,
                server_message=error.server_message) from None
        data = self._json(response, what)
        refs = data if isinstance(data, list) else [data]
        for ref in refs:
            match = _DATASET_REF.match(ref.strip()) if isinstance(ref, str) else None
            if match:
                return match.group("id")
        raise ApiError(f"{what} returned no dataset reference; run `aepx datasets list` to find the new id.",
                       status=response.status, request_id=response.headers.get("x-request-id"))

    async def list_datasets(self, *, union_only: bool = True) -> list[Dataset]:
        """All datasets (Catalog pages with a 0-based ``start``), optionally only on the union schema."""
        what = "Listing datasets"
        found: dict[str, Dataset] = {}
        for page in range(MAX_PAGES):
            params = {"limit": DATASET_PAGE, "start": page * DATASET_PAGE}
            data = self._json(await self._idempotent("GET", DATASETS_PATH, what=what, params=params), what)
            entries = data if isinstance(data, Mapping) else {}
            new = 0
            for dataset_id, raw in entries.items():
                if dataset_id not in found:
                    new += 1
                    found[dataset_id] = Dataset.parse(str(dataset_id), raw)
            if len(entries) < DATASET_PAGE or new == 0:
                break
        datasets = list(found.values())
        return [d for d in datasets if d.on_union_schema] if union_only else datasets

    async def list_merge_policies(self) -> list[MergePolicy]:
        """All merge policies, following ``_links.next.href``."""
        what = "Listing merge policies"
        policies: dict[str, MergePolicy] = {}
        params: dict[str, Any] = {"limit": MERGE_POLICY_PAGE}
        seen: set[tuple[tuple[str, Any], ...]] = set()
        for _ in range(MAX_PAGES):
            seen.add(tuple(sorted(params.items())))
            data = self._json(await self._idempotent("GET", MERGE_POLICIES_PATH, what=what, params=params),
                              what)
            body = data if isinstance(data, Mapping) else {}
            children = body.get("children")
            for raw in children if isinstance(children, list) else []:
                policy = MergePolicy.parse(raw)
                policies.setdefault(policy.id, policy)
            links = body.get("_links") if isinstance(body.get("_links"), Mapping) else {}
            nxt = links.get("next") if isinstance(links.get("next"), Mapping) else {}
            href = nxt.get("href") if isinstance(nxt.get("href"), str) else ""
            params = _query_of(href) if href else {}
            if not params or tuple(sorted(params.items())) in seen:
                break
        return list(policies.values())


def _segment(job_id: str) -> str:
    text = str(job_id).strip()
    if not text:
        raise UsageError("The job id is empty; pass the numeric id shown by `aepx jobs list`.")
    return quote(text, safe="")


def _ambiguous(error: AepxError) -> bool:
    """Whether a failed POST may have reached the server (so it may have taken effect)."""
    if isinstance(error, ConnectFailed | RateLimitedError):
        return False
    if isinstance(error, ApiTimeoutError):
        return not isinstance(error, ConnectTimedOut)
    return isinstance(error, NetworkError | ServerError)

