"""The emulator against odd requests: Unicode digits and huge numbers are 400 (never 500, never an alias),
Catalog dataSet fields are type-checked, the spec's orderBy example works, a large body without a
Content-Type is drained before the 400, and start() honours its startup timeout."""

from __future__ import annotations

import threading

import pytest

from tests.emulator.conftest import DATASETS, JOBS, UNION, Emu
from tui.emulator.server import EmulatorServer, EmulatorStartError
from tui.emulator.settings import EmulatorSettings


@pytest.mark.parametrize("value", ["²", "٢", "1" * 5000, "１０"])
@pytest.mark.parametrize("name", ["limit", "start"])
def test_unicode_digits_and_huge_numbers_in_query_parameters_are_400(shared_emu: Emu, name, value):
    for path in (JOBS, DATASETS):
        response = shared_emu.get(path, params={name: value})
        assert response.status_code == 400, (path, response.status_code, response.text)


def test_unicode_digits_in_a_job_id_are_400_and_never_an_alias(shared_emu: Emu):
    job_id = shared_emu.get(JOBS, params={"limit": 1}).json()["records"][0]["id"]
    arabic = str(job_id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert shared_emu.get(f"{JOBS}/{job_id}").status_code == 200
    for raw in (arabic, "²", "1" * 5000):
        response = shared_emu.get(f"{JOBS}/{raw}")
        assert response.status_code in (400, 404), response.text
        assert str(job_id) not in response.text or response.status_code != 200
    assert shared_emu.get(f"{JOBS}/{arabic}").status_code == 400
    assert shared_emu.delete(f"{JOBS}/{arabic}").status_code == 400


@pytest.mark.parametrize(("field", "value"), [
    ("description", 5), ("tags", {"a": [1]}), ("tags", "x"), ("fileDescription", {"persisted": "yes"}),
    ("fileDescription", {"format": 5}), ("fileDescription", {"evil": {"deep": 1}}), ("fileDescription", [1]),
])
def test_catalog_post_validates_field_types(emu: Emu, field, value):
    before = len(emu.get(DATASETS, params={"limit": 100}).json())
    response = emu.post(DATASETS, json={"name": "x", "schemaRef": {"id": UNION}, field: value})
    assert response.status_code == 400, response.text
    assert len(emu.get(DATASETS, params={"limit": 100}).json()) == before


def test_catalog_post_accepts_the_documented_shape(emu: Emu):
    response = emu.post(DATASETS, json={
        "name": "ok", "description": "d", "tags": {"t": ["a"]}, "schemaRef": {"id": UNION,
        "contentType": "application/vnd.adobe.xed+json;version=1"},
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"}})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("order", ["asc:created,updated", "desc:created", "asc:created", "created",
                                   "desc:updated,created"])
def test_the_specs_order_by_examples_are_accepted(shared_emu: Emu, order):
    response = shared_emu.get(DATASETS, params={"orderBy": order})
    assert response.status_code == 200, response.text


def test_descending_order_is_newest_first(shared_emu: Emu):
    body = shared_emu.get(DATASETS, params={"orderBy": "desc:created", "limit": 100}).json()
    created = [d["created"] for d in body.values()]
    assert created == sorted(created, reverse=True)
    assert shared_emu.get(DATASETS, params={"orderBy": "sideways:created"}).status_code == 400


def test_a_large_body_without_content_type_is_drained_then_refused(shared_emu: Emu):
    def chunks():  # several MB, streamed: an early answer and close would reset the connection under us
        for _ in range(96):
            yield b"x" * 65536

    headers = dict(shared_emu.headers)
    response = shared_emu.http.post(JOBS, content=chunks(), headers=headers)  # no Content-Type
    assert response.status_code == 400
    assert "content-type" in response.text.lower()


def test_start_honours_its_startup_timeout(monkeypatch):
    import tui.emulator.server as server_module

    class NeverReady(server_module._Server):
        def run(self, sockets=None):  # never sets ready, keeps the thread alive until asked to exit
            while not self.should_exit:
                threading.Event().wait(0.01)

    monkeypatch.setattr(server_module, "_Server", NeverReady)
    server = EmulatorServer(EmulatorSettings(port=0, jobs=0), startup_timeout=0.3)
    with pytest.raises(EmulatorStartError, match=r"did not start within 0\.3 s"):
        server.start()
    assert server._thread is None and server._socket is None  # cleaned up
