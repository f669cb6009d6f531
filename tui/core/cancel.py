"""Cancellation rules shared by the console and ``aepx jobs cancel``.

Only NEW and PROCESSING jobs can be cancelled. A refused job sends no request. Each job's outcome is
reported separately, so a multi-cancel says exactly what happened to every job.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from tui.core.errors import AepxError, InvalidRequestError
from tui.core.models import Job
from tui.core.protocol import JobsAPI


def refusal(job: Job) -> str | None:
    """Why ``job`` cannot be cancelled, or ``None`` when it can."""
    if job.is_active:
        return None
    return f"Job {job.id} is {job.status}; only NEW or PROCESSING jobs can be cancelled."


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    job_id: str
    ok: bool
    text: str  # one sentence for the operator
    already_gone: bool = False  # 404: the job no longer exists (counted as success)
    refused: bool = False  # not NEW/PROCESSING (before the request, or it finished meanwhile): nothing to do
    finished: Job | None = None  # the job as re-read when it finished while the cancel was on its way


def _not_cancelled(job: Job, exc: AepxError) -> CancelOutcome:
    text = exc.with_request_id()
    # every outcome names its job (a bulk cancel lists many): "job 12" does not name job 1
    if not re.search(rf"\bjob {re.escape(job.id)}(?!\w)", text, re.IGNORECASE):
        text = f"Job {job.id} was not cancelled: {text}"
    return CancelOutcome(job.id, False, text)


async def cancel_one(api: JobsAPI, job: Job) -> CancelOutcome:
    reason = refusal(job)
    if reason:
        return CancelOutcome(job.id, False, reason, refused=True)
    try:
        result = await api.cancel_job(job.id)
    except InvalidRequestError as exc:
        # Refused as a bad request: most often the job finished between the list and the confirmation.
        # The Platform's record decides; its message is not parsed.
        try:
            fresh = await api.get_job(job.id)
        except AepxError:
            return _not_cancelled(job, exc)
        if fresh.is_active:
            return _not_cancelled(job, exc)
        return CancelOutcome(job.id, False, f"Job {job.id} finished ({fresh.status}) before the cancel reached "
                             f"the Platform; nothing was cancelled.", refused=True, finished=fresh)
    except AepxError as exc:
        return _not_cancelled(job, exc)
    if result.already_gone:
        return CancelOutcome(job.id, True, f"Job {job.id} is already gone (404): nothing left to cancel.",
                             already_gone=True)
    return CancelOutcome(job.id, True, f"Job {job.id}: cancel requested.")


async def cancel_many(api: JobsAPI, jobs: list[Job]) -> list[CancelOutcome]:
    """Cancel every job concurrently; one outcome per job, in the order given."""
    return list(await asyncio.gather(*(cancel_one(api, job) for job in jobs)))
