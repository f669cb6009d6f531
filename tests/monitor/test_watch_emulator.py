"""aepx watch's engine against the emulator over real HTTP, on a quick (manual) clock.

One scenario drives every rule: a job that fails, one that succeeds, one queued too long (then
succeeds), one stuck past its runtime limit, and a Platform outage. Each rule fires exactly once per
job; a webhook that is down for most of it receives every alert exactly once afterwards; a restart
repeats nothing; ``/metrics`` parses with prometheus_client's parser and equals the emulator's truth.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.emulator_support import emulator_client
from tests.monitor.test_webhook import Hook
from tui.emulator.catalog import FAILURE_KINDS, PROFILE_SCHEMA_NAME
from tui.emulator.clock import ManualClock
from tui.emulator.jobs import Durations, build_schedule
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings
from tui.monitor.alerts.webhook import WebhookSink
from tui.monitor.history.store import HistoryStore
from tui.monitor.metrics import WatchMetrics
from tui.monitor.rules import Rules
from tui.monitor.watcher import Watcher

pytestmark = pytest.mark.slow
START = 1_767_225_600_000
S, MIN = 1000, 60_000
STEP = 15 * S
RULES = Rules(succeeded=True, max_queue_minutes=5, stuck_factor=3.0, max_runtime_minutes=20, api_down_minutes=1)
PLANS = {  # name → (Durations(queue, startup, export, gap, write, tail), failure, stuck)
    "fails": (Durations(60 * S, 10 * S, 120 * S, 10 * S, 30 * S, 5 * S), FAILURE_KINDS[0], False),
    "succeeds": (Durations(30 * S, 10 * S, 150 * S, 10 * S, 60 * S, 10 * S), None, False),
    "queued": (Durations(6 * MIN, 10 * S, 30 * S, 5 * S, 10 * S, 5 * S), None, False),
    "stuck": (Durations(45 * S, 10 * S, 60 * S, 5 * S, 10 * S, 5 * S), None, True),
}


def create_jobs(server: EmulatorServer, api_settings: EmulatorSettings) -> dict[str, str]:
    """Jobs created through the API, then given a known lifecycle (the emulator plans them at random)."""
    s = api_settings
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        token = http.post("/ims/token/v3", data={"grant_type": "client_credentials", "client_id": s.client_id,
                                                 "client_secret": s.client_secret, "scope": "openid"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "x-api-key": s.client_id,
                   "x-gw-ims-org-id": s.org, "x-sandbox-name": s.sandbox}
        datasets = http.get("/data/foundation/catalog/dataSets", headers=headers).json()
        dataset = next(iter(datasets))
        ids = {}
        for name in PLANS:
            made = http.post("/data/core/ups/export/jobs", headers=headers, json={
                "destination": {"datasetId": dataset}, "schema": {"name": PROFILE_SCHEMA_NAME}})
            assert made.status_code == 200, made.text
            ids[name] = str(made.json()["id"])
    tenant = server.store.tenant(s.org, s.sandbox)
    for name, (durations, failure, stuck) in PLANS.items():
        job = tenant.jobs[int(ids[name])]
        job.schedule = build_schedule(job.created, durations, failure=failure, fail_fraction=0.5, stuck=stuck)
        job.failure = failure
    server.requests.clear()
    return ids


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k not in ("org", "sandbox")))
            values[(sample.name, labels)] = sample.value
    return values


async def test_every_rule_fires_once_webhook_gets_all_after_an_outage_and_metrics_equal_the_truth(tmp_path):
    clock = ManualClock(START)
    settings = EmulatorSettings(port=0, jobs=0)
    hook = Hook()
    hook.stop()  # the webhook is down for most of the run
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    metrics = WatchMetrics()
    with EmulatorServer(settings, clock=clock) as server:
        ids = create_jobs(server, settings)
        first_seen = {name: server.store.tenant(settings.org, settings.sandbox).jobs[int(i)].status_at(
            clock.now_ms() + STEP) for name, i in ids.items()}

        def now() -> float:
            return clock.now_ms() / 1000

        api = emulator_client(server, on_answer=metrics.request_counter_for(settings.org, settings.sandbox))
        notes: list[str] = []
        webhook = WebhookSink(hook.url, store, note=notes.append, clock=now, timeout=5)
        watcher = Watcher([api], rules=RULES, store=store, outputs=[webhook], clock=now, metrics=metrics)
        port = metrics.serve("127.0.0.1", 0)
        try:
            for step in range(1, 32 * 4 + 1):  # 32 emulated minutes, a poll every 15 s
                clock.advance(STEP)
                minute = step * STEP / MIN
                server.settings.fault_rate_5xx = 1.0 if 22 <= minute < 25 else 0.0
                if minute == 26:
                    hook.start()  # the webhook comes back
                await watcher.once(ignore_backoff=False)
            clock.advance(6 * MIN)  # the webhook's next retry is due (backoff caps at 5 minutes)
            await watcher.once(ignore_backoff=False)
            fired = Counter((a.job_id, a.event) for a in watcher.fired)
            truth_now = clock.now_ms()
            families = scrape(port)
        finally:
            metrics.close()
            await webhook.aclose()
            await api.aclose()

        by_id = {v: k for k, v in ids.items()}
        named = Counter((by_id.get(job_id, job_id), event) for (job_id, event), n in fired.items() for _ in range(n))
        assert named == Counter({("fails", "failed"): 1, ("succeeds", "succeeded"): 1,
                                 ("queued", "queued_too_long"): 1, ("queued", "succeeded"): 1,
                                 ("stuck", "stuck"): 1, ("stuck", "runtime_exceeded"): 1,
                                 (None, "api_down"): 1, (None, "api_recovered"): 1})

        # the webhook, down until minute 26, got every alert exactly once, in order
        received = [(r.get("job_id"), r["event"]) for r in hook.received]
        assert received == [(a.job_id, a.event) for a in watcher.fired]
        assert webhook.pending() == 0
        assert len(notes) == 2 and "does not take alerts now" in notes[0] and "again" in notes[1]
        hook.stop()

        # the emulator's truth at the same (frozen) emulated time
        tenant = server.store.tenant(settings.org, settings.sandbox)
        statuses = Counter(job.status_at(truth_now) for job in tenant.jobs.values())
        for status in ("NEW", "PROCESSING", "SUCCEEDED", "FAILED"):
            assert families[("aepx_export_jobs", (("status", status),))] == statuses.get(status, 0)
        rendered = [job.render(truth_now) for job in tenant.jobs.values()]
        finished = [r for r in rendered if r["status"] in ("SUCCEEDED", "FAILED")]
        assert families[("aepx_export_job_duration_seconds_count", (("phase", "total"),))] == len(finished) == 3
        assert families[("aepx_export_job_duration_seconds_sum", (("phase", "total"),))] == pytest.approx(
            sum(r["metrics"]["totalTime"]["totalTimeInMs"] for r in finished) / 1000)
        assert families[("aepx_export_job_transitions_total", (("to", "SUCCEEDED"),))] == statuses["SUCCEEDED"]
        assert families[("aepx_export_job_transitions_total", (("to", "FAILED"),))] == statuses["FAILED"]
        started = sum(1 for name, status in first_seen.items() if status == "NEW")
        assert families[("aepx_export_job_transitions_total", (("to", "PROCESSING"),))] == started == 4
        assert families[("aepx_export_jobs_stuck", ())] == 1
        assert families[("aepx_api_up", ())] == 1
        assert families[("aepx_last_poll_timestamp_seconds", ())] > 0
        classes = Counter(f"{r.status // 100}xx" for r in server.requests if not r.path.startswith("/ims/"))
        for status_class in ("2xx", "5xx"):
            assert families[("aepx_api_requests_total", (("status_class", status_class),))] == classes[status_class]
        assert classes["5xx"] > 0

        # a restart on the same history repeats nothing
        again = emulator_client(server)
        try:
            restarted = Watcher([again], rules=RULES, store=store, clock=now)
            for _ in range(4):
                clock.advance(STEP)
                await restarted.once()
            assert restarted.fired == []
        finally:
            await again.aclose()
    store.close()
