"""Where the alerts of ``aepx watch`` go: stdout (a line or JSON Lines), webhooks, desktop notifications.

Every output has ``send(alert)`` (quick, never raises into the monitor: problems become one sentence
through ``note``); those that work in the background also have ``async run()`` / ``stop()`` and
``async flush()``. Alerts arrive already sanitised (:mod:`tui.monitor.rules`).
"""

from tui.monitor.alerts.notify import DesktopNotifier
from tui.monitor.alerts.stdout import StdoutSink
from tui.monitor.alerts.webhook import WebhookSink, origin_of

__all__ = ["DesktopNotifier", "StdoutSink", "WebhookSink", "origin_of"]
