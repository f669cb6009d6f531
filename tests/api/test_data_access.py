"""DataAccess against the emulator over real HTTP: batches, file paging, downloads, resumption, peeks."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import pytest

from tests.api.emulator_support import emulator_client
from tui.api import data_access as da_module
from tui.api.data_access import DataAccess, DownloadError, ForeignLinkError
from tui.core.errors import NotFoundError
from tui.core.models import Job
from tui.core.output import BatchFile, exported_profiles, job_batches, same_origin
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


def _server(**kw) -> EmulatorServer:
    return EmulatorServer(EmulatorSettings(port=0, jobs=30, **kw))


@pytest.fixture
def emulator():
    with _server() as srv:
        yield srv


async def _batch_id(client) -> str:
    page = await client.list_jobs(status="SUCCEEDED", limit=5)
    return job_batches(page.jobs[0])[0].batch_id


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _emulator_bytes(srv: EmulatorServer, batch_id: str, name: str) -> bytes:
    factory = srv.app.state.batches
    s = srv.settings
    batch = factory.find(srv.store.tenant(s.org, s.sandbox), batch_id, srv.store.now_ms())
    part = next(p for p in batch.parts if p.name == name)
    return factory.path(batch, part).read_bytes()


async def test_batch_and_files(emulator) -> None:
    async with emulator_client(emulator) as client:
        da = DataAccess(client, page_size=1)  # one file per page: the absolute next links are followed
        batch_id = await _batch_id(client)
        batch = await da.get_batch(batch_id)
        assert batch.succeeded and batch.record_count == 20_000 and batch.size and batch.dataset_id
        files = await da.list_files(batch_id)
        assert 2 <= len(files) <= 5
        assert sum(f.records or 0 for f in files) == batch.record_count
        assert sum(f.size or 0 for f in files) == batch.size
        assert all(isinstance(f.size, int) and f.name.endswith(".snappy.parquet") for f in files)
        assert batch.as_json()["id"] == batch_id and batch.as_json()["status"] == "success"


async def test_unknown_batch_is_one_sentence(emulator) -> None:
    async with emulator_client(emulator) as client:
        with pytest.raises(NotFoundError) as info:
            await DataAccess(client).get_batch("0" * 32)
        assert str(info.value).startswith("Batch 00000000000000000000000000000000 was not found in sandbox prod")
        with pytest.raises(NotFoundError):
            await DataAccess(client).list_files("0" * 32)


async def test_next_link_to_another_origin_is_refused_and_nothing_is_sent_there() -> None:
    with _server() as foreign, _server(link_origin="") as home:
        home.settings.link_origin = foreign.base_url
        async with emulator_client(home) as client:
            batch_id = await _batch_id(client)
            with pytest.raises(ForeignLinkError) as info:
                await DataAccess(client, page_size=1).list_files(batch_id)
        assert "never sends your token to another host" in str(info.value)
        assert f"127.0.0.1:{foreign.port}" in str(info.value)
        assert len(foreign.requests) == 0


def test_same_origin_normalises_default_ports() -> None:
    assert same_origin("https://platform.adobe.io:443/x?y=1", "https://platform.adobe.io")
    assert same_origin("HTTPS://Platform.Adobe.io/x", "https://platform.adobe.io:443/")
    assert not same_origin("https://platform.adobe.io.evil.example/x", "https://platform.adobe.io")
    assert not same_origin("http://platform.adobe.io/x", "https://platform.adobe.io")
    assert not same_origin("https://platform.adobe.io:8443/x", "https://platform.adobe.io")
    assert not same_origin("/relative", "https://platform.adobe.io")


def test_job_batches_reads_both_shapes() -> None:
    as_array = Job.parse({"id": 1, "status": "SUCCEEDED", "destination": {"batchId": "main", "batches": [
        {"segmentId": "s1", "batchId": "b1"}, {"segmentId": "s2", "batchId": "b2"}]}})
    assert [(r.batch_id, r.segment_id) for r in job_batches(as_array)] == [("main", ""), ("b1", "s1"), ("b2", "s2")]
    as_object = Job.parse({"id": 1, "status": "SUCCEEDED", "destination": {"batches": {"segmentId": "s",
                                                                                        "batchId": "b"}}})
    assert [r.batch_id for r in job_batches(as_object)] == ["b"]
    assert job_batches(Job.parse({"id": 1, "status": "FAILED", "destination": {"batchId": ""}})) == []


def test_exported_profile_counters_when_present() -> None:
    job = Job.parse({"id": 1, "status": "SUCCEEDED", "metrics": {
        "totalExportedProfileCounter": 12345, "exportedProfileByNamespaceCounter": {"ECID": "12000", "Email": 345}}})
    assert exported_profiles(job) == "12,345 (ECID 12,000, Email 345)"
    assert exported_profiles(Job.parse({"id": 1, "status": "SUCCEEDED"})) == ""


async def test_download_is_byte_identical_in_small_chunks(emulator, tmp_path: Path) -> None:
    async with emulator_client(emulator) as client:
        da = DataAccess(client, chunk_size=64 * 1024)
        batch_id = await _batch_id(client)
        file = (await da.list_files(batch_id))[0]
        seen: list[int] = []
        result = await da.download_file(file, tmp_path, seen.append)
        assert result.path == tmp_path / file.name and not (tmp_path / f"{file.name}.part").exists()
        assert _sha(result.path.read_bytes()) == _sha(_emulator_bytes(emulator, batch_id, file.name))
        assert sum(seen) == file.size and len(seen) > 1
        again = await da.download_file(file, tmp_path)
        assert again.already_complete


async def test_cut_connections_are_retried_and_the_result_is_byte_identical(tmp_path: Path) -> None:
    with _server(fault_rate_cut=0.5) as srv:
        async with emulator_client(srv) as client:
            da = DataAccess(client, chunk_size=32 * 1024)
            batch_id = await _batch_id(client)
            files = await da.list_files(batch_id)
            for file in files:
                result = await da.download_file(file, tmp_path)
                assert _sha(result.path.read_bytes()) == _sha(_emulator_bytes(srv, batch_id, file.name))
    chunks = sum(-(-(f.size or 0) // (32 * 1024)) for f in files)
    content_gets = [r for r in srv.requests if "/export/files/" in r.path and "path=" in r.query]
    assert len(content_gets) > chunks  # some chunks were cut and sent again


async def test_the_call_log_numbers_a_chunks_retries(tmp_path: Path) -> None:
    """A chunk sent again after a 5xx is "attempt 2" in the call log (it said attempt 1 every time)."""
    records = []
    with _server(fault_rate_5xx=0.3) as srv:
        async with emulator_client(srv, on_call=records.append) as client:
            da = DataAccess(client, chunk_size=32 * 1024)
            file = (await da.list_files(await _batch_id(client)))[0]
            await da.download_file(file, tmp_path)
    chunk_calls = [r for r in records if "/export/files/" in r.path and "path=" in r.path]
    failed = [r for r in chunk_calls if r.status in (500, 502, 503)]
    assert failed, "the emulator faulted no chunk: raise fault_rate_5xx"
    assert {r.attempt for r in chunk_calls} > {1}
    after_failure = [chunk_calls[i + 1] for i, r in enumerate(chunk_calls[:-1]) if r.status in (500, 502, 503)]
    assert all(r.attempt >= 2 for r in after_failure)


async def test_429_and_5xx_on_file_routes_are_retried(tmp_path: Path) -> None:
    with _server(fault_rate_5xx=0.25, fault_rate_429=0.1) as srv:
        async with emulator_client(srv) as client:
            da = DataAccess(client, chunk_size=32 * 1024)
            batch_id = await _batch_id(client)
            file = (await da.list_files(batch_id))[0]
            result = await da.download_file(file, tmp_path)
            assert _sha(result.path.read_bytes()) == _sha(_emulator_bytes(srv, batch_id, file.name))
            assert (await da.peek_parquet(file)).info is not None
    assert any(r.status in (429, 500, 502, 503) and "/export/files/" in r.path for r in srv.requests)


async def test_a_rerun_resumes_from_the_part_file(emulator, tmp_path: Path) -> None:
    async with emulator_client(emulator) as client:
        da = DataAccess(client, chunk_size=64 * 1024)
        batch_id = await _batch_id(client)
        file = (await da.list_files(batch_id))[0]
        original = _emulator_bytes(emulator, batch_id, file.name)
        (tmp_path / f"{file.name}.part").write_bytes(original[:10_000])
        result = await da.download_file(file, tmp_path)
        assert result.resumed_from == 10_000
        assert _sha(result.path.read_bytes()) == _sha(original)


class _FullDisk:
    """A file whose writes fail with ENOSPC once ``room`` bytes are written."""

    def __init__(self, fh, room: int) -> None:
        self._fh, self._room = fh, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._fh.close()


async def test_disk_full_keeps_the_part_file_and_the_rerun_resumes(emulator, tmp_path: Path, monkeypatch) -> None:
    real_prepare = da_module._prepare

    def full_prepare(*args):
        opened = real_prepare(*args)
        return None if opened is None else (_FullDisk(opened[0], 50_000), opened[1])

    async with emulator_client(emulator) as client:
        da = DataAccess(client, chunk_size=64 * 1024)
        batch_id = await _batch_id(client)
        file = (await da.list_files(batch_id))[0]
        monkeypatch.setattr(da_module, "_prepare", full_prepare)
        with pytest.raises(DownloadError) as info:
            await da.download_file(file, tmp_path)
        assert "the disk is full" in str(info.value) and ".part" in str(info.value)
        assert (tmp_path / f"{file.name}.part").stat().st_size == 50_000
        monkeypatch.setattr(da_module, "_prepare", real_prepare)
        result = await da.download_file(file, tmp_path)
        assert result.resumed_from == 50_000
        assert _sha(result.path.read_bytes()) == _sha(_emulator_bytes(emulator, batch_id, file.name))


async def test_peek_reads_only_the_footer(emulator) -> None:
    async with emulator_client(emulator) as client:
        da = DataAccess(client)
        batch_id = await _batch_id(client)
        for file in await da.list_files(batch_id):
            peek = await da.peek_parquet(file)
            assert peek.info is not None and peek.problem == ""
            assert peek.info.num_rows == file.records and peek.info.size == file.size
            assert peek.requests <= 2 and peek.bytes_read <= 64 * 1024
            assert peek.info.columns[0].name == "_id" and peek.info.columns[0].type == "string"


async def test_first_rows_are_the_files_first_rows(emulator) -> None:
    async with emulator_client(emulator) as client:
        da = DataAccess(client)
        batch_id = await _batch_id(client)
        file = (await da.list_files(batch_id))[0]
        _peek, names, rows = await da.first_rows(file, 50)
        assert names[0] == "_id" and len(rows) == 50
        assert [r[0] for r in rows[:2]] == ["prof-0000000000", "prof-0000000001"]


async def test_truncated_file_peek_says_so_and_download_still_works(tmp_path: Path) -> None:
    with _server(truncated_share=1.0) as srv:
        async with emulator_client(srv) as client:
            da = DataAccess(client)
            batch_id = await _batch_id(client)
            bad = (await da.list_files(batch_id))[-1]
            assert not bad.is_valid
            peek = await da.peek_parquet(bad)
            assert peek.info is None and peek.problem == "not a Parquet file (no PAR1 footer)"
            result = await da.download_file(bad, tmp_path)
            assert result.path.stat().st_size == bad.size


async def test_zero_file_batch_lists_nothing() -> None:
    with _server(batch_rows=0) as srv:
        async with emulator_client(srv) as client:
            assert await DataAccess(client).list_files(await _batch_id(client)) == []


async def test_hostile_file_names_stay_in_the_directory(emulator, tmp_path: Path) -> None:
    async with emulator_client(emulator) as client:
        da = DataAccess(client)
        batch_id = await _batch_id(client)
        real = (await da.list_files(batch_id))[0]
        hostile = BatchFile(real.file_id, "../../etc/evil\x1b[2J", real.size)
        with pytest.raises(NotFoundError):  # the server knows no such path
            await da.download_file(hostile, tmp_path / "d")
        assert not (tmp_path / "etc").exists()
        assert [p.name for p in (tmp_path / "d").iterdir()] in ([], ["evil_[2J.part"])


async def test_a_footer_larger_than_the_probe_takes_a_second_request() -> None:
    from tui.emulator.jobs import Durations, build_schedule

    with _server(batch_rows=2_000) as srv:
        async with emulator_client(srv) as client:
            datasets = await client.list_datasets()
            payload = {"fields": ",".join(f"attr.group{i // 50}.field{i}" for i in range(1500)),
                       "destination": {"datasetId": datasets[0].id}, "schema": {"name": "_xdm.context.profile"}}
            created = (await client.create_job(payload)).job
            s = srv.settings
            job = srv.store.tenant(s.org, s.sandbox).jobs[int(created.id)]
            job.failure = None
            job.schedule = build_schedule(job.created - 86_400_000, Durations(1000, 1000, 1000, 1000, 1000, 1000))
            da = DataAccess(client)
            refreshed = await client.get_job(created.id)
            file = (await da.list_files(refreshed.batch_id))[0]
            peek = await da.peek_parquet(file)
    assert peek.info is not None and len(peek.info.columns) == 1501
    assert peek.requests == 2 and 64 * 1024 < peek.bytes_read < 1024 * 1024


def _mock_client(routes: dict[str, object]):
    """A PlatformClient on httpx.MockTransport: ``routes`` maps a path (with query) to a JSON body."""
    import json as _json

    import httpx

    from tests.api.platform_double import PROFILE, SECRET, no_sleep
    from tui.api.client import PlatformClient
    from tui.core.secret import Secret

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/ims/token/v3":
            return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer", "expires_in": 86399})
        key = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
        body = routes.get(key)
        if body is None:
            return httpx.Response(404, json={"title": "NotFoundError", "status": 404, "detail": f"no {key}"})
        return httpx.Response(200, content=_json.dumps(body).encode(), headers={"content-type": "application/json"})

    return PlatformClient(PROFILE, Secret(SECRET), transport=httpx.MockTransport(handler), sleep=no_sleep), seen


async def test_relative_next_links_directories_and_string_numbers() -> None:
    export = "/data/foundation/export"
    routes = {
        f"{export}/batches/B/files?start=0&limit=100": {
            "data": [{"dataSetFileId": "dir-1", "records": "10", "size": "300"}],
            "_links": {"next": {"href": f"{export}/batches/B/files?start=1&limit=100"}}},
        f"{export}/batches/B/files?start=1&limit=100": {
            "data": [{"dataSetFileId": "f-2", "records": "5", "size": "50", "isValid": False}], "_links": {}},
        f"{export}/files/dir-1": {"data": [{"dataSetFileId": "f-1a"}, {"dataSetFileId": "f-1b"}]},
        f"{export}/files/f-1a": {"data": [{"name": "a.parquet", "length": "100"}]},
        f"{export}/files/f-1b": {"data": [{"name": "b.parquet", "length": "200"}]},
        f"{export}/files/f-2": {"data": [{"name": "c.parquet", "length": "50"}]},
    }
    client, seen = _mock_client(routes)
    async with client:
        files = await DataAccess(client).list_files("B")
    assert [(f.file_id, f.name, f.size) for f in files] == [("f-1a", "a.parquet", 100), ("f-1b", "b.parquet", 200),
                                                           ("f-2", "c.parquet", 50)]
    assert files[2].records == 5 and not files[2].is_valid
    assert all(url.startswith("https://platform.test/") or url.startswith("https://ims.test/") for url in seen)


@pytest.mark.parametrize("href", ["https://platform.test.evil.example:443/data/foundation/export/x",
                                  "https://platform.test@evil.example/data/foundation/export/x",
                                  "//evil.example/data/foundation/export/x",
                                  "http://platform.test/data/foundation/export/x"])
async def test_a_next_link_to_another_host_sends_nothing_there(href: str) -> None:
    export = "/data/foundation/export"
    routes = {f"{export}/batches/B/files?start=0&limit=100": {
        "data": [{"dataSetFileId": "f-1", "records": "1", "size": "1"}],
        "_links": {"next": {"href": href}}},
        f"{export}/files/f-1": {"data": [{"name": "a.parquet", "length": "1"}]}}
    client, seen = _mock_client(routes)
    async with client:
        with pytest.raises(ForeignLinkError) as info:
            await DataAccess(client).list_files("B")
    assert "check platform_url" in str(info.value)
    assert not any("evil" in url for url in seen) and len(seen) == 3  # token, page 1, the entry of f-1


async def test_a_server_that_ignores_range_still_downloads_and_peek_says_why(tmp_path: Path) -> None:
    import httpx

    from tests.api.platform_double import PROFILE, SECRET, no_sleep
    from tui.api.client import PlatformClient
    from tui.core.errors import ApiError
    from tui.core.secret import Secret

    content = bytes(range(256)) * 4000  # 1,024,000 bytes

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ims/token/v3":
            return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer", "expires_in": 86399})
        return httpx.Response(200, stream=httpx.ByteStream(content),  # streamed, as a real server's body
                              headers={"content-type": "application/octet-stream",
                                       "content-length": str(len(content))})

    file = BatchFile("f-1", "x.parquet", len(content))
    (tmp_path / "x.parquet.part").write_bytes(content[:1000])  # a previous partial download
    async with PlatformClient(PROFILE, Secret(SECRET), transport=httpx.MockTransport(handler), sleep=no_sleep) as c:
        da = DataAccess(c, chunk_size=64 * 1024)
        result = await da.download_file(file, tmp_path)
        assert result.path.read_bytes() == content
        with pytest.raises(ApiError) as info:
            await da.peek_parquet(file)
    assert "ignores Range requests" in str(info.value)
