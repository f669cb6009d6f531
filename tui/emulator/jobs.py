"""Export-job records: a planned schedule, rendered lazily at any emulated time.

A job never changes once planned, except when it is cancelled. Its status and metrics at time ``t`` are
derived from the schedule, so thousands of jobs cost nothing until they are read.

Schedule (offsets from ``created``): queue wait (NEW) → picked (PROCESSING, ``exportJob`` assigned) →
profile export phase → gap → dataset write phase (``pushJob`` and ``batchId`` assigned) → final.
A failure ends the running phase early; a stuck job's export phase never ends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from tui.emulator.catalog import CANCEL_ERROR, FAILURE_KINDS, FailureKind

NEW, PROCESSING, SUCCEEDED, FAILED = "NEW", "PROCESSING", "SUCCEEDED", "FAILED"
STATUSES = (NEW, PROCESSING, SUCCEEDED, FAILED)

FAILURE_SHARE = 0.12
STUCK_SHARE = 0.015


def rand_hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def rand_uuid(rng: random.Random) -> str:
    h = rand_hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rand_request_id(rng: random.Random) -> str:
    return "".join(rng.choices(_ALNUM, k=32))


@dataclass(slots=True)
class Schedule:
    """Epoch-ms instants of one job's life. ``None`` means "never happens"."""

    pick: int
    export_start: int
    export_end: int | None
    write_start: int | None
    write_end: int | None
    final: int | None
    outcome: str  # SUCCEEDED or FAILED (meaningful only when final is not None)


@dataclass(slots=True)
class Durations:
    queue: int
    startup: int
    export: int
    gap: int
    write: int
    tail: int


    def scaled(self, speed: float) -> Durations:
        """The same lifecycle ``speed`` times faster (each phase at least 1 ms)."""
        if speed == 1:
            return self
        return Durations(*(max(1, int(v / speed)) for v in (self.queue, self.startup, self.export, self.gap,
                                                            self.write, self.tail)))


def random_durations(rng: random.Random) -> Durations:
    """Realistic durations in ms at speed 1: a few minutes end to end."""
    return Durations(
        queue=rng.randint(20_000, 180_000),
        startup=rng.randint(5_000, 60_000),
        export=rng.randint(60_000, 480_000),
        gap=rng.randint(10_000, 90_000),
        write=rng.randint(5_000, 120_000),
        tail=rng.randint(1_000, 20_000),
    )


def build_schedule(created: int, d: Durations, *, failure: FailureKind | None = None,
                   fail_fraction: float = 0.5, stuck: bool = False) -> Schedule:
    pick = created + d.queue
    export_start = pick + d.startup
    if stuck:
        return Schedule(pick, export_start, None, None, None, None, PROCESSING)
    if failure is not None and failure.phase == "export":
        end = export_start + max(1_000, int(d.export * fail_fraction))
        return Schedule(pick, export_start, end, None, None, end + d.tail, FAILED)
    export_end = export_start + d.export
    write_start = export_end + d.gap
    if failure is not None:
        end = write_start + max(1_000, int(d.write * fail_fraction))
        return Schedule(pick, export_start, export_end, write_start, end, end + d.tail, FAILED)
    write_end = write_start + d.write
    return Schedule(pick, export_start, export_end, write_start, write_end, write_end + d.tail, SUCCEEDED)


