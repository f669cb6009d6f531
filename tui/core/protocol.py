"""The one small interface between the console (and CLI) and the API layer.

``tui.api.client.PlatformClient`` implements it over HTTP; UI tests inject a fake or the client pointed
at the emulator. It lives in the core so that core rules (cancel) and the monitor can take it without
depending on the API layer. No ``textual`` and no ``httpx`` imports here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol, runtime_checkable

from tui.core.models import CancelResult, CreateResult, Dataset, Job, MergePolicy, Page, Target

#: The export-jobs endpoint: the HTTP client calls it, ``tui.core.curl`` shows it.
JOBS_PATH = "/data/core/ups/export/jobs"


@runtime_checkable
class JobsAPI(Protocol):
    target: Target

    async def list_jobs(self, *, cursor: str | None = None, limit: int = 100,
                        status: str | None = None) -> Page: ...

    def iter_jobs(self, *, limit: int = 100, status: str | None = None) -> AsyncIterator[Page]: ...

    async def get_job(self, job_id: str) -> Job: ...

    async def create_job(self, payload: Mapping[str, Any]) -> CreateResult: ...

    async def cancel_job(self, job_id: str) -> CancelResult: ...

    async def list_datasets(self, *, union_only: bool = True) -> list[Dataset]: ...

    async def create_dataset(self, name: str) -> str: ...

    async def list_merge_policies(self) -> list[MergePolicy]: ...

    async def aclose(self) -> None: ...
