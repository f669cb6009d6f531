"""PlatformClient against the emulator over real HTTP (uvicorn on loopback)."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from tests.api.emulator_support import bare_httpx_ids, emulator_client
from tui.api.auth import MemoryTokenStore
from tui.core.errors import (
    AmbiguousCreateError,
    ApiTimeoutError,
    AuthError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
)
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

JOBS = "/data/core/ups/export/jobs"


def store_job_ids(srv: EmulatorServer) -> set[str]:
    s = srv.settings
    return {str(i) for i in srv.store.tenant(s.org, s.sandbox).jobs}


@pytest.fixture
def emulator():
    with EmulatorServer(EmulatorSettings(port=0, jobs=40)) as srv:
        yield srv


async def payload_for(client) -> dict:
    datasets = await client.list_datasets()
    policies = await client.list_merge_policies()
    default = next(p for p in policies if p.default)
    return {"fields": "identities.id,personalEmail.address",
            "mergePolicy": {"id": default.id, "version": default.version},
            "destination": {"datasetId": datasets[0].id, "segmentPerBatch": False},
            "schema": {"name": "_xdm.context.profile"}}


async def test_every_operation(emulator):
    async with emulator_client(emulator) as client:
        assert client.target.is_emulator and client.target.platform_url == emulator.base_url
        datasets = await client.list_datasets()
        assert datasets and all(d.on_union_schema for d in datasets)
        everything = await client.list_datasets(union_only=False)
        assert len(everything) > len(datasets)
        new_id = await client.create_dataset("aepx api test")
        assert new_id in {d.id for d in await client.list_datasets()}
        policies = await client.list_merge_policies()
        assert policies and any(p.default for p in policies)

        payload = await payload_for(client)
        created = await client.create_job(payload)
        assert not created.reconciled and created.job.status == "NEW"
        assert created.job.dataset_id == payload["destination"]["datasetId"]
        fetched = await client.get_job(created.job.id)
        assert fetched.id == created.job.id
        first = await client.list_jobs(limit=5)
        assert first.jobs[0].id == created.job.id and first.has_more
        second = await client.list_jobs(cursor=first.next_cursor, limit=5)
        assert not {j.id for j in first.jobs} & {j.id for j in second.jobs}
        failed = [j async for p in client.iter_jobs(limit=7, status="FAILED") for j in p.jobs]
        assert failed and all(j.status == "FAILED" for j in failed)

        cancelled = await client.cancel_job(created.job.id)
        assert not cancelled.already_gone
        with pytest.raises(NotFoundError):
            await client.get_job("1")
        gone = await client.cancel_job("1")
        assert gone.already_gone
        with pytest.raises(InvalidRequestError):
            await client.create_job({**payload, "schema": {"name": "other"}})


async def test_paging_three_thousand_jobs_is_exact():
    with EmulatorServer(EmulatorSettings(port=0, jobs=3000)) as srv:
        async with emulator_client(srv) as client:
            ids = [j.id async for p in client.iter_jobs(limit=100) for j in p.jobs]
        assert len(ids) == 3000 == len(set(ids))
        assert set(ids) == store_job_ids(srv)
        assert ids == await bare_httpx_ids(srv)


async def test_token_expiry_mid_run_is_refreshed():
    with EmulatorServer(EmulatorSettings(port=0, jobs=300, token_ttl=60)) as srv:
        server_now = [0.0]
        srv.store.monotonic = lambda: server_now[0]
        store = MemoryTokenStore()
        async with emulator_client(srv, token_store=store) as client:
            ids: list[str] = []
            async for page in client.iter_jobs(limit=50):
                ids.extend(j.id for j in page.jobs)
                server_now[0] += 25  # the token expires on the server between pages
            assert client.auth.fetch_count == 2  # expired at 75 s of 6 pages x 25 s, refreshed once
        assert len(ids) == 300 == len(set(ids)) and set(ids) == store_job_ids(srv)
        statuses = [r.status for r in srv.requests if r.path == JOBS]
        assert 401 in statuses and statuses[-1] == 200
        assert store.load(client.profile.token_cache_key) is not None


async def test_faults_leave_lists_complete_and_creates_unduplicated():
    settings = EmulatorSettings(port=0, jobs=500, fault_rate_429=0.2, fault_rate_5xx=0.15, seed=7)
    with EmulatorServer(settings) as srv:
        async with emulator_client(srv) as client:
            ids = [j.id async for p in client.iter_jobs(limit=50) for j in p.jobs]
            assert len(ids) == 500 == len(set(ids)) and set(ids) == store_job_ids(srv)
            datasets = await client.list_datasets()
            assert datasets
            settings.fault_rate_429 = settings.fault_rate_5xx = 0.0
            payload = await payload_for(client)
            settings.fault_rate_429, settings.fault_rate_5xx = 0.2, 0.15
            before = len(store_job_ids(srv))
            created, refused = 0, 0
            for _ in range(12):
                try:
                    await client.create_job(payload)
                    created += 1
                except (RateLimitedError, AmbiguousCreateError):
                    refused += 1
        posts = [r for r in srv.requests if r.method == "POST" and r.path == JOBS]
        assert len([r for r in posts if r.status != 429]) == 12  # never resent, except after a 429
        assert refused >= 1 and created >= 1
        assert len(store_job_ids(srv)) - before == created
        faulted = [r.status for r in srv.requests if r.path == JOBS and r.method == "GET"]
        assert {429, 500, 502, 503} & set(faulted)


class DropFirstPostResponse(httpx.AsyncBaseTransport):
    """Lets the first job POST reach the emulator, then loses its answer (a dropped connection)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.dropped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == JOBS and not self.dropped:
            self.dropped += 1
            await response.aclose()
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_ambiguous_create_is_reconciled(emulator):
    transport = DropFirstPostResponse()
    async with emulator_client(emulator, transport=transport) as client:
        payload = await payload_for(client)
        before = store_job_ids(emulator)
        result = await client.create_job(payload)
    assert transport.dropped == 1
    assert result.reconciled
    assert store_job_ids(emulator) - before == {result.job.id}
    assert sum(1 for r in emulator.requests if r.method == "POST" and r.path == JOBS) == 1


