"""The emulator's in-memory state: tokens, tenants (org × sandbox), datasets, merge policies, jobs.

All access goes through one re-entrant lock, so the store is safe from the server's event loop and
from test threads alike. Jobs of a tenant are kept sorted by ``(creationTime, id)``; list pages are
found with ``bisect`` on that key, so a page costs O(log n + page) whatever the number of jobs.
"""

from __future__ import annotations

import bisect
import random
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tui.emulator.catalog import (
    FAILURE_KINDS,
    PROFILE_UNION_SCHEMA,
    SANDBOX_DATASET_NAME,
    XED_CONTENT_TYPE,
)
from tui.emulator.clock import EmulatedClock
from tui.emulator.jobs import (
    FAILURE_SHARE,
    STUCK_SHARE,
    Job,
    build_schedule,
    rand_hex,
    rand_request_id,
    rand_uuid,
    random_durations,
)
from tui.emulator.settings import EmulatorSettings


@dataclass(frozen=True, slots=True)
class RequestRecord:
    t: float  # time.monotonic() when the request arrived
    method: str
    path: str
    query: str
    status: int


class RequestLog:
    """A thread-safe, append-only list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._items: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._items.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._items[index]


@dataclass
class Tenant:
    """The data of one (org, sandbox)."""

    org: str
    sandbox: str
    sandbox_id: str
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    merge_policies: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[int, Job] = field(default_factory=dict)
    keys: list[tuple[int, int]] = field(default_factory=list)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)  # segment definitions by id

    def add_job(self, job: Job) -> None:
        self.jobs[job.id] = job
        key = job.key
        if not self.keys or key > self.keys[-1]:
            self.keys.append(key)
        else:
            bisect.insort(self.keys, key)

    def merge_policy(self, policy_id: str) -> dict[str, Any] | None:
        return next((p for p in self.merge_policies if p["id"] == policy_id), None)

    def default_merge_policy(self) -> dict[str, Any]:
        return next(p for p in self.merge_policies if p["default"])


class Store:
    def __init__(self, settings: EmulatorSettings, clock: EmulatedClock) -> None:
        self.settings = settings
        self.clock = clock
        self.lock = threading.RLock()
        self.requests = RequestLog()
        self.tenants: dict[tuple[str, str], Tenant] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._rng = random.Random(f"{settings.seed}:created-jobs")
        self._next_id = 24_000
        self.monotonic = time.monotonic  # token expiry runs on real time; tests may replace this
        self.start_ms = clock.now_ms()

    # --- time and ids -----------------------------------------------------------------------------
    def now_ms(self) -> int:
        return self.clock.now_ms()

    def take_id(self, rng: random.Random) -> int:
        with self.lock:
            self._next_id += rng.randint(1, 7)
            return self._next_id

    # --- tokens (real monotonic time, not emulated time) -----------------------------------------
    def issue_token(self, org: str) -> tuple[str, int]:
        token = secrets.token_urlsafe(48)
        ttl = self.settings.token_ttl
        with self.lock:
            self._tokens[token] = (org, self.monotonic() + ttl)
        return token, ttl

    def token_org(self, token: str) -> str | None:
        """The org of a valid, unexpired token; ``None`` otherwise (expired tokens are forgotten)."""
        with self.lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None
            org, expires = entry
            if self.monotonic() >= expires:
                del self._tokens[token]
                return None
            return org

    # --- tenants ----------------------------------------------------------------------------------
    def tenant(self, org: str, sandbox: str) -> Tenant:
        """Get or lazily create a tenant: every sandbox has merge policies and one union dataset."""
        with self.lock:
            found = self.tenants.get((org, sandbox))
            if found is None:
                found = self._new_tenant(org, sandbox)
                self.tenants[(org, sandbox)] = found
            return found

    def _new_tenant(self, org: str, sandbox: str) -> Tenant:
        rng = random.Random(f"{self.settings.seed}:{org}:{sandbox}")
        tenant = Tenant(org, sandbox, rand_uuid(rng))
        created = self.start_ms - 90 * 86_400_000
        ds = new_dataset(rng, org, tenant.sandbox_id, SANDBOX_DATASET_NAME, PROFILE_UNION_SCHEMA, created,
                         "Union dataset every emulated sandbox starts with.")
        tenant.datasets[ds["_id"]] = ds["body"]
        tenant.merge_policies = default_merge_policies(rng, tenant, self.start_ms, list(tenant.datasets))
        return tenant

    # --- datasets ---------------------------------------------------------------------------------
    def add_dataset(self, tenant: Tenant, name: str, schema_id: str, body: dict[str, Any]) -> str:
        with self.lock:
            rng = random.Random(f"{self.settings.seed}:{tenant.sandbox}:ds:{len(tenant.datasets)}")
            ds = new_dataset(rng, tenant.org, tenant.sandbox_id, name, schema_id, self.now_ms(),
                             body.get("description") if isinstance(body.get("description"), str) else None)
            for key in ("fileDescription", "tags"):
                if isinstance(body.get(key), dict):
                    ds["body"][key] = body[key]
            if isinstance(body.get("schemaRef"), dict) and isinstance(body["schemaRef"].get("contentType"), str):
                ds["body"]["schemaRef"]["contentType"] = body["schemaRef"]["contentType"]
            tenant.datasets[ds["_id"]] = ds["body"]
            return ds["_id"]

    # --- jobs -------------------------------------------------------------------------------------
    def create_job(self, tenant: Tenant, spec: dict[str, Any]) -> Job:
        """Create a job from a validated request; it follows the seeded lifecycle from now on."""
        with self.lock:
            rng = self._rng
            now = self.now_ms()
            durations = random_durations(rng).scaled(self.settings.speed)
            roll = rng.random()
            stuck = roll < STUCK_SHARE
            failure = rng.choice(FAILURE_KINDS) if STUCK_SHARE <= roll < STUCK_SHARE + FAILURE_SHARE else None
            segments = (spec.get("filter") or {}).get("segments") or []
            job = Job(
                id=self.take_id(rng), created=now, ims_org=tenant.org, request_id=rand_request_id(rng),
                profile_instance_id=spec["profile_instance_id"], schema=spec["schema"],
                merge_policy=spec["merge_policy"], dataset_id=spec["dataset_id"],
                segment_per_batch=spec["segment_per_batch"], fields=spec.get("fields"),
                additional_fields=spec.get("additional_fields"), filter=spec.get("filter"),
                schedule=build_schedule(now, durations, failure=failure, fail_fraction=rng.uniform(0.1, 0.9),
                                        stuck=stuck),
                failure=failure, export_job=rand_uuid(rng), push_job=rand_uuid(rng),
                batch_id=rand_hex(rng, 32),
                segment_batches=[rand_hex(rng, 32) for _ in segments] if spec["segment_per_batch"] else [],
            )
            tenant.add_job(job)
            return job

    def get_job(self, tenant: Tenant, job_id: int) -> Job | None:
        with self.lock:
            return tenant.jobs.get(job_id)

    def list_jobs(self, tenant: Tenant, *, before: tuple[int, int] | None, limit: int | None,
                  status: str | None, skip: int, now: int) -> tuple[list[Job], bool]:
        """Jobs newest first, strictly older than ``before``; returns (page, more_after_page)."""
        with self.lock:
            keys = tenant.keys
            index = len(keys) if before is None else bisect.bisect_left(keys, before)
            page: list[Job] = []
            want = None if limit is None else limit + 1
            skipped = 0
            for i in range(index - 1, -1, -1):
                job = tenant.jobs[keys[i][1]]
                if status is not None and job.status_at(now) != status:
                    continue
                if skipped < skip:
                    skipped += 1
                    continue
                page.append(job)
                if want is not None and len(page) >= want:
                    break
            more = limit is not None and len(page) > limit
            return (page[:limit] if limit is not None else page), more

    def cancel_job(self, job: Job, now: int) -> str | None:
        """Cancel an active job; returns the blocking status if it is already final."""
        with self.lock:
            status = job.status_at(now)
            if status not in ("NEW", "PROCESSING"):
                return status
            job.cancel(now)
            return None


def new_dataset(rng: random.Random, org: str, sandbox_id: str, name: str, schema_id: str, created: int,
                description: str | None) -> dict[str, Any]:
    ds_id = rand_hex(rng, 24)
    body: dict[str, Any] = {
        "name": name,
        "imsOrg": org,
        "sandboxId": sandbox_id,
        "created": created,
        "updated": created,
        "createdClient": "aepx-emulator",
        "createdUser": "aepx-emulator@AdobeID",
        "version": "1.0.0",
        "schemaRef": {"id": schema_id, "contentType": XED_CONTENT_TYPE},
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        "files": f"@/dataSetFiles?dataSetId={ds_id}",
    }
    if description:
        body["description"] = description
    return {"_id": ds_id, "body": body}


def default_merge_policies(rng: random.Random, tenant: Tenant, now: int,
                           dataset_ids: list[str]) -> list[dict[str, Any]]:
    sandbox = {"sandboxId": tenant.sandbox_id, "sandboxName": tenant.sandbox,
               "type": "production" if tenant.sandbox == "prod" else "development",
               "default": tenant.sandbox == "prod"}
    specs = (
        ("Default Timebased", {"type": "none"}, {"type": "timestampOrdered"}, True, 1),
        ("Timestamp ordered with private graph", {"type": "pdg"}, {"type": "timestampOrdered"}, False, 2),
        ("Dataset precedence - CRM first", {"type": "pdg"},
         {"type": "dataSetPrecedence", "order": dataset_ids[:2]}, False, 3),
    )
    policies = []
    for i, (name, graph, merge, default, version) in enumerate(specs):
        policies.append({
            "id": rand_uuid(rng), "name": name, "imsOrgId": tenant.org, "sandbox": dict(sandbox),
            "schema": {"name": "_xdm.context.profile"}, "version": version, "identityGraph": graph,
            "attributeMerge": merge, "default": default, "updateEpoch": now // 1000 - 86_400 * (30 + 7 * i),
        })
    return policies


SEGMENT_NAMES = (
    "Loyalty members - gold tier",
    "Purchased in the last 30 days",
    "Newsletter subscribers (email consent)",
    "Cart abandoners - last 7 days",
    "High lifetime value",
    "Inactive for 90 days",
)


def add_segment_definition(tenant: Tenant, segment_id: str, created: int) -> dict[str, Any]:
    """A segment definition in the documented shape (``GET /segment/definitions/{id}``); no randomness,
    so seeding stays identical with or without it."""
    existing = tenant.segments.get(segment_id)
    if existing is not None:
        return existing
    name = SEGMENT_NAMES[len(tenant.segments) % len(SEGMENT_NAMES)]
    definition = {
        "id": segment_id,
        "schema": {"name": "_xdm.context.profile"},
        "ttlInDays": 30,
        "profileInstanceId": "ups",
        "imsOrgId": tenant.org,
        "sandbox": {"sandboxId": tenant.sandbox_id, "sandboxName": tenant.sandbox,
                    "type": "production" if tenant.sandbox == "prod" else "development",
                    "default": tenant.sandbox == "prod"},
        "name": name,
        "description": f"{name} (emulator)",
        "expression": {"type": "PQL", "format": "pql/text", "value": 'homeAddress.country = "US"'},
        "evaluationInfo": {"batch": {"enabled": True}, "continuous": {"enabled": False},
                           "synchronous": {"enabled": False}},
        "dataGovernancePolicy": {"excludeOptOut": True},
        "creationTime": created,
        "updateEpoch": created // 1000,
        "updateTime": created,
    }
    tenant.segments[segment_id] = definition
    return definition
