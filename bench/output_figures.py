"""Issue 15's figures: downloading a ~200 MB batch (aepx vs curl, same files, same run), the peak RSS
of the downloading process, and what a Parquet peek costs (requests, bytes).

``download_200mb_ratio`` = aepx wall time / curl wall time (medians of interleaved runs); ``n/a``
when curl is not installed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from bench.common import PYTHON, ROOT, child_env, emulator_process, median, platform_client

BATCH_ROWS = 6_500_000  # about 200 MB of snappy Parquet with the seeded jobs' default columns


async def _prepare(url: str, settings: Any) -> tuple[str, list[Any], dict[str, Any], str]:
    """A SUCCEEDED job's batch (generated now, outside any timing), its files, peek figures, a token."""
    async with platform_client(url, settings) as api:
        da = api.data_access()
        jobs = (await api.list_jobs(status="SUCCEEDED", limit=20)).jobs
        job = next(j for j in jobs if not j.fields) if any(not j.fields for j in jobs) else jobs[0]
        batch = await da.get_batch(job.batch_id)  # the emulator writes the files here
        files = await da.list_files(job.batch_id)
        biggest = max(files, key=lambda f: f.size or 0)
        peek = await da.peek_parquet(biggest)
        token = await api.auth.token()
    figures = {"download_batch_mb": (batch.size or 0) / 1e6, "download_files": len(files),
               "peek_requests": peek.requests, "peek_bytes": peek.bytes_read, "peek_mib": peek.bytes_read / 2**20,
               "peek_file_mb": (biggest.size or 0) / 1e6}
    return job.batch_id, files, figures, token


def _aepx_once(url: str, settings: Any, batch_id: str, target: Path) -> dict[str, float]:
    spec = json.dumps(asdict(settings))
    done = subprocess.run([PYTHON, "-m", "bench._download", url, spec, batch_id, str(target)], cwd=ROOT,
                          env=child_env(), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"download child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _curl_once(curl: str, url: str, settings: Any, token: str, files: list[Any], target: Path) -> float:
    headers = ["-H", f"Authorization: Bearer {token}", "-H", f"x-api-key: {settings.client_id}",
               "-H", f"x-gw-ims-org-id: {settings.org}", "-H", f"x-sandbox-name: {settings.sandbox}"]
    start = time.perf_counter()
    for file in files:
        link = httpx.URL(f"{url}/data/foundation/export/files/{file.file_id}", params={"path": file.name})
        subprocess.run([curl, "-sSf", *headers, "-o", str(target / file.name), str(link)], check=True,
                       timeout=600)
    return time.perf_counter() - start


def download_200mb(runs: int = 7) -> dict[str, Any]:
    curl = shutil.which("curl")
    out: dict[str, Any] = {"download_200mb_ratio": None, "download_rss_mb": None}
    with emulator_process(jobs=40, batch_rows=BATCH_ROWS) as (url, settings):
        batch_id, files, figures, token = asyncio.run(_prepare(url, settings))
        out.update(figures)
        aepx_s: list[float] = []
        curl_s: list[float] = []
        rss: list[float] = []
        with tempfile.TemporaryDirectory(prefix="aepx-bench-") as tmp:
            for i in range(runs):
                target = Path(tmp) / f"aepx-{i}"
                result = _aepx_once(url, settings, batch_id, target)
                aepx_s.append(result["seconds"])
                rss.append(result["rss_peak_mb"])
                shutil.rmtree(target)
                if curl:
                    target = Path(tmp) / f"curl-{i}"
                    target.mkdir()
                    curl_s.append(_curl_once(curl, url, settings, token, files, target))
                    shutil.rmtree(target)
    out["download_aepx_s"] = median(aepx_s)
    out["download_rss_mb"] = max(rss)
    if curl_s:
        out["download_curl_s"] = median(curl_s)
        out["download_200mb_ratio"] = median(aepx_s) / median(curl_s)
    return out


if __name__ == "__main__":  # python -m bench.output_figures: just these figures
    for key, value in download_200mb().items():
        print(f"{key}: {'n/a' if value is None else value}")
