"""Catalog batches and Data Access files over real HTTP: shapes, paging, Range, HEAD, faults."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from tests.emulator.conftest import JOBS, START_MS, Emu
from tui.emulator.catalog import FAILURE_KINDS
from tui.emulator.jobs import Durations, build_schedule

BATCHES = "/data/foundation/catalog/batches"
EXPORT = "/data/foundation/export"


def _succeeded(emu: Emu, n: int = 1) -> list[dict[str, Any]]:
    records = emu.get(JOBS, params={"status": "SUCCEEDED", "limit": 100}).json()["records"]
    assert len(records) >= n
    return records[:n]


def _files(emu: Emu, batch_id: str, **params: Any) -> dict[str, Any]:
    response = emu.get(f"{EXPORT}/batches/{batch_id}/files", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _entry(emu: Emu, file_id: str) -> dict[str, Any]:
    response = emu.get(f"{EXPORT}/files/{file_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"][0]


def _content(emu: Emu, file_id: str, name: str, **headers: str) -> httpx.Response:
    return emu.get(f"{EXPORT}/files/{file_id}", params={"path": name}, headers={**emu.headers, **headers})


def test_batch_is_keyed_by_id_and_counts_agree_with_files_and_footers(shared_emu: Emu) -> None:
    job = _succeeded(shared_emu)[0]
    batch_id = job["destination"]["batchId"]
    response = shared_emu.get(f"{BATCHES}/{batch_id}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [batch_id]
    batch = body[batch_id]
    assert batch["status"] == "success"
    assert batch["recordCount"] == 20_000 == batch["metrics"]["recordsWritten"]
    assert batch["relatedObjects"] == [{"type": "dataSet", "id": job["destination"]["datasetId"]}]
    assert batch["started"] <= batch["completed"]
    files = _files(shared_emu, batch_id)["data"]
    assert 2 <= len(files) <= 5
    assert all(isinstance(f[k], str) for f in files for k in ("records", "size", "created", "updated"))
    assert sum(int(f["records"]) for f in files) == batch["recordCount"]
    assert sum(int(f["size"]) for f in files) == batch["size"]
    total_rows = 0
    for item in files:
        entry = _entry(shared_emu, item["dataSetFileId"])
        assert entry["name"].startswith("part-") and entry["name"].endswith("-c000.snappy.parquet")
        assert entry["length"] == item["size"]
        assert entry["_links"]["self"]["href"].endswith(f"?path={entry['name']}")
        data = _content(shared_emu, item["dataSetFileId"], entry["name"]).content
        assert len(data) == int(entry["length"]) and data[:4] == data[-4:] == b"PAR1"
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        assert meta.num_rows == int(item["records"])
        total_rows += meta.num_rows
    assert total_rows == batch["recordCount"]


def test_columns_follow_the_job_fields(shared_emu: Emu) -> None:
    for job in _succeeded(shared_emu, 10):
        fields = job.get("fields")
        if not fields:
            continue
        item = _files(shared_emu, job["destination"]["batchId"])["data"][0]
        entry = _entry(shared_emu, item["dataSetFileId"])
        data = _content(shared_emu, item["dataSetFileId"], entry["name"]).content
        names = pq.ParquetFile(io.BytesIO(data)).schema_arrow.names
        assert names == ["_id", *[f.strip() for f in fields.split(",")]]
        return
    pytest.fail("no SUCCEEDED job with fields in the seed")


def test_files_paging_uses_absolute_next_links_and_caps_the_page(shared_emu: Emu) -> None:
    batch_id = _succeeded(shared_emu)[0]["destination"]["batchId"]
    body = _files(shared_emu, batch_id, limit=1)
    assert body["_page"] == {"limit": 1, "count": 1}
    seen = [body["data"][0]["dataSetFileId"]]
    while "next" in body["_links"]:
        href = body["_links"]["next"]["href"]
        assert href.startswith(shared_emu.server.base_url + EXPORT)
        response = shared_emu.http.get(href, headers=shared_emu.headers)
        body = response.json()
        seen.extend(f["dataSetFileId"] for f in body["data"])
    assert seen == [f["dataSetFileId"] for f in _files(shared_emu, batch_id)["data"]]
    assert shared_emu.get(f"{EXPORT}/batches/{batch_id}/files", params={"limit": 101}).status_code == 400


def test_link_origin_setting_names_another_origin(make_emu) -> None:
    emu = make_emu(link_origin="https://platform.adobe.io:443")
    batch_id = _succeeded(emu)[0]["destination"]["batchId"]
    body = _files(emu, batch_id, limit=1)
    assert body["_links"]["next"]["href"].startswith("https://platform.adobe.io:443/data/foundation/export/")


def test_range_head_and_416(shared_emu: Emu) -> None:
    batch_id = _succeeded(shared_emu)[0]["destination"]["batchId"]
    file_id = _files(shared_emu, batch_id)["data"][0]["dataSetFileId"]
    entry = _entry(shared_emu, file_id)
    name, size = entry["name"], int(entry["length"])
    whole = _content(shared_emu, file_id, name)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    part = _content(shared_emu, file_id, name, Range="bytes=10-99")
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 10-99/{size}"
    assert part.content == whole.content[10:100]
    tail = _content(shared_emu, file_id, name, Range="bytes=-8")
    assert tail.status_code == 206 and tail.content == whole.content[-8:] and tail.content.endswith(b"PAR1")
    open_end = _content(shared_emu, file_id, name, Range=f"bytes={size - 3}-")
    assert open_end.content == whole.content[-3:]
    beyond = _content(shared_emu, file_id, name, Range=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    head = shared_emu.http.head(f"{EXPORT}/files/{file_id}", params={"path": name}, headers=shared_emu.headers)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(size) and head.headers["accept-ranges"] == "bytes"
    assert head.headers["content-type"] == "application/octet-stream"
    no_path = shared_emu.http.head(f"{EXPORT}/files/{file_id}", headers=shared_emu.headers)
    assert no_path.status_code == 400
    assert _content(shared_emu, file_id, "other.parquet").status_code == 404


def test_unknown_ids_are_404_in_the_catalog_shape(shared_emu: Emu) -> None:
    for path in (f"{BATCHES}/{'0' * 32}", f"{EXPORT}/batches/{'0' * 32}/files", f"{EXPORT}/files/nope-1"):
        response = shared_emu.get(path)
        assert response.status_code == 404
        assert response.json()["title"] == "NotFoundError"


def test_same_seed_same_bytes(make_emu) -> None:
    digests = []
    for _ in range(2):
        emu = make_emu()
        batch_id = _succeeded(emu)[0]["destination"]["batchId"]
        file_id = _files(emu, batch_id)["data"][0]["dataSetFileId"]
        name = _entry(emu, file_id)["name"]
        digests.append(hashlib.sha256(_content(emu, file_id, name).content).hexdigest())
    assert digests[0] == digests[1]


def test_batch_rows_zero_gives_a_success_batch_without_files(make_emu) -> None:
    emu = make_emu(batch_rows=0)
    batch_id = _succeeded(emu)[0]["destination"]["batchId"]
    assert emu.get(f"{BATCHES}/{batch_id}").json()[batch_id]["recordCount"] == 0
    assert _files(emu, batch_id)["data"] == []


def _fixed(emu: Emu, job_id: int, **kw: Any) -> None:
    tenant = emu.server.store.tenant(emu.settings.org, emu.settings.sandbox)
    job = tenant.jobs[job_id]
    job.failure = kw.get("failure")
    job.schedule = build_schedule(job.created, Durations(60_000, 10_000, 120_000, 10_000, 30_000, 5_000), **kw)


def test_processing_and_failed_batches(emu: Emu) -> None:
    job = emu.create_job()
    _fixed(emu, job["id"])
    emu.clock.set(START_MS + 215_000)  # writing
    batch_id = emu.get(f"{JOBS}/{job['id']}").json()["destination"]["batchId"]
    batch = emu.get(f"{BATCHES}/{batch_id}").json()[batch_id]
    assert batch["status"] == "processing" and "recordCount" not in batch
    assert _files(emu, batch_id)["data"] == []
    failed = emu.create_job()
    write_failure = next(k for k in FAILURE_KINDS if k.phase == "write")
    _fixed(emu, failed["id"], failure=write_failure)
    emu.clock.set(START_MS + 3_600_000)
    tenant = emu.server.store.tenant(emu.settings.org, emu.settings.sandbox)
    failed_batch = tenant.jobs[failed["id"]].batch_id
    body = emu.get(f"{BATCHES}/{failed_batch}").json()[failed_batch]
    assert body["status"] == "failed" and body["errors"]
    listed = emu.get(BATCHES, params={"dataSet": job["destination"]["dataSetId"], "limit": 100}).json()
    assert batch_id in listed and failed_batch in listed
    assert emu.get(BATCHES, params={"dataSet": "x", "limit": 0}).status_code == 400


def test_segment_per_batch_gives_one_batch_per_segment(emu: Emu) -> None:
    segments = [{"segmentId": f"seg-{i}", "segmentNs": "ups", "status": ["realized"]} for i in range(3)]
    job = emu.create_job(filter={"segments": segments},
                         destination={"datasetId": emu.union_dataset(), "segmentPerBatch": True})
    _fixed(emu, job["id"])
    emu.clock.set(START_MS + 3_600_000)
    record = emu.get(f"{JOBS}/{job['id']}").json()
    batches = record["destination"]["batches"]
    assert [b["segmentId"] for b in batches] == ["seg-0", "seg-1", "seg-2"]
    for entry in batches:
        body = emu.get(f"{BATCHES}/{entry['batchId']}").json()[entry["batchId"]]
        assert body["status"] == "success" and body["tags"]["segmentId"] == [entry["segmentId"]]
        assert _files(emu, entry["batchId"])["data"]


def test_cut_fault_drops_the_connection_mid_body(make_emu) -> None:
    emu = make_emu(fault_rate_cut=1.0)
    batch_id = _succeeded(emu)[0]["destination"]["batchId"]
    file_id = _files(emu, batch_id)["data"][0]["dataSetFileId"]
    name = _entry(emu, file_id)["name"]
    with pytest.raises(httpx.RemoteProtocolError):
        _content(emu, file_id, name)


def test_truncated_share_makes_an_invalid_file(make_emu) -> None:
    emu = make_emu(truncated_share=1.0)
    batch_id = _succeeded(emu)[0]["destination"]["batchId"]
    files = _files(emu, batch_id)["data"]
    assert files[-1]["isValid"] is False and all(f["isValid"] for f in files[:-1])
    name = _entry(emu, files[-1]["dataSetFileId"])["name"]
    assert not _content(emu, files[-1]["dataSetFileId"], name).content.endswith(b"PAR1")


def test_large_batch_streams_row_group_by_row_group(make_emu, tmp_path) -> None:
    emu = make_emu(batch_rows=300_000, cache_dir=str(tmp_path))
    batch_id = _succeeded(emu)[0]["destination"]["batchId"]
    files = _files(emu, batch_id)["data"]
    entry = _entry(emu, files[0]["dataSetFileId"])
    path = next(tmp_path.rglob(entry["name"]))
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == int(files[0]["records"])
    assert meta.num_row_groups >= 1 and all(meta.row_group(i).num_rows <= 65_536 for i in range(meta.num_row_groups))
