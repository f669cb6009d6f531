"""``PlatformClient``: the ``JobsAPI`` over HTTP, for the real Platform and the emulator.

Idempotent calls (GET, and DELETE of a job) are retried by ``tui.api.retry``. The job-creating POST
is sent once (a refused connection, which never reached the server, is the only thing resent); if its
answer is lost, the client lists the newest jobs to find the job it may have created and says honestly
what it knows (``CreateResult(reconciled=True)`` or ``AmbiguousCreateError``).

One module because every Platform call shares one request path (deadline, size cap, retry policy,
error mapping); Data Access, with its own paging and downloads, is ``data_access.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json as _json
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from tui.api.auth import ImsAuth, TokenStore
from tui.api.calllog import CallObserver
from tui.api.mapping import ConnectFailed, ConnectTimedOut, error_from_response
from tui.api.retry import RetryPolicy, Sleep, call_with_retries, is_retryable, is_retryable_idempotent
from tui.api.transport import HttpSession, RawResponse
from tui.core.errors import (
    AepxError,
    AmbiguousCreateError,
    ApiError,
    ApiTimeoutError,
    AuthError,
    NetworkError,
    RateLimitedError,
    ServerError,
    UsageError,
)
from tui.core.models import (
    PROFILE_UNION_SCHEMA,
    CancelResult,
    CreateResult,
    Dataset,
    Job,
    MergePolicy,
    Page,
    Target,
    destination_dataset,
    to_int,
)
from tui.core.profile import Profile
from tui.core.protocol import JOBS_PATH
from tui.core.sandboxes import SandboxInfo, SandboxKind, kind_of
from tui.core.sanitise import one_line
from tui.core.secret import Secret
from tui.core.statuses import check_status

if TYPE_CHECKING:
    import httpx

DATASETS_PATH = "/data/foundation/catalog/dataSets"
MERGE_POLICIES_PATH = "/data/core/ups/config/mergePolicies"
SEGMENT_DEFINITIONS_PATH = "/data/core/ups/segment/definitions"
SANDBOXES_PATH = "/data/foundation/sandbox-management/"
SANDBOX_PAGE = 50
DATASET_PAGE = 100
MERGE_POLICY_PAGE = 100
MAX_PAGES = 10_000  # a guard against a server whose "next" link never ends
CLOCK_SKEW_S = 120.0
RECONCILE_PAGES = 2
RECONCILE_PAGE_SIZE = 100
_DATASET_REF = re.compile(r"^@/data[sS]ets/(?P<id>[^/?#]+)$")

__all__ = ["PlatformClient", "parse_next_cursor", "payload_matches", "same_job_id"]


def parse_next_cursor(link: str | None) -> str | None:
    """The ``offset`` of a ``link.next`` such as ``/export/jobs/?limit=2&offset=1538573416687_722``."""
    if not link or not isinstance(link, str) or not link.strip():
        return None
    values = parse_qs(urlsplit(link.strip()).query).get("offset")
    return values[0] if values and values[0] else None


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when the server sent an object there, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    """``value`` when the server sent a string there, else ``""``."""
    return value if isinstance(value, str) else ""


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
    dataset = destination_dataset(dest)
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
        timeout: float | None = None,
        deadline: float | None = None,
        retry_wait_cap: float = 30.0,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.monotonic,
        ims_timeout: float = 10.0,
        auth: ImsAuth | None = None,
        on_call: CallObserver | None = None,
    ) -> None:
        self.profile = profile
        self.target = Target(profile=profile.name, org_id=profile.org_id, sandbox=profile.sandbox,
                             platform_url=profile.platform_url, client_id=profile.client_id,
                             is_emulator=profile.is_emulator)
        timeout = profile.request_timeout if timeout is None else timeout  # one attempt, body included
        deadline = max(60.0, timeout) if deadline is None else deadline  # every attempt and wait together
        self.retry = RetryPolicy(deadline=deadline, wait_cap=retry_wait_cap, sleep=sleep or asyncio.sleep,
                                 clock=clock)
        # ``auth``: an ImsAuth shared by several clients of one client id (aepx watch: one token for all);
        # its owner closes it.
        self._owns_auth = auth is None
        self.auth = auth or ImsAuth(ims_url=profile.ims_url, client_id=profile.client_id, secret=secret,
                                    scope=profile.scope, token_store=token_store, transport=transport,
                                    cache_key=profile.token_cache_key,
                                    timeout=min(ims_timeout, timeout * 0.8),  # IMS gives up before the attempt
                                    on_call=on_call)
        self._session = HttpSession(
            base_url=profile.platform_url,
            headers={"x-api-key": profile.client_id, "x-gw-ims-org-id": profile.org_id,
                     "x-sandbox-name": profile.sandbox, "Accept": "application/json"},
            auth=self.auth, transport=transport, timeout=timeout, on_call=on_call)
        self._closed = False
        self._kind: SandboxKind | None = None

    @property
    def on_call(self) -> CallObserver | None:
        """The observer told about every attempt (``tui.api.calllog``); settable, e.g. by the console."""
        return self._session.on_call

    @on_call.setter
    def on_call(self, observer: CallObserver | None) -> None:
        self._session.on_call = observer
        if self._owns_auth:
            self.auth.on_call = observer

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

    def data_access(self):  # -> tui.api.data_access.DataAccess (imported lazily)
        """Batches and files of this profile (Catalog + Data Access API), on this client's session."""
        from tui.api.data_access import DataAccess

        return DataAccess(self)

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
            is_retryable_idempotent, what=what)

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
        check_status(status)
        if limit < 1:
            raise UsageError(f"The page size must be at least 1, not {limit}; pass a positive --limit.")
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["offset"] = cursor
        if status:
            params["status"] = status
        what = "Listing export jobs"
        data = self._json(await self._idempotent("GET", JOBS_PATH, what=what, params=params), what)
        return self._page(data, cursor, limit)

    @staticmethod
    def _page(data: Any, cursor: str | None, limit: int | None = None) -> Page:
        body = data if isinstance(data, Mapping) else {}
        records = body.get("records", data if isinstance(data, list) else [])
        warnings: tuple[str, ...] = ()
        if isinstance(records, list) and limit is not None and len(records) > limit:
            warnings = (f"The Platform sent {len(records):,} jobs for a page of {limit}; only the first {limit} "
                        "are shown.",)
            records = records[:limit]  # parsed and kept: only what was asked for
        jobs = tuple(Job.parse(r) for r in records) if isinstance(records, list) else ()
        page = _mapping(body.get("page"))
        link = _mapping(body.get("link"))
        next_link = _text(link.get("next"))
        next_cursor = parse_next_cursor(next_link)
        if next_cursor is not None and (next_cursor == cursor or not jobs):
            next_cursor = None  # a link that does not advance would loop forever
        return Page(jobs=jobs, next_cursor=next_cursor, next_link=next_link,
                    page_offset=str(page.get("pageOffset") or ""), page_size=to_int(page.get("pageSize")),
                    sort_field=str(page.get("sortField") or ""), sort=str(page.get("sort") or ""),
                    warnings=warnings)

    async def iter_jobs(self, *, limit: int = 100, status: str | None = None,
                        max_pages: int = MAX_PAGES) -> AsyncIterator[Page]:
        """Every page in turn, following ``link.next`` until it is empty.

        Jobs are de-duplicated by id (a job seen on an earlier page is dropped from a later one); a page
        that brings nothing new ends the walk (a ``next`` link that cycles or mints fresh cursors for the
        same jobs), and so does ``max_pages``; both say so in the last page's ``warnings``.
        """
        cursor: str | None = None
        seen: set[str] = set()
        seen_ids: set[str] = set()
        for number in range(1, max_pages + 1):
            page = await self.list_jobs(cursor=cursor, limit=limit, status=status)
            fresh = tuple(job for job in page.jobs if job.id not in seen_ids)
            if len(fresh) != len(page.jobs):
                page = dataclasses.replace(page, jobs=fresh)
            seen_ids.update(job.id for job in fresh)
            if page.next_cursor is not None and not fresh:
                page = dataclasses.replace(page, next_cursor=None, warnings=(*page.warnings, (
                    f"Page {number} of the job list brought no job not already listed; stopped following the "
                    "server's next link.")))
            elif page.next_cursor is not None and number == max_pages:
                page = dataclasses.replace(page, next_cursor=None, warnings=(*page.warnings, (
                    f"Stopped after {max_pages:,} pages ({len(seen_ids):,} jobs); the list may go on, so "
                    "filter it by status.")))
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
        """The job ``job_id``, addressed by that id whatever the record says: a record without an ``id`` gets
        it, and a record whose ``id`` names another job is refused (nothing may be done to that job)."""
        asked = str(job_id).strip()
        what = f"Reading export job {one_line(asked, 60)}"
        response = await self._idempotent("GET", f"{JOBS_PATH}/{_segment(job_id)}", what=what)
        job = Job.parse(self._json(response, what))
        answered = job.raw.get("id") if isinstance(job.raw, Mapping) else None
        if answered is not None and answered != "" and not same_job_id(answered, asked):
            raise ApiError(f"{what} failed because the Platform answered with job "
                           f"{one_line(str(answered), 60)} instead; nothing was done to either job, so check "
                           "the id and report it if it persists.", status=response.status,
                           request_id=response.headers.get("x-request-id"))
        return job if job.id == asked else dataclasses.replace(job, id=asked)

    async def cancel_job(self, job_id: str) -> CancelResult:
        """DELETE is idempotent here: a 404 (also after a retry) means the job is already gone."""
        what = f"Cancelling export job {one_line(str(job_id), 60)}"
        response = await self._idempotent("DELETE", f"{JOBS_PATH}/{_segment(job_id)}", what=what,
                                          ok_statuses=frozenset({404}))
        if response.status == 404:
            return CancelResult(job_id=str(job_id), already_gone=True)
        data = response.json()
        if isinstance(data, Mapping):
            message = one_line(str(data.get("message") or ""))
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
        """A POST resent only when it cannot have taken effect: the connection could not be opened, or the
        answer was 429 (a throttled request is refused before processing), with backoff, in the deadline."""
        return await call_with_retries(lambda: self._send("POST", path, what=what, json=payload), self.retry,
                                       should_retry=_post_resendable, what=what)

    async def _reconcile(self, payload: Mapping[str, Any], sent_at: float, cause: AepxError,
                         existing: frozenset[str] = frozenset()) -> CreateResult:
        since_ms = int((sent_at - CLOCK_SKEW_S) * 1000)
        try:
            matches = [job for job in await self._find_recent(payload, since_ms) if job.id not in existing]
        except AepxError as error:
            raise AmbiguousCreateError(
                f"Creating the export job may or may not have succeeded ({one_line(cause.message, 160)}), "
                f"and checking failed too ({one_line(error.message, 160)}); run `aepx jobs list` to look "
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
            f"Creating the export job may or may not have succeeded ({one_line(cause.message, 160)}) and "
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
        what = f"Creating dataset {one_line(name, 80)!r}"
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
                f"{what} may or may not have succeeded ({one_line(error.message, 160)}); run `aepx datasets "
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
            href = _text(_mapping(_mapping(body.get("_links")).get("next")).get("href"))
            params = _query_of(href) if href else {}
            if not params or tuple(sorted(params.items())) in seen:
                break
        return list(policies.values())

    # --- sandboxes (the Sandbox API's available sandboxes: no admin permission needed) ---------------
    async def list_sandboxes(self) -> list[SandboxInfo]:
        """Every sandbox this credential may use (``limit``/``offset`` pages until one is short)."""
        what = "Listing the available sandboxes"
        found: dict[str, SandboxInfo] = {}
        offset = 0
        for _ in range(MAX_PAGES):
            params = {"limit": SANDBOX_PAGE, "offset": offset}
            data = self._json(await self._idempotent("GET", SANDBOXES_PATH, what=what, params=params), what)
            raw = data.get("sandboxes") if isinstance(data, Mapping) else None
            entries = raw if isinstance(raw, list) else []
            new = 0
            for entry in entries:
                info = SandboxInfo.parse(entry)
                if info is not None and info.name not in found:
                    found[info.name] = info
                    new += 1
            if len(entries) < SANDBOX_PAGE or new == 0:
                break
            offset += len(entries)
        return list(found.values())

    async def sandbox_kind(self) -> SandboxKind:
        """This client's sandbox type, learned once per client; unknown (fail closed) on any error."""
        if self._kind is None:
            try:
                listed = await self.list_sandboxes()
            except AepxError as exc:
                self._kind = kind_of(self.profile.sandbox, None, str(exc))
            else:
                self._kind = kind_of(self.profile.sandbox, listed)
        return self._kind

    # --- single lookups (the preflight's GETs) --------------------------------------------------------
    async def get_dataset(self, dataset_id: str) -> Dataset:
        """``GET /dataSets/{id}`` (Catalog answers ``{id: dataset}``); NotFoundError when it does not exist."""
        what = f"Reading dataset {one_line(str(dataset_id), 60)}"
        data = self._json(await self._idempotent("GET", f"{DATASETS_PATH}/{_segment(dataset_id)}", what=what),
                          what)
        body = data if isinstance(data, Mapping) else {}
        raw = body.get(dataset_id) if isinstance(body.get(dataset_id), Mapping) else next(
            (v for v in body.values() if isinstance(v, Mapping)), body)
        return Dataset.parse(str(dataset_id), raw)

    async def get_merge_policy(self, policy_id: str) -> MergePolicy:
        """``GET /config/mergePolicies/{id}``; NotFoundError when it does not exist."""
        what = f"Reading merge policy {one_line(str(policy_id), 60)}"
        data = self._json(await self._idempotent("GET", f"{MERGE_POLICIES_PATH}/{_segment(policy_id)}",
                                                 what=what), what)
        return MergePolicy.parse(data)

    async def get_segment_definition(self, segment_id: str) -> Mapping[str, Any] | None:
        """``GET /segment/definitions/{id}``: the definition, ``None`` when the service says there is no
        such segment, ``EndpointUnavailable`` when the route itself answers 404 (no UPS error body)."""
        what = f"Reading segment definition {one_line(str(segment_id), 60)}"
        response = await self._idempotent("GET", f"{SEGMENT_DEFINITIONS_PATH}/{_segment(segment_id)}", what=what,
                                          ok_statuses=frozenset({404}))
        if response.status == 404:
            body = response.json()
            if isinstance(body, Mapping) and ("errors" in body or str(segment_id) in _json.dumps(body, default=str)):
                return None  # the service's own answer about this segment (UPS error shape, or naming it)
            raise EndpointUnavailable(f"{what} failed because the segment definitions endpoint is not available "
                                      "here (HTTP 404 for the route)", status=404)
        data = self._json(response, what)
        if not isinstance(data, Mapping):
            raise ApiError(f"{what} got an answer that is not a segment definition; report it if it persists.",
                           status=response.status)
        return data


class EndpointUnavailable(ApiError):
    """The route itself is missing (a 404 without the service's error body), not the thing asked for."""


def same_job_id(answered: Any, asked: str) -> bool:
    """Whether a record's ``id`` names the job ``asked`` for: ``24115`` (a JSON number, as the spec types it)
    and ``"24115"`` do; ``24115.0`` does; ``"٢٤١١٥"`` (other digits) and ``999`` do not."""
    if isinstance(answered, bool):
        return False
    if isinstance(answered, int):
        return str(answered) == asked
    if isinstance(answered, float):
        return answered.is_integer() and str(int(answered)) == asked
    return isinstance(answered, str) and answered.strip() == asked


def _segment(job_id: str) -> str:
    text = str(job_id).strip()
    if not text:
        raise UsageError("The job id is empty; pass the numeric id shown by `aepx jobs list`.")
    return quote(text, safe="")


def _post_resendable(error: AepxError) -> bool:
    return isinstance(error, RateLimitedError) or (isinstance(error, ConnectFailed) and is_retryable(error))


def _ambiguous(error: AepxError) -> bool:
    """Whether a failed POST may have reached the server (so it may have taken effect). A 401 is: a gateway
    may refuse the token after the service took the request, and the auth flow never resends a POST."""
    if isinstance(error, ConnectFailed | RateLimitedError):
        return False
    if isinstance(error, AuthError) and error.status == 401:
        return True
    if isinstance(error, ApiTimeoutError):
        return not isinstance(error, ConnectTimedOut)
    return isinstance(error, NetworkError | ServerError)

