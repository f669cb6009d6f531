"""A job is addressed by the id asked for (never the record's ``id``), a record
naming another job is refused; ``jobs create --wait`` stops on any status but NEW/PROCESSING, and
``--timeout`` bounds it."""

from __future__ import annotations

import json

import pytest

from tests.hostile.conftest import run_cli
from tests.hostile.server import JOBS_PATH
from tui.api.client import PlatformClient
from tui.core.errors import ApiError

PAYLOAD = {"schema": {"name": "_xdm.context.profile"}, "fields": "identities",
           "mergePolicy": {"id": "mp-1", "version": 1}, "destination": {"datasetId": "ds-1"}}


def test_same_job_id_spellings():
    from tui.api.client import same_job_id

    assert same_job_id(24115, "24115") and same_job_id("24115", "24115") and same_job_id(24115.0, "24115")
    assert same_job_id(" 24115 ", "24115")
    assert not same_job_id(999, "1") and not same_job_id("٢٤١١٥", "24115") and not same_job_id(True, "1")
    assert not same_job_id(24115.5, "24115")


async def test_record_with_another_id_is_refused(hostile, profile, secret):
    hostile.scenario("wrong_id", answer_id=999)
    async with PlatformClient(profile, secret) as api:
        with pytest.raises(ApiError, match=r"Reading export job 1 failed because the Platform answered with job "
                                           r"999 instead") as info:
            await api.get_job("1")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("answer_id", [None, 24115, "24115"])
async def test_record_id_missing_or_numeric_keeps_the_asked_id(hostile, profile, secret, answer_id):
    hostile.scenario("wrong_id", answer_id=answer_id)
    async with PlatformClient(profile, secret) as api:
        job = await api.get_job("24115")
    assert job.id == "24115"


def test_cancel_never_deletes_the_job_a_record_names(hostile, config_file):
    hostile.scenario("wrong_id", answer_id=999)
    result = run_cli(config_file, "jobs", "cancel", "1", "--yes")
    assert result.exit_code == 1
    assert "answered with job 999 instead" in result.stderr
    assert not [r for r in hostile.requests if r.method == "DELETE"]


def test_cancel_addresses_the_typed_id_when_the_record_has_none(hostile, config_file):
    hostile.scenario("wrong_id", answer_id=None)
    run_cli(config_file, "jobs", "cancel", "24115", "--yes")
    assert [r.path for r in hostile.requests if r.method == "DELETE"] == [JOBS_PATH + "/24115"]


@pytest.mark.parametrize("status", ["CANCELLED", None])
def test_wait_stops_on_a_status_it_does_not_know(hostile, config_file, tmp_path, status):
    hostile.scenario("unknown_status", status=status)
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(PAYLOAD))
    result = run_cli(config_file, "jobs", "create", "--yes", "--file", str(payload), "--wait", "--poll", "0.1")
    assert result.exit_code == 1
    assert result.stdout.strip() == "24115"
    assert "which aepx does not know" in result.stderr
    assert hostile.count("GET", JOBS_PATH + "/24115") == 1


def test_wait_timeout(hostile, config_file, tmp_path):
    hostile.scenario("status_forever", status="PROCESSING")
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(PAYLOAD))
    result = run_cli(config_file, "jobs", "create", "--yes", "--file", str(payload), "--wait", "--poll", "0.1",
                     "--timeout", "1")
    assert result.exit_code == 1
    assert "is still PROCESSING after 1 s (--timeout)" in result.stderr
    assert "aepx jobs show 24115" in result.stderr
