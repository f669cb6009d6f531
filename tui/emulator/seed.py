"""Seeded demo data for the configured (org, sandbox): datasets and ``jobs`` export jobs.

Same seed and same clock start → same data. Jobs are spread over the three weeks before the clock
start; almost all are final, a handful are NEW/PROCESSING right now (live progress in a demo), a few
are stuck in PROCESSING for hours, and failures cover every failure kind.
"""

from __future__ import annotations

import random
from typing import Any

from tui.emulator.catalog import (
    EVENT_DATASET_NAME,
    EVENT_FIELD_LISTS,
    FAILURE_KINDS,
    FIELD_LISTS,
    PROFILE_SCHEMA_NAME,
    PROFILE_UNION_SCHEMA,
    UNION_DATASET_NAMES,
)
from tui.emulator.jobs import (
    FAILURE_SHARE,
    Durations,
    Job,
    build_schedule,
    rand_hex,
    rand_request_id,
    rand_uuid,
    random_durations,
)
from tui.emulator.store import Store, Tenant, add_segment_definition, new_dataset

DAY = 86_400_000
MINUTE = 60_000
SPREAD_MS = 21 * DAY
SETTLED_MS = 30 * MINUTE  # older jobs are all final (the longest plan is ~16 minutes)


def seed_tenant(store: Store, tenant: Tenant, n_jobs: int) -> None:
    rng = random.Random(store.settings.seed)
    start = store.start_ms
    union_ids = _seed_datasets(rng, tenant, start)
    roles = _roles(rng, n_jobs)
    created_times = _created_times(rng, start, roles, store.settings.speed)
    order = sorted(range(n_jobs), key=lambda i: created_times[i])
    policies = tenant.merge_policies
    for i in order:
        job = _make_job(store, rng, tenant, created_times[i], roles[i], start, union_ids, policies)
        tenant.add_job(job)
        for segment in (job.filter or {}).get("segments") or []:
            add_segment_definition(tenant, segment["segmentId"], job.created - 7 * DAY)


def _seed_datasets(rng: random.Random, tenant: Tenant, start: int) -> list[str]:
    union_ids = list(tenant.datasets)
    for k, name in enumerate(UNION_DATASET_NAMES):
        ds = new_dataset(rng, tenant.org, tenant.sandbox_id, name, PROFILE_UNION_SCHEMA,
                         start - (60 - 9 * k) * DAY, None)
        tenant.datasets[ds["_id"]] = ds["body"]
        union_ids.append(ds["_id"])
    events = new_dataset(rng, tenant.org, tenant.sandbox_id, EVENT_DATASET_NAME,
                         f"https://ns.adobe.com/emulator/schemas/{rand_hex(rng, 32)}", start - 75 * DAY,
                         "ExperienceEvent data; not a profile union dataset, cannot receive exports.")
    tenant.datasets[events["_id"]] = events["body"]
    return union_ids


def _roles(rng: random.Random, n: int) -> list[str]:
    """One role per job: active-<k>, stuck, fail-<k>, or plain."""
    roles = ["plain"] * n
    slots = list(range(n))
    rng.shuffle(slots)
    special = [f"active-{k}" for k in range(4)] + ["stuck"] * min(5, max(1, n // 100))
    special += [f"fail-{k}" for k in range(len(FAILURE_KINDS))]
    for role, slot in zip(special, slots, strict=False):
        roles[slot] = role
    return roles


ACTIVE_AGES = (15_000, 75_000, 4 * MINUTE, 9 * MINUTE)


def _created_times(rng: random.Random, start: int, roles: list[str], speed: float) -> list[int]:
    out = []
    for role in roles:
        if role.startswith("active-"):
            out.append(start - int(ACTIVE_AGES[int(role[7:])] / speed))
        elif role == "stuck":
            out.append(start - rng.randint(5 * 60, 40 * 60) * MINUTE)
        else:
            out.append(start - rng.randint(SETTLED_MS, SPREAD_MS))
    return out


def _active_durations(rng: random.Random, k: int) -> Durations:
    """Durations that leave active job ``k`` NEW (0), just picked (1), exporting (2) or writing (3)."""
    d = random_durations(rng)
    if k == 0:
        d.queue = rng.randint(60_000, 150_000)
    elif k == 1:
        d.queue, d.startup = 30_000, rng.randint(60_000, 90_000)
    elif k == 2:
        d.queue, d.startup, d.export = 30_000, 20_000, rng.randint(6 * MINUTE, 9 * MINUTE)
    else:
        d.queue, d.startup, d.export, d.gap = 40_000, 20_000, 3 * MINUTE, 30_000
        d.write = rng.randint(5 * MINUTE, 8 * MINUTE)
    return d


def _make_job(store: Store, rng: random.Random, tenant: Tenant, created: int, role: str, start: int,
              union_ids: list[str], policies: list[dict[str, Any]]) -> Job:
    failure = None
    stuck = role == "stuck"
    if role.startswith("active-"):
        durations = _active_durations(rng, int(role[7:])).scaled(store.settings.speed)
    else:
        durations = random_durations(rng)
        if role.startswith("fail-"):
            failure = FAILURE_KINDS[int(role[5:])]
        elif role == "plain" and rng.random() < FAILURE_SHARE:
            failure = rng.choice(FAILURE_KINDS)
    policy = rng.choice(policies)
    spec = _random_request(rng)
    segments = (spec["filter"] or {}).get("segments") or []
    per_batch = bool(segments) and rng.random() < 0.4
    return Job(
        id=store.take_id(rng), created=created, ims_org=tenant.org, request_id=rand_request_id(rng),
        profile_instance_id="ups", schema={"name": PROFILE_SCHEMA_NAME},
        merge_policy={"id": policy["id"], "version": policy["version"]},
        dataset_id=rng.choice(union_ids), segment_per_batch=per_batch, fields=spec["fields"],
        additional_fields=spec["additional_fields"], filter=spec["filter"],
        schedule=build_schedule(created, durations, failure=failure, fail_fraction=rng.uniform(0.1, 0.9),
                                stuck=stuck),
        failure=failure, export_job=rand_uuid(rng), push_job=rand_uuid(rng), batch_id=rand_hex(rng, 32),
        segment_batches=[rand_hex(rng, 32) for _ in segments] if per_batch else [],
    )


def _random_request(rng: random.Random) -> dict[str, Any]:
    fields = rng.choice(FIELD_LISTS)
    additional = None
    if rng.random() < 0.3:
        additional = {"eventList": {"fields": rng.choice(EVENT_FIELD_LISTS),
                                    "filter": {"fromIngestTimestamp": f"2026-0{rng.randint(1, 9)}-"
                                                                      f"{rng.randint(10, 28)}T00:00:00Z"}}}
    flt = None
    if rng.random() < 0.35:
        segs = [{"segmentId": rand_uuid(rng), "segmentNs": "ups", "status": ["realized", "existing"]}
                for _ in range(rng.randint(1, 3))]
        flt = {"segments": segs}
    return {"fields": fields or None, "additional_fields": additional, "filter": flt}
