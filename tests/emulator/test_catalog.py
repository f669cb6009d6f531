"""Catalog datasets and merge policies over HTTP."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import DATASETS, JOBS, POLICIES, UNION, Emu


def test_dataset_list_is_object_keyed_by_id(shared_emu: Emu) -> None:
    body = shared_emu.get(DATASETS).json()
    assert isinstance(body, dict) and len(body) == 6
    for ds_id, ds in body.items():
        assert len(ds_id) == 24
        assert ds["name"] and ds["schemaRef"]["id"] and isinstance(ds["created"], int)
        assert ds["imsOrg"] == shared_emu.settings.org


@pytest.mark.parametrize("params", [{"property": f"schemaRef.id=={UNION}"}, {"schemaRef.id": UNION}])
def test_dataset_schema_filter(shared_emu: Emu, params: dict[str, str]) -> None:
    union = shared_emu.get(DATASETS, params=params).json()
    assert len(union) == 5
    assert all(ds["schemaRef"]["id"] == UNION for ds in union.values())


def test_dataset_negative_filter_and_name(shared_emu: Emu) -> None:
    others = shared_emu.get(DATASETS, params={"property": f"schemaRef.id!={UNION}"}).json()
    assert [ds["name"] for ds in others.values()] == ["Web Events (ExperienceEvent)"]
    named = shared_emu.get(DATASETS, params={"name": "Profile Export - Loyalty Members"}).json()
    assert len(named) == 1


def test_dataset_paging_with_start_and_limit(shared_emu: Emu) -> None:
    everything = list(shared_emu.get(DATASETS).json())
    pages = [list(shared_emu.get(DATASETS, params={"limit": 4, "start": s}).json()) for s in (0, 4, 8)]
    assert pages[0] + pages[1] == everything
    assert pages[2] == []
    newest_first = list(shared_emu.get(DATASETS, params={"orderBy": "desc:created"}).json())
    assert newest_first == everything[::-1]


def test_dataset_properties(shared_emu: Emu) -> None:
    body = shared_emu.get(DATASETS, params={"properties": "name,schemaRef", "limit": 2}).json()
    assert all(set(ds) == {"name", "schemaRef"} for ds in body.values())


@pytest.mark.parametrize("params", [{"limit": "101"}, {"limit": "0"}, {"limit": "x"}, {"start": "-1"},
                                    {"orderBy": "sideways"}])
def test_dataset_bad_params(shared_emu: Emu, params: dict[str, str]) -> None:
    response = shared_emu.get(DATASETS, params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["title"] == "BadRequestError" and body["detail"]


def test_create_and_get_dataset(emu: Emu) -> None:
    response = emu.post(DATASETS, params={"requestDataSource": "true"}, json={
        "name": "Profile Data Export",
        "schemaRef": {"id": UNION, "contentType": "application/vnd.adobe.xed+json;version=1"},
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"}})
    assert response.status_code == 201
    (ref,) = response.json()
    assert ref.startswith("@/dataSets/")
    ds_id = ref.removeprefix("@/dataSets/")
    got = emu.get(f"{DATASETS}/{ds_id}").json()
    assert list(got) == [ds_id]
    assert got[ds_id]["name"] == "Profile Data Export"
    assert ds_id in emu.get(DATASETS, params={"schemaRef.id": UNION}).json()
    job = emu.post(JOBS, json={"destination": {"datasetId": ds_id}, "schema": {"name": "_xdm.context.profile"}})
    assert job.status_code == 200


def test_non_union_dataset_cannot_receive_exports(emu: Emu) -> None:
    ref = emu.post(DATASETS, json={"name": "Events", "schemaRef": {"id": "https://ns.adobe.com/x/schemas/1"}}).json()
    ds_id = ref[0].removeprefix("@/dataSets/")
    response = emu.post(JOBS, json={"destination": {"datasetId": ds_id}, "schema": {"name": "_xdm.context.profile"}})
    assert response.status_code == 400
    assert "profile union schema" in response.json()["errors"]["400"][0]["message"]


def test_unknown_dataset_is_404(shared_emu: Emu) -> None:
    response = shared_emu.get(f"{DATASETS}/000000000000000000000000")
    assert response.status_code == 404
    assert response.json() == {"type": "/placeholder/type/uri", "status": 404, "title": "NotFoundError",
                               "detail": "DataSet not found."}


@pytest.mark.parametrize(("body", "word"), [
    ({"schemaRef": {"id": UNION}}, "name"), ({"name": "", "schemaRef": {"id": UNION}}, "name"),
    ({"name": "x"}, "schemaRef.id"), ({"name": "x", "schemaRef": {"id": 3}}, "schemaRef.id"),
    (["name"], "JSON object"),
])
def test_create_dataset_validation(shared_emu: Emu, body: object, word: str) -> None:
    response = shared_emu.post(DATASETS, json=body)
    assert response.status_code == 400
    assert word in response.json()["detail"]


def test_merge_policies_list(shared_emu: Emu) -> None:
    body = shared_emu.get(POLICIES).json()
    assert body["_page"] == {"totalCount": 3, "pageSize": 3}
    assert body["_links"]["next"]["href"] == ""
    assert sum(p["default"] for p in body["children"]) == 1
    for policy in body["children"]:
        assert policy["schema"] == {"name": "_xdm.context.profile"}
        assert policy["sandbox"]["sandboxName"] == "prod"
        assert policy["identityGraph"]["type"] in ("none", "pdg")
        assert policy["attributeMerge"]["type"] in ("timestampOrdered", "dataSetPrecedence")


def test_merge_policies_paging_and_filters(shared_emu: Emu) -> None:
    first = shared_emu.get(POLICIES, params={"limit": 2}).json()
    assert len(first["children"]) == 2
    assert first["_links"]["next"]["href"] == "@/mergePolicies?start=2&orderBy=&limit=2"
    rest = shared_emu.get(POLICIES, params={"limit": 2, "start": 2}).json()
    assert len(rest["children"]) == 1 and rest["_links"]["next"]["href"] == ""
    default = shared_emu.get(POLICIES, params={"default": "true"}).json()["children"]
    assert len(default) == 1 and default[0]["default"] is True
    names = [p["name"] for p in shared_emu.get(POLICIES, params={"orderBy": "-name"}).json()["children"]]
    assert names == sorted(names, reverse=True)


def test_merge_policy_get_and_404(shared_emu: Emu) -> None:
    policy = shared_emu.get(POLICIES).json()["children"][0]
    assert shared_emu.get(f"{POLICIES}/{policy['id']}").json() == policy
    missing = shared_emu.get(f"{POLICIES}/timestampOrdered-none-mp")
    assert missing.status_code == 404
    assert missing.json()["errors"]["404"][0]["message"]


@pytest.mark.parametrize("params", [{"default": "maybe"}, {"orderBy": "created"}, {"limit": "0"}])
def test_merge_policies_bad_params(shared_emu: Emu, params: dict[str, str]) -> None:
    assert shared_emu.get(POLICIES, params=params).status_code == 400
