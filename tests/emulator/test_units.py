"""Settings, latency parsing, the config profile, clocks, and the job renderer."""

from __future__ import annotations

import time
import tomllib

import pytest

from tui.emulator.clock import Clock, ManualClock
from tui.emulator.jobs import Durations, Job, build_schedule
from tui.emulator.settings import EmulatorSettings, parse_latency, profile_toml


@pytest.mark.parametrize(("text", "expected"), [("0", (0, 0)), ("250", (250, 250)), ("10-40", (10, 40)),
                                                (" 5-5 ", (5, 5))])
def test_parse_latency(text: str, expected: tuple[int, int]) -> None:
    assert parse_latency(text) == expected


@pytest.mark.parametrize("text", ["", "-", "40-10", "a-b", "1-2-3", "-5", "1.5"])
def test_parse_latency_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="latency"):
        parse_latency(text)


def test_settings_defaults() -> None:
    s = EmulatorSettings()
    assert (s.host, s.port, s.speed, s.seed, s.jobs) == ("127.0.0.1", 8085, 1.0, 0, 250)
    assert (s.client_id, s.client_secret, s.sandbox) == ("aepx-emulator", "emulator-secret", "prod")
    assert s.org == "EMULATOR0000000000000000@AdobeOrg"
    assert (s.cancel_response, s.fault_rate_429, s.fault_rate_5xx, s.latency_ms, s.token_ttl) == (
        204, 0.0, 0.0, (0, 0), 86399)


@pytest.mark.parametrize("bad", [{"speed": 0}, {"jobs": -1}, {"cancel_response": 201}, {"fault_rate_429": 1.5},
                                 {"fault_rate_429": 0.6, "fault_rate_5xx": 0.6}, {"latency_ms": (5, 1)},
                                 {"token_ttl": 0}, {"port": 70000}])
def test_settings_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        EmulatorSettings(**bad)


def test_profile_toml_is_valid_and_has_no_secret() -> None:
    settings = EmulatorSettings(client_secret="s3cr3t-value")
    text = profile_toml("http://127.0.0.1:9999", settings)
    profile = tomllib.loads(text)["profiles"]["emulator"]
    assert profile == {
        "platform_url": "http://127.0.0.1:9999", "ims_url": "http://127.0.0.1:9999",
        "org_id": settings.org, "client_id": "aepx-emulator", "sandbox": "prod",
        "scopes": ["openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext",
                   "session"]}
    assert "s3cr3t-value" not in text
    assert "aepx login" in text and "AEPX_CLIENT_SECRET" in text
    assert "AEPX_CLIENT_SECRET=emulator-secret" in profile_toml("http://x", EmulatorSettings())


def test_manual_clock() -> None:
    clock = ManualClock(1000)
    assert clock.now_ms() == 1000
    assert clock.advance(500) == 1500
    clock.set(42)
    assert clock.now_ms() == 42


def test_scaled_clock_is_anchored_and_monotonic() -> None:
    clock = Clock(1000.0, start_ms=5_000)
    first = clock.now_ms()
    assert first >= 5_000
    time.sleep(0.002)  # a real clock needs real time to pass
    assert clock.now_ms() > first
    with pytest.raises(ValueError):
        Clock(0)


def _job(schedule_kw: dict | None = None) -> Job:
    d = Durations(queue=10, startup=10, export=100, gap=10, write=50, tail=5)
    return Job(id=7, created=0, ims_org="o", request_id="r", profile_instance_id="ups",
               schema={"name": "_xdm.context.profile"}, merge_policy={"id": "m", "version": 1},
               dataset_id="d", segment_per_batch=True, fields=None, additional_fields=None,
               filter={"segments": [{"segmentId": "s1"}, {"segmentId": "s2", "segmentNs": "x",
                                                          "status": ["exited"]}]},
               schedule=build_schedule(0, d, **(schedule_kw or {})), failure=None, export_job="e",
               push_job="p", batch_id="b", segment_batches=["b1", "b2"])


def test_segment_batches_appear_once_written() -> None:
    job = _job()
    assert "batches" not in job.render(100)["destination"]
    dest = job.render(1000)["destination"]
    assert dest["batchId"] == "b"
    assert dest["batches"] == [
        {"segmentId": "s1", "segmentNs": "ups", "status": ["realized", "existing"], "batchId": "b1"},
        {"segmentId": "s2", "segmentNs": "x", "status": ["exited"], "batchId": "b2"}]


def test_render_never_shows_future_metrics() -> None:
    job = _job()
    for t in range(0, 200, 3):
        record = job.render(t)
        for phase in record["metrics"].values():
            assert phase["startTimeInMs"] <= t
            assert phase.get("endTimeInMs", t) <= t
        assert record["updateTime"] <= t
