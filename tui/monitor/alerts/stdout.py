"""Alerts on stdout: one human line each, or JSON Lines (one object per line, ASCII only)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from tui.monitor.rules import Alert


def json_line(alert: Alert) -> str:
    # ensure_ascii: no control, C1 or bidi character reaches a terminal or a log shipper unescaped
    return json.dumps(alert.to_dict(), ensure_ascii=True, separators=(",", ":"))


class StdoutSink:
    def __init__(self, *, as_json: bool = False, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream
        self.closed = False  # the reader went away (``| head``): stop writing, keep watching

    def send(self, alert: Alert) -> None:
        if self.closed:
            return
        stream = self.stream or sys.stdout
        try:
            stream.write((json_line(alert) if self.as_json else alert.message) + "\n")
            stream.flush()
        except BrokenPipeError:
            self.closed = True
