"""The JSON text scanner's figures (``tui.core.json_scan``), run on every edit of a payload.

* ``scan_1mib_ratio``: locating every path of a ~1 MiB payload (a fields list of 30,000 entries, as
  ``validate_text`` and preflight do through ``payload._Locator``) / ``json.loads`` of the same text,
  which the editor does on the same keystroke (medians of interleaved runs). The hand-written
  locator it replaced measured about 37x here (json.loads is C, about 2 ms), the new one about 22x;
  the target, 30x, says it must not fall back.
* ``scan_prefixes_ms`` (detail): ``scan`` of 2,000 prefixes of the segment template, as typed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench.common import median


def _timed(call: Any) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def scan_figures(runs: int = 7) -> dict[str, Any]:
    from tui.core.json_scan import scan
    from tui.core.payload import _Locator
    from tui.core.templates import TEMPLATES, render

    payload = TEMPLATES["segment"].build("ds-1", "mp-1", 1)
    normal = render(payload)
    payload["fields"] = [f"_tenant.group{i % 97}.attribute{i}" for i in range(30_000)]
    big = render(payload)
    prefixes = [normal[: i * len(normal) // 2000] for i in range(2000)]
    located: list[float] = []
    loaded: list[float] = []
    typed: list[float] = []
    for _ in range(runs):
        loaded.append(_timed(lambda: json.loads(big)))
        located.append(_timed(lambda: _Locator(big)))
        typed.append(_timed(lambda: [scan(text) for text in prefixes]))
    return {"scan_1mib_ratio": median(located) / median(loaded), "scan_1mib_ms": median(located) * 1000,
            "scan_1mib_json_loads_ms": median(loaded) * 1000, "scan_prefixes_ms": median(typed) * 1000}


if __name__ == "__main__":
    print(json.dumps(scan_figures(), indent=2))
