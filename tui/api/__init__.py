"""The API layer: ``PlatformClient`` (the ``JobsAPI`` over HTTP) and IMS auth.

Import-light on purpose: importing ``tui.api`` loads neither ``httpx`` nor ``textual``; the names
below are resolved on first use.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "PlatformClient": "tui.api.client",
    "parse_next_cursor": "tui.api.client",
    "ImsAuth": "tui.api.auth",
    "MemoryTokenStore": "tui.api.auth",
    "TokenStore": "tui.api.auth",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tui.api' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
