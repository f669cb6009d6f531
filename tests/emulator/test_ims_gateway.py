"""IMS token endpoint and the gateway checks on every Platform route."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.conftest import DATASETS, JOBS, POLICIES, Emu, platform_headers

TOKEN_PATH = "/ims/token/v3"


def _form(emu: Emu, **overrides: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": emu.settings.client_id,
            "client_secret": emu.settings.client_secret, "scope": "openid,AdobeID"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v != "<omit>"}


def test_token_shape(shared_emu: Emu) -> None:
    response = shared_emu.http.post(TOKEN_PATH, data=_form(shared_emu))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86399
    assert len(body["access_token"]) >= 32
    assert response.headers["cache-control"] == "no-store"


def test_tokens_are_random(shared_emu: Emu) -> None:
    first = shared_emu.http.post(TOKEN_PATH, data=_form(shared_emu)).json()["access_token"]
    second = shared_emu.http.post(TOKEN_PATH, data=_form(shared_emu)).json()["access_token"]
    assert first != second


def test_token_params_in_query_string(shared_emu: Emu) -> None:
    response = shared_emu.http.post(TOKEN_PATH, params=_form(shared_emu))
    assert response.status_code == 200


@pytest.mark.parametrize(("overrides", "status", "error"), [
    ({"client_id": "someone-else"}, 400, "invalid_client"),
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_secret": "<omit>"}, 401, "invalid_client"),
    ({"client_id": "<omit>"}, 400, "invalid_request"),
    ({"grant_type": "<omit>"}, 400, "invalid_request"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"scope": "openid,write_everything"}, 400, "invalid_scope"),
])
def test_token_errors_use_oauth_shape(shared_emu: Emu, overrides: dict[str, str], status: int, error: str) -> None:
    response = shared_emu.http.post(TOKEN_PATH, data=_form(shared_emu, **overrides))
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert shared_emu.settings.client_secret not in response.text


def test_token_is_not_fault_injected(make_emu) -> None:
    emu = make_emu(fault_rate_5xx=1.0)
    for _ in range(3):
        assert emu.http.post(TOKEN_PATH, data=_form(emu)).status_code == 200


def test_valid_call_passes_gateway(shared_emu: Emu) -> None:
    for path in (JOBS, DATASETS, POLICIES):
        assert shared_emu.get(path, params={"limit": 1}).status_code == 200


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"Authorization": None}, 403, "403010"),
    ({"Authorization": "Bearer"}, 403, "403010"),
    ({"Authorization": "Basic abc"}, 403, "403010"),
    ({"Authorization": "Bearer not-a-token"}, 401, "401013"),
    ({"x-api-key": None}, 403, "403000"),
    ({"x-api-key": "another-client"}, 403, "403003"),
    ({"x-gw-ims-org-id": None}, 400, "400003"),
    ({"x-gw-ims-org-id": "OTHER0000000000000000000@AdobeOrg"}, 403, "403025"),
    ({"x-sandbox-name": None}, 400, "400003"),
    ({"x-sandbox-name": "Prod Sandbox"}, 400, "400003"),
])
@pytest.mark.parametrize("path", [JOBS, f"{JOBS}/1", DATASETS, POLICIES])
def test_gateway_failures(shared_emu: Emu, change: dict[str, str | None], status: int, code: str, path: str) -> None:
    headers = dict(shared_emu.headers)
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    response = shared_emu.get(path, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["error_code"] == code
    assert body["message"]
    if change.get("x-sandbox-name", "") is None:
        assert "x-sandbox-name" in body["message"]


def test_gateway_failure_changes_nothing(emu: Emu) -> None:
    headers = dict(emu.headers, **{"x-api-key": "wrong"})
    before = emu.get(JOBS).json()["records"]
    payload = {"destination": {"datasetId": emu.union_dataset()}, "schema": {"name": "_xdm.context.profile"}}
    assert emu.post(JOBS, json=payload, headers=headers).status_code == 403
    assert emu.get(JOBS).json()["records"] == before


def test_expired_token_is_rejected(emu: Emu) -> None:
    """Tokens expire on real monotonic time after token_ttl seconds (not on the emulated clock)."""
    store = emu.server.store
    real = store.monotonic
    emu.clock.advance(10 * 86_400_000)  # emulated time does not expire tokens
    assert emu.get(JOBS, params={"limit": 1}).status_code == 200
    store.monotonic = lambda: real() + emu.settings.token_ttl + 1
    try:
        response = emu.get(JOBS, params={"limit": 1})
    finally:
        store.monotonic = real
    assert response.status_code == 401
    assert response.json() == {"error_code": "401013", "message": "Oauth token is not valid"}


def test_short_token_ttl_is_reported(make_emu) -> None:
    emu = make_emu(token_ttl=5)
    response = emu.http.post(TOKEN_PATH, data=_form(emu))
    assert response.json()["expires_in"] == 5


def test_sandbox_isolation(emu: Emu) -> None:
    job = emu.create_job()
    other = platform_headers(emu.token, emu.settings, sandbox="dev")
    assert emu.get(f"{JOBS}/{job['id']}", headers=other).status_code == 404
    assert emu.delete(f"{JOBS}/{job['id']}", headers=other).status_code == 404
    listing = emu.get(JOBS, headers=other).json()
    assert listing["records"] == []
    assert listing["link"]["next"] == ""
    # every sandbox has merge policies and one union dataset, so exports work there too
    dev_datasets = emu.get(DATASETS, headers=other).json()
    assert len(dev_datasets) == 1
    assert not set(dev_datasets) & set(emu.get(DATASETS).json())
    assert emu.get(POLICIES, headers=other).json()["_page"]["totalCount"] == 3
    dev_job = emu.post(JOBS, headers=other, json={
        "destination": {"datasetId": next(iter(dev_datasets))}, "schema": {"name": "_xdm.context.profile"}})
    assert dev_job.status_code == 200
    assert emu.get(f"{JOBS}/{dev_job.json()['id']}").status_code == 404


def test_prod_dataset_cannot_be_used_from_another_sandbox(emu: Emu) -> None:
    other = platform_headers(emu.token, emu.settings, sandbox="dev")
    response = emu.post(JOBS, headers=other, json={
        "destination": {"datasetId": emu.union_dataset()}, "schema": {"name": "_xdm.context.profile"}})
    assert response.status_code == 400
    assert "destination.datasetId" in response.text


def test_org_isolation(emu: Emu) -> None:
    """Data is keyed by (org, sandbox): a token of another org sees none of this org's jobs."""
    job = emu.create_job()
    other_org = "OTHER0000000000000000000@AdobeOrg"
    token, _ = emu.server.store.issue_token(other_org)
    headers = dict(platform_headers(token, emu.settings), **{"x-gw-ims-org-id": other_org})
    assert emu.get(f"{JOBS}/{job['id']}", headers=headers).status_code == 404
    assert emu.get(JOBS, headers=headers).json()["records"] == []
    # and the other org's token cannot be used with this org's header
    mixed = dict(headers, **{"x-gw-ims-org-id": emu.settings.org})
    assert emu.get(JOBS, headers=mixed).json()["error_code"] == "403025"


