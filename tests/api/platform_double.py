"""A scripted Platform + IMS for ``httpx.MockTransport``: real routing, injectable faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.fakes import T0, job_record
from tui.core.models import PROFILE_UNION_SCHEMA
from tui.core.profile import Profile
from tui.core.secret import Secret

SECRET = "s3cr3t-value-never-shown"
PROFILE = Profile(name="test", org_id="ORG@AdobeOrg", client_id="cid-1", sandbox="dev",
                  platform_url="https://platform.test", ims_url="https://ims.test")

Fault = Callable[[httpx.Request], httpx.Response | None]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"content-type": "application/json", **(headers or {})})


async def no_sleep(_seconds: float) -> None:
    return None


@dataclass
class PlatformDouble:
    jobs: list[dict] = field(default_factory=lambda: [job_record(i) for i in range(1, 8)])
    datasets: dict[str, dict] = field(default_factory=dict)
    policies: list[dict] = field(default_factory=list)
    faults: dict[tuple[str, str], list[Fault]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    token_ttl: int = 86399
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    next_id: int = 1000
    cancel_variant: int = 204

    def fault(self, method: str, path: str, *responses: Fault) -> None:
        self.faults.setdefault((method, path), []).extend(responses)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def calls(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.faults.get((request.method, request.url.path))
        if queue:
            answer = queue.pop(0)(request)
            if answer is not None:
                return answer
        if request.url.path == "/ims/token/v3":
            return self._token(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return json_response(401, {"error_code": "401013", "message": "Oauth token is not valid"})
        return self._route(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        if form.get("client_secret") != [SECRET]:
            return json_response(400, {"error": "invalid_client", "error_description": "invalid client_secret"})
        self.tokens_issued += 1
        token = f"tok-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return json_response(200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl})

    def _sorted(self, status: str | None) -> list[dict]:
        recs = [r for r in self.jobs if status is None or r["status"] == status]
        return sorted(recs, key=lambda r: (r["creationTime"], r["id"]), reverse=True)

    def _route(self, request: httpx.Request) -> httpx.Response:
        path, method, q = request.url.path, request.method, request.url.params
        if path == "/data/core/ups/export/jobs" and method == "GET":
            recs = self._sorted(q.get("status"))
            if q.get("offset"):
                created, _, jid = q["offset"].partition("_")
                key = (int(created), int(jid))
                recs = [r for r in recs if (r["creationTime"], r["id"]) < key]
            limit = int(q.get("limit", "100"))
            chunk = recs[:limit]
            nxt = ""
            if len(recs) > limit:
                last = chunk[-1]
                nxt = f"/export/jobs/?limit={limit}&offset={last['creationTime']}_{last['id']}"
            return json_response(200, {"records": chunk, "page": {"sortField": "createdTime", "sort": "desc",
                                                                  "pageOffset": q.get("offset", ""),
                                                                  "pageSize": len(chunk)},
                                       "link": {"next": nxt}})
        if path == "/data/core/ups/export/jobs" and method == "POST":
            return json_response(200, self.create(json.loads(request.content)))
        if path.startswith("/data/core/ups/export/jobs/"):
            jid = path.rsplit("/", 1)[1]
            rec = next((r for r in self.jobs if str(r["id"]) == jid), None)
            if rec is None:
                return json_response(404, {"requestId": "rq-404", "errors": {"404": [
                    {"code": "UPAPI-113430-404", "message": f"Export job {jid} not found"}]}})
            if method == "GET":
                return json_response(200, rec)
            self.jobs.remove(rec)
            if self.cancel_variant == 204:
                return httpx.Response(204)
            return json_response(200, {"status": True, "message": "Export job has been marked for cancelling"})
        if path == "/data/foundation/catalog/dataSets" and method == "POST":
            ds_id = f"ds{len(self.datasets) + 1:04d}"
            self.datasets[ds_id] = json.loads(request.content)
            return json_response(201, [f"@/dataSets/{ds_id}"])
        if path == "/data/foundation/catalog/dataSets" and method == "GET":
            items = list(self.datasets.items())
            start, limit = int(q.get("start", "0")), int(q.get("limit", "50"))
            return json_response(200, dict(items[start:start + limit]))
        if path == "/data/core/ups/config/mergePolicies":
            start, limit = int(q.get("start", "0")), 2
            chunk = self.policies[start:start + limit]
            more = start + limit < len(self.policies)
            href = f"@/mergePolicies?start={start + limit}&orderBy=&limit={limit}" if more else ""
            return json_response(200, {"_page": {"totalCount": len(self.policies), "pageSize": len(chunk)},
                                       "children": chunk, "_links": {"next": {"href": href}}})
        return json_response(404, {"type": "/placeholder", "status": 404, "title": "NotFoundError",
                                   "detail": "No route."})

    def create(self, payload: dict) -> dict:
        self.next_id += 1
        newest = max((r["creationTime"] for r in self.jobs), default=T0)
        rec = job_record(self.next_id, "NEW", created=max(newest + 1000, _now_ms()),
                         dataset=payload["destination"]["datasetId"], fields=payload.get("fields", ""),
                         mergePolicy=payload.get("mergePolicy", {}), schema=payload["schema"])
        self.jobs.append(rec)
        return {**rec, "destination": {"dataSetId": rec["destination"]["datasetId"]}}


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)


def union_dataset(name: str) -> dict:
    return {"name": name, "schemaRef": {"id": PROFILE_UNION_SCHEMA}, "created": T0}


def make_secret(value: str = SECRET) -> Secret:
    return Secret(value)
