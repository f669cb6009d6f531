"""Sandbox types (the Sandbox API's *available sandboxes*) and the fail-closed rule.

A sandbox whose type cannot be learned (an error, a name the list does not hold, a type we do not
know) is treated as ``production``: the confirmations ask for the most care. ``SandboxKind.note`` is
the one sentence that says so (shown once).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PRODUCTION = "production"
DEVELOPMENT = "development"
UNKNOWN = "unknown"
CONFIRM_TYPE_NAME = "type-name"
CONFIRM_YES = "yes"
CONFIRM_MODES = (CONFIRM_TYPE_NAME, CONFIRM_YES)


@dataclass(frozen=True, slots=True)
class SandboxInfo:
    name: str
    title: str = ""
    type: str = UNKNOWN
    state: str = ""
    is_default: bool = False

    @classmethod
    def parse(cls, raw: Any) -> SandboxInfo | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not raw["name"]:
            return None
        kind = raw.get("type")
        kind = kind.lower() if isinstance(kind, str) and kind.lower() in (PRODUCTION, DEVELOPMENT) else UNKNOWN
        title = raw.get("title")
        state = raw.get("state")
        return cls(name=raw["name"], title=title if isinstance(title, str) else "", type=kind,
                   state=state if isinstance(state, str) else "", is_default=raw.get("isDefault") is True)


@dataclass(frozen=True, slots=True)
class SandboxKind:
    """What aepx knows of one sandbox: ``type`` as reported (or ``unknown``) and the fail-closed verdict."""

    sandbox: str
    type: str = UNKNOWN
    #: Why the type is unknown (one sentence, ending in what aepx does about it); None when known.
    note: str | None = None

    @property
    def is_production(self) -> bool:
        return self.type != DEVELOPMENT  # unknown counts as production (fail closed)

    @property
    def label(self) -> str:
        """``production``, ``development`` or ``unknown (treated as production)``."""
        return self.type if self.type != UNKNOWN else "unknown (treated as production)"


def kind_of(sandbox: str, listed: Iterable[SandboxInfo] | None, error: str | None = None) -> SandboxKind:
    """The kind of ``sandbox`` from the available-sandboxes list (None with ``error``: the list failed)."""
    if listed is None:
        why = error or "the Sandbox API did not answer"
        return SandboxKind(sandbox, UNKNOWN, f"The type of sandbox {sandbox} is unknown ({why.rstrip('.')}); "
                                             "aepx treats it as production.")
    for info in listed:
        if info.name == sandbox:
            if info.type == UNKNOWN:
                return SandboxKind(sandbox, UNKNOWN, f"The Sandbox API reports no known type for sandbox "
                                                     f"{sandbox}; aepx treats it as production.")
            return SandboxKind(sandbox, info.type)
    return SandboxKind(sandbox, UNKNOWN, f"Sandbox {sandbox} is not among the sandboxes this credential may "
                                         "use (Sandbox API); aepx treats it as production.")
