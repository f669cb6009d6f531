"""Child process for bench/watch.py: an emulator seeded in one sandbox; prints its URL, then answers each
stdin line with its request counts as JSON; stops on stdin EOF."""

from __future__ import annotations

import json
import sys

from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

JOBS_PATH = "/data/core/ups/export/jobs"


def counts(server: EmulatorServer) -> dict[str, int]:
    records = server.requests.snapshot()
    lists = sum(1 for r in records if r.method == "GET" and r.path.rstrip("/") == JOBS_PATH)
    gets = sum(1 for r in records if r.method == "GET" and r.path.startswith(JOBS_PATH + "/"))
    tokens = sum(1 for r in records if r.path == "/ims/token/v3")
    s = server.settings
    tenant = server.store.tenant(s.org, s.sandbox)
    now = server.store.now_ms()
    newest = sorted(tenant.jobs.values(), key=lambda j: j.key, reverse=True)
    active_off_page = sum(1 for j in newest[100:] if j.status_at(now) in ("NEW", "PROCESSING"))
    return {"lists": lists, "gets": gets, "tokens": tokens, "other": len(records) - lists - gets - tokens,
            "active_off_page": active_off_page}


def main() -> None:
    spec = json.loads(sys.argv[1])
    spec["latency_ms"] = tuple(spec.get("latency_ms", (0, 0)))
    with EmulatorServer(EmulatorSettings(**spec)) as server:
        print(server.base_url, flush=True)
        for _line in sys.stdin:
            print(json.dumps(counts(server)), flush=True)


if __name__ == "__main__":
    main()
