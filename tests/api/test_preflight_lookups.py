"""The preflight's GETs through PlatformClient: found, missing, skipped (403 / a 404 for the route itself)
and failed (5xx) lookups, and the duplicate guard's listing."""

from __future__ import annotations

import httpx

from tests.api.platform_double import PROFILE, PlatformDouble, json_response, make_secret, no_sleep, union_dataset
from tests.fakes import job_record
from tui.api.client import PlatformClient
from tui.api.preflight import find_duplicates, gather
from tui.core.preflight import FAILED, FOUND, MISSING, SKIPPED

SEGMENTS = "/data/core/ups/segment/definitions"
PAYLOAD = {"mergePolicy": {"id": "mp-1", "version": 1}, "destination": {"datasetId": "ds-1"},
           "schema": {"name": "_xdm.context.profile"},
           "filter": {"segments": [{"segmentId": "seg-a"}, {"segmentId": "seg-b"}]}}


def client(double: PlatformDouble, **kw) -> PlatformClient:
    return PlatformClient(PROFILE, make_secret(), transport=double.transport(), sleep=no_sleep, **kw)


def _double() -> PlatformDouble:
    double = PlatformDouble(datasets={"ds-1": union_dataset("target")},
                            policies=[{"id": "mp-1", "name": "P", "version": 2, "default": True}])
    return double


def _answer(status: int, body=None):
    def reply(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, content=b"<html>not here</html>", headers={"content-type": "text/html"})
        return json_response(status, body)
    return reply


async def test_found_and_missing_lookups():
    double = _double()
    double.fault("GET", "/data/foundation/catalog/dataSets/ds-1", _answer(200, {"ds-1": union_dataset("t")}))
    double.fault("GET", "/data/core/ups/config/mergePolicies/mp-1", _answer(200, {"id": "mp-1", "version": 2}))
    double.fault("GET", f"{SEGMENTS}/seg-a", _answer(200, {"id": "seg-a", "name": "A"}))
    double.fault("GET", f"{SEGMENTS}/seg-b", _answer(404, {"requestId": "r", "errors": {"404": [
        {"code": "UPAPI-113430-404", "message": "Segment definition not found"}]}}))
    async with client(double) as api:
        facts = await gather(api, PAYLOAD)
    assert facts.dataset.state == FOUND and facts.dataset.data["schemaRef"]["id"].endswith("profile__union")
    assert facts.merge_policy.state == FOUND and facts.merge_policy.data["version"] == 2
    assert facts.segments["seg-a"].state == FOUND and facts.segments["seg-b"].state == MISSING
    assert {r.method for r in double.requests if r.url.path != "/ims/token/v3"} == {"GET"}


async def test_a_404_for_the_route_itself_or_a_403_skips_the_segment_check_once():
    for reply in (_answer(404), _answer(404, {"error_code": "404050", "message": "Not Found"}),
                  _answer(403, {"error_code": "403003", "message": "Api Key is invalid"})):
        double = _double()
        double.fault("GET", f"{SEGMENTS}/seg-a", reply)
        async with client(double) as api:
            facts = await gather(api, PAYLOAD)
        assert facts.segments["seg-a"].state == SKIPPED == facts.segments["seg-b"].state
        assert double.calls("GET", f"{SEGMENTS}/seg-b") == 0  # not asked again for every segment


async def test_server_errors_are_failed_lookups_never_raised():
    double = _double()
    for path in ("/data/foundation/catalog/dataSets/ds-1", "/data/core/ups/config/mergePolicies/mp-1"):
        double.fault("GET", path, *[_answer(503, {"title": "down"})] * 20)
    async with client(double, deadline=1.0) as api:
        facts = await gather(api, {k: v for k, v in PAYLOAD.items() if k != "filter"})
    assert facts.dataset.state == FAILED and facts.merge_policy.state == FAILED
    assert facts.dataset.reason


async def test_cache_keeps_found_lookups_and_retries_failures():
    double = _double()
    double.fault("GET", "/data/foundation/catalog/dataSets/ds-1", _answer(200, {"ds-1": union_dataset("t")}))
    cache: dict = {}
    payload = {"destination": {"datasetId": "ds-1"}, "schema": {"name": "_xdm.context.profile"}}
    async with client(double) as api:
        await gather(api, payload, cache)
        await gather(api, payload, cache)
    assert double.calls("GET", "/data/foundation/catalog/dataSets/ds-1") == 1


async def test_find_duplicates_lists_and_matches_active_jobs():
    same = {"destination": {"datasetId": "ds-1"}, "schema": {"name": "_xdm.context.profile"},
            "mergePolicy": {"id": "mp-default", "version": 1}, "fields": "identities.id,personalEmail.address"}
    double = PlatformDouble(jobs=[job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED"), job_record(3, "NEW")])
    async with client(double) as api:
        found = await find_duplicates(api, same)
    assert [j.id for j in found] == ["1", "3"]
    broken = PlatformDouble()
    broken.fault("GET", "/data/core/ups/export/jobs", *[_answer(503, {"title": "down"})] * 20)
    async with client(broken, deadline=1.0) as api:
        assert await find_duplicates(api, same) is None
