"""Kept for imports written before the protocol moved to :mod:`tui.core.protocol`."""

from tui.core.protocol import JobsAPI

__all__ = ["JobsAPI"]