@dataclass(slots=True)
class Job:
    id: int
    created: int
    ims_org: str
    request_id: str
    profile_instance_id: str
    schema: dict[str, Any]
    merge_policy: dict[str, Any]
    dataset_id: str
    segment_per_batch: bool
    fields: str | None
    additional_fields: dict[str, Any] | None
    filter: dict[str, Any] | None
    schedule: Schedule
    failure: FailureKind | None
    export_job: str
    push_job: str
    batch_id: str
    segment_batches: list[str]
    cancelled_at: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.created, self.id)

    @property
    def cursor(self) -> str:
        return f"{self.created}_{self.id}"

    def status_at(self, now: int) -> str:
        if self.cancelled_at is not None and now >= self.cancelled_at:
            return FAILED
        s = self.schedule
        if now < s.pick:
            return NEW
        if s.final is not None and now >= s.final:
            return s.outcome
        return PROCESSING

    def cancel(self, now: int) -> None:
        self.cancelled_at = now

    def render(self, now: int, *, list_form: bool = False) -> dict[str, Any]:
        """The job as the API shows it at emulated time ``now``."""
        cancelled = self.cancelled_at is not None and now >= self.cancelled_at
        t = self.cancelled_at if cancelled and self.cancelled_at is not None else now
        status = self.status_at(t) if not cancelled else FAILED
        s = self.schedule
        final = s.final is not None and t >= s.final
        events = [self.created]
        gateway: dict[str, str] = {}
        metrics: dict[str, dict[str, int]] = {"totalTime": {"startTimeInMs": self.created}}
        if t >= s.pick:
            gateway["exportJob"] = self.export_job
            events.append(s.pick)
        if t >= s.export_start:
            metrics["profileExportTime"] = _phase(s.export_start, s.export_end, t, events)
        written = s.write_start is not None and t >= s.write_start
        if written and s.write_start is not None:
            gateway["pushJob"] = self.push_job
            metrics["aCPDatasetWriteTime"] = _phase(s.write_start, s.write_end, t, events)
        update = max(events)
        if final and s.final is not None:
            update = s.final
            metrics["totalTime"] = _closed(self.created, s.final)
        if cancelled and self.cancelled_at is not None:
            update = self.cancelled_at
            for name, phase in metrics.items():
                if "endTimeInMs" not in phase:
                    metrics[name] = _closed(phase["startTimeInMs"], self.cancelled_at)
        failed = status == FAILED
        destination: dict[str, Any] = {
            "datasetId" if list_form else "dataSetId": self.dataset_id,
            "segmentPerBatch": self.segment_per_batch,
        }
        if failed:
            destination["batchId"] = ""
        elif written:
            destination["batchId"] = self.batch_id
            if self.segment_batches:
                destination["batches"] = self._batches()
        record: dict[str, Any] = {
            "profileInstanceId": self.profile_instance_id,
            "jobType": "BATCH",
            "id": self.id,
            "schema": self.schema,
            "mergePolicy": self.merge_policy,
        }
        if self.fields is not None:
            record["fields"] = self.fields
        if self.additional_fields is not None:
            record["additionalFields"] = self.additional_fields
        if self.filter is not None:
            record["filter"] = self.filter
        record.update({
            "status": status,
            "requestId": self.request_id,
            "computeGatewayJobId": gateway,
            "metrics": metrics,
            "destination": destination,
            "updateTime": update,
            "imsOrgId": self.ims_org,
            "creationTime": self.created,
        })
        if failed:
            record["errors"] = [dict(CANCEL_ERROR)] if cancelled else self._errors()
        return record

    def _batches(self) -> list[dict[str, Any]]:
        segments = (self.filter or {}).get("segments") or []
        out = []
        for seg, batch in zip(segments, self.segment_batches, strict=False):
            out.append({
                "segmentId": seg.get("segmentId", ""),
                "segmentNs": seg.get("segmentNs", "ups"),
                "status": seg.get("status", ["realized", "existing"]),
                "batchId": batch,
            })
        return out

    def _errors(self) -> list[dict[str, str]]:
        kind = self.failure or FAILURE_KINDS[0]
        return [
            {"code": code, "msg": msg.format(job=self.id, dataset=self.dataset_id, batch=self.batch_id),
             "callStack": stack}
            for code, msg, stack in kind.errors
        ]


def _closed(start: int, end: int) -> dict[str, int]:
    return {"startTimeInMs": start, "endTimeInMs": end, "totalTimeInMs": end - start}


def _phase(start: int, end: int | None, t: int, events: list[int]) -> dict[str, int]:
    events.append(start)
    if end is not None and t >= end:
        events.append(end)
        return _closed(start, end)
    return {"startTimeInMs": start}