async def test_slow_platform_times_out():
    with EmulatorServer(EmulatorSettings(port=0, jobs=5, latency_ms=(600, 600))) as srv:
        async with emulator_client(srv, timeout=0.2) as client:
            with pytest.raises(ApiTimeoutError, match=r"did not (send a complete answer|answer) within 0\.2 s"):
                await client.list_jobs()


async def test_slow_create_is_ambiguous_not_resent():
    with EmulatorServer(EmulatorSettings(port=0, jobs=5)) as srv:
        async with emulator_client(srv, timeout=0.3) as client:
            payload = await payload_for(client)
            srv.settings.latency_ms = (800, 800)
            with pytest.raises(AmbiguousCreateError, match="may or may not have succeeded"):
                await client.create_job(payload)
        posts = [r for r in srv.requests if r.method == "POST" and r.path == JOBS]
        assert len(posts) <= 1  # the request log may record it only once the handler finishes


async def test_wrong_secret_is_auth_error_exit_3(emulator):
    async with emulator_client(emulator, secret="not-the-secret") as client:
        with pytest.raises(AuthError) as info:
            await client.list_jobs()
    assert info.value.exit_code == 3
    assert str(info.value).startswith("IMS refused the client credentials (invalid_client:")
    assert "not-the-secret" not in str(info.value)


async def test_nothing_listening_is_a_network_error():
    with EmulatorServer(EmulatorSettings(port=0, jobs=1)) as srv:
        url = srv.base_url
    from tests.api.emulator_support import emulator_profile  # the server is stopped now
    from tui.api.client import PlatformClient
    from tui.core.secret import Secret

    srv.base_url = url
    async with PlatformClient(emulator_profile(srv), Secret("x"), deadline=0.0) as client:
        with pytest.raises(NetworkError) as info:
            await client.list_jobs()
    assert str(info.value) == f"Could not reach {url}: connection refused. Check ims_url and your network."


def test_importing_the_client_does_not_import_textual():
    # (httpx itself pulls in rich through its CLI module httpx._main; only textual is forbidden)
    code = ("import sys, json, tui.api, tui.api.client, tui.api.auth, tui.api.transport; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_importing_tui_api_does_not_import_httpx():
    code = "import sys, tui.api; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
