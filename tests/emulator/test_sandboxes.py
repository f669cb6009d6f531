"""The emulator's Sandbox API: available sandboxes (paging, types), the admin-only routes' 403."""

from __future__ import annotations

import pytest

from tui.emulator.sandbox_routes import parse_sandbox_types

AVAILABLE = "/data/foundation/sandbox-management/"
ADMIN = "/data/foundation/sandbox-management/sandboxes"


def test_available_lists_the_seeded_sandbox_as_production_and_others_as_development(emu):
    no_sandbox = {k: v for k, v in emu.headers.items() if k != "x-sandbox-name"}
    body = emu.get(AVAILABLE, headers=no_sandbox).json()
    types = {s["name"]: s["type"] for s in body["sandboxes"]}
    assert types == {"prod": "production", "dev1": "development"}
    assert body["_page"] == {"limit": 50, "count": 2}
    assert body["_links"]["page"]["templated"] is True
    assert ":" in body["_links"]["page"]["href"].split("//", 1)[1]  # an explicit port, as the gateway writes


def test_available_pages_with_limit_and_offset_and_a_next_link(make_emu):
    emu = make_emu(sandbox_types=parse_sandbox_types("prod=production,dev1=development,dev2=development"))
    first = emu.get(AVAILABLE, params={"limit": 2}).json()
    assert [s["name"] for s in first["sandboxes"]] == ["prod", "dev1"]
    assert first["_page"]["count"] == 2
    assert "offset=2" in first["_links"]["next"]["href"]
    second = emu.get(AVAILABLE, params={"limit": 2, "offset": 2}).json()
    assert [s["name"] for s in second["sandboxes"]] == ["dev2"]
    assert "next" not in second["_links"]


def test_sandbox_types_flag_sets_types(make_emu):
    emu = make_emu(sandbox_types=parse_sandbox_types("prod=development,stage=production"))
    types = {s["name"]: s["type"] for s in emu.get(AVAILABLE).json()["sandboxes"]}
    assert types == {"prod": "development", "stage": "production"}


def test_a_used_sandbox_is_listed(emu):
    emu.get("/data/core/ups/export/jobs", headers={**emu.headers, "x-sandbox-name": "scratch"})
    names = [s["name"] for s in emu.get(AVAILABLE).json()["sandboxes"]]
    assert "scratch" in names


@pytest.mark.parametrize("path", [f"{ADMIN}/prod", ADMIN])
def test_admin_routes_answer_403_without_the_permission(emu, path):
    response = emu.get(path)
    assert response.status_code == 403
    assert "permission" in response.json()["message"]


def test_admin_route_with_permission_and_an_unknown_name(make_emu):
    emu = make_emu(sandbox_admin=True)
    assert emu.get(f"{ADMIN}/prod").json()["type"] == "production"
    assert emu.get(f"{ADMIN}/nope").status_code == 404


def test_bad_paging_is_400(emu):
    assert emu.get(AVAILABLE, params={"limit": 0}).status_code == 400
    assert emu.get(AVAILABLE, params={"offset": "x"}).status_code == 400


def test_the_sandbox_api_still_needs_a_token(emu):
    assert emu.get(AVAILABLE, headers={}).status_code == 403


@pytest.mark.parametrize("text", ["prod", "prod=staging", "=production"])
def test_parse_sandbox_types_refuses_bad_text(text):
    with pytest.raises(ValueError):
        parse_sandbox_types(text)
