"""The registered secret and tokens are masked in every sentence a user can see
(IMS and Platform error bodies that echo them, a token that cannot be a header, proxy pages), and a create
POST is never resent after a 401 (only after a 429)."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import SECRET, run_cli
from tests.hostile.server import JOBS_PATH, TOKEN, TOKEN_PATH
from tui.api.client import PlatformClient
from tui.console.polling import PollState
from tui.core.errors import AepxError, AmbiguousCreateError, AuthError
from tui.core.logging import register_secret

PAYLOAD = {"schema": {"name": "_xdm.context.profile"}, "fields": "identities,personalEmail",
           "mergePolicy": {"id": "mp-1", "version": 1}, "destination": {"datasetId": "ds-1"}}
SPELLINGS = (SECRET, TOKEN)


def assert_masked(*texts: object) -> None:
    for text in texts:
        for value in SPELLINGS:
            assert value not in str(text), text


def shown(error: AepxError) -> list[str]:
    return [str(error), error.message, error.with_request_id(), error.server_message or "", repr(error)]


@pytest.mark.parametrize("status", [400, 401, 500])
@pytest.mark.parametrize("shape", ["oauth", "text", "html"])
async def test_ims_error_echoing_the_secret_is_masked(hostile, profile, secret, status, shape):
    hostile.scenario("ims_echo_secret", status=status, shape=shape)
    async with PlatformClient(profile, secret, deadline=1, retry_wait_cap=0.01) as api:
        with pytest.raises(AepxError) as info:
            await api.list_jobs()
    assert "IMS" in str(info.value)
    assert_masked(*shown(info.value))


@pytest.mark.parametrize("status", [400, 401, 404, 500, 502])
@pytest.mark.parametrize("shape", ["json", "html"])
async def test_platform_or_proxy_page_echoing_the_token_is_masked(hostile, profile, secret, status, shape):
    hostile.scenario("platform_echo_token", status=status, shape=shape)
    async with PlatformClient(profile, secret, deadline=1, retry_wait_cap=0.01) as api:
        with pytest.raises(AepxError) as info:
            await api.list_jobs()
        with pytest.raises(AepxError) as single:
            await api.get_job("24115")
    assert_masked(*shown(info.value), *shown(single.value))


async def test_proxy_page_echoing_the_token_is_masked(hostile, profile, secret, monkeypatch):
    from dataclasses import replace

    monkeypatch.setenv("HTTP_PROXY", hostile.base_url)
    hostile.scenario("platform_echo_token", status=502, shape="html")
    proxied = replace(profile, platform_url="http://platform.hostile.test")
    async with PlatformClient(proxied, secret, deadline=1, retry_wait_cap=0.01) as api:
        with pytest.raises(AepxError) as info:
            await api.list_jobs()
    assert hostile.requests[-1].via_proxy
    assert_masked(*shown(info.value))


async def test_token_with_crlf_is_refused_in_one_sentence(hostile, profile, secret):
    hostile.scenario("crlf_token")
    async with PlatformClient(profile, secret) as api:
        with pytest.raises(AuthError, match="cannot be sent in a header") as info:
            await api.list_jobs()
    assert hostile.count("GET", JOBS_PATH) == 0  # never sent with the broken header
    assert_masked(*shown(info.value))
    assert "Illegal header" not in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("shape", ["oauth", "text"])
def test_cli_stderr_never_shows_the_secret(hostile, config_file, shape):
    hostile.scenario("ims_echo_secret", status=400, shape=shape)
    result = run_cli(config_file, "jobs", "list")
    assert result.exit_code == 3
    assert "IMS" in result.stderr
    assert SECRET not in result.stderr and SECRET not in result.stdout


def test_console_stale_header_never_shows_a_secret():
    from tui.console.widgets.header import HeaderState, header_text
    from tui.core.models import Target

    register_secret(SECRET)
    poll = PollState()
    poll.failed(0.0, RuntimeError(f"broken: client_secret={SECRET}&x=1 and {SECRET}"))
    text = header_text(HeaderState(Target("p", "o", "s", "http://x", "c"), False, poll)).plain
    assert "STALE" in text and SECRET not in text


# --- item 12: a create POST and the auth flow ------------------------------------------------------------
async def test_401_on_create_is_not_resent_and_is_reconciled(hostile, profile, secret):
    hostile.scenario("post_401")
    async with PlatformClient(profile, secret) as api:
        with pytest.raises(AmbiguousCreateError, match="may or may not have succeeded") as info:
            await api.create_job(PAYLOAD)
    assert hostile.count("POST", JOBS_PATH) == 1
    assert hostile.count("GET", JOBS_PATH) >= 2  # the job list was read before and after, to reconcile
    assert "jobs list" in str(info.value)


async def test_401_on_create_finds_the_job_it_made(hostile, profile, secret):
    """The POST took effect although the answer was 401: reconciling finds the new job, nothing resent."""
    import time

    from tests.hostile.server import job_record

    state = {"created": False}

    async def create(req, out):
        state["created"] = True
        await out.json(401, {"error_code": "401013", "message": "Oauth token is not valid"})

    async def listing(req, out):
        records = [job_record(777, "NEW", int(time.time() * 1000))] if state["created"] else []
        await out.json(200, {"records": records, "page": {}, "link": {}})
    hostile.route("POST", JOBS_PATH, create)
    hostile.route("GET", JOBS_PATH, listing)
    async with PlatformClient(profile, secret) as api:
        result = await api.create_job(PAYLOAD)
    assert result.reconciled and result.job.id == "777"
    assert hostile.count("POST", JOBS_PATH) == 1


async def test_429_on_create_is_resent_with_backoff(hostile, profile, secret):
    hostile.scenario("post_429", times=2, retry_after="0")
    async with PlatformClient(profile, secret, retry_wait_cap=0.05) as api:
        result = await api.create_job(PAYLOAD)
    assert result.job.id == "24115" and not result.reconciled
    assert hostile.count("POST", JOBS_PATH) == 3
    assert hostile.count("POST", TOKEN_PATH) == 1


async def test_401_on_a_get_is_still_refreshed_once(hostile, profile, secret):
    served = []

    async def once_401(req, out):
        served.append(req.headers.get("authorization"))
        if len(served) == 1:
            await out.json(401, {"error_code": "401013", "message": "Oauth token is not valid"})
        else:
            await out.json(200, {"records": [], "page": {}, "link": {}})
    hostile.route("GET", JOBS_PATH, once_401)
    async with PlatformClient(profile, secret) as api:
        await api.list_jobs()
    assert len(served) == 2 and hostile.count("POST", TOKEN_PATH) == 2


# --- item 5: the keyring token cache is keyed by IMS URL, platform URL, org and client id ------------------
@pytest.mark.parametrize("change", ["platform_url", "org_id", "ims_url"])
async def test_cached_token_is_never_given_to_a_profile_pointing_elsewhere(hostile, profile, secret, change,
                                                                         memory_keyring):
    from dataclasses import replace

    from tui.core.credentials import KeyringTokenStore

    async with PlatformClient(profile, secret, token_store=KeyringTokenStore()) as api:
        await api.list_jobs()
    assert hostile.count("POST", TOKEN_PATH) == 1
    other_value = {"platform_url": hostile.base_url.replace("127.0.0.1", "localhost"),
                   "org_id": "OTHER@AdobeOrg", "ims_url": hostile.base_url.replace("127.0.0.1", "localhost")}
    other = replace(profile, **{change: other_value[change]})
    assert other.token_cache_key != profile.token_cache_key
    async with PlatformClient(other, secret, token_store=KeyringTokenStore()) as api:
        await api.list_jobs()
    assert hostile.count("POST", TOKEN_PATH) == 2  # its own IMS call, not the other profile's token
    async with PlatformClient(profile, secret, token_store=KeyringTokenStore()) as api:
        await api.list_jobs()
    assert hostile.count("POST", TOKEN_PATH) == 2  # the same profile still reuses its cached token
    assert all(profile.client_id in user and user.endswith(":access_token")
               for (_service, user) in memory_keyring.store if "access_token" in user)
