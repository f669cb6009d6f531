"""Child process: run an emulator with the JSON settings in argv[1]; print its URL; stop on stdin EOF."""

from __future__ import annotations

import json
import sys

from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


def main() -> None:
    spec = json.loads(sys.argv[1])
    spec["latency_ms"] = tuple(spec.get("latency_ms", (0, 0)))
    with EmulatorServer(EmulatorSettings(**spec)) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
