"""PlatformClient over httpx.MockTransport: every operation, headers, paging, retries, create safety."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.platform_double import PROFILE, PlatformDouble, json_response, make_secret, no_sleep, union_dataset
from tests.fakes import job_record
from tui.api.client import PlatformClient, parse_next_cursor, payload_matches
from tui.core.errors import (
    AmbiguousCreateError,
    ApiError,
    ApiTimeoutError,
    AuthError,
    ForbiddenError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UsageError,
)
from tui.core.models import PROFILE_UNION_SCHEMA, Job
from tui.core.profile import Profile
from tui.core.protocol import JobsAPI
from tui.core.statuses import check_status as validate_status

JOBS = "/data/core/ups/export/jobs"
PAYLOAD = {"fields": "identities.id, personalEmail.address", "mergePolicy": {"id": "mp-1", "version": 1},
           "destination": {"datasetId": "ds-target", "segmentPerBatch": False},
           "schema": {"name": "_xdm.context.profile"}}


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_for(double: PlatformDouble, **kw) -> PlatformClient:
    kw.setdefault("sleep", no_sleep)
    return PlatformClient(kw.pop("profile", PROFILE), make_secret(), transport=double.transport(), **kw)


def refuse(request):
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def read_timeout(request):
    raise httpx.ReadTimeout("timed out", request=request)


def dropped(request):
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)


def status(code: int, body=None, headers=None):
    return lambda r: json_response(code, body if body is not None else {"message": f"status {code}"}, headers)


# --- pure helpers --------------------------------------------------------------------------------------
def test_parse_next_cursor():
    assert parse_next_cursor("/export/jobs/?limit=2&offset=1538573416687_722") == "1538573416687_722"
    assert parse_next_cursor("https://platform.adobe.io/data/core/ups/export/jobs?offset=9_1&limit=5") == "9_1"
    assert parse_next_cursor("") is None
    assert parse_next_cursor(None) is None
    assert parse_next_cursor("/export/jobs/?limit=2") is None
    assert parse_next_cursor("/export/jobs/?limit=2&offset=") is None


@pytest.mark.parametrize("good", [None, "NEW", "PROCESSING", "SUCCEEDED", "FAILED"])
def test_validate_status_accepts_the_enum(good):
    assert validate_status(good) == good


@pytest.mark.parametrize("bad", ["SUCEEDED", "succeeded", "CANCELLED", "", "NEW,FAILED"])
def test_validate_status_rejects_anything_else(bad):
    with pytest.raises(UsageError) as info:
        validate_status(bad)
    assert info.value.exit_code == 2
    assert "NEW, PROCESSING, SUCCEEDED, FAILED" in str(info.value)


def test_validate_status_hints_the_spelling():
    with pytest.raises(UsageError, match="did you mean SUCCEEDED"):
        validate_status("succeeded")


# --- basics -----------------------------------------------------------------------------------------
async def test_target_headers_and_protocol():
    double = PlatformDouble()
    async with client_for(double) as client:
        assert isinstance(client, JobsAPI)
        assert client.target.org_id == "ORG@AdobeOrg" and client.target.sandbox == "dev"
        assert client.target.platform_url == "https://platform.test" and not client.target.is_emulator
        await client.list_jobs(limit=3)
        await client.create_job(PAYLOAD)
    get = next(r for r in double.requests if r.method == "GET")
    assert get.headers["x-api-key"] == "cid-1"
    assert get.headers["x-gw-ims-org-id"] == "ORG@AdobeOrg"
    assert get.headers["x-sandbox-name"] == "dev"
    assert get.headers["accept"] == "application/json"
    assert get.headers["authorization"] == "Bearer tok-1"
    assert "content-type" not in get.headers
    post = next(r for r in double.requests if r.method == "POST" and r.url.path == JOBS)
    assert post.headers["content-type"] == "application/json"
    assert json.loads(post.content) == PAYLOAD


async def test_emulator_flag_in_target():
    double = PlatformDouble()
    profile = Profile(name="emu", org_id="o", client_id="c", platform_url="http://x", ims_url="http://x",
                      is_emulator=True)
    async with client_for(double, profile=profile) as client:
        assert client.target.is_emulator


async def test_repr_hides_secret():
    double = PlatformDouble()
    async with client_for(double) as client:
        await client.list_jobs()
        assert "s3cr3t" not in repr(client) and "tok-1" not in repr(client)


async def test_list_one_page_and_cursor():
    double = PlatformDouble()
    async with client_for(double) as client:
        page = await client.list_jobs(limit=3)
        assert [j.id for j in page.jobs] == ["1", "2", "3"]
        assert page.next_cursor is not None and page.has_more
        assert page.next_link.startswith("/export/jobs/?limit=3&offset=")
        assert page.sort_field == "createdTime" and page.sort == "desc" and page.page_size == 3
        second = await client.list_jobs(cursor=page.next_cursor, limit=3)
        assert [j.id for j in second.jobs] == ["4", "5", "6"]
    assert double.requests[-1].url.params["offset"] == page.next_cursor


async def test_iter_jobs_follows_links_to_the_end():
    double = PlatformDouble(jobs=[job_record(i) for i in range(1, 251)])
    async with client_for(double) as client:
        pages = [p async for p in client.iter_jobs(limit=100)]
    ids = [j.id for p in pages for j in p.jobs]
    assert len(pages) == 3 and len(ids) == 250 == len(set(ids))
    assert pages[-1].next_cursor is None


async def test_iter_jobs_with_status_filter():
    recs = [job_record(i, "FAILED" if i % 3 == 0 else "SUCCEEDED") for i in range(1, 31)]
    double = PlatformDouble(jobs=recs)
    async with client_for(double) as client:
        ids = [j.id async for p in client.iter_jobs(limit=4, status="FAILED") for j in p.jobs]
    assert ids == [str(i) for i in range(3, 31, 3)]
    assert all(r.url.params.get("status") == "FAILED" for r in double.requests if r.url.path == JOBS)


async def test_a_link_that_does_not_advance_stops_paging():
    double = PlatformDouble()
    stuck = {"records": [job_record(1)], "link": {"next": "/export/jobs/?limit=1&offset=5_5"}}
    double.fault("GET", JOBS, *[status(200, stuck)] * 3)
    async with client_for(double) as client:
        pages = [p async for p in client.iter_jobs(limit=1)]
    assert len(pages) == 2


async def test_list_rejects_bad_status_before_sending():
    double = PlatformDouble()
    async with client_for(double) as client:
        with pytest.raises(UsageError):
            await client.list_jobs(status="SUCEEDED")
        with pytest.raises(UsageError):
            await client.list_jobs(limit=0)
    assert double.requests == []


async def test_get_job_and_not_found():
    double = PlatformDouble()
    async with client_for(double) as client:
        job = await client.get_job("3")
        assert job.id == "3" and job.status == "SUCCEEDED"
        with pytest.raises(NotFoundError) as info:
            await client.get_job("999")
        with pytest.raises(UsageError):
            await client.get_job("  ")
    assert info.value.request_id == "rq-404"
    assert "Export job 999 not found [UPAPI-113430-404]" in str(info.value)
    assert str(info.value).startswith("Reading export job 999 failed")


async def test_get_job_quotes_the_id():
    double = PlatformDouble()
    async with client_for(double) as client:
        with pytest.raises(NotFoundError):
            await client.get_job("../../x")
    assert double.requests[-1].url.raw_path == b"/data/core/ups/export/jobs/..%2F..%2Fx"


@pytest.mark.parametrize("variant", [204, 200])
async def test_cancel_both_documented_answers(variant):
    double = PlatformDouble(cancel_variant=variant)
    async with client_for(double) as client:
        result = await client.cancel_job("2")
        gone = await client.cancel_job("2")
    assert result.job_id == "2" and not result.already_gone
    assert result.message == ("Export job has been marked for cancelling" if variant == 200 else "")
    assert gone.already_gone and gone.outcome == "already gone"


async def test_cancel_retried_after_5xx_then_404_is_already_gone():
    double = PlatformDouble()
    double.fault("DELETE", f"{JOBS}/2", status(503), status(404, {"statusCode": "404"}))
    async with client_for(double) as client:
        result = await client.cancel_job("2")
    assert result.already_gone


async def test_cancel_declined():
    double = PlatformDouble()
    double.fault("DELETE", f"{JOBS}/2", status(200, {"status": False, "message": "Job already finished"}))
    async with client_for(double) as client:
        with pytest.raises(ApiError, match=r"declined it \(Job already finished\)"):
            await client.cancel_job("2")


# --- retries on idempotent calls ----------------------------------------------------------------------
async def test_get_retried_on_429_and_5xx_honouring_waits():
    double = PlatformDouble()
    sleeps = Sleeps()
    double.fault("GET", JOBS,
                 status(429, {"error_code": "429050", "message": "Too many requests"}, {"Retry-After": "2"}),
                 status(429, [{"message": "Too many requests", "retryAfterMs": "500", "statusCode": "429"}]),
                 status(500), status(502), status(503), status(504), refuse)
    async with client_for(double, sleep=sleeps) as client:
        page = await client.list_jobs()
    assert len(page.jobs) == 7
    assert sleeps.waits[:2] == [2.0, 0.5]
    assert len(sleeps.waits) == 7


async def test_retry_after_is_capped():
    double = PlatformDouble()
    sleeps = Sleeps()
    double.fault("GET", JOBS, status(429, {}, {"Retry-After": "3600"}))
    async with client_for(double, sleep=sleeps, retry_wait_cap=5.0) as client:
        await client.list_jobs()
    assert sleeps.waits == [5.0]


async def test_gives_up_at_the_deadline_with_the_last_error():
    double = PlatformDouble()
    now = [0.0]

    async def sleep(seconds):
        now[0] += seconds

    double.fault("GET", JOBS, *[status(503, {"detail": "maintenance"}, {"x-request-id": "r-9"})] * 50)
    async with client_for(double, sleep=sleep, clock=lambda: now[0], deadline=5.0) as client:
        with pytest.raises(ServerError) as info:
            await client.list_jobs()
    assert info.value.status == 503 and info.value.request_id == "r-9"
    assert "maintenance" in str(info.value)
    assert now[0] <= 5.0


@pytest.mark.parametrize(("fault", "cls"), [
    (status(400, {"detail": "bad"}), InvalidRequestError), (status(403, {"message": "no"}), ForbiddenError),
    (status(501), ServerError), (read_timeout, ApiTimeoutError)])
async def test_not_retried(fault, cls):
    double = PlatformDouble()
    double.fault("GET", JOBS, fault, fault)
    async with client_for(double) as client:
        with pytest.raises(cls):
            await client.list_jobs()
    assert double.calls("GET", JOBS) == 1


async def test_idempotent_get_is_resent_once_after_a_dropped_connection():
    """A kept-alive connection closed by the server as it was reused: the GET is simply sent again."""
    double = PlatformDouble()
    double.fault("GET", JOBS, dropped)
    async with client_for(double) as client:
        page = await client.list_jobs()
    assert double.calls("GET", JOBS) == 2
    assert page.jobs is not None


async def test_connect_error_message():
    double = PlatformDouble()
    double.fault("GET", JOBS, *[refuse] * 20)
    async with client_for(double, deadline=0.0) as client:
        with pytest.raises(NetworkError) as info:
            await client.list_jobs()
    assert str(info.value) == ("Could not reach https://platform.test: connection refused. "
                               "Check platform_url and your network.")


async def test_transport_errors_carry_no_chained_request():
    double = PlatformDouble()
    double.fault("GET", JOBS, *[dropped] * 20)
    async with client_for(double) as client:
        with pytest.raises(NetworkError) as info:
            await client.list_jobs()
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert "Bearer" not in repr(vars(info.value))


async def test_timeout_message():
    double = PlatformDouble()
    double.fault("GET", JOBS, read_timeout)
    async with client_for(double, timeout=7.0) as client:
        with pytest.raises(ApiTimeoutError, match="did not answer within 7 s"):
            await client.list_jobs()


async def test_401_after_refresh_is_auth_error_exit_3():
    double = PlatformDouble()
    double.fault("GET", JOBS, *[status(401, {"error_code": "401013", "message": "Oauth token is not valid"})] * 2)
    async with client_for(double) as client:
        with pytest.raises(AuthError) as info:
            await client.list_jobs()
    assert info.value.exit_code == 3
    assert "Oauth token is not valid [401013]" in str(info.value)


async def test_non_json_success_body():
    double = PlatformDouble()
    double.fault("GET", f"{JOBS}/1", lambda r: httpx.Response(200, text="<html>proxy login</html>"))
    async with client_for(double) as client:
        with pytest.raises(ApiError, match="without a JSON body"):
            await client.get_job("1")


# --- create -----------------------------------------------------------------------------------------
async def test_create_returns_the_job():
    double = PlatformDouble()
    async with client_for(double) as client:
        result = await client.create_job(PAYLOAD)
    assert not result.reconciled
    assert result.job.dataset_id == "ds-target"  # read from dataSetId
    assert double.calls("POST", JOBS) == 1


@pytest.mark.parametrize("fault", [status(503), status(500), status(504), read_timeout, dropped])
async def test_ambiguous_create_is_reconciled_never_resent(fault):
    double = PlatformDouble()

    def created_then_lost(request):
        double.create(json.loads(request.content))
        return fault(request)

    double.fault("POST", JOBS, created_then_lost)
    async with client_for(double) as client:
        result = await client.create_job(PAYLOAD)
    assert result.reconciled and result.job.id == "1001"
    assert double.calls("POST", JOBS) == 1
    assert len([j for j in double.jobs if j["destination"]["datasetId"] == "ds-target"]) == 1


async def test_create_success_with_unreadable_body_is_reconciled():
    double = PlatformDouble()

    def created_but_garbled(request):
        double.create(json.loads(request.content))
        return httpx.Response(200, text="<html>gateway page</html>")

    double.fault("POST", JOBS, created_but_garbled)
    async with client_for(double) as client:
        result = await client.create_job(PAYLOAD)
    assert result.reconciled and result.job.id == "1001"


async def test_ambiguous_create_not_found_says_so_honestly():
    double = PlatformDouble()
    double.jobs.append(job_record(77, "NEW", created=0, dataset="ds-target",
                                  fields=PAYLOAD["fields"], mergePolicy={"id": "mp-1", "version": 1}))
    double.fault("POST", JOBS, status(502, {"message": "Bad gateway"}))
    async with client_for(double) as client:
        with pytest.raises(AmbiguousCreateError) as info:
            await client.create_job(PAYLOAD)
    message = str(info.value)
    assert "may or may not have succeeded" in message and "aepx jobs list" in message
    assert "no matching job was found" in message
    assert double.calls("POST", JOBS) == 1


async def test_ambiguous_create_never_claims_an_older_identical_job():
    double = PlatformDouble()
    earlier = double.create(PAYLOAD)  # the same payload, created moments ago (say, by the previous run)
    double.fault("POST", JOBS, status(502, {"message": "Bad gateway"}))  # this time nothing was created
    async with client_for(double) as client:
        with pytest.raises(AmbiguousCreateError, match="no matching job was found"):
            await client.create_job(PAYLOAD)
    assert double.calls("POST", JOBS) == 1 and earlier["id"] in {j["id"] for j in double.jobs}


async def test_ambiguous_create_with_failing_reconciliation():
    double = PlatformDouble()
    double.fault("POST", JOBS, read_timeout)
    double.fault("GET", JOBS, *[status(503)] * 50)
    async with client_for(double, deadline=0.0) as client:
        with pytest.raises(AmbiguousCreateError, match="checking failed too"):
            await client.create_job(PAYLOAD)
    assert double.calls("POST", JOBS) == 1


async def test_several_matches_are_not_guessed():
    double = PlatformDouble()

    def twice(request):
        double.create(json.loads(request.content))
        double.create(json.loads(request.content))
        return httpx.Response(503)

    double.fault("POST", JOBS, twice)
    async with client_for(double) as client:
        with pytest.raises(AmbiguousCreateError, match=r"several recent jobs match it \(1002, 1001\)"):
            await client.create_job(PAYLOAD)


async def test_create_429_is_resent_after_the_servers_wait():
    """A throttled POST was refused before processing: resending it (after the wait) is safe."""
    double = PlatformDouble()
    double.fault("POST", JOBS, status(429, {"error_code": "429050", "message": "Too many requests"},
                                      {"Retry-After": "30"}))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with client_for(double, sleep=sleep) as client:
        result = await client.create_job(PAYLOAD)
    assert not result.reconciled and result.job.id
    assert double.calls("POST", JOBS) == 2 and waits == [30]


async def test_create_429_every_time_is_raised_after_the_attempts():
    double = PlatformDouble()
    double.fault("POST", JOBS, *[status(429, {"error_code": "429050", "message": "Too many requests"},
                                            {"Retry-After": "30"})] * 20)
    async with client_for(double) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.create_job(PAYLOAD)
    assert info.value.retry_after == 30
    assert double.calls("POST", JOBS) == client.retry.max_attempts


async def test_create_rejected_is_raised():
    double = PlatformDouble()
    double.fault("POST", JOBS, status(400, {"type": "x", "title": "BadRequest", "status": 400,
                                            "detail": "destination.datasetId is required"}))
    async with client_for(double) as client:
        with pytest.raises(InvalidRequestError, match=r"destination\.datasetId is required"):
            await client.create_job(PAYLOAD)


async def test_create_resent_only_when_connection_was_refused():
    double = PlatformDouble()
    double.fault("POST", JOBS, refuse)
    async with client_for(double) as client:
        result = await client.create_job(PAYLOAD)
    assert not result.reconciled
    assert double.calls("POST", JOBS) == 2 and len(double.jobs) == 8


async def test_create_ims_failure_is_not_ambiguous():
    double = PlatformDouble()
    double.fault("POST", "/ims/token/v3", status(503))
    async with client_for(double) as client:
        with pytest.raises(ServerError, match="IMS"):
            await client.create_job(PAYLOAD)
    assert double.calls("POST", JOBS) == 0


def test_payload_matching_rules():
    job = Job.parse(
        job_record(5, "NEW", dataset="ds-target", fields="personalEmail.address,identities.id",
                   mergePolicy={"id": "mp-1", "version": 1}))
    assert payload_matches(job, PAYLOAD)
    assert payload_matches(job, {**PAYLOAD, "destination": {"dataSetId": "ds-target"}})
    assert not payload_matches(job, {**PAYLOAD, "fields": "identities.id"})
    assert not payload_matches(job, {**PAYLOAD, "mergePolicy": {"id": "mp-2"}})
    assert not payload_matches(job, {**PAYLOAD, "mergePolicy": {"id": "mp-1", "version": 2}})
    assert not payload_matches(job, {**PAYLOAD, "schema": {"name": "other"}})
    assert not payload_matches(job, {**PAYLOAD, "destination": {"datasetId": "ds-other"}})


# --- datasets and merge policies ------------------------------------------------------------------------
@pytest.mark.parametrize("ref", ["@/dataSets/abc123", "@/datasets/abc123"])
async def test_create_dataset_reads_both_reference_spellings(ref):
    double = PlatformDouble()
    double.fault("POST", "/data/foundation/catalog/dataSets", status(201, [ref]))
    async with client_for(double) as client:
        assert await client.create_dataset("Exports") == "abc123"
    sent = json.loads(next(r for r in double.requests if r.method == "POST" and "catalog" in r.url.path).content)
    assert sent == {"name": "Exports",
                    "schemaRef": {"id": PROFILE_UNION_SCHEMA,
                                  "contentType": "application/vnd.adobe.xed+json;version=1"},
                    "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"}}


async def test_create_dataset_odd_answers():
    double = PlatformDouble()
    double.fault("POST", "/data/foundation/catalog/dataSets", status(201, ["something else"]), status(504))
    async with client_for(double) as client:
        with pytest.raises(ApiError, match="returned no dataset reference"):
            await client.create_dataset("x")
        with pytest.raises(AmbiguousCreateError, match="aepx datasets list"):
            await client.create_dataset("x")


async def test_list_datasets_pages_with_zero_based_start():
    double = PlatformDouble()
    for i in range(250):
        double.datasets[f"d{i:03d}"] = union_dataset(f"n{i}") if i % 2 == 0 else {
            "name": f"other{i}", "schemaRef": {"id": "https://ns.adobe.com/x/other"}}
    async with client_for(double) as client:
        union = await client.list_datasets()
        every = await client.list_datasets(union_only=False)
    assert len(every) == 250 == len({d.id for d in every})
    assert len(union) == 125 and all(d.on_union_schema for d in union)
    starts = [r.url.params["start"] for r in double.requests if r.url.path.endswith("dataSets")][:3]
    assert starts == ["0", "100", "200"]


async def test_list_merge_policies_follows_next_href():
    double = PlatformDouble(policies=[{"id": f"mp-{i}", "name": f"P{i}", "version": 1, "default": i == 0,
                                       "schema": {"name": "_xdm.context.profile"}} for i in range(5)])
    async with client_for(double) as client:
        policies = await client.list_merge_policies()
    assert [p.id for p in policies] == [f"mp-{i}" for i in range(5)]
    assert policies[0].default
    assert double.calls("GET", "/data/core/ups/config/mergePolicies") == 3


async def test_aclose_is_idempotent():
    double = PlatformDouble()
    client = client_for(double)
    closes: list[int] = []
    close_session = client._session.aclose

    async def counting_close() -> None:
        closes.append(1)
        await close_session()

    client._session.aclose = counting_close
    await client.aclose()
    await client.aclose()
    assert closes == [1]  # the second call closes nothing again
