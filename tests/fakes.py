"""An in-memory ``JobsAPI`` for console tests: fixed jobs, a call log, injectable latency and failures."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator, Mapping
from typing import Any

from tui.core.errors import AepxError, NotFoundError
from tui.core.models import (
    PROFILE_UNION_SCHEMA,
    CancelResult,
    CreateResult,
    Dataset,
    Job,
    MergePolicy,
    Page,
    Target,
)

T0 = 1_764_000_000_000  # fixed epoch ms: 2025-11-24T16:00:00Z


def job_record(job_id: int, status: str = "SUCCEEDED", *, created: int | None = None, dataset: str = "ds-1",
               errors: list[dict] | None = None, duration_s: int = 600, **extra: Any) -> dict:
    """A realistic raw record as the list endpoint returns it."""
    created = created if created is not None else T0 - job_id * 60_000
    rec: dict[str, Any] = {
        "id": job_id, "jobType": "BATCH", "profileInstanceId": "ups", "status": status,
        "requestId": f"req-{job_id}", "imsOrgId": "TEST@AdobeOrg",
        "schema": {"name": "_xdm.context.profile"},
        "mergePolicy": {"id": "mp-default", "version": 1},
        "fields": "identities.id,personalEmail.address",
        "destination": {"datasetId": dataset, "segmentPerBatch": False},
        "computeGatewayJobId": {}, "creationTime": created, "updateTime": created,
        "metrics": {"totalTime": {"startTimeInMs": created}},
    }
    half = duration_s * 500
    if status in ("PROCESSING", "SUCCEEDED", "FAILED"):
        rec["computeGatewayJobId"] = {"exportJob": f"exp-{job_id}", "pushJob": f"push-{job_id}"}
        rec["metrics"]["profileExportTime"] = {"startTimeInMs": created + 1000}
    if status in ("SUCCEEDED", "FAILED"):
        end = created + duration_s * 1000
        rec["updateTime"] = end
        rec["metrics"]["totalTime"] = {"startTimeInMs": created, "endTimeInMs": end, "totalTimeInMs": end - created}
        rec["metrics"]["profileExportTime"] = {"startTimeInMs": created + 1000, "endTimeInMs": created + half,
                                               "totalTimeInMs": half - 1000}
    if status == "SUCCEEDED":
        rec["destination"]["batchId"] = f"BATCH{job_id:08d}"
        rec["metrics"]["aCPDatasetWriteTime"] = {"startTimeInMs": created + half,
                                                 "endTimeInMs": created + duration_s * 1000,
                                                 "totalTimeInMs": duration_s * 1000 - half}
    if status == "FAILED":
        rec["destination"]["batchId"] = ""
        rec["errors"] = errors if errors is not None else [
            {"code": "0090000009", "msg": "Error writing profiles to output path", "callStack": "at x\nat y"}]
    rec.update(extra)
    return rec


class FakeJobsAPI:
    """Implements ``tui.api.protocol.JobsAPI``. Newest first, cursor = index as string."""

    def __init__(self, records: list[dict] | None = None, *, target: Target | None = None) -> None:
        self.target = target or Target(profile="test", org_id="TEST@AdobeOrg", sandbox="prod",
                                       platform_url="http://fake", client_id="test-client")
        self.records: dict[str, dict] = {}
        for rec in records if records is not None else [job_record(i) for i in range(1, 6)]:
            self.records[str(rec["id"])] = rec
        self.calls: list[tuple[str, Any]] = []
        self.delay = 0.0  # seconds added to every call
        self.gate: asyncio.Event | None = None  # when set to an unset Event, calls wait on it
        self.fail_with: AepxError | None = None  # raised by every call while set
        self.fail_cancel: dict[str, AepxError] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.datasets = [Dataset.parse("ds-1", {"name": "Profile export target",
                                                 "schemaRef": {"id": PROFILE_UNION_SCHEMA}})]
        self.merge_policies = [MergePolicy.parse({"id": "mp-default", "name": "Default timestamp ordered",
                                                  "version": 1, "default": True,
                                                  "schema": {"name": "_xdm.context.profile"}})]
        self.segments: dict[str, dict] = {}  # segment definitions by id
        self._ids = itertools.count(100_000)

    async def _call(self, name: str, arg: Any = None) -> None:
        self.calls.append((name, arg))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.gate is not None:
                await self.gate.wait()
            if self.fail_with is not None:
                raise self.fail_with
        finally:
            self.in_flight -= 1

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.calls if n == name)

    def _sorted(self, status: str | None) -> list[dict]:
        recs = [r for r in self.records.values() if status is None or r["status"] == status]
        return sorted(recs, key=lambda r: (r["creationTime"], r["id"]), reverse=True)

    async def list_jobs(self, *, cursor: str | None = None, limit: int = 100, status: str | None = None) -> Page:
        await self._call("list_jobs", {"cursor": cursor, "limit": limit, "status": status})
        recs = self._sorted(status)
        start = int(cursor) if cursor else 0
        chunk = recs[start:start + limit]
        nxt = str(start + limit) if start + limit < len(recs) else None
        return Page(jobs=tuple(Job.parse(copy.deepcopy(r)) for r in chunk), next_cursor=nxt,
                    page_offset=cursor or "", page_size=limit)

    async def iter_jobs(self, *, limit: int = 100, status: str | None = None) -> AsyncIterator[Page]:
        cursor = None
        while True:
            page = await self.list_jobs(cursor=cursor, limit=limit, status=status)
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def get_job(self, job_id: str) -> Job:
        await self._call("get_job", job_id)
        rec = self.records.get(str(job_id))
        if rec is None:
            raise NotFoundError(f"Export job {job_id} was not found; it may belong to another sandbox.")
        return Job.parse(copy.deepcopy(rec))

    async def create_job(self, payload: Mapping[str, Any]) -> CreateResult:
        await self._call("create_job", payload)
        job_id = next(self._ids)
        rec = job_record(job_id, "NEW", created=max((r["creationTime"] for r in self.records.values()),
                                                    default=T0) + 1000,
                         dataset=payload.get("destination", {}).get("datasetId", ""))
        self.records[str(job_id)] = rec
        return CreateResult(job=Job.parse(copy.deepcopy(rec)))

    async def cancel_job(self, job_id: str) -> CancelResult:
        await self._call("cancel_job", job_id)
        if job_id in self.fail_cancel:
            raise self.fail_cancel[job_id]
        rec = self.records.get(str(job_id))
        if rec is None:
            return CancelResult(job_id=str(job_id), already_gone=True)
        rec["status"] = "FAILED"
        rec["errors"] = [{"code": "cancelled", "msg": "Job cancelled by user.", "callStack": ""}]
        return CancelResult(job_id=str(job_id))

    async def list_datasets(self, *, union_only: bool = True) -> list[Dataset]:
        await self._call("list_datasets", union_only)
        return list(self.datasets)

    async def create_dataset(self, name: str) -> str:
        await self._call("create_dataset", name)
        ds_id = f"ds-{len(self.datasets) + 1}"
        self.datasets.append(Dataset.parse(ds_id, {"name": name, "schemaRef": {"id": PROFILE_UNION_SCHEMA}}))
        return ds_id

    async def list_merge_policies(self) -> list[MergePolicy]:
        await self._call("list_merge_policies")
        return list(self.merge_policies)

    # the preflight's lookups (tui.api.preflight.gather)
    async def get_dataset(self, dataset_id: str) -> Dataset:
        await self._call("get_dataset", dataset_id)
        found = next((d for d in self.datasets if d.id == dataset_id), None)
        if found is None:
            raise NotFoundError(f"Dataset {dataset_id} was not found.")
        return found

    async def get_merge_policy(self, policy_id: str) -> MergePolicy:
        await self._call("get_merge_policy", policy_id)
        found = next((p for p in self.merge_policies if p.id == policy_id), None)
        if found is None:
            raise NotFoundError(f"Merge policy {policy_id} was not found.")
        return found

    async def get_segment_definition(self, segment_id: str) -> dict | None:
        await self._call("get_segment_definition", segment_id)
        return self.segments.get(segment_id)

    async def aclose(self) -> None:
        self.calls.append(("aclose", None))