def test_unknown_route_is_json_404(shared_emu: Emu) -> None:
    response = shared_emu.get("/data/core/ups/nope")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_wrong_method_is_json_405(shared_emu: Emu) -> None:
    response = shared_emu.http.put(JOBS, headers=shared_emu.headers, json={})
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_every_request_is_recorded(emu: Emu) -> None:
    emu.server.requests.clear()
    emu.get(JOBS, params={"limit": 2})
    emu.get(f"{JOBS}/999999999")
    records = list(emu.server.requests)
    assert [(r.method, r.path, r.query, r.status) for r in records] == [
        ("GET", JOBS, "limit=2", 200), ("GET", f"{JOBS}/999999999", "", 404)]
    assert records[0].t <= records[1].t


def test_request_id_header(shared_emu: Emu) -> None:
    assert len(shared_emu.get(JOBS, params={"limit": 1}).headers["x-request-id"]) == 32


def test_client_secret_not_in_repr(shared_emu: Emu) -> None:
    assert shared_emu.settings.client_secret not in repr(shared_emu.settings)


def test_plain_http_client_can_call(shared_emu: Emu) -> None:
    """Sanity: a fresh client with only the documented headers works (no cookies, no session)."""
    with httpx.Client(base_url=shared_emu.server.base_url) as fresh:
        assert fresh.get(JOBS, headers=shared_emu.headers, params={"limit": 1}).status_code == 200


def test_token_as_multipart_form(shared_emu: Emu) -> None:
    response = shared_emu.http.post(TOKEN_PATH, files={k: (None, v) for k, v in _form(shared_emu).items()})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_token_malformed_multipart(shared_emu: Emu) -> None:
    response = shared_emu.http.post(TOKEN_PATH, content=b"--x\r\ngarbage",
                                    headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert 400 <= response.status_code < 500
    assert response.json()["error"] == "invalid_request"
